//! Breach simulations (`make drill`): the same four scenarios on every cloud.
//!
//! A scenario generates attack traffic or data, lets aiir's own detectors and playbook decide,
//! has the cloud's function act against local emulators, checks the emulator's state shows
//! containment, then undoes every incident and checks the prior state is back.
//!
//! This module holds what is common to the clouds: the scenario catalogue (re-exported from
//! [`aiir_core::drill`]), the [`Outcome`] each run produces, and [`undo_all`]. Each cloud module
//! (`aws`, …) brings its emulators, delivers the attack in that cloud's payload shapes and
//! checks that cloud's state.
//!
//! # Attack data shared by every cloud
//!
//! Generators live in the core ([`aiir_core::drill`]) so every cloud, and `aiir drill --target`
//! against a deployed function, sends the same attack:
//!
//! - **model-drift** ([`aiir_core::drill::model_drift`]):
//!   - `model_drift::findings(&endpoint, model_drift::DEFAULT_SEED)?` → `Vec<Finding>`: a seeded
//!     drifted batch (fraud-model inputs: `transaction_amount`, `account_age_days`,
//!     `hour_of_day`, `merchant_category`, `channel`, `country`) through aiir's own
//!     `check_data_drift` against the reference profile; one `data-drift` finding, kind
//!     model-drift, severity high, on `endpoint` (a `ResourceRef` of kind `ModelEndpoint` with
//!     the id your rollback action expects). Deliver it as the drift job would:
//!     `OperatorEvent::Findings { batch_id, findings }`. The default playbook's
//!     `recover-from-drift` rule answers with `rollback-model` + `notify`.
//!   - `model_drift::model_io_lines(Some(endpoint_name))` → `Vec<String>`: JSON lines
//!     (`request_id`, `endpoint`, `caller_ip`, `prompt`, `response`) whose responses turn
//!     toxic; deliver them on your cloud's model-I/O log stream (CloudWatch Logs subscription,
//!     diagnostic-log records, Pub/Sub log sink). The function's scanner raises a
//!     `toxic-output` finding for each id in `model_drift::TOXIC_REQUESTS` (one incident per
//!     caller; kind prompt-attack, severity medium or low: recorded, no playbook rule acts on
//!     it; the rollback comes from the drift finding).
//!     The file is `events/drills/model-drift/model-io.jsonl` (`model_drift::MODEL_IO_PATH`).
//!   - `model_drift::reference_rows(seed)`, `current_rows(seed)`, `reference_profile(seed)`
//!     for a function-side drift check (data capture → profile → `check_data_drift`).
use std::future::Future;

use aiir_core::audit::StepStatus;
use aiir_core::operator::OperatorEvent;
use aiir_core::pipeline::{IncidentReport, Report};
use anyhow::{Context, Result};

pub mod aws;
pub mod azure;
pub mod gcp;
pub use aiir_core::drill::report;

// The catalogue and the outcome live in the core so `aiir drill --target` (no emulators)
// shares them and writes the same report.
pub use aiir_core::drill::{scenario, Check, Outcome, Scenario, SCENARIOS};

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
