//! ADWIN's exponential histogram: row i holds summaries (total, variance) of 2^i values each,
//! oldest first, merged exactly as River merges them. Each row also carries the cut search's
//! cache (see `adwin_cut.rs`), valid while the row and the rows older than it are unchanged.
use super::adwin_cut::{CutState, RowCache};

/// One row: buckets at `start..start + len` of flat buffers, oldest first. New buckets go at
/// the back, merges take the two oldest from the front; the live part moves down to the start
/// of the buffer when the back is full, so there is no ring arithmetic.
#[derive(Debug, Clone, Default)]
pub(super) struct Row {
    totals: Vec<f64>,
    /// Empty in row 0: single values have no spread, so every row-0 variance is 0.0.
    variances: Vec<f64>,
    start: usize,
    len: usize,
    /// Whether `variances` is kept (every row but row 0).
    has_var: bool,
    pub(super) cache: RowCache,
}

impl Row {
    fn new(level: usize) -> Self {
        Row {
            has_var: level > 0,
            ..Default::default()
        }
    }

    /// A row holding `totals` / `variances` (equal lengths), oldest first.
    pub(super) fn from_parts(level: usize, totals: &[f64], variances: &[f64]) -> Self {
        let mut row = Self::new(level);
        row.totals.extend_from_slice(totals);
        if row.has_var {
            row.variances.extend_from_slice(variances);
        }
        row.len = totals.len();
        row
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Bucket totals, oldest first.
    pub(super) fn totals(&self) -> &[f64] {
        &self.totals[self.start..self.start + self.len]
    }

    /// Bucket variances, oldest first (all 0.0 in row 0).
    pub(super) fn variances(&self) -> Vec<f64> {
        if !self.has_var {
            vec![0.0; self.len]
        } else {
            self.variances[self.start..self.start + self.len].to_vec()
        }
    }

    /// Room for `n` more buckets at the back.
    #[inline]
    fn reserve_back(&mut self, n: usize) {
        if self.start + self.len + n > self.totals.len() {
            self.make_room(n);
        }
    }

    #[cold]
    fn make_room(&mut self, n: usize) {
        let live = self.start..self.start + self.len;
        self.totals.copy_within(live.clone(), 0);
        if self.has_var {
            self.variances.copy_within(live, 0);
        }
        self.start = 0;
        // Room to spare, so the live part moves down rarely.
        let want = 4 * (self.len + n) + 64;
        if self.totals.len() < want {
            self.totals.resize(want, 0.0);
            if self.has_var {
                self.variances.resize(want, 0.0);
            }
        }
    }

    /// Remove the oldest bucket; returns its (total, variance).
    fn pop_front(&mut self) -> (f64, f64) {
        let t = self.totals[self.start];
        let v = if self.has_var {
            self.variances[self.start]
        } else {
            0.0
        };
        self.start += 1;
        self.len -= 1;
        (t, v)
    }
}

/// 2^-i: dividing by 2^i and multiplying by 2^-i round the same exact quotient, so the results
/// are bit-identical, and a multiplication is several times cheaper than a division.
fn inv_pow2(i: usize) -> f64 {
    f64::from_bits((1023 - i as u64) << 52)
}

/// The rows, plus which of them changed since the cut search last ran.
#[derive(Debug, Clone)]
pub(super) struct Buckets {
    pub(super) rows: Vec<Row>,
    max_buckets: usize,
    /// Rows 0..stale changed since the last cut search (their caches are out of date).
    pub(super) stale: usize,
    pub(super) cut: CutState,
}

/// Values taken into row 0 at a time (bounds how far a row's buffer grows past its capacity).
const VALUE_CHUNK: usize = 64;

impl Buckets {
    pub(super) fn new(max_buckets: usize) -> Self {
        Self::from_rows(vec![Row::new(0)], max_buckets)
    }

    pub(super) fn from_rows(rows: Vec<Row>, max_buckets: usize) -> Self {
        Buckets {
            rows,
            max_buckets,
            stale: usize::MAX,
            cut: CutState::default(),
        }
    }

    pub(super) fn max_buckets(&self) -> usize {
        self.max_buckets
    }

    /// Size (values per bucket) of row i: 2^i, built from its bits (no integer conversion).
    pub(super) fn size(i: usize) -> f64 {
        f64::from_bits((1023 + i as u64) << 52)
    }

    /// Append values to row 0 and merge full rows. River merges after every value, each time
    /// the row holds max_buckets + 1 buckets; each row still receives the same buckets in the
    /// same order when they come in batches, so the state afterwards is identical.
    pub(super) fn push_values(&mut self, xs: &[f64]) {
        for chunk in xs.chunks(VALUE_CHUNK) {
            let row = &mut self.rows[0];
            row.reserve_back(chunk.len());
            let end = row.start + row.len;
            row.totals[end..end + chunk.len()].copy_from_slice(chunk);
            row.len += chunk.len();
            // A row holding max_buckets + 1 merges its two oldest, leaving max_buckets - 1:
            // from `len` buckets, 1 + (len - max_buckets - 1) / 2 merges.
            let mut level = 0;
            while self.rows[level].len > self.max_buckets {
                let m = 1 + (self.rows[level].len - self.max_buckets - 1) / 2;
                if level + 1 == self.rows.len() {
                    self.rows.push(Row::new(level + 1));
                }
                let (lower, upper) = self.rows.split_at_mut(level + 1);
                merge_front(&mut lower[level], &mut upper[0], level, m);
                level += 1;
            }
            self.stale = self.stale.max(level + 1);
        }
    }

    /// Drop the oldest bucket (front of the last row); returns its (size, total, variance).
    pub(super) fn pop_oldest(&mut self) -> (f64, f64, f64) {
        let last = self.rows.len() - 1;
        let (u, v) = self.rows[last].pop_front();
        // Empty rows at the old end go (River drops the emptied last row; with max_buckets = 1
        // rows below it can be empty too). Row 0 always stays.
        while self.rows.len() > 1 && self.rows[self.rows.len() - 1].len() == 0 {
            self.rows.pop();
        }
        // Every row's boundaries moved.
        self.stale = usize::MAX;
        (Self::size(last), u, v)
    }
}

/// River's merges of the 2m oldest buckets of `row` (row `level`), pair by pair, appended to
/// `next`.
fn merge_front(row: &mut Row, next: &mut Row, level: usize, m: usize) {
    next.reserve_back(m);
    let (src, dst) = (row.start, next.start + next.len);
    let (t, out_t) = (
        &row.totals[src..src + 2 * m],
        &mut next.totals[dst..dst + m],
    );
    let out_v = &mut next.variances[dst..dst + m];
    if level == 0 {
        merge_values(t, out_t, out_v);
    } else {
        merge_buckets(level, t, &row.variances[src..src + 2 * m], out_t, out_v);
    }
    next.len += m;
    row.start += 2 * m;
    row.len -= 2 * m;
}

/// Row 0: variances are 0.0, and with n1 = 1 River's merge reduces exactly to 0.5 * d * d
/// (0.0 + 0.0 + 1.0 * 0.5 * d * d). (Separate slices as arguments: the compiler knows they
/// do not overlap.)
#[inline(always)]
fn merge_values(t: &[f64], out_t: &mut [f64], out_v: &mut [f64]) {
    for ((ot, ov), p) in out_t.iter_mut().zip(out_v).zip(t.chunks_exact(2)) {
        let d = p[0] - p[1];
        *ot = p[0] + p[1];
        *ov = 0.5 * d * d;
    }
}

/// Rows >= 1: totals add, variances combine as v0 + v1 + n1 * 0.5 * (m0 - m1)^2 with means
/// m = total / n1, n1 = 2^level (as a multiplication by 2^-level, bit-identical).
#[inline(always)]
fn merge_buckets(level: usize, t: &[f64], v: &[f64], out_t: &mut [f64], out_v: &mut [f64]) {
    let n1 = Buckets::size(level);
    let inv = inv_pow2(level);
    let pairs = t.chunks_exact(2).zip(v.chunks_exact(2));
    for ((ot, ov), (p, pv)) in out_t.iter_mut().zip(out_v).zip(pairs) {
        let (m0, m1) = (p[0] * inv, p[1] * inv);
        *ot = p[0] + p[1];
        *ov = pv[0] + pv[1] + n1 * 0.5 * (m0 - m1) * (m0 - m1);
    }
}
