//! Evidently's `empirical_mmd`: RBF-kernel MMD with the median heuristic on the reference
//! sample, p-value from 100 permutations drawn from numpy's legacy generator.
use crate::detect::drift::rng::Mt19937;
use crate::detect::drift::special::np_sum;

use super::ks::round_half_even;

/// Largest combined sample the O(N²) kernel matrix is built for (Evidently has the same cost).
pub const MMD_MAX_N: usize = 5000;

fn sq_dist(xi: f64, yj: f64) -> f64 {
    // numpy: doty.T - 2 * np.dot(x, y.T) + dotx
    (yj * yj - 2.0 * (xi * yj)) + xi * xi
}

/// Kernel matrix over reference ++ current with a zero diagonal, row-major N x N.
pub fn kernel_matrix(x: &[f64], y: &[f64]) -> Vec<f64> {
    let (nx, ny) = (x.len(), y.len());
    let n = nx + ny;
    let mut dxx: Vec<f64> = Vec::with_capacity(nx * nx);
    for &xi in x {
        for &xj in x {
            dxx.push(sq_dist(xi, xj));
        }
    }
    let mut flat = dxx.clone();
    let idx = round_half_even((flat.len() as f64 - 1.0) * 0.5) as usize;
    let (_, med, _) = flat.select_nth_unstable_by(idx, f64::total_cmp);
    let mut sigma = (0.5 * *med).powf(0.5);
    if sigma == 0.0 {
        sigma = 0.5f64.powf(0.5);
    }
    let gamma = 1.0 / (2.0 * sigma * sigma);
    let mut k = vec![0.0; n * n];
    for i in 0..nx {
        for j in 0..nx {
            k[i * n + j] = (-gamma * dxx[i * nx + j]).exp();
        }
        for j in 0..ny {
            let v = (-gamma * sq_dist(x[i], y[j])).exp();
            k[i * n + nx + j] = v;
            k[(nx + j) * n + i] = v;
        }
    }
    for i in 0..ny {
        for j in 0..ny {
            k[(nx + i) * n + nx + j] = (-gamma * sq_dist(y[i], y[j])).exp();
        }
    }
    for i in 0..n {
        k[i * n + i] = 0.0;
    }
    k
}

/// MMD² (unbiased within-sample terms) for the order `idx` of the kernel's rows/columns.
fn mmd_2samp(k: &[f64], n: usize, ny: usize, idx: &[usize]) -> f64 {
    let nx = n - ny;
    let a = 1.0 / (nx as f64 * (nx as f64 - 1.0));
    let b = 1.0 / (ny as f64 * (ny as f64 - 1.0));
    let mut row = Vec::with_capacity(n);
    let mut sxx = 0.0;
    let mut syy = 0.0;
    let mut sxy = 0.0;
    for (ii, &i) in idx.iter().enumerate() {
        let base = i * n;
        if ii < nx {
            row.clear();
            row.extend(idx[..nx].iter().map(|&j| k[base + j]));
            sxx += np_sum(&row);
        } else {
            row.clear();
            row.extend(idx[nx..].iter().map(|&j| k[base + j]));
            syy += np_sum(&row);
            row.clear();
            row.extend(idx[..nx].iter().map(|&j| k[base + j]));
            sxy += np_sum(&row);
        }
    }
    a * sxx + b * syy - 2.0 * (sxy / (nx * ny) as f64)
}

/// (MMD statistic, permutation p-value). Samples must each have >= 2 values.
pub fn mmd_test(x: &[f64], y: &[f64], seed: u32) -> (f64, f64) {
    let n = x.len() + y.len();
    let k = kernel_matrix(x, y);
    let ident: Vec<usize> = (0..n).collect();
    let observed = mmd_2samp(&k, n, y.len(), &ident);
    let mut rng = Mt19937::numpy(seed);
    let mut hits = 0;
    for _ in 0..100 {
        let perm = rng.permutation(n);
        if observed <= mmd_2samp(&k, n, y.len(), &perm) {
            hits += 1;
        }
    }
    (observed, hits as f64 / 100.0)
}
