//! Breach simulations (`make drill`): the same four scenarios on every cloud.
//!
//! A scenario generates attack traffic or data, lets aiir's own detectors and playbook decide,
//! has the cloud's function act against local emulators, checks the emulator's state shows
//! containment, then undoes every incident and checks the prior state is back.
//!
//! This module holds what is common to the clouds: the scenario catalogue, the [`Outcome`] each
//! run produces, and [`undo_all`]. Each cloud module (`aws`, …) brings its emulators, delivers
//! the attack in that cloud's payload shapes and checks that cloud's state.
use std::future::Future;

use aiir_core::action::Cloud;
use aiir_core::audit::StepStatus;
use aiir_core::operator::OperatorEvent;
use aiir_core::pipeline::{IncidentReport, Report};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;

pub mod aws;
pub mod azure;
pub mod report;

/// A breach scenario, the same on every cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Scenario {
    pub name: &'static str,
    pub title: &'static str,
    /// The remediation workflow the default playbook runs, in order.
    pub workflow: &'static [&'static str],
}

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "prompt-injection",
        title: "Prompt-injection takeover",
        workflow: &["block-prompt", "rotate-secret", "notify"],
    },
    Scenario {
        name: "data-leakage",
        title: "Data-leakage event",
        workflow: &[
            "lock-public-access",
            "quarantine-data",
            "rotate-secret",
            "notify",
        ],
    },
    Scenario {
        name: "model-drift",
        title: "Model drift leading to harmful outputs",
        workflow: &["rollback-model", "notify"],
    },
    Scenario {
        name: "compromised-weights",
        title: "Compromised model weights",
        workflow: &[
            "disable-endpoint",
            "quarantine-data",
            "rollback-model",
            "enforce-encryption",
        ],
    },
];

pub fn scenario(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// One verified fact about the emulator's state.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub what: String,
    pub ok: bool,
}

/// What one scenario did on one cloud and what the checks found.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub scenario: &'static Scenario,
    pub cloud: Cloud,
    pub attack_vector: String,
    pub detection: String,
    /// Cloud-specific notes: payload shapes, services acted on, emulator gaps.
    pub notes: Vec<String>,
    pub attack_at: DateTime<Utc>,
    pub incidents: Vec<IncidentReport>,
    pub checks: Vec<Check>,
    /// Steps `undo` ran (one entry per step undone or failing to undo).
    pub undo_steps: Vec<aiir_core::audit::StepRecord>,
}

impl Outcome {
    /// Starts the clock: call just before the attack is generated.
    pub fn start(
        scenario: &'static Scenario,
        cloud: Cloud,
        attack_vector: impl Into<String>,
        detection: impl Into<String>,
    ) -> Self {
        Self {
            scenario,
            cloud,
            attack_vector: attack_vector.into(),
            detection: detection.into(),
            notes: Vec::new(),
            attack_at: Utc::now(),
            incidents: Vec::new(),
            checks: Vec::new(),
            undo_steps: Vec::new(),
        }
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    pub fn check(&mut self, what: impl Into<String>, ok: bool) {
        self.checks.push(Check {
            what: what.into(),
            ok,
        });
    }

    pub fn record(&mut self, report: Report) {
        self.incidents.extend(report.incidents);
    }

    pub fn passed(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.ok)
    }

    /// Attack start → last containing step, over all incidents the scenario raised.
    pub fn attack_to_contained_ms(&self) -> Option<i64> {
        self.incidents
            .iter()
            .flat_map(|i| &i.steps)
            .filter(|s| s.status.is_contained())
            .map(|s| (s.finished_at - self.attack_at).num_milliseconds())
            .max()
    }

    /// Attack start → first incident classified (the timeline's second entry).
    pub fn attack_to_detected_ms(&self) -> Option<i64> {
        self.incidents
            .iter()
            .filter_map(|i| i.incident.timeline.get(1))
            .map(|t| (t.at - self.attack_at).num_milliseconds())
            .min()
    }
}

/// Delivers one payload to a cloud's function, the way that cloud would, and returns its report.
pub trait Invoker {
    fn invoke(
        &self,
        name: &str,
        payload: &serde_json::Value,
    ) -> impl Future<Output = Result<Report>> + Send;
}

/// Undo every incident that changed something, last first (so each undo restores the state the
/// next one expects), and check each step was undone.
pub async fn undo_all(invoker: &impl Invoker, outcome: &mut Outcome) -> Result<()> {
    let changed: Vec<IncidentReport> = outcome
        .incidents
        .iter()
        .filter(|i| i.steps.iter().any(|s| s.status == StepStatus::Applied))
        .cloned()
        .collect();
    for incident in changed.into_iter().rev() {
        let event = OperatorEvent::Undo {
            incident_id: incident.incident.id.clone(),
            steps: Vec::new(),
            operator: "drill".into(),
        };
        let name = format!("{}-undo-{}", outcome.scenario.name, incident.incident.id);
        let report = invoker
            .invoke(&name, &serde_json::to_value(event)?)
            .await
            .with_context(|| format!("undo {}", incident.incident.id))?;
        let failed: Vec<String> = report
            .operator_steps
            .iter()
            .filter(|s| s.status != StepStatus::Undone)
            .map(|s| format!("{} {}", s.action.kind(), s.target.id))
            .collect();
        outcome.check(
            format!(
                "undo of {} restored every step{}",
                incident.incident.id,
                if failed.is_empty() {
                    String::new()
                } else {
                    format!(" (not undone: {})", failed.join(", "))
                }
            ),
            failed.is_empty(),
        );
        outcome.undo_steps.extend(report.operator_steps);
    }
    Ok(())
}

/// `{{NAME}}` placeholders in a drill template filled with values.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_string(), |text, (k, v)| {
        text.replace(&format!("{{{{{k}}}}}"), v)
    })
}

/// A file of the repository (drill data lives in `events/drills/`).
pub fn read(path: &str) -> Result<String> {
    let full = crate::moto::repo_root().join(path);
    std::fs::read_to_string(&full).with_context(|| format!("read {}", full.display()))
}
