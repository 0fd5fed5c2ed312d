//! Resource Manager and Key Vault calls against a local server that answers with the official
//! examples of the Azure REST API specifications (`tests/fixtures/rest`, sources in
//! `tests/fixtures/rest/SOURCES.md`), asserting what aiir sends: method, path, api-version,
//! body and bearer-token audience. No emulator exists for these services.
mod support;

use aiir_azure::config::Config;
use aiir_azure::testing::{
    self, example_response, key_vault_routes, storage_account_routes, FixtureServer, Recorded,
    Route,
};
use aiir_azure::Endpoints;
use base64::Engine;
use serde_json::{json, Value};

const ACCOUNT_ID: &str = "/subscriptions/00000000-0000-0000-0000-0000000000a1/resourceGroups/ai-prod/providers/Microsoft.Storage/storageAccounts/aiirtraindata";

fn audience(r: &Recorded) -> String {
    let token = r
        .authorization
        .as_deref()
        .unwrap_or_default()
        .strip_prefix("Bearer ")
        .expect("bearer token");
    let payload = token.split('.').nth(1).expect("JWT-shaped");
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    claims["aud"].as_str().unwrap_or_default().to_string()
}

/// A handler with in-process state (no storage account) and every REST endpoint on `rest`.
fn handler(rest: &FixtureServer) -> aiir_azure::Handler {
    let config = Config {
        endpoints: Endpoints {
            arm: Some(rest.base.clone()),
            key_vault: Some(rest.base.clone()),
            content_safety: Some(rest.base.clone()),
            ..Default::default()
        },
        playbook_path: Some(support::playbook(
            &format!("{}/hooks/oncall", rest.base),
            "quarantine",
        )),
        ..Default::default()
    };
    let http = aiir_azure::clients::http_client(None).unwrap();
    testing::build_handler(&config, http, None).expect("handler")
}

async fn run(h: &aiir_azure::Handler, event: Value, dry_run: bool) -> Value {
    serde_json::to_value(
        h.handle(event.to_string().as_bytes(), dry_run)
            .await
            .expect("handled"),
    )
    .unwrap()
}

#[tokio::test]
async fn lock_public_access_sends_the_documented_arm_requests_and_undoes() {
    let mut routes = storage_account_routes(ACCOUNT_ID, true);
    routes.push(Route::new(
        "POST",
        "/hooks/oncall",
        vec![(200, Value::Null)],
    ));
    let rest = FixtureServer::start(routes).await.unwrap();
    let h = handler(&rest);
    let drill = json!({ "aiir": "drill", "drill_id": "lock-1", "title": "Drill: public training data", "kind": "exposure", "severity": "high",
                        "resources": [{ "kind": "bucket", "id": ACCOUNT_ID }] });

    // Dry-run reads only (its own server: the scripted answers are consumed in order).
    let dry_rest = FixtureServer::start(storage_account_routes(ACCOUNT_ID, true))
        .await
        .unwrap();
    let dry = run(&handler(&dry_rest), drill.clone(), true).await;
    assert_eq!(
        support::steps(&dry)[0],
        ("lock-public-access".into(), "dry-run".into())
    );
    assert!(dry_rest.writes().is_empty(), "{:?}", dry_rest.writes());
    assert_eq!(dry_rest.requests().len(), 2);

    let report = run(&h, drill.clone(), false).await;
    assert_eq!(
        support::steps(&report)[0],
        ("lock-public-access".into(), "applied".into()),
        "{report:#}"
    );
    let container = format!("{ACCOUNT_ID}/blobServices/default/containers/container1644");
    let arm: Vec<Recorded> = rest
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with(ACCOUNT_ID))
        .collect();
    let calls: Vec<(String, String)> = arm
        .iter()
        .map(|r| (r.method.clone(), r.path.replace(ACCOUNT_ID, "{account}")))
        .collect();
    let expect = |m: &str, p: &str| (m.to_string(), p.to_string());
    assert_eq!(
        calls[..],
        [
            expect("GET", "{account}"),
            expect("GET", "{account}/blobServices/default/containers"),
            expect("PATCH", "{account}"),
            expect(
                "PATCH",
                "{account}/blobServices/default/containers/container1644"
            ),
            expect("GET", "{account}"),
            expect(
                "GET",
                "{account}/blobServices/default/containers/container1644"
            ),
        ],
    );
    for r in &arm {
        assert_eq!(
            r.api_version().as_deref(),
            Some("2023-05-01"),
            "{} {}",
            r.method,
            r.path
        );
        assert_eq!(audience(r), "https://management.azure.com");
    }
    let patches: Vec<&Recorded> = arm.iter().filter(|r| r.method == "PATCH").collect();
    assert_eq!(
        patches[0].body,
        json!({ "properties": { "allowBlobPublicAccess": false } })
    );
    assert_eq!(
        patches[1].body,
        json!({ "properties": { "publicAccess": "None" } })
    );
    let step = &report["incidents"][0]["steps"][0];
    assert_eq!(step["prior_state"]["allow_blob_public_access"], true);
    assert_eq!(
        step["prior_state"]["containers"],
        json!([[container, "Container"]])
    );
    // The request body matches the shape of the official update example.
    assert_eq!(
        testing::example("StorageAccountUpdate.json")["parameters"]["parameters"]["properties"]
            ["allowBlobPublicAccess"],
        false
    );

    // Redelivery acts once.
    let again = run(&h, drill, false).await;
    assert_eq!(again["incidents"][0]["outcome"], "duplicate");

    // Undo restores the account flag and the container level.
    let incident_id = report["incidents"][0]["incident"]["id"].as_str().unwrap();
    let undone = run(
        &h,
        json!({ "aiir": "undo", "incident_id": incident_id, "operator": "oncall@example.com" }),
        false,
    )
    .await;
    assert!(
        undone["operator_steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["status"] == "undone" && s["action"]["type"] == "lock-public-access"),
        "{undone:#}"
    );
    let patches: Vec<Recorded> = rest
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.path.starts_with(ACCOUNT_ID))
        .collect();
    assert_eq!(patches.len(), 4);
    assert_eq!(
        patches[2].body,
        json!({ "properties": { "allowBlobPublicAccess": true } })
    );
    assert_eq!(
        patches[3].body,
        json!({ "properties": { "publicAccess": "Container" } })
    );
}

#[tokio::test]
async fn rotate_secret_writes_a_new_version_never_records_values_and_undoes() {
    let mut routes = key_vault_routes("mysecretname");
    routes.push(Route::new(
        "POST",
        "/hooks/oncall",
        vec![(200, Value::Null)],
    ));
    let rest = FixtureServer::start(routes).await.unwrap();
    let h = handler(&rest);
    let secret = "https://myvault.vault.azure.net/secrets/mysecretname";
    let drill = json!({ "aiir": "drill", "drill_id": "rotate-1", "title": "Drill: prompt injection reached a tool", "kind": "prompt-attack", "severity": "critical",
                        "resources": [{ "kind": "secret", "id": secret }] });
    let report = run(&h, drill, false).await;
    assert_eq!(
        support::steps(&report)[0],
        ("rotate-secret".into(), "applied".into()),
        "{report:#}"
    );
    let kv: Vec<Recorded> = rest
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/secrets/"))
        .collect();
    assert_eq!(
        kv.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(),
        vec!["GET", "PUT", "GET"]
    );
    for r in &kv {
        assert_eq!(r.path, "/secrets/mysecretname");
        assert_eq!(r.api_version().as_deref(), Some("7.4"));
        assert_eq!(audience(r), "https://vault.azure.net");
    }
    let put = &kv[1];
    let value = put.body["value"].as_str().expect("a value").to_string();
    assert!(
        value.len() >= 43 && value != "mysecretvalue",
        "a fresh 256-bit value"
    );
    assert_eq!(
        put.body["tags"]["aiir-step"],
        report["incidents"][0]["steps"][0]["step_id"]
    );
    let step = &report["incidents"][0]["steps"][0];
    assert_eq!(
        step["prior_state"]["previous_version_id"],
        example_response("GetSecret-example.json", "200")["id"]
    );
    assert_eq!(
        step["new_state"]["version_id"],
        example_response("SetSecret-example.json", "200")["id"]
    );
    let text = report.to_string();
    assert!(
        !text.contains(&value) && !text.contains("mysecretvalue"),
        "secret values never appear in the report or audit records"
    );

    // Undo copies the previous version's value into a new version (read in memory only).
    let incident_id = report["incidents"][0]["incident"]["id"].as_str().unwrap();
    let undone = run(
        &h,
        json!({ "aiir": "undo", "incident_id": incident_id, "operator": "oncall@example.com" }),
        false,
    )
    .await;
    assert!(
        undone["operator_steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["status"] == "undone"),
        "{undone:#}"
    );
    assert!(!undone.to_string().contains("mysecretvalue"));
    let kv: Vec<Recorded> = rest
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/secrets/"))
        .collect();
    assert_eq!(
        kv[4].path,
        "/secrets/mysecretname/4387e9f3d6e14c459867679a90fd0f79"
    );
    assert_eq!(kv[5].method, "PUT");
    assert_eq!(kv[5].body["value"], "mysecretvalue");
}

#[tokio::test]
async fn malformed_and_resolved_alerts_change_nothing() {
    let rest = FixtureServer::start(storage_account_routes(ACCOUNT_ID, true))
        .await
        .unwrap();
    let h = handler(&rest);
    for bad in [
        b"".as_slice(),
        b"{",
        b"{\"schemaId\":\"azureMonitorCommonAlertSchema\"}",
        b"[]",
    ] {
        let err = h.handle(bad, false).await.expect_err("rejected");
        assert!(!err.is_retryable());
    }
    let resolved = support::fixture("constructed-metric-alert-static-resolved-aml-endpoint.json");
    let report = serde_json::to_value(h.handle(&resolved, false).await.unwrap()).unwrap();
    assert_eq!(report["incidents"][0]["outcome"], "resolved");
    assert!(rest.requests().is_empty());
}
