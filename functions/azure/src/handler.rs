//! The function's logic: bytes in, report out. Plain async code that tests call directly; the
//! custom-handler server ([`crate::server`]) and `aiir-azure invoke` are thin layers over it.
use std::sync::Arc;

use aiir_core::intake::{parse_azure, Intake, IntakeError, ModelIoBatch};
use aiir_core::metrics::{findings_sample, incident_samples, rejected_sample, Sample};
use aiir_core::model::Alert;
use aiir_core::pipeline::{PipelineError, Report, Request, Responder};
use serde_json::{json, Value};
use tracing::{error, info};

use crate::envelope::{self, Delivery, Invocation, InvocationResponse};

/// The largest payload accepted (the Functions host's default HTTP request limit is 100 MB;
/// alerts are small, so aiir keeps the same 6 MiB bound as the intake).
pub const MAX_PAYLOAD_BYTES: usize = aiir_core::intake::MAX_PAYLOAD_BYTES;

/// Turns a model I/O batch into alerts (the prompt and output detectors).
pub type ModelIoScanner = Arc<dyn Fn(&ModelIoBatch) -> Vec<Alert> + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Malformed, oversized or unknown input: nothing was changed; retrying will not help.
    #[error("rejected input: {0}")]
    Rejected(#[from] IntakeError),
    /// The invocation envelope itself is wrong (no input binding …).
    #[error("rejected invocation: {0}")]
    Envelope(String),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
}

impl HandlerError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Pipeline(e) if e.is_retryable())
    }
}

pub struct Handler {
    responder: Responder,
    scanner: ModelIoScanner,
    /// `AIIR_DRY_RUN`: every invocation is a rehearsal.
    forced_dry_run: bool,
}

/// One line per metric sample, as structured logs (Application Insights picks up the
/// function's logs; a log-based metric or alert rule can read `aiir_metric`).
fn metric_logs(samples: &[Sample], kind: &str) -> Vec<String> {
    samples
        .iter()
        .map(|s| json!({ "aiir_metric": s.name, "value": s.value, "unit": s.unit, "cloud": "azure", "kind": kind }).to_string())
        .collect()
}

impl Handler {
    pub fn new(responder: Responder, scanner: ModelIoScanner, forced_dry_run: bool) -> Self {
        Self {
            responder,
            scanner,
            forced_dry_run,
        }
    }

    pub fn responder(&self) -> &Responder {
        &self.responder
    }

    /// Parse, decide, act on one raw payload (alert, Event Grid event, log batch, operator
    /// event). Returns the report and the metric lines to log.
    pub async fn handle_logged(
        &self,
        payload: &[u8],
        dry_run: bool,
    ) -> (Result<Report, HandlerError>, Vec<String>) {
        let dry_run = dry_run || self.forced_dry_run;
        let mut logs = Vec::new();
        let intake = match parse_azure(payload) {
            Ok(intake) => intake,
            Err(e) => {
                error!(error = %e, bytes = payload.len(), "alert rejected; nothing changed");
                logs.extend(metric_logs(&[rejected_sample()], "unknown"));
                return (Err(e.into()), logs);
            }
        };
        let request = match intake {
            Intake::Alerts(alerts) => Request::Alerts(alerts),
            Intake::Operator(event) => Request::Operator(event),
            Intake::ModelIo(batch) => {
                let alerts = (self.scanner)(&batch);
                info!(records = batch.records.len(), findings = alerts.len(), source = %batch.source_id, "model I/O scanned");
                logs.extend(metric_logs(&[findings_sample(alerts.len())], "model-io"));
                Request::Alerts(alerts)
            }
        };
        match self.responder.handle(request, dry_run).await {
            Ok(report) => {
                for incident in &report.incidents {
                    logs.extend(metric_logs(
                        &incident_samples(incident),
                        incident.incident.kind.as_str(),
                    ));
                }
                (Ok(report), logs)
            }
            Err(e) => (Err(e.into()), logs),
        }
    }

    pub async fn handle(&self, payload: &[u8], dry_run: bool) -> Result<Report, HandlerError> {
        self.handle_logged(payload, dry_run).await.0
    }

    /// One custom-handler invocation of function `function` (the URL path the host called).
    ///
    /// HTTP triggers answer through the `res` output: 200 with the report, 400 for rejected
    /// input (nothing changed), 503 for retryable failures. Other triggers return `Err` for a
    /// retryable failure so the host retries (Event Grid, queues); rejected input is logged and
    /// acknowledged (a poison message must not be retried forever).
    pub async fn invoke(
        &self,
        function: &str,
        inv: &Invocation,
        dry_run: bool,
    ) -> Result<InvocationResponse, HandlerError> {
        let mut response = InvocationResponse::default();
        let delivery = envelope::delivery(inv).map_err(HandlerError::Envelope)?;
        match delivery {
            Delivery::Http { method, body } => {
                // `GET` on the alert webhook is a liveness probe; nothing to parse.
                let (status, body) = if method == "GET" {
                    (200, json!({ "function": function, "status": "ready" }))
                } else {
                    let (result, logs) = self.handle_logged(&body, dry_run).await;
                    response.logs.extend(logs);
                    match result {
                        Ok(report) => (200, serde_json::to_value(&report).unwrap_or(Value::Null)),
                        Err(e) if e.is_retryable() => {
                            (503, json!({ "error": e.to_string(), "retryable": true }))
                        }
                        Err(e) => (400, json!({ "error": e.to_string(), "retryable": false })),
                    }
                };
                response
                    .outputs
                    .insert("res".into(), envelope::http_response(status, &body));
            }
            Delivery::Events(payloads) => {
                let mut reports = Vec::new();
                for payload in payloads {
                    let (result, logs) = self.handle_logged(&payload, dry_run).await;
                    response.logs.extend(logs);
                    match result {
                        Ok(report) => {
                            reports.push(serde_json::to_value(&report).unwrap_or(Value::Null))
                        }
                        Err(e) if e.is_retryable() => return Err(e),
                        Err(e) => {
                            response
                                .logs
                                .push(format!("rejected; nothing changed: {e}"));
                            reports.push(json!({ "error": e.to_string() }));
                        }
                    }
                }
                response.return_value = Value::Array(reports);
            }
        }
        Ok(response)
    }

    /// `invoke --event FILE`: a raw payload or a full invocation envelope.
    pub async fn invoke_file(&self, bytes: &[u8], dry_run: bool) -> Result<Value, HandlerError> {
        let as_json: Option<Value> = serde_json::from_slice(bytes).ok();
        if let Some(v) = as_json.filter(envelope::is_envelope) {
            let inv: Invocation =
                serde_json::from_value(v).map_err(|e| HandlerError::Envelope(e.to_string()))?;
            let function = inv
                .metadata
                .pointer("/sys/MethodName")
                .and_then(Value::as_str)
                .unwrap_or("invoke")
                .to_string();
            let response = self.invoke(&function, &inv, dry_run).await?;
            return Ok(serde_json::to_value(&response).unwrap_or(Value::Null));
        }
        let report = self.handle(bytes, dry_run).await?;
        Ok(serde_json::to_value(&report).unwrap_or(Value::Null))
    }
}
