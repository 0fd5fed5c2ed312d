//! The REST fixtures, every request aiir sends (Vertex AI, Secret Manager, Compute Engine,
//! Pub/Sub, Cloud Monitoring) and every answer the fixture server gives,
//! checked against the discovery-document excerpt `tests/fixtures/rest/discovery-excerpt.json`
//! (methods: HTTP method, path template, query parameters, request and response schema;
//! schemas: field names, JSON types, enums). A field aiir sends or the server answers that
//! the API does not have, a wrong type (an int64 as a number, a bad enum) or a request to a
//! path the API does not serve fails here.
mod support;

use aiir_core::action::ActionSpec;
use aiir_core::model::{IncidentKind, ResourceKind};
use aiir_core::playbook::Mode;
use aiir_core::remediate::Remediator;
use aiir_gcp::actions::WaitPolicy;
use aiir_gcp::testing::{
    self, fixtures, RestFixtureServer, ENDPOINT, SECRET, SECURITY_POLICY, TOPIC,
};
use aiir_gcp::{Auth, Endpoints, GcpClients, GcpRemediator};
use base64::Engine;
use serde_json::Value;
use support::{apply, incident, record, target};

const EXCERPT: &str = include_str!("fixtures/rest/discovery-excerpt.json");

fn excerpt() -> Value {
    serde_json::from_str(EXCERPT).expect("discovery-excerpt.json is JSON")
}

/// Check `value` against a field spec (`$ref`, or `type` with `format` / `enum` / `items` /
/// `additionalProperties`), collecting every mismatch.
fn check(value: &Value, spec: &Value, path: &str, schemas: &Value, errors: &mut Vec<String>) {
    if let Some(name) = spec.get("$ref").and_then(Value::as_str) {
        let Some(fields) = schemas.get(name).and_then(Value::as_object) else {
            errors.push(format!("{path}: schema {name} missing from the excerpt"));
            return;
        };
        let Some(object) = value.as_object() else {
            errors.push(format!("{path}: expected a {name} object, got {value}"));
            return;
        };
        for (key, v) in object {
            match fields.get(key) {
                Some(field) => check(v, field, &format!("{path}.{key}"), schemas, errors),
                None => errors.push(format!("{path}.{key}: {name} has no field `{key}`")),
            }
        }
        return;
    }
    let kind = spec.get("type").and_then(Value::as_str).unwrap_or("");
    let ok = match kind {
        "any" => true,
        "array" => match value.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    check(
                        item,
                        &spec["items"],
                        &format!("{path}[{i}]"),
                        schemas,
                        errors,
                    );
                }
                true
            }
            None => false,
        },
        "object" => match value.as_object() {
            Some(map) => {
                for (k, v) in map {
                    let inner = &spec["additionalProperties"];
                    check(v, inner, &format!("{path}.{k}"), schemas, errors);
                }
                true
            }
            None => false,
        },
        "string" => match value.as_str() {
            Some(s) => {
                if let Some(allowed) = spec.get("enum").and_then(Value::as_array) {
                    if !allowed.iter().any(|a| a.as_str() == Some(s)) {
                        errors.push(format!("{path}: `{s}` is not one of {}", spec["enum"]));
                    }
                }
                match spec.get("format").and_then(Value::as_str) {
                    Some("int64" | "sint64") => s.parse::<i64>().is_ok(),
                    Some("uint64") => s.parse::<u64>().is_ok(),
                    Some("byte") => base64::engine::general_purpose::STANDARD
                        .decode(s)
                        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(s))
                        .is_ok(),
                    _ => true,
                }
            }
            None => false,
        },
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        _ => false,
    };
    if !ok {
        errors.push(format!("{path}: expected {spec}, got {value}"));
    }
}

/// Does `path` match a discovery `flatPath` (`{x}` = one segment without `/` or `:`)?
fn matches_template(template: &str, path: &str) -> bool {
    match template.find('{') {
        None => template == path,
        Some(open) => {
            let Some(close) = template[open..].find('}').map(|c| open + c) else {
                return false;
            };
            let (lit, rest) = (&template[..open], &template[close + 1..]);
            let Some(tail) = path.strip_prefix(lit) else {
                return false;
            };
            let end = tail.find(['/', ':']).unwrap_or(tail.len());
            end > 0 && matches_template(rest, &tail[end..])
        }
    }
}

#[test]
fn fixture_files_use_only_documented_fields() {
    let d = excerpt();
    let mut errors = Vec::new();
    for (file, text, schema) in [
        (
            "vertex-endpoint.json",
            fixtures::VERTEX_ENDPOINT,
            "aiplatform.GoogleCloudAiplatformV1Endpoint",
        ),
        (
            "vertex-operation.json",
            fixtures::VERTEX_OPERATION,
            "aiplatform.GoogleLongrunningOperation",
        ),
        ("secret.json", fixtures::SECRET, "secretmanager.Secret"),
        (
            "secret-version.json",
            fixtures::SECRET_VERSION,
            "secretmanager.SecretVersion",
        ),
        (
            "compute-security-policy.json",
            fixtures::SECURITY_POLICY,
            "compute.SecurityPolicy",
        ),
        (
            "compute-operation.json",
            fixtures::COMPUTE_OPERATION,
            "compute.Operation",
        ),
        (
            "pubsub-publish-response.json",
            fixtures::PUBLISH_RESPONSE,
            "pubsub.PublishResponse",
        ),
    ] {
        let v: Value = serde_json::from_str(text).unwrap();
        assert!(v["_source"].is_string(), "{file} names its source");
        let spec = serde_json::json!({ "$ref": schema });
        check(&v["response"], &spec, file, &d["schemas"], &mut errors);
    }
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn the_checker_catches_what_it_must() {
    let d = excerpt();
    let mut errors = Vec::new();
    let bad = serde_json::json!({
        "name": "projects/p/secrets/s/versions/1",
        "state": "ON",
        "versionControlPolicy": {},
    });
    let spec = serde_json::json!({ "$ref": "secretmanager.SecretVersion" });
    check(&bad, &spec, "v", &d["schemas"], &mut errors);
    assert_eq!(errors.len(), 2, "{errors:?}");
    let mut errors = Vec::new();
    let payload = serde_json::json!({ "payload": { "data": "aGk=", "dataCrc32c": 7 } });
    let spec = serde_json::json!({ "$ref": "secretmanager.AddSecretVersionRequest" });
    check(&payload, &spec, "b", &d["schemas"], &mut errors);
    assert_eq!(errors.len(), 1, "int64 must be a string: {errors:?}");
    assert!(matches_template(
        "v1/projects/{p}/secrets/{s}:addVersion",
        "v1/projects/a/secrets/b:addVersion"
    ));
    assert!(!matches_template(
        "v1/projects/{p}/secrets/{s}",
        "v1/projects/a/secrets/b:addVersion"
    ));
    assert!(!matches_template(
        "v1/projects/{p}/secrets/{s}",
        "v1/projects/a/secrets/"
    ));
}

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

/// Apply in enforce mode, then undo: the full request sequence of an action.
async fn round_trip(
    r: &GcpRemediator,
    kind: IncidentKind,
    action: ActionSpec,
    resource: ResourceKind,
    id: &str,
) {
    let inc = incident(kind, &[]);
    let t = target(resource, id);
    let out = apply(r, &inc, &action, &t, Mode::Enforce)
        .await
        .unwrap_or_else(|e| panic!("{action:?}: {e}"));
    assert!(out.changed, "{action:?}");
    r.undo(&record(&inc, &action, &t, &out))
        .await
        .unwrap_or_else(|e| panic!("undo {action:?}: {e}"));
}

#[tokio::test]
async fn every_request_and_answer_follows_the_discovery_documents() {
    let (server, r) = setup().await;
    round_trip(
        &r,
        IncidentKind::ModelDrift,
        ActionSpec::RollbackModel {
            endpoint: None,
            to: None,
        },
        ResourceKind::ModelEndpoint,
        ENDPOINT,
    )
    .await;
    // No deployed model named: both are undeployed, undo redeploys both.
    round_trip(
        &r,
        IncidentKind::ModelIntegrity,
        ActionSpec::DisableEndpoint { endpoint: None },
        ResourceKind::ModelEndpoint,
        ENDPOINT,
    )
    .await;
    round_trip(
        &r,
        IncidentKind::PromptAttack,
        ActionSpec::RotateSecret { secrets: vec![] },
        ResourceKind::Secret,
        SECRET,
    )
    .await;
    round_trip(
        &r,
        IncidentKind::PromptAttack,
        ActionSpec::BlockPrompt {
            blocklist: "gs://unused/blocklist.json".into(),
            ip_set: Some(SECURITY_POLICY.into()),
        },
        ResourceKind::Caller,
        "2001:db8::7",
    )
    .await;
    let inc = incident(IncidentKind::Exposure, &[]);
    let notify = ActionSpec::Notify {
        topic: TOPIC.into(),
    };
    apply(
        &r,
        &inc,
        &notify,
        &target(ResourceKind::Other, TOPIC),
        Mode::Enforce,
    )
    .await
    .unwrap();
    // Paging: Cloud Monitoring v3 `projects.timeSeries.create`.
    let page = ActionSpec::TriggerAlert {
        alert: testing::PROJECT.into(),
    };
    apply(
        &r,
        &inc,
        &page,
        &target(ResourceKind::Other, testing::PROJECT),
        Mode::Enforce,
    )
    .await
    .unwrap();

    let d = excerpt();
    let methods = d["methods"].as_array().unwrap();
    let mut used = std::collections::BTreeSet::new();
    let mut errors = Vec::new();
    let requests = server.requests();
    for q in &requests {
        let path = q.path.trim_start_matches('/');
        let path = path.strip_prefix("compute/v1/").unwrap_or(path);
        let found: Vec<&Value> = methods
            .iter()
            .filter(|m| m["httpMethod"] == q.method.as_str())
            .filter(|m| matches_template(m["flatPath"].as_str().unwrap(), path))
            .collect();
        let [m] = found.as_slice() else {
            errors.push(format!(
                "{} {}: matches {} methods",
                q.method,
                q.path,
                found.len()
            ));
            continue;
        };
        let id = m["id"].as_str().unwrap();
        used.insert(id.to_string());
        let what = format!("{id} ({} {}?{})", q.method, q.path, q.query);
        for key in q.query.split('&').filter(|kv| !kv.is_empty()) {
            let key = key.split('=').next().unwrap_or_default();
            if !m["query"].as_array().unwrap().iter().any(|k| k == key) {
                errors.push(format!("{what}: no query parameter `{key}`"));
            }
        }
        match m["request"].as_str() {
            Some(schema) => {
                let spec = serde_json::json!({ "$ref": schema });
                check(
                    &q.body,
                    &spec,
                    &format!("{what} body"),
                    &d["schemas"],
                    &mut errors,
                );
            }
            None if q.body.is_null() => {}
            None => errors.push(format!("{what}: sends a body the method does not take")),
        }
        assert!(
            (200..300).contains(&q.status),
            "{what} answered {}: {}",
            q.status,
            q.response
        );
        let spec = serde_json::json!({ "$ref": m["response"] });
        check(
            &q.response,
            &spec,
            &format!("{what} answer"),
            &d["schemas"],
            &mut errors,
        );
    }
    assert!(errors.is_empty(), "{errors:#?}");
    let all: std::collections::BTreeSet<String> = methods
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(used, all, "every method in the excerpt is exercised");
}
