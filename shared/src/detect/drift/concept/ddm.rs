//! DDM (Gama et al. 2004) with River's defaults (warm_start 30, warning 2, drift 3).
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ddm {
    pub warm_start: u64,
    pub warning_threshold: f64,
    pub drift_threshold: f64,
    n: f64,
    p: f64,
    p_min: f64,
    s_min: f64,
    ps_min: f64,
    pub warning_detected: bool,
    drift_detected: bool,
}

impl Default for Ddm {
    fn default() -> Self {
        Self::new(30, 2.0, 3.0)
    }
}

impl Ddm {
    pub fn new(warm_start: u64, warning_threshold: f64, drift_threshold: f64) -> Self {
        Self {
            warm_start,
            warning_threshold,
            drift_threshold,
            n: 0.0,
            p: 0.0,
            p_min: f64::NAN,
            s_min: f64::NAN,
            ps_min: f64::INFINITY,
            warning_detected: false,
            drift_detected: false,
        }
    }

    pub fn update(&mut self, x: f64) -> bool {
        if self.drift_detected {
            *self = Self::new(
                self.warm_start,
                self.warning_threshold,
                self.drift_threshold,
            );
        }
        self.n += 1.0;
        self.p += (1.0 / self.n) * (x - self.p);
        let p_i = self.p;
        let s_i = (p_i * (1.0 - p_i) / self.n).sqrt();
        if self.n > self.warm_start as f64 {
            if p_i + s_i <= self.ps_min {
                self.p_min = p_i;
                self.s_min = s_i;
                self.ps_min = self.p_min + self.s_min;
            }
            self.warning_detected = p_i + s_i > self.p_min + self.warning_threshold * self.s_min;
            if p_i + s_i > self.p_min + self.drift_threshold * self.s_min {
                self.drift_detected = true;
                self.warning_detected = false;
            }
        }
        self.drift_detected
    }
}
