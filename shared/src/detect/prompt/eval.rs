//! Evaluation: metrics overall and per source, the length-shortcut check, and robustness to
//! re-encoding. Used by `aiir eval` and by the accuracy tests.
use std::collections::BTreeMap;

use base64::Engine;
use serde::Serialize;

use super::dataset::{cluster_ids, side, Example, Side};
use super::metrics::Metrics;

/// Which rows to evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    All,
    Train,
    Test,
}

/// Rows of `split` (clusters computed over all `rows`, exactly as training does).
pub fn select(rows: &[Example], split: Split) -> Vec<Example> {
    if split == Split::All {
        return rows.to_vec();
    }
    let c = cluster_ids(rows);
    rows.iter()
        .zip(c)
        .filter(|(_, c)| match split {
            Split::Test => side(*c) == Side::Test,
            Split::Train => side(*c) == Side::Train,
            Split::All => true,
        })
        .map(|(r, _)| r.clone())
        .collect()
}

/// Metrics overall and per source.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub overall: Metrics,
    pub per_source: BTreeMap<String, Metrics>,
}

pub fn report(rows: &[Example], scores: &[f64], threshold: f64) -> Report {
    let labels: Vec<bool> = rows.iter().map(|r| r.label == 1).collect();
    let overall = Metrics::compute(scores, &labels, threshold);
    let mut groups: BTreeMap<String, (Vec<f64>, Vec<bool>)> = BTreeMap::new();
    for ((r, &s), &y) in rows.iter().zip(scores).zip(&labels) {
        let g = groups.entry(r.source.clone()).or_default();
        g.0.push(s);
        g.1.push(y);
    }
    let per_source = groups
        .into_iter()
        .map(|(k, (s, y))| (k, Metrics::compute(&s, &y, threshold)))
        .collect();
    Report {
        overall,
        per_source,
    }
}

/// How much a length-only classifier gets, and how the real scores do once length can't help.
#[derive(Debug, Clone, Serialize)]
pub struct LengthCheck {
    /// Best length threshold (chosen on these rows: an optimistic bound for the shortcut).
    pub length_threshold: usize,
    pub length_only: Metrics,
    /// Rows whose length lies in the band where both classes have data (10th percentile of
    /// attacks .. 90th percentile of benign), scored by the detector.
    pub band: (usize, usize),
    pub detector_in_band: Metrics,
}

pub fn length_check(rows: &[Example], scores: &[f64], threshold: f64) -> Option<LengthCheck> {
    let labels: Vec<bool> = rows.iter().map(|r| r.label == 1).collect();
    let lens: Vec<f64> = rows.iter().map(|r| r.text.chars().count() as f64).collect();
    let mut cands: Vec<usize> = lens.iter().map(|&l| l as usize).collect();
    cands.sort_unstable();
    cands.dedup();
    let mut best = (0usize, Metrics::default());
    for &t in &cands {
        let m = Metrics::compute(&lens, &labels, t as f64);
        if m.balanced_accuracy > best.1.balanced_accuracy {
            best = (t, m);
        }
    }
    let pct = |mut v: Vec<usize>, p: f64| {
        v.sort_unstable();
        v.get(((v.len() as f64 - 1.0) * p) as usize).copied()
    };
    let att: Vec<usize> = rows
        .iter()
        .filter(|r| r.label == 1)
        .map(|r| r.text.chars().count())
        .collect();
    let ben: Vec<usize> = rows
        .iter()
        .filter(|r| r.label == 0)
        .map(|r| r.text.chars().count())
        .collect();
    let lo = pct(att, 0.1)?;
    let hi = pct(ben, 0.9)?;
    let (lo, hi) = (lo.min(hi), lo.max(hi));
    let (s, y): (Vec<f64>, Vec<bool>) = rows
        .iter()
        .zip(scores)
        .zip(&labels)
        .filter(|((r, _), _)| (lo..=hi).contains(&r.text.chars().count()))
        .map(|((_, &s), &y)| (s, y))
        .unzip();
    Some(LengthCheck {
        length_threshold: best.0,
        length_only: best.1,
        band: (lo, hi),
        detector_in_band: Metrics::compute(&s, &y, threshold),
    })
}

/// Re-encodings an attacker uses; each attack is re-encoded and scanned again.
pub const ENCODINGS: &[&str] = &["base64", "homoglyphs", "zero-width", "leetspeak"];

pub fn reencode(text: &str, how: &str) -> String {
    match how {
        "base64" => base64::engine::general_purpose::STANDARD.encode(text.as_bytes()),
        "homoglyphs" => text
            .chars()
            .map(|c| match c {
                'a' => 'а',
                'e' => 'е',
                'o' => 'о',
                'p' => 'р',
                'c' => 'с',
                'i' => 'і',
                'x' => 'х',
                'y' => 'у',
                _ => c,
            })
            .collect(),
        "zero-width" => {
            let mut s = String::with_capacity(text.len() * 2);
            for c in text.chars() {
                s.push(c);
                if c.is_alphanumeric() {
                    s.push('\u{200B}');
                }
            }
            s
        }
        "leetspeak" => text
            .split(' ')
            .map(|w| {
                // Leave the first letter so words stay leet words, not numbers.
                let mut out = String::new();
                for (i, c) in w.chars().enumerate() {
                    out.push(match c {
                        'e' if i > 0 => '3',
                        'a' if i > 0 => '4',
                        'o' if i > 0 => '0',
                        'i' if i > 0 => '1',
                        's' if i > 0 => '5',
                        _ => c,
                    });
                }
                out
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => text.to_string(),
    }
}

/// Detection rate of the attacks as given and after each re-encoding.
#[derive(Debug, Clone, Serialize)]
pub struct Robustness {
    pub attacks: usize,
    pub plain_rate: f64,
    /// (encoding, rate, rate among attacks caught in plain form)
    pub encoded: Vec<(String, f64, f64)>,
}

pub fn robustness(attacks: &[&str], threshold: f64, score: impl Fn(&str) -> f64) -> Robustness {
    let plain: Vec<bool> = attacks.iter().map(|t| score(t) >= threshold).collect();
    let n = attacks.len().max(1) as f64;
    let caught = plain.iter().filter(|b| **b).count();
    let encoded = ENCODINGS
        .iter()
        .map(|how| {
            let hits: Vec<bool> = attacks
                .iter()
                .map(|t| score(&reencode(t, how)) >= threshold)
                .collect();
            let rate = hits.iter().filter(|b| **b).count() as f64 / n;
            let kept = hits.iter().zip(&plain).filter(|(h, p)| **h && **p).count() as f64
                / caught.max(1) as f64;
            (how.to_string(), rate, kept)
        })
        .collect();
    Robustness {
        attacks: attacks.len(),
        plain_rate: caught as f64 / n,
        encoded,
    }
}
