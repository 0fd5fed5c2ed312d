//! A normalised alert: what every cloud adapter produces from its native payload.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Finding, IncidentKind, ResourceRef, Severity};

/// Where an alert came from. Playbook rules can match on it (`sources = [...]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlertSource {
    CloudwatchAlarm,
    CloudwatchLogs,
    Guardduty,
    SecurityHub,
    SagemakerModelMonitor,
    AzureMonitor,
    EventGrid,
    CloudMonitoring,
    SecurityCommandCenter,
    CloudAuditLog,
    StorageEvent,
    /// aiir's own detectors (drift, prompt, output scanners, integrity).
    Detector,
    /// An operator's hand-made event (drills).
    Operator,
}

impl AlertSource {
    pub const ALL: [AlertSource; 13] = [
        Self::CloudwatchAlarm,
        Self::CloudwatchLogs,
        Self::Guardduty,
        Self::SecurityHub,
        Self::SagemakerModelMonitor,
        Self::AzureMonitor,
        Self::EventGrid,
        Self::CloudMonitoring,
        Self::SecurityCommandCenter,
        Self::CloudAuditLog,
        Self::StorageEvent,
        Self::Detector,
        Self::Operator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CloudwatchAlarm => "cloudwatch-alarm",
            Self::CloudwatchLogs => "cloudwatch-logs",
            Self::Guardduty => "guardduty",
            Self::SecurityHub => "security-hub",
            Self::SagemakerModelMonitor => "sagemaker-model-monitor",
            Self::AzureMonitor => "azure-monitor",
            Self::EventGrid => "event-grid",
            Self::CloudMonitoring => "cloud-monitoring",
            Self::SecurityCommandCenter => "security-command-center",
            Self::CloudAuditLog => "cloud-audit-log",
            Self::StorageEvent => "storage-event",
            Self::Detector => "detector",
            Self::Operator => "operator",
        }
    }
}

impl std::fmt::Display for AlertSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Firing alerts may remediate; resolved ones (CloudWatch `OK`, Azure `Resolved`, GCP `closed`)
/// are recorded and never act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlertStatus {
    Firing,
    Resolved,
    /// Not a state change that calls for action (e.g. `INSUFFICIENT_DATA`).
    Informational,
}

/// Supporting data attached to an alert: metric values, finding details, detector output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Short label: `metric`, `guardduty-finding`, `detector:prompt-injection` …
    pub label: String,
    pub summary: String,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub source: AlertSource,
    /// The source's identity for the thing that alerts (alarm ARN, finding id, rule id).
    pub source_id: String,
    /// The source's identity for this occurrence (state-change time, finding `updatedAt`,
    /// log event id). A redelivery repeats it; a new occurrence changes it.
    pub occurrence: String,
    pub status: AlertStatus,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub occurred_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Kind and severity when the source states them; otherwise the playbook's
    /// `[[classify]]` rules and defaults decide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<IncidentKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub resources: Vec<ResourceRef>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// Free-form attributes rules can match on: `alarm_name`, `metric_name`, `namespace`,
    /// `finding_type`, `rule_name` …
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

impl Alert {
    /// An alert raised by one of aiir's detectors.
    pub fn from_finding(
        finding: &Finding,
        source_id: impl Into<String>,
        occurrence: impl Into<String>,
        at: DateTime<Utc>,
    ) -> Self {
        let mut labels = BTreeMap::new();
        labels.insert("detector".to_string(), finding.detector.clone());
        Self {
            source: AlertSource::Detector,
            source_id: source_id.into(),
            occurrence: occurrence.into(),
            status: AlertStatus::Firing,
            title: finding.summary.clone(),
            description: None,
            occurred_at: at,
            account: None,
            region: None,
            kind: Some(finding.kind),
            severity: Some(finding.severity),
            resources: finding.resources.clone(),
            evidence: vec![Evidence {
                label: format!("detector:{}", finding.detector),
                summary: finding.summary.clone(),
                detail: serde_json::json!({ "score": finding.score, "detail": finding.detail }),
            }],
            labels,
        }
    }
}
