//! Page–Hinkley test with River's defaults (min_instances 30, delta 0.005, threshold 50,
//! alpha 0.9999, mode both).
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhMode {
    Up,
    Down,
    Both,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageHinkley {
    pub min_instances: u64,
    pub delta: f64,
    pub threshold: f64,
    pub alpha: f64,
    pub mode: PhMode,
    n: f64,
    mean: f64,
    sum_increase: f64,
    sum_decrease: f64,
    min_increase: f64,
    max_decrease: f64,
    drift_detected: bool,
}

impl Default for PageHinkley {
    fn default() -> Self {
        Self::new(30, 0.005, 50.0, 1.0 - 0.0001, PhMode::Both)
    }
}

impl PageHinkley {
    pub fn new(min_instances: u64, delta: f64, threshold: f64, alpha: f64, mode: PhMode) -> Self {
        Self {
            min_instances,
            delta,
            threshold,
            alpha,
            mode,
            n: 0.0,
            mean: 0.0,
            sum_increase: 0.0,
            sum_decrease: 0.0,
            min_increase: f64::INFINITY,
            max_decrease: -1.0,
            drift_detected: false,
        }
    }

    pub fn update(&mut self, x: f64) -> bool {
        if self.drift_detected {
            *self = Self::new(
                self.min_instances,
                self.delta,
                self.threshold,
                self.alpha,
                self.mode,
            );
        }
        self.n += 1.0;
        self.mean += (1.0 / self.n) * (x - self.mean);
        let dev = x - self.mean;
        self.sum_increase = self.alpha * self.sum_increase + dev - self.delta;
        self.sum_decrease = self.alpha * self.sum_decrease + dev + self.delta;
        if self.sum_increase < self.min_increase {
            self.min_increase = self.sum_increase;
        }
        if self.sum_decrease > self.max_decrease {
            self.max_decrease = self.sum_decrease;
        }
        if self.n >= self.min_instances as f64 {
            let up = self.sum_increase - self.min_increase;
            let down = self.max_decrease - self.sum_decrease;
            self.drift_detected = match self.mode {
                PhMode::Up => up > self.threshold,
                PhMode::Down => down > self.threshold,
                PhMode::Both => up > self.threshold || down > self.threshold,
            };
        }
        self.drift_detected
    }
}
