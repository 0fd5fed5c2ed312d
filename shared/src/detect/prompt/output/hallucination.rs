//! Hallucination *risk* from cheap signals. This is a risk signal for triage, never a verdict:
//! it cannot know whether a statement is true. Signals: the response shares little vocabulary
//! with the prompt and context (off-topic), and it cites URLs, DOIs or references that are absent
//! from the provided context (possibly fabricated).
use std::collections::HashSet;

use regex::Regex;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HallucinationRisk {
    /// [0, 1]; >= 0.5 is worth a look.
    pub score: f64,
    /// Share of the response's content words found in prompt + context.
    pub overlap: f64,
    /// URLs / DOIs / bracketed references in the response that the context does not contain.
    pub unsupported_citations: Vec<String>,
}

const STOP: &[&str] = &[
    "the", "a", "an", "and", "or", "of", "to", "in", "on", "for", "is", "are", "was", "were", "be",
    "it", "this", "that", "with", "as", "by", "at", "from", "you", "i", "we", "they", "he", "she",
    "can", "will", "would", "should", "could", "not", "no", "yes", "but", "if", "so", "do", "does",
    "your", "my", "our", "their", "its", "have", "has", "had", "there", "here", "what", "which",
];

fn content_words(s: &str) -> HashSet<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|w| !STOP.contains(&w.as_str()))
        .collect()
}

pub struct Hallucination {
    cite: Regex,
}

impl std::fmt::Debug for Hallucination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hallucination")
    }
}

impl Hallucination {
    pub fn new() -> Result<Self, regex::Error> {
        Ok(Self {
            cite: Regex::new(
                r#"https?://[^\s)\]>"']+|\b10\.\d{4,9}/[^\s"<>]+|\[\d{1,3}\]|\(\p{Lu}\p{L}+(?: et al\.)?,? (?:19|20)\d\d\)"#,
            )?,
        })
    }

    pub fn assess(&self, prompt: &str, context: &str, response: &str) -> HallucinationRisk {
        let src = format!("{prompt}\n{context}");
        let known = content_words(&src);
        let words = content_words(response);
        let overlap = if words.is_empty() {
            1.0
        } else {
            words.iter().filter(|w| known.contains(*w)).count() as f64 / words.len() as f64
        };
        let unsupported: Vec<String> = self
            .cite
            .find_iter(response)
            .map(|m| m.as_str().trim_end_matches(['.', ',', ';']).to_string())
            .filter(|c| !src.contains(c.as_str()))
            .collect();
        // Off-topic counts only when the response is long enough to judge.
        let off_topic = if words.len() >= 8 {
            (0.25 - overlap).max(0.0) / 0.25
        } else {
            0.0
        };
        let cites = if context.is_empty() {
            // No context given: citations can't be checked, so they weigh less.
            0.15 * unsupported.len().min(3) as f64
        } else {
            0.3 * unsupported.len().min(3) as f64
        };
        HallucinationRisk {
            score: (0.5 * off_topic + cites).min(1.0),
            overlap,
            unsupported_citations: unsupported,
        }
    }
}
