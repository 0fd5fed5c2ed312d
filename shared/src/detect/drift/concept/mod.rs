//! Streaming concept-drift detectors, River-exact. Every detector serialises with serde, so a
//! stateless function can load its state, feed a batch and store it back:
//!
//! ```
//! use aiir_core::detect::drift::concept::ConceptDetector;
//! let mut d = ConceptDetector::from_name("adwin", &Default::default()).unwrap();
//! let hits = d.run(&[0.0; 100], 0);
//! let saved = serde_json::to_string(&d).unwrap();
//! let mut resumed: ConceptDetector = serde_json::from_str(&saved).unwrap();
//! resumed.run(&[1.0; 100], 100);
//! # assert!(hits.is_empty());
//! ```
mod adwin;
mod adwin_buckets;
mod adwin_cut;
mod ddm;
mod eddm;
mod hddm_a;
mod hddm_w;
mod kswin;
mod page_hinkley;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use adwin::{Adwin, MAX_BUCKETS_LIMIT};
pub use ddm::Ddm;
pub use eddm::Eddm;
pub use hddm_a::HddmA;
pub use hddm_w::HddmW;
pub use kswin::Kswin;
pub use page_hinkley::{PageHinkley, PhMode};

use super::DriftError;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "detector", rename_all = "kebab-case")]
pub enum ConceptDetector {
    Adwin(Adwin),
    PageHinkley(PageHinkley),
    Kswin(Kswin),
    Ddm(Ddm),
    Eddm(Eddm),
    HddmA(HddmA),
    HddmW(HddmW),
}

/// Detector names accepted by [`ConceptDetector::from_name`] and the CLI.
pub const DETECTORS: [&str; 7] = [
    "adwin",
    "page-hinkley",
    "kswin",
    "ddm",
    "eddm",
    "hddm-a",
    "hddm-w",
];

struct Params<'a> {
    map: &'a BTreeMap<String, String>,
    used: Vec<&'static str>,
}

impl Params<'_> {
    fn f(&mut self, k: &'static str, default: f64) -> Result<f64, DriftError> {
        self.used.push(k);
        match self.map.get(k) {
            None => Ok(default),
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| DriftError::Param(format!("{k}={v}: not a finite number"))),
        }
    }
    fn u(&mut self, k: &'static str, default: u64) -> Result<u64, DriftError> {
        self.used.push(k);
        match self.map.get(k) {
            None => Ok(default),
            Some(v) => v
                .parse::<u64>()
                .map_err(|_| DriftError::Param(format!("{k}={v}: not a non-negative integer"))),
        }
    }
    fn b(&mut self, k: &'static str, default: bool) -> Result<bool, DriftError> {
        self.used.push(k);
        match self.map.get(k).map(|s| s.to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if v == "true" || v == "1" => Ok(true),
            Some(v) if v == "false" || v == "0" => Ok(false),
            Some(v) => Err(DriftError::Param(format!(
                "{k}={v}: expected true or false"
            ))),
        }
    }
    fn s(&mut self, k: &'static str) -> Option<String> {
        self.used.push(k);
        self.map.get(k).cloned()
    }
    fn finish(self) -> Result<(), DriftError> {
        for k in self.map.keys() {
            if !self.used.contains(&k.as_str()) {
                return Err(DriftError::Param(format!(
                    "unknown parameter '{k}' (known: {})",
                    self.used.join(", ")
                )));
            }
        }
        Ok(())
    }
}

impl ConceptDetector {
    /// Build a detector by name with River's defaults, overridden by `params` (River's
    /// parameter names, e.g. `delta`, `clock`, `threshold`, `seed`).
    pub fn from_name(name: &str, params: &BTreeMap<String, String>) -> Result<Self, DriftError> {
        let mut p = Params {
            map: params,
            used: Vec::new(),
        };
        let d = match name {
            "adwin" => {
                let delta = p.f("delta", 0.002)?;
                let clock = p.u("clock", 32)?;
                let max_buckets = p.u("max_buckets", 5)?;
                let mwl = p.u("min_window_length", 5)?;
                let grace = p.u("grace_period", 10)?;
                // River's ADWIN fails with max_buckets = 1 (it panics once it deletes).
                if !(1..=u64::from(u32::MAX)).contains(&clock)
                    || !(2..=MAX_BUCKETS_LIMIT as u64).contains(&max_buckets)
                    || mwl > u64::from(u32::MAX)
                    || grace > u64::from(u32::MAX)
                {
                    return Err(DriftError::Param(format!(
                        "adwin needs clock >= 1, 2 <= max_buckets <= {MAX_BUCKETS_LIMIT}, and min_window_length and grace_period below 2^32"
                    )));
                }
                Self::Adwin(Adwin::new(
                    delta,
                    clock as u32,
                    max_buckets as usize,
                    mwl as u32,
                    grace as u32,
                ))
            }
            "page-hinkley" => {
                let mode = match p.s("mode").as_deref() {
                    None | Some("both") => PhMode::Both,
                    Some("up") => PhMode::Up,
                    Some("down") => PhMode::Down,
                    Some(m) => {
                        return Err(DriftError::Param(format!(
                            "mode={m}: expected up, down or both"
                        )))
                    }
                };
                Self::PageHinkley(PageHinkley::new(
                    p.u("min_instances", 30)?,
                    p.f("delta", 0.005)?,
                    p.f("threshold", 50.0)?,
                    p.f("alpha", 1.0 - 0.0001)?,
                    mode,
                ))
            }
            "kswin" => {
                let alpha = p.f("alpha", 0.005)?;
                let window = p.u("window_size", 100)? as usize;
                let stat = p.u("stat_size", 30)? as usize;
                if !(0.0..=1.0).contains(&alpha) || stat == 0 || window <= stat {
                    return Err(DriftError::Param(
                        "kswin needs 0 <= alpha <= 1 and 0 < stat_size < window_size".into(),
                    ));
                }
                Self::Kswin(Kswin::new(alpha, window, stat, p.u("seed", 42)?))
            }
            "ddm" => Self::Ddm(Ddm::new(
                p.u("warm_start", 30)?,
                p.f("warning_threshold", 2.0)?,
                p.f("drift_threshold", 3.0)?,
            )),
            "eddm" => {
                let (a, b) = (p.f("alpha", 0.95)?, p.f("beta", 0.9)?);
                if a < b {
                    return Err(DriftError::Param(
                        "'alpha' must be greater or equal to 'beta'".into(),
                    ));
                }
                Self::Eddm(Eddm::new(p.u("warm_start", 30)?, a, b))
            }
            "hddm-a" => Self::HddmA(HddmA::new(
                p.f("drift_confidence", 0.001)?,
                p.f("warning_confidence", 0.005)?,
                p.b("two_sided_test", false)?,
            )),
            "hddm-w" => Self::HddmW(HddmW::new(
                p.f("drift_confidence", 0.001)?,
                p.f("warning_confidence", 0.005)?,
                p.f("lambda_val", 0.05)?,
                p.b("two_sided_test", false)?,
            )),
            other => {
                return Err(DriftError::Param(format!(
                    "unknown detector '{other}' (known: {})",
                    DETECTORS.join(", ")
                )))
            }
        };
        p.finish()?;
        Ok(d)
    }

    /// Feed one value; true when drift is detected at this value.
    pub fn update(&mut self, x: f64) -> bool {
        match self {
            Self::Adwin(d) => d.update(x),
            Self::PageHinkley(d) => d.update(x),
            Self::Kswin(d) => d.update(x),
            Self::Ddm(d) => d.update(x),
            Self::Eddm(d) => d.update(x),
            Self::HddmA(d) => d.update(x),
            Self::HddmW(d) => d.update(x),
        }
    }

    /// Feed a batch; returns the indices (offset + position) where drift was detected.
    pub fn run(&mut self, values: &[f64], offset: usize) -> Vec<usize> {
        if let Self::Adwin(d) = self {
            return d.run(values, offset);
        }
        values
            .iter()
            .enumerate()
            .filter_map(|(i, &x)| self.update(x).then_some(offset + i))
            .collect()
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Adwin(_) => "adwin",
            Self::PageHinkley(_) => "page-hinkley",
            Self::Kswin(_) => "kswin",
            Self::Ddm(_) => "ddm",
            Self::Eddm(_) => "eddm",
            Self::HddmA(_) => "hddm-a",
            Self::HddmW(_) => "hddm-w",
        }
    }
}
