//! Events an operator sends by hand (or a drill harness): `drill`, `approve`, `undo`,
//! `findings` (detector output delivered directly) and `dry-run` (any of these, rehearsed).
//! The same JSON works on every cloud.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{
    Alert, AlertSource, AlertStatus, Evidence, Finding, IncidentKind, ResourceRef, Severity,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "aiir", rename_all = "kebab-case", deny_unknown_fields)]
pub enum OperatorEvent {
    /// A hand-made alert, for drills and tests of the playbook.
    Drill {
        /// Unique per drill run; a repeated id is a redelivery and acts once.
        drill_id: String,
        title: String,
        kind: IncidentKind,
        severity: Severity,
        #[serde(default)]
        resources: Vec<ResourceRef>,
        #[serde(default)]
        labels: BTreeMap<String, String>,
    },
    /// Detector findings computed elsewhere (CLI, a batch job) for the responder to act on.
    Findings {
        /// Identity of the batch; a repeated id is a redelivery and acts once.
        batch_id: String,
        findings: Vec<Finding>,
    },
    /// Release a step held by `approval = "required"`.
    Approve {
        approval_id: String,
        approver: String,
    },
    /// Restore the prior state of an incident's steps (all, or the ones listed).
    Undo {
        incident_id: String,
        #[serde(default)]
        steps: Vec<String>,
        operator: String,
    },
    /// Rehearse `event`: every step it plans runs in dry-run (reads the cloud, changes nothing),
    /// whatever the playbook's mode. `aiir drill --target … --dry-run` sends these. A function
    /// too old to know this variant rejects it as unknown input, so nothing changes there either.
    DryRun { event: Box<OperatorEvent> },
}

impl OperatorEvent {
    /// Alerts this event raises (drill and findings); none for approve/undo.
    pub fn alerts(&self, now: DateTime<Utc>) -> Vec<Alert> {
        match self {
            Self::Drill {
                drill_id,
                title,
                kind,
                severity,
                resources,
                labels,
            } => vec![Alert {
                source: AlertSource::Operator,
                source_id: format!("drill/{drill_id}"),
                occurrence: drill_id.clone(),
                status: AlertStatus::Firing,
                title: title.clone(),
                description: None,
                occurred_at: now,
                account: None,
                region: None,
                kind: Some(*kind),
                severity: Some(*severity),
                resources: resources.clone(),
                evidence: vec![Evidence {
                    label: "drill".into(),
                    summary: format!("operator drill {drill_id}"),
                    detail: serde_json::Value::Null,
                }],
                labels: labels.clone(),
            }],
            Self::Findings { batch_id, findings } => findings
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    Alert::from_finding(
                        f,
                        format!("findings/{batch_id}"),
                        format!("{batch_id}#{i}"),
                        now,
                    )
                })
                .collect(),
            Self::DryRun { event } => event.alerts(now),
            Self::Approve { .. } | Self::Undo { .. } => Vec::new(),
        }
    }
}

/// Is this JSON an operator event (it has an `aiir` field)? Lets adapters route before parsing.
pub fn is_operator_event(value: &serde_json::Value) -> bool {
    value.get("aiir").is_some_and(|v| v.is_string())
}
