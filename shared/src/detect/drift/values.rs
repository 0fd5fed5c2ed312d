//! Column values as Evidently sees them after dropping missing values: numbers (float or
//! integer dtype) or strings, plus the distinct-value counting every categorical test shares.
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One column of one dataset, missing values already removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Values {
    /// Numbers. `integer` mirrors a pandas int64 dtype (numpy then floors Sturges bin width at 1).
    Num { values: Vec<f64>, integer: bool },
    /// Strings (categorical).
    Str { values: Vec<String> },
}

impl Values {
    pub fn num(values: Vec<f64>) -> Self {
        Values::Num {
            values,
            integer: false,
        }
    }
    pub fn len(&self) -> usize {
        match self {
            Values::Num { values, .. } => values.len(),
            Values::Str { values } => values.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn as_num(&self) -> Option<&[f64]> {
        match self {
            Values::Num { values, .. } => Some(values),
            Values::Str { .. } => None,
        }
    }
    pub fn is_integer(&self) -> bool {
        matches!(self, Values::Num { integer: true, .. })
    }
    /// Number of distinct values (pandas `nunique`).
    pub fn nunique(&self) -> usize {
        match self {
            Values::Num { values, .. } => {
                let mut v = values.clone();
                v.sort_by(f64::total_cmp);
                v.dedup();
                v.len()
            }
            Values::Str { values } => {
                let mut v: Vec<&String> = values.iter().collect();
                v.sort();
                v.dedup();
                v.len()
            }
        }
    }
}

/// A distinct value: numbers sort before strings, numbers numerically.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Key {
    Num(f64),
    Str(String),
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Num(v) => write!(f, "{v}"),
            Key::Str(s) => f.write_str(s),
        }
    }
}

/// Distinct values of the union of both samples (sorted) and each sample's count per value.
pub struct Counts {
    pub keys: Vec<Key>,
    pub reference: Vec<u64>,
    pub current: Vec<u64>,
}

pub fn joint_counts(reference: &Values, current: &Values) -> Counts {
    match (reference, current) {
        (Values::Num { values: r, .. }, Values::Num { values: c, .. }) => {
            let rc = count_num(r);
            let cc = count_num(c);
            let mut keys: Vec<f64> = rc.iter().chain(cc.iter()).map(|(k, _)| *k).collect();
            keys.sort_by(f64::total_cmp);
            keys.dedup();
            let lookup = |m: &[(f64, u64)], k: f64| {
                m.binary_search_by(|(x, _)| x.total_cmp(&k))
                    .map(|i| m[i].1)
                    .unwrap_or(0)
            };
            let reference = keys.iter().map(|&k| lookup(&rc, k)).collect();
            let current = keys.iter().map(|&k| lookup(&cc, k)).collect();
            Counts {
                keys: keys.into_iter().map(Key::Num).collect(),
                reference,
                current,
            }
        }
        _ => {
            let as_strings = |v: &Values| -> Vec<String> {
                match v {
                    Values::Str { values } => values.clone(),
                    Values::Num { values, .. } => values.iter().map(|x| x.to_string()).collect(),
                }
            };
            let r = as_strings(reference);
            let c = as_strings(current);
            let mut rm: HashMap<&str, u64> = HashMap::new();
            for s in &r {
                *rm.entry(s).or_default() += 1;
            }
            let mut cm: HashMap<&str, u64> = HashMap::new();
            for s in &c {
                *cm.entry(s).or_default() += 1;
            }
            let mut keys: Vec<&str> = rm.keys().chain(cm.keys()).copied().collect();
            keys.sort();
            keys.dedup();
            Counts {
                reference: keys.iter().map(|k| *rm.get(k).unwrap_or(&0)).collect(),
                current: keys.iter().map(|k| *cm.get(k).unwrap_or(&0)).collect(),
                keys: keys.into_iter().map(|k| Key::Str(k.to_string())).collect(),
            }
        }
    }
}

/// Sorted (value, count) pairs; -0.0 and 0.0 count as one value, as in pandas.
fn count_num(v: &[f64]) -> Vec<(f64, u64)> {
    let mut s: Vec<f64> = v.iter().map(|&x| if x == 0.0 { 0.0 } else { x }).collect();
    s.sort_by(f64::total_cmp);
    let mut out: Vec<(f64, u64)> = Vec::new();
    for x in s {
        match out.last_mut() {
            Some((k, c)) if *k == x => *c += 1,
            _ => out.push((x, 1)),
        }
    }
    out
}
