//! The handler: bytes in, report out. Plain async code that tests and `invoke` call directly;
//! [`crate::server`] puts HTTP around it.
use aiir_core::detect::prompt::logline::LogLineScanner;
use aiir_core::intake::{parse_gcp, Intake, IntakeError, ModelIoBatch};
use aiir_core::metrics::{findings_sample, incident_samples, rejected_sample, Sample, NAMESPACE};
use aiir_core::modelio::{scan_batch, ENDPOINT_LABEL};
use aiir_core::pipeline::{PipelineError, Report, Request, Responder};
use tracing::{error, info};

use crate::actions::vertex::EndpointName;

/// Pub/Sub push messages are at most 10 MB; larger bodies are refused before parsing.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Malformed, oversized or unknown input: nothing was changed; retrying will not help.
    #[error("rejected input: {0}")]
    Rejected(#[from] IntakeError),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
}

impl HandlerError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Pipeline(e) if e.is_retryable())
    }

    /// The HTTP status a push delivery gets: Pub/Sub and Eventarc redeliver on anything but
    /// 2xx (102, 200, 201, 202, 204), so retryable failures are 503 (backoff and redeliver),
    /// rejected input and unknown approvals 400 (configure a dead-letter topic so they stop),
    /// and a state store that denies access 500.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Rejected(_) => 400,
            Self::Pipeline(PipelineError::Rejected(_)) => 400,
            e if e.is_retryable() => 503,
            _ => 500,
        }
    }
}

pub struct Handler {
    responder: Responder,
    /// The model I/O detectors, loaded once per instance.
    scanner: LogLineScanner,
    /// `AIIR_DRY_RUN`: every request is a rehearsal.
    forced_dry_run: bool,
}

/// One structured log line per metric set: Cloud Logging log-based metrics pick them up.
fn emit(samples: &[Sample], kind: &str) {
    let line = serde_json::json!({ "namespace": NAMESPACE, "cloud": "gcp", "kind": kind, "samples": samples });
    info!(metrics = %line, "aiir metrics");
}

impl Handler {
    pub fn new(responder: Responder, scanner: LogLineScanner, forced_dry_run: bool) -> Self {
        Self {
            responder,
            scanner,
            forced_dry_run,
        }
    }

    pub fn responder(&self) -> &Responder {
        &self.responder
    }

    /// Parse, decide, act. `dry_run` comes from the caller (`invoke --dry-run`, or the
    /// `x-aiir-dry-run: true` header).
    pub async fn handle(&self, payload: &[u8], dry_run: bool) -> Result<Report, HandlerError> {
        let dry_run = dry_run || self.forced_dry_run;
        if payload.len() > MAX_BODY_BYTES {
            return Err(IntakeError::TooLarge {
                size: payload.len(),
                limit: MAX_BODY_BYTES,
            }
            .into());
        }
        let intake = match parse_gcp(payload) {
            Ok(intake) => intake,
            Err(e) => {
                error!(error = %e, bytes = payload.len(), "alert rejected; nothing changed");
                emit(&[rejected_sample()], "unknown");
                return Err(e.into());
            }
        };
        let request = match intake {
            Intake::Alerts(alerts) => Request::Alerts(alerts),
            Intake::Operator(event) => Request::Operator(event),
            Intake::ModelIo(mut batch) => {
                vertex_endpoints_only(&mut batch);
                let alerts = scan_batch(&self.scanner, &batch);
                info!(records = batch.records.len(), findings = alerts.len(), log = %batch.source_id, "model I/O scanned");
                emit(&[findings_sample(alerts.len())], "model-io");
                Request::Alerts(alerts)
            }
        };
        let report = self.responder.handle(request, dry_run).await?;
        for incident in &report.incidents {
            emit(&incident_samples(incident), incident.incident.kind.as_str());
        }
        Ok(report)
    }
}

/// The log-sink intake labels a record's `endpoint` from `jsonPayload.endpoint` or the log
/// entry's resource, which can be a Cloud Run service or a bare endpoint id. Only a Vertex AI
/// endpoint resource name is something the endpoint actions can act on, so anything else is
/// relabelled `service` (kept on the alert, not reported as a model endpoint).
fn vertex_endpoints_only(batch: &mut ModelIoBatch) {
    for record in &mut batch.records {
        let Some(endpoint) = record.labels.get(ENDPOINT_LABEL) else {
            continue;
        };
        if EndpointName::parse(endpoint).is_err() {
            if let Some(service) = record.labels.remove(ENDPOINT_LABEL) {
                record.labels.insert("service".into(), service);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use aiir_core::intake::{ModelIoBatch, ModelIoRecord};
    use aiir_core::model::AlertSource;

    use super::vertex_endpoints_only;

    fn batch(endpoint: &str) -> ModelIoBatch {
        ModelIoBatch {
            source: AlertSource::CloudAuditLog,
            source_id: "projects/p/logs/model-io".into(),
            account: None,
            region: None,
            records: vec![ModelIoRecord {
                id: "1".into(),
                timestamp: chrono::Utc::now(),
                message: "hi".into(),
                labels: BTreeMap::from([("endpoint".to_string(), endpoint.to_string())]),
            }],
        }
    }

    #[test]
    fn only_vertex_endpoints_stay_endpoints() {
        let vertex = "projects/p/locations/us-central1/endpoints/42";
        let mut b = batch(vertex);
        vertex_endpoints_only(&mut b);
        assert_eq!(
            b.records[0].labels.get("endpoint").map(String::as_str),
            Some(vertex)
        );
        let mut b = batch("chat");
        vertex_endpoints_only(&mut b);
        assert_eq!(b.records[0].labels.get("endpoint"), None);
        assert_eq!(b.records[0].labels["service"], "chat");
    }
}
