//! Decision settings chosen on training data only. The model-only penalty (log-odds taken off
//! when nothing but the model speaks) and the further penalty for framed text (meta or developer
//! talk about prompts, see [`super::context`]) are tuned on out-of-fold model scores of the training split
//! (each row scored by a model trained without its cluster fold, as for the Platt calibration),
//! combined with the rules exactly as [`PromptDetector::combine`] does. Known-attack similarity
//! is left out: the training attacks are the known-attack corpus, so it would be in-sample.
use std::collections::BTreeMap;

use serde::Serialize;

use super::dataset::{cluster_ids, side, Example, Side, TEST_MOD};
use super::linear::{out_of_fold_logits, TrainConfig};
use super::metrics::Metrics;
use super::normalize::normalize;
use super::similarity::KnownAttacks;
use super::PromptDetector;
use crate::detect::prompt::rules::RuleSet;

/// Out-of-fold figures of one candidate (model-only penalty, frame penalty).
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub penalty: f32,
    pub frame_penalty: f32,
    pub overall: Metrics,
    pub per_source: BTreeMap<String, Metrics>,
}

/// Out-of-fold metrics of the training split for each (model-only penalty, frame penalty) in
/// `grid`.
pub fn penalty_table(
    rows: &[Example],
    det: &PromptDetector,
    cfg: &TrainConfig,
    grid: &[(f32, f32)],
) -> Vec<Candidate> {
    let clusters = cluster_ids(rows);
    let (mut train, mut groups) = (Vec::new(), Vec::new());
    for (r, &c) in rows.iter().zip(&clusters) {
        if side(c) == Side::Train {
            train.push(r);
            // The same folds as training (`train::train_task`).
            groups.push(c / TEST_MOD);
        }
    }
    let normed: Vec<_> = train.iter().map(|r| normalize(&r.text)).collect();
    let texts: Vec<String> = normed.iter().map(|n| n.text.clone()).collect();
    let ys: Vec<bool> = train.iter().map(|r| r.label == 1).collect();
    // Trained as the shipped model is (with leetspeak copies); scored on the rows themselves.
    let (aug_texts, aug_ys, aug_groups) =
        super::train::with_leet_copies(&train, &texts, &ys, &groups);
    let logits = out_of_fold_logits(&aug_texts, &aug_ys, &aug_groups, cfg);
    let logits = &logits[..texts.len()];
    grid.iter()
        .map(|&(penalty, frame_penalty)| {
            let d = PromptDetector {
                rules: RuleSet::builtin().expect("builtin rules"),
                model: det.model.clone(),
                known: KnownAttacks::default(),
                threshold: det.threshold,
                model_only_penalty: penalty,
                frame_penalty,
            };
            let scores: Vec<f64> = normed
                .iter()
                .zip(logits)
                .map(|(n, &z)| d.combine(n.clone(), z).score)
                .collect();
            let rows: Vec<Example> = train.iter().map(|r| (*r).clone()).collect();
            let rep = super::eval::report(&rows, &scores, det.threshold);
            Candidate {
                penalty,
                frame_penalty,
                overall: rep.overall,
                per_source: rep.per_source,
            }
        })
        .collect()
}
