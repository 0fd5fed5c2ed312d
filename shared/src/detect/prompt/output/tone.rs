//! Tone shift: toxicity and sentiment of a response against the running baseline of its
//! conversation (or deployment). A sharp rise in toxicity or drop in sentiment is flagged.
use serde::Serialize;

const POSITIVE: &[&str] = &[
    "good",
    "great",
    "happy",
    "glad",
    "thanks",
    "thank",
    "welcome",
    "love",
    "excellent",
    "helpful",
    "pleasure",
    "wonderful",
    "sure",
    "appreciate",
    "nice",
    "best",
    "enjoy",
    "kind",
    "perfect",
];
const NEGATIVE: &[&str] = &[
    "hate",
    "stupid",
    "idiot",
    "terrible",
    "awful",
    "worst",
    "useless",
    "angry",
    "kill",
    "die",
    "shut",
    "damn",
    "hell",
    "pathetic",
    "disgusting",
    "dumb",
    "ugly",
    "loser",
    "annoying",
    "never",
];

/// Lexicon sentiment in [-1, 1] of normalised text.
pub fn sentiment(normalised: &str) -> f64 {
    let (mut p, mut n) = (0f64, 0f64);
    for w in normalised.split(|c: char| !c.is_alphanumeric()) {
        if POSITIVE.contains(&w) {
            p += 1.0;
        } else if NEGATIVE.contains(&w) {
            n += 1.0;
        }
    }
    if p + n == 0.0 {
        0.0
    } else {
        (p - n) / (p + n)
    }
}

/// Exponentially weighted baseline of toxicity and sentiment.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ToneBaseline {
    pub toxicity: f64,
    pub sentiment: f64,
    pub n: u64,
    /// Weight of the newest observation.
    pub alpha: f64,
}

impl Default for ToneBaseline {
    fn default() -> Self {
        Self {
            toxicity: 0.0,
            sentiment: 0.0,
            n: 0,
            alpha: 0.2,
        }
    }
}

/// A tone shift found by [`ToneBaseline::observe`].
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ToneShift {
    pub toxicity_delta: f64,
    pub sentiment_delta: f64,
}

impl ToneBaseline {
    /// Compare to the baseline, then fold the observation in. Needs 3 observations first.
    pub fn observe(&mut self, toxicity: f64, sentiment: f64) -> Option<ToneShift> {
        let shift = ToneShift {
            toxicity_delta: toxicity - self.toxicity,
            sentiment_delta: sentiment - self.sentiment,
        };
        let flagged = self.n >= 3 && (shift.toxicity_delta >= 0.4 || shift.sentiment_delta <= -1.0);
        let a = if self.n == 0 { 1.0 } else { self.alpha };
        self.toxicity += a * (toxicity - self.toxicity);
        self.sentiment += a * (sentiment - self.sentiment);
        self.n += 1;
        flagged.then_some(shift)
    }
}
