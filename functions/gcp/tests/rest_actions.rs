//! Vertex AI, Secret Manager, Cloud Armor and Pub/Sub actions against the REST fixture server
//! (responses shaped as the v1 discovery documents, see `tests/fixtures/rest/SOURCES.md`):
//! the requests aiir sends, dry-run, verification, idempotence, undo, error classification.
//! No emulator needed: the storage endpoint is never called here.
mod support;

use aiir_core::action::ActionSpec;
use aiir_core::model::{IncidentKind, ResourceKind};
use aiir_core::playbook::Mode;
use aiir_core::remediate::{ActionError, Remediator};
use aiir_gcp::actions::WaitPolicy;
use aiir_gcp::testing::{self, RestFixtureServer, ENDPOINT, SECRET, SECURITY_POLICY, TOPIC};
use aiir_gcp::{Auth, Endpoints, GcpClients, GcpRemediator};
use base64::Engine;
use serde_json::{json, Value};
use support::{apply, incident, record, target};

async fn setup() -> (RestFixtureServer, GcpRemediator) {
    let server = RestFixtureServer::start().await.expect("fixture server");
    let clients = GcpClients::new(
        Endpoints::all_at("http://127.0.0.1:9", &server.url),
        Auth::Anonymous,
        Some(testing::PROJECT.into()),
    )
    .await
    .expect("clients");
    (
        server,
        GcpRemediator::new(clients).with_wait(WaitPolicy::fast()),
    )
}

fn split(server: &RestFixtureServer) -> Value {
    server.endpoint(ENDPOINT).unwrap()["trafficSplit"].clone()
}

#[tokio::test]
async fn rollback_model_moves_traffic_to_the_previous_deployed_model_and_back() {
    let (server, r) = setup().await;
    let inc = incident(IncidentKind::ModelDrift, &[]);
    let action = ActionSpec::RollbackModel {
        endpoint: None,
        to: None,
    };
    let t = target(ResourceKind::ModelEndpoint, ENDPOINT);

    let dry = apply(&r, &inc, &action, &t, Mode::DryRun).await.unwrap();
    assert!(
        dry.details[0].starts_with("would move"),
        "{:?}",
        dry.details
    );
    assert_eq!(
        split(&server),
        json!({"111": 0, "222": 100}),
        "dry-run changed nothing"
    );

    let out = apply(&r, &inc, &action, &t, Mode::Enforce).await.unwrap();
    assert!(out.changed);
    // Entries at 0% are not recorded (the service may or may not list them).
    assert_eq!(out.prior_state["traffic_split"], json!({"222": 100}));
    assert_eq!(split(&server), json!({"111": 100, "222": 0}));
    let patch = server
        .requests()
        .into_iter()
        .find(|q| q.method == "PATCH")
        .expect("a PATCH");
    assert_eq!(patch.path, format!("/v1/{ENDPOINT}"));
    assert_eq!(patch.query, "updateMask=trafficSplit");
    assert_eq!(
        patch.body["etag"], "AMEw9yPwz0R6",
        "read-modify-write carries the etag"
    );

    let again = apply(&r, &inc, &action, &t, Mode::Enforce).await.unwrap();
    assert!(!again.changed, "idempotent");

    r.undo(&record(&inc, &action, &t, &out)).await.unwrap();
    assert_eq!(split(&server), json!({"222": 100}));
}

#[tokio::test]
async fn rollback_needs_a_previous_model() {
    let (server, r) = setup().await;
    let inc = incident(IncidentKind::ModelDrift, &[]);
    let action = ActionSpec::RollbackModel {
        endpoint: None,
        to: Some("999".into()),
    };
    let e = apply(
        &r,
        &inc,
        &action,
        &target(ResourceKind::ModelEndpoint, ENDPOINT),
        Mode::Enforce,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, ActionError::Invalid(_)), "{e}");
    let e = apply(
        &r,
        &inc,
        &action,
        &target(ResourceKind::ModelEndpoint, "fraud"),
        Mode::Enforce,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, ActionError::Invalid(_)), "{e}");
    assert!(server.requests().iter().all(|q| q.method == "GET"));
}

#[tokio::test]
async fn disable_endpoint_undeploys_the_unhealthy_model_and_undo_redeploys_it() {
    let (server, r) = setup().await;
    let inc = incident(
        IncidentKind::ModelIntegrity,
        &[("metric_label:deployed_model_id", "222")],
    );
    let action = ActionSpec::DisableEndpoint { endpoint: None };
    let t = target(ResourceKind::ModelEndpoint, ENDPOINT);

    let out = apply(&r, &inc, &action, &t, Mode::Enforce).await.unwrap();
    let undeploy = server
        .requests()
        .into_iter()
        .find(|q| q.path.ends_with(":undeployModel"))
        .expect("undeployModel");
    assert_eq!(
        undeploy.body,
        json!({"deployedModelId": "222", "trafficSplit": {"111": 100}})
    );
    assert!(
        server
            .requests()
            .iter()
            .any(|q| q.path.contains("/operations/")),
        "the operation was awaited"
    );
    let endpoint = server.endpoint(ENDPOINT).unwrap();
    assert_eq!(endpoint["deployedModels"].as_array().unwrap().len(), 1);
    assert_eq!(out.prior_state["undeployed"][0]["id"], "222");
    assert_eq!(
        out.prior_state["undeployed"][0]["dedicatedResources"]["machineSpec"]["machineType"],
        "n1-standard-4"
    );

    let again = apply(&r, &inc, &action, &t, Mode::Enforce).await.unwrap();
    assert!(!again.changed, "already undeployed");

    r.undo(&record(&inc, &action, &t, &out)).await.unwrap();
    let deploy = server
        .requests()
        .into_iter()
        .find(|q| q.path.ends_with(":deployModel"))
        .expect("deployModel");
    assert_eq!(deploy.body["deployedModel"]["id"], "222");
    assert!(
        deploy.body["deployedModel"].get("createTime").is_none(),
        "output-only fields are not sent"
    );
    // DeployModelRequest.trafficSplit names the model being deployed "0".
    assert_eq!(deploy.body["trafficSplit"], json!({"0": 100}));
    assert_eq!(split(&server), json!({"222": 100}));
}

#[tokio::test]
async fn rotate_secret_adds_a_version_disables_the_old_one_and_never_records_the_value() {
    let (server, r) = setup().await;
    let inc = incident(IncidentKind::PromptAttack, &[]);
    let action = ActionSpec::RotateSecret { secrets: vec![] };
    let t = target(ResourceKind::Secret, "tool-api-key");

    let dry = apply(&r, &inc, &action, &t, Mode::DryRun).await.unwrap();
    assert_eq!(
        server.secret_versions(SECRET).len(),
        1,
        "dry-run added nothing"
    );
    assert!(dry.details[0].contains("would add"));

    let out = apply(&r, &inc, &action, &t, Mode::Enforce).await.unwrap();
    let versions = server.secret_versions(SECRET);
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["state"], "DISABLED");
    assert_eq!(versions[1]["state"], "ENABLED");
    let add = server
        .requests()
        .into_iter()
        .find(|q| q.path.ends_with(":addVersion"))
        .expect("addVersion");
    let data = add.body["payload"]["data"].as_str().unwrap();
    let value = base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap();
    assert_eq!(value.len(), 43);
    let crc = aiir_gcp::actions::rotate_secret::crc32c_of(&value);
    assert_eq!(add.body["payload"]["dataCrc32c"], json!(crc.to_string()));
    let value = String::from_utf8(value).unwrap();
    let recorded = format!("{:?} {} {}", out.details, out.prior_state, out.new_state);
    assert!(
        !recorded.contains(&value),
        "the secret value must not be recorded"
    );
    assert_eq!(
        out.prior_state["disabled_versions"],
        json!([format!("{SECRET}/versions/1")])
    );

    // A retried step reuses its version (annotations), adds nothing.
    let again = apply(&r, &inc, &action, &t, Mode::Enforce).await.unwrap();
    assert!(!again.changed);
    assert_eq!(server.secret_versions(SECRET).len(), 2);

    r.undo(&record(&inc, &action, &t, &out)).await.unwrap();
    let versions = server.secret_versions(SECRET);
    assert_eq!(
        versions[0]["state"], "ENABLED",
        "previous version re-enabled"
    );
    assert_eq!(versions[1]["state"], "ENABLED", "the new version stays");
}

#[tokio::test]
async fn block_prompt_denies_the_caller_in_cloud_armor_and_undo_removes_the_rule() {
    let (server, r) = setup().await;
    let inc = incident(IncidentKind::PromptAttack, &[]);
    let action = ActionSpec::BlockPrompt {
        blocklist: "gs://unused/blocklist.json".into(),
        ip_set: Some("aiir-edge".into()),
    };
    let t = target(ResourceKind::Caller, "198.51.100.7");

    let out = apply(&r, &inc, &action, &t, Mode::Enforce).await.unwrap();
    let add = server
        .requests()
        .into_iter()
        .find(|q| q.path.ends_with("/addRule"))
        .expect("addRule");
    assert_eq!(add.path, format!("/compute/v1/{SECURITY_POLICY}/addRule"));
    assert_eq!(add.body["action"], "deny(403)");
    assert_eq!(add.body["priority"], 1000);
    assert_eq!(
        add.body["match"],
        json!({"versionedExpr": "SRC_IPS_V1", "config": {"srcIpRanges": ["198.51.100.7/32"]}})
    );
    assert!(
        server
            .requests()
            .iter()
            .any(|q| q.path.contains("/global/operations/")),
        "operation awaited"
    );
    assert!(
        server
            .requests()
            .iter()
            .any(|q| q.path.ends_with("/getRule") && q.query == "priority=1000"),
        "verified"
    );
    assert_eq!(
        server.policy(SECURITY_POLICY).unwrap()["rules"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let again = apply(&r, &inc, &action, &t, Mode::Enforce).await.unwrap();
    assert!(!again.changed);

    r.undo(&record(&inc, &action, &t, &out)).await.unwrap();
    assert_eq!(
        server.policy(SECURITY_POLICY).unwrap()["rules"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let bad = apply(
        &r,
        &inc,
        &action,
        &target(ResourceKind::Caller, "not-an-ip"),
        Mode::Enforce,
    )
    .await
    .unwrap_err();
    assert!(matches!(bad, ActionError::Invalid(_)));
    let no_set = ActionSpec::BlockPrompt {
        blocklist: "gs://b/o".into(),
        ip_set: None,
    };
    assert!(matches!(
        apply(&r, &inc, &no_set, &t, Mode::Enforce)
            .await
            .unwrap_err(),
        ActionError::Invalid(_)
    ));
}

#[tokio::test]
async fn notify_publishes_the_summary() {
    let (server, r) = setup().await;
    let inc = incident(IncidentKind::Exposure, &[]);
    let action = ActionSpec::Notify {
        topic: TOPIC.into(),
    };
    let t = target(ResourceKind::Other, TOPIC);
    let out = apply(&r, &inc, &action, &t, Mode::Enforce).await.unwrap();
    assert!(out.new_state["message_id"].is_string());
    let published = server.published();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0]["topic"], TOPIC);
    let m = &published[0]["message"];
    assert_eq!(m["attributes"]["incident_id"], json!(inc.id));
    assert_eq!(m["attributes"]["aiir_step_id"], "step-1");
    let data = base64::engine::general_purpose::STANDARD
        .decode(m["data"].as_str().unwrap())
        .unwrap();
    let summary: Value = serde_json::from_slice(&data).unwrap();
    assert_eq!(summary["kind"], "exposure");
    assert_eq!(summary["actions"], json!(["earlier step"]));
}

#[tokio::test]
async fn service_errors_are_classified() {
    let (server, r) = setup().await;
    let inc = incident(IncidentKind::Exposure, &[]);
    let action = ActionSpec::Notify {
        topic: TOPIC.into(),
    };
    let t = target(ResourceKind::Other, TOPIC);
    server.fail_next(":publish", 503);
    assert!(matches!(
        apply(&r, &inc, &action, &t, Mode::Enforce)
            .await
            .unwrap_err(),
        ActionError::Transient(_)
    ));
    server.fail_next(":publish", 429);
    assert!(matches!(
        apply(&r, &inc, &action, &t, Mode::Enforce)
            .await
            .unwrap_err(),
        ActionError::Transient(_)
    ));
    server.fail_next(":publish", 403);
    assert!(matches!(
        apply(&r, &inc, &action, &t, Mode::Enforce)
            .await
            .unwrap_err(),
        ActionError::Denied(_)
    ));
    let missing = ActionSpec::RollbackModel {
        endpoint: None,
        to: None,
    };
    let e = apply(
        &r,
        &inc,
        &missing,
        &target(
            ResourceKind::ModelEndpoint,
            "projects/aiir-test/locations/us-central1/endpoints/404",
        ),
        Mode::Enforce,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, ActionError::NotFound(_)), "{e}");
}

#[tokio::test]
async fn trigger_alert_writes_the_incident_metric() {
    let (server, r) = setup().await;
    let inc = incident(IncidentKind::Exposure, &[]);
    let project = format!("projects/{}", testing::PROJECT);
    let action = ActionSpec::TriggerAlert {
        alert: testing::PROJECT.into(),
    };
    let t = target(ResourceKind::Other, testing::PROJECT);

    // Dry-run: nothing written.
    let dry = apply(&r, &inc, &action, &t, Mode::DryRun).await.unwrap();
    assert!(dry.changed);
    assert!(
        dry.details[0].contains(&format!(
            "would write custom.googleapis.com/aiir/incident = 1 for incident {} in {project}",
            inc.id
        )),
        "{:?}",
        dry.details
    );
    assert!(server.requests().is_empty());

    let out = apply(&r, &inc, &action, &t, Mode::Enforce).await.unwrap();
    assert!(out.changed);
    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "POST");
    assert_eq!(sent[0].path, format!("/v3/{project}/timeSeries"));
    let written = server.time_series();
    assert_eq!(written.len(), 1);
    let ts = &written[0];
    assert_eq!(ts["metric"]["type"], "custom.googleapis.com/aiir/incident");
    assert_eq!(ts["metric"]["labels"]["incident_id"], json!(inc.id));
    assert_eq!(ts["metric"]["labels"]["kind"], "exposure");
    assert_eq!(ts["metric"]["labels"]["severity"], "high");
    assert_eq!(
        ts["resource"],
        json!({ "type": "global", "labels": { "project_id": testing::PROJECT } })
    );
    assert_eq!(ts["metricKind"], "GAUGE");
    assert_eq!(ts["valueType"], "INT64");
    // int64 travels as a JSON string (discovery `format: int64`).
    assert_eq!(ts["points"][0]["value"], json!({ "int64Value": "1" }));
    assert!(chrono::DateTime::parse_from_rfc3339(
        ts["points"][0]["interval"]["endTime"].as_str().unwrap()
    )
    .is_ok());

    // `projects/P` works too; a page cannot be taken back.
    let full = ActionSpec::TriggerAlert {
        alert: project.clone(),
    };
    assert!(
        apply(&r, &inc, &full, &t, Mode::Enforce)
            .await
            .unwrap()
            .changed
    );
    assert_eq!(server.time_series().len(), 2);
    let undone = r.undo(&record(&inc, &action, &t, &out)).await.unwrap();
    assert!(!undone.changed);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn trigger_alert_errors_are_clear() {
    let (server, r) = setup().await;
    let inc = incident(IncidentKind::Exposure, &[]);
    let bad = ActionSpec::TriggerAlert {
        alert: "projects/p/topics/t".into(),
    };
    let t = target(ResourceKind::Other, "projects/p/topics/t");
    assert!(matches!(
        apply(&r, &inc, &bad, &t, Mode::DryRun).await.unwrap_err(),
        ActionError::Invalid(_)
    ));
    assert!(server.requests().is_empty());
    let action = ActionSpec::TriggerAlert {
        alert: testing::PROJECT.into(),
    };
    let t = target(ResourceKind::Other, testing::PROJECT);
    server.fail_next("/timeSeries", 403);
    assert!(matches!(
        apply(&r, &inc, &action, &t, Mode::Enforce)
            .await
            .unwrap_err(),
        ActionError::Denied(_)
    ));
    server.fail_next("/timeSeries", 503);
    assert!(apply(&r, &inc, &action, &t, Mode::Enforce)
        .await
        .unwrap_err()
        .is_retryable());
    assert!(server.time_series().is_empty());
}
