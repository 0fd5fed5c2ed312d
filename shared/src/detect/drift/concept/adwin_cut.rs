//! ADWIN's cut search: does any split of the window into an older part W0 and a newer part W1
//! at a bucket boundary pass River's test |mean(W0) - mean(W1)| > eps?
//!
//! River evaluates its test (four divisions, a square root, two logarithms) at every boundary
//! at every check. Here a necessary condition of that test, with multiplications only, rules
//! out whole rows of buckets and then single boundaries; River's exact test, with River's
//! running sums in River's order, runs only where the condition cannot rule a boundary out.
//! So the answer is always River's; the condition only saves work.
//!
//! The condition. Let u = 2^-53 (unit roundoff), T River's window total, W its width, a split
//! n0 + n1 = W after k buckets, A the exact sum of those k bucket totals, D = A - n0 T / W,
//! q = variance / W and dp River's values, and S >= |T| + sum |bucket totals|. River's running
//! sums are A and T - A up to k u S each, so its |dm| <= (1 + u) W (|D| + (k + 2) u S) / (n0 n1)
//! and its eps >= (1 - u)^3 sqrt(2 q dp (1/s0 + 1/s1)) with s0 = n0 - mwl + 1, s1 = n1 - mwl + 1;
//! and 1/s0 + 1/s1 >= c W / (n0 n1) with c = 1 when mwl >= 1, 1/2 when mwl = 0. A cut
//! (|dm| > eps) therefore needs
//!   (|D| + e)^2 W >= (1 - 8u) 2 c q dp n0 n1,        e = (k + 2) u S.               (*)
//!
//! D is computed as r = (prefix sum of totals) - n0 m, m = T / W rounded, as a running sum;
//! its rounding errors, the centre m against T / W and River's e stay below the slack
//! (8K + 128) u S (K buckets). A row's boundaries (bucket size s, n0 = n0s + k s) lie in the
//! n0 range [lo, hi] where both parts are at least mwl long, and n0 n1 = n0 (W - n0) is concave,
//! so it is smallest at lo or hi: a row is ruled out when (max |D| + slack)^2 W is below
//! 2 c q dp min(lo (W - lo), hi (W - hi)), with dp replaced by a lower bound and every term
//! rounded in the safe direction by factors 1 +- 1e-9.
//!
//! Rows older than the newest few do not change between most checks, and neither do their
//! prefix sums; only T and W do. For them the bound on max |D| is kept from the check that
//! last measured it (at centre m_c, with that check's slack added) and moved to the current
//! centre by |D(m)| <= |D(m_c)| + n0 |m - m_c|, so an unchanged row costs a few
//! multiplications. Outside the ranges where these bounds hold (tiny or huge q, dp or values)
//! every boundary gets River's exact test.
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

/// River's running sums, advanced bucket by bucket in scan order (oldest first).
struct RiverSums {
    u0: f64,
    u1: f64,
    total: f64,
    /// Buckets added so far, and where the next one is.
    consumed: usize,
    row: usize,
    offset: usize,
}

impl RiverSums {
    fn new(b: &Buckets, total: f64) -> Self {
        RiverSums {
            u0: 0.0,
            u1: total,
            total,
            consumed: 0,
            row: b.rows.len() - 1,
            offset: 0,
        }
    }

    /// Advance until the sums include boundary `k` (0-based, in scan order); from the start
    /// again when they are already past it (the changed rows are searched first).
    fn advance_to(&mut self, b: &Buckets, k: usize) {
        if self.consumed > k + 1 {
            *self = Self::new(b, self.total);
        }
        while self.consumed <= k {
            while self.offset == b.rows[self.row].len() {
                self.row -= 1;
                self.offset = 0;
            }
            let t = b.rows[self.row].totals()[self.offset];
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
    /// An upper bound of |total| + sum |bucket totals| (S above).
    pub magnitude: f64,
}

/// The cut search's cache of one row, valid while the row and the older rows are unchanged.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RowCache {
    /// Sum of the row's bucket totals, oldest first.
    sum: f64,
    /// Values, buckets and sum of bucket totals in the older rows.
    n0s: f64,
    before: usize,
    p: f64,
    /// A bound of the exact max |D| over the row's boundaries at centre `mean` (including
    /// the slack of the check that measured it).
    mean: f64,
    dev: f64,
    /// The row is ruled out (this epoch) while the window mean is within [lo, hi] ...
    lo: f64,
    hi: f64,
    /// ... and so are it and every older row while it is within [suf_lo, suf_hi].
    suf_lo: f64,
    suf_hi: f64,
}

/// State of the cut search between checks: an epoch fixes a floor for 2 c q dp_low and a cap
/// for the slack, so a row's range of means stays valid as long as both hold (its bound only
/// improves as the window grows, see `mean_range`).
#[derive(Debug, Clone, Copy)]
pub(super) struct CutState {
    /// Rows from here up have their ranges and suffix ranges up to date.
    valid_from: usize,
    floor: f64,
    cap: f64,
}

impl Default for CutState {
    fn default() -> Self {
        CutState {
            valid_from: usize::MAX,
            floor: f64::INFINITY,
            cap: 0.0,
        }
    }
}

/// max and min of finite values without the NaN handling of f64::max / f64::min.
fn max(a: f64, b: f64) -> f64 {
    if a > b {
        a
    } else {
        b
    }
}
fn min(a: f64, b: f64) -> f64 {
    if a < b {
        a
    } else {
        b
    }
}

/// A bucket count as f64 (counts stay far below 2^32; a u32 converts in one instruction).
fn small(n: usize) -> f64 {
    n as u32 as f64
}

/// max |r| over the boundaries for the running deviation r = start + sum (t - step).
fn max_deviation(totals: &[f64], start: f64, step: f64) -> f64 {
    let (mut r, mut top) = (start, 0.0f64);
    for &t in totals {
        r += t - step;
        let a = r.abs();
        if a > top {
            top = a;
        }
    }
    top
}

/// One scan's constants (see the module comment) and River's running sums.
struct Scan {
    width: f64,
    mwl: f64,
    q: f64,
    delta: f64,
    mean: f64,
    slack: f64,
    /// 2 c q dp_low, rounded down.
    c2q: f64,
    newest_excluded: bool,
    sums: RiverSums,
    /// River's exact dp, computed on first need.
    dp: Option<f64>,
}

impl Scan {
    /// Boundaries of row i that River tests.
    fn tested(&self, i: usize, len: usize) -> usize {
        len - usize::from(i == 0 && self.newest_excluded)
    }

    /// Whether boundaries with |D| at most `dev` (a bound that includes the slack once) and
    /// n0 n1 at least `n0n1` are ruled out by (*).
    fn ruled_out(&self, dev: f64, n0n1: f64) -> bool {
        let x = dev + self.slack;
        x * x * self.width * (1.0 + 1e-9) + 1e-200 <= self.c2q * n0n1
    }

    /// The bound of |D| for a computed |r|.
    fn dev(&self, raw: f64) -> f64 {
        (raw + self.slack) * (1.0 + 1e-9)
    }

    /// The row test for row i (its cache up to date for this check), then boundary by
    /// boundary where it cannot decide. True when River cuts in the row.
    #[inline]
    fn row_cuts(&mut self, b: &Buckets, i: usize) -> bool {
        let c = &b.rows[i].cache;
        let l = self.tested(i, b.rows[i].len());
        let size = Buckets::size(i);
        let lo = max(c.n0s + size, self.mwl);
        let hi = min(c.n0s + small(l) * size, self.width - self.mwl);
        if l == 0 || lo > hi {
            return false; // no boundary where both parts are at least mwl long
        }
        let n0n1 = min(lo * (self.width - lo), hi * (self.width - hi));
        !self.ruled_out(c.dev, n0n1) && self.boundary_cuts(b, i, l)
    }

    /// Row i's first `l` boundaries one by one: (*) first, River's exact test where it
    /// cannot rule the boundary out (every testable boundary when c2q is NaN).
    #[inline(never)]
    fn boundary_cuts(&mut self, b: &Buckets, i: usize, l: usize) -> bool {
        let c = &b.rows[i].cache;
        let size = Buckets::size(i);
        let step = size * self.mean;
        let mut r = c.p - c.n0s * self.mean;
        for (k, &t) in b.rows[i].totals()[..l].iter().enumerate() {
            r += t - step;
            let n0 = c.n0s + small(k + 1) * size;
            let n1 = self.width - n0;
            if !(n0 >= self.mwl && n1 >= self.mwl) || self.ruled_out(self.dev(r.abs()), n0 * n1) {
                continue;
            }
            self.sums.advance_to(b, c.before + k);
            let (width, delta) = (self.width, self.delta);
            let dp = *self.dp.get_or_insert_with(|| river_dp(width, delta));
            if river_cut(n0, n1, self.sums.u0, self.sums.u1, self.mwl, self.q, dp) {
                return true;
            }
        }
        false
    }

    /// Measure row i at this check's centre (its prefix fields are up to date).
    fn measure(&self, b: &mut Buckets, i: usize) {
        let row = &mut b.rows[i];
        let l = self.tested(i, row.len());
        let start = row.cache.p - row.cache.n0s * self.mean;
        let raw = max_deviation(&row.totals()[..l], start, Buckets::size(i) * self.mean);
        row.cache.mean = self.mean;
        row.cache.dev = self.dev(raw);
    }

    /// The window means for which row i stays ruled out at this and every later check of the
    /// epoch: its boundaries' |D| is at most dev + n0_max |m - mean| at centre m, which must
    /// stay within sqrt(floor F(W) / W) - cap, F(W) = min n0 n1 over the boundaries;
    /// F(W) / W only grows with W (n0 fixed, n0 (W - n0) / W = n0 - n0^2 / W). Empty when a
    /// boundary is not testable yet (it may become testable) or the bound has no room.
    fn mean_range(&self, b: &Buckets, st: &CutState, i: usize) -> (f64, f64) {
        let c = &b.rows[i].cache;
        let l = self.tested(i, b.rows[i].len());
        let size = Buckets::size(i);
        let (first, last) = (c.n0s + size, c.n0s + small(l) * size);
        let empty = (f64::INFINITY, f64::NEG_INFINITY);
        if l == 0 || last < self.mwl {
            return (f64::NEG_INFINITY, f64::INFINITY); // never testable (n0 < mwl for good)
        }
        if first < self.mwl || last > self.width - self.mwl {
            return empty;
        }
        let f = min(first * (self.width - first), last * (self.width - last));
        let root = (st.floor * f / self.width * (1.0 - 1e-9)).sqrt();
        let room = root * (1.0 - 1e-8) - c.dev - st.cap;
        // room / n0_max, less what rounding the range's ends can add
        let tol = room / last * (1.0 - 1e-9) - 1e-15 * c.mean.abs();
        if tol > 0.0 {
            (c.mean - tol, c.mean + tol)
        } else {
            empty
        }
    }
}

/// Whether River's scan finds a cut anywhere in the window.
pub(super) fn any_cut(b: &mut Buckets, w: &Window) -> bool {
    let rows = b.rows.len();
    let s = b.stale.min(rows);
    let (width, total, mwl) = (w.width, w.total, w.min_window_length);
    let q = w.variance / width;
    // Boundaries: every bucket but the newest one in row 0 (River's scan stops there; with
    // max_buckets = 1 row 0 can be empty, and then River tests every bucket).
    let newest_excluded = b.rows[0].len() > 0;
    // At most max_buckets buckets per row after the merges.
    let buckets = small(rows) * small(b.max_buckets());
    let mut scan = Scan {
        width,
        mwl,
        q,
        delta: w.delta,
        mean: total / width,
        slack: (8.0 * buckets + 128.0) * (f64::EPSILON / 2.0) * w.magnitude,
        c2q: 2.0 * if mwl >= 1.0 { 1.0 } else { 0.5 } * q * w.dp_low * (1.0 - 1e-9),
        newest_excluded,
        sums: RiverSums::new(b, total),
        dp: None,
    };
    let bounded = (1e-100..1e100).contains(&q)
        && (1e-10..1e10).contains(&w.dp_low)
        && w.magnitude < 1e140
        && width < 1e15;
    if !bounded {
        // Every boundary gets River's exact test; the caches are not trusted next time.
        scan.c2q = f64::NAN;
        b.stale = usize::MAX;
        b.cut.valid_from = usize::MAX;
        let mut acc = (0.0, 0, 0.0);
        for i in (0..rows).rev() {
            let row = &mut b.rows[i];
            let sum = row.totals().iter().sum();
            row.cache = RowCache {
                sum,
                n0s: acc.0,
                before: acc.1,
                p: acc.2,
                ..RowCache::default()
            };
            acc = (
                acc.0 + small(row.len()) * Buckets::size(i),
                acc.1 + row.len(),
                acc.2 + sum,
            );
        }
        return (0..rows).rev().any(|i| {
            let l = scan.tested(i, b.rows[i].len());
            scan.boundary_cuts(b, i, l)
        });
    }
    b.stale = 0;
    let mean = scan.mean;

    // The changed rows 0..s, oldest first: prefix sums, deviations at this check's centre,
    // the row test.
    let (mut n0s, mut before, mut p) = match b.rows.get(s) {
        Some(row) => {
            let c = &row.cache;
            (
                c.n0s + small(row.len()) * Buckets::size(s),
                c.before + row.len(),
                c.p + c.sum,
            )
        }
        None => (0.0, 0, 0.0),
    };
    let (slack, excluded) = (scan.slack, usize::from(newest_excluded));
    for i in (0..s).rev() {
        let row = &mut b.rows[i];
        let size = Buckets::size(i);
        let totals = row.totals();
        let len = totals.len();
        let l = len - if i == 0 { excluded } else { 0 };
        let step = size * mean;
        let (mut sum, mut r, mut top) = (0.0, p - n0s * mean, 0.0f64);
        for &t in &totals[..l] {
            sum += t;
            r += t - step;
            let a = r.abs();
            if a > top {
                top = a;
            }
        }
        for &t in &totals[l..] {
            sum += t;
        }
        let dev = (top + slack) * (1.0 + 1e-9);
        let c = &mut row.cache;
        (c.sum, c.n0s, c.before, c.p, c.mean, c.dev) = (sum, n0s, before, p, mean, dev);
        // The row test (`Scan::row_cuts`), inline: valid boundaries have n0 in [lo, hi].
        let lo = max(n0s + size, mwl);
        let hi = min(n0s + small(l) * size, width - mwl);
        if lo <= hi && l > 0 {
            let n0n1 = min(lo * (width - lo), hi * (width - hi));
            if !scan.ruled_out(dev, n0n1) && scan.boundary_cuts(b, i, l) {
                b.stale = usize::MAX;
                return true;
            }
        }
        n0s += small(len) * size;
        before += len;
        p += sum;
    }

    // The unchanged rows s.. : usually one comparison with their common range of means.
    let mut st = b.cut;
    st.valid_from = st.valid_from.max(s).min(rows);
    if !(scan.c2q >= st.floor && scan.slack <= st.cap) {
        // A new epoch (q fell or the values grew): every range is recomputed.
        st = CutState {
            valid_from: rows,
            floor: 0.75 * scan.c2q,
            cap: 2.0 * scan.slack,
        };
    }
    let suffix = |b: &Buckets, i: usize| match b.rows.get(i) {
        Some(row) => (row.cache.suf_lo, row.cache.suf_hi),
        None => (f64::NEG_INFINITY, f64::INFINITY),
    };
    for i in (s..st.valid_from).rev() {
        let (lo, hi) = scan.mean_range(b, &st, i);
        let (slo, shi) = suffix(b, i + 1);
        let c = &mut b.rows[i].cache;
        (c.lo, c.hi) = (lo, hi);
        (c.suf_lo, c.suf_hi) = (max(lo, slo), min(hi, shi));
    }
    st.valid_from = s;
    b.cut = st;
    let (lo, hi) = suffix(b, s);
    if lo <= mean && mean <= hi {
        return false;
    }
    // Some older row may not be ruled out: measure and test those outside their own range.
    for i in (s..rows).rev() {
        let c = &b.rows[i].cache;
        if c.lo <= mean && mean <= c.hi {
            continue;
        }
        scan.measure(b, i);
        if scan.row_cuts(b, i) {
            b.stale = usize::MAX;
            return true;
        }
        let (lo, hi) = scan.mean_range(b, &st, i);
        let c = &mut b.rows[i].cache;
        (c.lo, c.hi) = (lo, hi);
    }
    for i in (s..rows).rev() {
        let (slo, shi) = suffix(b, i + 1);
        let c = &mut b.rows[i].cache;
        (c.suf_lo, c.suf_hi) = (max(c.lo, slo), min(c.hi, shi));
    }
    false
}
