//! Shared test setup: the storage emulator's address (required), unique names.
#![allow(dead_code)]
use std::sync::atomic::{AtomicU32, Ordering};

use aiir_gcp::{Auth, Endpoints, GcpClients};

/// Address of the Cloud Storage emulator (`make test-gcp` starts it and sets this).
pub const ENDPOINT_ENV: &str = "AIIR_TEST_GCS_ENDPOINT";

/// The emulator endpoint; panics with instructions when it is not running, so emulator tests
/// fail rather than silently pass.
pub fn gcs_endpoint() -> String {
    let endpoint = std::env::var(ENDPOINT_ENV).unwrap_or_default();
    assert!(
        !endpoint.trim().is_empty(),
        "{ENDPOINT_ENV} is not set: these tests need the Cloud Storage emulator. Run `make test-gcp` \
         (it installs gcp-storage-emulator into .tools/venv-gcs, starts it with \
         tests/emulators/gcs/launcher.py on 127.0.0.1 and sets {ENDPOINT_ENV})."
    );
    let health = std::process::Command::new("curl")
        .args(["-sf", "-o", "/dev/null", "--max-time", "3", &endpoint])
        .status();
    if let Ok(status) = health {
        assert!(
            status.success(),
            "the Cloud Storage emulator at {endpoint} does not answer"
        );
    }
    endpoint.trim_end_matches('/').to_string()
}

/// A name unique to this test process and call (buckets are shared by all tests).
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

pub async fn clients(rest: Option<&str>) -> GcpClients {
    let storage = gcs_endpoint();
    let endpoints = match rest {
        Some(rest) => Endpoints::all_at(&storage, rest),
        None => Endpoints {
            storage: storage.clone(),
            ..Endpoints::all_at(&storage, "http://127.0.0.1:9")
        },
    };
    GcpClients::new(endpoints, Auth::Anonymous, Some("aiir-test".into()))
        .await
        .expect("clients")
}

pub async fn bucket(clients: &GcpClients, prefix: &str) -> String {
    let name = unique(prefix);
    aiir_gcp::gcs::Gcs::new(clients)
        .create_bucket("aiir-test", &serde_json::json!({ "name": name }))
        .await
        .expect("create bucket");
    name
}

use aiir_core::action::ActionSpec;
use aiir_core::audit::{StepRecord, StepStatus};
use aiir_core::model::{
    Alert, AlertSource, AlertStatus, Incident, IncidentKind, ResourceKind, ResourceRef, Severity,
};
use aiir_core::playbook::Mode;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest, Remediator};

pub fn incident(kind: IncidentKind, labels: &[(&str, &str)]) -> Incident {
    let now = chrono::Utc::now();
    let alert = Alert {
        source: AlertSource::Operator,
        source_id: unique("test"),
        occurrence: "1".into(),
        status: AlertStatus::Firing,
        title: "test incident".into(),
        description: None,
        occurred_at: now,
        account: None,
        region: None,
        kind: Some(kind),
        severity: Some(Severity::High),
        resources: Vec::new(),
        evidence: Vec::new(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    Incident::new(alert, kind, Severity::High, now)
}

pub async fn apply(
    r: &dyn Remediator,
    incident: &Incident,
    action: &ActionSpec,
    target: &ResourceRef,
    mode: Mode,
) -> Result<ActionOutcome, ActionError> {
    let summary = vec!["earlier step".to_string()];
    r.apply(&ActionRequest {
        incident,
        step_id: "step-1",
        action,
        target,
        mode,
        summary: &summary,
    })
    .await
}

/// The step record an enforced apply leaves (what undo receives).
pub fn record(
    incident: &Incident,
    action: &ActionSpec,
    target: &ResourceRef,
    outcome: &ActionOutcome,
) -> StepRecord {
    let now = chrono::Utc::now();
    StepRecord {
        incident_id: incident.id.clone(),
        step_id: "step-1".into(),
        rule: "test".into(),
        action: action.clone(),
        target: target.clone(),
        mode: Mode::Enforce,
        status: StepStatus::Applied,
        prior_state: outcome.prior_state.clone(),
        new_state: outcome.new_state.clone(),
        details: outcome.details.clone(),
        error: None,
        attempts: 1,
        started_at: now,
        finished_at: now,
    }
}

pub fn target(kind: ResourceKind, id: &str) -> ResourceRef {
    ResourceRef::new(kind, id)
}
