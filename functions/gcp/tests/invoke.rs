//! `aiir-gcp invoke --event FILE [--dry-run]` runs one payload through the production
//! wiring (configuration from the environment) and prints the report as JSON; rejected input
//! exits 2 with the reason on stderr.
mod support;

use std::process::Command;

use aiir_gcp::gcs::Gcs;
use aiir_gcp::testing;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_dry_run_prints_the_report_and_changes_nothing() {
    let storage = support::gcs_endpoint();
    let rest = testing::RestFixtureServer::start().await.unwrap();
    let clients = testing::clients(&storage, &rest.url).await.unwrap();
    let d = testing::seed_ai_deployment(&clients, &support::unique("inv"))
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(support::unique("aiir-gcp-invoke"));
    std::fs::create_dir_all(&dir).unwrap();
    let event = dir.join("drill.json");
    let drill = json!({
        "aiir": "drill", "drill_id": support::unique("d"), "title": "public training data",
        "kind": "exposure", "severity": "high",
        "resources": [{ "kind": "bucket", "id": d.training_bucket }]
    });
    std::fs::write(&event, drill.to_string()).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aiir-gcp"));
    cmd.args(["invoke", "--event"]).arg(&event).arg("--dry-run");
    cmd.env("AIIR_GCS_ENDPOINT", &storage)
        .env("GOOGLE_CLOUD_PROJECT", testing::PROJECT)
        .env("AIIR_STATE_BUCKET", &d.state_bucket)
        .env("AIIR_AUDIT_BUCKET", &d.audit_bucket)
        .env_remove("STORAGE_EMULATOR_HOST");
    for var in [
        "AIIR_VERTEX_ENDPOINT",
        "AIIR_SECRETMANAGER_ENDPOINT",
        "AIIR_COMPUTE_ENDPOINT",
        "AIIR_PUBSUB_ENDPOINT",
    ] {
        cmd.env(var, &rest.url);
    }
    for (k, v) in d.playbook_env() {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report on stdout");
    assert_eq!(report["incidents"][0]["outcome"], "dry-run", "{report}");
    let policy = Gcs::new(&clients)
        .get_iam(&d.training_bucket)
        .await
        .unwrap();
    assert_eq!(
        aiir_gcp::actions::lock_public_access::public_bindings(&policy).len(),
        2
    );
    assert!(
        rest.requests().iter().all(|r| r.method == "GET"),
        "dry-run only reads"
    );
    assert_eq!(rest.secret_versions(testing::SECRET).len(), 1);

    std::fs::write(&event, b"test message 3").unwrap();
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rejected input"));
}
