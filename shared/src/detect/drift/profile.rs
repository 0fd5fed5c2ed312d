//! Reference profile: what a function needs from the training data to test drift without
//! reloading it. Per column: type, row count, exact value counts (categorical), and for
//! numerical columns a reference sample (all values up to `max_sample`, else a seeded uniform
//! sample), quantiles and a Sturges histogram for plots.
//!
//! Size: a numerical column costs about 20 bytes of JSON per sampled value (5 000 values by
//! default ≈ 100 KB) plus ~1 KB of quantiles/histogram; a categorical column ~30 bytes per
//! distinct value. Tests on a profile whose sample holds the whole reference column give
//! exactly Evidently's answers; with a sample they estimate them.
use serde::{Deserialize, Serialize};

use super::binning::{histogram, sturges_edges};
use super::dataset::ColumnInput;
use super::rng::Mt19937;
use super::values::{joint_counts, Key, Labels, Values};
use super::{ColumnType, DriftError};

pub const PROFILE_VERSION: u32 = 1;
pub const DEFAULT_MAX_SAMPLE: usize = 5000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceProfile {
    pub version: u32,
    pub columns: Vec<ColumnProfile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub name: String,
    pub column_type: ColumnType,
    /// Rows of the reference column (missing values dropped); drives Evidently's test choice.
    pub rows: usize,
    /// Numerical: the reference values (or a sample of them). Categorical: empty (see counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<Values>,
    /// Categorical: every distinct value and its count (exact).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counts: Vec<(Key, u64)>,
    /// Numerical: min, 5%, 25%, 50%, 75%, 95%, max.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quantiles: Vec<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub histogram_edges: Vec<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub histogram_counts: Vec<u64>,
}

fn quantile_sorted(s: &[f64], q: f64) -> f64 {
    let pos = (s.len() - 1) as f64 * q;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(s.len() - 1);
    s[lo] + (s[hi] - s[lo]) * (pos - lo as f64)
}

impl ReferenceProfile {
    /// Build from reference columns (`ColumnInput::current` is ignored).
    pub fn build(columns: &[ColumnInput], max_sample: usize) -> Result<Self, DriftError> {
        let mut out = Vec::with_capacity(columns.len());
        for c in columns {
            let r = &c.reference;
            if r.is_empty() {
                return Err(DriftError::InvalidInput(format!(
                    "reference column '{}' is empty",
                    c.name
                )));
            }
            let mut p = ColumnProfile {
                name: c.name.clone(),
                column_type: c.ctype,
                rows: r.len(),
                sample: None,
                counts: Vec::new(),
                quantiles: Vec::new(),
                histogram_edges: Vec::new(),
                histogram_counts: Vec::new(),
            };
            match (c.ctype, r) {
                (ColumnType::Numerical, Values::Num { values, integer }) => {
                    let mut s = values.clone();
                    s.sort_by(f64::total_cmp);
                    p.quantiles = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0]
                        .iter()
                        .map(|&q| quantile_sorted(&s, q))
                        .collect();
                    p.histogram_edges = sturges_edges(values, *integer);
                    p.histogram_counts = histogram(values, &p.histogram_edges);
                    let sample = if values.len() <= max_sample {
                        values.clone()
                    } else {
                        let mut rng = Mt19937::numpy(0);
                        rng.permutation(values.len())[..max_sample]
                            .iter()
                            .map(|&i| values[i])
                            .collect()
                    };
                    p.sample = Some(Values::Num {
                        values: sample,
                        integer: *integer,
                    });
                }
                (ColumnType::Numerical, Values::Str { .. }) => {
                    return Err(DriftError::InvalidInput(format!(
                        "column '{}' should contain numerical values only",
                        c.name
                    )));
                }
                (ColumnType::Categorical, _) => {
                    let empty = match r {
                        Values::Num { .. } => Values::num(Vec::new()),
                        Values::Str { .. } => Values::Str {
                            labels: Labels::default(),
                        },
                    };
                    let cnt = joint_counts(r, &empty);
                    p.counts = cnt.keys.into_iter().zip(cnt.reference).collect();
                }
            }
            out.push(p);
        }
        Ok(Self {
            version: PROFILE_VERSION,
            columns: out,
        })
    }

    /// The reference values a test runs on: the stored sample, or the categorical counts
    /// expanded back into values.
    pub fn reference_values(&self, col: &ColumnProfile) -> Values {
        if let Some(s) = &col.sample {
            return s.clone();
        }
        let numeric = col.counts.iter().all(|(k, _)| matches!(k, Key::Num(_)));
        if numeric {
            let mut v = Vec::with_capacity(col.rows);
            for (k, n) in &col.counts {
                if let Key::Num(x) = k {
                    v.extend(std::iter::repeat_n(*x, *n as usize));
                }
            }
            Values::Num {
                values: v,
                integer: false,
            }
        } else {
            Values::Str {
                labels: Labels::from_counts(col.counts.iter().map(|(k, n)| (k.to_string(), *n))),
            }
        }
    }
}
