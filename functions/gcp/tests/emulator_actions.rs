//! Cloud Storage actions against the storage emulator (bucket metadata and IAM persist there):
//! lock-public-access, enforce-encryption, quarantine-data, the blocklist side of
//! block-prompt, and the audit sink. Each: dry-run changes nothing, enforce changes and
//! verifies, a repeat is a no-op, undo restores.
mod support;

use aiir_core::action::ActionSpec;
use aiir_core::model::{IncidentKind, ResourceKind};
use aiir_core::playbook::Mode;
use aiir_core::remediate::{ActionError, Remediator};
use aiir_gcp::gcs::Gcs;
use aiir_gcp::testing::{self, Deployment, RestFixtureServer};
use aiir_gcp::{GcpClients, GcpRemediator};
use serde_json::{json, Value};
use support::{apply, incident, record, target};

async fn setup() -> (GcpClients, Deployment, GcpRemediator, RestFixtureServer) {
    let server = RestFixtureServer::start().await.unwrap();
    let clients = testing::clients(&support::gcs_endpoint(), &server.url)
        .await
        .unwrap();
    let d = testing::seed_ai_deployment(&clients, &support::unique("act"))
        .await
        .expect("seed");
    let r = GcpRemediator::new(clients.clone());
    (clients, d, r, server)
}

async fn bucket(clients: &GcpClients, b: &str) -> Value {
    Gcs::new(clients).get_bucket(b).await.unwrap()
}

async fn public_members(clients: &GcpClients, b: &str) -> Vec<String> {
    let policy = Gcs::new(clients).get_iam(b).await.unwrap();
    aiir_gcp::actions::lock_public_access::public_bindings(&policy)
        .into_iter()
        .flat_map(|b| b.members)
        .collect()
}

#[tokio::test]
async fn lock_public_access_closes_the_bucket_and_undo_reopens_it() {
    let (clients, d, r, _s) = setup().await;
    let inc = incident(IncidentKind::Exposure, &[]);
    let action = ActionSpec::LockPublicAccess { bucket: None };
    let t = target(ResourceKind::Bucket, &d.training_bucket);
    assert_eq!(
        public_members(&clients, &d.training_bucket).await,
        ["allUsers", "allAuthenticatedUsers"]
    );

    let dry = apply(&r, &inc, &action, &t, Mode::DryRun).await.unwrap();
    assert!(
        dry.details.iter().all(|l| l.starts_with("would")),
        "{:?}",
        dry.details
    );
    assert_eq!(
        public_members(&clients, &d.training_bucket).await.len(),
        2,
        "dry-run changed nothing"
    );

    let out = apply(&r, &inc, &action, &t, Mode::Enforce).await.unwrap();
    assert!(out.changed);
    let b = bucket(&clients, &d.training_bucket).await;
    assert_eq!(b["iamConfiguration"]["publicAccessPrevention"], "enforced");
    assert_eq!(
        b["iamConfiguration"]["uniformBucketLevelAccess"]["enabled"],
        true
    );
    assert!(public_members(&clients, &d.training_bucket)
        .await
        .is_empty());
    // The non-public member of the same binding is kept.
    let policy = Gcs::new(&clients)
        .get_iam(&d.training_bucket)
        .await
        .unwrap();
    assert_eq!(
        policy["bindings"],
        json!([{ "role": "roles/storage.objectViewer", "members": ["projectViewer:aiir-test"] }])
    );

    assert!(
        !apply(&r, &inc, &action, &t, Mode::Enforce)
            .await
            .unwrap()
            .changed,
        "idempotent"
    );

    r.undo(&record(&inc, &action, &t, &out)).await.unwrap();
    let b = bucket(&clients, &d.training_bucket).await;
    assert_eq!(b["iamConfiguration"]["publicAccessPrevention"], "inherited");
    assert_eq!(
        b["iamConfiguration"]["uniformBucketLevelAccess"]["enabled"],
        false
    );
    let mut members = public_members(&clients, &d.training_bucket).await;
    members.sort();
    assert_eq!(members, ["allAuthenticatedUsers", "allUsers"]);
}

#[tokio::test]
async fn stale_iam_etag_is_a_retryable_conflict() {
    let (clients, d, _r, _s) = setup().await;
    let gcs = Gcs::new(&clients);
    let policy = gcs.get_iam(&d.training_bucket).await.unwrap();
    gcs.set_iam(&d.training_bucket, &policy).await.unwrap();
    // Writing the same (now stale) etag again fails its precondition.
    let e = gcs.set_iam(&d.training_bucket, &policy).await.unwrap_err();
    assert!(e.is_precondition_failed(), "{e}");
    assert!(matches!(ActionError::from(e), ActionError::Transient(_)));
}

#[tokio::test]
async fn enforce_encryption_sets_the_default_kms_key_and_undo_clears_it() {
    let (clients, d, r, _s) = setup().await;
    let inc = incident(IncidentKind::ModelIntegrity, &[]);
    let action = ActionSpec::EnforceEncryption {
        kms_key: testing::KMS_KEY.into(),
        bucket: None,
    };
    let t = target(ResourceKind::Bucket, &format!("gs://{}", d.training_bucket));
    apply(&r, &inc, &action, &t, Mode::DryRun).await.unwrap();
    assert!(bucket(&clients, &d.training_bucket)
        .await
        .pointer("/encryption/defaultKmsKeyName")
        .is_none());
    let out = apply(&r, &inc, &action, &t, Mode::Enforce).await.unwrap();
    assert_eq!(
        bucket(&clients, &d.training_bucket).await["encryption"]["defaultKmsKeyName"],
        testing::KMS_KEY
    );
    assert_eq!(out.prior_state["default_kms_key_name"], Value::Null);
    assert!(
        !apply(&r, &inc, &action, &t, Mode::Enforce)
            .await
            .unwrap()
            .changed
    );
    r.undo(&record(&inc, &action, &t, &out)).await.unwrap();
    let key = bucket(&clients, &d.training_bucket)
        .await
        .pointer("/encryption/defaultKmsKeyName")
        .cloned();
    assert!(key.as_ref().is_none_or(|k| k.is_null()), "{key:?}");
    let bad = ActionSpec::EnforceEncryption {
        kms_key: "my-key".into(),
        bucket: None,
    };
    assert!(matches!(
        apply(&r, &inc, &bad, &t, Mode::Enforce).await.unwrap_err(),
        ActionError::Invalid(_)
    ));
}

#[tokio::test]
async fn quarantine_moves_the_object_after_verifying_the_copy_and_undo_restores_it() {
    let (clients, d, r, _s) = setup().await;
    let gcs = Gcs::new(&clients);
    let inc = incident(IncidentKind::DataLeakage, &[]);
    let action = ActionSpec::QuarantineData {
        quarantine_bucket: d.quarantine_bucket.clone(),
    };
    let object = &d.training_objects[0];
    let t = target(
        ResourceKind::Object,
        &format!("{}/{object}", d.training_bucket),
    );
    let original = gcs.read(&d.training_bucket, object).await.unwrap().unwrap();

    apply(&r, &inc, &action, &t, Mode::DryRun).await.unwrap();
    assert!(
        gcs.get_object(&d.training_bucket, object)
            .await
            .unwrap()
            .is_some(),
        "dry-run moved nothing"
    );

    let out = apply(&r, &inc, &action, &t, Mode::Enforce).await.unwrap();
    assert!(
        gcs.get_object(&d.training_bucket, object)
            .await
            .unwrap()
            .is_none(),
        "original removed"
    );
    let qname = format!("{}/{object}", d.training_bucket);
    let q = gcs
        .get_object(&d.quarantine_bucket, &qname)
        .await
        .unwrap()
        .expect("quarantined copy");
    assert_eq!(
        q["metadata"]["aiir-origin-bucket"],
        json!(d.training_bucket)
    );
    assert_eq!(q["metadata"]["aiir-origin-object"], json!(object));
    assert_eq!(q["metadata"]["aiir-incident"], json!(inc.id));
    let copy = gcs
        .read(&d.quarantine_bucket, &qname)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(copy.data, original.data);

    let again = apply(&r, &inc, &action, &t, Mode::Enforce).await.unwrap();
    assert!(!again.changed, "already quarantined");

    r.undo(&record(&inc, &action, &t, &out)).await.unwrap();
    let back = gcs
        .read(&d.training_bucket, object)
        .await
        .unwrap()
        .expect("restored");
    assert_eq!(back.data, original.data);
    assert!(gcs
        .get_object(&d.quarantine_bucket, &qname)
        .await
        .unwrap()
        .is_none());

    let missing = target(
        ResourceKind::Object,
        &format!("{}/nope.csv", d.training_bucket),
    );
    assert!(matches!(
        apply(&r, &inc, &action, &missing, Mode::Enforce)
            .await
            .unwrap_err(),
        ActionError::NotFound(_)
    ));
}

#[tokio::test]
async fn quarantine_keeps_a_newer_upload() {
    let (clients, d, r, _s) = setup().await;
    let gcs = Gcs::new(&clients);
    let object = &d.training_objects[1];
    // The generation inspected by the step is replaced before the copy: the rewrite's
    // source precondition fails and nothing is deleted.
    let meta = gcs
        .get_object(&d.training_bucket, object)
        .await
        .unwrap()
        .unwrap();
    let gen = aiir_gcp::gcs::int64(&meta, "generation").unwrap();
    gcs.write(
        &d.training_bucket,
        object,
        bytes::Bytes::from("new"),
        "text/csv",
        aiir_gcp::gcs::Precondition::None,
        &[],
    )
    .await
    .unwrap();
    let e = gcs
        .delete(&d.training_bucket, object, Some(gen))
        .await
        .unwrap_err();
    assert!(e.is_precondition_failed(), "{e}");
    let _ = r;
}

#[tokio::test]
async fn block_prompt_adds_the_signature_to_the_guardrail_blocklist() {
    let (clients, d, r, _s) = setup().await;
    let inc = incident(IncidentKind::PromptAttack, &[]);
    let action = ActionSpec::BlockPrompt {
        blocklist: d.blocklist(),
        ip_set: None,
    };
    let t = target(ResourceKind::Prompt, "ab12cd34");
    let out = apply(&r, &inc, &action, &t, Mode::Enforce).await.unwrap();
    let list = Gcs::new(&clients)
        .read(&d.guardrail_bucket, "blocklist.json")
        .await
        .unwrap()
        .unwrap();
    let doc: Value = serde_json::from_slice(&list.data).unwrap();
    assert_eq!(doc["signatures"][0]["signature"], "ab12cd34");
    assert_eq!(doc["signatures"][0]["incident_id"], json!(inc.id));
    assert!(
        !apply(&r, &inc, &action, &t, Mode::Enforce)
            .await
            .unwrap()
            .changed
    );
    r.undo(&record(&inc, &action, &t, &out)).await.unwrap();
    let list = Gcs::new(&clients)
        .read(&d.guardrail_bucket, "blocklist.json")
        .await
        .unwrap()
        .unwrap();
    let doc: Value = serde_json::from_slice(&list.data).unwrap();
    assert_eq!(doc["signatures"], json!([]));
}

#[tokio::test]
async fn audit_records_are_written_once_and_never_replaced() {
    use aiir_core::audit::{AuditRecord, AuditSink};
    let (clients, d, _r, _s) = setup().await;
    let sink = aiir_gcp::GcsAuditSink::new(clients.clone(), &d.audit_bucket);
    assert_eq!(sink.retention_seconds().await.unwrap(), Some(2_592_000));
    let inc = incident(IncidentKind::Exposure, &[]);
    let action = ActionSpec::Notify {
        topic: testing::TOPIC.into(),
    };
    let t = target(ResourceKind::Other, testing::TOPIC);
    let outcome = aiir_core::remediate::ActionOutcome::default();
    let step = record(&inc, &action, &t, &outcome);
    let rec = AuditRecord {
        cloud: aiir_core::action::Cloud::Gcp,
        incident_id: inc.id.clone(),
        fingerprint: inc.fingerprint.clone(),
        kind: inc.kind,
        severity: inc.severity,
        trigger: "respond".into(),
        operator: None,
        step,
    };
    sink.write(&rec).await.unwrap();
    sink.write(&rec).await.unwrap();
    let key = aiir_gcp::GcsAuditSink::key_for(&rec);
    let stored = Gcs::new(&clients)
        .read(&d.audit_bucket, &key)
        .await
        .unwrap()
        .unwrap();
    let back: AuditRecord = serde_json::from_slice(&stored.data).unwrap();
    assert_eq!(back, rec);
    assert_eq!(
        Gcs::new(&clients)
            .list(&d.audit_bucket, "audit/")
            .await
            .unwrap()
            .len(),
        1
    );
}
