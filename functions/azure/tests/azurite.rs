//! Against Azurite (pinned, `make tools-azurite`) with HTTPS and OAuth: the Table state store,
//! the Blob audit sink, quarantine-data, and whole invocations through the handler. Every request carries a bearer token (JWT-shaped, see
//! `aiir_azure::testing::JwtShapedCredential`), as in production; no shared key is used.
//!
//! These tests FAIL (never skip) when Azurite is missing.
mod support;

use std::sync::Arc;
use std::time::Duration;

use aiir_azure::testing::{
    self, seed_ai_deployment, Azurite, FixtureServer, JwtShapedCredential, Route,
};
use aiir_azure::{AzureClients, BlobAuditSink, TableStateStore};
use aiir_core::action::{ActionSpec, Cloud};
use aiir_core::audit::{AuditRecord, AuditSink, StepRecord, StepStatus};
use aiir_core::model::{IncidentKind, ResourceKind, ResourceRef, Severity};
use aiir_core::playbook::Mode;
use aiir_core::state::StateStore;
use azure_storage_blob::models::BlobClientGetPropertiesResultHeaders;
use azure_storage_blob::models::BlobContainerClientGetPropertiesResultHeaders;
use serde_json::{json, Value};

fn azurite() -> Azurite {
    Azurite::start()
        .unwrap_or_else(|e| panic!("Azurite with TLS + OAuth is required for these tests: {e}"))
}

async fn exists(clients: &AzureClients, account: &str, container: &str, blob: &str) -> bool {
    let client = clients.blob(account, container, blob).expect("blob client");
    match client.get_properties(None).await {
        Ok(_) => true,
        Err(e) if e.http_status().map(u16::from) == Some(404) => false,
        Err(e) => panic!("get properties {container}/{blob}: {e}"),
    }
}

async fn public_level(clients: &AzureClients, account: &str, container: &str) -> Option<String> {
    let rsp = clients
        .container(account, container)
        .unwrap()
        .get_properties(None)
        .await
        .expect("container properties");
    rsp.access().expect("access header").map(|a| a.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oauth_is_enforced_and_wrong_audience_is_rejected() {
    let az = azurite();
    let clients = az.clients(None);
    let store = TableStateStore::new(clients.clone(), testing::ACCOUNT, "authcheck");
    store
        .ensure_table()
        .await
        .expect("create table with a storage-audience token");
    // A token for Resource Manager is not a storage token: Azurite must refuse it.
    #[derive(Debug)]
    struct WrongAudience;
    #[async_trait::async_trait]
    impl azure_core::credentials::TokenCredential for WrongAudience {
        async fn get_token(
            &self,
            _: &[&str],
            _: Option<azure_core::credentials::TokenRequestOptions<'_>>,
        ) -> azure_core::Result<azure_core::credentials::AccessToken> {
            Ok(azure_core::credentials::AccessToken::new(
                JwtShapedCredential::mint("https://management.azure.com/.default"),
                azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
            ))
        }
    }
    let wrong = AzureClients::new(Arc::new(WrongAudience), az.http(), az.endpoints(None));
    let bad = TableStateStore::new(wrong.clone(), testing::ACCOUNT, "authcheck");
    let err = bad
        .get("pk", "sk")
        .await
        .expect_err("wrong audience must be rejected");
    assert!(err.to_string().contains("HTTP 40"), "{err}");
    let blob = wrong.blob(testing::ACCOUNT, "nope", "x").unwrap();
    let e = blob
        .get_properties(None)
        .await
        .expect_err("wrong audience must be rejected by Blob too");
    assert!(
        matches!(e.http_status().map(u16::from), Some(401) | Some(403)),
        "{e}"
    );
    // Plain HTTP to the HTTPS endpoint is not served: the bearer path runs over TLS.
    let plain = reqwest::Client::new()
        .get(format!(
            "http://127.0.0.1:{}/devstoreaccount1?comp=list",
            az.blob_port
        ))
        .send()
        .await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn table_state_store_contract() {
    let az = azurite();
    let clients = az.clients(None);
    let store = TableStateStore::new(clients.clone(), testing::ACCOUNT, "aiirstate");
    store.ensure_table().await.unwrap();
    store.ensure_table().await.expect("idempotent create");
    let day = Duration::from_secs(86_400);

    // put_if_absent: exactly once.
    assert!(store
        .put_if_absent("dedup#fp1", "claim", &json!({"a": 1}), day)
        .await
        .unwrap());
    assert!(!store
        .put_if_absent("dedup#fp1", "claim", &json!({"a": 2}), day)
        .await
        .unwrap());
    assert_eq!(
        store.get("dedup#fp1", "claim").await.unwrap(),
        Some(json!({"a": 1}))
    );
    // Expired entities count as absent and may be claimed again.
    assert!(store
        .put_if_absent("dedup#fp2", "claim", &json!(1), Duration::ZERO)
        .await
        .unwrap());
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(store.get("dedup#fp2", "claim").await.unwrap(), None);
    assert!(store
        .put_if_absent("dedup#fp2", "claim", &json!(2), day)
        .await
        .unwrap());
    assert_eq!(
        store.get("dedup#fp2", "claim").await.unwrap(),
        Some(json!(2))
    );

    // put / query ordered by sort key, with keys that need escaping.
    for sk in ["step#2", "step#1", "step/3?x"] {
        store
            .put("incident#inc-1", sk, &json!({ "sk": sk }), day)
            .await
            .unwrap();
    }
    store
        .put(
            "incident#inc-1",
            "step#1",
            &json!({ "sk": "step#1", "v": 2 }),
            day,
        )
        .await
        .unwrap();
    let items = store.query("incident#inc-1").await.unwrap();
    assert_eq!(
        items.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        vec!["step#1", "step#2", "step/3?x"]
    );
    assert_eq!(items[0].1["v"], 2);
    assert!(store.query("incident#none").await.unwrap().is_empty());

    // take: of many concurrent callers exactly one gets the item.
    store
        .put("approval#s1", "pending", &json!({"x": true}), day)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.take("approval#s1", "pending").await.unwrap()
        }));
    }
    let mut got = 0;
    for t in tasks {
        if t.await.unwrap().is_some() {
            got += 1;
        }
    }
    assert_eq!(got, 1, "exactly one taker");
    assert_eq!(store.get("approval#s1", "pending").await.unwrap(), None);

    // increment: concurrent increments are all counted (ETag-conditional writes).
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.increment("blast#res", "window", Duration::from_secs(3600))
                .await
                .unwrap()
        }));
    }
    let mut seen = Vec::new();
    for t in tasks {
        seen.push(t.await.unwrap());
    }
    seen.sort();
    assert_eq!(seen, (1..=10).collect::<Vec<u64>>());
    assert_eq!(
        store.get("blast#res", "window").await.unwrap(),
        Some(json!(10))
    );

    store.delete("dedup#fp1", "claim").await.unwrap();
    store
        .delete("dedup#fp1", "claim")
        .await
        .expect("deleting twice is fine");
    assert_eq!(store.get("dedup#fp1", "claim").await.unwrap(), None);
}

fn audit_record() -> AuditRecord {
    let now = chrono::Utc::now();
    AuditRecord {
        cloud: Cloud::Azure,
        incident_id: "inc-0123456789abcdef".into(),
        fingerprint: "f".repeat(64),
        kind: IncidentKind::Exposure,
        severity: Severity::High,
        trigger: "respond".into(),
        operator: None,
        step: StepRecord {
            incident_id: "inc-0123456789abcdef".into(),
            step_id: "step-1".into(),
            rule: "r".into(),
            action: ActionSpec::LockPublicAccess { bucket: None },
            target: ResourceRef::new(ResourceKind::Bucket, "devstoreaccount1/training-data"),
            mode: Mode::Enforce,
            status: StepStatus::Applied,
            prior_state: json!({}),
            new_state: json!({}),
            details: vec![],
            error: None,
            attempts: 1,
            started_at: now,
            finished_at: now,
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn blob_audit_sink_writes_once_and_never_overwrites() {
    let az = azurite();
    let clients = az.clients(None);
    let d = seed_ai_deployment(&clients).await.expect("seed");
    let sink = BlobAuditSink::new(
        clients.clone(),
        d.account.clone(),
        d.audit_container.clone(),
    );
    let record = audit_record();
    sink.write(&record).await.expect("write audit record");
    let name = BlobAuditSink::blob_for(&record);
    let blob = clients.blob(&d.account, &d.audit_container, &name).unwrap();
    let body = blob
        .download(None)
        .await
        .expect("download")
        .body
        .collect()
        .await
        .expect("body");
    let stored: AuditRecord = serde_json::from_slice(&body).expect("stored record is JSON");
    assert_eq!(stored, record);
    let props = blob.get_properties(None).await.unwrap();
    assert_eq!(
        props
            .metadata()
            .unwrap()
            .get("aiir_action")
            .map(String::as_str),
        Some("lock-public-access")
    );
    // The same record again: If-None-Match: * refuses to overwrite.
    assert!(
        sink.write(&record).await.is_err(),
        "an audit record is never overwritten"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn quarantine_blob_created_event_acts_once_and_undoes() {
    let az = azurite();
    let clients = az.clients(None);
    let d = seed_ai_deployment(&clients).await.expect("seed");
    let notify = FixtureServer::start(vec![Route::new(
        "POST",
        "/hooks/oncall",
        vec![(200, Value::Null)],
    )])
    .await
    .unwrap();
    let mut config = testing::config_for(&d, az.endpoints(None));
    config.playbook_path = Some(support::playbook(
        &format!("{}/hooks/oncall", notify.base),
        &d.quarantine_container,
    ));
    let handler = testing::build_handler(&config, az.http(), None).expect("handler");

    // An Event Grid (CloudEvents) blob-created event for the poisoned batch.
    let mut event: Value = serde_json::from_slice(&support::fixture(
        "constructed-cloudevents-blob-created-training-data.json",
    ))
    .unwrap();
    event["source"] = json!("/subscriptions/00000000-0000-0000-0000-0000000000a1/resourceGroups/ai-prod/providers/Microsoft.Storage/storageAccounts/devstoreaccount1");
    let blob = "batches/2025-05-02/labels.csv";
    assert!(exists(&clients, &d.account, &d.training_container, blob).await);

    // Dry-run first: described, nothing moved, nothing claimed.
    let dry = handler
        .handle(event.to_string().as_bytes(), true)
        .await
        .expect("dry run");
    let dry = serde_json::to_value(&dry).unwrap();
    assert!(
        support::steps(&dry).iter().all(|(_, s)| s == "dry-run"),
        "{:?}",
        support::steps(&dry)
    );
    assert!(
        exists(&clients, &d.account, &d.training_container, blob).await,
        "dry-run moves nothing"
    );
    assert!(notify.requests().is_empty(), "dry-run notifies no one");

    let report = handler
        .handle(event.to_string().as_bytes(), false)
        .await
        .expect("handle");
    let report = serde_json::to_value(&report).unwrap();
    assert_eq!(
        support::steps(&report),
        vec![
            ("quarantine-data".to_string(), "applied".to_string()),
            ("notify".to_string(), "applied".to_string())
        ],
        "{report:#}"
    );
    assert!(
        !exists(&clients, &d.account, &d.training_container, blob).await,
        "original deleted after the verified copy"
    );
    let q = clients
        .blob(
            &d.account,
            &d.quarantine_container,
            &format!("training-data/{blob}"),
        )
        .unwrap();
    let props = q
        .get_properties(None)
        .await
        .expect("quarantine copy exists");
    let meta = props.metadata().unwrap();
    assert_eq!(
        meta.get("aiir_origin").map(String::as_str),
        Some(format!("devstoreaccount1/training-data/{blob}").as_str())
    );
    assert!(meta.contains_key("aiir_step") && meta.contains_key("aiir_incident"));
    assert_eq!(
        public_level(&clients, &d.account, &d.quarantine_container).await,
        None,
        "quarantine container is private"
    );
    let hook = &notify.requests()[0];
    assert_eq!(
        hook.body["incident_id"],
        report["incidents"][0]["incident"]["id"]
    );

    // Redelivery of the same event acts once.
    let again = handler
        .handle(event.to_string().as_bytes(), false)
        .await
        .expect("redelivery");
    let again = serde_json::to_value(&again).unwrap();
    assert_eq!(again["incidents"][0]["outcome"], "duplicate");
    assert_eq!(notify.requests().len(), 1, "notified once");

    // Audit records are in the audit container (one per step).
    let audit = clients.container(&d.account, &d.audit_container).unwrap();
    let mut pager = audit.list_blobs(None).expect("list audit blobs");
    let mut names = Vec::new();
    while let Some(item) = futures::TryStreamExt::try_next(&mut pager)
        .await
        .expect("page")
    {
        if let Some(n) = item.name.clone() {
            names.push(n);
        }
    }
    assert_eq!(
        names.len(),
        4,
        "two steps, rehearsed then enforced: {names:?}"
    );

    // Undo puts the blob back and removes the quarantine copy.
    let incident_id = report["incidents"][0]["incident"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let undo =
        json!({ "aiir": "undo", "incident_id": incident_id, "operator": "oncall@example.com" });
    let undone = handler
        .handle(undo.to_string().as_bytes(), false)
        .await
        .expect("undo");
    let undone = serde_json::to_value(&undone).unwrap();
    let statuses: Vec<&str> = undone["operator_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains(&"undone"), "{undone:#}");
    assert!(
        exists(&clients, &d.account, &d.training_container, blob).await,
        "blob restored"
    );
    assert!(
        !exists(
            &clients,
            &d.account,
            &d.quarantine_container,
            &format!("training-data/{blob}")
        )
        .await,
        "quarantine copy removed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn malformed_input_changes_nothing() {
    let az = azurite();
    let clients = az.clients(None);
    let d = seed_ai_deployment(&clients).await.expect("seed");
    let rest = FixtureServer::start(vec![]).await.unwrap();
    let mut config = testing::config_for(&d, az.endpoints(Some(&rest.base)));
    config.playbook_path = Some(support::playbook(
        &format!("{}/hooks/oncall", rest.base),
        &d.quarantine_container,
    ));
    let handler = testing::build_handler(&config, az.http(), None).expect("handler");
    let good = support::fixture("constructed-cloudevents-blob-created-training-data.json");
    for bad in [
        &good[..good.len() / 2],
        b"{}".as_slice(),
        b"\x00\xff garbage",
        b"[]",
    ] {
        let err = handler.handle(bad, false).await.expect_err("rejected");
        assert!(!err.is_retryable(), "{err}");
    }
    assert!(rest.requests().is_empty());
    let store = testing::state_store(&clients, &d);
    assert!(store.query("dedup#x").await.unwrap().is_empty());
    assert!(
        exists(
            &clients,
            &d.account,
            &d.training_container,
            "batches/2025-05-02/labels.csv"
        )
        .await
    );
}
