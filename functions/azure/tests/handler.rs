//! The custom handler protocol without any cloud: invocation envelopes in (the published
//! request shape), `Outputs`/`Logs`/`ReturnValue` out, through the HTTP server bound on a
//! loopback port, and `invoke`-style handling of raw payloads and envelopes.
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aiir_azure::config::Config;
use aiir_azure::envelope::Invocation;
use aiir_azure::{server, testing};
use aiir_core::intake::ModelIoBatch;
use serde_json::{json, Value};

fn handler_with(counter: Option<Arc<AtomicUsize>>) -> aiir_azure::Handler {
    let scanner: Option<aiir_azure::handler::ModelIoScanner> = counter.map(|c| {
        let s: aiir_azure::handler::ModelIoScanner = Arc::new(move |b: &ModelIoBatch| {
            c.fetch_add(b.records.len(), Ordering::SeqCst);
            Vec::new()
        });
        s
    });
    // Notifications go nowhere reachable: these tests rehearse (dry-run) or match no rule.
    let config = Config {
        playbook_path: Some(support::playbook("http://127.0.0.1:9/hook", "quarantine")),
        ..Default::default()
    };
    testing::build_handler(
        &config,
        aiir_azure::clients::http_client(None).unwrap(),
        scanner,
    )
    .expect("handler")
}

#[tokio::test]
async fn http_trigger_envelope_answers_through_res() {
    let h = handler_with(None);
    let inv: Invocation = serde_json::from_slice(&support::fixture(
        "constructed-functions-envelope-http-monitor-alert.json",
    ))
    .unwrap();
    let rsp = serde_json::to_value(h.invoke("alerts", &inv, true).await.expect("invoked")).unwrap();
    assert_eq!(rsp["Outputs"]["res"]["statusCode"], 200);
    let body: Value =
        serde_json::from_str(rsp["Outputs"]["res"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["incidents"][0]["incident"]["source"], "azure-monitor");
    assert!(rsp["Logs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l.as_str().unwrap().contains("IncidentsHandled")));
    // The published request sample carries an order, not an alert: 400, nothing done.
    let sample: Invocation = serde_json::from_slice(&support::fixture(
        "functions-custom-handler-request-http-trigger-body.json",
    ))
    .unwrap();
    let rsp = serde_json::to_value(h.invoke("alerts", &sample, false).await.unwrap()).unwrap();
    assert_eq!(rsp["Outputs"]["res"]["statusCode"], 400);
    assert!(rsp["Outputs"]["res"]["body"]
        .as_str()
        .unwrap()
        .contains("unrecognised payload"));
    // The response has exactly the published response shape's keys.
    let published: Value = serde_json::from_slice(&support::fixture(
        "functions-custom-handler-response-example.json",
    ))
    .unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&rsp), keys(&published));
}

#[tokio::test]
async fn event_grid_and_event_hub_envelopes() {
    let count = Arc::new(AtomicUsize::new(0));
    let h = handler_with(Some(count.clone()));
    let eg: Invocation = serde_json::from_slice(&support::fixture(
        "constructed-functions-envelope-eventgrid-trigger.json",
    ))
    .unwrap();
    let rsp = serde_json::to_value(h.invoke("events", &eg, true).await.unwrap()).unwrap();
    assert_eq!(
        rsp["ReturnValue"][0]["incidents"][0]["incident"]["source"],
        "event-grid"
    );
    let hub: Invocation = serde_json::from_slice(&support::fixture(
        "constructed-functions-envelope-eventhub-diagnostic-logs.json",
    ))
    .unwrap();
    let rsp = serde_json::to_value(h.invoke("modelio", &hub, false).await.unwrap()).unwrap();
    assert_eq!(
        count.load(Ordering::SeqCst),
        3,
        "all three records reached the detectors"
    );
    assert!(rsp["Logs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l.as_str().unwrap().contains("DetectorFindings")));
    // A poison message is acknowledged with the reason, not retried forever.
    let bad: Invocation =
        serde_json::from_value(json!({ "Data": { "event": "not json" }, "Metadata": {} })).unwrap();
    let rsp = serde_json::to_value(h.invoke("events", &bad, false).await.unwrap()).unwrap();
    assert!(rsp["ReturnValue"][0]["error"]
        .as_str()
        .unwrap()
        .contains("rejected"));
}

#[tokio::test]
async fn invoke_accepts_raw_payloads_and_envelopes() {
    let h = handler_with(None);
    let raw = h
        .invoke_file(
            &support::fixture("monitor-common-alert-schema-log-search-alert-v2-test-action.json"),
            true,
        )
        .await
        .unwrap();
    assert_eq!(raw["incidents"][0]["incident"]["source"], "azure-monitor");
    let env = h
        .invoke_file(
            &support::fixture("constructed-functions-envelope-eventgrid-trigger.json"),
            true,
        )
        .await
        .unwrap();
    assert!(env.get("ReturnValue").is_some());
    assert!(h.invoke_file(b"garbage", true).await.is_err());
}

#[tokio::test]
async fn custom_handler_server_on_loopback() {
    let h = Arc::new(handler_with(None));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::serve(h, listener));
    let client = reqwest::Client::new();
    let body = String::from_utf8(support::fixture(
        "constructed-functions-envelope-http-monitor-alert.json",
    ))
    .unwrap();
    let rsp = client
        .post(format!("http://{addr}/alerts"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(rsp.status(), 200);
    let v: Value = rsp.json().await.unwrap();
    assert_eq!(v["Outputs"]["res"]["statusCode"], 200);
    let rsp = client
        .post(format!("http://{addr}/nope"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(rsp.status(), 404);
    let rsp = client
        .post(format!("http://{addr}/events"))
        .body("not an invocation")
        .send()
        .await
        .unwrap();
    assert_eq!(rsp.status(), 400);
}

#[test]
fn app_folder_matches_the_server() {
    let app = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("app");
    let host: Value =
        serde_json::from_str(&std::fs::read_to_string(app.join("host.json")).unwrap()).unwrap();
    assert_eq!(
        host["customHandler"]["description"]["defaultExecutablePath"],
        "aiir-azure"
    );
    for f in server::FUNCTIONS {
        let fj: Value = serde_json::from_str(
            &std::fs::read_to_string(app.join(f).join("function.json")).unwrap(),
        )
        .unwrap();
        let bindings = fj["bindings"].as_array().unwrap();
        for b in bindings.iter().filter(|b| b["type"] == "httpTrigger") {
            assert_eq!(b["authLevel"], "function", "{f}");
        }
        assert!(!bindings.is_empty());
    }
}
