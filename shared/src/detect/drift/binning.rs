//! Evidently's `get_binned_data`: Sturges histogram edges over the combined data for numerical
//! columns whose reference has more than 20 distinct values, per-value frequencies otherwise;
//! optionally replacing empty bins by a small share (`feel_zeroes`) so PSI and KL stay finite.
use super::values::{joint_counts, Values};
use super::ColumnType;

/// `np.histogram_bin_edges(a, bins="sturges")`.
pub fn sturges_edges(a: &[f64], integer: bool) -> Vec<f64> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &x in a {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    let ptp = hi - lo;
    let mut width = ptp / ((a.len() as f64).log2() + 1.0);
    if integer && width < 1.0 && width != 0.0 {
        width = 1.0;
    }
    if lo == hi {
        lo -= 0.5;
        hi += 0.5;
    }
    let n_bins = if width != 0.0 {
        ((hi - lo) / width).ceil() as usize
    } else {
        1
    };
    linspace(lo, hi, n_bins + 1)
}

/// `np.linspace(start, stop, num)` with numpy's arithmetic (i * step + start, exact last edge).
pub fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let div = (num - 1) as f64;
    let delta = stop - start;
    let step = delta / div;
    let mut y: Vec<f64> = (0..num)
        .map(|i| {
            if step == 0.0 {
                (i as f64 / div) * delta + start
            } else {
                i as f64 * step + start
            }
        })
        .collect();
    if num > 1 {
        y[num - 1] = stop;
    }
    y
}

/// `np.histogram(a, edges)` counts: bins are [e_i, e_{i+1}), the last one closed.
pub fn histogram(a: &[f64], edges: &[f64]) -> Vec<u64> {
    let nb = edges.len() - 1;
    let mut counts = vec![0u64; nb];
    let (first, last) = (edges[0], edges[nb]);
    for &x in a {
        if !(x >= first && x <= last) {
            continue;
        }
        let i = if x == last {
            nb - 1
        } else {
            edges.partition_point(|&e| e <= x) - 1
        };
        counts[i.min(nb - 1)] += 1;
    }
    counts
}

/// Reference and current shares per bin (or per value), as Evidently's `get_binned_data`.
pub fn binned_shares(
    reference: &Values,
    current: &Values,
    ctype: ColumnType,
    feel_zeroes: bool,
) -> (Vec<f64>, Vec<f64>) {
    let (mut r, mut c) = match (reference, current) {
        (Values::Num { values: rv, .. }, Values::Num { values: cv, .. })
            if ctype == ColumnType::Numerical && reference.nunique() > 20 =>
        {
            let mut combined = Vec::with_capacity(rv.len() + cv.len());
            combined.extend_from_slice(rv);
            combined.extend_from_slice(cv);
            let edges = sturges_edges(&combined, reference.is_integer() && current.is_integer());
            let rn = rv.len() as f64;
            let cn = cv.len() as f64;
            (
                histogram(rv, &edges)
                    .iter()
                    .map(|&k| k as f64 / rn)
                    .collect::<Vec<_>>(),
                histogram(cv, &edges)
                    .iter()
                    .map(|&k| k as f64 / cn)
                    .collect::<Vec<_>>(),
            )
        }
        _ => {
            let counts = joint_counts(reference, current);
            let rn = reference.len() as f64;
            let cn = current.len() as f64;
            (
                counts.reference.iter().map(|&k| k as f64 / rn).collect(),
                counts.current.iter().map(|&k| k as f64 / cn).collect(),
            )
        }
    };
    if feel_zeroes {
        fill_zeroes(&mut r);
        fill_zeroes(&mut c);
    }
    (r, c)
}

/// Replace empty shares by min(non-zero)/1e6 when that minimum is <= 1e-4, else by 1e-4.
fn fill_zeroes(p: &mut [f64]) {
    let min_nz = p
        .iter()
        .copied()
        .filter(|&x| x != 0.0)
        .fold(f64::INFINITY, f64::min);
    if !min_nz.is_finite() {
        return;
    }
    let fill = if min_nz <= 0.0001 {
        min_nz / 1e6
    } else {
        0.0001
    };
    for x in p.iter_mut() {
        if *x == 0.0 {
            *x = fill;
        }
    }
}
