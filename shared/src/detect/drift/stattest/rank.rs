//! Rank and moment tests: Anderson–Darling k-sample (midrank, scipy's interpolated p-value with
//! its 0.25 cap and 0.001 floor), Cramér–von Mises (Evidently's exact/asymptotic copy of
//! scipy's), Student's t (equal variances), Mann–Whitney U (alternative "less").
// Small dense linear algebra reads clearer with explicit indices.
#![allow(clippy::needless_range_loop)]
use std::collections::BTreeMap;

use crate::detect::drift::special::{
    bessel_k, ln_gamma, norm_cdf, np_mean, np_sum, rank_average, t_sf,
};
use crate::detect::drift::DriftError;

fn count_le(s: &[f64], x: f64) -> usize {
    s.partition_point(|&v| v <= x)
}
fn count_lt(s: &[f64], x: f64) -> usize {
    s.partition_point(|&v| v < x)
}

/// `anderson_ksamp([a, b])` with scipy's default (midrank) variant; inputs sorted.
pub fn anderson_ksamp(a: &[f64], b: &[f64]) -> Result<(f64, f64), DriftError> {
    let mut z: Vec<f64> = a.iter().chain(b.iter()).copied().collect();
    z.sort_by(f64::total_cmp);
    let n_total = z.len();
    let mut zstar = z.clone();
    zstar.dedup();
    if zstar.len() < 2 {
        return Err(DriftError::InvalidInput(
            "anderson needs more than one distinct observation".into(),
        ));
    }
    let nf = n_total as f64;
    let k = 2usize;
    let mut a2 = 0.0;
    for s in [a, b] {
        let ni = s.len() as f64;
        let mut inner = Vec::with_capacity(zstar.len());
        for &zs in &zstar {
            let left = count_lt(&z, zs) as f64;
            let lj = if n_total == zstar.len() {
                1.0
            } else {
                count_le(&z, zs) as f64 - left
            };
            let bj = left + lj / 2.0;
            let le = count_le(s, zs);
            let fij = le - count_lt(s, zs);
            let mij = le as f64 - fij as f64 / 2.0;
            let num = nf * mij - bj * ni;
            inner.push(lj / nf * num * num / (bj * (nf - bj) - nf * lj / 4.0));
        }
        a2 += np_sum(&inner) / ni;
    }
    a2 *= (nf - 1.0) / nf;

    let hh = 1.0 / a.len() as f64 + 1.0 / b.len() as f64;
    // hs_cs = cumsum(1 / [N-1, N-2, ..., 2]); h = hs_cs[-1] + 1; g = sum(hs_cs / [2..N-1]).
    let mut cs = 0.0;
    let mut hs_cs = Vec::with_capacity(n_total.saturating_sub(2));
    let mut d = n_total as i64 - 1;
    while d > 1 {
        cs += 1.0 / d as f64;
        hs_cs.push(cs);
        d -= 1;
    }
    let h = hs_cs.last().copied().unwrap_or(0.0) + 1.0;
    let gterms: Vec<f64> = hs_cs
        .iter()
        .enumerate()
        .map(|(i, v)| v / (i + 2) as f64)
        .collect();
    let g = np_sum(&gterms);
    let kf = k as f64;
    let aa = (4.0 * g - 6.0) * (kf - 1.0) + (10.0 - 6.0 * g) * hh;
    let bb = (2.0 * g - 4.0) * kf * kf + 8.0 * h * kf + (2.0 * g - 14.0 * h - 4.0) * hh - 8.0 * h
        + 4.0 * g
        - 6.0;
    let cc = (6.0 * h + 2.0 * g - 2.0) * kf * kf
        + (4.0 * h - 4.0 * g + 6.0) * kf
        + (2.0 * h - 6.0) * hh
        + 4.0 * h;
    let dd = (2.0 * h + 6.0) * kf * kf - 4.0 * h * kf;
    let sigmasq =
        (aa * nf.powi(3) + bb * nf * nf + cc * nf + dd) / ((nf - 1.0) * (nf - 2.0) * (nf - 3.0));
    let m = kf - 1.0;
    let stat = (a2 - m) / sigmasq.sqrt();

    let b0 = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085];
    let b1 = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615];
    let b2 = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154];
    let sig = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];
    let critical: Vec<f64> = (0..7)
        .map(|i| b0[i] + b1[i] / m.sqrt() + b2[i] / m)
        .collect();
    let cmin = critical.iter().copied().fold(f64::INFINITY, f64::min);
    let cmax = critical.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let p = if stat < cmin {
        0.25
    } else if stat > cmax {
        0.001
    } else {
        let ln_sig: Vec<f64> = sig.iter().map(|s: &f64| s.ln()).collect();
        let c = polyfit2(&critical, &ln_sig);
        (c[0] * stat * stat + c[1] * stat + c[2]).exp()
    };
    Ok((stat, p))
}

/// Least-squares quadratic fit (highest power first), as `np.polyfit(x, y, 2)`.
fn polyfit2(x: &[f64], y: &[f64]) -> [f64; 3] {
    // Normal equations on centred/scaled x keep the 3x3 system well conditioned.
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let sx = (x.iter().map(|v| (v - mx) * (v - mx)).sum::<f64>() / n).sqrt();
    let t: Vec<f64> = x.iter().map(|v| (v - mx) / sx).collect();
    let mut ata = [[0.0f64; 3]; 3];
    let mut aty = [0.0f64; 3];
    for (ti, yi) in t.iter().zip(y) {
        let row = [ti * ti, *ti, 1.0];
        for r in 0..3 {
            for c in 0..3 {
                ata[r][c] += row[r] * row[c];
            }
            aty[r] += row[r] * yi;
        }
    }
    let s = solve3(ata, aty);
    // Back to unscaled x: a t^2 + b t + c with t = (x - mx)/sx.
    let (a, b, c) = (s[0] / (sx * sx), s[1] / sx, s[2]);
    [a, b - 2.0 * a * mx, a * mx * mx - b * mx + c]
}

fn solve3(mut m: [[f64; 3]; 3], mut v: [f64; 3]) -> [f64; 3] {
    for col in 0..3 {
        let piv = (col..3)
            .max_by(|&i, &j| m[i][col].abs().total_cmp(&m[j][col].abs()))
            .unwrap_or(col);
        m.swap(col, piv);
        v.swap(col, piv);
        for r in col + 1..3 {
            let f = m[r][col] / m[col][col];
            for c in col..3 {
                m[r][c] -= f * m[col][c];
            }
            v[r] -= f * v[col];
        }
    }
    let mut x = [0.0; 3];
    for r in (0..3).rev() {
        let mut s = v[r];
        for c in r + 1..3 {
            s -= m[r][c] * x[c];
        }
        x[r] = s / m[r][r];
    }
    x
}

/// Evidently's `_cvm_2samp(method="auto")`: exact for max(n, m) <= 20, else asymptotic.
pub fn cramer_von_mises(xa: &[f64], ya: &[f64]) -> Result<(f64, f64), DriftError> {
    let (nx, ny) = (xa.len(), ya.len());
    if nx <= 1 || ny <= 1 {
        return Err(DriftError::InvalidInput(
            "cramer_von_mises: x and y must contain at least two observations".into(),
        ));
    }
    let z: Vec<f64> = xa.iter().chain(ya.iter()).copied().collect();
    let (r, _) = rank_average(&z);
    let dx: Vec<f64> = (0..nx)
        .map(|i| {
            let d = r[i] - (i + 1) as f64;
            d * d
        })
        .collect();
    let dy: Vec<f64> = (0..ny)
        .map(|i| {
            let d = r[nx + i] - (i + 1) as f64;
            d * d
        })
        .collect();
    let u = nx as f64 * np_sum(&dx) + ny as f64 * np_sum(&dy);
    let k = (nx * ny) as f64;
    let n = (nx + ny) as f64;
    let t = u / (k * n) - (4.0 * k - 1.0) / (6.0 * n);
    let p = if nx.max(ny) <= 20 {
        cvm_exact(u, nx as i64, ny as i64)
    } else {
        let et = (1.0 + 1.0 / n) / 6.0;
        let (nxi, nyi) = (nx as i128, ny as i128);
        let ki = nxi * nyi;
        let ni = nxi + nyi;
        let inner = 4 * ki * ni - 3 * (nxi * nxi + nyi * nyi) - 2 * ki;
        let vt = (n + 1.0) * inner as f64;
        let vt = vt / (45.0 * n * n * 4.0 * k);
        let tn = 1.0 / 6.0 + (t - et) / (45.0 * vt).sqrt();
        if tn < 0.003 {
            1.0
        } else {
            (1.0 - cdf_cvm_inf(tn)).max(0.0)
        }
    };
    Ok((t, p))
}

fn cdf_cvm_inf(x: f64) -> f64 {
    use std::f64::consts::PI;
    let mut tot = 0.0;
    let mut k = 0u32;
    loop {
        let kf = k as f64;
        let u = (ln_gamma(kf + 0.5) - ln_gamma(kf + 1.0)).exp() / (PI.powf(1.5) * x.sqrt());
        let y = 4.0 * kf + 1.0;
        let q = y * y / (16.0 * x);
        let b = bessel_k(0.25, q);
        let z = u * y.sqrt() * (-q).exp() * b;
        tot += z;
        if z.abs() < 1e-7 || k > 1000 {
            break;
        }
        k += 1;
    }
    tot
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Exact null distribution of U by the lattice recursion of `_pval_cvm_2samp_exact`.
fn cvm_exact(s: f64, m: i64, n: i64) -> f64 {
    let lcm = m / gcd(m, n) * n;
    let a = lcm / m;
    let b = lcm / n;
    let mn = (m * n) as f64;
    let l2 = (lcm * lcm) as f64;
    let zeta = (l2 * (m + n) as f64 * (6.0 * s - mn * (4.0 * mn - 1.0)) / (6.0 * mn * mn)).floor();
    let mut combos = 1.0f64;
    // C(m+n, m) as scipy's float factorial ratio.
    for i in 1..=m {
        combos = combos * (n + i) as f64 / i as f64;
    }
    let mut gs: Vec<BTreeMap<i64, u64>> = vec![BTreeMap::new(); (m + 1) as usize];
    gs[0].insert(0, 1);
    for u in 0..=n {
        let mut next: Vec<BTreeMap<i64, u64>> = Vec::with_capacity(gs.len());
        let mut tmp: BTreeMap<i64, u64> = BTreeMap::new();
        for (v, g) in gs.iter().enumerate() {
            let mut merged = tmp.clone();
            for (val, f) in g {
                *merged.entry(*val).or_default() += f;
            }
            let add = (a * v as i64 - b * u) * (a * v as i64 - b * u);
            tmp = merged.into_iter().map(|(k, f)| (k + add, f)).collect();
            next.push(tmp.clone());
        }
        gs = next;
    }
    let hits: u64 = gs[m as usize]
        .iter()
        .filter(|(v, _)| **v as f64 >= zeta)
        .map(|(_, f)| *f)
        .sum();
    hits as f64 / combos
}

/// scipy `ttest_ind(a, b)` (pooled variance): (t, two-sided p).
pub fn t_test(a: &[f64], b: &[f64]) -> (f64, f64) {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let var = |x: &[f64]| {
        let m = np_mean(x);
        let d: Vec<f64> = x.iter().map(|v| (v - m) * (v - m)).collect();
        np_sum(&d) / (x.len() as f64 - 1.0)
    };
    let df = n1 + n2 - 2.0;
    let svar = ((n1 - 1.0) * var(a) + (n2 - 1.0) * var(b)) / df;
    let t = (np_mean(a) - np_mean(b)) / (svar * (1.0 / n1 + 1.0 / n2)).sqrt();
    if !t.is_finite() {
        return (t, f64::NAN);
    }
    (t, (2.0 * t_sf(t.abs(), df)).min(1.0))
}

/// scipy `mannwhitneyu(x=reference, y=current, alternative="less")`: (U1, p).
pub fn mann_whitney_less(x: &[f64], y: &[f64]) -> (f64, f64) {
    let (n1, n2) = (x.len(), y.len());
    let xy: Vec<f64> = x.iter().chain(y.iter()).copied().collect();
    let (ranks, ties) = rank_average(&xy);
    let r1 = np_sum(&ranks[..n1]);
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let u1 = r1 - n1f * (n1f + 1.0) / 2.0;
    let u2 = n1f * n2f - u1;
    let has_ties = ties.iter().any(|&t| t > 1);
    let exact = !(has_ties || n1 > 8 && n2 > 8);
    let p = if exact {
        mwu_exact_sf(n1, n2, u2.round() as i64)
    } else {
        let mu = n1f * n2f / 2.0;
        let n = n1f + n2f;
        let tie_term: f64 = ties
            .iter()
            .map(|&t| {
                let t = t as f64;
                t * t * t - t
            })
            .sum();
        let s = (n1f * n2f / 12.0 * (n + 1.0 - tie_term / (n * (n - 1.0)))).sqrt();
        let z = (u2 - mu - 0.5) / s;
        norm_cdf(-z)
    };
    (u1, p.clamp(0.0, 1.0))
}

/// P(U >= k) under H0 for sample sizes (m, n), by the Mann–Whitney frequency recursion.
fn mwu_exact_sf(m: usize, n: usize, k: i64) -> f64 {
    let (small, big) = if m < n { (m, n) } else { (n, m) };
    let max_u = small * big;
    // f[j][u]: number of arrangements with `j` small-sample items; build via Gaussian binomial
    // coefficients: prod_{i=1..small} (1 - q^{big+i}) / (1 - q^i), in f64 (exact below 2^53).
    let mut poly = vec![0.0f64; max_u + 1];
    poly[0] = 1.0;
    for i in 1..=small {
        // multiply by (1 - q^{big+i})
        let sh = big + i;
        for u in (sh..=max_u).rev() {
            poly[u] -= poly[u - sh];
        }
        // divide by (1 - q^i): running sum with stride i
        for u in i..=max_u {
            poly[u] += poly[u - i];
        }
    }
    let total: f64 = poly.iter().sum();
    let k = k.max(0) as usize;
    if k > max_u {
        return 0.0;
    }
    poly[k..].iter().sum::<f64>() / total
}
