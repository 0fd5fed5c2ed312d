//! KSWIN (Raab et al. 2020) with River's defaults (alpha 0.005, window 100, stat 30). The
//! window sample is drawn with Python's `random.Random(seed)` algorithm, so with the same seed
//! the detections equal River's.
use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::detect::drift::rng::{py_sample_uses_pool, Mt19937};
use crate::detect::drift::stattest::ks::ks_2samp_sorted;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Kswin {
    pub alpha: f64,
    pub window_size: usize,
    pub stat_size: usize,
    pub seed: u64,
    window: VecDeque<f64>,
    rng: Mt19937,
    /// Last KS p-value and statistic (for inspection).
    pub p_value: f64,
    pub statistic: f64,
    drift_detected: bool,
}

impl Default for Kswin {
    fn default() -> Self {
        Self::new(0.005, 100, 30, 42)
    }
}

impl Kswin {
    pub fn new(alpha: f64, window_size: usize, stat_size: usize, seed: u64) -> Self {
        Self {
            alpha,
            window_size,
            stat_size,
            seed,
            window: VecDeque::with_capacity(window_size),
            rng: Mt19937::python(seed),
            p_value: 0.0,
            statistic: 0.0,
            drift_detected: false,
        }
    }

    fn sample(&mut self, n: usize, k: usize) -> Vec<usize> {
        if py_sample_uses_pool(n, k) {
            self.rng.py_sample_range(n, k)
        } else {
            let mut seen = std::collections::HashSet::new();
            let mut out = Vec::with_capacity(k);
            for _ in 0..k {
                let mut j = self.rng.py_randbelow(n);
                while seen.contains(&j) {
                    j = self.rng.py_randbelow(n);
                }
                seen.insert(j);
                out.push(j);
            }
            out
        }
    }

    pub fn update(&mut self, x: f64) -> bool {
        if self.drift_detected {
            *self = Self::new(self.alpha, self.window_size, self.stat_size, self.seed);
        }
        if self.window.len() == self.window_size {
            self.window.pop_front();
        }
        self.window.push_back(x);
        if self.window.len() < self.window_size {
            self.drift_detected = false;
            return false;
        }
        let idx = self.sample(self.window_size - self.stat_size, self.stat_size);
        let mut rnd: Vec<f64> = idx.iter().map(|&i| self.window[i]).collect();
        let mut recent: Vec<f64> = self
            .window
            .iter()
            .skip(self.window_size - self.stat_size)
            .copied()
            .collect();
        let keep = recent.clone();
        rnd.sort_by(f64::total_cmp);
        recent.sort_by(f64::total_cmp);
        let (st, p) = ks_2samp_sorted(&rnd, &recent);
        self.statistic = st;
        self.p_value = p;
        self.drift_detected = p <= self.alpha && st > 0.1;
        if self.drift_detected {
            self.window = keep.into_iter().collect();
        }
        self.drift_detected
    }
}
