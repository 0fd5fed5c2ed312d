//! Distances between empirical CDFs: normed Wasserstein and energy distance (scipy's
//! `_cdf_distance` with p = 1 and p = 2).
use crate::detect::drift::special::{np_std, sort_f64_with};

/// ∫ |U - V|^p over the merged support, for p in {1, 2} (no final root).
fn cdf_distance_pow(u: &[f64], v: &[f64], p: u8) -> f64 {
    if let Some(d) = super::decimal_cdf::decimal_cdf_distance_pow(u, v, p) {
        return d;
    }
    sorted_cdf_distance_pow(u, v, p)
}

/// scipy's way: sort both samples and walk the merge.
pub(super) fn sorted_cdf_distance_pow(u: &[f64], v: &[f64], p: u8) -> f64 {
    let mut us = u.to_vec();
    let mut vs = v.to_vec();
    let mut scratch = Vec::new();
    sort_f64_with(&mut us, &mut scratch);
    sort_f64_with(&mut vs, &mut scratch);
    drop(scratch);
    // Walk the merged support (the sorted concatenation) without materialising it: at each
    // point x_k the CDFs count values <= x_k, times the gap to the next point.
    let (nu, nv) = (us.len() as f64, vs.len() as f64);
    let total = us.len() + vs.len();
    let (mut i, mut j) = (0usize, 0usize); // merge cursors
    let (mut iu, mut iv) = (0usize, 0usize); // CDF counts
    let mut sum = 0.0;
    let next = |i: &mut usize, j: &mut usize| -> f64 {
        if *j >= vs.len() || (*i < us.len() && us[*i].total_cmp(&vs[*j]).is_le()) {
            *i += 1;
            us[*i - 1]
        } else {
            *j += 1;
            vs[*j - 1]
        }
    };
    let mut x = next(&mut i, &mut j);
    for _ in 1..total {
        let y = next(&mut i, &mut j);
        while iu < us.len() && us[iu] <= x {
            iu += 1;
        }
        while iv < vs.len() && vs[iv] <= x {
            iv += 1;
        }
        let d = (iu as f64 / nu - iv as f64 / nv).abs();
        let delta = y - x;
        sum += if p == 1 { d * delta } else { d * d * delta };
        x = y;
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
