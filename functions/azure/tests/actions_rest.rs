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
        logs_ingestion: Some(rest.base.clone()),
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

// ---------------------------------------------------------------- disable-endpoint

const ML_ID: &str = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/test-rg/providers/Microsoft.MachineLearningServices/workspaces/my-aml-workspace/onlineEndpoints/testEndpointName";

/// The `OnlineEndpoints_Get` example re-homed on [`ML_ID`], with a traffic split, access and
/// a finished provisioning state (fields of the same 2024-04-01 schema).
fn endpoint(traffic: Value, access: &str) -> Value {
    let mut e = response("OnlineEndpointGet.json", "200");
    e["id"] = json!(ML_ID);
    e["name"] = json!("testEndpointName");
    e["properties"]["traffic"] = traffic;
    e["properties"]["publicNetworkAccess"] = json!(access);
    e["properties"]["provisioningState"] = json!("Succeeded");
    e
}

/// The `PUT` body the published `OnlineEndpoints_CreateOrUpdate` request has, with `traffic`
/// and `publicNetworkAccess` as given.
fn published_put(traffic: Value, access: &str) -> Value {
    let mut b = example("OnlineEndpointCreateOrUpdate.json")["parameters"]["body"].clone();
    b["properties"]["traffic"] = traffic;
    b["properties"]["publicNetworkAccess"] = json!(access);
    b
}

fn put_answer() -> Value {
    let mut a = response("OnlineEndpointCreateOrUpdate.json", "201");
    a["id"] = json!(ML_ID);
    a
}

fn disable_step(id: &str, kind: ResourceKind) -> Step {
    Step::new(
        IncidentKind::PromptAttack,
        ActionSpec::DisableEndpoint { endpoint: None },
        ResourceRef::new(kind, id),
    )
}

#[tokio::test]
async fn disable_endpoint_takes_an_ml_endpoint_out_of_service_and_undoes() {
    let split = json!({ "blue": 90, "green": 10 });
    let off = json!({ "blue": 0, "green": 0 });
    let before = endpoint(split.clone(), "Enabled");
    let after = endpoint(off.clone(), "Disabled");
    let routes = || {
        vec![
            Route::new(
                "GET",
                ML_ID,
                vec![
                    (200, before.clone()), // apply: read
                    (200, after.clone()),  // apply: poll
                    (200, after.clone()),  // repeat apply
                    (200, after.clone()),  // undo: read
                    (200, before.clone()), // undo: poll
                    (200, before.clone()), // repeat undo
                ],
            ),
            Route::new("PUT", ML_ID, vec![(201, put_answer())]),
        ]
    };
    let step = disable_step(ML_ID, ResourceKind::ModelEndpoint);

    let dry_rest = FixtureServer::start(routes()).await.unwrap();
    let dry = step
        .apply(&remediator(&dry_rest), Mode::DryRun)
        .await
        .unwrap();
    assert!(dry.changed);
    assert_eq!(calls(&dry_rest), [call("GET", ML_ID)]);
    assert!(
        dry.details[0].contains("blue=0%, green=0%")
            && dry.details[0].contains("was blue=90%, green=10%")
            && dry.details[0].contains("publicNetworkAccess to Disabled"),
        "{:?}",
        dry.details
    );

    let rest = FixtureServer::start(routes()).await.unwrap();
    let r = remediator(&rest);
    let applied = step.apply(&r, Mode::Enforce).await.unwrap();
    assert!(applied.changed);
    assert_eq!(
        calls(&rest),
        [call("GET", ML_ID), call("PUT", ML_ID), call("GET", ML_ID)]
    );
    for req in rest.requests() {
        assert_eq!(req.api_version().as_deref(), Some("2024-04-01"));
    }
    assert_eq!(
        writes(&rest)[0].body,
        published_put(off.clone(), "Disabled")
    );
    assert_eq!(
        applied.prior_state,
        json!({ "kind": "ml-endpoint", "endpoint_id": ML_ID, "traffic": split, "public_network_access": "Enabled" })
    );

    let again = step.apply(&r, Mode::Enforce).await.unwrap();
    assert!(!again.changed);
    assert_eq!(writes(&rest).len(), 1);

    let record = step.record(&applied);
    let undone = r.undo(&record).await.unwrap();
    assert!(undone.changed);
    let w = writes(&rest);
    assert_eq!(w.len(), 2);
    assert_eq!(w[1].body, published_put(split, "Enabled"));
    assert!(!r.undo(&record).await.unwrap().changed);
    assert_eq!(writes(&rest).len(), 2);
}

#[tokio::test]
async fn disable_endpoint_stops_a_function_app_and_undo_starts_it() {
    let running = response("GetWebApp.json", "200");
    let site = running["id"].as_str().unwrap().to_string();
    let mut stopped = running.clone();
    stopped["properties"]["state"] = json!("Stopped");
    let routes = || {
        vec![
            Route::new(
                "GET",
                site.clone(),
                vec![
                    (200, running.clone()),
                    (200, stopped.clone()),
                    (200, stopped.clone()),
                    (200, stopped.clone()),
                    (200, running.clone()),
                    (200, running.clone()),
                ],
            ),
            // WebApps_Stop / WebApps_Start answer 200 with no body (no published example).
            Route::new("POST", format!("{site}/stop"), vec![(200, Value::Null)]),
            Route::new("POST", format!("{site}/start"), vec![(200, Value::Null)]),
        ]
    };
    let step = disable_step(&site, ResourceKind::Function);

    let dry_rest = FixtureServer::start(routes()).await.unwrap();
    let dry = step
        .apply(&remediator(&dry_rest), Mode::DryRun)
        .await
        .unwrap();
    assert!(dry.changed && dry.details[0].starts_with("would stop app"));
    assert!(writes(&dry_rest).is_empty());

    let rest = FixtureServer::start(routes()).await.unwrap();
    let r = remediator(&rest);
    let applied = step.apply(&r, Mode::Enforce).await.unwrap();
    assert!(applied.changed);
    assert_eq!(
        calls(&rest),
        [
            call("GET", &site),
            call("POST", &format!("{site}/stop")),
            call("GET", &site)
        ]
    );
    for req in rest.requests() {
        assert_eq!(req.api_version().as_deref(), Some("2023-12-01"));
    }
    assert_eq!(applied.prior_state["state"], "Running");
    assert!(!step.apply(&r, Mode::Enforce).await.unwrap().changed);
    let record = step.record(&applied);
    assert!(r.undo(&record).await.unwrap().changed);
    assert_eq!(
        writes(&rest)
            .iter()
            .map(|w| w.path.clone())
            .collect::<Vec<_>>(),
        [format!("{site}/stop"), format!("{site}/start")]
    );
    assert!(!r.undo(&record).await.unwrap().changed);
    assert_eq!(writes(&rest).len(), 2);
}

// ---------------------------------------------------------------- rollback-model

/// The `OnlineDeployments_List` example, one entry per (name, createdAt), `nextLink` dropped.
fn deployment_list(entries: &[(&str, &str)]) -> Value {
    let mut list = response("OnlineDeploymentList.json", "200");
    let template = list["value"][0].clone();
    list["value"] = Value::Array(
        entries
            .iter()
            .map(|(name, created)| {
                let mut d = template.clone();
                d["id"] = json!(format!("{ML_ID}/deployments/{name}"));
                d["name"] = json!(name);
                d["systemData"]["createdAt"] = json!(created);
                d
            })
            .collect(),
    );
    if let Some(o) = list.as_object_mut() {
        o.remove("nextLink");
    }
    list
}

#[tokio::test]
async fn rollback_model_moves_traffic_to_the_previous_deployment_and_undoes() {
    let live = json!({ "blue": 0, "green": 100 });
    let back = json!({ "blue": 100, "green": 0 });
    let before = endpoint(live.clone(), "Enabled");
    let mut after = endpoint(back.clone(), "Enabled");
    after["tags"] = json!({ "aiir-rollback-step": "step-1" });
    let list = deployment_list(&[
        ("red", "2019-12-01T00:00:00Z"),
        ("blue", "2020-01-01T12:34:56.999Z"),
        ("green", "2020-02-01T00:00:00Z"),
    ]);
    let deployments = format!("{ML_ID}/deployments");
    let routes = || {
        vec![
            Route::new(
                "GET",
                ML_ID,
                vec![
                    (200, before.clone()), // apply: read
                    (200, after.clone()),  // apply: poll
                    (200, after.clone()),  // repeat apply (tagged by this step)
                    (200, after.clone()),  // undo: read
                    (200, before.clone()), // undo: poll
                    (200, before.clone()), // repeat undo
                ],
            ),
            Route::new("GET", deployments.clone(), vec![(200, list.clone())]),
            Route::new("PUT", ML_ID, vec![(201, put_answer())]),
        ]
    };
    let step = Step::new(
        IncidentKind::ModelIntegrity,
        ActionSpec::RollbackModel {
            endpoint: None,
            to: None,
        },
        ResourceRef::new(ResourceKind::ModelEndpoint, ML_ID),
    );

    let dry_rest = FixtureServer::start(routes()).await.unwrap();
    let dry = step
        .apply(&remediator(&dry_rest), Mode::DryRun)
        .await
        .unwrap();
    assert!(dry.changed);
    assert_eq!(
        calls(&dry_rest),
        [call("GET", ML_ID), call("GET", &deployments)]
    );
    assert!(
        dry.details[0].contains("to blue (blue=100%, green=0%; was blue=0%, green=100%)"),
        "{:?}",
        dry.details
    );

    let rest = FixtureServer::start(routes()).await.unwrap();
    let r = remediator(&rest);
    let applied = step.apply(&r, Mode::Enforce).await.unwrap();
    assert!(applied.changed);
    assert_eq!(
        calls(&rest),
        [
            call("GET", ML_ID),
            call("GET", &deployments),
            call("PUT", ML_ID),
            call("GET", ML_ID)
        ]
    );
    for req in rest.requests() {
        assert_eq!(req.api_version().as_deref(), Some("2024-04-01"));
    }
    let mut expect = published_put(back, "Enabled");
    expect["tags"] = json!({ "aiir-rollback-step": "step-1" });
    assert_eq!(writes(&rest)[0].body, expect);
    assert_eq!(applied.prior_state["rolled_back_to"], "blue");
    assert_eq!(applied.prior_state["traffic"], live);

    // A repeat does not walk further back (blue → red): the step tag stops it.
    let again = step.apply(&r, Mode::Enforce).await.unwrap();
    assert!(!again.changed, "{again:?}");
    assert_eq!(writes(&rest).len(), 1);

    let record = step.record(&applied);
    assert!(r.undo(&record).await.unwrap().changed);
    let w = writes(&rest);
    assert_eq!(w.len(), 2);
    assert_eq!(w[1].body, published_put(live, "Enabled"));
    assert!(!r.undo(&record).await.unwrap().changed);
    assert_eq!(writes(&rest).len(), 2);
}

#[tokio::test]
async fn rollback_model_to_an_unknown_deployment_writes_nothing() {
    let rest = FixtureServer::start(vec![
        Route::new(
            "GET",
            ML_ID,
            vec![(200, endpoint(json!({ "green": 100 }), "Enabled"))],
        ),
        Route::new(
            "GET",
            format!("{ML_ID}/deployments"),
            vec![(200, deployment_list(&[("green", "2020-02-01T00:00:00Z")]))],
        ),
    ])
    .await
    .unwrap();
    let r = remediator(&rest);
    for to in [None, Some("purple".to_string())] {
        let step = Step::new(
            IncidentKind::ModelIntegrity,
            ActionSpec::RollbackModel { endpoint: None, to },
            ResourceRef::new(ResourceKind::ModelEndpoint, ML_ID),
        );
        let err = step.apply(&r, Mode::Enforce).await.unwrap_err();
        assert!(matches!(err, ActionError::NotFound(_)), "{err}");
    }
    assert!(writes(&rest).is_empty());
}

// ---------------------------------------------------------------- block-prompt

const BLOCKLIST: &str =
    "https://cs1.cognitiveservices.azure.com/contentsafety/text/blocklists/TestBlocklist";
const BLOCKLIST_PATH: &str = "/contentsafety/text/blocklists/TestBlocklist";

fn audience(r: &Recorded) -> String {
    use base64::Engine;
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

fn block_step(target: ResourceRef, ip_set: Option<&str>) -> Step {
    Step::new(
        IncidentKind::PromptAttack,
        ActionSpec::BlockPrompt {
            blocklist: BLOCKLIST.into(),
            ip_set: ip_set.map(str::to_string),
        },
        target,
    )
}

#[tokio::test]
async fn block_prompt_adds_a_content_safety_blocklist_item_and_undo_removes_it() {
    // The published list holds "hate" (9511969e…) and a regex; before the block it lacks "hate".
    let with = response("ListTextBlocklistItems.json", "200");
    let mut without = with.clone();
    without["value"]
        .as_array_mut()
        .unwrap()
        .retain(|i| i["text"] != "hate");
    let list = format!("{BLOCKLIST_PATH}/blocklistItems");
    let add = format!("{BLOCKLIST_PATH}:addOrUpdateBlocklistItems");
    let remove = format!("{BLOCKLIST_PATH}:removeBlocklistItems");
    let routes = || {
        vec![
            Route::new(
                "GET",
                list.clone(),
                vec![
                    (200, without.clone()), // apply: read
                    (200, with.clone()),    // apply: verify
                    (200, with.clone()),    // repeat apply
                    (200, with.clone()),    // undo: still listed?
                    (200, without.clone()), // undo: verify
                    (200, without.clone()), // repeat undo
                ],
            ),
            Route::new(
                "POST",
                add.clone(),
                vec![(200, response("AddOrUpdateBlocklistItems.json", "200"))],
            ),
            Route::new("POST", remove.clone(), vec![(204, Value::Null)]),
        ]
    };
    let step = block_step(ResourceRef::new(ResourceKind::Prompt, "hate"), None);

    let dry_rest = FixtureServer::start(routes()).await.unwrap();
    let dry = step
        .apply(&remediator(&dry_rest), Mode::DryRun)
        .await
        .unwrap();
    assert!(dry.changed);
    assert_eq!(calls(&dry_rest), [call("GET", &list)]);
    assert!(
        dry.details[0].starts_with("would add sha256:")
            && dry.details[0].ends_with("to Content Safety blocklist TestBlocklist"),
        "{:?}",
        dry.details
    );

    let rest = FixtureServer::start(routes()).await.unwrap();
    let r = remediator(&rest);
    let applied = step.apply(&r, Mode::Enforce).await.unwrap();
    assert!(applied.changed);
    assert_eq!(
        calls(&rest),
        [call("GET", &list), call("POST", &add), call("GET", &list)]
    );
    for req in rest.requests() {
        assert_eq!(req.api_version().as_deref(), Some("2024-09-01"));
        assert_eq!(audience(&req), "https://cognitiveservices.azure.com");
    }
    // The body has the published request's shape: blocklistItems[{description, text}].
    let published = &example("AddOrUpdateBlocklistItems.json")["parameters"]["body"];
    let sent = &writes(&rest)[0].body;
    assert_eq!(
        sent["blocklistItems"][0]["text"],
        published["blocklistItems"][0]["text"]
    );
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&sent["blocklistItems"][0]),
        keys(&published["blocklistItems"][0])
    );
    assert_eq!(
        applied.prior_state["item_id"],
        "9511969e-f1e3-4604-9127-05ee16c509ec"
    );
    assert!(!format!("{:?}", applied.details).contains("hate"));

    let again = step.apply(&r, Mode::Enforce).await.unwrap();
    assert!(!again.changed);
    assert_eq!(writes(&rest).len(), 1);

    let record = step.record(&applied);
    assert!(r.undo(&record).await.unwrap().changed);
    let w = writes(&rest);
    assert_eq!(w.len(), 2);
    assert_eq!(w[1].path, remove);
    // Exactly the published remove request.
    assert_eq!(
        w[1].body,
        example("RemoveBlocklistItems.json")["parameters"]["body"]
    );
    assert!(!r.undo(&record).await.unwrap().changed);
    assert_eq!(writes(&rest).len(), 2);
}

const POLICY_ID: &str = "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/FrontDoorWebApplicationFirewallPolicies/Policy1";

#[tokio::test]
async fn block_prompt_adds_the_caller_to_a_front_door_waf_rule_and_undo_removes_it() {
    let before = response("WafPolicyGet.json", "200");
    let ours = json!({
        "name": "aiirBlockedCallers",
        "priority": 3,
        "enabledState": "Enabled",
        "ruleType": "MatchRule",
        "matchConditions": [{
            "matchVariable": "RemoteAddr",
            "operator": "IPMatch",
            "negateCondition": false,
            "matchValue": ["203.0.113.7"],
        }],
        "action": "Block",
    });
    let mut after = before.clone();
    after["properties"]["customRules"]["rules"]
        .as_array_mut()
        .unwrap()
        .push(ours.clone());
    let routes = || {
        vec![
            Route::new(
                "GET",
                POLICY_ID,
                vec![
                    (200, before.clone()),
                    (200, after.clone()),
                    (200, after.clone()),
                    (200, after.clone()),
                    (200, before.clone()),
                    (200, before.clone()),
                ],
            ),
            Route::new("PUT", POLICY_ID, vec![(200, after.clone())]),
        ]
    };
    let step = block_step(
        ResourceRef::new(ResourceKind::Caller, "203.0.113.7"),
        Some(POLICY_ID),
    );

    let dry_rest = FixtureServer::start(routes()).await.unwrap();
    let dry = step
        .apply(&remediator(&dry_rest), Mode::DryRun)
        .await
        .unwrap();
    assert!(dry.changed);
    assert_eq!(calls(&dry_rest), [call("GET", POLICY_ID)]);
    assert!(
        dry.details[0].starts_with(
            "would create WAF rule aiirBlockedCallers (priority 3, Block RemoteAddr IPMatch 203.0.113.7)"
        ),
        "{:?}",
        dry.details
    );

    let rest = FixtureServer::start(routes()).await.unwrap();
    let r = remediator(&rest);
    let applied = step.apply(&r, Mode::Enforce).await.unwrap();
    assert!(applied.changed);
    assert_eq!(
        calls(&rest),
        [
            call("GET", POLICY_ID),
            call("PUT", POLICY_ID),
            call("GET", POLICY_ID)
        ]
    );
    for req in rest.requests() {
        assert_eq!(req.api_version().as_deref(), Some("2024-02-01"));
        assert_eq!(audience(&req), "https://management.azure.com");
    }
    // The policy as read, read-only fields dropped, with aiir's rule appended.
    let expected = |rules: Value| {
        let mut b = before.clone();
        for k in ["id", "name", "type"] {
            b.as_object_mut().unwrap().remove(k);
        }
        let p = b["properties"].as_object_mut().unwrap();
        for k in [
            "provisioningState",
            "resourceState",
            "frontendEndpointLinks",
            "securityPolicyLinks",
        ] {
            p.remove(k);
        }
        b["properties"]["customRules"]["rules"] = rules;
        b
    };
    let mut with_ours = before["properties"]["customRules"]["rules"].clone();
    with_ours.as_array_mut().unwrap().push(ours);
    assert_eq!(writes(&rest)[0].body, expected(with_ours));
    assert_eq!(
        applied.prior_state,
        json!({ "kind": "waf-address", "policy_id": POLICY_ID, "address": "203.0.113.7", "rule_existed": false })
    );

    assert!(!step.apply(&r, Mode::Enforce).await.unwrap().changed);
    assert_eq!(writes(&rest).len(), 1);

    let record = step.record(&applied);
    assert!(r.undo(&record).await.unwrap().changed);
    let w = writes(&rest);
    assert_eq!(w.len(), 2);
    assert_eq!(
        w[1].body,
        expected(before["properties"]["customRules"]["rules"].clone())
    );
    assert!(!r.undo(&record).await.unwrap().changed);
    assert_eq!(writes(&rest).len(), 2);
}

#[tokio::test]
async fn block_prompt_rejects_callers_without_a_policy_and_bad_addresses() {
    let rest = FixtureServer::start(vec![]).await.unwrap();
    let r = remediator(&rest);
    for step in [
        block_step(ResourceRef::new(ResourceKind::Caller, "203.0.113.7"), None),
        block_step(
            ResourceRef::new(ResourceKind::Caller, "not-an-ip"),
            Some(POLICY_ID),
        ),
    ] {
        let err = step.apply(&r, Mode::Enforce).await.unwrap_err();
        assert!(matches!(err, ActionError::Invalid(_)), "{err}");
    }
    assert!(rest.requests().is_empty());
}

const AGW_POLICY_ID: &str = "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/Policy1";

#[tokio::test]
async fn block_prompt_adds_the_caller_to_an_application_gateway_waf_rule_and_undoes() {
    let before = response("ApplicationGatewayWafPolicyGet.json", "200");
    let ours = json!({
        "name": "aiirBlockedCallers",
        "priority": 5,
        "state": "Enabled",
        "ruleType": "MatchRule",
        "matchConditions": [{
            "matchVariables": [{ "variableName": "RemoteAddr" }],
            "operator": "IPMatch",
            "negationConditon": false,
            "matchValues": ["2001:db8::7"],
        }],
        "action": "Block",
    });
    let mut after = before.clone();
    after["properties"]["customRules"]
        .as_array_mut()
        .unwrap()
        .push(ours.clone());
    let rest = FixtureServer::start(vec![
        Route::new(
            "GET",
            AGW_POLICY_ID,
            vec![
                (200, before.clone()),
                (200, after.clone()),
                (200, after.clone()),
                (200, after.clone()),
                (200, before.clone()),
            ],
        ),
        Route::new("PUT", AGW_POLICY_ID, vec![(200, after.clone())]),
    ])
    .await
    .unwrap();
    let r = remediator(&rest);
    let step = block_step(
        ResourceRef::new(ResourceKind::Caller, "2001:db8::7"),
        Some(AGW_POLICY_ID),
    );
    let applied = step.apply(&r, Mode::Enforce).await.unwrap();
    assert!(applied.changed);
    for req in rest.requests() {
        assert_eq!(req.api_version().as_deref(), Some("2024-05-01"));
    }
    let expected = |rules: Value| {
        let mut b = before.clone();
        for k in ["id", "name", "type"] {
            b.as_object_mut().unwrap().remove(k);
        }
        let p = b["properties"].as_object_mut().unwrap();
        for k in [
            "provisioningState",
            "resourceState",
            "applicationGatewayForContainers",
        ] {
            p.remove(k);
        }
        b["properties"]["customRules"] = rules;
        b
    };
    let mut with_ours = before["properties"]["customRules"].clone();
    with_ours.as_array_mut().unwrap().push(ours);
    assert_eq!(writes(&rest)[0].body, expected(with_ours));
    assert!(!step.apply(&r, Mode::Enforce).await.unwrap().changed);
    assert!(r.undo(&step.record(&applied)).await.unwrap().changed);
    let w = writes(&rest);
    assert_eq!(w.len(), 2);
    assert_eq!(
        w[1].body,
        expected(before["properties"]["customRules"].clone())
    );
}

// --------------------------------------------------------------------------- trigger-alert

const DCR: &str = "dcr-4a7b1c2d3e4f40e2b13dac29cfb46af4";
const STREAM: &str = "Custom-AiirIncidents_CL";

fn ingestion_url() -> String {
    format!("https://aiir-dce.eastus-2.ingest.monitor.azure.com/dataCollectionRules/{DCR}/streams/{STREAM}")
}

fn ingestion_path() -> String {
    format!("/dataCollectionRules/{DCR}/streams/{STREAM}")
}

fn page_step(alert: &str) -> Step {
    Step::new(
        IncidentKind::DataLeakage,
        ActionSpec::TriggerAlert {
            alert: alert.into(),
        },
        ResourceRef::new(ResourceKind::Other, alert),
    )
}

/// The route answers as `post_IngestUsingDataCollectionRule.json` does: `204`, no body.
fn ingestion_routes() -> Vec<Route> {
    let published = example("post_IngestUsingDataCollectionRule.json");
    assert!(published.pointer("/responses/204").is_some());
    assert!(published.pointer("/responses/204/body").is_none());
    vec![Route::new(
        "POST",
        ingestion_path(),
        vec![(204, Value::Null)],
    )]
}

#[tokio::test]
async fn trigger_alert_posts_one_record_to_the_logs_ingestion_stream() {
    let step = page_step(&ingestion_url());

    // Dry-run: nothing sent (the API has no read), the target described.
    let dry_rest = FixtureServer::start(ingestion_routes()).await.unwrap();
    let dry = step
        .apply(&remediator(&dry_rest), Mode::DryRun)
        .await
        .unwrap();
    assert!(dry.changed);
    assert!(dry_rest.requests().is_empty());
    assert!(
        dry.details[0].starts_with(&format!(
            "would post the incident to stream {STREAM} of data collection rule {DCR}"
        )),
        "{:?}",
        dry.details
    );

    let rest = FixtureServer::start(ingestion_routes()).await.unwrap();
    let r = remediator(&rest);
    let applied = step.apply(&r, Mode::Enforce).await.unwrap();
    assert!(applied.changed, "{applied:?}");
    assert!(
        applied.details[0].contains("(204)"),
        "{:?}",
        applied.details
    );
    let sent = rest.requests();
    assert_eq!(sent.len(), 1);
    let req = &sent[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, ingestion_path());
    assert_eq!(req.api_version().as_deref(), Some("2023-01-01"));
    let published = example("post_IngestUsingDataCollectionRule.json");
    assert_eq!(
        req.api_version().as_deref(),
        published["parameters"]["api-version"].as_str()
    );
    assert_eq!(audience(req), "https://monitor.azure.com");
    // The example's body shape: an array of flat records with a time column.
    let records = req.body.as_array().expect("an array of records");
    assert!(published["parameters"]["body"].is_array());
    assert_eq!(records.len(), 1);
    let rec = &records[0];
    assert_eq!(rec["IncidentId"], step.incident.id.as_str());
    assert_eq!(rec["StepId"], "step-1");
    assert_eq!(rec["Kind"], "data-leakage");
    assert_eq!(rec["Severity"], "high");
    assert_eq!(rec["Title"], "test");
    assert_eq!(rec["Resources"], json!([ingestion_url()]));
    assert!(chrono::DateTime::parse_from_rfc3339(rec["TimeGenerated"].as_str().unwrap()).is_ok());
    assert!(rec["Undo"].as_str().unwrap().contains(&step.incident.id));
    let mut columns: Vec<&str> = rec
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    columns.sort_unstable();
    assert_eq!(
        columns,
        [
            "Atlas",
            "IncidentId",
            "Kind",
            "Resources",
            "Severity",
            "Source",
            "StepId",
            "TimeGenerated",
            "Title",
            "Undo"
        ]
    );

    // Undo: nothing to take back, nothing sent.
    let undone = r.undo(&step.record(&applied)).await.unwrap();
    assert!(!undone.changed);
    assert_eq!(rest.requests().len(), 1);
}

#[tokio::test]
async fn trigger_alert_errors_are_clear_and_send_nothing_wrong() {
    // Not an ingestion URL: refused before anything is sent.
    let rest = FixtureServer::start(ingestion_routes()).await.unwrap();
    let r = remediator(&rest);
    for bad in [
        "oncall-alarm",
        "http://aiir-dce/dataCollectionRules/x/streams/y",
    ] {
        for mode in [Mode::DryRun, Mode::Enforce] {
            let err = page_step(bad).apply(&r, mode).await.unwrap_err();
            assert!(
                matches!(&err, ActionError::Invalid(m) if m.contains("Logs Ingestion URL")),
                "{err:?}"
            );
        }
    }
    assert!(rest.requests().is_empty());

    // The identity lacks Microsoft.Insights/Telemetry/Write on the rule: denied, not retried.
    let denied = FixtureServer::start(vec![Route::new(
        "POST",
        ingestion_path(),
        vec![(
            403,
            json!({ "error": { "code": "OperationFailed", "message": "The authentication token provided does not have access to ingest data for the data collection rule" } }),
        )],
    )])
    .await
    .unwrap();
    let err = page_step(&ingestion_url())
        .apply(&remediator(&denied), Mode::Enforce)
        .await
        .unwrap_err();
    assert!(matches!(err, ActionError::Denied(_)), "{err:?}");
    assert!(!err.is_retryable());
}
