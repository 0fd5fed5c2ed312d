//! Model I/O log lines → detector findings → alerts for the responder.
//!
//! Every cloud delivers model input/output logs in batches (CloudWatch Logs subscription,
//! Event Hubs / storage queue, Pub/Sub log sink); the intake turns them into a
//! [`ModelIoBatch`], and this module runs the prompt and output detectors on each line.
//!
//! Findings are correlated before they become alerts: one attacker sending five injection
//! prompts in a batch is one incident (five prompt signatures, one caller), not five
//! incidents that would rotate the same secret five times and trip the blast-radius limit.
//!
//! The caller and the serving endpoint come from the line itself (see
//! [`crate::detect::prompt::logline`]); when the line names none, from the record's labels
//! [`CALLER_LABEL`] and [`ENDPOINT_LABEL`], which an intake sets when the delivery carries
//! them outside the model I/O (a Cloud Logging entry's `httpRequest.remoteIp` and resource).
use std::collections::BTreeMap;

use crate::detect::prompt::logline::{parse_line, LogLineScanner};
use crate::intake::{ModelIoBatch, ModelIoRecord};
use crate::model::{Alert, Evidence, Finding, ResourceKind};

/// Record label with the caller's IP address, used when the line names no caller.
pub const CALLER_LABEL: &str = "caller_ip";
/// Record label with the serving endpoint, used when the line names none.
pub const ENDPOINT_LABEL: &str = "endpoint";

/// Findings of one detector about one caller within one batch.
struct Group {
    finding: Finding,
    first_record: String,
    timestamp: chrono::DateTime<chrono::Utc>,
    lines: Vec<Evidence>,
    labels: BTreeMap<String, String>,
}

/// Scan every line and return one alert per (detector, caller) in the batch. The alert's
/// identity is the batch's log group, detector, caller and first log event id, so a
/// redelivered batch yields the same fingerprints.
pub fn scan_batch(scanner: &LogLineScanner, batch: &ModelIoBatch) -> Vec<Alert> {
    let mut groups: Vec<Group> = Vec::new();
    for record in &batch.records {
        for finding in scan_record(scanner, record) {
            let caller = caller_of(&finding);
            let evidence = Evidence {
                label: format!("log:{}", record.id),
                summary: finding.summary.clone(),
                detail: finding.detail.clone(),
            };
            match groups
                .iter_mut()
                .find(|g| g.finding.detector == finding.detector && caller_of(&g.finding) == caller)
            {
                Some(group) => {
                    let merged = &mut group.finding;
                    merged.severity = merged.severity.min(finding.severity);
                    merged.score = merged.score.max(finding.score);
                    for r in finding.resources {
                        if !merged
                            .resources
                            .iter()
                            .any(|m| m.kind == r.kind && m.id == r.id)
                        {
                            merged.resources.push(r);
                        }
                    }
                    group.lines.push(evidence);
                }
                None => groups.push(Group {
                    finding,
                    first_record: record.id.clone(),
                    timestamp: record.timestamp,
                    lines: vec![evidence],
                    labels: record.labels.clone(),
                }),
            }
        }
    }
    groups
        .into_iter()
        .map(|group| {
            let caller = caller_of(&group.finding).unwrap_or("unknown").to_string();
            let mut finding = group.finding;
            if group.lines.len() > 1 {
                finding.summary = format!(
                    "{} ({} lines from {caller})",
                    finding.summary,
                    group.lines.len()
                );
            }
            let mut alert = Alert::from_finding(
                &finding,
                format!("{}/{}/{caller}", batch.source_id, finding.detector),
                group.first_record,
                group.timestamp,
            );
            alert.source = batch.source;
            alert.account = batch.account.clone();
            alert.region = batch.region.clone();
            alert.evidence.extend(group.lines);
            alert.labels.extend(group.labels);
            alert
        })
        .collect()
}

/// The line's own fields first, the record's labels for what the line leaves out.
fn scan_record(scanner: &LogLineScanner, record: &ModelIoRecord) -> Vec<Finding> {
    let mut io = parse_line(&record.message);
    let label = |key: &str| {
        record
            .labels
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    if io.caller.is_none() {
        io.caller = label(CALLER_LABEL);
    }
    if io.endpoint.is_none() {
        io.endpoint = label(ENDPOINT_LABEL);
    }
    scanner.scan_io(&io)
}

fn caller_of(finding: &Finding) -> Option<&str> {
    finding
        .resources
        .iter()
        .find(|r| r.kind == ResourceKind::Caller)
        .map(|r| r.id.as_str())
}
