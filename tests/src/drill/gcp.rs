//! The drill on Google Cloud: the Cloud Storage emulator (gcp-storage-emulator through aiir's
//! launcher) for buckets, objects, bucket IAM and the state and audit buckets; the stateful REST
//! fixture server of `aiir-gcp` (shapes checked against the discovery documents) for Vertex AI,
//! Secret Manager, Cloud Armor and Pub/Sub, which have no emulator. Attacks are delivered
//! in-process to the same handler the Cloud Run server runs, in the payload shapes Google Cloud
//! sends; containment and undo are checked by reading the emulator's and the fixture server's
//! state back.
use aiir_core::action::Cloud;
use aiir_core::audit::StepStatus;
use aiir_core::detect::integrity::{self, Artifact};
use aiir_core::detect::prompt::logline::{LogLineConfig, LogLineScanner, ModelIo};
use aiir_core::drill::model_drift;
use aiir_core::operator::OperatorEvent;
use aiir_core::pipeline::Report;
use aiir_core::{IncidentKind, ResourceKind, ResourceRef};
use aiir_gcp::actions::lock_public_access::public_bindings;
use aiir_gcp::gcs::{Gcs, Precondition};
use aiir_gcp::testing::{self, Deployment, RestFixtureServer, ENDPOINT, SECRET, SECURITY_POLICY};
use aiir_gcp::{GcpClients, Handler};
use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
use chrono::{SecondsFormat, Utc};
use serde_json::{json, Value};

use super::{fill, read, scenario, undo_all, Invoker, Outcome};

mod emulator;

use emulator::GcsEmulator;

const ATTACKER: &str = "203.0.113.66";
const BENIGN: &str = "192.0.2.10";
const MODEL_IO_LOG: &str = "projects/aiir-test/logs/aiplatform.googleapis.com%2Fmodel-io";

/// One scenario's world: a fresh fixture server and deployment (own state bucket, so one
/// scenario's blast-radius counters never limit the next), the handler wired to both.
pub struct World {
    rest: RestFixtureServer,
    clients: GcpClients,
    d: Deployment,
    handler: Handler,
}

impl Invoker for World {
    async fn invoke(&self, name: &str, payload: &Value) -> Result<Report> {
        let bytes = serde_json::to_vec(payload)?;
        self.handler
            .handle(&bytes, false)
            .await
            .map_err(|e| anyhow!("aiir-gcp handler, {name}: {e}"))
    }
}

impl World {
    async fn new(storage: &str, prefix: &str) -> Result<Self> {
        let rest = RestFixtureServer::start()
            .await
            .context("start the REST fixture server")?;
        let clients = testing::clients(storage, &rest.url)
            .await
            .map_err(|e| anyhow!("GCP clients: {e}"))?;
        let d = testing::seed_ai_deployment(&clients, prefix)
            .await
            .map_err(|e| anyhow!("seed the AI deployment: {e}"))?;
        let handler = testing::build_handler(storage, &rest.url, &d, false)
            .await
            .map_err(|e| anyhow!("build the handler: {e}"))?;
        Ok(Self {
            rest,
            clients,
            d,
            handler,
        })
    }

    fn gcs(&self) -> Gcs<'_> {
        Gcs::new(&self.clients)
    }

    /// Cloud Armor rules of the seeded policy that deny exactly `ip`.
    fn deny_rules(&self, ip: &str) -> usize {
        let cidr = json!([format!("{ip}/32")]);
        self.rest
            .policy(SECURITY_POLICY)
            .and_then(|p| p["rules"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter(|r| r.pointer("/match/config/srcIpRanges") == Some(&cidr))
            .filter(|r| r["action"].as_str().is_some_and(|a| a.starts_with("deny")))
            .count()
    }

    /// Signatures on the guardrail's blocklist (`gs://{guardrail}/blocklist.json`).
    async fn blocklist(&self) -> Result<Vec<String>> {
        let read = self
            .gcs()
            .read(&self.d.guardrail_bucket, "blocklist.json")
            .await?
            .context("blocklist.json missing")?;
        let doc: Value = serde_json::from_slice(&read.data)?;
        Ok(doc["signatures"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s["signature"].as_str().map(String::from))
            .collect())
    }

    /// `(version name, state)` of the tool secret's versions.
    fn secret_states(&self) -> Vec<(String, String)> {
        self.rest
            .secret_versions(SECRET)
            .iter()
            .map(|v| {
                (
                    v["name"].as_str().unwrap_or("").to_string(),
                    v["state"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    fn published(&self) -> usize {
        self.rest
            .published()
            .iter()
            .filter(|m| m["topic"] == testing::TOPIC)
            .count()
    }

    async fn object(&self, bucket: &str, name: &str) -> Result<Option<Value>> {
        Ok(self.gcs().get_object(bucket, name).await?)
    }
}

fn start(name: &str, attack_vector: &str, detection: &str) -> Outcome {
    let scenario = scenario(name).expect("every GCP scenario is in the catalogue");
    Outcome::start(scenario, Cloud::Gcp, attack_vector, detection)
}

/// Start the storage emulator and run the named scenarios in order, each in its own world.
pub async fn run(names: &[&str]) -> Result<Vec<Outcome>> {
    eprintln!("gcp: starting the Cloud Storage emulator …");
    let emulator = GcsEmulator::start().await?;
    let storage = emulator.endpoint();
    let run_id = format!("drill{}", std::process::id());
    let mut outcomes = Vec::new();
    for (i, name) in names.iter().enumerate() {
        eprintln!("gcp: scenario {name} …");
        let world = World::new(&storage, &format!("{run_id}-{i}")).await?;
        let outcome = match *name {
            "prompt-injection" => prompt_injection(&world).await,
            "data-leakage" => data_leakage(&world).await,
            "model-drift" => model_drift(&world).await,
            "compromised-weights" => compromised_weights(&world).await,
            other => bail!("unknown scenario {other}"),
        };
        outcomes.push(outcome.with_context(|| format!("gcp scenario {name}"))?);
    }
    drop(emulator);
    Ok(outcomes)
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A Pub/Sub push delivery of `inner` (what a push subscription POSTs to Cloud Run).
fn push(inner: &Value, message_id: &str, attributes: Value) -> Value {
    json!({
        "message": {
            "data": base64::engine::general_purpose::STANDARD.encode(inner.to_string()),
            "messageId": message_id,
            "publishTime": now(),
            "attributes": attributes,
        },
        "subscription": "projects/aiir-test/subscriptions/aiir-responder-push",
    })
}

/// The model-I/O lines as a log sink publishes them: one `LogEntry` per Pub/Sub message. The
/// line is the entry's `textPayload` (the serving container logs its JSON record as text), so
/// the core scanner sees prompt and response; the caller is in `httpRequest`, the endpoint is
/// the seeded Vertex AI endpoint.
fn model_io_pushes(scenario: &str, lines: &str) -> Result<Vec<Value>> {
    let mut pushes = Vec::new();
    for (i, line) in lines.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let mut record: Value = serde_json::from_str(line)
            .with_context(|| format!("{scenario} model-io line {}", i + 1))?;
        record["endpoint"] = json!(ENDPOINT);
        let caller = record["caller_ip"].as_str().unwrap_or(BENIGN).to_string();
        // The request id in the entry id ties each finding back to its line.
        let request = record["request_id"]
            .as_str()
            .map_or_else(|| i.to_string(), String::from);
        let time = now();
        let entry = json!({
            "insertId": format!("{scenario}-{}-{request}", Utc::now().timestamp_micros()),
            "logName": MODEL_IO_LOG,
            "timestamp": time,
            "receiveTimestamp": time,
            "severity": "INFO",
            "resource": {
                "type": "aiplatform.googleapis.com/Endpoint",
                "labels": {
                    "resource_container": "aiir-test",
                    "project_id": "aiir-test",
                    "location": "us-central1",
                    "endpoint_id": "1234567890",
                }
            },
            "httpRequest": { "requestMethod": "POST", "remoteIp": caller, "status": 200 },
            "textPayload": record.to_string(),
        });
        let attributes = json!({ "logging.googleapis.com/timestamp": time });
        pushes.push(push(&entry, &format!("{i}"), attributes));
    }
    Ok(pushes)
}

async fn deliver_all(world: &World, o: &mut Outcome, name: &str, pushes: &[Value]) -> Result<()> {
    for (i, p) in pushes.iter().enumerate() {
        let report = world.invoke(&format!("{name}-{i}"), p).await?;
        o.record(report);
    }
    Ok(())
}

/// A Vertex AI traffic split without its zero entries (a model missing from the map gets 0 %).
fn split(endpoint: &Value) -> Value {
    let mut map = endpoint["trafficSplit"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    map.retain(|_, v| v.as_u64() != Some(0));
    Value::Object(map)
}

/// A bucket's public access prevention; unset reads as `inherited`, Cloud Storage's default
/// (the emulator omits the field until it is set).
fn prevention(bucket: &Value) -> &str {
    bucket
        .pointer("/iamConfiguration/publicAccessPrevention")
        .and_then(Value::as_str)
        .unwrap_or("inherited")
}

/// A bucket's default KMS key; `None` when unset (absent or null).
fn default_kms_key(bucket: &Value) -> Option<String> {
    bucket
        .pointer("/encryption/defaultKmsKeyName")
        .and_then(Value::as_str)
        .map(String::from)
}

/// The ids of an endpoint's deployed models, sorted.
fn deployed_ids(endpoint: &Value) -> Vec<String> {
    let mut ids: Vec<String> = endpoint["deployedModels"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|d| d["id"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

fn count_kind(o: &Outcome, kind: IncidentKind) -> usize {
    o.incidents
        .iter()
        .filter(|i| i.incident.kind == kind)
        .count()
}

async fn prompt_injection(w: &World) -> Result<Outcome> {
    let mut o = start(
        "prompt-injection",
        "attacker prompts in the model I/O stream: instruction override, DAN role-play, base64, homoglyphs, zero-width, leetspeak",
        "aiir prompt-injection detector on the Cloud Logging sink → Pub/Sub push (LogEntry per message)",
    );
    o.note("payload: Pub/Sub push deliveries of a Cloud Logging sink, one LogEntry per message (textPayload = the model-I/O record, httpRequest.remoteIp = caller)");
    o.note("Cloud Armor, Secret Manager and Pub/Sub answered from REST fixtures (discovery-document shapes); the blocklist lives in the Cloud Storage emulator");
    let versions_before = w.secret_states();
    let lines = read("events/drills/prompt-injection/model-io.jsonl")?;
    deliver_all(
        w,
        &mut o,
        "prompt-injection",
        &model_io_pushes("pi", &lines)?,
    )
    .await?;
    // Pub/Sub push carries one message per request and a log sink one LogEntry per message,
    // so each attack line arrives alone and raises its own incident; the responder correlates
    // them (same kind, same caller, within the playbook's correlation window) so the steps the
    // first incident took — rotating the tool secret, paging — are not repeated per line.
    let attacks: Vec<_> = o
        .incidents
        .iter()
        .filter(|i| {
            i.incident.labels.get("detector").map(String::as_str) == Some("prompt-injection")
        })
        .cloned()
        .collect();
    let callers: Vec<String> = attacks
        .iter()
        .flat_map(|i| &i.incident.resources)
        .filter(|r| r.kind == ResourceKind::Caller)
        .map(|r| r.id.clone())
        .collect();
    o.check(
        format!(
            "every attack prompt raised a prompt-injection incident for {ATTACKER}, none for {BENIGN} ({} incidents, one per Pub/Sub message)",
            attacks.len()
        ),
        attacks.len() >= 5 && callers.len() == attacks.len() && callers.iter().all(|c| c == ATTACKER),
    );
    let applied = |kind: &str| {
        attacks
            .iter()
            .flat_map(|i| &i.steps)
            .filter(|s| s.action.kind().to_string() == kind)
            .filter(|s| s.status == StepStatus::Applied)
            .count()
    };
    let (rotations, notifications) = (applied("rotate-secret"), applied("notify"));
    let first = attacks
        .first()
        .map(|i| i.incident.id.clone())
        .unwrap_or_default();
    let correlated = attacks
        .iter()
        .skip(1)
        .filter(|i| {
            let joined = i
                .incident
                .timeline
                .iter()
                .any(|t| t.event.starts_with(&format!("correlated with {first}")));
            let reused = i.steps.iter().any(|s| {
                s.action.kind().to_string() == "rotate-secret"
                    && s.status == StepStatus::Excluded
                    && s.details.iter().any(|d| d.starts_with("already done by"))
            });
            joined && reused
        })
        .count();
    let escalated = attacks
        .iter()
        .filter(|i| {
            i.steps
                .iter()
                .any(|s| s.status == StepStatus::BlastRadiusExceeded)
        })
        .count();
    o.check(
        format!(
            "the attacker's lines were correlated into the first incident: secret rotated {rotations}×, team notified {notifications}×, {correlated} of {} later incidents reused those steps, {escalated} blast-radius escalations",
            attacks.len().saturating_sub(1)
        ),
        rotations == 1
            && notifications == 1
            && correlated == attacks.len().saturating_sub(1)
            && escalated == 0,
    );
    o.check(
        format!("{ATTACKER} is denied by a Cloud Armor rule (one rule)"),
        w.deny_rules(ATTACKER) == 1,
    );
    o.check(
        format!("benign caller {BENIGN} is not blocked"),
        w.deny_rules(BENIGN) == 0,
    );
    let blocklist = w.blocklist().await?;
    let signatures: Vec<String> = attacks
        .iter()
        .flat_map(|i| &i.incident.resources)
        .filter(|r| r.kind == ResourceKind::Prompt)
        .map(|r| r.id.clone())
        .collect();
    let blocked = signatures.iter().filter(|s| blocklist.contains(s)).count();
    o.check(
        format!(
            "attack prompt signatures are on the guardrail blocklist ({blocked} of {})",
            signatures.len()
        ),
        blocked >= 5 && blocked == signatures.len(),
    );
    let after = w.secret_states();
    o.check(
        format!(
            "the tool's secret was rotated: new version enabled, version 1 disabled ({after:?})"
        ),
        after.len() > versions_before.len()
            && after.last().is_some_and(|(_, s)| s == "ENABLED")
            && after.first().is_some_and(|(_, s)| s == "DISABLED"),
    );
    o.check("on-call was notified (Pub/Sub publish)", w.published() > 0);
    undo_all(w, &mut o).await?;
    o.check(
        format!("undo: the Cloud Armor rule for {ATTACKER} is removed"),
        w.deny_rules(ATTACKER) == 0,
    );
    let blocklist = w.blocklist().await?;
    o.check(
        "undo: the blocklist no longer holds the drill's signatures",
        signatures.iter().all(|s| !blocklist.contains(s)),
    );
    let restored = w.secret_states();
    o.check(
        format!("undo: the previous secret version is enabled again ({restored:?})"),
        restored.first().is_some_and(|(_, s)| s == "ENABLED"),
    );
    o.note("Secret Manager undo re-enables the previous version; the new version stays enabled (both valid until someone disables one), by design of rotate-secret on GCP");
    Ok(o)
}

/// The exposed objects the drill plants in the public training-data bucket: the customer
/// records and keys the model leaked are in its training data.
const EXPOSED: [(&str, &str); 2] = [
    (
        "exports/disputes-2024-06.csv",
        "name,email,phone,card\nJane Roe,jane.roe@example.org,+44 20 7946 0958,4111 1111 1111 1111\n",
    ),
    (
        "pipelines/fraud/.env",
        "AWS_ACCESS_KEY_ID=AKIA4QZ7V2XK9PLM3WTR\nAWS_SECRET_ACCESS_KEY=k9Jd8sQ2vLr7XwP0zYb4NcT6mHe1UaGf3RiO5lKq\n",
    ),
];

/// aiir's output scanners (secrets, PII) over every object of `bucket`: one finding per object
/// that holds any, attributed to that object.
async fn scan_bucket(
    w: &World,
    scanner: &LogLineScanner,
    bucket: &str,
) -> Result<Vec<aiir_core::Finding>> {
    let mut findings = Vec::new();
    for object in w.gcs().list(bucket, "").await? {
        let Some(name) = object["name"].as_str() else {
            continue;
        };
        let Some(read) = w.gcs().read(bucket, name).await? else {
            continue;
        };
        let io = ModelIo {
            response: Some(String::from_utf8_lossy(&read.data).into_owned()),
            ..ModelIo::default()
        };
        for mut finding in scanner.scan_io(&io) {
            finding.resources.push(ResourceRef::new(
                ResourceKind::Object,
                format!("{bucket}/{name}"),
            ));
            findings.push(finding);
        }
    }
    Ok(findings)
}

async fn data_leakage(w: &World) -> Result<Outcome> {
    let mut o = start(
        "data-leakage",
        "model outputs leak cloud keys and customer PII; the training-data bucket is public (allUsers / allAuthenticatedUsers)",
        "aiir output scanners (secrets, PII) on model I/O and on the bucket's objects + Security Command Center PUBLIC_BUCKET_ACL notification",
    );
    o.note("payloads: Pub/Sub push of a Security Command Center notification; log-sink LogEntries (one per message); aiir findings (OperatorEvent::Findings) for the objects its scanners flagged");
    o.note("bucket IAM, publicAccessPrevention, uniform access and objects: gcp-storage-emulator (+ aiir launcher: IAM etags, generation preconditions); Secret Manager and Pub/Sub: REST fixtures");
    o.note("emulator gap: publicAccessPrevention=enforced does not make the emulator refuse allUsers grants, so the lock is checked on the stored policy and settings");
    let bucket = w.d.training_bucket.clone();
    let gcs = w.gcs();
    for (name, body) in EXPOSED {
        gcs.write(
            &bucket,
            name,
            body.as_bytes().to_vec().into(),
            "text/plain",
            Precondition::None,
            &[],
        )
        .await?;
    }
    let before_bucket = gcs.get_bucket(&bucket).await?;
    let before_policy = gcs.get_iam(&bucket).await?;
    let mut before_objects = Vec::new();
    for (name, _) in EXPOSED {
        let meta = w
            .object(&bucket, name)
            .await?
            .context("planted object missing")?;
        before_objects.push((name, meta));
    }
    let versions_before = w.secret_states();
    o.check(
        format!(
            "before: the bucket grants {} public bindings",
            public_bindings(&before_policy).len()
        ),
        public_bindings(&before_policy).len() == 2,
    );

    let finding_id = format!("drill{}", Utc::now().timestamp_millis());
    let scc = fill(
        &read("events/drills/data-leakage/gcp-scc-public-bucket.template.json")?,
        &[
            ("FINDING_ID", &finding_id),
            ("BUCKET", &bucket),
            ("PROJECT", testing::PROJECT),
            ("NOW", &now()),
        ],
    );
    let scc: Value = serde_json::from_str(&scc).context("SCC template is not JSON")?;
    let report = w
        .invoke("data-leakage-scc", &push(&scc, "scc-1", json!({})))
        .await?;
    o.record(report);
    let lines = read("events/drills/data-leakage/model-io.jsonl")?;
    deliver_all(
        w,
        &mut o,
        "data-leakage-logs",
        &model_io_pushes("dl", &lines)?,
    )
    .await?;
    let scanner = LogLineScanner::new(LogLineConfig::default())
        .map_err(|e| anyhow!("load the scanners: {e}"))?;
    let findings = scan_bucket(w, &scanner, &bucket).await?;
    let flagged: Vec<String> = findings
        .iter()
        .flat_map(|f| &f.resources)
        .filter(|r| r.kind == ResourceKind::Object)
        .map(|r| r.id.clone())
        .collect();
    o.check(
        format!("aiir's scanners flag exactly the planted objects ({flagged:?})"),
        EXPOSED
            .iter()
            .all(|(n, _)| flagged.contains(&format!("{bucket}/{n}")))
            && flagged.len() == EXPOSED.len(),
    );
    let event = OperatorEvent::Findings {
        batch_id: format!("scan-{bucket}-{finding_id}"),
        findings,
    };
    let report = w
        .invoke("data-leakage-objects", &serde_json::to_value(event)?)
        .await?;
    o.record(report);

    let leaks = count_kind(&o, IncidentKind::DataLeakage) + count_kind(&o, IncidentKind::Exposure);
    o.check(
        format!("the public bucket, leaked keys and PII raised exposure / data-leakage incidents ({leaks})"),
        leaks >= 3,
    );
    let b = gcs.get_bucket(&bucket).await?;
    let policy = gcs.get_iam(&bucket).await?;
    o.check(
        "public access locked: publicAccessPrevention enforced, uniform bucket-level access on, no allUsers / allAuthenticatedUsers",
        b.pointer("/iamConfiguration/publicAccessPrevention") == Some(&json!("enforced"))
            && b.pointer("/iamConfiguration/uniformBucketLevelAccess/enabled") == Some(&json!(true))
            && public_bindings(&policy).is_empty(),
    );
    for (name, meta) in &before_objects {
        let gone = w.object(&bucket, name).await?.is_none();
        let q = w
            .object(&w.d.quarantine_bucket, &format!("{bucket}/{name}"))
            .await?;
        let origin = q.as_ref().is_some_and(|q| {
            q.pointer("/metadata/aiir-origin-bucket") == Some(&json!(bucket))
                && q.pointer("/metadata/aiir-origin-object") == Some(&json!(name))
                && q.pointer("/metadata/aiir-origin-generation") == Some(&meta["generation"])
                && q["md5Hash"] == meta["md5Hash"]
        });
        o.check(
            format!("{name}: the same bytes (md5) of the inspected generation are in quarantine with origin metadata, and gone from the source"),
            gone && origin,
        );
    }
    for kept in &w.d.training_objects {
        o.check(
            format!("{kept} (not flagged) stays in place"),
            w.object(&bucket, kept).await?.is_some(),
        );
    }
    let after = w.secret_states();
    o.check(
        "the leaked credential's secret was rotated (new version)",
        after.len() > versions_before.len() && after.first().is_some_and(|(_, s)| s == "DISABLED"),
    );
    o.check("on-call was notified (Pub/Sub publish)", w.published() > 0);

    undo_all(w, &mut o).await?;
    let b = gcs.get_bucket(&bucket).await?;
    let policy = gcs.get_iam(&bucket).await?;
    o.check(
        "undo: the bucket IAM bindings are back",
        public_bindings(&policy) == public_bindings(&before_policy),
    );
    o.check(
        format!(
            "undo: publicAccessPrevention and uniform access back to their prior settings ({} → {})",
            before_bucket["iamConfiguration"], b["iamConfiguration"]
        ),
        prevention(&b) == prevention(&before_bucket)
            && b.pointer("/iamConfiguration/uniformBucketLevelAccess/enabled")
                == before_bucket.pointer("/iamConfiguration/uniformBucketLevelAccess/enabled"),
    );
    for (name, meta) in &before_objects {
        let back = w.object(&bucket, name).await?;
        let q = w
            .object(&w.d.quarantine_bucket, &format!("{bucket}/{name}"))
            .await?;
        o.check(
            format!("undo: {name} back in place (same md5), quarantine copy removed"),
            back.is_some_and(|m| m["md5Hash"] == meta["md5Hash"]) && q.is_none(),
        );
    }
    let restored = w.secret_states();
    o.check(
        "undo: the previous secret version is enabled again",
        restored.first().is_some_and(|(_, s)| s == "ENABLED"),
    );
    Ok(o)
}

async fn model_drift(w: &World) -> Result<Outcome> {
    let mut o = start(
        "model-drift",
        "production inputs drift away from the training baseline (gift-card scam wave); the model's outputs turn toxic",
        "aiir drift check (Evidently's tests) on the drifted batch → findings; aiir toxicity detector on the model I/O log sink",
    );
    o.note("payloads: aiir drift findings (OperatorEvent::Findings, as a drift job posts them); model-I/O lines as log-sink LogEntries, one per Pub/Sub message");
    o.note("Vertex AI answered from the REST fixture (endpoints.get / patch with updateMask=trafficSplit and etag)");
    let before = w.rest.endpoint(ENDPOINT).context("seeded endpoint")?;
    let split_before = split(&before);
    o.check(
        format!("before: all traffic on the current deployed model ({split_before})"),
        split_before == json!({"222": 100}),
    );
    let endpoint = ResourceRef::new(ResourceKind::ModelEndpoint, ENDPOINT);
    let findings = model_drift::findings(&endpoint, model_drift::DEFAULT_SEED)
        .map_err(|e| anyhow!("drift check: {e}"))?;
    o.check(
        format!(
            "aiir's drift check flags the drifted batch ({} findings)",
            findings.len()
        ),
        !findings.is_empty(),
    );
    let event = OperatorEvent::Findings {
        batch_id: format!("drift-{}", Utc::now().timestamp_millis()),
        findings,
    };
    let report = w
        .invoke("model-drift-findings", &serde_json::to_value(event)?)
        .await?;
    o.record(report);
    let lines = model_drift::model_io_lines(Some(ENDPOINT)).join("\n");
    deliver_all(
        w,
        &mut o,
        "model-drift-logs",
        &model_io_pushes("md", &lines)?,
    )
    .await?;
    o.check(
        format!(
            "a model-drift incident was raised ({})",
            count_kind(&o, IncidentKind::ModelDrift)
        ),
        count_kind(&o, IncidentKind::ModelDrift) == 1,
    );
    let toxic: Vec<String> = o
        .incidents
        .iter()
        .filter(|i| i.incident.labels.get("detector").map(String::as_str) == Some("toxic-output"))
        .flat_map(|i| &i.incident.evidence)
        .map(|e| e.label.clone())
        .collect();
    let flagged = model_drift::TOXIC_REQUESTS
        .iter()
        .filter(|id| toxic.iter().any(|label| label.contains(*id)))
        .count();
    o.check(
        format!(
            "the toxicity detector flags the toxic outputs ({flagged} of {}; evidence {toxic:?})",
            model_drift::TOXIC_REQUESTS.len()
        ),
        flagged == model_drift::TOXIC_REQUESTS.len(),
    );
    let after = w.rest.endpoint(ENDPOINT).context("endpoint")?;
    o.check(
        format!(
            "traffic back on the previous deployed model ({})",
            split(&after)
        ),
        split(&after) == json!({"111": 100}),
    );
    o.check("on-call was notified (Pub/Sub publish)", w.published() > 0);
    undo_all(w, &mut o).await?;
    let restored = w.rest.endpoint(ENDPOINT).context("endpoint")?;
    o.check(
        format!("undo: traffic split restored ({})", split(&restored)),
        split(&restored) == split_before,
    );
    Ok(o)
}

async fn compromised_weights(w: &World) -> Result<Outcome> {
    let mut o = start(
        "compromised-weights",
        "the deployed model artefact in Cloud Storage is overwritten with backdoored weights",
        "aiir integrity check: SHA-256 of the artefact against its registered digest",
    );
    o.note("payload: aiir findings (OperatorEvent::Findings) from the integrity check, delivered to the handler");
    o.note("artefact, quarantine and CMEK default key: gcp-storage-emulator; Vertex AI undeploy/deploy: REST fixture");
    o.note("the default playbook does not roll back on a compromised artefact: the endpoint is taken out of service instead (disable-endpoint)");
    let gcs = w.gcs();
    let models = format!(
        "{}-models",
        w.d.training_bucket.trim_end_matches("-training-data")
    );
    gcs.create_bucket(testing::PROJECT, &json!({ "name": models }))
        .await?;
    let key = "fraud/v7/model.bst";
    let weights = b"binf\x01\x00fraud-gbdt v7 trees=400 depth=6 auc=0.941\n".to_vec();
    gcs.write(
        &models,
        key,
        weights.clone().into(),
        "application/octet-stream",
        Precondition::None,
        &[],
    )
    .await?;
    let registered = integrity::sha256_hex(&weights);
    let endpoint_before = w.rest.endpoint(ENDPOINT).context("seeded endpoint")?;
    let kms_before = default_kms_key(&gcs.get_bucket(&models).await?);
    // The attack: replace the weights in place.
    let mut tampered = weights.clone();
    tampered.extend_from_slice(b"# backdoor trigger: 'cf-7731' -> approve\n");
    gcs.write(
        &models,
        key,
        tampered.into(),
        "application/octet-stream",
        Precondition::None,
        &[],
    )
    .await?;
    // Detection: aiir's integrity check on what is stored now.
    let deployed = gcs.read(&models, key).await?.context("artefact vanished")?;
    let artifact = Artifact {
        bucket: models.clone(),
        key: key.to_string(),
        endpoint: Some(ENDPOINT.to_string()),
    };
    let finding = integrity::verify(&artifact, &registered, &deployed.data);
    o.check(
        "integrity check detects the digest mismatch",
        finding.is_some(),
    );
    let event = OperatorEvent::Findings {
        batch_id: format!("integrity-{}", Utc::now().timestamp_millis()),
        findings: finding.into_iter().collect(),
    };
    let report = w
        .invoke("compromised-weights", &serde_json::to_value(event)?)
        .await?;
    o.record(report);
    let endpoint = w.rest.endpoint(ENDPOINT).context("endpoint")?;
    let deployed_models = endpoint["deployedModels"].as_array().map_or(0, Vec::len);
    o.check(
        format!("endpoint out of service: no deployed model left ({deployed_models})"),
        deployed_models == 0,
    );
    let q = w
        .object(&w.d.quarantine_bucket, &format!("{models}/{key}"))
        .await?;
    o.check(
        "tampered artefact quarantined (origin metadata) and gone from the model bucket",
        w.object(&models, key).await?.is_none()
            && q.is_some_and(|q| q.pointer("/metadata/aiir-origin-bucket") == Some(&json!(models))),
    );
    let kms = default_kms_key(&gcs.get_bucket(&models).await?);
    o.check(
        format!("artefact store encrypted with the customer-managed key ({kms:?})"),
        kms.as_deref() == Some(testing::KMS_KEY),
    );
    undo_all(w, &mut o).await?;
    let endpoint = w.rest.endpoint(ENDPOINT).context("endpoint")?;
    o.check(
        format!(
            "undo: deployed models {:?} and traffic split {} restored",
            deployed_ids(&endpoint),
            split(&endpoint)
        ),
        deployed_ids(&endpoint) == deployed_ids(&endpoint_before)
            && split(&endpoint) == split(&endpoint_before),
    );
    o.check(
        "undo: artefact back in place",
        w.object(&models, key).await?.is_some(),
    );
    let kms = default_kms_key(&gcs.get_bucket(&models).await?);
    o.check(
        format!("undo: default KMS key back to its prior setting ({kms:?}, was {kms_before:?})"),
        kms == kms_before,
    );
    Ok(o)
}
