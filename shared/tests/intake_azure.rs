//! Azure alert intake: every fixture payload parses to the expected alert(s) or to a clear
//! error, redeliveries keep their fingerprint, and no input (truncated, mutated, ill-typed,
//! deeply nested, huge) panics.
//!
//! Fixtures live in `tests/fixtures/azure` (see `tests/fixtures/azure/SOURCES.md` for origins).
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use aiir_core::intake::azure::resource_id::kind_of;
use aiir_core::intake::{parse_azure, parse_azure_at, Intake, IntakeError, MAX_PAYLOAD_BYTES};
use aiir_core::model::{
    fingerprint, Alert, AlertSource, AlertStatus, IncidentKind, ResourceKind, Severity,
};
use aiir_core::operator::OperatorEvent;
use aiir_core::plan::classify;
use aiir_core::playbook::{Playbook, DEFAULT_PLAYBOOK};
use chrono::{DateTime, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

const SUB: &str = "00000000-0000-0000-0000-0000000000a1";
const EP: &str = "/subscriptions/00000000-0000-0000-0000-0000000000a1/resourceGroups/ai-prod/providers/Microsoft.MachineLearningServices/workspaces/mlws/onlineEndpoints/fraud-scorer";
const SA: &str = "/subscriptions/00000000-0000-0000-0000-0000000000a1/resourceGroups/ai-prod/providers/Microsoft.Storage/storageAccounts/aiirtraindata";

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/azure")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn all_fixtures() -> Vec<(String, Vec<u8>)> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("fixture dir")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let bytes = fixture(&n);
            (n, bytes)
        })
        .collect()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
}

fn parse(name: &str) -> Result<Intake, IntakeError> {
    parse_azure_at(&fixture(name), now())
}

fn alerts(name: &str) -> Vec<Alert> {
    match parse(name) {
        Ok(Intake::Alerts(a)) => a,
        other => panic!("{name}: expected alerts, got {other:?}"),
    }
}

fn one(name: &str) -> Alert {
    let mut a = alerts(name);
    assert_eq!(a.len(), 1, "{name}: one alert");
    a.remove(0)
}

fn err(payload: &[u8]) -> IntakeError {
    match parse_azure_at(payload, now()) {
        Err(e) => e,
        Ok(other) => panic!("expected an error, got {other:?}"),
    }
}

fn label<'a>(a: &'a Alert, key: &str) -> Option<&'a str> {
    a.labels.get(key).map(String::as_str)
}

fn has(a: &Alert, kind: ResourceKind, id: &str) -> bool {
    a.resources
        .iter()
        .any(|r| r.kind == kind && r.id.eq_ignore_ascii_case(id))
}

fn playbook() -> Playbook {
    Playbook::load(DEFAULT_PLAYBOOK, &|_| Some("x".to_string())).expect("default playbook")
}

fn fp(a: &Alert) -> String {
    fingerprint(a.source, &a.source_id, &a.occurrence)
}

/// Envelope fixtures are the Functions host's wrapping, unwrapped by `aiir-azure`.
fn is_envelope(name: &str) -> bool {
    name.contains("functions-")
}

// ---------------------------------------------------------------- common alert schema

#[test]
fn metric_alert_static_threshold_sample() {
    let a = one("monitor-common-alert-schema-metric-alert-static-threshold-test-action.json");
    assert_eq!(a.source, AlertSource::AzureMonitor);
    assert_eq!(a.status, AlertStatus::Firing);
    assert_eq!(a.title, "test-metricAlertRule");
    assert_eq!(a.description.as_deref(), Some("Alertruledescription"));
    assert_eq!(a.severity, Some(Severity::Low), "Sev4");
    assert_eq!(a.kind, None);
    assert_eq!(
        a.source_id,
        "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/providers/Microsoft.AlertsManagement/alerts/eeeeeeee-4444-5555-6666-ffffffffffff"
    );
    assert_eq!(a.occurrence, "Fired@2025-04-15T18:17:12.851Z");
    assert_eq!(
        a.occurred_at,
        Utc.with_ymd_and_hms(2025, 4, 15, 18, 17, 12).unwrap()
            + chrono::Duration::milliseconds(851)
    );
    assert_eq!(
        a.account.as_deref(),
        Some("aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e")
    );
    assert!(has(
        &a,
        ResourceKind::Bucket,
        "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourcegroups/test-RG/providers/microsoft.storage/storageaccounts/test-storageAccount"
    ));
    assert_eq!(label(&a, "metric_name"), Some("Transactions"));
    assert_eq!(
        label(&a, "metric_namespace"),
        Some("Microsoft.Storage/storageAccounts")
    );
    assert_eq!(
        label(&a, "condition_type"),
        Some("SingleResourceMultipleMetricCriteria")
    );
    assert_eq!(label(&a, "dimension.ApiName"), Some("GetBlob"));
    assert_eq!(label(&a, "custom.customKey1"), Some("value1"));
    assert_eq!(label(&a, "severity"), Some("Sev4"));
    assert_eq!(a.evidence.len(), 1);
    assert!(
        a.evidence[0]
            .summary
            .contains("Transactions Total GreaterThan 0: value 100"),
        "{}",
        a.evidence[0].summary
    );
}

#[test]
fn metric_alert_dynamic_threshold_with_aiir_kind() {
    let a = one("constructed-metric-alert-dynamic-threshold-storage-egress.json");
    assert_eq!(a.status, AlertStatus::Firing);
    assert_eq!(
        a.kind,
        Some(IncidentKind::DataLeakage),
        "custom property aiir:kind"
    );
    assert_eq!(a.severity, Some(Severity::High), "Sev1");
    assert_eq!(
        label(&a, "condition_type"),
        Some("DynamicThresholdCriteria")
    );
    assert!(
        a.evidence[0]
            .summary
            .contains("dynamic threshold, High sensitivity"),
        "{}",
        a.evidence[0].summary
    );
    assert!(has(&a, ResourceKind::Bucket, SA));
    assert_eq!(a.account.as_deref(), Some(SUB));
}

#[test]
fn resolved_metric_alert_never_remediates() {
    let a = one("constructed-metric-alert-static-resolved-aml-endpoint.json");
    assert_eq!(a.status, AlertStatus::Resolved);
    assert_eq!(a.occurrence, "Resolved@2025-05-02T10:20:03.064Z");
    assert_eq!(a.occurred_at.to_rfc3339(), "2025-05-02T10:20:03.064+00:00");
    assert!(has(&a, ResourceKind::ModelEndpoint, EP));
    // The same alert instance fired earlier: same source id, different fingerprint.
    let mut fired: Value = serde_json::from_slice(&fixture(
        "constructed-metric-alert-static-resolved-aml-endpoint.json",
    ))
    .unwrap();
    fired["data"]["essentials"]["monitorCondition"] = json!("Fired");
    fired["data"]["essentials"]
        .as_object_mut()
        .unwrap()
        .remove("resolvedDateTime");
    let Intake::Alerts(f) = parse_azure_at(fired.to_string().as_bytes(), now()).unwrap() else {
        panic!()
    };
    assert_eq!(f[0].status, AlertStatus::Firing);
    assert_eq!(f[0].source_id, a.source_id);
    assert_ne!(fp(&f[0]), fp(&a));
}

#[test]
fn log_search_alert_v2_sample() {
    let a = one("monitor-common-alert-schema-log-search-alert-v2-test-action.json");
    assert_eq!(a.status, AlertStatus::Firing);
    assert_eq!(label(&a, "monitoring_service"), Some("Log Alerts V2"));
    assert_eq!(label(&a, "condition_type"), Some("LogQueryCriteria"));
    assert_eq!(label(&a, "dimension.Computer"), Some("test-computer"));
    assert_eq!(label(&a, "custom.customKey2"), Some("value2"));
    assert_eq!(a.evidence[0].label, "log-query");
    // Long portal links are not copied into evidence.
    assert!(a.evidence[0].detail.get("linkToSearchResultsUI").is_none());
    assert!(has(
        &a,
        ResourceKind::Other,
        "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourcegroups/test-RG/providers/microsoft.operationalinsights/workspaces/test-logAnalyticsWorkspace"
    ));
}

#[test]
fn log_search_alert_v2_prompt_injection_names_endpoint_caller_and_prompt() {
    let a = one("constructed-log-search-alert-v2-prompt-injection.json");
    assert_eq!(a.kind, Some(IncidentKind::PromptAttack));
    assert_eq!(
        a.severity,
        Some(Severity::High),
        "aiir:severity overrides Sev1 (also high)"
    );
    assert!(
        has(&a, ResourceKind::ModelEndpoint, EP),
        "_ResourceId dimension"
    );
    assert!(has(&a, ResourceKind::Caller, "198.51.100.23"));
    assert!(has(&a, ResourceKind::Prompt, "sha256:5f1c0e2a9b7d"));
    let (kind, severity) = classify(&a, &playbook());
    assert_eq!(
        (kind, severity),
        (IncidentKind::PromptAttack, Severity::High)
    );
}

#[test]
fn log_search_alert_v1_application_insights() {
    let a = one("constructed-log-search-alert-v1-application-insights.json");
    assert_eq!(a.severity, Some(Severity::Low), "Sev3");
    assert!(has(&a, ResourceKind::Caller, "203.0.113.7"));
    assert_eq!(a.evidence[0].label, "log-query");
    assert!(
        a.evidence[0]
            .summary
            .starts_with("2 results Greater Than 10"),
        "{}",
        a.evidence[0].summary
    );
    assert_eq!(
        label(&a, "monitoring_service"),
        Some("Application Insights")
    );
}

#[test]
fn activity_log_administrative() {
    let a = one("constructed-activity-log-administrative-storage-write.json");
    assert_eq!(a.kind, Some(IncidentKind::Exposure));
    assert_eq!(
        label(&a, "operation_name"),
        Some("Microsoft.Storage/storageAccounts/write")
    );
    assert_eq!(label(&a, "caller"), Some("mallory@contoso.example"));
    assert_eq!(label(&a, "event_source"), Some("Administrative"));
    assert!(has(&a, ResourceKind::Bucket, SA));
    assert_eq!(
        a.resources.len(),
        1,
        "target and scope are the same resource"
    );
    assert_eq!(a.evidence[0].label, "activity-log");
}

#[test]
fn service_health_active_maintenance_and_resolved() {
    let active = one("constructed-service-health-incident-active.json");
    assert_eq!(active.status, AlertStatus::Firing);
    assert_eq!(active.kind, Some(IncidentKind::Availability));
    assert_eq!(label(&active, "tracking_id"), Some("ABCD-123"));
    assert!(
        active.title.contains("degraded inference"),
        "{}",
        active.title
    );
    // Numeric `channels`, `eventSource`, `level` as Azure publishes them for Service Health.
    assert_eq!(label(&active, "event_source"), Some("2"));
    let maintenance = one("constructed-service-health-maintenance-planned.json");
    assert_eq!(maintenance.status, AlertStatus::Informational);
    let resolved = one("constructed-service-health-incident-resolved.json");
    assert_eq!(resolved.status, AlertStatus::Resolved);
}

#[test]
fn resource_health_unavailable_and_available() {
    let down = one("constructed-resource-health-unavailable.json");
    assert_eq!(down.status, AlertStatus::Firing);
    assert_eq!(down.kind, Some(IncidentKind::Availability));
    assert_eq!(label(&down, "health_status"), Some("Unavailable"));
    assert!(has(&down, ResourceKind::ModelEndpoint, EP));
    assert_eq!(
        classify(&down, &playbook()),
        (IncidentKind::Availability, Severity::High)
    );
    let up = one("constructed-resource-health-available.json");
    assert_eq!(up.status, AlertStatus::Resolved);
}

#[test]
fn common_schema_errors_are_clear() {
    let base: Value = serde_json::from_slice(&fixture(
        "monitor-common-alert-schema-metric-alert-static-threshold-test-action.json",
    ))
    .unwrap();
    let mutate = |f: &dyn Fn(&mut Value)| {
        let mut v = base.clone();
        f(&mut v);
        err(v.to_string().as_bytes())
    };
    match mutate(&|v| v["schemaId"] = json!("Microsoft.Insights/activityLogs")) {
        IntakeError::InvalidValue { path, reason, .. } => {
            assert_eq!(path, "$.schemaId");
            assert!(reason.contains("common alert schema"));
        }
        other => panic!("{other:?}"),
    }
    match mutate(&|v| v["data"]["essentials"]["monitorCondition"] = json!("Flapping")) {
        IntakeError::InvalidValue { path, .. } => {
            assert_eq!(path, "$.data.essentials.monitorCondition")
        }
        other => panic!("{other:?}"),
    }
    match mutate(&|v| v["data"]["essentials"]["severity"] = json!("Sev9")) {
        IntakeError::InvalidValue { path, .. } => assert_eq!(path, "$.data.essentials.severity"),
        other => panic!("{other:?}"),
    }
    match mutate(&|v| {
        v["data"]["essentials"]
            .as_object_mut()
            .unwrap()
            .remove("alertId");
    }) {
        IntakeError::Missing { path } => assert_eq!(path, "$.data.essentials.alertId"),
        other => panic!("{other:?}"),
    }
    match mutate(&|v| v["data"]["essentials"]["firedDateTime"] = json!("yesterday")) {
        IntakeError::InvalidValue { path, .. } => {
            assert_eq!(path, "$.data.essentials.firedDateTime")
        }
        other => panic!("{other:?}"),
    }
    match mutate(&|v| v["data"]["essentials"]["alertTargetIDs"] = json!([42])) {
        IntakeError::WrongType { path, .. } => {
            assert_eq!(path, "$.data.essentials.alertTargetIDs[0]")
        }
        other => panic!("{other:?}"),
    }
    match mutate(&|v| v["data"]["customProperties"]["aiir:kind"] = json!("alien-invasion")) {
        IntakeError::InvalidValue { path, .. } => {
            assert!(path.ends_with("[\"aiir:kind\"]"), "{path}")
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------- Event Grid

#[test]
fn event_grid_blob_created_sample() {
    let a = one("eventgrid-schema-storage-blob-created.json");
    assert_eq!(a.source, AlertSource::EventGrid);
    assert_eq!(a.status, AlertStatus::Firing);
    assert_eq!(a.occurrence, "602a88ef-0001-00e6-1233-1646070610ea");
    assert_eq!(label(&a, "storage_account"), Some("myaccount"));
    assert_eq!(label(&a, "container"), Some("testcontainer"));
    assert_eq!(label(&a, "blob"), Some("file1.txt"));
    assert_eq!(
        label(&a, "event_type"),
        Some("Microsoft.Storage.BlobCreated")
    );
    assert!(has(
        &a,
        ResourceKind::Object,
        "myaccount/testcontainer/file1.txt"
    ));
    let obj = a
        .resources
        .iter()
        .find(|r| r.kind == ResourceKind::Object)
        .unwrap();
    assert_eq!(
        obj.tags.get("url").map(String::as_str),
        Some("https://myaccount.blob.core.windows.net/testcontainer/file1.txt")
    );
    assert!(has(
        &a,
        ResourceKind::Bucket,
        "/subscriptions/319a9601-1ec0-0000-aebc-8fe82724c81e/resourceGroups/testrg/providers/Microsoft.Storage/storageAccounts/myaccount"
    ));
    assert_eq!(
        a.account.as_deref(),
        Some("319a9601-1ec0-0000-aebc-8fe82724c81e")
    );
}

#[test]
fn cloudevents_blob_created_and_same_event_in_both_schemas() {
    let a = one("constructed-cloudevents-blob-created-training-data.json");
    assert_eq!(a.source, AlertSource::EventGrid);
    assert_eq!(label(&a, "container"), Some("training-data"));
    assert!(has(
        &a,
        ResourceKind::Object,
        "aiirtraindata/training-data/batches/2025-05-02/labels.csv"
    ));
    assert!(has(&a, ResourceKind::Bucket, SA));
    // The same event delivered in the Event Grid schema has the same fingerprint.
    let ce: Value = serde_json::from_slice(&fixture(
        "constructed-cloudevents-blob-created-training-data.json",
    ))
    .unwrap();
    let eg = json!([{ "topic": ce["source"], "subject": ce["subject"], "eventType": ce["type"], "eventTime": ce["time"],
                      "id": ce["id"], "data": ce["data"], "dataVersion": "", "metadataVersion": "1" }]);
    let Intake::Alerts(b) = parse_azure_at(eg.to_string().as_bytes(), now()).unwrap() else {
        panic!()
    };
    assert_eq!(fp(&b[0]), fp(&a));
    // A CloudEvents batch of two: two alerts, distinct fingerprints.
    let mut second = ce.clone();
    second["id"] = json!("another-id");
    let Intake::Alerts(batch) =
        parse_azure_at(json!([ce, second]).to_string().as_bytes(), now()).unwrap()
    else {
        panic!()
    };
    assert_eq!(batch.len(), 2);
    assert_ne!(fp(&batch[0]), fp(&batch[1]));
}

#[test]
fn event_grid_resource_write() {
    let a = one("constructed-eventgrid-resource-write-success.json");
    assert_eq!(a.status, AlertStatus::Firing);
    assert!(has(&a, ResourceKind::Bucket, SA));
    assert_eq!(label(&a, "client_ip"), Some("192.0.2.44"));
    assert_eq!(label(&a, "caller"), Some("Mallory"));
    assert_eq!(
        label(&a, "operation_name"),
        Some("Microsoft.Storage/storageAccounts/write")
    );
    assert!(
        !a.resources.iter().any(|r| r.kind == ResourceKind::Caller),
        "an ARM caller is never a WAF target"
    );
    let mut failed: Value = serde_json::from_slice(&fixture(
        "constructed-eventgrid-resource-write-success.json",
    ))
    .unwrap();
    failed[0]["eventType"] = json!("Microsoft.Resources.ResourceWriteFailure");
    let Intake::Alerts(f) = parse_azure_at(failed.to_string().as_bytes(), now()).unwrap() else {
        panic!()
    };
    assert_eq!(f[0].status, AlertStatus::Informational);
}

#[test]
fn event_grid_dataset_drift() {
    let a = one("constructed-eventgrid-ml-dataset-drift-detected.json");
    assert_eq!(a.kind, Some(IncidentKind::ModelDrift));
    assert_eq!(label(&a, "drift_coefficient"), Some("0.83"));
    assert_eq!(classify(&a, &playbook()).0, IncidentKind::ModelDrift);
}

#[test]
fn event_grid_errors_and_validation() {
    match err(b"[]") {
        IntakeError::Missing { path } => assert!(path.starts_with("$[0]"), "{path}"),
        other => panic!("{other:?}"),
    }
    let sample: Value =
        serde_json::from_slice(&fixture("eventgrid-schema-storage-blob-created.json")).unwrap();
    let mut bad = sample.clone();
    bad[0]["subject"] = json!("/containers/x");
    match err(bad.to_string().as_bytes()) {
        IntakeError::InvalidValue { path, .. } => assert_eq!(path, "$[0].subject"),
        other => panic!("{other:?}"),
    }
    // One bad event rejects the whole batch.
    let mut batch = sample.as_array().unwrap().clone();
    let mut broken = batch[0].clone();
    broken.as_object_mut().unwrap().remove("eventTime");
    batch.push(broken);
    match err(Value::Array(batch).to_string().as_bytes()) {
        IntakeError::Missing { path } => assert_eq!(path, "$[1].eventTime"),
        other => panic!("{other:?}"),
    }
    match err(br#"{"specversion":"0.3","type":"x","source":"s","id":"1"}"#) {
        IntakeError::InvalidValue { path, .. } => assert_eq!(path, "$.specversion"),
        other => panic!("{other:?}"),
    }
    let validation = json!([{ "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66", "topic": "/subscriptions/x", "subject": "",
        "data": { "validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" },
        "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent", "eventTime": "2018-01-25T22:12:19.4556811Z",
        "metadataVersion": "1", "dataVersion": "1" }]);
    let Intake::Alerts(v) = parse_azure_at(validation.to_string().as_bytes(), now()).unwrap()
    else {
        panic!()
    };
    assert_eq!(v[0].status, AlertStatus::Informational);
}

// ---------------------------------------------------------------- diagnostic logs (model I/O)

#[test]
fn diagnostic_logs_model_io() {
    let Intake::ModelIo(batch) =
        parse("constructed-diagnostic-logs-model-io-event-hubs.json").unwrap()
    else {
        panic!("expected model I/O")
    };
    assert_eq!(batch.source, AlertSource::AzureMonitor);
    assert!(batch.source_id.eq_ignore_ascii_case(EP));
    assert_eq!(batch.account.as_deref(), Some(SUB.to_uppercase().as_str()));
    assert_eq!(batch.records.len(), 3);
    assert!(batch.records[0]
        .message
        .contains("Ignore all previous instructions"));
    assert_eq!(
        batch.records[0].labels.get("caller_ip").map(String::as_str),
        Some("198.51.100.23")
    );
    assert_eq!(
        batch.records[0].labels.get("field").map(String::as_str),
        Some("prompt")
    );
    let line: Value = serde_json::from_str(&batch.records[0].message).unwrap();
    assert_eq!(line["caller_ip"], "198.51.100.23");
    assert!(line["endpoint"].as_str().unwrap().eq_ignore_ascii_case(EP));
    // No model I/O field: the properties as they are.
    assert!(batch.records[2].message.contains("ResponseCode"));
    assert!(!batch.records[2].labels.contains_key("field"));
    // Ids are stable across redeliveries and distinct between lines.
    let Intake::ModelIo(again) =
        parse("constructed-diagnostic-logs-model-io-event-hubs.json").unwrap()
    else {
        panic!()
    };
    assert_eq!(again.records[0].id, batch.records[0].id);
    assert_ne!(batch.records[0].id, batch.records[1].id);
    // One record alone (a storage queue message).
    let single = json!({"time": "2025-05-02T20:00:01Z", "resourceId": EP, "category": "x", "properties": {"input": "hi"}});
    let Intake::ModelIo(s) = parse_azure_at(single.to_string().as_bytes(), now()).unwrap() else {
        panic!()
    };
    let line: Value = serde_json::from_str(&s.records[0].message).unwrap();
    assert_eq!(line["input"], "hi");
    match err(br#"{"records":[{"time":"2025-05-02T20:00:01Z","category":"x"}]}"#) {
        IntakeError::Missing { path } => assert_eq!(path, "$.records[0].resourceId"),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------- operator events

#[test]
fn operator_events() {
    match parse("constructed-operator-drill.json").unwrap() {
        Intake::Operator(OperatorEvent::Drill { drill_id, kind, .. }) => {
            assert_eq!(drill_id, "azure-drill-001");
            assert_eq!(kind, IncidentKind::Exposure);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse("constructed-operator-approve.json").unwrap(),
        Intake::Operator(OperatorEvent::Approve { .. })
    ));
    assert!(matches!(
        parse("constructed-operator-undo.json").unwrap(),
        Intake::Operator(OperatorEvent::Undo { .. })
    ));
    for bad in [
        br#"{"aiir": "approve"}"#.as_slice(),
        br#"{"aiir": "launch-missiles"}"#,
    ] {
        assert!(matches!(err(bad), IntakeError::Operator { .. }));
    }
}

// ---------------------------------------------------------------- every fixture, and garbage

#[test]
fn every_fixture_parses_or_is_an_envelope() {
    let fixtures = all_fixtures();
    assert!(fixtures.len() >= 20, "fixtures found: {}", fixtures.len());
    for (name, bytes) in fixtures {
        let result = parse_azure_at(&bytes, now());
        if is_envelope(&name) {
            assert!(
                matches!(result, Err(IntakeError::UnknownShape(_))),
                "{name}: {result:?}"
            );
        } else {
            let intake = result.unwrap_or_else(|e| panic!("{name}: {e}"));
            if let Intake::Alerts(alerts) = &intake {
                assert!(!alerts.is_empty(), "{name}");
                for a in alerts {
                    assert!(
                        !a.source_id.is_empty() && !a.occurrence.is_empty(),
                        "{name}"
                    );
                    for r in &a.resources {
                        if r.id.starts_with("/subscriptions/") {
                            assert_eq!(r.kind, kind_of(&r.id), "{name}: {}", r.id);
                        }
                    }
                }
            }
            // A redelivery parses to the same fingerprints.
            if let (Intake::Alerts(a), Ok(Intake::Alerts(b))) =
                (&intake, parse_azure_at(&bytes, now()))
            {
                assert_eq!(
                    a.iter().map(fp).collect::<Vec<_>>(),
                    b.iter().map(fp).collect::<Vec<_>>(),
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn unknown_and_garbage_payloads_are_clear_errors() {
    assert!(matches!(err(b""), IntakeError::Empty));
    assert!(matches!(err(b" \n\t"), IntakeError::Empty));
    assert!(matches!(err(b"{not json"), IntakeError::NotJson { .. }));
    assert!(matches!(err(b"42"), IntakeError::UnknownShape(_)));
    match err(br#"{"hello": "world"}"#) {
        IntakeError::UnknownShape(seen) => {
            assert_eq!(seen.keys, vec!["hello".to_string()]);
            assert!(IntakeError::UnknownShape(seen)
                .to_string()
                .contains("hello"));
        }
        other => panic!("{other:?}"),
    }
    let huge = vec![b' '; MAX_PAYLOAD_BYTES + 1];
    assert!(matches!(
        parse_azure(&huge),
        Err(IntakeError::TooLarge { .. })
    ));
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(parse_azure(deep.as_bytes()).is_err());
    // BOM is accepted.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(fixture("eventgrid-schema-storage-blob-created.json"));
    assert!(parse_azure_at(&bom, now()).is_ok());
}

#[test]
fn truncated_and_mutated_payloads_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x005e_eda2_u64);
    let replacements = [
        json!(null),
        json!(42),
        json!("x"),
        json!([]),
        json!({}),
        json!(true),
        json!(-1.5e308),
        json!("2025-13-45T99:99:99Z"),
    ];
    let mut runs = 0usize;
    for (name, bytes) in all_fixtures() {
        // Every truncation point (bounded count per file).
        let step = (bytes.len() / 200).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let slice = &bytes[..cut];
            let r = catch_unwind(AssertUnwindSafe(|| parse_azure_at(slice, now())));
            assert!(r.is_ok(), "{name}: panic on truncation at {cut}");
            runs += 1;
        }
        // Random byte flips.
        for _ in 0..100 {
            let mut m = bytes.clone();
            for _ in 0..rng.gen_range(1..8) {
                let i = rng.gen_range(0..m.len());
                m[i] = rng.gen();
            }
            assert!(
                catch_unwind(AssertUnwindSafe(|| parse_azure_at(&m, now()))).is_ok(),
                "{name}: panic on byte flips"
            );
            runs += 1;
        }
        // Every JSON node replaced by ill-typed values.
        let Ok(doc) = serde_json::from_slice::<Value>(&bytes) else {
            continue;
        };
        let mut paths = Vec::new();
        collect_paths(&doc, &mut Vec::new(), &mut paths);
        for p in paths.iter().take(400) {
            for r in &replacements {
                let mut m = doc.clone();
                if let Some(slot) = pointer_mut(&mut m, p) {
                    *slot = r.clone();
                }
                let text = m.to_string();
                let res = catch_unwind(AssertUnwindSafe(|| parse_azure_at(text.as_bytes(), now())));
                assert!(res.is_ok(), "{name}: panic replacing {p:?} with {r}");
                runs += 1;
            }
        }
    }
    assert!(runs > 10_000, "runs: {runs}");
}

fn collect_paths(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(at.clone());
    match v {
        Value::Object(o) => {
            for (k, c) in o {
                at.push(k.clone());
                collect_paths(c, at, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                at.push(i.to_string());
                collect_paths(c, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn pointer_mut<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    let mut cur = v;
    for p in path {
        cur = match cur {
            Value::Object(o) => o.get_mut(p)?,
            Value::Array(a) => a.get_mut(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}
