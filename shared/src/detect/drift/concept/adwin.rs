//! ADWIN (Bifet & Gavaldà 2007) with River's exponential-histogram buckets and defaults, in the
//! same floating-point order as River's implementation so detections land on the same index.
//! Batches are processed a check interval (`clock` values) at a time: the window statistics
//! first, then the buckets, then one cut search, which gives the same state as River's
//! value-by-value updates.
use serde::{Deserialize, Serialize};

use super::adwin_buckets::{Buckets, Row};
use super::adwin_cut::{any_cut, river_dp, Window};

/// Values whose variance increments are computed together (independent divisions overlap).
const BLOCK: usize = 32;

/// 0.0, 1.0, ..., BLOCK as f64 (a conversion per value costs more than a load).
const STEPS: [f64; BLOCK + 1] = {
    let mut s = [0.0; BLOCK + 1];
    let mut i = 0;
    while i <= BLOCK {
        s[i] = i as f64;
        i += 1;
    }
    s
};

/// Largest `max_buckets` accepted (each row keeps max_buckets + 1 slots).
pub const MAX_BUCKETS_LIMIT: usize = 1 << 16;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "AdwinState", into = "AdwinState")]
pub struct Adwin {
    pub delta: f64,
    pub clock: u32,
    pub max_buckets: usize,
    pub min_window_length: u32,
    pub grace_period: u32,
    total: f64,
    variance: f64,
    width: f64,
    tick: u64,
    buckets: Buckets,
    drift_detected: bool,
    /// Values until the next check (River checks when tick % clock == 0).
    until_check: u32,
    /// A lower bound of River's dp for widths from `dp_width` to 1.0625 times that (dp grows
    /// with the width), so most checks need no logarithm.
    dp_width: f64,
    dp_low: f64,
    /// |total| + sum |bucket totals| when it was last computed (reset or load) plus twice the
    /// |x| added since, and how many values and deletions that covers (see `magnitude`).
    mag: f64,
    mag_steps: f64,
}

impl Default for Adwin {
    fn default() -> Self {
        Self::new(0.002, 32, 5, 5, 10)
    }
}

impl Adwin {
    /// River's parameters. `clock` below 1 is taken as 1 and `max_buckets` is kept within
    /// 1..=MAX_BUCKETS_LIMIT ([`ConceptDetector::from_name`](super::ConceptDetector::from_name)
    /// rejects values outside River's working range instead).
    pub fn new(
        delta: f64,
        clock: u32,
        max_buckets: usize,
        min_window_length: u32,
        grace_period: u32,
    ) -> Self {
        let clock = clock.max(1);
        let max_buckets = max_buckets.clamp(1, MAX_BUCKETS_LIMIT);
        Self {
            delta,
            clock,
            max_buckets,
            min_window_length,
            grace_period,
            total: 0.0,
            variance: 0.0,
            width: 0.0,
            tick: 0,
            buckets: Buckets::new(max_buckets),
            drift_detected: false,
            until_check: clock,
            dp_width: f64::NAN,
            dp_low: f64::NAN,
            mag: 0.0,
            mag_steps: 0.0,
        }
    }

    fn reset(&mut self) {
        *self = Self::new(
            self.delta,
            self.clock,
            self.max_buckets,
            self.min_window_length,
            self.grace_period,
        );
    }

    pub fn width(&self) -> f64 {
        self.width
    }
    pub fn estimation(&self) -> f64 {
        if self.width == 0.0 {
            0.0
        } else {
            self.total / self.width
        }
    }

    /// Add one value; true when a change was detected (River resets the window on the next call).
    pub fn update(&mut self, x: f64) -> bool {
        !self.run(&[x], 0).is_empty()
    }

    /// Feed a batch; returns the indices (offset + position) where drift was detected.
    pub fn run(&mut self, values: &[f64], offset: usize) -> Vec<usize> {
        let mut detections = Vec::new();
        let mut i = 0;
        while i < values.len() {
            if self.drift_detected {
                self.reset();
            }
            let take = (self.until_check as usize).min(values.len() - i);
            self.insert(&values[i..i + take]);
            i += take;
            self.tick += take as u64;
            self.until_check -= take as u32;
            self.drift_detected = false;
            if self.until_check == 0 {
                self.until_check = self.clock;
                if self.width > self.grace_period as f64 && self.detect() {
                    self.drift_detected = true;
                    detections.push(offset + i - 1);
                }
            }
        }
        detections
    }

    fn insert(&mut self, xs: &[f64]) {
        let mut blocks = xs.chunks_exact(BLOCK);
        for block in &mut blocks {
            self.add_block(block.try_into().expect("BLOCK values"));
        }
        for &x in blocks.remainder() {
            self.add_one(x);
        }
        self.buckets.push_values(xs);
    }

    /// River's total / variance / width updates for BLOCK values: the running total first
    /// (its own chain of additions), then every variance increment (independent divisions,
    /// which the compiler puts in vector registers), then their running sum; each operation
    /// as River orders it.
    fn add_block(&mut self, xs: &[f64; BLOCK]) {
        let mut before = [0.0f64; BLOCK];
        let mut total = self.total;
        for (b, &x) in before.iter_mut().zip(xs) {
            *b = total;
            total += x;
        }
        let w0 = self.width;
        let mut inc = [0.0f64; BLOCK];
        for k in 0..BLOCK {
            // width - 1 and width as River has them (whole numbers, exact).
            let (prev, width) = (w0 + STEPS[k], w0 + STEPS[k + 1]);
            let d = xs[k] - before[k] / prev;
            inc[k] = prev * d * d / width;
        }
        if w0 == 0.0 {
            inc[0] = 0.0; // River adds no increment for the first value
        }
        let mut variance = self.variance;
        for v in inc {
            variance += v;
        }
        // sum |x| in four lanes (any order bounds it alike; the compiler vectorises it)
        let mut lanes = [0.0f64; 4];
        for c in xs.chunks_exact(4) {
            for (a, &x) in lanes.iter_mut().zip(c) {
                *a += x.abs();
            }
        }
        self.mag += 2.0 * ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]));
        self.mag_steps += STEPS[BLOCK];
        self.total = total;
        self.variance = variance;
        self.width = w0 + STEPS[BLOCK];
    }

    /// The same for one value.
    fn add_one(&mut self, x: f64) {
        self.mag += 2.0 * x.abs();
        self.mag_steps += 1.0;
        self.width += 1.0;
        if self.width > 1.0 {
            let d = x - self.total / (self.width - 1.0);
            self.variance += (self.width - 1.0) * d * d / self.width;
        } else {
            self.variance += 0.0;
        }
        self.total += x;
    }

    /// River's detection loop: while some split cuts, drop the oldest bucket.
    fn detect(&mut self) -> bool {
        let mut detected = false;
        loop {
            self.update_dp_bound();
            let window = Window {
                width: self.width,
                total: self.total,
                variance: self.variance,
                delta: self.delta,
                min_window_length: self.min_window_length as f64,
                dp_low: self.dp_low,
                magnitude: self.magnitude(),
            };
            if !any_cut(&mut self.buckets, &window) {
                return detected;
            }
            detected = true;
            self.delete_oldest();
        }
    }

    /// Keep `dp_low` a lower bound of River's dp at the current width: dp grows with the
    /// width, so a value computed at a width up to 6.25 % smaller serves (the 1e-12 covers the
    /// logarithm's last-bit rounding).
    fn update_dp_bound(&mut self) {
        if self.dp_width <= self.width && self.width <= self.dp_width * 1.0625 {
            return;
        }
        self.dp_width = self.width;
        self.dp_low = if self.delta > 0.0 && self.delta.is_finite() {
            river_dp(self.width, self.delta) * (1.0 - 1e-12)
        } else {
            f64::NAN
        };
    }

    /// An upper bound of |total| + sum |bucket totals|. Adding x rounds |total + x| and every
    /// merge's |t0 + t1| up by at most a factor 1 + 2^-53, at most 64 times per value (one per
    /// row), and a deletion removes a bucket and rounds the total once; so after n steps the
    /// sum is at most (1 + 2^-53)^(64 n) (mag's exact value), under 1.01 mag for
    /// n < 10^12 even with mag's own rounding. Infinite (no bound) beyond.
    fn magnitude(&self) -> f64 {
        if self.mag_steps < 1e12 {
            self.mag * 1.125
        } else {
            f64::INFINITY
        }
    }

    /// Start `mag` from the current buckets (a loaded state).
    fn with_magnitude(mut self) -> Self {
        let rows: f64 = self
            .buckets
            .rows
            .iter()
            .flat_map(|r| r.totals())
            .map(|t| t.abs())
            .sum();
        // (the sum's own rounding is far below the factor)
        self.mag = (self.total.abs() + rows) * (1.0 + 1e-8);
        self.mag_steps = 0.0;
        self
    }

    fn delete_oldest(&mut self) {
        self.mag_steps += 1.0;
        let (n, u, v) = self.buckets.pop_oldest();
        let mu = u / n;
        self.width -= n;
        self.total -= u;
        let mu_w = self.total / self.width;
        self.variance -= v + n * self.width * (mu - mu_w) * (mu - mu_w) / (n + self.width);
    }
}

/// The serialised form (unchanged from the first release, so stored states keep loading).
#[derive(Serialize, Deserialize)]
struct AdwinState {
    delta: f64,
    clock: u32,
    max_buckets: usize,
    min_window_length: u32,
    grace_period: u32,
    total: f64,
    variance: f64,
    width: f64,
    tick: u64,
    rows: Vec<RowState>,
    drift_detected: bool,
}

#[derive(Serialize, Deserialize)]
struct RowState {
    totals: Vec<f64>,
    variances: Vec<f64>,
}

impl From<Adwin> for AdwinState {
    fn from(a: Adwin) -> Self {
        AdwinState {
            delta: a.delta,
            clock: a.clock,
            max_buckets: a.max_buckets,
            min_window_length: a.min_window_length,
            grace_period: a.grace_period,
            total: a.total,
            variance: a.variance,
            width: a.width,
            tick: a.tick,
            rows: a
                .buckets
                .rows
                .iter()
                .map(|r| RowState {
                    totals: r.totals().to_vec(),
                    variances: r.variances(),
                })
                .collect(),
            drift_detected: a.drift_detected,
        }
    }
}

impl TryFrom<AdwinState> for Adwin {
    type Error = String;
    fn try_from(s: AdwinState) -> Result<Self, String> {
        if s.clock == 0 || !(1..=MAX_BUCKETS_LIMIT).contains(&s.max_buckets) {
            return Err(format!(
                "adwin state: clock must be at least 1 and max_buckets within 1..={MAX_BUCKETS_LIMIT}"
            ));
        }
        if s.rows.is_empty() || s.rows.len() > 64 {
            return Err("adwin state: needs 1 to 64 bucket rows".into());
        }
        if s.rows
            .iter()
            .any(|r| r.totals.len() != r.variances.len() || r.totals.len() > s.max_buckets)
        {
            return Err(format!(
                "adwin state: each row needs as many totals as variances, at most max_buckets ({})",
                s.max_buckets
            ));
        }
        if s.rows.len() > 1 && s.rows.last().is_some_and(|r| r.totals.is_empty()) {
            return Err("adwin state: the last bucket row is empty".into());
        }
        // Single values have no spread; the batch path for row 0 relies on it.
        if s.rows[0].variances.iter().any(|&v| v != 0.0) {
            return Err("adwin state: row 0 variances must be 0".into());
        }
        let rows = s
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| Row::from_parts(i, &r.totals, &r.variances))
            .collect();
        Ok(Adwin {
            delta: s.delta,
            clock: s.clock,
            max_buckets: s.max_buckets,
            min_window_length: s.min_window_length,
            grace_period: s.grace_period,
            total: s.total,
            variance: s.variance,
            width: s.width,
            tick: s.tick,
            buckets: Buckets::from_rows(rows, s.max_buckets),
            drift_detected: s.drift_detected,
            until_check: s.clock - (s.tick % s.clock as u64) as u32,
            dp_width: f64::NAN,
            dp_low: f64::NAN,
            mag: 0.0,
            mag_steps: 0.0,
        }
        .with_magnitude())
    }
}

#[cfg(test)]
#[path = "adwin_tests.rs"]
mod tests;
