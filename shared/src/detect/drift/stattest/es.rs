//! Epps–Singleton two-sample test on the empirical characteristic function (scipy
//! `epps_singleton_2samp`, t = (0.4, 0.8)), with Evidently's zero-IQR refusal.
// Small dense linear algebra reads clearer with explicit indices.
#![allow(clippy::needless_range_loop)]
use crate::detect::drift::special::{chi2_sf, np_mean};
use crate::detect::drift::DriftError;

/// numpy's default (linear) percentile of sorted data.
fn percentile_sorted(s: &[f64], q: f64) -> f64 {
    let pos = (s.len() - 1) as f64 * q;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(s.len() - 1);
    let g = pos - lo as f64;
    s[lo] + (s[hi] - s[lo]) * g
}

pub fn epps_singleton(x: &[f64], y: &[f64]) -> Result<(f64, f64), DriftError> {
    let (nx, ny) = (x.len(), y.len());
    if nx < 5 || ny < 5 {
        return Err(DriftError::InvalidInput(format!(
            "es: x and y should have at least 5 elements, but len(x) = {nx} and len(y) = {ny}"
        )));
    }
    let mut all: Vec<f64> = x.iter().chain(y).copied().collect();
    all.sort_by(f64::total_cmp);
    let iqr = percentile_sorted(&all, 0.75) - percentile_sorted(&all, 0.25);
    if iqr == 0.0 {
        return Err(DriftError::InvalidInput(
            "es: interquartile range (IQR) is zero; the data need more variability".into(),
        ));
    }
    let sigma = iqr / 2.0;
    let ts = [0.4 / sigma, 0.8 / sigma];
    let feats = |v: &[f64]| -> Vec<[f64; 4]> {
        v.iter()
            .map(|&a| {
                [
                    (ts[0] * a).cos(),
                    (ts[1] * a).cos(),
                    (ts[0] * a).sin(),
                    (ts[1] * a).sin(),
                ]
            })
            .collect()
    };
    let gx = feats(x);
    let gy = feats(y);
    let mean_cov = |g: &[[f64; 4]]| -> ([f64; 4], [[f64; 4]; 4]) {
        let n = g.len() as f64;
        let mut m = [0.0; 4];
        for (r, mr) in m.iter_mut().enumerate() {
            let col: Vec<f64> = g.iter().map(|row| row[r]).collect();
            *mr = np_mean(&col);
        }
        let mut c = [[0.0; 4]; 4];
        for (r, cr) in c.iter_mut().enumerate() {
            for (s, cs) in cr.iter_mut().enumerate() {
                let mut acc = 0.0;
                for row in g {
                    acc += (row[r] - m[r]) * (row[s] - m[s]);
                }
                // np.cov (ddof=1) * (n-1)/n
                *cs = acc / (n - 1.0) * (n - 1.0) / n;
            }
        }
        (m, c)
    };
    let (mx, cx) = mean_cov(&gx);
    let (my, cy) = mean_cov(&gy);
    let n = (nx + ny) as f64;
    let mut est = [[0.0; 4]; 4];
    for r in 0..4 {
        for s in 0..4 {
            est[r][s] = n / nx as f64 * cx[r][s] + n / ny as f64 * cy[r][s];
        }
    }
    let (inv, rank) = pinv_sym(est);
    let d: Vec<f64> = (0..4).map(|i| mx[i] - my[i]).collect();
    let mut w = 0.0;
    for r in 0..4 {
        for s in 0..4 {
            w += d[r] * inv[r][s] * d[s];
        }
    }
    w *= n;
    if nx.max(ny) < 25 {
        let corr =
            1.0 / (1.0 + n.powf(-0.45) + 10.1 * ((nx as f64).powf(-1.7) + (ny as f64).powf(-1.7)));
        w *= corr;
    }
    Ok((w, chi2_sf(w, rank as f64)))
}

/// Pseudo-inverse and rank of a symmetric PSD 4x4 matrix by Jacobi eigen-decomposition, with
/// numpy's cut-off (4 * eps * largest singular value).
fn pinv_sym(a: [[f64; 4]; 4]) -> ([[f64; 4]; 4], usize) {
    let mut m = a;
    let mut v = [[0.0; 4]; 4];
    for (i, row) in v.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for _ in 0..100 {
        let mut off = 0.0;
        for p in 0..4 {
            for q in p + 1..4 {
                off += m[p][q] * m[p][q];
            }
        }
        if off < 1e-300 {
            break;
        }
        for p in 0..4 {
            for q in p + 1..4 {
                if m[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (m[q][q] - m[p][p]) / (2.0 * m[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..4 {
                    let (mkp, mkq) = (m[k][p], m[k][q]);
                    m[k][p] = c * mkp - s * mkq;
                    m[k][q] = s * mkp + c * mkq;
                }
                for k in 0..4 {
                    let (mpk, mqk) = (m[p][k], m[q][k]);
                    m[p][k] = c * mpk - s * mqk;
                    m[q][k] = s * mpk + c * mqk;
                }
                for row in v.iter_mut() {
                    let (vp, vq) = (row[p], row[q]);
                    row[p] = c * vp - s * vq;
                    row[q] = s * vp + c * vq;
                }
            }
        }
    }
    let eig: Vec<f64> = (0..4).map(|i| m[i][i]).collect();
    let smax = eig.iter().fold(0.0f64, |a, e| a.max(e.abs()));
    // numpy cuts at 4 eps * smax; rank-deficient covariances (few distinct values) leave
    // rounding-noise eigenvalues around that level whose size depends on summation order, so
    // cut a little higher to drop them the way numpy's (smaller) noise is dropped.
    let cutoff = (4.0 * f64::EPSILON * smax).max(1e-12 * smax);
    let mut inv = [[0.0; 4]; 4];
    let mut rank = 0;
    for (k, &e) in eig.iter().enumerate() {
        if e.abs() > cutoff {
            rank += 1;
            for r in 0..4 {
                for s in 0..4 {
                    inv[r][s] += v[r][k] * v[s][k] / e;
                }
            }
        }
    }
    (inv, rank)
}
