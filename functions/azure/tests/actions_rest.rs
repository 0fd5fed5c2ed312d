//! enforce-encryption, disable-endpoint, rollback-model and block-prompt against a local server
//! that answers with the official examples of the Azure REST API specifications
//! (`tests/fixtures/rest`, sources in `tests/fixtures/rest/SOURCES.md`). No emulator exists for
//! these services. Each test drives the remediator directly (dry-run, enforce, repeat, undo,
//! repeated undo) and asserts the requests aiir sends: method, path, api-version, body.
use std::path::PathBuf;
use std::time::Duration;

use aiir_azure::actions::WaitPolicy;
use aiir_azure::remediator::AzureRemediator;
use aiir_azure::testing::{FixtureServer, JwtShapedCredential, Recorded, Route};
use aiir_azure::{AzureClients, Endpoints};
use aiir_core::action::ActionSpec;
use aiir_core::audit::{StepRecord, StepStatus};
use aiir_core::playbook::Mode;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest, Remediator};
use aiir_core::{Alert, Incident, IncidentKind, ResourceKind, ResourceRef, Severity};
use serde_json::{json, Value};

/// One official example (the JSON file as saved).
fn example(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rest")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn response(name: &str, status: &str) -> Value {
    example(name)
        .pointer(&format!("/responses/{status}/body"))
        .cloned()
        .unwrap_or_else(|| panic!("{name} has no {status} response"))
}

fn remediator(rest: &FixtureServer) -> AzureRemediator {
    let endpoints = Endpoints {
        arm: Some(rest.base.clone()),
        content_safety: Some(rest.base.clone()),
        ..Default::default()
    };
    let http = aiir_azure::clients::http_client(None).unwrap();
    AzureRemediator::new(AzureClients::new(
        JwtShapedCredential::arc(),
        http,
        endpoints,
    ))
    .with_wait(WaitPolicy {
        poll: Duration::from_millis(10),
        timeout: Duration::from_secs(2),
    })
}

fn incident(kind: IncidentKind, target: &ResourceRef) -> Incident {
    let alert: Alert = serde_json::from_value(json!({
        "source": "azure-monitor",
        "source_id": "test-alert",
        "occurrence": "1",
        "status": "firing",
        "title": "test",
        "occurred_at": "2026-01-01T00:00:00Z",
        "resources": [target],
    }))
    .unwrap();
    Incident::new(alert, kind, Severity::High, chrono::Utc::now())
}

struct Step {
    incident: Incident,
    action: ActionSpec,
    target: ResourceRef,
}

impl Step {
    fn new(kind: IncidentKind, action: ActionSpec, target: ResourceRef) -> Self {
        Self {
            incident: incident(kind, &target),
            action,
            target,
        }
    }

    async fn apply(&self, r: &AzureRemediator, mode: Mode) -> Result<ActionOutcome, ActionError> {
        r.apply(&ActionRequest {
            incident: &self.incident,
            step_id: "step-1",
            action: &self.action,
            target: &self.target,
            mode,
            summary: &[],
        })
        .await
    }

    fn record(&self, outcome: &ActionOutcome) -> StepRecord {
        let now = chrono::Utc::now();
        StepRecord {
            incident_id: self.incident.id.clone(),
            step_id: "step-1".into(),
            rule: "test".into(),
            action: self.action.clone(),
            target: self.target.clone(),
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
}

fn calls(rest: &FixtureServer) -> Vec<(String, String)> {
    rest.requests()
        .into_iter()
        .map(|r| (r.method, r.path))
        .collect()
}

fn call(m: &str, p: &str) -> (String, String) {
    (m.to_string(), p.to_string())
}

fn writes(rest: &FixtureServer) -> Vec<Recorded> {
    rest.writes()
}

// ---------------------------------------------------------------- enforce-encryption

const ACCOUNT_ID: &str = "/subscriptions/00000000-0000-0000-0000-0000000000a1/resourceGroups/ai-prod/providers/Microsoft.Storage/storageAccounts/aiirtraindata";
const KEY: &str = "https://myvault8569.vault.azure.net/keys/wrappingKey";

/// The account before (`StorageAccountGetProperties`: Microsoft-managed keys, with the
/// system-assigned identity of `StorageAccountEnableCMK` added when `identity`), after
/// (`StorageAccountEnableCMK`'s response) and after undo (before again).
fn encryption_routes(identity: bool) -> Vec<Route> {
    let mut before = response("StorageAccountGetProperties.json", "200");
    before["id"] = json!(ACCOUNT_ID);
    let cmk = response("StorageAccountEnableCMK.json", "200");
    if identity {
        before["identity"] = cmk["identity"].clone();
    }
    let mut after = cmk.clone();
    after["id"] = json!(ACCOUNT_ID);
    vec![
        Route::new(
            "GET",
            ACCOUNT_ID,
            vec![
                (200, before.clone()), // apply: read
                (200, after.clone()),  // apply: read back
                (200, after.clone()),  // repeat apply
                (200, after.clone()),  // undo: read
                (200, before.clone()), // undo: read back
                (200, before),         // repeat undo
            ],
        ),
        Route::new("PATCH", ACCOUNT_ID, vec![(200, after)]),
    ]
}

fn encryption_step() -> Step {
    Step::new(
        IncidentKind::Exposure,
        ActionSpec::EnforceEncryption {
            kms_key: KEY.into(),
            bucket: None,
        },
        ResourceRef::new(ResourceKind::Bucket, ACCOUNT_ID),
    )
}

#[tokio::test]
async fn enforce_encryption_sets_the_customer_managed_key_and_undoes() {
    let step = encryption_step();

    // Dry-run: one read, nothing written, the exact change described.
    let dry_rest = FixtureServer::start(encryption_routes(true)).await.unwrap();
    let dry = step
        .apply(&remediator(&dry_rest), Mode::DryRun)
        .await
        .unwrap();
    assert!(dry.changed);
    assert_eq!(calls(&dry_rest), [call("GET", ACCOUNT_ID)]);
    assert!(
        dry.details[0].starts_with("would set encryption")
            && dry.details[0].contains("wrappingKey"),
        "{:?}",
        dry.details
    );

    let rest = FixtureServer::start(encryption_routes(true)).await.unwrap();
    let r = remediator(&rest);
    let applied = step.apply(&r, Mode::Enforce).await.unwrap();
    assert!(applied.changed, "{applied:?}");
    assert_eq!(
        calls(&rest),
        [
            call("GET", ACCOUNT_ID),
            call("PATCH", ACCOUNT_ID),
            call("GET", ACCOUNT_ID)
        ]
    );
    for req in rest.requests() {
        assert_eq!(req.api_version().as_deref(), Some("2023-05-01"));
    }
    // The PATCH body is the official example's request body.
    let published = &example("StorageAccountEnableCMK.json")["parameters"]["parameters"];
    assert_eq!(writes(&rest)[0].body, *published);
    assert_eq!(
        applied.prior_state,
        json!({ "account_id": ACCOUNT_ID, "key_source": "Microsoft.Storage", "key": null })
    );
    assert_eq!(applied.new_state["key_source"], "Microsoft.Keyvault");

    // Idempotent: a second apply reads, finds the key in place and writes nothing.
    let again = step.apply(&r, Mode::Enforce).await.unwrap();
    assert!(!again.changed, "{again:?}");
    assert_eq!(writes(&rest).len(), 1);

    // Undo: back to Microsoft-managed keys, services as they were.
    let record = step.record(&applied);
    let undone = r.undo(&record).await.unwrap();
    assert!(undone.changed);
    let w = writes(&rest);
    assert_eq!(w.len(), 2);
    assert_eq!(
        w[1].body,
        json!({ "properties": { "encryption": {
            "services": published["properties"]["encryption"]["services"],
            "keySource": "Microsoft.Storage" } } })
    );
    // Repeated undo changes nothing.
    let again = r.undo(&record).await.unwrap();
    assert!(!again.changed);
    assert_eq!(writes(&rest).len(), 2);
}

#[tokio::test]
async fn enforce_encryption_without_an_identity_writes_nothing() {
    let rest = FixtureServer::start(encryption_routes(false))
        .await
        .unwrap();
    let err = encryption_step()
        .apply(&remediator(&rest), Mode::Enforce)
        .await
        .unwrap_err();
    assert!(matches!(err, ActionError::Invalid(_)), "{err}");
    assert!(err.to_string().contains("managed identity"), "{err}");
    assert!(writes(&rest).is_empty());
}
