//! Shared test helpers: a playbook for the Azure tests and JSON helpers.
#![allow(dead_code)]
use std::path::PathBuf;

use aiir_azure::testing::Deployment;
use serde_json::Value;

/// The Azure fixtures shared with the intake tests.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/azure")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A playbook written for these tests: the actions implemented on Azure, with the notify
/// topic and quarantine container given.
pub fn playbook(notify: &str, quarantine: &str) -> PathBuf {
    let text = format!(
        r#"version = 1
[defaults]
mode = "enforce"
dedup_ttl = "24h"
approval_ttl = "24h"
kind = "availability"
severity = "medium"
attempts = 2
escalation_topic = "{notify}"

[blast_radius]
window = "1h"
per_resource = 5
per_action = 25

[[classify]]
match = {{ labels = {{ container = "training-data", event_type = "Microsoft.Storage.BlobCreated" }} }}
kind = "model-integrity"
severity = "high"

[[rules]]
name = "contain-exposure"
match = {{ kinds = ["exposure", "data-leakage"] }}
  [[rules.actions]]
  type = "lock-public-access"
  [[rules.actions]]
  type = "quarantine-data"
  quarantine_bucket = "{quarantine}"
  [[rules.actions]]
  type = "notify"
  topic = "{notify}"

[[rules]]
name = "poisoned-training-data"
match = {{ kinds = ["model-integrity"] }}
  [[rules.actions]]
  type = "quarantine-data"
  quarantine_bucket = "{quarantine}"
  [[rules.actions]]
  type = "notify"
  topic = "{notify}"

[[rules]]
name = "rotate-on-prompt-attack"
match = {{ kinds = ["prompt-attack"], min_severity = "high" }}
  [[rules.actions]]
  type = "rotate-secret"
  [[rules.actions]]
  type = "notify"
  topic = "{notify}"
"#
    );
    let dir = std::env::temp_dir().join(format!(
        "aiir-azure-playbook-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("playbook.toml");
    std::fs::write(&path, text).expect("write playbook");
    path
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
        ^ (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
            << 8)
}

/// The steps of the first incident of a report, as (action, status).
pub fn steps(report: &Value) -> Vec<(String, String)> {
    report["incidents"][0]["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["action"]["type"].as_str().unwrap_or_default().to_string(),
                s["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub fn deployment_note(d: &Deployment) -> String {
    format!("{}:{}", d.account, d.training_container)
}
