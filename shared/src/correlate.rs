//! Correlation across deliveries: alerts of one kind from one caller within a window are one
//! attack, even when the cloud delivers them one log line at a time (Pub/Sub push, Event Grid).
//!
//! Within a batch the model-I/O scanner already groups findings per caller. Across deliveries
//! each alert still becomes its own incident (its own record and undo), but a step another
//! incident of the group already took on the same target — rotating the same secret, paging the
//! same topic — is not taken again; steps on new targets (a new prompt signature to block) are.
//! The state lives in the same [`StateStore`](crate::state::StateStore) as de-duplication, with
//! the window as its time to live.
use std::time::Duration;

use serde_json::{json, Value};

use crate::model::{Incident, ResourceKind};
use crate::plan::PlannedStep;

/// The group an incident belongs to: same incident kind, same caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrelationKey {
    pub pk: String,
    caller: String,
}

impl CorrelationKey {
    /// `None` when the window is zero (correlation off) or the incident names no caller.
    pub fn of(incident: &Incident, window: Duration) -> Option<Self> {
        if window.is_zero() {
            return None;
        }
        let caller = incident
            .resources
            .iter()
            .find(|r| r.kind == ResourceKind::Caller)?;
        Some(Self {
            pk: format!("corr#{}#{}", incident.kind, caller.id),
            caller: caller.id.clone(),
        })
    }

    pub fn caller(&self) -> &str {
        &self.caller
    }

    /// The sort key under which the group's first incident is kept.
    pub const FIRST_SK: &'static str = "first";

    /// The sort key recording that `step`'s action was taken on its target.
    pub fn done_sk(step: &PlannedStep) -> String {
        format!("done#{}#{}", step.action.kind(), step.target.id)
    }
}

/// The value stored under a group key: which incident did it.
pub fn claim(incident_id: &str) -> Value {
    json!({ "incident_id": incident_id })
}

/// The incident id in a stored claim, if it names one other than `own`.
pub fn other_incident(value: &Value, own: &str) -> Option<String> {
    value
        .get("incident_id")
        .and_then(Value::as_str)
        .filter(|id| *id != own)
        .map(String::from)
}

/// How a window reads in notes (`15m`, `2h`, `90s`).
pub fn window_text(window: Duration) -> String {
    let s = window.as_secs();
    if s % 3600 == 0 {
        format!("{}h", s / 3600)
    } else if s % 60 == 0 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Alert, Finding, IncidentKind, ResourceRef, Severity};

    fn incident(resources: Vec<ResourceRef>) -> Incident {
        let finding = Finding {
            detector: "prompt-injection".into(),
            kind: IncidentKind::PromptAttack,
            severity: Severity::High,
            score: 0.9,
            summary: "attack".into(),
            resources,
            detail: Value::Null,
        };
        let now = chrono::Utc::now();
        let alert = Alert::from_finding(&finding, "log", "line-1", now);
        Incident::new(alert, IncidentKind::PromptAttack, Severity::High, now)
    }

    #[test]
    fn groups_by_kind_and_caller_only_when_enabled() {
        let with_caller = incident(vec![
            ResourceRef::new(ResourceKind::Prompt, "sig"),
            ResourceRef::new(ResourceKind::Caller, "203.0.113.7"),
        ]);
        let key = CorrelationKey::of(&with_caller, Duration::from_secs(900)).unwrap();
        assert_eq!(key.pk, "corr#prompt-attack#203.0.113.7");
        assert_eq!(key.caller(), "203.0.113.7");
        assert!(CorrelationKey::of(&with_caller, Duration::ZERO).is_none());
        let without = incident(vec![ResourceRef::new(ResourceKind::Secret, "s")]);
        assert!(CorrelationKey::of(&without, Duration::from_secs(900)).is_none());
    }

    #[test]
    fn claims_name_other_incidents_only() {
        let value = claim("inc-a");
        assert_eq!(other_incident(&value, "inc-b").as_deref(), Some("inc-a"));
        assert_eq!(other_incident(&value, "inc-a"), None);
        assert_eq!(other_incident(&json!({}), "inc-a"), None);
    }

    #[test]
    fn windows_read_in_the_playbook_units() {
        assert_eq!(window_text(Duration::from_secs(900)), "15m");
        assert_eq!(window_text(Duration::from_secs(7200)), "2h");
        assert_eq!(window_text(Duration::from_secs(90)), "90s");
    }
}
