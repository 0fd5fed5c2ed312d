//! HDDM_W (Frías-Blanco et al. 2014, McDiarmid bound on EWMA) with River's defaults
//! (drift confidence 0.001, warning 0.005, lambda 0.05, one-sided).
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct SampleInfo {
    ewma: f64,
    started: bool,
    ibc: f64,
    lambda: f64,
}

impl SampleInfo {
    fn new(lambda: f64) -> Self {
        Self {
            ewma: 0.0,
            started: false,
            ibc: 1.0,
            lambda,
        }
    }
    fn update(&mut self, x: f64) {
        // River's EWMean: first value sets the mean.
        if !self.started {
            self.ewma = x;
        } else {
            self.ewma = self.lambda * x + (1.0 - self.lambda) * self.ewma;
        }
        self.started = true;
        self.ibc = self.lambda * self.lambda + (1.0 - self.lambda).powi(2) * self.ibc;
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HddmW {
    pub drift_confidence: f64,
    pub warning_confidence: f64,
    pub lambda_val: f64,
    pub two_sided_test: bool,
    total: SampleInfo,
    s1_decr: SampleInfo,
    s1_incr: SampleInfo,
    s2_decr: SampleInfo,
    s2_incr: SampleInfo,
    incr_cutpoint: f64,
    decr_cutpoint: f64,
    pub warning_detected: bool,
    drift_detected: bool,
}

impl Default for HddmW {
    fn default() -> Self {
        Self::new(0.001, 0.005, 0.05, false)
    }
}

fn mcdiarmid(ibc: f64, conf: f64) -> f64 {
    (ibc * (1.0 / conf).ln() / 2.0).sqrt()
}

fn changed(s1: &SampleInfo, s2: &SampleInfo, conf: f64) -> bool {
    if !(s1.started && s2.started) {
        return false;
    }
    s2.ewma - s1.ewma > mcdiarmid(s1.ibc + s2.ibc, conf)
}

impl HddmW {
    pub fn new(
        drift_confidence: f64,
        warning_confidence: f64,
        lambda_val: f64,
        two_sided_test: bool,
    ) -> Self {
        let s = SampleInfo::new(lambda_val);
        Self {
            drift_confidence,
            warning_confidence,
            lambda_val,
            two_sided_test,
            total: s,
            s1_decr: s,
            s1_incr: s,
            s2_decr: s,
            s2_incr: s,
            incr_cutpoint: f64::INFINITY,
            decr_cutpoint: f64::NEG_INFINITY,
            warning_detected: false,
            drift_detected: false,
        }
    }

    pub fn update(&mut self, x: f64) -> bool {
        if self.drift_detected {
            *self = Self::new(
                self.drift_confidence,
                self.warning_confidence,
                self.lambda_val,
                self.two_sided_test,
            );
        }
        // River's SampleInfo computes ibc with (1 - lambda) ** 2 once; same value as powi(2).
        self.total.update(x);
        let eps = mcdiarmid(self.total.ibc, self.drift_confidence);
        if self.total.ewma + eps < self.incr_cutpoint {
            self.incr_cutpoint = self.total.ewma + eps;
            self.s1_incr = self.total;
            self.s2_incr = SampleInfo::new(self.lambda_val);
        } else {
            self.s2_incr.update(x);
        }
        if changed(&self.s1_incr, &self.s2_incr, self.drift_confidence) {
            self.warning_detected = false;
            self.drift_detected = true;
        } else if changed(&self.s1_incr, &self.s2_incr, self.warning_confidence) {
            self.warning_detected = true;
            self.drift_detected = false;
        } else {
            self.warning_detected = false;
            self.drift_detected = false;
        }
        let eps = mcdiarmid(self.total.ibc, self.drift_confidence);
        if self.total.ewma - eps > self.decr_cutpoint {
            self.decr_cutpoint = self.total.ewma - eps;
            self.s1_decr = self.total;
            self.s2_decr = SampleInfo::new(self.lambda_val);
        } else {
            self.s2_decr.update(x);
        }
        if self.two_sided_test {
            if changed(&self.s2_decr, &self.s1_decr, self.drift_confidence) {
                self.drift_detected = true;
            } else if changed(&self.s2_decr, &self.s1_decr, self.warning_confidence) {
                self.warning_detected = true;
            }
        }
        self.drift_detected
    }
}
