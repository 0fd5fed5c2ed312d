//! Distances between empirical CDFs: normed Wasserstein and energy distance (scipy's
//! `_cdf_distance` with p = 1 and p = 2).
use crate::detect::drift::special::{np_std, sort_f64};

/// ∫ |U - V|^p over the merged support, for p in {1, 2} (no final root).
fn cdf_distance_pow(u: &[f64], v: &[f64], p: u8) -> f64 {
    let mut us = u.to_vec();
    let mut vs = v.to_vec();
    sort_f64(&mut us);
    sort_f64(&mut vs);
    // Merge the two sorted samples (same order as sorting their concatenation).
    let mut all: Vec<f64> = Vec::with_capacity(us.len() + vs.len());
    let (mut i, mut j) = (0usize, 0usize);
    while i < us.len() || j < vs.len() {
        if j >= vs.len() || (i < us.len() && us[i].total_cmp(&vs[j]).is_le()) {
            all.push(us[i]);
            i += 1;
        } else {
            all.push(vs[j]);
            j += 1;
        }
    }
    let (nu, nv) = (us.len() as f64, vs.len() as f64);
    let (mut iu, mut iv) = (0usize, 0usize);
    let mut sum = 0.0;
    for w in all.windows(2) {
        let x = w[0];
        while iu < us.len() && us[iu] <= x {
            iu += 1;
        }
        while iv < vs.len() && vs[iv] <= x {
            iv += 1;
        }
        let d = (iu as f64 / nu - iv as f64 / nv).abs();
        let delta = w[1] - w[0];
        sum += if p == 1 { d * delta } else { d * d * delta };
    }
    sum
}

/// Evidently's `wasserstein`: W1(reference, current) / max(std(reference), 0.001).
pub fn wasserstein_norm(reference: &[f64], current: &[f64]) -> f64 {
    let norm = np_std(reference).max(0.001);
    cdf_distance_pow(reference, current, 1) / norm
}

/// scipy `energy_distance`: sqrt(2) * sqrt(∫ (U - V)^2).
pub fn energy_distance(reference: &[f64], current: &[f64]) -> f64 {
    std::f64::consts::SQRT_2 * cdf_distance_pow(reference, current, 2).sqrt()
}
