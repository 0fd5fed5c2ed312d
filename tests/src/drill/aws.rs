//! The drill on AWS: moto on 127.0.0.1, attacks delivered through the real `aiir-aws invoke`
//! (the same code path as the Lambda), containment checked in moto's state.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use aiir_core::action::{ActionKind, Cloud};
use aiir_core::detect::integrity::{self, Artifact};
use aiir_core::drill::model_drift;
use aiir_core::operator::OperatorEvent;
use aiir_core::pipeline::Report;
use aiir_core::{IncidentKind, ResourceKind, ResourceRef, Severity};
use anyhow::{bail, Context, Result};
use base64::Engine;
use chrono::Utc;

use super::{fill, read, scenario, undo_all, Invoker, Outcome};
use crate::aws_support::{aws_env, AwsEnv};
use crate::moto::repo_root;

pub struct Drill {
    env: AwsEnv,
    binary: PathBuf,
    workdir: PathBuf,
}

impl Drill {
    /// Run `aiir-aws invoke` on one payload, as the Lambda would get it.
    fn call(&self, name: &str, payload: &serde_json::Value) -> Result<Report> {
        let path = self.workdir.join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_vec_pretty(payload)?)?;
        let d = &self.env.d;
        let mut cmd = Command::new(&self.binary);
        cmd.args(["invoke", "--event"]).arg(&path);
        cmd.env("AWS_ENDPOINT_URL", self.env.server.endpoint())
            .env("AWS_REGION", &d.region)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("RUST_LOG", "warn");
        for name in [
            "AIIR_BLOCKLIST",
            "AIIR_WAF_IP_SET",
            "AIIR_TOOL_SECRET",
            "AIIR_QUARANTINE_BUCKET",
            "AIIR_KMS_KEY",
            "AIIR_NOTIFY_TOPIC",
            "AIIR_STATE_TABLE",
            "AIIR_AUDIT_BUCKET",
        ] {
            if let Some(value) = d.env(name) {
                cmd.env(name, value);
            }
        }
        let out = cmd
            .output()
            .with_context(|| format!("run {}", self.binary.display()))?;
        if !out.status.success() {
            bail!(
                "aiir-aws invoke {name} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        serde_json::from_slice(&out.stdout)
            .with_context(|| format!("aiir-aws invoke {name}: report is not JSON"))
    }
}

impl Invoker for Drill {
    async fn invoke(&self, name: &str, payload: &serde_json::Value) -> Result<Report> {
        self.call(name, payload)
    }
}

fn start(name: &str, attack_vector: &str, detection: &str) -> Outcome {
    let scenario = scenario(name).expect("every AWS scenario is in the catalogue");
    Outcome::start(scenario, Cloud::Aws, attack_vector, detection)
}

/// Start moto, seed an AI deployment and run the named scenarios in order.
pub async fn run(names: &[&str]) -> Result<Vec<Outcome>> {
    let binary = binary()?;
    let workdir = std::env::temp_dir().join(format!("aiir-drill-aws-{}", std::process::id()));
    std::fs::create_dir_all(&workdir)?;
    eprintln!("aws: starting moto and seeding an AI deployment …");
    let drill = Drill {
        env: aws_env().await?,
        binary,
        workdir,
    };
    let mut outcomes = Vec::new();
    for name in names {
        eprintln!("aws: scenario {name} …");
        let outcome = match *name {
            "prompt-injection" => prompt_injection(&drill).await,
            "data-leakage" => data_leakage(&drill).await,
            "model-drift" => model_drift(&drill).await,
            "compromised-weights" => compromised_weights(&drill).await,
            other => bail!("unknown scenario {other}"),
        };
        outcomes.push(outcome.with_context(|| format!("aws scenario {name}"))?);
    }
    Ok(outcomes)
}

/// A CloudWatch Logs subscription delivery of these model-I/O lines (base64 of gzip of JSON).
fn cloudwatch_logs_event(
    d: &crate::Deployment,
    scenario: &str,
    lines: &str,
) -> Result<serde_json::Value> {
    let now = Utc::now().timestamp_millis();
    let events: Vec<serde_json::Value> = lines
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            serde_json::json!({
                "id": format!("{}{:06}", now, i),
                "timestamp": now + i as i64,
                "message": line,
            })
        })
        .collect();
    let data = serde_json::json!({
        "messageType": "DATA_MESSAGE",
        "owner": d.account,
        "logGroup": format!("/aiir/model-io/{}", d.endpoint_name),
        "logStream": format!("drill/{scenario}"),
        "subscriptionFilters": ["aiir-model-io"],
        "logEvents": events,
    });
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&serde_json::to_vec(&data)?)?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(gz.finish()?);
    Ok(serde_json::json!({ "awslogs": { "data": encoded } }))
}

async fn prompt_injection(drill: &Drill) -> Result<Outcome> {
    let mut o = start(
        "prompt-injection",
        "attacker prompts in the model I/O stream: instruction override, DAN role-play, base64, homoglyphs, zero-width, leetspeak",
        "aiir prompt-injection detector on the CloudWatch Logs subscription",
    );
    let e = &drill.env;
    let (_, secret_before) = e.secret_versions(&e.d.plain_secret).await?;
    let lines = read("events/drills/prompt-injection/model-io.jsonl")?;
    let report = drill.call(
        "prompt-injection",
        &cloudwatch_logs_event(&e.d, "prompt-injection", &lines)?,
    )?;
    o.record(report);
    let attacks = o
        .incidents
        .iter()
        .filter(|i| {
            i.incident.labels.get("detector").map(String::as_str) == Some("prompt-injection")
        })
        .count();
    o.check(
        format!("the attacker's prompts were correlated into one incident ({attacks})"),
        attacks == 1,
    );
    let ips = e.ip_set_addresses().await?;
    o.check(
        "attacker 203.0.113.66 is in the WAF IP set",
        ips.iter().any(|a| a.starts_with("203.0.113.66")),
    );
    o.check(
        "benign caller 192.0.2.10 is not blocked",
        !ips.iter().any(|a| a.starts_with("192.0.2.10")),
    );
    let mut blocked = 0;
    for incident in &o.incidents {
        for r in incident
            .incident
            .resources
            .iter()
            .filter(|r| r.kind == aiir_core::ResourceKind::Prompt)
        {
            if e.blocklisted(&r.id).await? {
                blocked += 1;
            }
        }
    }
    o.check(
        format!("attack prompt signatures are on the guardrail blocklist ({blocked})"),
        blocked >= 5,
    );
    let (_, secret_after) = e.secret_versions(&e.d.plain_secret).await?;
    o.check(
        "the tool's secret was rotated (new AWSCURRENT)",
        secret_after != secret_before,
    );
    o.check("on-call was notified", !e.messages().await?.is_empty());
    undo_all(drill, &mut o).await?;
    let ips = e.ip_set_addresses().await?;
    o.check(
        "undo: attacker IP removed, seeded CIDR kept",
        !ips.iter().any(|a| a.starts_with("203.0.113.66"))
            && ips.contains(&e.d.existing_blocked_cidr),
    );
    let (_, secret_restored) = e.secret_versions(&e.d.plain_secret).await?;
    o.check(
        "undo: the previous secret version is AWSCURRENT again",
        secret_restored == secret_before,
    );
    Ok(o)
}

async fn data_leakage(drill: &Drill) -> Result<Outcome> {
    let mut o = start(
        "data-leakage",
        "model outputs leak cloud keys and customer PII; the training-data bucket is publicly readable",
        "aiir output scanners (secrets, PII) + Security Hub / Macie finding",
    );
    let e = &drill.env;
    let bucket = e.d.training_bucket.clone();
    let (objects, kept) = (&e.d.training_objects[..2], &e.d.training_objects[2]);
    let policy_before = e.bucket_access(&bucket).await?.1;
    let lines = read("events/drills/data-leakage/model-io.jsonl")?;
    let logs = drill.call(
        "data-leakage-logs",
        &cloudwatch_logs_event(&e.d, "data-leakage", &lines)?,
    )?;
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let finding_id = format!(
        "arn:aws:macie2:{}:{}:finding/drill-{}",
        e.d.region,
        e.d.account,
        Utc::now().timestamp_millis()
    );
    let finding = fill(
        &read("events/drills/data-leakage/aws-securityhub-finding.template.json")?,
        &[
            ("EVENT_ID", "drill-data-leakage"),
            ("ACCOUNT", &e.d.account),
            ("REGION", &e.d.region),
            ("NOW", &now),
            ("FINDING_ID", &finding_id),
            ("BUCKET", &bucket),
            ("OBJECT_1", &objects[0]),
            ("OBJECT_2", &objects[1]),
        ],
    );
    let hub = drill.call("data-leakage-finding", &serde_json::from_str(&finding)?)?;
    o.record(logs);
    o.record(hub);
    let leaks = o
        .incidents
        .iter()
        .filter(|i| i.incident.kind == aiir_core::IncidentKind::DataLeakage)
        .count();
    o.check(
        format!("leaked keys, PII and the public bucket raised data-leakage incidents ({leaks})"),
        leaks >= 2,
    );
    let (pab, policy) = e.bucket_access(&bucket).await?;
    o.check("S3 Block Public Access is on", pab == Some([true; 4]));
    let public = policy
        .as_ref()
        .map(|p| p.to_string().contains("\"*\""))
        .unwrap_or(false);
    o.check("public bucket-policy statements removed", !public);
    for key in objects {
        let gone = e.object(&bucket, key).await?.is_none();
        let quarantined = e
            .object(&e.d.quarantine_bucket, &format!("{bucket}/{key}"))
            .await?;
        let tagged = quarantined
            .as_ref()
            .is_some_and(|(_, tags)| tags.iter().any(|(k, _)| k.starts_with("aiir")));
        o.check(
            format!("{key} moved to quarantine with origin tags"),
            gone && tagged,
        );
    }
    o.check(
        "objects not named in the finding stay",
        e.object(&bucket, kept).await?.is_some(),
    );
    o.check("on-call was notified", !e.messages().await?.is_empty());
    undo_all(drill, &mut o).await?;
    let (pab, policy) = e.bucket_access(&bucket).await?;
    o.check("undo: bucket policy restored", policy == policy_before);
    o.check(
        "undo: Block Public Access back to its prior setting",
        pab != Some([true; 4]),
    );
    for key in objects {
        o.check(
            format!("undo: {key} back in place"),
            e.object(&bucket, key).await?.is_some(),
        );
    }
    Ok(o)
}

async fn model_drift(drill: &Drill) -> Result<Outcome> {
    let mut o = start(
        "model-drift",
        "a scam wave shifts the fraud model's inputs (amounts, new accounts, night-time gift-card purchases on the web); the assistant's outputs turn abusive",
        "aiir data-drift check (Evidently's tests) of captured inference data against the reference profile; aiir toxicity detector on the CloudWatch Logs subscription",
    );
    let e = &drill.env;
    let before = e.endpoint_config().await?;
    // Detection 1: the drift job's check of the captured batch, posted as operator findings.
    let endpoint = ResourceRef::new(ResourceKind::ModelEndpoint, e.d.endpoint_name.clone());
    let findings = model_drift::findings(&endpoint, model_drift::DEFAULT_SEED)?;
    o.check(
        format!(
            "aiir's drift check flags the captured batch ({})",
            findings
                .iter()
                .map(|f| format!("{} {}: {}", f.detector, f.severity, f.summary))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        findings
            .iter()
            .any(|f| f.kind == IncidentKind::ModelDrift && f.severity <= Severity::High),
    );
    let event = OperatorEvent::Findings {
        batch_id: format!("drift-{}", Utc::now().timestamp_millis()),
        findings,
    };
    o.record(drill.call("model-drift-findings", &serde_json::to_value(event)?)?);
    // Detection 2: the function's own scan of the model I/O stream.
    let lines = model_drift::model_io_lines(Some(&e.d.endpoint_name)).join("\n");
    o.record(drill.call(
        "model-drift-logs",
        &cloudwatch_logs_event(&e.d, "model-drift", &lines)?,
    )?);
    let toxic_lines: usize = o
        .incidents
        .iter()
        .filter(|i| i.incident.labels.get("detector").map(String::as_str) == Some("toxic-output"))
        .map(|i| {
            i.incident
                .evidence
                .iter()
                .filter(|ev| ev.label.starts_with("log:"))
                .count()
        })
        .sum();
    o.check(
        format!(
            "the function's toxicity detector flagged the abusive outputs ({toxic_lines} of {})",
            model_drift::TOXIC_REQUESTS.len()
        ),
        toxic_lines == model_drift::TOXIC_REQUESTS.len(),
    );
    let rolled_back = o.incidents.iter().any(|i| {
        i.incident.kind == IncidentKind::ModelDrift
            && i.steps
                .iter()
                .any(|s| s.action.kind() == ActionKind::RollbackModel && s.status.is_contained())
    });
    o.check(
        "the drift incident ran rollback-model (playbook rule recover-from-drift)",
        rolled_back,
    );
    o.check(
        format!("endpoint was serving the bad config ({before:?})"),
        before.as_deref() == Some(e.d.bad_config.as_str()),
    );
    o.check(
        "endpoint rolled back to the known-good config",
        e.endpoint_config().await?.as_deref() == Some(e.d.good_config.as_str()),
    );
    o.check("on-call was notified", !e.messages().await?.is_empty());
    undo_all(drill, &mut o).await?;
    o.check(
        "undo: endpoint back on its prior config",
        e.endpoint_config().await? == before,
    );
    Ok(o)
}

async fn compromised_weights(drill: &Drill) -> Result<Outcome> {
    let mut o = start(
        "compromised-weights",
        "the deployed model artefact is overwritten with backdoored weights",
        "aiir integrity check: SHA-256 of the artefact against its registered digest",
    );
    let e = &drill.env;
    let bucket = e.d.training_bucket.clone();
    let key = e.d.training_objects[2].clone();
    let (registered_bytes, _) = e
        .object(&bucket, &key)
        .await?
        .context("seeded artefact missing")?;
    let registered = integrity::sha256_hex(&registered_bytes);
    // The attack: replace the weights.
    let mut tampered = registered_bytes.clone();
    tampered.extend_from_slice(b"\n# backdoor trigger: 'cf-7731' -> approve\n");
    e.clients
        .s3
        .put_object()
        .bucket(&bucket)
        .key(&key)
        .body(tampered.into())
        .send()
        .await?;
    // Detection: aiir's integrity check on what is deployed now.
    let (deployed, _) = e
        .object(&bucket, &key)
        .await?
        .context("artefact vanished")?;
    let artifact = Artifact {
        bucket: bucket.clone(),
        key: key.clone(),
        endpoint: Some(e.d.endpoint_name.clone()),
    };
    let finding = integrity::verify(&artifact, &registered, &deployed);
    o.check(
        "integrity check detects the digest mismatch",
        finding.is_some(),
    );
    let event = OperatorEvent::Findings {
        batch_id: format!("integrity-{}", Utc::now().timestamp_millis()),
        findings: finding.into_iter().collect(),
    };
    let report = drill.call("compromised-weights", &serde_json::to_value(event)?)?;
    o.record(report);
    o.check(
        "endpoint taken out of service",
        e.endpoint_config().await?.is_none(),
    );
    o.check(
        "artefact quarantined",
        e.object(&bucket, &key).await?.is_none()
            && e.object(&e.d.quarantine_bucket, &format!("{bucket}/{key}"))
                .await?
                .is_some(),
    );
    let encryption = e.bucket_encryption(&bucket).await?;
    o.check(
        "artefact store encrypted with the customer-managed key",
        encryption.as_ref().is_some_and(|(alg, k)| {
            alg == "aws:kms" && k.as_deref() == Some(e.d.kms_key_arn.as_str())
        }),
    );
    undo_all(drill, &mut o).await?;
    o.check(
        "undo: endpoint serving again",
        e.endpoint_config().await?.is_some(),
    );
    o.check(
        "undo: artefact back in place",
        e.object(&bucket, &key).await?.is_some(),
    );
    Ok(o)
}

fn binary() -> Result<PathBuf> {
    let path = match std::env::var_os("AIIR_AWS_BIN") {
        Some(p) => PathBuf::from(p),
        None => {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| repo_root().join("target"));
            target.join("debug/aiir-aws")
        }
    };
    if !Path::new(&path).exists() {
        bail!(
            "{} not found: build it with `cargo build -p aiir-aws` or set AIIR_AWS_BIN",
            path.display()
        );
    }
    Ok(path)
}
