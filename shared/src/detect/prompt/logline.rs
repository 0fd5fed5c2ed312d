//! Provider-agnostic entry for the function side: one model-I/O log line in, findings out.
//!
//! Accepted line formats:
//! - a JSON object; the prompt is the first of `prompt`, `input`, `inputs`, `question`, or the
//!   user turns of `messages` (OpenAI/Bedrock chat shape: `[{"role", "content"}]`, content a
//!   string or a list of `{"text"}` parts); the response is the first of `response`, `output`,
//!   `completion`, `generated_text`, `answer`, or `choices[0].message.content` / `choices[0].text`;
//!   the caller is the first of `caller`, `caller_ip`, `source_ip`, `sourceIPAddress`, `client_ip`,
//!   `ip`, `identity.sourceIp`, `requestContext.identity.sourceIp`; optional `endpoint` /
//!   `model` / `model_id` (the serving endpoint), `context` (retrieved context, enables the
//!   hallucination-risk signal);
//! - anything else (plain text, or JSON that is not an object) is scanned as a prompt.
use serde_json::{json, Value};

use crate::{Finding, IncidentKind, ResourceKind, ResourceRef, Severity};

use super::detector::PromptDetector;
use super::output::{OutputConfig, OutputScanner};
use super::toxicity::ToxicityDetector;
use super::PromptError;

/// What the scanner looks for on each line.
#[derive(Debug, Clone, Default)]
pub struct LogLineConfig {
    pub output: OutputConfig,
}

/// Holds the loaded detectors; build once per cold start.
#[derive(Debug)]
pub struct LogLineScanner {
    prompt: &'static PromptDetector,
    toxicity: &'static ToxicityDetector,
    output: OutputScanner,
}

/// The fields found in one line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelIo {
    pub prompt: Option<String>,
    pub response: Option<String>,
    pub caller: Option<String>,
    pub endpoint: Option<String>,
    pub context: Option<String>,
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = match p.parse::<usize>() {
            Ok(i) => cur.get(i)?,
            Err(_) => cur.get(*p)?,
        };
    }
    cur.as_str()
}

fn content_text(c: &Value) -> Option<String> {
    match c {
        Value::String(s) => Some(s.clone()),
        Value::Array(parts) => {
            let t: Vec<&str> = parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str).or(p.as_str()))
                .collect();
            (!t.is_empty()).then(|| t.join("\n"))
        }
        _ => None,
    }
}

/// Pull prompt / response / caller out of one line (see the module docs).
pub fn parse_line(line: &str) -> ModelIo {
    let v: Value = match serde_json::from_str(line.trim()) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            return ModelIo {
                prompt: Some(line.to_string()),
                ..Default::default()
            }
        }
    };
    let first = |paths: &[&[&str]]| paths.iter().find_map(|p| str_at(&v, p)).map(str::to_string);
    let mut prompt = first(&[&["prompt"], &["input"], &["inputs"], &["question"]]);
    if prompt.is_none() {
        if let Some(Value::Array(msgs)) = v.get("messages") {
            let users: Vec<String> = msgs
                .iter()
                .filter(|m| m.get("role").and_then(Value::as_str) == Some("user"))
                .filter_map(|m| m.get("content").and_then(content_text))
                .collect();
            if !users.is_empty() {
                prompt = Some(users.join("\n"));
            }
        }
    }
    ModelIo {
        prompt,
        response: first(&[
            &["response"],
            &["output"],
            &["completion"],
            &["generated_text"],
            &["answer"],
            &["choices", "0", "message", "content"],
            &["choices", "0", "text"],
        ]),
        caller: first(&[
            &["caller"],
            &["caller_ip"],
            &["source_ip"],
            &["sourceIPAddress"],
            &["client_ip"],
            &["ip"],
            &["identity", "sourceIp"],
            &["requestContext", "identity", "sourceIp"],
        ]),
        endpoint: first(&[&["endpoint"], &["model"], &["model_id"], &["modelId"]]),
        context: first(&[&["context"]]),
    }
}

fn excerpt(s: &str) -> String {
    let mut e = s.len().min(200);
    while !s.is_char_boundary(e) {
        e -= 1;
    }
    s[..e].to_string()
}

impl LogLineScanner {
    pub fn new(cfg: LogLineConfig) -> Result<Self, PromptError> {
        Ok(Self {
            prompt: PromptDetector::shared()?,
            toxicity: ToxicityDetector::shared()?,
            output: OutputScanner::new(cfg.output)?,
        })
    }

    /// Findings for one log line (empty when nothing fired).
    pub fn scan_line(&self, line: &str) -> Vec<Finding> {
        self.scan_io(&parse_line(line))
    }

    pub fn scan_io(&self, io: &ModelIo) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut base = Vec::new();
        if let Some(c) = &io.caller {
            base.push(ResourceRef::new(ResourceKind::Caller, c.clone()));
        }
        if let Some(e) = &io.endpoint {
            base.push(ResourceRef::new(ResourceKind::ModelEndpoint, e.clone()));
        }
        if let Some(p) = io.prompt.as_deref().filter(|p| !p.trim().is_empty()) {
            let v = self.prompt.scan(p);
            if v.is_attack() {
                let mut resources =
                    vec![ResourceRef::new(ResourceKind::Prompt, v.signature.clone())];
                resources.extend(base.iter().cloned());
                let strong = v.rules.iter().any(|r| r.weight >= 4.0);
                out.push(Finding {
                    detector: "prompt-injection".into(),
                    kind: IncidentKind::PromptAttack,
                    severity: if v.score >= 0.98 && strong {
                        Severity::Critical
                    } else {
                        Severity::High
                    },
                    score: v.score,
                    summary: format!(
                        "prompt injection / jailbreak attempt (score {:.2}): {}",
                        v.score,
                        v.reasons.first().map(String::as_str).unwrap_or("model")
                    ),
                    resources,
                    detail: json!({"reasons": v.reasons, "rules": v.rules, "flags": v.flags,
                                   "model_score": v.model_score, "similarity": v.similarity,
                                   "excerpt": excerpt(&self.output.scan(p, None).redacted)}),
                });
            }
            let t = self.toxicity.scan(p);
            if t.score >= self.toxicity.threshold {
                out.push(self.toxic("toxic-prompt", t, &base, v.signature));
            }
        }
        if let Some(r) = io.response.as_deref().filter(|r| !r.trim().is_empty()) {
            let ctx = io
                .prompt
                .as_deref()
                .map(|p| (p, io.context.as_deref().unwrap_or("")));
            let o = self.output.scan(r, ctx);
            let sig = super::detector::signature(super::normalize::normalize(r).main());
            for (class, detector, kind, sev, summary) in [
                (
                    "secret",
                    "secret-leak",
                    IncidentKind::DataLeakage,
                    Severity::Critical,
                    "secret or credential in model output",
                ),
                (
                    "canary",
                    "prompt-leak",
                    IncidentKind::DataLeakage,
                    Severity::Critical,
                    "system-prompt canary leaked in model output",
                ),
                (
                    "pii",
                    "pii-leak",
                    IncidentKind::DataLeakage,
                    Severity::High,
                    "personal data in model output",
                ),
                (
                    "policy",
                    "policy-violation",
                    IncidentKind::PromptAttack,
                    Severity::Medium,
                    "model output violates the content policy",
                ),
            ] {
                let hits: Vec<String> = o
                    .findings
                    .iter()
                    .filter(|h| h.class == class)
                    .map(|h| h.reason())
                    .collect();
                if hits.is_empty() {
                    continue;
                }
                let mut resources = base.clone();
                if let Some(p) = &io.prompt {
                    resources.push(ResourceRef::new(
                        ResourceKind::Prompt,
                        super::detector::signature(super::normalize::normalize(p).main()),
                    ));
                }
                out.push(Finding {
                    detector: detector.into(),
                    kind,
                    severity: sev,
                    score: if class == "pii" || class == "policy" {
                        0.8
                    } else {
                        1.0
                    },
                    summary: format!("{summary}: {}", hits.join(", ")),
                    resources,
                    detail: json!({"hits": hits, "redacted_excerpt": excerpt(&o.redacted)}),
                });
            }
            let t = self.toxicity.scan(r);
            if t.score >= self.toxicity.threshold {
                out.push(self.toxic("toxic-output", t, &base, sig));
            }
            if let Some(h) = o.hallucination.filter(|h| h.score >= 0.5) {
                out.push(Finding {
                    detector: "hallucination-risk".into(),
                    kind: IncidentKind::PromptAttack,
                    severity: Severity::Low,
                    score: h.score,
                    summary: format!(
                        "hallucination risk {:.2} (a risk signal, not a verdict)",
                        h.score
                    ),
                    resources: base.clone(),
                    detail: json!(h),
                });
            }
        }
        out
    }

    fn toxic(
        &self,
        detector: &str,
        t: super::toxicity::ToxicityVerdict,
        base: &[ResourceRef],
        sig: String,
    ) -> Finding {
        let mut resources = vec![ResourceRef::new(ResourceKind::Prompt, sig)];
        resources.extend(base.iter().cloned());
        Finding {
            detector: detector.into(),
            kind: IncidentKind::PromptAttack,
            severity: if t.score >= 0.95 {
                Severity::Medium
            } else {
                Severity::Low
            },
            score: t.score,
            summary: format!("toxic text (score {:.2})", t.score),
            resources,
            detail: json!({"reasons": t.reasons, "model_score": t.model_score}),
        }
    }
}
