//! Distances between binned distributions: Jensen–Shannon, PSI, KL, Hellinger.
use crate::detect::drift::binning::{binned_shares, histogram, sturges_edges};
use crate::detect::drift::special::np_sum;
use crate::detect::drift::values::{joint_counts, Values};
use crate::detect::drift::ColumnType;

fn rel_entr(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        x * (x / y).ln()
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

fn normalise(p: &[f64]) -> Vec<f64> {
    let s = np_sum(p);
    p.iter().map(|x| x / s).collect()
}

/// `scipy.spatial.distance.jensenshannon` (natural log) on unfilled binned shares.
pub fn jensenshannon(reference: &Values, current: &Values, ctype: ColumnType) -> f64 {
    let (r, c) = binned_shares(reference, current, ctype, false);
    let p = normalise(&r);
    let q = normalise(&c);
    let m: Vec<f64> = p.iter().zip(&q).map(|(a, b)| (a + b) / 2.0).collect();
    let left: Vec<f64> = p.iter().zip(&m).map(|(a, b)| rel_entr(*a, *b)).collect();
    let right: Vec<f64> = q.iter().zip(&m).map(|(a, b)| rel_entr(*a, *b)).collect();
    let js = np_sum(&left) + np_sum(&right);
    (js / 2.0).sqrt()
}

/// Population stability index on zero-filled binned shares.
pub fn psi(reference: &Values, current: &Values, ctype: ColumnType) -> f64 {
    let (r, c) = binned_shares(reference, current, ctype, true);
    let terms: Vec<f64> = r
        .iter()
        .zip(&c)
        .map(|(a, b)| (a - b) * (a / b).ln())
        .collect();
    np_sum(&terms)
}

/// `scipy.stats.entropy(reference, current)` on zero-filled binned shares.
pub fn kl_div(reference: &Values, current: &Values, ctype: ColumnType) -> f64 {
    let (r, c) = binned_shares(reference, current, ctype, true);
    let p = normalise(&r);
    let q = normalise(&c);
    let terms: Vec<f64> = p.iter().zip(&q).map(|(a, b)| rel_entr(*a, *b)).collect();
    np_sum(&terms)
}

/// Evidently's Hellinger distance: per-value shares for categorical columns; for numerical
/// ones, density histograms on Sturges edges computed over the distinct values.
pub fn hellinger(reference: &Values, current: &Values, ctype: ColumnType) -> f64 {
    let mut s = 0.0;
    match (ctype, reference, current) {
        (
            ColumnType::Numerical,
            Values::Num {
                values: r,
                integer: ri,
            },
            Values::Num {
                values: c,
                integer: ci,
            },
        ) => {
            let mut keys: Vec<f64> = r.iter().chain(c.iter()).copied().collect();
            keys.sort_by(f64::total_cmp);
            keys.dedup();
            let edges = sturges_edges(&keys, *ri && *ci);
            let density = |v: &[f64]| -> Vec<f64> {
                let h = histogram(v, &edges);
                let total: u64 = h.iter().sum();
                h.iter()
                    .enumerate()
                    .map(|(i, &k)| k as f64 / (edges[i + 1] - edges[i]) / total as f64)
                    .collect()
            };
            let h1 = density(r);
            let h2 = density(c);
            let nb = edges.len() - 1;
            let bin_width = (edges[nb] - edges[0]) / nb as f64;
            for i in 0..nb {
                s += (h1[i] * h2[i]).sqrt() * bin_width;
            }
        }
        _ => {
            let cnt = joint_counts(reference, current);
            let (rn, cn) = (reference.len() as f64, current.len() as f64);
            for (a, b) in cnt.reference.iter().zip(&cnt.current) {
                s += ((*a as f64 / rn) * (*b as f64 / cn)).sqrt();
            }
        }
    }
    (1.0 - s.clamp(0.0, 1.0)).sqrt()
}
