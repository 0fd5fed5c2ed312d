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
