//! ADWIN (Bifet & Gavaldà 2007) with River's exponential-histogram buckets and defaults, in the
//! same floating-point order as River's implementation so detections land on the same index.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Row {
    totals: Vec<f64>,
    variances: Vec<f64>,
}

impl Row {
    fn len(&self) -> usize {
        self.totals.len()
    }
    fn push(&mut self, t: f64, v: f64) {
        self.totals.push(t);
        self.variances.push(v);
    }
    fn drop_front(&mut self, n: usize) {
        self.totals.drain(..n);
        self.variances.drain(..n);
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// rows[i] holds summaries of 2^i values each, oldest first.
    rows: Vec<Row>,
    drift_detected: bool,
}

impl Default for Adwin {
    fn default() -> Self {
        Self::new(0.002, 32, 5, 5, 10)
    }
}

impl Adwin {
    pub fn new(
        delta: f64,
        clock: u32,
        max_buckets: usize,
        min_window_length: u32,
        grace_period: u32,
    ) -> Self {
        Self {
            delta,
            clock: clock.max(1),
            max_buckets,
            min_window_length,
            grace_period,
            total: 0.0,
            variance: 0.0,
            width: 0.0,
            tick: 0,
            rows: vec![Row {
                totals: Vec::new(),
                variances: Vec::new(),
            }],
            drift_detected: false,
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
        if self.drift_detected {
            self.reset();
        }
        self.insert(x);
        self.drift_detected = self.detect();
        self.drift_detected
    }

    fn insert(&mut self, x: f64) {
        self.rows[0].push(x, 0.0);
        self.width += 1.0;
        let mut inc = 0.0;
        if self.width > 1.0 {
            let d = x - self.total / (self.width - 1.0);
            inc = (self.width - 1.0) * d * d / self.width;
        }
        self.variance += inc;
        self.total += x;
        self.compress();
    }

    fn compress(&mut self) {
        let mut i = 0;
        while self.rows[i].len() == self.max_buckets + 1 {
            let n1 = (1u64 << i) as f64;
            let (t0, t1) = (self.rows[i].totals[0], self.rows[i].totals[1]);
            let (v0, v1) = (self.rows[i].variances[0], self.rows[i].variances[1]);
            let (m0, m1) = (t0 / n1, t1 / n1);
            let v = v0 + v1 + n1 * 0.5 * (m0 - m1) * (m0 - m1);
            if i + 1 == self.rows.len() {
                self.rows.push(Row {
                    totals: Vec::new(),
                    variances: Vec::new(),
                });
            }
            self.rows[i + 1].push(t0 + t1, v);
            self.rows[i].drop_front(2);
            if self.rows[i + 1].len() <= self.max_buckets {
                break;
            }
            i += 1;
        }
    }

    fn delete_oldest(&mut self) {
        let last = self.rows.len() - 1;
        let n = (1u64 << last) as f64;
        let (u, v) = (self.rows[last].totals[0], self.rows[last].variances[0]);
        let mu = u / n;
        self.width -= n;
        self.total -= u;
        let mu_w = self.total / self.width;
        self.variance -= v + n * self.width * (mu - mu_w) * (mu - mu_w) / (n + self.width);
        self.rows[last].drop_front(1);
        if self.rows[last].len() == 0 {
            self.rows.pop();
        }
    }

    fn cut(&self, n0: f64, n1: f64, delta_mean: f64) -> bool {
        let mwl = self.min_window_length as f64;
        let dp = (2.0 * self.width.ln() / self.delta).ln();
        let m_recip = 1.0 / (n0 - mwl + 1.0) + 1.0 / (n1 - mwl + 1.0);
        let eps =
            (2.0 * m_recip * (self.variance / self.width) * dp).sqrt() + 2.0 / 3.0 * dp * m_recip;
        delta_mean.abs() > eps
    }

    fn detect(&mut self) -> bool {
        let mut detected = false;
        self.tick += 1;
        if self.tick % self.clock as u64 != 0 || self.width <= self.grace_period as f64 {
            return false;
        }
        let mwl = self.min_window_length as f64;
        let mut again = true;
        while again {
            again = false;
            let (mut n0, mut n1, mut u0, mut u1) = (0.0, self.width, 0.0, self.total);
            // Oldest (largest) buckets first; stop before the very newest value.
            'scan: for i in (0..self.rows.len()).rev() {
                let size = (1u64 << i) as f64;
                let len = self.rows[i].len();
                for k in 0..len {
                    n0 += size;
                    n1 -= size;
                    let t = self.rows[i].totals[k];
                    u0 += t;
                    u1 -= t;
                    if i == 0 && k == len - 1 {
                        break 'scan;
                    }
                    let dm = u0 / n0 - u1 / n1;
                    if n1 >= mwl && n0 >= mwl && self.cut(n0, n1, dm) {
                        again = true;
                        detected = true;
                        if self.width > 0.0 {
                            self.delete_oldest();
                            break 'scan;
                        }
                    }
                }
            }
        }
        detected
    }
}
