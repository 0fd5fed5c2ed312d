//! ADWIN's cut search: does any split of the window into an older part W0 and a newer part W1
//! at a bucket boundary pass River's test |mean(W0) - mean(W1)| > eps?
//!
//! River evaluates its test (four divisions, a square root, two logarithms) at every boundary
//! at every check. Here a necessary condition of that test, with multiplications only, rules
//! out whole rows of buckets and then single boundaries; River's exact test, with River's
//! running sums in River's order, runs only where the condition cannot rule a boundary out.
//! So the answer is always River's; the condition only saves work.
//!
//! Why the condition is necessary. Let u = 2^-53 (unit roundoff), T the window total, W its
//! width, n0 + n1 = W the split, s0 = n0 - mwl + 1, s1 = n1 - mwl + 1, U0 and U1 River's running
//! sums, q = variance / W, dp = ln(2 ln(W) / delta) > 0, and S >= |T| + sum |bucket totals| (so
//! S bounds every running sum). Each IEEE operation is exact up to a factor (1 + e), |e| <= u,
//! so River's |dm| <= (|U0/n0 - U1/n1| + u (|U0|/n0 + |U1|/n1)) (1 + u) and its
//! eps >= (1 - 8u) sqrt(2 q dp (1/s0 + 1/s1)). A cut (|dm| > eps) therefore needs, after
//! multiplying by n0 n1,
//!   (|U0 W - T n0| + c u S W)^2 s0 s1 >= (1 - 16u) 2 q dp (s0 + s1) (n0 n1)^2        (*)
//! with c covering U1 against T - U0 (River's chains are each off by at most k u S after k
//! buckets). The code replaces U0 by other sums of the same bucket totals (off by at most
//! n u S for n boundaries), dp by a lower bound, and rounds every term again; the slack
//! (8n + 128) u S W and the factors 1 +- 1e-9 cover all of that many times over. Outside the
//! ranges where those bounds hold (tiny or huge q, dp or values) every boundary gets River's
//! exact test.
//!
//! Row test. In row i (bucket size s, buckets t_1..t_L, n0s values and a sum P before the row,
//! any m) the identity sum_{j<=k} (t_j W - T s) = W sum_{j<=k} (t_j - m s) + k s (W m - T) gives
//!   |U0 W - T n0| <= max over k = 1, L of |P W - T n0s + k s (W m - T)| + W drift
//! (`drift` = max_k |sum_{j<=k} (t_j - m s)|; the middle term is linear in k), while the right
//! side of (*) is at least 2 q dp (s0 + s1) n0 n1 (a quarter of it when mwl = 0), smallest at
//! one end of the row's valid boundaries since n0 n1 = n0 (W - n0) is concave.
use super::adwin_buckets::Buckets;

/// River's test at one boundary, in River's floating-point order.
fn river_cut(n0: f64, n1: f64, u0: f64, u1: f64, mwl: f64, q: f64, dp: f64) -> bool {
    let dm = u0 / n0 - u1 / n1;
    let m_recip = 1.0 / (n0 - mwl + 1.0) + 1.0 / (n1 - mwl + 1.0);
    let eps = (2.0 * m_recip * q * dp).sqrt() + 2.0 / 3.0 * dp * m_recip;
    n1 >= mwl && n0 >= mwl && dm.abs() > eps
}

/// River's `dp` term for a window of `width` values.
pub(super) fn river_dp(width: f64, delta: f64) -> f64 {
    (2.0 * width.ln() / delta).ln()
}

/// Boundaries k = 1..=l of row i split at n0 = n0s + k 2^i; the valid ones (both parts at
/// least mwl long) are k_lo..=k_hi (empty when k_lo > k_hi). All inputs are whole numbers.
fn valid_range(n0s: f64, i: usize, l: usize, width: f64, mwl: f64) -> (f64, f64) {
    let (n0s, width, mwl) = (n0s as i64, width as i64, mwl as i64);
    // ceil((mwl - n0s) / size) and floor((width - mwl - n0s) / size) by shifts (size = 2^i).
    let k_lo = (-((n0s - mwl) >> i)).max(1);
    let k_hi = ((width - mwl - n0s) >> i).min(l as i64);
    (k_lo as f64, k_hi as f64)
}

/// River's running sums, advanced bucket by bucket in scan order (oldest first).
struct RiverSums {
    u0: f64,
    u1: f64,
    /// Buckets added so far, and where the next one is.
    consumed: usize,
    row: usize,
    offset: usize,
}

impl RiverSums {
    /// Advance until the sums include boundary `k` (0-based, in scan order).
    fn advance_to(&mut self, b: &Buckets, k: usize) {
        while self.consumed <= k {
            while self.offset == b.rows[self.row].len() {
                self.row -= 1;
                self.offset = 0;
            }
            let t = b.rows[self.row].total(self.offset);
            self.u0 += t;
            self.u1 -= t;
            self.offset += 1;
            self.consumed += 1;
        }
    }
}

/// Window summary the test needs.
pub(super) struct Window {
    pub width: f64,
    pub total: f64,
    pub variance: f64,
    pub delta: f64,
    pub min_window_length: f64,
    /// A lower bound of River's dp for this width (only used to rule boundaries out).
    pub dp_low: f64,
}

/// Whether River's scan finds a cut anywhere in the window.
pub(super) fn any_cut(b: &mut Buckets, w: &Window) -> bool {
    let mwl = w.min_window_length;
    let (width, total) = (w.width, w.total);
    let q = w.variance / width;
    let mut dp = None; // River's exact dp, computed on first need

    b.refresh_stats();
    // Boundaries: every bucket but the newest one in row 0 (River's scan stops there; with
    // max_buckets = 1 row 0 can be empty, and then River tests every bucket).
    let newest_excluded = b.rows[0].len() > 0;
    let Some(n) = b
        .count()
        .checked_sub(usize::from(newest_excluded))
        .filter(|&n| n > 0)
    else {
        return false;
    };
    let s_abs = (total.abs() + b.rows.iter().map(|r| r.stats.abs).sum::<f64>()) * (1.0 + 1e-9);
    let filter = (1e-100..1e100).contains(&q)
        && (1e-10..1e10).contains(&w.dp_low)
        && s_abs < 1e150
        && width < 1e15;
    let slack = (8.0 * n as f64 + 128.0) * (f64::EPSILON / 2.0) * s_abs * width;
    let k2 = 2.0 * q * w.dp_low * (1.0 - 1e-9);
    let row_floor = k2 * (width - 2.0 * mwl + 2.0) * if mwl >= 1.0 { 1.0 } else { 0.25 };
    let last = b.rows.len() - 1;
    let mut sums = RiverSums {
        u0: 0.0,
        u1: total,
        consumed: 0,
        row: last,
        offset: 0,
    };
    let mut before = 0; // boundaries before the current row
    let (mut n0s, mut p) = (0.0, 0.0); // values and (approximate) sum before the current row
    for i in (0..=last).rev() {
        let row = &b.rows[i];
        let size = Buckets::size(i);
        let stats = row.stats;
        let l = row.len() - usize::from(i == 0 && newest_excluded);
        let row_ruled_out = filter && {
            // Boundaries k = 1..=l split at n0 = n0s + k size; the valid ones (both parts at
            // least mwl long) form the range k_lo..=k_hi.
            let (k_lo, k_hi) = valid_range(n0s, i, l, width, mwl);
            let (first, end) = (n0s + k_lo * size, n0s + k_hi * size);
            let start = p * width - total * n0s;
            let step = size * (width * stats.unit_mean - total);
            let dev =
                (start + k_lo * step).abs().max((start + k_hi * step).abs()) + width * stats.drift;
            let bound = dev * (1.0 + 1e-9) + slack;
            let floor =
                row_floor * (first * (width - first)).min(end * (width - end)) * (1.0 - 1e-9);
            k_lo > k_hi || bound * bound < floor
        };

        if !row_ruled_out {
            let mut v0 = p;
            for (k, t) in row.totals().take(l).enumerate() {
                v0 += t;
                let n0 = n0s + (k + 1) as f64 * size;
                let n1 = width - n0;
                if !(n0 >= mwl && n1 >= mwl) {
                    continue;
                }

                if filter {
                    let x = (v0 * width - total * n0).abs() * (1.0 + 1e-9) + slack;
                    let (s0, s1) = (n0 - mwl + 1.0, n1 - mwl + 1.0);
                    let nn = n0 * n1;
                    if x * x * (s0 * s1) < k2 * (s0 + s1) * (nn * nn) {
                        continue;
                    }
                }

                sums.advance_to(b, before + k);
                let dp = *dp.get_or_insert_with(|| river_dp(width, w.delta));
                if river_cut(n0, n1, sums.u0, sums.u1, mwl, q, dp) {
                    return true;
                }
            }
        }
        n0s += row.len() as f64 * size;
        p += stats.sum;
        before += row.len();
    }
    false
}
