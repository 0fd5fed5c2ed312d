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
    /// Strings (categorical), each distinct label stored once. Serialised as the plain list
    /// of strings (the format profiles have always stored), so a loaded profile cannot hold a
    /// code that points past its labels.
    Str {
        #[serde(rename = "values")]
        labels: Labels,
    },
}

/// A column of strings as distinct labels plus one code per value: a million categorical
/// cells with four labels are four strings and a million `u32`s, and counting them is one
/// array increment per cell instead of a string comparison.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(into = "Vec<String>", from = "Vec<String>")]
pub struct Labels {
    /// Distinct labels, in first-seen order.
    names: Vec<String>,
    /// `names[codes[i]]` is value i.
    codes: Vec<u32>,
}

impl Labels {
    pub fn from_strings<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Self {
        let mut b = LabelsBuilder::default();
        for v in values {
            b.push(v.as_ref());
        }
        b.finish()
    }
    /// Each name repeated its count of times (a profile's categorical counts expanded).
    pub fn from_counts<S: AsRef<str>>(counts: impl IntoIterator<Item = (S, u64)>) -> Self {
        let mut b = LabelsBuilder::default();
        for (name, n) in counts {
            let code = b.code(name.as_ref());
            b.codes.extend(std::iter::repeat_n(code, n as usize));
        }
        b.finish()
    }
    pub fn len(&self) -> usize {
        self.codes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
    pub fn names(&self) -> &[String] {
        &self.names
    }
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.codes.iter().map(|&c| self.names[c as usize].as_str())
    }
    /// (label, count) for every label that occurs, in first-seen order.
    pub fn counts(&self) -> Vec<(&str, u64)> {
        let mut n = vec![0u64; self.names.len()];
        for &c in &self.codes {
            n[c as usize] += 1;
        }
        self.names
            .iter()
            .zip(n)
            .filter(|(_, k)| *k > 0)
            .map(|(s, k)| (s.as_str(), k))
            .collect()
    }
}

impl From<Vec<String>> for Labels {
    fn from(values: Vec<String>) -> Self {
        Labels::from_strings(values)
    }
}

impl From<Labels> for Vec<String> {
    fn from(labels: Labels) -> Self {
        labels.iter().map(str::to_string).collect()
    }
}

/// Builds [`Labels`] one value at a time. Categorical columns have few labels: a short list
/// with the last hit remembered beats hashing every cell; past 64 labels a hash map takes over.
#[derive(Debug, Default)]
pub struct LabelsBuilder {
    names: Vec<String>,
    codes: Vec<u32>,
    last: u32,
    index: Option<HashMap<String, u32>>,
}

impl LabelsBuilder {
    /// The code of `s`, adding it as a new label when unseen.
    pub fn code(&mut self, s: &str) -> u32 {
        if let Some(name) = self.names.get(self.last as usize) {
            if same_str(name, s) {
                return self.last;
            }
        }
        let found = match &self.index {
            Some(m) => m.get(s).copied(),
            None => self
                .names
                .iter()
                .position(|k| same_str(k, s))
                .map(|i| i as u32),
        };
        let code = found.unwrap_or_else(|| {
            let code = self.names.len() as u32;
            self.names.push(s.to_string());
            if let Some(m) = &mut self.index {
                m.insert(s.to_string(), code);
            } else if self.names.len() > 64 {
                let m = self.names.iter().cloned().zip(0u32..).collect();
                self.index = Some(m);
            }
            code
        });
        self.last = code;
        code
    }
    pub fn push(&mut self, s: &str) {
        let c = self.code(s);
        self.codes.push(c);
    }
    /// Values pushed so far.
    pub fn len(&self) -> usize {
        self.codes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
    /// Distinct labels so far.
    pub fn distinct(&self) -> usize {
        self.names.len()
    }
    pub fn finish(self) -> Labels {
        Labels {
            names: self.names,
            codes: self.codes,
        }
    }
}

impl Values {
    pub fn num(values: Vec<f64>) -> Self {
        Values::Num {
            values,
            integer: false,
        }
    }
    /// Categorical values from strings.
    pub fn strs<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Self {
        Values::Str {
            labels: Labels::from_strings(values),
        }
    }
    pub fn len(&self) -> usize {
        match self {
            Values::Num { values, .. } => values.len(),
            Values::Str { labels } => labels.len(),
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
            Values::Str { labels } => labels.counts().len(),
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
        (Values::Str { labels: r }, Values::Str { labels: c }) => {
            str_counts(&r.counts(), &c.counts())
        }
        _ => {
            // A number/string mix compares as strings.
            let (r, c) = (as_labels(reference), as_labels(current));
            str_counts(&r.counts(), &c.counts())
        }
    }
}

/// The values as strings (numbers by their `Display` text, as a number/string mix compares).
pub fn as_labels(v: &Values) -> std::borrow::Cow<'_, Labels> {
    match v {
        Values::Str { labels } => std::borrow::Cow::Borrowed(labels),
        Values::Num { values, .. } => {
            std::borrow::Cow::Owned(Labels::from_strings(values.iter().map(|x| x.to_string())))
        }
    }
}

/// Counts per distinct string, keys sorted.
fn str_counts(rm: &[(&str, u64)], cm: &[(&str, u64)]) -> Counts {
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
        reference: index(rm),
        current: index(cm),
        keys: keys.into_iter().map(|k| Key::Str(k.to_string())).collect(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_serialise_as_the_plain_list_and_load_back() {
        let v = Values::strs(["b", "a", "b"]);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "str", "values": ["b", "a", "b"]})
        );
        let back: Values = serde_json::from_value(json).unwrap();
        assert_eq!(back, v);
        // Codes are never read from input, so none can point past the labels.
        let forged = serde_json::json!({"kind": "str", "values": {"names": [], "codes": [7]}});
        assert!(serde_json::from_value::<Values>(forged).is_err());
    }
}
