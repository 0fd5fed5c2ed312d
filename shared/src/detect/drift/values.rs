//! Column values as Evidently sees them after dropping missing values: numbers (float or
//! integer dtype) or strings, plus the distinct-value counting every categorical test shares.
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use super::table::same_str;

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
        (Values::Str { values: r }, Values::Str { values: c }) => {
            str_counts(&as_strs(r), &as_strs(c))
        }
        _ => {
            // A number/string mix compares as strings.
            let as_strings = |v: &Values| -> Vec<String> {
                match v {
                    Values::Str { values } => values.clone(),
                    Values::Num { values, .. } => values.iter().map(|x| x.to_string()).collect(),
                }
            };
            let (r, c) = (as_strings(reference), as_strings(current));
            str_counts(&as_strs(&r), &as_strs(&c))
        }
    }
}

fn as_strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Counts per distinct string, keys sorted.
fn str_counts(r: &[&str], c: &[&str]) -> Counts {
    let rm = count_strs(r);
    let cm = count_strs(c);
    let mut keys: Vec<&str> = rm.iter().chain(cm.iter()).map(|(k, _)| *k).collect();
    keys.sort_unstable();
    keys.dedup();
    let index = |m: &[(&str, u64)]| -> Vec<u64> {
        if m.len() <= 64 {
            let get = |k: &str| m.iter().find(|(x, _)| *x == k).map_or(0, |(_, n)| *n);
            keys.iter().map(|k| get(k)).collect()
        } else {
            let h: HashMap<&str, u64> = m.iter().copied().collect();
            keys.iter()
                .map(|k| h.get(k).copied().unwrap_or(0))
                .collect()
        }
    };
    Counts {
        reference: index(&rm),
        current: index(&cm),
        keys: keys.into_iter().map(|k| Key::Str(k.to_string())).collect(),
    }
}

/// (value, count) per distinct string, in first-seen order. Categorical columns have few
/// distinct values: a short list with the last hit remembered beats hashing every cell; past
/// 64 distinct values a hash map takes over.
fn count_strs<'a>(v: &[&'a str]) -> Vec<(&'a str, u64)> {
    let mut out: Vec<(&'a str, u64)> = Vec::new();
    let mut last = 0;
    let mut i = 0;
    while i < v.len() {
        let s = v[i];
        if last < out.len() && same_str(out[last].0, s) {
            out[last].1 += 1;
        } else if let Some(j) = out.iter().position(|(k, _)| same_str(k, s)) {
            out[j].1 += 1;
            last = j;
        } else if out.len() < 64 {
            out.push((s, 1));
            last = out.len() - 1;
        } else {
            break;
        }
        i += 1;
    }
    if i < v.len() {
        let mut m: HashMap<&'a str, u64> = out.iter().copied().collect();
        for s in &v[i..] {
            *m.entry(s).or_default() += 1;
        }
        out = m.into_iter().collect();
    }
    out
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
