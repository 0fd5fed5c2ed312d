//! Model I/O log lines → detector findings → alerts for the responder.
//!
//! Every cloud delivers model input/output logs in batches (CloudWatch Logs subscription,
//! Event Hubs / storage queue, Pub/Sub log sink); the intake turns them into a
//! [`ModelIoBatch`], and this module runs the prompt and output detectors on each line.
use crate::detect::prompt::logline::LogLineScanner;
use crate::intake::ModelIoBatch;
use crate::model::Alert;

/// Scan every line; each finding becomes one alert. The alert's identity is the log event id
/// plus the finding's position, so a redelivered batch yields the same fingerprints.
pub fn scan_batch(scanner: &LogLineScanner, batch: &ModelIoBatch) -> Vec<Alert> {
    let mut alerts = Vec::new();
    for record in &batch.records {
        for (i, finding) in scanner.scan_line(&record.message).into_iter().enumerate() {
            let mut alert = Alert::from_finding(
                &finding,
                format!("{}/{}", batch.source_id, finding.detector),
                format!("{}#{i}", record.id),
                record.timestamp,
            );
            alert.source = batch.source;
            alert.account = batch.account.clone();
            alert.region = batch.region.clone();
            alert
                .labels
                .extend(record.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
            alerts.push(alert);
        }
    }
    alerts
}
