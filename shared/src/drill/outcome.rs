//! What one scenario did on one cloud and what the checks found: the unit of the drill report,
//! the same for the emulator drills (`make drill`) and `aiir drill --target`.
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Scenario;
use crate::action::Cloud;
use crate::audit::StepRecord;
use crate::pipeline::{IncidentReport, Report};

/// One verified fact (about the emulator's state, or the function's report).
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub what: String,
    pub ok: bool,
}

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
    pub undo_steps: Vec<StepRecord>,
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
