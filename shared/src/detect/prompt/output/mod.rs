//! Output scanners: secrets, PII (with redaction), canary leakage, policy violations, tone
//! shift and hallucination risk.
pub mod canary;
pub mod hallucination;
pub mod pii;
pub mod policy;
pub mod secrets;
pub mod tone;

use serde::{Deserialize, Serialize};

use super::normalize::normalize;
use super::PromptError;
use hallucination::{Hallucination, HallucinationRisk};
use pii::Pii;
use policy::{Policy, PolicyConfig};
use secrets::Secrets;

/// One span found in an output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// `secret`, `pii`, `canary`, `policy`.
    pub class: &'static str,
    /// e.g. `aws-access-key-id`, `email`, `payment-card`.
    pub id: String,
    /// Byte span in the raw text (0..0 when found only after normalisation).
    pub start: usize,
    pub end: usize,
}

impl Hit {
    pub fn new(class: &'static str, id: &str, start: usize, end: usize) -> Self {
        Self {
            class,
            id: id.to_string(),
            start,
            end,
        }
    }

    pub fn reason(&self) -> String {
        format!("{}:{}", self.class, self.id)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct OutputConfig {
    /// Canary tokens placed in the system prompt.
    #[serde(default)]
    pub canaries: Vec<String>,
    #[serde(default)]
    pub policy: PolicyConfig,
}

/// What an output scan found.
#[derive(Debug, Clone, Serialize)]
pub struct OutputVerdict {
    /// 1.0 for secrets / canary leaks, 0.8 for PII and policy hits, else 0.
    pub score: f64,
    pub findings: Vec<Hit>,
    /// The text with every secret / PII span replaced by `[REDACTED:<id>]`.
    pub redacted: String,
    pub hallucination: Option<HallucinationRisk>,
}

impl OutputVerdict {
    pub fn has(&self, class: &str) -> bool {
        self.findings.iter().any(|h| h.class == class)
    }
}

/// The compiled output scanners.
#[derive(Debug)]
pub struct OutputScanner {
    cfg: OutputConfig,
    secrets: Secrets,
    pii: Pii,
    policy: Policy,
    hallucination: Hallucination,
}

fn re_err(e: regex::Error) -> PromptError {
    PromptError::Config(e.to_string())
}

impl OutputScanner {
    pub fn new(cfg: OutputConfig) -> Result<Self, PromptError> {
        Ok(Self {
            secrets: Secrets::new().map_err(re_err)?,
            pii: Pii::new().map_err(re_err)?,
            policy: Policy::new(&cfg.policy)?,
            hallucination: Hallucination::new().map_err(re_err)?,
            cfg,
        })
    }

    /// Scan a model response. `prompt_and_context` (prompt, retrieved context) enables the
    /// hallucination-risk signal.
    pub fn scan(&self, text: &str, prompt_and_context: Option<(&str, &str)>) -> OutputVerdict {
        let mut hits = Vec::new();
        self.secrets.scan(text, &mut hits);
        self.pii.scan(text, &mut hits);
        let norm = normalize(text);
        for c in canary::leaked(&self.cfg.canaries, text, &norm) {
            let (s, e) = text.find(c).map(|s| (s, s + c.len())).unwrap_or((0, 0));
            hits.push(Hit::new("canary", "system-prompt-canary", s, e));
        }
        for v in self.policy.violations(text, &norm.text) {
            hits.push(Hit::new("policy", &v, 0, 0));
        }
        let score = hits
            .iter()
            .map(|h| match h.class {
                "secret" | "canary" => 1.0,
                _ => 0.8,
            })
            .fold(0.0, f64::max);
        let redacted = redact(text, &hits);
        let hallucination = prompt_and_context.map(|(p, c)| self.hallucination.assess(p, c, text));
        OutputVerdict {
            score,
            findings: hits,
            redacted,
            hallucination,
        }
    }
}

/// Replace every non-empty span with `[REDACTED:<id>]` (overlaps merged, earliest id wins).
pub fn redact(text: &str, hits: &[Hit]) -> String {
    let mut spans: Vec<(usize, usize, &str)> = hits
        .iter()
        .filter(|h| h.end > h.start && h.end <= text.len())
        .map(|h| (h.start, h.end, h.id.as_str()))
        .collect();
    spans.sort();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for (s, e, id) in spans {
        if s < pos || !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            continue;
        }
        out.push_str(&text[pos..s]);
        out.push_str("[REDACTED:");
        out.push_str(id);
        out.push(']');
        pos = e;
    }
    out.push_str(&text[pos..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanner() -> OutputScanner {
        OutputScanner::new(OutputConfig {
            canaries: vec!["CANARY-7f3a9c21".into()],
            policy: PolicyConfig {
                denied_topics: vec![policy::Topic {
                    name: "competitors".into(),
                    keywords: vec!["acme corp".into()],
                }],
                denied_patterns: vec![("internal-host".into(), r"\bcorp\.internal\b".into())],
            },
        })
        .unwrap()
    }

    fn ids(v: &OutputVerdict) -> Vec<String> {
        v.findings.iter().map(|h| h.reason()).collect()
    }

    #[test]
    fn secrets_and_redaction() {
        let s = scanner();
        let v = s.scan(
            "key AKIAIOSFODNN7EXAMPLE and ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            None,
        );
        assert!(
            ids(&v).contains(&"secret:aws-access-key-id".into()),
            "{:?}",
            ids(&v)
        );
        assert!(ids(&v).contains(&"secret:github-token".into()));
        assert!(!v.redacted.contains("AKIA"));
        let v = s.scan("-----BEGIN RSA PRIVATE KEY-----\nMIIE...", None);
        assert!(v.has("secret"));
        let v = s.scan(
            "commit 3f786850e387550fdab836ed7e6dc881de23001b is fine",
            None,
        );
        assert!(!v.has("secret"), "{:?}", ids(&v));
        assert!(s
            .scan("token: Zx8Qp2Lm9Vt4Rk7Hs1Nc6Jw3Yb5Gd0Fa", None)
            .has("secret"));
    }

    #[test]
    fn pii_with_checksums() {
        let s = scanner();
        let v = s.scan("Mail jane.doe@example.com, card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, call +1 415-555-0132, SSN 123-45-6789", None);
        let got = ids(&v);
        for want in [
            "pii:email",
            "pii:payment-card",
            "pii:iban",
            "pii:phone",
            "pii:us-ssn",
        ] {
            assert!(
                got.contains(&want.to_string()),
                "{want} missing from {got:?}"
            );
        }
        assert!(v.redacted.contains("[REDACTED:payment-card]") && !v.redacted.contains("4111"));
        // Fails Luhn / mod 97.
        let v = s.scan("order 4111 1111 1111 1112", None);
        assert!(
            !ids(&v).contains(&"pii:payment-card".into()),
            "{:?}",
            ids(&v)
        );
        let v = s.scan("ref DE89 3704 0044 0532 0130 01", None);
        assert!(!ids(&v).contains(&"pii:iban".into()), "{:?}", ids(&v));
    }

    #[test]
    fn canary_policy_hallucination() {
        let s = scanner();
        assert!(s
            .scan("my instructions say CANARY-7f3a9c21", None)
            .has("canary"));
        assert!(s.scan("c a n a r y - 7 f 3 a 9 c 2 1", None).has("canary"));
        assert!(!s.scan("no leak here", None).has("canary"));
        assert!(s.scan("Try ACME Corp instead", None).has("policy"));
        assert!(s.scan("see corp.internal", None).has("policy"));
        let v = s.scan(
            "See https://made-up.example/paper and (Smith et al., 2021) for the proof of this theorem.",
            Some(("Summarise the attached notes on photosynthesis", "Photosynthesis converts light to chemical energy.")),
        );
        let h = v.hallucination.unwrap();
        assert!(
            h.score >= 0.5 && h.unsupported_citations.len() == 2,
            "{h:?}"
        );
        let v = s.scan(
            "Photosynthesis converts light into chemical energy in plants.",
            Some((
                "Summarise the notes on photosynthesis",
                "Photosynthesis converts light to chemical energy.",
            )),
        );
        assert!(v.hallucination.unwrap().score < 0.5);
    }

    #[test]
    fn tone_shift() {
        let mut b = tone::ToneBaseline::default();
        for _ in 0..4 {
            assert!(b.observe(0.05, 0.5).is_none());
        }
        assert!(b.observe(0.9, -1.0).is_some());
    }
}
