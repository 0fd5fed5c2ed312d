//! Test and drill support (feature `testing`): seed a realistic AI deployment in the Cloud
//! Storage emulator, serve REST-shaped fixtures for the APIs with no emulator here (Vertex AI,
//! Secret Manager, Compute Engine security policies, Pub/Sub), and build the handler against
//! given endpoints — the same code path as production, only the base URLs differ.
//!
//! Fixtures: `tests/fixtures/rest/*.json` (each names its source: the v1 discovery document
//! and REST method it follows). The fixture server is stateful and records every request.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aiir_core::playbook::{Playbook, DEFAULT_PLAYBOOK};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine;
use serde_json::{json, Value};

use crate::actions::WaitPolicy;
use crate::clients::{Auth, Endpoints, GcpClients};
use crate::error::ApiError;
use crate::gcs::{Gcs, Precondition};
use crate::handler::Handler;

pub const PROJECT: &str = "aiir-test";
pub const ENDPOINT: &str = "projects/aiir-test/locations/us-central1/endpoints/1234567890";
pub const SECRET: &str = "projects/aiir-test/secrets/tool-api-key";
pub const SECURITY_POLICY: &str = "projects/aiir-test/global/securityPolicies/aiir-edge";
pub const TOPIC: &str = "projects/aiir-test/topics/aiir-alerts";
pub const KMS_KEY: &str = "projects/aiir-test/locations/us/keyRings/aiir/cryptoKeys/training-data";

fn fixture(text: &str) -> Value {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("response").cloned())
        .unwrap_or(Value::Null)
}

/// The REST fixtures, compiled in (they live in `tests/fixtures/rest`).
pub mod fixtures {
    pub const VERTEX_ENDPOINT: &str = include_str!("../tests/fixtures/rest/vertex-endpoint.json");
    pub const VERTEX_OPERATION: &str = include_str!("../tests/fixtures/rest/vertex-operation.json");
    pub const SECRET: &str = include_str!("../tests/fixtures/rest/secret.json");
    pub const SECRET_VERSION: &str = include_str!("../tests/fixtures/rest/secret-version.json");
    pub const SECURITY_POLICY: &str =
        include_str!("../tests/fixtures/rest/compute-security-policy.json");
    pub const COMPUTE_OPERATION: &str =
        include_str!("../tests/fixtures/rest/compute-operation.json");
    pub const PUBLISH_RESPONSE: &str =
        include_str!("../tests/fixtures/rest/pubsub-publish-response.json");
}

// --- Seeding the storage emulator ------------------------------------------------------------

/// What [`seed_ai_deployment`] created.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub project: String,
    /// Public (allUsers can read), no CMEK: the exposure the drill contains.
    pub training_bucket: String,
    pub training_objects: Vec<String>,
    pub quarantine_bucket: String,
    pub state_bucket: String,
    /// Has a retention policy.
    pub audit_bucket: String,
    /// Holds the guardrail's blocklist (`gs://{guardrail}/blocklist.json`).
    pub guardrail_bucket: String,
}

impl Deployment {
    pub fn blocklist(&self) -> String {
        format!("gs://{}/blocklist.json", self.guardrail_bucket)
    }

    /// The environment the default playbook is loaded with.
    pub fn playbook_env(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("AIIR_NOTIFY_TOPIC".to_string(), TOPIC.to_string()),
            ("AIIR_BLOCKLIST".to_string(), self.blocklist()),
            ("AIIR_WAF_IP_SET".to_string(), SECURITY_POLICY.to_string()),
            ("AIIR_TOOL_SECRET".to_string(), SECRET.to_string()),
            (
                "AIIR_QUARANTINE_BUCKET".to_string(),
                self.quarantine_bucket.clone(),
            ),
            ("AIIR_KMS_KEY".to_string(), KMS_KEY.to_string()),
        ])
    }

    pub fn playbook(&self) -> Result<Playbook, aiir_core::playbook::PlaybookError> {
        let env = self.playbook_env();
        Playbook::load(DEFAULT_PLAYBOOK, &|name| env.get(name).cloned())
    }
}

/// Anonymous clients for an emulator (`storage`) and the fixture server (`rest`).
pub async fn clients(storage: &str, rest: &str) -> Result<GcpClients, crate::clients::ClientError> {
    GcpClients::new(
        Endpoints::all_at(storage, rest),
        Auth::Anonymous,
        Some(PROJECT.into()),
    )
    .await
}

/// Create a realistic AI deployment in the emulator, names prefixed by `prefix` (unique per
/// test): a public training-data bucket with objects and an `allUsers` IAM binding, a
/// quarantine bucket, a state bucket, an audit bucket with a retention policy and a guardrail
/// bucket with an empty blocklist.
pub async fn seed_ai_deployment(
    clients: &GcpClients,
    prefix: &str,
) -> Result<Deployment, ApiError> {
    let gcs = Gcs::new(clients);
    let name = |what: &str| format!("{prefix}-{what}");
    let d = Deployment {
        project: PROJECT.into(),
        training_bucket: name("training-data"),
        training_objects: vec![
            "datasets/fraud/train.csv".into(),
            "datasets/fraud/labels.csv".into(),
        ],
        quarantine_bucket: name("quarantine"),
        state_bucket: name("state"),
        audit_bucket: name("audit"),
        guardrail_bucket: name("guardrail"),
    };
    for bucket in [
        &d.training_bucket,
        &d.quarantine_bucket,
        &d.state_bucket,
        &d.audit_bucket,
        &d.guardrail_bucket,
    ] {
        match gcs.create_bucket(PROJECT, &json!({ "name": bucket })).await {
            Ok(_) => {}
            Err(e) if e.status() == Some(409) => {}
            Err(e) => return Err(e),
        }
    }
    for (i, object) in d.training_objects.iter().enumerate() {
        let body = format!("amount,merchant,label\n{},shop-{i},0\n", 10 + i);
        gcs.write(
            &d.training_bucket,
            object,
            Bytes::from(body),
            "text/csv",
            Precondition::None,
            &[("owner", "ml-platform")],
        )
        .await?;
    }
    let policy = gcs.get_iam(&d.training_bucket).await?;
    let mut public = policy.clone();
    public["bindings"] = json!([
        { "role": "roles/storage.objectViewer", "members": ["allUsers", "projectViewer:aiir-test"] },
        { "role": "roles/storage.legacyBucketReader", "members": ["allAuthenticatedUsers"] }
    ]);
    gcs.set_iam(&d.training_bucket, &public).await?;
    gcs.patch_bucket(
        &d.audit_bucket,
        &json!({ "retentionPolicy": { "retentionPeriod": "2592000" } }),
        None,
    )
    .await?;
    gcs.write(
        &d.guardrail_bucket,
        "blocklist.json",
        Bytes::from(r#"{"signatures":[]}"#),
        "application/json",
        Precondition::None,
        &[],
    )
    .await?;
    Ok(d)
}

/// The handler wired to the emulator and the fixture server (fast polling, default playbook
/// with the deployment's names).
pub async fn build_handler(
    storage: &str,
    rest: &str,
    deployment: &Deployment,
    dry_run: bool,
) -> Result<Handler, String> {
    let clients = clients(storage, rest).await.map_err(|e| e.to_string())?;
    let playbook = Arc::new(deployment.playbook().map_err(|e| e.to_string())?);
    crate::app::assemble(
        playbook,
        clients,
        Some(&deployment.state_bucket),
        Some(&deployment.audit_bucket),
        WaitPolicy::fast(),
        dry_run,
    )
    .await
    .map_err(|e| e.to_string())
}

// --- REST fixture server ---------------------------------------------------------------------

/// One request the fixture server received.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: Value,
    /// What the server answered (for the tests that check the answers' shape).
    pub status: u16,
    pub response: Value,
}

#[derive(Default)]
struct Fake {
    url: String,
    endpoints: BTreeMap<String, Value>,
    /// Operation name → the finished operation (answered on the first poll).
    operations: BTreeMap<String, Value>,
    secrets: BTreeMap<String, Value>,
    versions: BTreeMap<String, Vec<Value>>,
    policies: BTreeMap<String, Value>,
    published: Vec<Value>,
    /// Cloud Monitoring: the time series written (`projects.timeSeries.create`).
    time_series: Vec<Value>,
    requests: Vec<Recorded>,
    /// (path fragment, status): the next matching request fails with this status.
    failures: Vec<(String, u16)>,
    counter: u64,
}

fn google_error(status: u16, message: &str) -> Response {
    let code = match status {
        400 => "INVALID_ARGUMENT",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        412 => "FAILED_PRECONDITION",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        _ => "INTERNAL",
    };
    let body = json!({ "error": { "code": status, "message": message, "status": code } });
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// HTTP 400 with `FAILED_PRECONDITION`, as the services answer a request the resource's
/// current state does not allow.
fn precondition(message: &str) -> Response {
    let body =
        json!({ "error": { "code": 400, "message": message, "status": "FAILED_PRECONDITION" } });
    (
        StatusCode::BAD_REQUEST,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A traffic split (`trafficSplit`: deployed model id → percent) whose keys are all in
/// `ids` and whose values add up to 100, as `Endpoint.trafficSplit` requires.
fn check_split(split: &Value, ids: &[String]) -> Result<(), String> {
    let Some(map) = split.as_object() else {
        return Err("trafficSplit must be a map".into());
    };
    let mut total = 0;
    for (k, v) in map {
        if !ids.contains(k) {
            return Err(format!("trafficSplit names `{k}`, which is not deployed"));
        }
        total += v.as_u64().ok_or("trafficSplit values are integers")?;
    }
    if total != 100 {
        return Err(format!("trafficSplit must add up to 100, not {total}"));
    }
    Ok(())
}

fn ids_of(models: &[Value]) -> Vec<String> {
    models
        .iter()
        .filter_map(|m| m.get("id").and_then(Value::as_str).map(String::from))
        .collect()
}

fn ok(body: Value) -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

impl Fake {
    fn seed(&mut self) {
        let endpoint = fixture(fixtures::VERTEX_ENDPOINT);
        self.endpoints.insert(ENDPOINT.into(), endpoint);
        let mut secret = fixture(fixtures::SECRET);
        secret["name"] = json!(SECRET);
        self.secrets.insert(SECRET.into(), secret);
        let mut v1 = fixture(fixtures::SECRET_VERSION);
        v1["name"] = json!(format!("{SECRET}/versions/1"));
        self.versions.insert(SECRET.into(), vec![v1]);
        self.policies
            .insert(SECURITY_POLICY.into(), fixture(fixtures::SECURITY_POLICY));
    }

    fn next_id(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    fn vertex_operation(&mut self, resource: &str, kind: &str) -> Value {
        let id = self.next_id();
        let mut op = fixture(fixtures::VERTEX_OPERATION);
        let name = format!("{resource}/operations/{id}");
        op["name"] = json!(name);
        op["metadata"]["@type"] = json!(format!(
            "type.googleapis.com/google.cloud.aiplatform.v1.{kind}OperationMetadata"
        ));
        let mut done = op.clone();
        done["done"] = json!(true);
        done["response"] = json!({ "@type": format!("type.googleapis.com/google.cloud.aiplatform.v1.{kind}Response") });
        self.operations.insert(name, done);
        op
    }

    fn compute_operation(&mut self, project: &str, kind: &str) -> Value {
        let id = self.next_id();
        let mut op = fixture(fixtures::COMPUTE_OPERATION);
        let name = format!("operation-{id}-aiir");
        op["name"] = json!(name);
        op["operationType"] = json!(kind);
        op["selfLink"] = json!(format!(
            "{}/compute/v1/projects/{project}/global/operations/{name}",
            self.url
        ));
        let mut done = op.clone();
        done["status"] = json!("DONE");
        done["progress"] = json!(100);
        self.operations.insert(name, done);
        op
    }

    fn route(
        &mut self,
        method: &Method,
        path: &str,
        query: &BTreeMap<String, String>,
        body: &Value,
    ) -> Response {
        if let Some(i) = self
            .failures
            .iter()
            .position(|(frag, _)| path.contains(frag.as_str()))
        {
            let (_, status) = self.failures.remove(i);
            return google_error(status, "injected failure");
        }
        if let Some(rest) = path.strip_prefix("/compute/v1/") {
            return self.compute(method, rest, query, body);
        }
        if let Some(rest) = path.strip_prefix("/v3/") {
            return self.monitoring(method, rest, body);
        }
        let Some(rest) = path.strip_prefix("/v1/") else {
            return google_error(404, "unknown path");
        };
        if let Some(op) = self
            .operations
            .get(rest)
            .filter(|_| rest.contains("/operations/"))
        {
            return ok(op.clone());
        }
        if rest.contains("/endpoints/") {
            return self.vertex(method, rest, query, body);
        }
        if rest.contains("/secrets/") {
            return self.secret_manager(method, rest, query, body);
        }
        if let Some(topic) = rest.strip_suffix(":publish") {
            let messages = body
                .get("messages")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if messages.is_empty() || !topic.contains("/topics/") {
                return google_error(400, "no messages");
            }
            let mut ids = Vec::new();
            for m in messages {
                let id = self.next_id();
                self.published.push(json!({ "topic": topic, "message": m }));
                ids.push(json!(id.to_string()));
            }
            let mut response = fixture(fixtures::PUBLISH_RESPONSE);
            response["messageIds"] = json!(ids);
            return ok(response);
        }
        google_error(404, "unknown resource")
    }

    /// Cloud Monitoring v3 `projects.timeSeries.create` (`POST v3/projects/{projectsId}/timeSeries`,
    /// `CreateTimeSeriesRequest` → `Empty`, per the monitoring v3 discovery document): each
    /// series needs `metric.type`, `resource.type` and exactly one point with a value.
    fn monitoring(&mut self, method: &Method, rest: &str, body: &Value) -> Response {
        let Some(project) = rest.strip_suffix("/timeSeries") else {
            return google_error(404, "unknown monitoring resource");
        };
        if method != Method::POST
            || !project.starts_with("projects/")
            || project.matches('/').count() != 1
        {
            return google_error(404, "unknown monitoring method");
        }
        let series = body
            .get("timeSeries")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if series.is_empty() || series.len() > 200 {
            return google_error(400, "timeSeries: 1 to 200 time series");
        }
        for ts in &series {
            let points = ts.get("points").and_then(Value::as_array);
            let has_value = points
                .and_then(|p| p.first())
                .and_then(|p| p.get("value"))
                .and_then(Value::as_object)
                .is_some_and(|v| v.len() == 1);
            if ts.pointer("/metric/type").and_then(Value::as_str).is_none()
                || ts
                    .pointer("/resource/type")
                    .and_then(Value::as_str)
                    .is_none()
                || points.map(Vec::len) != Some(1)
                || !has_value
            {
                return google_error(
                    400,
                    "each time series needs metric.type, resource.type and exactly one point with one value",
                );
            }
        }
        self.time_series.extend(series);
        ok(json!({}))
    }

    fn vertex(
        &mut self,
        method: &Method,
        rest: &str,
        query: &BTreeMap<String, String>,
        body: &Value,
    ) -> Response {
        let (name, verb) = rest
            .split_once(':')
            .map_or((rest, None), |(n, v)| (n, Some(v)));
        let Some(endpoint) = self.endpoints.get(name).cloned() else {
            return google_error(404, &format!("Endpoint `{name}` not found."));
        };
        match (method.as_str(), verb) {
            ("GET", None) => ok(endpoint),
            ("PATCH", None) => {
                if let Some(etag) = body.get("etag").and_then(Value::as_str) {
                    if Some(etag) != endpoint.get("etag").and_then(Value::as_str) {
                        return google_error(409, "etag mismatch");
                    }
                }
                if query.get("updateMask").map(String::as_str) != Some("trafficSplit") {
                    return google_error(400, "updateMask must name trafficSplit");
                }
                let split = body.get("trafficSplit").cloned().unwrap_or(json!({}));
                let models = endpoint["deployedModels"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if let Err(e) = check_split(&split, &ids_of(&models)) {
                    return google_error(400, &e);
                }
                let mut updated = endpoint;
                updated["trafficSplit"] = split;
                updated["etag"] = json!(format!("etag-{}", self.next_id()));
                self.endpoints.insert(name.to_string(), updated.clone());
                ok(updated)
            }
            ("POST", Some("undeployModel")) => {
                let Some(id) = body.get("deployedModelId").and_then(Value::as_str) else {
                    return google_error(400, "deployedModelId is required");
                };
                let mut updated = endpoint;
                let models = updated["deployedModels"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if !models
                    .iter()
                    .any(|m| m.get("id").and_then(Value::as_str) == Some(id))
                {
                    return google_error(404, &format!("DeployedModel {id} not found"));
                }
                let staying: Vec<Value> = models
                    .into_iter()
                    .filter(|m| m.get("id").and_then(Value::as_str) != Some(id))
                    .collect();
                // UndeployModelRequest: a given split replaces the endpoint's; the model must
                // have no traffic once it applies; undeploying the last model empties it.
                let split = match body.get("trafficSplit") {
                    Some(split) if !(staying.is_empty() && split == &json!({})) => {
                        if let Err(e) = check_split(split, &ids_of(&staying)) {
                            return google_error(400, &e);
                        }
                        split.clone()
                    }
                    _ => {
                        let current = updated["trafficSplit"].clone();
                        // The last model goes whatever its traffic (the split then empties).
                        if !staying.is_empty()
                            && current.get(id).and_then(Value::as_u64).unwrap_or(0) > 0
                        {
                            return precondition(&format!(
                                "DeployedModel {id} still has traffic; reassign it in trafficSplit"
                            ));
                        }
                        let mut current = current.as_object().cloned().unwrap_or_default();
                        current.remove(id);
                        Value::Object(current)
                    }
                };
                updated["trafficSplit"] = if staying.is_empty() { json!({}) } else { split };
                updated["deployedModels"] = json!(staying);
                self.endpoints.insert(name.to_string(), updated);
                ok(self.vertex_operation(name, "UndeployModel"))
            }
            ("POST", Some("deployModel")) => {
                let Some(model) = body.get("deployedModel").cloned() else {
                    return google_error(400, "deployedModel is required");
                };
                let mut model = model;
                let mut models = endpoint["deployedModels"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let mut ids = ids_of(&models);
                let id = match model.get("id").and_then(Value::as_str) {
                    Some(id) if ids.iter().any(|i| i == id) => {
                        return google_error(409, &format!("DeployedModel {id} already exists"))
                    }
                    Some(id) => id.to_string(),
                    None => self.next_id().to_string(),
                };
                model["id"] = json!(id);
                model["createTime"] = json!("2024-06-01T12:30:00.000000Z");
                let mut updated = endpoint;
                models.push(model);
                updated["deployedModels"] = json!(models);
                // DeployModelRequest.trafficSplit: "0" is the model being deployed.
                if let Some(split) = body.get("trafficSplit") {
                    ids.push("0".into());
                    if let Err(e) = check_split(split, &ids) {
                        return google_error(400, &e);
                    }
                    let mut split = split.as_object().cloned().unwrap_or_default();
                    if let Some(v) = split.remove("0") {
                        split.insert(id.clone(), v);
                    }
                    updated["trafficSplit"] = Value::Object(split);
                }
                self.endpoints.insert(name.to_string(), updated);
                ok(self.vertex_operation(name, "DeployModel"))
            }
            _ => google_error(400, "unsupported endpoint method"),
        }
    }

    fn secret_manager(
        &mut self,
        method: &Method,
        rest: &str,
        query: &BTreeMap<String, String>,
        body: &Value,
    ) -> Response {
        let (name, verb) = rest
            .split_once(':')
            .map_or((rest, None), |(n, v)| (n, Some(v)));
        let secret = name.split("/versions").next().unwrap_or(name).to_string();
        if !self.secrets.contains_key(&secret) {
            return google_error(
                404,
                &format!("Secret [{secret}] not found or has no versions."),
            );
        }
        let versions = self.versions.entry(secret.clone()).or_default();
        match (method.as_str(), verb) {
            ("GET", None) if name == secret => ok(self.secrets[&secret].clone()),
            ("PATCH", None) if name == secret => {
                if query.get("updateMask").map(String::as_str) != Some("annotations") {
                    return google_error(400, "updateMask must name the fields");
                }
                let mut s = self.secrets[&secret].clone();
                s["annotations"] = body.get("annotations").cloned().unwrap_or(json!({}));
                self.secrets.insert(secret, s.clone());
                ok(s)
            }
            ("GET", None) if name == format!("{secret}/versions") => {
                let filter = query.get("filter").cloned().unwrap_or_default();
                let mut listed: Vec<Value> = versions
                    .iter()
                    .filter(|v| {
                        filter.is_empty()
                            || filter == format!("state:{}", v["state"].as_str().unwrap_or(""))
                    })
                    .cloned()
                    .collect();
                listed.reverse();
                let total = listed.len();
                ok(json!({ "versions": listed, "totalSize": total }))
            }
            ("GET", None) => match versions.iter().find(|v| v["name"].as_str() == Some(name)) {
                Some(v) => ok(v.clone()),
                None => google_error(404, &format!("Secret Version [{name}] not found.")),
            },
            ("POST", Some("addVersion")) => {
                let data = body
                    .pointer("/payload/data")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .map_or(true, |d| d.is_empty())
                {
                    return google_error(400, "payload.data must be non-empty base64");
                }
                let n = versions.len() + 1;
                let mut v = fixture(fixtures::SECRET_VERSION);
                v["name"] = json!(format!("{secret}/versions/{n}"));
                v["createTime"] = json!("2024-06-01T12:00:00.000000Z");
                v["clientSpecifiedPayloadChecksum"] =
                    json!(body.pointer("/payload/dataCrc32c").is_some());
                versions.push(v.clone());
                ok(v)
            }
            ("POST", Some(action @ ("enable" | "disable"))) => {
                let Some(v) = versions
                    .iter_mut()
                    .find(|v| v["name"].as_str() == Some(name))
                else {
                    return google_error(404, &format!("Secret Version [{name}] not found."));
                };
                v["state"] = json!(if action == "enable" {
                    "ENABLED"
                } else {
                    "DISABLED"
                });
                ok(v.clone())
            }
            _ => google_error(400, "unsupported secret method"),
        }
    }

    fn compute(
        &mut self,
        method: &Method,
        rest: &str,
        query: &BTreeMap<String, String>,
        body: &Value,
    ) -> Response {
        let parts: Vec<&str> = rest.split('/').collect();
        // projects/P/global/{securityPolicies|operations}/NAME[/verb]
        if parts.len() < 5 || parts[0] != "projects" || parts[2] != "global" {
            return google_error(404, "unknown compute path");
        }
        let project = parts[1].to_string();
        if parts[3] == "operations" {
            return match self.operations.get(parts[4]) {
                Some(op) => ok(op.clone()),
                None => google_error(404, "operation not found"),
            };
        }
        let name = parts[..5].join("/");
        let Some(mut policy) = self.policies.get(&name).cloned() else {
            return google_error(404, &format!("The resource '{name}' was not found"));
        };
        let priority = query.get("priority").and_then(|p| p.parse::<i64>().ok());
        let rules = policy["rules"].as_array().cloned().unwrap_or_default();
        match (method.as_str(), parts.get(5).copied()) {
            ("GET", None) => ok(policy),
            ("GET", Some("getRule")) => {
                match rules.iter().find(|r| r["priority"].as_i64() == priority) {
                    Some(r) => ok(r.clone()),
                    None => google_error(
                        400,
                        "Invalid value for field 'priority': no rule with this priority",
                    ),
                }
            }
            ("POST", Some("addRule")) => {
                let p = body.get("priority").and_then(Value::as_i64);
                if p.is_none() || rules.iter().any(|r| r["priority"].as_i64() == p) {
                    return google_error(400, "a rule with this priority already exists");
                }
                let mut rule = body.clone();
                rule["kind"] = json!("compute#securityPolicyRule");
                let mut rules = rules;
                rules.push(rule);
                policy["rules"] = json!(rules);
                self.policies.insert(name, policy);
                ok(self.compute_operation(&project, "AddSecurityPolicyRule"))
            }
            ("POST", Some("removeRule")) => {
                if !rules.iter().any(|r| r["priority"].as_i64() == priority) {
                    return google_error(400, "no rule with this priority");
                }
                policy["rules"] = json!(rules
                    .into_iter()
                    .filter(|r| r["priority"].as_i64() != priority)
                    .collect::<Vec<_>>());
                self.policies.insert(name, policy);
                ok(self.compute_operation(&project, "RemoveSecurityPolicyRule"))
            }
            _ => google_error(400, "unsupported security policy method"),
        }
    }
}

/// A local HTTP server answering as Vertex AI, Secret Manager, Compute Engine (security
/// policies) and Pub/Sub do, seeded with one endpoint ([`ENDPOINT`], deployed models `111`
/// (previous) and `222` (current, 100%)), one secret ([`SECRET`], version 1 enabled) and one
/// security policy ([`SECURITY_POLICY`]). Stops when dropped.
pub struct RestFixtureServer {
    pub url: String,
    state: Arc<Mutex<Fake>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl RestFixtureServer {
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let mut fake = Fake {
            url: url.clone(),
            ..Fake::default()
        };
        fake.seed();
        let state = Arc::new(Mutex::new(fake));
        let app = Router::new().fallback(handle).with_state(state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Self {
            url,
            state,
            _shutdown: tx,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Fake> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// Published messages: `{"topic", "message": {"data", "attributes"}}`.
    pub fn published(&self) -> Vec<Value> {
        self.lock().published.clone()
    }

    /// Time series written to Cloud Monitoring, in order.
    pub fn time_series(&self) -> Vec<Value> {
        self.lock().time_series.clone()
    }

    pub fn endpoint(&self, name: &str) -> Option<Value> {
        self.lock().endpoints.get(name).cloned()
    }

    pub fn secret_versions(&self, secret: &str) -> Vec<Value> {
        self.lock()
            .versions
            .get(secret)
            .cloned()
            .unwrap_or_default()
    }

    pub fn policy(&self, name: &str) -> Option<Value> {
        self.lock().policies.get(name).cloned()
    }

    /// Make the next request whose path contains `fragment` fail with `status`.
    pub fn fail_next(&self, fragment: &str, status: u16) {
        self.lock().failures.push((fragment.to_string(), status));
    }
}

async fn handle(
    State(state): State<Arc<Mutex<Fake>>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let path = percent_encoding::percent_decode_str(uri.path())
        .decode_utf8_lossy()
        .into_owned();
    let query_text = uri.query().unwrap_or("").to_string();
    let query: BTreeMap<String, String> = query_text
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            (
                k.to_string(),
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .into_owned(),
            )
        })
        .collect();
    let body_json: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return google_error(400, "body is not JSON"),
        }
    };
    let (index, response) = {
        let mut fake = state.lock().unwrap_or_else(|e| e.into_inner());
        fake.requests.push(Recorded {
            method: method.to_string(),
            path: path.clone(),
            query: query_text,
            body: body_json.clone(),
            status: 0,
            response: Value::Null,
        });
        let index = fake.requests.len() - 1;
        (index, fake.route(&method, &path, &query, &body_json))
    };
    // Record the answer too; the bodies are built in memory, so reading them cannot fail.
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    {
        let mut fake = state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = fake.requests.get_mut(index) {
            r.status = parts.status.as_u16();
            r.response = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}
