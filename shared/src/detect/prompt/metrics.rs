//! Binary-classification metrics for `aiir eval` and the accuracy tests.
use serde::Serialize;

/// Confusion matrix and the usual figures derived from it, plus ROC-AUC from the scores.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Metrics {
    pub n: usize,
    pub tp: usize,
    pub fp: usize,
    pub tn: usize,
    pub fn_: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub balanced_accuracy: f64,
    pub false_positive_rate: f64,
    /// `None` when only one class is present.
    pub roc_auc: Option<f64>,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl Metrics {
    /// `scores[i]` in [0, 1], predicted positive when `>= threshold`.
    pub fn compute(scores: &[f64], labels: &[bool], threshold: f64) -> Metrics {
        let mut m = Metrics {
            n: scores.len(),
            ..Default::default()
        };
        for (&s, &y) in scores.iter().zip(labels) {
            match (s >= threshold, y) {
                (true, true) => m.tp += 1,
                (true, false) => m.fp += 1,
                (false, false) => m.tn += 1,
                (false, true) => m.fn_ += 1,
            }
        }
        m.precision = ratio(m.tp, m.tp + m.fp);
        m.recall = ratio(m.tp, m.tp + m.fn_);
        m.f1 = if m.precision + m.recall > 0.0 {
            2.0 * m.precision * m.recall / (m.precision + m.recall)
        } else {
            0.0
        };
        m.false_positive_rate = ratio(m.fp, m.fp + m.tn);
        let pos = m.tp + m.fn_;
        let neg = m.fp + m.tn;
        m.balanced_accuracy = match (pos, neg) {
            (0, _) => 1.0 - m.false_positive_rate,
            (_, 0) => m.recall,
            _ => (m.recall + 1.0 - m.false_positive_rate) / 2.0,
        };
        m.roc_auc = roc_auc(scores, labels);
        m
    }
}

/// Area under the ROC curve (Mann-Whitney U with tie correction).
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut rank_sum, mut pos, mut neg) = (0f64, 0usize, 0usize);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            if labels[k] {
                rank_sum += avg_rank;
                pos += 1;
            } else {
                neg += 1;
            }
        }
        i = j + 1;
    }
    if pos == 0 || neg == 0 {
        return None;
    }
    Some((rank_sum - (pos * (pos + 1)) as f64 / 2.0) / (pos as f64 * neg as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures() {
        let m = Metrics::compute(
            &[0.9, 0.8, 0.2, 0.6, 0.1],
            &[true, true, true, false, false],
            0.5,
        );
        assert_eq!((m.tp, m.fn_, m.fp, m.tn), (2, 1, 1, 1));
        assert!((m.balanced_accuracy - (2.0 / 3.0 + 0.5) / 2.0).abs() < 1e-9);
        assert!((m.roc_auc.unwrap() - 5.0 / 6.0).abs() < 1e-9);
        assert_eq!(roc_auc(&[0.5, 0.5], &[true, false]), Some(0.5));
        assert_eq!(roc_auc(&[0.5], &[true]), None);
    }
}
