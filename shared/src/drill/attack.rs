//! What each scenario sends to a deployed function (`aiir drill --target`), cloud-neutral:
//! model-I/O lines for the function's own scanners, and findings aiir's detectors computed
//! here (the drift check). Cloud shapes are [`super::deliver`]'s job.
use serde_json::{Map, Value};

use super::{model_drift, Scenario};
use crate::detect::drift::DriftError;
use crate::detect::prompt::logline::{LogLineConfig, LogLineScanner};
use crate::detect::prompt::PromptError;
use crate::{Finding, ResourceRef};

const PROMPT_INJECTION_IO: &str =
    include_str!("../../../events/drills/prompt-injection/model-io.jsonl");
const DATA_LEAKAGE_IO: &str = include_str!("../../../events/drills/data-leakage/model-io.jsonl");

#[derive(Debug, thiserror::Error)]
pub enum AttackError {
    #[error("scenario {scenario} needs {what}")]
    Needs {
        scenario: &'static str,
        what: &'static str,
    },
    #[error("scenario {0} cannot run against a deployed function: {1}")]
    Unsupported(&'static str, &'static str),
    #[error("drift check: {0}")]
    Drift(#[from] DriftError),
    #[error("model-I/O scanner: {0}")]
    Scanner(#[from] PromptError),
}

/// One scenario's attack, ready to be put in a cloud's shapes.
#[derive(Debug, Clone)]
pub struct Attack {
    pub vector: &'static str,
    pub detection: &'static str,
    /// Model-I/O JSON lines for the function's scanner.
    pub model_io: Vec<String>,
    /// Findings aiir's detectors raised here, for an operator `findings` event.
    pub findings: Vec<Finding>,
    pub notes: Vec<&'static str>,
}

/// The lines of a JSONL attack file, each naming `endpoint` when given.
fn lines(text: &str, endpoint: Option<&str>) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(
            |line| match (endpoint, serde_json::from_str::<Map<String, Value>>(line)) {
                (Some(name), Ok(mut obj)) => {
                    obj.insert("endpoint".into(), Value::from(name));
                    Value::Object(obj).to_string()
                }
                _ => line.to_string(),
            },
        )
        .collect()
}

/// The attack for `scenario` on `endpoint` (the serving endpoint the function acts on).
pub fn attack(
    scenario: &Scenario,
    endpoint: Option<&ResourceRef>,
    seed: u64,
) -> Result<Attack, AttackError> {
    let name = endpoint.map(|e| e.id.as_str());
    Ok(match scenario.name {
        "prompt-injection" => Attack {
            vector: "attacker prompts in the model I/O stream: instruction override, DAN role-play, base64, homoglyphs, zero-width, leetspeak",
            detection: "the function's prompt-injection detector on its model-I/O stream",
            model_io: lines(PROMPT_INJECTION_IO, name),
            findings: Vec::new(),
            notes: vec![],
        },
        "data-leakage" => Attack {
            vector: "model outputs leak cloud keys and customer PII",
            detection: "the function's output scanners (secrets, PII) on its model-I/O stream",
            model_io: lines(DATA_LEAKAGE_IO, name),
            findings: Vec::new(),
            notes: vec!["the public training-data bucket half of the scenario needs a bucket made public: run it against the emulators (`make drill`)"],
        },
        "model-drift" => {
            let endpoint = endpoint.ok_or(AttackError::Needs {
                scenario: "model-drift",
                what: "the serving endpoint to roll back (--endpoint)",
            })?;
            Attack {
                vector: "a scam wave shifts the fraud model's inputs (amounts, new accounts, night-time gift-card purchases on the web); the assistant's outputs turn abusive",
                detection: "aiir's data-drift check (Evidently's tests) of a drifted batch against the reference profile, posted as findings; the function's toxicity detector on its model-I/O stream",
                model_io: model_drift::model_io_lines(Some(&endpoint.id)),
                findings: model_drift::findings(endpoint, seed)?,
                notes: vec![],
            }
        }
        "compromised-weights" => {
            return Err(AttackError::Unsupported(
                "compromised-weights",
                "it overwrites the deployed model artefact; run it against the emulators (`make drill`)",
            ))
        }
        _ => return Err(AttackError::Unsupported(scenario.name, "no generator")),
    })
}

/// What the function's scanner would find in the lines, computed here: a dry run cannot mark
/// a log delivery as dry-run, so it sends these as operator findings instead.
pub fn scan_locally(lines: &[String]) -> Result<Vec<Finding>, AttackError> {
    let scanner = LogLineScanner::new(LogLineConfig::default())?;
    Ok(lines.iter().flat_map(|l| scanner.scan_line(l)).collect())
}
