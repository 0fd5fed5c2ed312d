//! HDDM_A (Frías-Blanco et al. 2014, Hoeffding bound on averages) with River's defaults
//! (drift confidence 0.001, warning 0.005, one-sided).
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct Mean {
    n: f64,
    mean: f64,
}

impl Mean {
    fn update(&mut self, x: f64) {
        self.n += 1.0;
        self.mean += (1.0 / self.n) * (x - self.mean);
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HddmA {
    pub drift_confidence: f64,
    pub warning_confidence: f64,
    pub two_sided_test: bool,
    x_min: Mean,
    x_max: Mean,
    z: Mean,
    pub warning_detected: bool,
    drift_detected: bool,
}

impl Default for HddmA {
    fn default() -> Self {
        Self::new(0.001, 0.005, false)
    }
}

impl HddmA {
    pub fn new(drift_confidence: f64, warning_confidence: f64, two_sided_test: bool) -> Self {
        Self {
            drift_confidence,
            warning_confidence,
            two_sided_test,
            x_min: Mean::default(),
            x_max: Mean::default(),
            z: Mean::default(),
            warning_detected: false,
            drift_detected: false,
        }
    }

    fn bound(&self, n: f64) -> f64 {
        (1.0 / (2.0 * n) * (1.0 / self.drift_confidence).ln()).sqrt()
    }

    fn incr(&self, conf: f64) -> bool {
        if self.x_min.n == self.z.n {
            return false;
        }
        let m = (self.z.n - self.x_min.n) / self.x_min.n * (1.0 / self.z.n);
        let eps = (m / 2.0 * (2.0 / conf).ln()).sqrt();
        self.z.mean - self.x_min.mean >= eps
    }

    fn decr(&self, conf: f64) -> bool {
        if self.x_max.n == self.z.n {
            return false;
        }
        let m = (self.z.n - self.x_max.n) / self.x_max.n * (1.0 / self.z.n);
        let eps = (m / 2.0 * (2.0 / conf).ln()).sqrt();
        self.x_max.mean - self.z.mean >= eps
    }

    pub fn update(&mut self, x: f64) -> bool {
        if self.drift_detected {
            *self = Self::new(
                self.drift_confidence,
                self.warning_confidence,
                self.two_sided_test,
            );
        }
        self.z.update(x);
        if self.x_min.n == 0.0 {
            self.x_min = self.z;
        }
        if self.x_max.n == 0.0 {
            self.x_max = self.z;
        }
        let eps_z = self.bound(self.z.n);
        let eps_x = self.bound(self.x_min.n);
        if self.x_min.mean + eps_x >= self.z.mean + eps_z {
            self.x_min = self.z;
        }
        let eps_x = self.bound(self.x_max.n);
        if self.x_max.mean - eps_x <= self.z.mean - eps_z {
            self.x_max = self.z;
        }
        if self.incr(self.drift_confidence) {
            self.warning_detected = false;
            self.drift_detected = true;
        } else if self.incr(self.warning_confidence) {
            self.warning_detected = true;
            self.drift_detected = false;
        } else {
            self.warning_detected = false;
            self.drift_detected = false;
        }
        if self.two_sided_test {
            if self.decr(self.drift_confidence) {
                self.drift_detected = true;
            } else if self.decr(self.warning_confidence) {
                self.warning_detected = true;
            }
        }
        self.drift_detected
    }
}
