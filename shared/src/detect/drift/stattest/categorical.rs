//! Tests on value frequencies: chi-square, two-proportion z, G-test, Fisher's exact, TVD.
use crate::detect::drift::rng::Mt19937;
use crate::detect::drift::special::{chi2_sf, ln_binom, norm_cdf, np_sum};
use crate::detect::drift::values::{joint_counts, Key, Values};
use crate::detect::drift::DriftError;

/// scipy `chisquare(f_obs = current counts, f_exp = reference counts * n_cur / n_ref)`.
pub fn chisquare(reference: &Values, current: &Values) -> (f64, f64) {
    let c = joint_counts(reference, current);
    let k_norm = current.len() as f64 / reference.len() as f64;
    let mut stat = 0.0;
    for (r, o) in c.reference.iter().zip(&c.current) {
        let e = *r as f64 * k_norm;
        let d = *o as f64 - e;
        stat += d * d / e;
    }
    let df = c.keys.len() as f64 - 1.0;
    // scipy gives NaN for zero degrees of freedom (a single value in both samples).
    let p = if df <= 0.0 {
        f64::NAN
    } else {
        chi2_sf(stat, df)
    };
    (stat, p)
}

/// Evidently's two-proportion z-test: the first (smallest) value against all others.
pub fn z_test(reference: &Values, current: &Values) -> (Option<f64>, f64) {
    let c = joint_counts(reference, current);
    let r_single = c.reference.iter().filter(|&&k| k > 0).count() == 1;
    let c_single = c.current.iter().filter(|&&k| k > 0).count() == 1;
    if r_single && c_single && c.keys.len() == 1 {
        return (None, 1.0);
    }
    let (n1, n2) = (reference.len() as f64, current.len() as f64);
    // Indicator is 0 for keys[0], 1 otherwise.
    let p1 = (reference.len() as u64 - c.reference[0]) as f64 / n1;
    let p2 = (current.len() as u64 - c.current[0]) as f64 / n2;
    let pp = (p1 * n1 + p2 * n2) / (n1 + n2);
    let z = (p1 - p2) / (pp * (1.0 - pp) * (1.0 / n1 + 1.0 / n2)).sqrt();
    let p = 2.0 * (1.0 - norm_cdf(z.abs()));
    (Some(z), p)
}

/// scipy `power_divergence(current, reference counts, lambda_="log-likelihood")`. scipy refuses
/// when the two sums differ (relative 1.5e-8), i.e. when the samples differ in size.
pub fn g_test(reference: &Values, current: &Values) -> Result<(f64, f64), DriftError> {
    let c = joint_counts(reference, current);
    let (so, se) = (current.len() as f64, reference.len() as f64);
    if (so - se).abs() / so.min(se) > f64::EPSILON.sqrt() {
        return Err(DriftError::InvalidInput(format!(
            "g_test needs reference and current of the same size (got {} and {}), as scipy's power_divergence sum check",
            reference.len(),
            current.len()
        )));
    }
    let mut stat = 0.0;
    for (e, o) in c.reference.iter().zip(&c.current) {
        let (o, e) = (*o as f64, *e as f64);
        if o > 0.0 {
            stat += 2.0 * o * (o / e).ln();
        }
    }
    let df = c.keys.len() as f64 - 1.0;
    let p = if df <= 0.0 {
        f64::NAN
    } else {
        chi2_sf(stat, df)
    };
    Ok((stat, p))
}

/// Fisher's exact test (two-sided) on the 2x2 table of binary values, as Evidently builds it.
/// Returns (odds ratio, p-value).
pub fn fisher_exact(reference: &Values, current: &Values) -> Result<(f64, f64), DriftError> {
    if reference.len() != current.len() {
        return Err(DriftError::InvalidInput(
            "fisher_exact needs reference and current of equal length (as Evidently)".into(),
        ));
    }
    if reference.nunique() > 2 || current.nunique() > 2 {
        return Err(DriftError::InvalidInput(
            "fisher_exact expects binary data for both reference and current, but found unique categories > 2".into(),
        ));
    }
    let c = joint_counts(reference, current);
    if c.keys.len() > 2 {
        return Err(DriftError::InvalidInput(
            "fisher_exact expects at most 2 categories over both samples".into(),
        ));
    }
    // Which value maps to 1 follows Python set order in Evidently; the two-sided p-value does
    // not depend on it (it only swaps the table's columns).
    let one = |v: &[u64]| if v.len() == 2 { v[1] } else { 0 };
    let (n_r, n_c) = (reference.len() as u64, current.len() as u64);
    let one_cur = one(&c.current);
    let one_ref = one(&c.reference);
    let t = [[one_cur, n_c - one_cur], [one_ref, n_r - one_ref]];
    Ok(fisher_2x2(t))
}

fn fisher_2x2(t: [[u64; 2]; 2]) -> (f64, f64) {
    let col0 = t[0][0] + t[1][0];
    let col1 = t[0][1] + t[1][1];
    let row0 = t[0][0] + t[0][1];
    let row1 = t[1][0] + t[1][1];
    if col0 == 0 || col1 == 0 || row0 == 0 || row1 == 0 {
        return (f64::NAN, 1.0);
    }
    let odds = if t[1][0] > 0 && t[0][1] > 0 {
        (t[0][0] * t[1][1]) as f64 / (t[1][0] * t[0][1]) as f64
    } else {
        f64::INFINITY
    };
    // Hypergeometric: population row0+row1, successes row0, draws col0; x = t[0][0].
    let (nn, k, n) = (row0 + row1, row0, col0);
    let lo = n.saturating_sub(nn - k);
    let hi = n.min(k);
    let ln_pmf = |x: u64| ln_binom(k, x) + ln_binom(nn - k, n - x) - ln_binom(nn, n);
    let l_obs = ln_pmf(t[0][0]);
    // scipy sums every table no more likely than the observed one (relative tolerance 1e-14
    // there; 1e-12 here because our log-pmf carries ~1e-13 rounding).
    let mut p = 0.0;
    for x in lo..=hi {
        let l = ln_pmf(x);
        if l <= l_obs + 1e-12 {
            p += l.exp();
        }
    }
    (odds, p.min(1.0))
}

/// Evidently's TVD permutation test: numpy legacy RNG seeded with 0, 1000 permutations,
/// p = share of permuted TVDs >= observed.
pub fn tvd_test(reference: &Values, current: &Values) -> (f64, f64) {
    let c = joint_counts(reference, current);
    let (rn, cn) = (reference.len() as u64, current.len() as u64);
    // Evidently's float arithmetic (0.5 * sum |r/R - c/C| over keys in ascending order, which
    // is Python's set order for small integers): permuted statistics that equal the observed
    // one mathematically compare the way they do in numpy.
    let tvd_f = |r: &[u64], cc: &[u64]| -> f64 {
        let terms: Vec<f64> = r
            .iter()
            .zip(cc)
            .map(|(&a, &b)| (a as f64 / rn as f64 - b as f64 / cn as f64).abs())
            .collect();
        0.5 * np_sum(&terms)
    };
    let observed = tvd_f(&c.reference, &c.current);
    // Combined data as key indices, reference first, then current.
    let idx_of = |v: &Values| -> Vec<usize> {
        match v {
            Values::Num { values, .. } => values
                .iter()
                .map(|x| {
                    let x = if *x == 0.0 { 0.0 } else { *x };
                    c.keys
                        .binary_search_by(|k| match k {
                            Key::Num(y) => y.total_cmp(&x),
                            Key::Str(_) => std::cmp::Ordering::Greater,
                        })
                        .unwrap_or(0)
                })
                .collect(),
            Values::Str { labels } => {
                // Each label's key index once, then one lookup per value.
                let key_of: Vec<usize> = labels
                    .names()
                    .iter()
                    .map(|s| {
                        c.keys
                            .binary_search_by(|k| match k {
                                Key::Str(t) => t.as_str().cmp(s.as_str()),
                                Key::Num(_) => std::cmp::Ordering::Less,
                            })
                            .unwrap_or(0)
                    })
                    .collect();
                labels.codes().iter().map(|&k| key_of[k as usize]).collect()
            }
        }
    };
    let mut combined = idx_of(reference);
    combined.extend(idx_of(current));
    let total = combined.len();
    let nk = c.keys.len();
    let mut all_counts = vec![0u64; nk];
    for &i in &combined {
        all_counts[i] += 1;
    }
    let mut rng = Mt19937::numpy(0);
    let iterations = 1000;
    let mut hits = 0usize;
    let mut r_counts = vec![0u64; nk];
    let mut c_counts = vec![0u64; nk];
    for _ in 0..iterations {
        let perm = rng.permutation(total);
        r_counts.iter_mut().for_each(|x| *x = 0);
        for &p in &perm[..rn as usize] {
            r_counts[combined[p]] += 1;
        }
        for i in 0..nk {
            c_counts[i] = all_counts[i] - r_counts[i];
        }
        if observed <= tvd_f(&r_counts, &c_counts) {
            hits += 1;
        }
    }
    (observed, hits as f64 / iterations as f64)
}
