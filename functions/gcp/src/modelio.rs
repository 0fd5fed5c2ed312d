//! Model I/O from a log sink → prompt-detector findings → alerts.
//!
//! The core has `aiir_core::modelio::scan_batch` in progress (not yet exported); until it
//! is, this scans each line with the shared prompt detector. Identity as in the core: the
//! alert's `source_id` is `{log name}/prompt-injection`, its occurrence `{insertId}#0`, so a
//! redelivered log entry de-duplicates.
use aiir_core::detect::prompt::detector::PromptDetector;
use aiir_core::intake::ModelIoBatch;
use aiir_core::model::{Alert, Finding, IncidentKind, ResourceKind, ResourceRef, Severity};
use serde_json::json;
use tracing::warn;

pub const DETECTOR: &str = "prompt-injection";

pub fn scan_batch(batch: &ModelIoBatch) -> Vec<Alert> {
    let detector = match PromptDetector::shared() {
        Ok(d) => d,
        Err(e) => {
            warn!(error = %e, "prompt detector unavailable; model I/O not scanned");
            return Vec::new();
        }
    };
    let mut alerts = Vec::new();
    for record in &batch.records {
        let verdict = detector.scan(&record.message);
        if !verdict.is_attack() {
            continue;
        }
        let mut resources = vec![ResourceRef::new(
            ResourceKind::Prompt,
            verdict.signature.clone(),
        )];
        if let Some(ip) = record.labels.get("caller_ip") {
            resources.push(ResourceRef::new(ResourceKind::Caller, ip.clone()));
        }
        if let Some(endpoint) = record
            .labels
            .get("endpoint")
            .filter(|e| e.starts_with("projects/"))
        {
            resources.push(ResourceRef::new(
                ResourceKind::ModelEndpoint,
                endpoint.clone(),
            ));
        }
        let finding = Finding {
            detector: DETECTOR.into(),
            kind: IncidentKind::PromptAttack,
            severity: if verdict.score >= 0.9 {
                Severity::Critical
            } else {
                Severity::High
            },
            score: verdict.score,
            summary: format!(
                "prompt injection in {} (score {:.2})",
                batch.source_id, verdict.score
            ),
            resources,
            // Reasons and signature only: the prompt itself stays in the log it came from.
            detail: json!({ "reasons": verdict.reasons, "signature": verdict.signature }),
        };
        let mut alert = Alert::from_finding(
            &finding,
            format!("{}/{DETECTOR}", batch.source_id),
            format!("{}#0", record.id),
            record.timestamp,
        );
        alert.account = batch.account.clone();
        alert.region = batch.region.clone();
        alert
            .labels
            .extend(record.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
        alerts.push(alert);
    }
    alerts
}
