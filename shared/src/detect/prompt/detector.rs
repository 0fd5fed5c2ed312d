//! The prompt-injection / jailbreak detector: rules + known-attack similarity + linear model,
//! combined into one calibrated score with the reasons that fired.
use std::sync::OnceLock;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::linear::{sigmoid, LinearModel};
use super::normalize::{normalize, Flags};
use super::rules::{RuleHit, RuleSet};
use super::similarity::{KnownAttacks, MinHash};
use super::PromptError;

/// Shipped weights (trained by `aiir train prompt-injection`, see docs/readme/prompt.md).
pub const BUILTIN_MODEL: &[u8] = include_bytes!("../../../models/prompt_injection.bin");
/// Shipped MinHash signatures of the training attacks.
pub const BUILTIN_KNOWN_ATTACKS: &[u8] = include_bytes!("../../../models/known_attacks.bin");

/// Each rule category adds its strongest rule's weight once; the total is capped so rules
/// alone cannot drown strong benign evidence from the model.
const RULE_CAP: f32 = 8.0;
/// Similarity below this adds nothing; above, up to `SIM_GAIN * (1 - SIM_FLOOR)` log-odds.
const SIM_FLOOR: f32 = 0.5;
const SIM_GAIN: f32 = 8.0;
/// Hidden characters (tags, bidi overrides) in a prompt are suspicious on their own.
const HIDDEN_BOOST: f32 = 1.5;
/// Log-odds taken off when nothing but the model speaks (no rule beyond the weak ones, no
/// known-attack similarity, no hidden characters): the model alone must be more sure, which keeps false positives low on
/// benign prompts full of trigger words, where n-gram models are overconfident.
/// The shipped value is chosen on out-of-fold scores of the training split ([`super::tune`]).
pub const MODEL_ONLY_PENALTY: f32 = 1.0;
/// Further log-odds taken off a model-only detection of framed text ([`super::context::is_framed`]),
/// chosen on out-of-fold training scores with the model-only penalty ([`super::tune`]).
pub const FRAME_PENALTY: f32 = 2.5;

/// One scored prompt.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// Calibrated probability of attack, [0, 1].
    pub score: f64,
    /// `attack` or `benign`.
    pub label: &'static str,
    /// Why: `rule:<id>`, `model`, `similar-to-known-attack`, `obfuscation:<what>`.
    pub reasons: Vec<String>,
    /// Rules that fired, with the matched (normalised) text.
    pub rules: Vec<RuleHit>,
    /// Model's calibrated probability alone.
    pub model_score: f64,
    /// Best estimated Jaccard similarity to a known attack.
    pub similarity: f64,
    /// What normalisation undid.
    pub flags: Flags,
    /// Hex SHA-256 of the normalised prompt: stable across obfuscations, for blocking.
    pub signature: String,
}

impl Verdict {
    pub fn is_attack(&self) -> bool {
        self.label == "attack"
    }
}

/// The assembled detector. Cheap to share; build once (see [`PromptDetector::shared`]).
#[derive(Debug)]
pub struct PromptDetector {
    pub rules: RuleSet,
    pub model: LinearModel,
    pub known: KnownAttacks,
    /// Decision threshold on the combined score.
    pub threshold: f64,
    /// Log-odds taken off a model-only detection ([`MODEL_ONLY_PENALTY`] by default).
    pub model_only_penalty: f32,
    /// Further log-odds taken off a model-only detection of framed text ([`FRAME_PENALTY`]).
    pub frame_penalty: f32,
}

/// Log-odds of a probability threshold.
fn logit(p: f64) -> f32 {
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    (p / (1.0 - p)).ln() as f32
}

/// Hex SHA-256 of normalised text.
pub fn signature(normalised: &str) -> String {
    hex::encode(Sha256::digest(normalised.as_bytes()))
}

impl PromptDetector {
    /// The shipped rules, model and known-attack corpus.
    pub fn builtin() -> Result<Self, PromptError> {
        Ok(Self {
            rules: RuleSet::builtin()?,
            model: LinearModel::from_bytes(BUILTIN_MODEL)?,
            known: KnownAttacks::from_bytes(BUILTIN_KNOWN_ATTACKS)?,
            threshold: 0.5,
            model_only_penalty: MODEL_ONLY_PENALTY,
            frame_penalty: FRAME_PENALTY,
        })
    }

    /// A process-wide instance of [`PromptDetector::builtin`] (loaded once per cold start).
    pub fn shared() -> Result<&'static Self, PromptError> {
        static CELL: OnceLock<Result<PromptDetector, String>> = OnceLock::new();
        CELL.get_or_init(|| Self::builtin().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| PromptError::Model(e.clone()))
    }

    /// Score one prompt.
    pub fn scan(&self, prompt: &str) -> Verdict {
        let n = normalize(prompt);
        // Score the input and each decoded payload separately and keep the worst: an encoded
        // blob's random n-grams would otherwise dilute the decoded attack.
        let model_logit = n
            .text
            .split('\n')
            .map(|part| self.model.logit(part))
            .fold(f32::NEG_INFINITY, f32::max);
        self.combine(n, model_logit)
    }

    /// The verdict for normalised text `n` given the model's calibrated log-odds (what
    /// [`PromptDetector::scan`] computes; out-of-fold log-odds when tuning).
    pub fn combine(&self, n: super::Normalized, model_logit: f32) -> Verdict {
        let mut rules = self.rules.scan(&n.text);
        // Trigger phrases only quoted or mentioned count as weak evidence (see `context`); not in
        // obfuscated text, which hides who it speaks to and is no plain question anyway.
        let obfuscated = super::context::is_obfuscated(&n.flags);
        let mentioned = !obfuscated && super::context::discount_mentions(n.main(), &mut rules);
        let mut reasons = Vec::new();
        let mut z = model_logit;
        let model_score = sigmoid(model_logit);
        if model_score >= 0.5 {
            reasons.push(format!("model:{model_score:.2}"));
        }
        // Strongest rule per category, summed over categories, capped.
        let mut cats: Vec<(&str, f32)> = Vec::new();
        for h in &rules {
            reasons.push(format!("rule:{}", h.id));
            match cats.iter_mut().find(|c| c.0 == h.category) {
                Some(c) => c.1 = c.1.max(h.weight),
                None => cats.push((&h.category, h.weight)),
            }
        }
        if mentioned {
            reasons.push("context:mentioned".to_string());
        }
        z += cats.iter().map(|c| c.1).sum::<f32>().min(RULE_CAP);
        let hidden = n.flags.tag_chars > 0 || n.flags.bidi > 0;
        if hidden {
            z += HIDDEN_BOOST;
        }
        // Weak rules (category `weak-*`) only support the model: they add their weight but do
        // not count as an independent layer agreeing, so the model-only penalty still applies.
        let model_only = rules.iter().all(|h| h.category.starts_with("weak")) && !hidden;
        // Known-attack similarity can only raise the score, by at most `SIM_GAIN * (1 -
        // SIM_FLOOR)` plus the model-only penalty it lifts: it is computed only when that could
        // change the decision (the other layers are undecided).
        let cut = logit(self.threshold);
        let penalty = self.model_only_penalty;
        let base = z - if model_only { penalty } else { 0.0 };
        let reach = SIM_GAIN * (1.0 - SIM_FLOOR) + penalty;
        let similarity = if self.known.is_empty() || base >= cut || base + reach < cut {
            0.0
        } else {
            let (sig, len) = MinHash::of_alnum(n.main());
            if len < 20 {
                0.0
            } else {
                self.known.best(&sig)
            }
        };
        if similarity >= SIM_FLOOR {
            z += SIM_GAIN * (similarity - SIM_FLOOR);
            reasons.push(format!("similar-to-known-attack:{similarity:.2}"));
        }
        if model_only && similarity < SIM_FLOOR {
            z -= penalty;
            // Meta or developer talk about prompts: the model's trigger n-grams come from the text
            // talked about. Checked only when it could change the decision.
            if z >= cut && !obfuscated && super::context::is_framed(n.main()) {
                z -= self.frame_penalty;
                reasons.push("context:framed".to_string());
            }
        }
        for (what, hit) in [
            ("tag-characters", n.flags.tag_chars > 0),
            ("bidi-controls", n.flags.bidi > 0),
            ("invisible-characters", n.flags.invisible > 0),
            ("homoglyphs", n.flags.homoglyphs > 0),
            ("leetspeak", n.flags.leet_words > 0),
            ("spaced-letters", n.flags.spaced_runs > 0),
        ] {
            if hit {
                reasons.push(format!("obfuscation:{what}"));
            }
        }
        for d in &n.flags.decoded {
            reasons.push(format!("decoded:{d}"));
        }
        let score = f64::from(sigmoid(z));
        Verdict {
            score,
            label: if score >= self.threshold {
                "attack"
            } else {
                "benign"
            },
            reasons,
            rules,
            model_score: f64::from(model_score),
            similarity: f64::from(similarity),
            signature: signature(n.main()),
            flags: n.flags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Speed work must not move a score: verdicts of a fixed sample (every hand-made prompt,
    /// every 20th jackhhao / promptshield prompt) recorded before the fused passes, compared
    /// exactly. Regenerate `golden_verdicts.jsonl` only for a deliberate, re-measured change.
    #[test]
    fn verdicts_on_a_fixed_sample_are_unchanged() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/prompts/");
        let golden = std::fs::read_to_string(format!("{dir}golden_verdicts.jsonl")).unwrap();
        let det = PromptDetector::builtin().unwrap();
        let mut files: std::collections::HashMap<String, Vec<String>> = Default::default();
        let mut n = 0;
        for l in golden.lines() {
            let g: serde_json::Value = serde_json::from_str(l).unwrap();
            let file = g["file"].as_str().unwrap().to_string();
            let lines = files.entry(file.clone()).or_insert_with(|| {
                let src = std::fs::read_to_string(format!("{dir}{file}")).unwrap();
                src.lines().map(str::to_string).collect()
            });
            let row: serde_json::Value =
                serde_json::from_str(&lines[g["line"].as_u64().unwrap() as usize - 1]).unwrap();
            let v = det.scan(row["text"].as_str().unwrap());
            // Bit patterns: exact, whatever the JSON float parser rounds.
            let bits = |k: &str| f64::from_bits(g[k].as_str().unwrap().parse().unwrap());
            let want = (
                bits("score_bits"),
                bits("model_score_bits"),
                g["label"].as_str().unwrap(),
                g["signature"].as_str().unwrap(),
            );
            assert_eq!(
                (v.score, v.model_score, v.label, v.signature.as_str()),
                want,
                "{l}"
            );
            assert_eq!(serde_json::json!(v.reasons), g["reasons"], "{l}");
            n += 1;
        }
        assert!(n > 400, "golden sample too small: {n}");
    }
}
