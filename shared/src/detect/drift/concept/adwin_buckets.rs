//! ADWIN's exponential histogram: row i holds summaries (total, variance) of 2^i values each,
//! oldest first, merged exactly as River merges them. Each row also caches a few sums the cut
//! search uses to rule the whole row out (see `adwin_cut.rs`).

/// One row: a ring of up to max_buckets + 1 buckets, oldest at `head`.
#[derive(Debug, Clone, Default)]
pub(super) struct Row {
    totals: Vec<f64>,
    variances: Vec<f64>,
    head: usize,
    len: usize,
    /// Whether `stats` is out of date.
    stale: bool,
    pub(super) stats: RowStats,
}

/// Per-row sums for the cut search's row test.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RowStats {
    /// Sum of the bucket totals.
    pub sum: f64,
    /// Sum of their absolute values.
    pub abs: f64,
    /// About the mean per original value in this row (any value keeps the bounds valid).
    pub unit_mean: f64,
    /// max over k of |sum of the first k (total - unit_mean * 2^i)|.
    pub drift: f64,
}

impl Row {
    fn with_capacity(cap: usize) -> Self {
        Row {
            totals: vec![0.0; cap],
            variances: vec![0.0; cap],
            stale: true,
            ..Default::default()
        }
    }
    /// A row holding `totals` / `variances` (equal lengths, at most `cap`), oldest first.
    pub(super) fn from_parts(totals: &[f64], variances: &[f64], cap: usize) -> Self {
        let mut row = Self::with_capacity(cap);
        for (&t, &v) in totals.iter().zip(variances) {
            row.push(t, v);
        }
        row
    }
    pub(super) fn len(&self) -> usize {
        self.len
    }
    fn slot(&self, k: usize) -> usize {
        let i = self.head + k;
        if i >= self.totals.len() {
            i - self.totals.len()
        } else {
            i
        }
    }
    /// Bucket totals, oldest first.
    pub(super) fn totals(&self) -> impl Iterator<Item = f64> + '_ {
        (0..self.len).map(|k| self.totals[self.slot(k)])
    }
    pub(super) fn variances(&self) -> impl Iterator<Item = f64> + '_ {
        (0..self.len).map(|k| self.variances[self.slot(k)])
    }
    pub(super) fn total(&self, k: usize) -> f64 {
        self.totals[self.slot(k)]
    }
    fn push(&mut self, t: f64, v: f64) {
        let i = self.slot(self.len);
        self.totals[i] = t;
        self.variances[i] = v;
        self.len += 1;
    }
    /// Remove the oldest bucket.
    fn pop_front(&mut self) -> (f64, f64) {
        let (t, v) = (self.totals[self.head], self.variances[self.head]);
        self.head = self.slot(1);
        self.len -= 1;
        (t, v)
    }
    fn refresh(&mut self, i: usize) {
        if !self.stale {
            return;
        }
        self.stale = false;
        let end = self.head + self.len;
        let ring = self.totals.len();
        let (a, b) = if end <= ring {
            (&self.totals[self.head..end], &self.totals[..0])
        } else {
            (&self.totals[self.head..], &self.totals[..end - ring])
        };
        let (mut sum, mut abs) = (0.0, 0.0);
        for &t in a.iter().chain(b) {
            sum += t;
            abs += t.abs();
        }
        // Any value serves as the centre; this one is close to the mean, so `drift` is small.
        let size = Buckets::size(i);
        let unit_mean = sum * inv_pow2(i) / self.len.max(1) as f64;
        let center = unit_mean * size;
        let (mut walk, mut drift) = (0.0f64, 0.0f64);
        for &t in a.iter().chain(b) {
            walk += t - center;
            drift = drift.max(walk.abs());
        }
        self.stats = RowStats {
            sum,
            abs,
            unit_mean,
            drift,
        };
    }
}

/// 2^-i: dividing by 2^i and multiplying by 2^-i round the same exact quotient, so the results
/// are bit-identical, and a multiplication is several times cheaper than a division.
fn inv_pow2(i: usize) -> f64 {
    f64::from_bits((1023 - i as u64) << 52)
}

/// The rows plus a reusable buffer for buckets moving up a row.
#[derive(Debug, Clone, Default)]
pub(super) struct Buckets {
    pub(super) rows: Vec<Row>,
    max_buckets: usize,
    incoming: Vec<(f64, f64)>,
    outgoing: Vec<(f64, f64)>,
}

impl Buckets {
    pub(super) fn new(max_buckets: usize) -> Self {
        Self::from_rows(vec![Row::with_capacity(max_buckets + 1)], max_buckets)
    }

    pub(super) fn from_rows(rows: Vec<Row>, max_buckets: usize) -> Self {
        Buckets {
            rows,
            max_buckets,
            incoming: Vec::new(),
            outgoing: Vec::new(),
        }
    }

    pub(super) fn capacity(max_buckets: usize) -> usize {
        max_buckets + 1
    }

    /// Size (values per bucket) of row i.
    pub(super) fn size(i: usize) -> f64 {
        (1u64 << i) as f64
    }

    /// Append values to row 0 and merge full rows. River merges after every value; each row
    /// still receives the same buckets in the same order, so the state afterwards is identical.
    pub(super) fn push_values(&mut self, xs: &[f64]) {
        let cap = self.max_buckets + 1;
        self.outgoing.clear();
        for chunk in xs.chunks(ROW0_CHUNK) {
            absorb_values(&mut self.rows[0], chunk, cap, &mut self.outgoing);
        }
        let mut level = 1;
        while !self.outgoing.is_empty() {
            std::mem::swap(&mut self.incoming, &mut self.outgoing);
            self.outgoing.clear();
            if level == self.rows.len() {
                self.rows.push(Row::with_capacity(cap));
            }
            absorb_buckets(
                &mut self.rows[level],
                level,
                cap,
                &self.incoming,
                &mut self.outgoing,
            );
            level += 1;
        }
    }

    /// Drop the oldest bucket (front of the last row); returns its (size, total, variance).
    pub(super) fn pop_oldest(&mut self) -> (f64, f64, f64) {
        let last = self.rows.len() - 1;
        let row = &mut self.rows[last];
        let (u, v) = row.pop_front();
        row.stale = true;
        // Empty rows at the old end go (River drops the emptied last row; with max_buckets = 1
        // rows below it can be empty too). Row 0 always stays.
        while self.rows.len() > 1 && self.rows[self.rows.len() - 1].len() == 0 {
            self.rows.pop();
        }
        (Self::size(last), u, v)
    }

    pub(super) fn refresh_stats(&mut self) {
        for (i, row) in self.rows.iter_mut().enumerate() {
            row.refresh(i);
        }
    }

    /// Number of buckets.
    pub(super) fn count(&self) -> usize {
        self.rows.iter().map(Row::len).sum()
    }
}

/// Values pushed into row 0 per batch.
const ROW0_CHUNK: usize = 64;
/// Largest row capacity the batch path of row 0 handles (others go bucket by bucket).
const ROW0_MAX_CAP: usize = 32;

/// Row 0 receives `xs` (at most ROW0_CHUNK): River pushes each value and, whenever the row
/// holds `cap` buckets, merges its two oldest. Those merges take consecutive pairs from the
/// front of (row ++ xs), so they are computed in one pass. Row-0 variances are all 0.0, and
/// River's merge then reduces exactly to 0.5 * d * d (0.0 + 0.0 + 1.0 * 0.5 * d * d).
fn absorb_values(row: &mut Row, xs: &[f64], cap: usize, out: &mut Vec<(f64, f64)>) {
    row.stale = true;
    let have = row.len;
    if cap > ROW0_MAX_CAP || xs.len() > ROW0_CHUNK {
        for &x in xs {
            row.push(x, 0.0);
            if row.len == cap {
                out.push(merge_front(row, 0));
            }
        }
        return;
    }
    let n = xs.len();
    if have + n < cap {
        for &x in xs {
            row.push(x, 0.0);
        }
        return;
    }
    let merges = 1 + (n - (cap - have)) / 2;
    let mut z = [0.0f64; ROW0_MAX_CAP + ROW0_CHUNK];
    for (k, t) in row.totals().enumerate() {
        z[k] = t;
    }
    z[have..have + n].copy_from_slice(xs);
    for p in z[..2 * merges].chunks_exact(2) {
        let d = p[0] - p[1];
        out.push((p[0] + p[1], 0.5 * d * d));
    }
    row.head = 0;
    row.len = 0;
    for &t in &z[2 * merges..have + n] {
        row.push(t, 0.0);
    }
}

/// Row `level` (>= 1) receives buckets one by one as in River, merging its two oldest whenever
/// it holds `cap`. The ring position and length live in locals for the loop.
fn absorb_buckets(
    row: &mut Row,
    level: usize,
    cap: usize,
    incoming: &[(f64, f64)],
    out: &mut Vec<(f64, f64)>,
) {
    row.stale = true;
    let n1 = Buckets::size(level);
    let inv = inv_pow2(level);
    let ring = row.totals.len();
    let (mut head, mut len) = (row.head, row.len);
    let wrap = |i: usize| if i >= ring { i - ring } else { i };
    let (totals, variances) = (&mut row.totals[..], &mut row.variances[..]);
    for &(t, v) in incoming {
        let i = wrap(head + len);
        totals[i] = t;
        variances[i] = v;
        len += 1;
        if len == cap {
            let j = wrap(head + 1);
            let (t0, v0, t1, v1) = (totals[head], variances[head], totals[j], variances[j]);
            head = wrap(head + 2);
            len -= 2;
            let (m0, m1) = (t0 * inv, t1 * inv);
            out.push((t0 + t1, v0 + v1 + n1 * 0.5 * (m0 - m1) * (m0 - m1)));
        }
    }
    row.head = head;
    row.len = len;
}

/// River's merge of the two oldest buckets of row `i` into one bucket for row i + 1.
fn merge_front(row: &mut Row, i: usize) -> (f64, f64) {
    let n1 = Buckets::size(i);
    let inv = inv_pow2(i);
    let (t0, v0) = row.pop_front();
    let (t1, v1) = row.pop_front();
    let (m0, m1) = (t0 * inv, t1 * inv);
    (t0 + t1, v0 + v1 + n1 * 0.5 * (m0 - m1) * (m0 - m1))
}
