//! An incident: a classified alert with a stable identity and a timeline.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{
    atlas, Alert, AlertSource, AlertStatus, Evidence, IncidentKind, NistPhase, ResourceRef,
    Severity,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// `inc-` + 16 hex digits of the fingerprint: the same alert always gets the same id.
    pub id: String,
    /// SHA-256 over source, source id and occurrence. Redeliveries share it.
    pub fingerprint: String,
    pub kind: IncidentKind,
    pub severity: Severity,
    pub status: AlertStatus,
    pub source: AlertSource,
    pub title: String,
    pub detected_at: DateTime<Utc>,
    pub resources: Vec<ResourceRef>,
    pub evidence: Vec<Evidence>,
    /// MITRE ATLAS technique ids this kind of incident usually involves.
    pub atlas: Vec<String>,
    pub timeline: Vec<TimelineEntry>,
    pub labels: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub phase: NistPhase,
    pub event: String,
}

/// Stable fingerprint of one alert occurrence.
pub fn fingerprint(source: AlertSource, source_id: &str, occurrence: &str) -> String {
    let mut hasher = Sha256::new();
    // Length-prefix each part so ("ab","c") and ("a","bc") differ.
    for part in [source.as_str(), source_id, occurrence] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

impl Incident {
    /// Build the incident for an alert whose kind and severity have been decided.
    pub fn new(alert: Alert, kind: IncidentKind, severity: Severity, now: DateTime<Utc>) -> Self {
        let fingerprint = fingerprint(alert.source, &alert.source_id, &alert.occurrence);
        let id = format!("inc-{}", &fingerprint[..16]);
        let timeline = vec![
            TimelineEntry {
                at: alert.occurred_at,
                phase: NistPhase::DetectionAndAnalysis,
                event: format!("{} alert: {}", alert.source, alert.title),
            },
            TimelineEntry {
                at: now,
                phase: NistPhase::DetectionAndAnalysis,
                event: format!("aiir classified the alert as {kind}, severity {severity}"),
            },
        ];
        Self {
            id,
            fingerprint,
            kind,
            severity,
            status: alert.status,
            source: alert.source,
            title: alert.title,
            detected_at: alert.occurred_at,
            resources: alert.resources,
            evidence: alert.evidence,
            atlas: atlas::techniques_for(kind)
                .iter()
                .map(|t| t.to_string())
                .collect(),
            timeline,
            labels: alert.labels,
        }
    }

    pub fn record(&mut self, at: DateTime<Utc>, phase: NistPhase, event: impl Into<String>) {
        self.timeline.push(TimelineEntry {
            at,
            phase,
            event: event.into(),
        });
    }

    /// The deadline by which this incident must be contained.
    pub fn response_deadline(&self) -> DateTime<Utc> {
        let target = chrono::Duration::from_std(self.severity.response_target())
            .unwrap_or(chrono::Duration::zero());
        self.detected_at + target
    }
}
