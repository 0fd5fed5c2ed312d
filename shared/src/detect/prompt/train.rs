//! Reproducible training of the shipped models from labelled JSONL.
//!
//! The rows are clustered ([`super::dataset::cluster_ids`]); clusters on the test side are held
//! out (unless `holdout` is false), the rest train the model. Same data + same config = the same
//! bytes, so the shipped weights can be checked by retraining.
//!
//! The prompt-injection model also sees a leetspeak copy of every training row (same cluster, so
//! same fold): the normaliser folds leet only where it is unambiguous (`1gn0r3`, not `th3` or
//! `a5515t4nt`), and the model has to carry the rest.
use serde_json::json;

use super::dataset::{cluster_ids, digest, side, Example, Side};
use super::eval::reencode;
use super::features::FEATURE_VERSION;
use super::linear::{train, LinearModel, TrainConfig};
use super::normalize::normalize;
use super::similarity::{KnownAttacks, MinHash};

/// What `aiir train` produces.
#[derive(Debug)]
pub struct Trained {
    pub model: LinearModel,
    /// MinHash corpus of the training attacks (prompt injection only; empty for toxicity).
    pub known: KnownAttacks,
    pub train_rows: usize,
    pub held_out_rows: usize,
}

/// Which detector is trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    PromptInjection,
    Toxicity,
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Task::PromptInjection => "prompt-injection",
            Task::Toxicity => "toxicity",
        }
    }
}

/// Rows on the training side of the split (all rows when `holdout` is false).
pub fn training_rows(rows: &[Example], holdout: bool) -> Vec<&Example> {
    let clusters = cluster_ids(rows);
    rows.iter()
        .zip(&clusters)
        .filter(|(_, c)| !holdout || side(**c) == Side::Train)
        .map(|(r, _)| r)
        .collect()
}

/// Train `task` on `rows`.
pub fn train_task(rows: &[Example], task: Task, holdout: bool, cfg: &TrainConfig) -> Trained {
    let clusters = cluster_ids(rows);
    let mut texts = Vec::new();
    let mut ys = Vec::new();
    let mut groups = Vec::new();
    let mut used: Vec<&Example> = Vec::new();
    for (r, &c) in rows.iter().zip(&clusters) {
        if holdout && side(c) == Side::Test {
            continue;
        }
        texts.push(normalize(&r.text).text);
        ys.push(r.label == 1);
        // Folds by cluster, independent of the test split's residue.
        groups.push(c / super::dataset::TEST_MOD);
        used.push(r);
    }
    let meta = json!({
        "task": task.name(),
        "feature_version": FEATURE_VERSION,
        "train_rows": used.len(),
        "train_positive": ys.iter().filter(|y| **y).count(),
        "held_out": holdout,
        "data_sha256": digest(&used),
        "config": cfg,
    })
    .to_string();
    let model = if task == Task::PromptInjection {
        let (t, y, g) = with_leet_copies(&used, &texts, &ys, &groups);
        train(&t, &y, &g, cfg, meta)
    } else {
        train(&texts, &ys, &groups, cfg, meta)
    };
    let known = if task == Task::PromptInjection {
        let mut sigs: Vec<MinHash> = texts
            .iter()
            .zip(&ys)
            .filter(|(_, y)| **y)
            .map(|(t, _)| {
                let main = t.split('\n').next().unwrap_or("");
                let sq: String = main.chars().filter(|c| c.is_alphanumeric()).collect();
                MinHash::of(&sq)
            })
            .collect();
        sigs.sort_by_key(|s| s.0);
        sigs.dedup();
        KnownAttacks::new(sigs)
    } else {
        KnownAttacks::default()
    };
    Trained {
        model,
        known,
        train_rows: used.len(),
        held_out_rows: rows.len() - used.len(),
    }
}

/// The normalised training texts followed by a normalised leetspeak copy of each row (same label,
/// same fold group). Rows whose copy normalises to the same text add nothing and are skipped.
pub fn with_leet_copies(
    rows: &[&Example],
    texts: &[String],
    ys: &[bool],
    groups: &[u64],
) -> (Vec<String>, Vec<bool>, Vec<u64>) {
    let (mut t, mut y, mut g) = (texts.to_vec(), ys.to_vec(), groups.to_vec());
    for (i, r) in rows.iter().enumerate() {
        let leet = normalize(&reencode(&r.text, "leetspeak")).text;
        if leet != texts[i] {
            t.push(leet);
            y.push(ys[i]);
            g.push(groups[i]);
        }
    }
    (t, y, g)
}
