//! Toxicity: a linear model over hashed n-grams (trained like the injection model, on
//! surge-ai/toxicity) plus a small lexicon of slurs and threats that fires on its own.
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use serde::Serialize;

use super::linear::{sigmoid, LinearModel};
use super::normalize::normalize;
use super::PromptError;

pub const BUILTIN_MODEL: &[u8] = include_bytes!("../../../models/toxicity.bin");

/// Threat phrases and slurs (normalised, lower-case), with the log-odds each adds. Kept small
/// and unambiguous on purpose: words with common benign senses are left to the model.
const LEXICON: &[(&str, &str, f32)] = &[
    ("threat", "i will kill you", 6.0),
    ("threat", "i'm going to kill you", 6.0),
    ("threat", "im going to kill you", 6.0),
    ("threat", "i will murder you", 6.0),
    ("threat", "you deserve to die", 5.0),
    ("threat", "i hope you die", 5.0),
    ("threat", "go kill yourself", 6.0),
    ("threat", "kill yourself", 5.0),
    ("threat", "kys", 4.0),
    ("threat", "i will find you", 3.0),
    ("threat", "i know where you live", 4.0),
    ("threat", "you will regret", 2.0),
    ("threat", "shoot you", 4.0),
    ("threat", "beat you up", 4.0),
    ("threat", "slit your throat", 6.0),
    ("threat", "rape you", 6.0),
    ("insult", "piece of shit", 4.0),
    ("insult", "fuck you", 4.0),
    ("insult", "fuck off", 3.5),
    ("insult", "motherfucker", 4.0),
    ("insult", "son of a bitch", 3.5),
    ("insult", "dumbass", 3.0),
    ("insult", "retard", 3.5),
    ("insult", "retarded", 3.5),
    ("insult", "stupid bitch", 4.0),
    ("insult", "cunt", 4.0),
    ("insult", "asshole", 3.0),
    ("insult", "shut the fuck up", 4.0),
    ("insult", "scumbag", 3.0),
    ("insult", "idiot", 2.0),
    ("insult", "moron", 2.5),
    ("slur", "nigger", 6.0),
    ("slur", "nigga", 4.0),
    ("slur", "faggot", 6.0),
    ("slur", "fag", 4.0),
    ("slur", "tranny", 5.0),
    ("slur", "kike", 6.0),
    ("slur", "spic", 5.0),
    ("slur", "chink", 5.0),
    ("slur", "wetback", 6.0),
    ("slur", "raghead", 6.0),
    ("slur", "towelhead", 6.0),
    ("slur", "gook", 5.0),
    ("slur", "dyke", 4.0),
    ("slur", "subhuman", 4.0),
];

/// A toxicity score with the lexicon entries that fired.
#[derive(Debug, Clone, Serialize)]
pub struct ToxicityVerdict {
    pub score: f64,
    pub label: &'static str,
    pub reasons: Vec<String>,
    pub model_score: f64,
}

#[derive(Debug)]
pub struct ToxicityDetector {
    pub model: LinearModel,
    lexicon: AhoCorasick,
    pub threshold: f64,
}

impl ToxicityDetector {
    pub fn builtin() -> Result<Self, PromptError> {
        Self::with_model(LinearModel::from_bytes(BUILTIN_MODEL)?)
    }

    pub fn with_model(model: LinearModel) -> Result<Self, PromptError> {
        let lexicon = AhoCorasick::new(LEXICON.iter().map(|l| l.1))
            .map_err(|e| PromptError::Model(format!("lexicon: {e}")))?;
        Ok(Self {
            model,
            lexicon,
            threshold: 0.5,
        })
    }

    /// A process-wide instance of [`ToxicityDetector::builtin`].
    pub fn shared() -> Result<&'static Self, PromptError> {
        static CELL: OnceLock<Result<ToxicityDetector, String>> = OnceLock::new();
        CELL.get_or_init(|| Self::builtin().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| PromptError::Model(e.clone()))
    }

    pub fn scan(&self, text: &str) -> ToxicityVerdict {
        self.scan_normalised(&normalize(text).text)
    }

    /// Score text that is already normalised.
    pub fn scan_normalised(&self, t: &str) -> ToxicityVerdict {
        let logit = self.model.logit(t);
        let mut z = logit;
        let mut reasons = Vec::new();
        let mut best = [0f32; 3];
        for m in self.lexicon.find_overlapping_iter(t) {
            let before = t[..m.start()].chars().next_back();
            let after = t[m.end()..].chars().next();
            if before.is_some_and(char::is_alphanumeric) || after.is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            let (cat, word, w) = LEXICON[m.pattern().as_usize()];
            let ci = match cat {
                "threat" => 0,
                "slur" => 1,
                _ => 2,
            };
            best[ci] = best[ci].max(w);
            let r = format!("lexicon:{cat}:{word}");
            if !reasons.contains(&r) {
                reasons.push(r);
            }
        }
        z += best.iter().sum::<f32>().min(8.0);
        let model_score = f64::from(sigmoid(logit));
        if model_score >= 0.5 {
            reasons.insert(0, format!("model:{model_score:.2}"));
        }
        let score = f64::from(sigmoid(z));
        ToxicityVerdict {
            score,
            label: if score >= self.threshold {
                "toxic"
            } else {
                "ok"
            },
            reasons,
            model_score,
        }
    }
}
