//! Prompt and output anomaly detection.
//!
//! Every text is first [`normalize`]d (homoglyphs, invisible/bidi characters, spacing tricks,
//! leetspeak, embedded base64/hex/URL/rot13 payloads). Prompts then go through three layers that
//! add up to one calibrated score in [0, 1] with the reasons that fired:
//! (a) the versioned [`rules::RuleSet`] (Aho-Corasick + anchored regexes),
//! (b) MinHash similarity to known attacks ([`similarity`]),
//! (c) a logistic-regression model over hashed word/character n-grams ([`linear`]).
//! Outputs go through [`output`] scanners (secrets, PII, canaries, policy, tone, hallucination
//! risk). [`logline`] turns one model-I/O log line into [`crate::Finding`]s for the playbook.
pub mod context;
pub mod dataset;
pub mod detector;
pub mod eval;
pub mod external;
pub mod features;
pub mod iforest;
pub mod linear;
pub mod logline;
pub mod metrics;
pub mod normalize;
pub mod output;
pub mod phrase_dfa;
pub mod rules;
pub mod similarity;
pub mod toxicity;
pub mod train;
pub mod tune;

pub use detector::{PromptDetector, Verdict};
pub use normalize::{normalize, Normalized};

/// Errors of the prompt detectors.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("invalid rule set: {0}")]
    Rules(String),
    #[error("invalid model: {0}")]
    Model(String),
    #[error("line {line}: {msg}")]
    Input { line: usize, msg: String },
    #[error("invalid configuration: {0}")]
    Config(String),
}
