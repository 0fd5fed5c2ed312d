//! The CDF distance of two samples of decimals (each value m / 10^k for one k, as CSV numbers
//! with a fixed number of places are) from two histograms over the integers m, without
//! sorting: two counting passes and one walk over the range, against two radix sorts and a
//! merge.
//!
//! Bit for bit the sum the merge computes: the merge adds one term per pair of neighbours in
//! the sorted concatenation, and the terms between equal neighbours are exactly zero; the walk
//! adds the others in the same order, from the same counts, values and gaps (each value is
//! rebuilt as m / 10^k and checked equal to the original).
use crate::detect::drift::numbers::POW10;

/// Most decimal places tried.
const MAX_PLACES: usize = 8;
/// Values per side that choose the places.
const SAMPLE: usize = 256;
/// |m| bound: m and its f64 stay exact, with room for the rounding in `key`.
const MAX_KEY: f64 = (1u64 << 50) as f64;

/// `Some(∫ |U - V|^p)` when both samples are decimals over a range no longer than the two
/// samples together; `None` otherwise (the caller sorts).
pub(super) fn decimal_cdf_distance_pow(u: &[f64], v: &[f64], p: u8) -> Option<f64> {
    // (small samples sort in microseconds; the histogram pays off on large ones)
    if u.is_empty() || v.is_empty() || u.len() + v.len() < 4096 {
        return None;
    }
    let places = places(u)?.max(places(v)?);
    let scale = POW10[places];
    let (lo, hi) = key_range(u, scale)?;
    let (lo_v, hi_v) = key_range(v, scale)?;
    let (lo, hi) = (lo.min(lo_v), hi.max(hi_v));
    let range = usize::try_from(hi - lo).ok()? + 1;
    if range > u.len() + v.len() {
        return None;
    }
    let cu = histogram(u, scale, lo, range)?;
    let cv = histogram(v, scale, lo, range)?;
    let (nu, nv) = (u.len() as f64, v.len() as f64);
    let (mut iu, mut iv) = (0usize, 0usize); // values <= the current one
    let mut sum = 0.0;
    let mut prev: Option<f64> = None; // the previous distinct value
    let mut d_prev = 0.0;
    for (i, (&a, &b)) in cu.iter().zip(&cv).enumerate() {
        if a == 0 && b == 0 {
            continue;
        }
        let x = (lo + i as i64) as f64 / scale;
        if let Some(w) = prev {
            let delta = x - w;
            sum += if p == 1 {
                d_prev * delta
            } else {
                d_prev * d_prev * delta
            };
        }
        iu += a as usize;
        iv += b as usize;
        d_prev = (iu as f64 / nu - iv as f64 / nv).abs();
        prev = Some(x);
    }
    Some(sum)
}

/// Fewest places that rebuild the first values exactly (`None`: none up to `MAX_PLACES`).
fn places(x: &[f64]) -> Option<usize> {
    let sample = &x[..x.len().min(SAMPLE)];
    (0..=MAX_PLACES).find(|&k| sample.iter().all(|&x| key(x, POW10[k]).is_some()))
}

/// m with m / scale == x, if x is such a decimal.
fn key(x: f64, scale: f64) -> Option<i64> {
    let y = x * scale;
    if y.abs() > MAX_KEY {
        return None; // (NaN fails the equality below)
    }
    let m = (y + 0.5f64.copysign(y)) as i64;
    // Numeric equality: -0.0 rebuilds as 0.0, which every comparison and gap treats alike.
    (m as f64 / scale == x).then_some(m)
}

fn key_range(x: &[f64], scale: f64) -> Option<(i64, i64)> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in x {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    Some((key(lo, scale)?, key(hi, scale)?))
}

fn histogram(x: &[f64], scale: f64, lo: i64, range: usize) -> Option<Vec<u32>> {
    let mut counts = vec![0u32; range];
    for &v in x {
        let i = usize::try_from(key(v, scale)? - lo).ok()?;
        *counts.get_mut(i)? += 1;
    }
    Some(counts)
}

#[cfg(test)]
mod tests {
    use super::super::distance::sorted_cdf_distance_pow;
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Values as a CSV reader makes them: m / 10^places, rounded once.
    fn decimals(
        rng: &mut ChaCha8Rng,
        n: usize,
        places: usize,
        spread: f64,
        shift: f64,
    ) -> Vec<f64> {
        (0..n)
            .map(|_| {
                let m = ((rng.gen::<f64>() - 0.5 + shift) * spread * POW10[places]).round();
                m / POW10[places]
            })
            .collect()
    }

    #[test]
    fn equals_the_sorted_merge_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut walked = 0;
        for case in 0..300 {
            let places = rng.gen_range(0..5);
            let n = rng.gen_range(1..9000);
            // a range from a tenth of the sample size to twice it (past it: sorted instead)
            let spread = n as f64 * rng.gen_range(0.1..2.0) / POW10[places];
            let mut u = decimals(&mut rng, n, places, spread, 0.0);
            let (m, v_places) = (rng.gen_range(1..9000), rng.gen_range(0..5));
            let v = decimals(&mut rng, m, v_places, spread, 0.1);
            if case % 5 == 0 {
                u[0] = -0.0; // a negative zero among zeros
                u.push(0.0);
            }
            for p in [1, 2] {
                let sorted = sorted_cdf_distance_pow(&u, &v, p);
                if let Some(d) = decimal_cdf_distance_pow(&u, &v, p) {
                    walked += 1;
                    assert_eq!(
                        d.to_bits(),
                        sorted.to_bits(),
                        "case {case} p {p}: {d} vs {sorted}"
                    );
                }
            }
        }
        assert!(walked > 150, "histogram path taken {walked} times");
    }

    #[test]
    fn declines_what_is_not_a_short_decimal() {
        let tenths: Vec<f64> = (0..5000).map(|i| f64::from(i % 100) / 10.0).collect();
        let with = |x: f64| [&tenths[..], &[x]].concat();
        let d = |u: &[f64]| decimal_cdf_distance_pow(u, &tenths, 1);
        assert!(d(&tenths).is_some());
        assert_eq!(d(&with(0.1 + 0.2)), None, "0.30000000000000004");
        assert_eq!(d(&with(f64::NAN)), None);
        assert_eq!(d(&with(1e300)), None);
        assert_eq!(d(&with(1e6)), None, "a range far longer than the samples");
        assert_eq!(d(&[]), None);
        let few = &tenths[..100];
        assert_eq!(
            decimal_cdf_distance_pow(few, few, 1),
            None,
            "too small to pay off"
        );
    }
}
