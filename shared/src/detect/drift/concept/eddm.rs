//! EDDM (Baena-García et al. 2006) with River's defaults (warm_start 30, alpha 0.95, beta 0.9).
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Eddm {
    pub warm_start: u64,
    pub alpha: f64,
    pub beta: f64,
    n: u64,
    last_error: u64,
    n_errors: u64,
    p2s_max: f64,
    // Welford mean / sum of squares of distances between errors (River `stats.Var`, ddof 1).
    d_n: f64,
    d_mean: f64,
    d_s: f64,
    pub warning_detected: bool,
    drift_detected: bool,
}

impl Default for Eddm {
    fn default() -> Self {
        Self::new(30, 0.95, 0.9)
    }
}

impl Eddm {
    pub fn new(warm_start: u64, alpha: f64, beta: f64) -> Self {
        Self {
            warm_start,
            alpha,
            beta,
            n: 0,
            last_error: 0,
            n_errors: 0,
            p2s_max: -1.0,
            d_n: 0.0,
            d_mean: 0.0,
            d_s: 0.0,
            warning_detected: false,
            drift_detected: false,
        }
    }

    pub fn update(&mut self, x: f64) -> bool {
        if self.drift_detected {
            *self = Self::new(self.warm_start, self.alpha, self.beta);
        }
        self.n += 1;
        if x == 1.0 {
            self.n_errors += 1;
            let d = (self.n - self.last_error) as f64;
            let old = self.d_mean;
            self.d_n += 1.0;
            self.d_mean += (1.0 / self.d_n) * (d - self.d_mean);
            self.d_s += (d - old) * (d - self.d_mean);
            if self.n > self.warm_start {
                let var = if self.d_n > 1.0 {
                    self.d_s / (self.d_n - 1.0)
                } else {
                    0.0
                };
                let p2s = self.d_mean + 2.0 * var.powf(0.5);
                if p2s > self.p2s_max {
                    self.p2s_max = p2s;
                } else if self.n_errors > self.warm_start {
                    let level = p2s / self.p2s_max;
                    if level < self.beta {
                        self.drift_detected = true;
                    } else {
                        self.warning_detected = level < self.alpha;
                    }
                }
            }
            self.last_error = self.n;
        }
        self.drift_detected
    }
}
