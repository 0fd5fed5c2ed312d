//! The Lambda handler: bytes in, report out. Plain async code that tests call directly.
use aiir_core::detect::prompt::logline::LogLineScanner;
use aiir_core::intake::aws::{decode, parse_value, s3_object};
use aiir_core::intake::{Intake, IntakeError};
use aiir_core::metrics::{findings_sample, incident_samples, rejected_sample};
use aiir_core::model::Incident;
use aiir_core::modelio::scan_batch;
use aiir_core::pipeline::{PipelineError, Report, Request, Responder};
use aiir_core::plan::{classify, plan, PlannedStep};
use serde_json::{json, Value};
use tracing::{error, info};

use crate::capture::{CaptureError, DriftCapture, DriftCheck};
use crate::emf;

/// Lambda's synchronous invocation limit; larger payloads are refused before parsing.
pub const MAX_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Malformed, oversized or unknown input: nothing was changed; retrying will not help.
    #[error("rejected input: {0}")]
    Rejected(#[from] IntakeError),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// A data-capture object could not be checked: nothing was acted on.
    #[error("data capture: {0}")]
    Capture(#[from] CaptureError),
}

impl HandlerError {
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Rejected(_) => false,
            Self::Pipeline(e) => e.is_retryable(),
            Self::Capture(e) => e.is_retryable(),
        }
    }
}

/// The responder's report, plus the data-capture objects checked (with or without drift).
#[derive(Debug, Default, serde::Serialize)]
pub struct HandlerReport {
    #[serde(flatten)]
    pub report: Report,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub drift_checks: Vec<DriftCheck>,
}

/// An incident and the steps the playbook would take (`--plan-only`).
#[derive(Debug, serde::Serialize)]
pub struct PlannedIncident {
    pub incident: Incident,
    pub steps: Vec<PlannedStep>,
}

pub struct Handler {
    responder: Responder,
    /// Prompt and output detectors for model I/O log lines, loaded once per cold start.
    scanner: LogLineScanner,
    /// `AIIR_DRY_RUN`: every invocation is a rehearsal.
    forced_dry_run: bool,
    /// EMF lines go to stdout in Lambda (where CloudWatch picks them up), to stderr when a
    /// person runs `invoke` and stdout carries the report.
    metrics_to_stdout: bool,
    /// SageMaker data-capture drift check (S3 object events); `None` rejects them.
    capture: Option<DriftCapture>,
}

impl Handler {
    pub fn new(responder: Responder, scanner: LogLineScanner, forced_dry_run: bool) -> Self {
        Self {
            responder,
            scanner,
            forced_dry_run,
            metrics_to_stdout: true,
            capture: None,
        }
    }

    /// Check data-capture objects reported by S3 event notifications / EventBridge.
    pub fn with_drift_capture(mut self, capture: DriftCapture) -> Self {
        self.capture = Some(capture);
        self
    }

    pub fn with_metrics_on_stderr(mut self) -> Self {
        self.metrics_to_stdout = false;
        self
    }

    fn emit(&self, line: String) {
        if self.metrics_to_stdout {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    }

    pub fn responder(&self) -> &Responder {
        &self.responder
    }

    /// Parse, decide, act. `dry_run` comes from the caller (`invoke --dry-run`).
    pub async fn handle(
        &self,
        payload: &[u8],
        dry_run: bool,
    ) -> Result<HandlerReport, HandlerError> {
        let dry_run = dry_run || self.forced_dry_run;
        let mut drift_checks = Vec::new();
        let request = match self.parse(payload) {
            Err(e) => {
                error!(error = %e, bytes = payload.len(), "alert rejected; nothing changed");
                self.emit(emf::line(&[rejected_sample()], "unknown", now_ms()));
                return Err(e.into());
            }
            Ok(Parsed::Objects(objects)) => {
                // Boxed: the S3 reads make this future deep (the bin hit the recursion limit).
                let (alerts, checks) = Box::pin(self.check_capture(&objects)).await?;
                drift_checks = checks;
                Request::Alerts(alerts)
            }
            Ok(Parsed::Intake(Intake::Alerts(alerts))) => Request::Alerts(alerts),
            Ok(Parsed::Intake(Intake::Operator(event))) => Request::Operator(event),
            Ok(Parsed::Intake(Intake::ModelIo(batch))) => {
                let alerts = scan_batch(&self.scanner, &batch);
                info!(records = batch.records.len(), findings = alerts.len(), log_group = %batch.source_id, "model I/O scanned");
                self.emit(emf::line(
                    &[findings_sample(alerts.len())],
                    "model-io",
                    now_ms(),
                ));
                Request::Alerts(alerts)
            }
        };
        let report = self.responder.handle(request, dry_run).await?;
        for incident in &report.incidents {
            self.emit(emf::line(
                &incident_samples(incident),
                incident.incident.kind.as_str(),
                now_ms(),
            ));
        }
        Ok(HandlerReport {
            report,
            drift_checks,
        })
    }

    /// S3 object events are told apart first; everything else is an alert payload.
    fn parse(&self, payload: &[u8]) -> Result<Parsed, IntakeError> {
        let value = decode(payload)?;
        match s3_object::parse(&value) {
            Some(objects) => Ok(Parsed::Objects(objects?)),
            None => Ok(Parsed::Intake(parse_value(&value, chrono::Utc::now())?)),
        }
    }

    async fn check_capture(
        &self,
        objects: &[s3_object::CreatedObject],
    ) -> Result<(Vec<aiir_core::model::Alert>, Vec<DriftCheck>), HandlerError> {
        let result = match &self.capture {
            Some(capture) => capture.check_all(objects).await,
            None => Err(CaptureError::NotConfigured),
        };
        match result {
            Ok((alerts, checks)) => {
                self.emit(emf::line(
                    &[findings_sample(alerts.len())],
                    "data-capture",
                    now_ms(),
                ));
                Ok((alerts, checks))
            }
            Err(e) => {
                error!(error = %e, objects = %s3_object::describe(objects), retryable = e.is_retryable(), "data-capture object not checked; nothing changed");
                if !e.is_retryable() {
                    self.emit(emf::line(&[rejected_sample()], "data-capture", now_ms()));
                }
                Err(e.into())
            }
        }
    }

    /// Parse and plan without touching anything (no state, no cloud call): what the playbook
    /// would do with this payload. `invoke --plan-only` and the cold-start benchmark use it.
    pub fn plan(&self, payload: &[u8]) -> Result<Vec<PlannedIncident>, HandlerError> {
        let now = chrono::Utc::now();
        let alerts = match self.parse(payload)? {
            Parsed::Objects(_) => return Err(CaptureError::NeedsRead.into()),
            Parsed::Intake(Intake::Alerts(alerts)) => alerts,
            Parsed::Intake(Intake::Operator(event)) => event.alerts(now),
            Parsed::Intake(Intake::ModelIo(batch)) => scan_batch(&self.scanner, &batch),
        };
        let playbook = self.responder.playbook();
        Ok(alerts
            .into_iter()
            .map(|alert| {
                let (kind, severity) = classify(&alert, playbook);
                let incident = Incident::new(alert, kind, severity, now);
                let steps = plan(&incident, playbook, true);
                PlannedIncident { incident, steps }
            })
            .collect())
    }

    /// The Lambda-facing entry: JSON in, JSON out.
    pub async fn handle_json(&self, event: Value) -> Result<Value, HandlerError> {
        let bytes = serde_json::to_vec(&event).unwrap_or_default();
        let report = self.handle(&bytes, false).await?;
        Ok(json!(report))
    }
}

enum Parsed {
    Intake(Intake),
    Objects(Vec<s3_object::CreatedObject>),
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
