//! Configurable policy: denied topics (keyword lists, matched on normalised text) and denied
//! patterns (regexes on the raw text).
use aho_corasick::AhoCorasick;
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::detect::prompt::normalize::normalize;
use crate::detect::prompt::PromptError;

/// A denied topic: any of its keywords (normalised, word-bounded) marks the text.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Topic {
    pub name: String,
    pub keywords: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PolicyConfig {
    #[serde(default)]
    pub denied_topics: Vec<Topic>,
    /// (name, regex)
    #[serde(default)]
    pub denied_patterns: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct Policy {
    ac: Option<AhoCorasick>,
    topic_of: Vec<usize>,
    names: Vec<String>,
    patterns: Vec<(String, Regex)>,
}

impl Policy {
    pub fn new(cfg: &PolicyConfig) -> Result<Self, PromptError> {
        let mut kws = Vec::new();
        let mut topic_of = Vec::new();
        for (i, t) in cfg.denied_topics.iter().enumerate() {
            for k in &t.keywords {
                let n = normalize(k).main().to_string();
                if !n.is_empty() {
                    kws.push(n);
                    topic_of.push(i);
                }
            }
        }
        let ac = if kws.is_empty() {
            None
        } else {
            Some(AhoCorasick::new(&kws).map_err(|e| PromptError::Config(e.to_string()))?)
        };
        let patterns = cfg
            .denied_patterns
            .iter()
            .map(|(n, p)| {
                Regex::new(p)
                    .map(|r| (n.clone(), r))
                    .map_err(|e| PromptError::Config(format!("policy pattern {n}: {e}")))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            ac,
            topic_of,
            names: cfg.denied_topics.iter().map(|t| t.name.clone()).collect(),
            patterns,
        })
    }

    /// Names of denied topics / patterns present.
    pub fn violations(&self, raw: &str, normalised: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(normalised) {
                let before = normalised[..m.start()].chars().next_back();
                let after = normalised[m.end()..].chars().next();
                if before.is_some_and(char::is_alphanumeric)
                    || after.is_some_and(char::is_alphanumeric)
                {
                    continue;
                }
                let n = format!(
                    "topic:{}",
                    self.names[self.topic_of[m.pattern().as_usize()]]
                );
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
        for (n, re) in &self.patterns {
            if re.is_match(raw) {
                out.push(format!("pattern:{n}"));
            }
        }
        out
    }
}
