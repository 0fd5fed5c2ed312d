//! The four scenarios on Azure: generate the attack, deliver it in Azure's payload shapes, check
//! Azurite and the fixture's state, undo, check again.
use aiir_core::action::ActionKind;
use aiir_core::detect::integrity::{self, Artifact};
use aiir_core::detect::prompt::logline::{LogLineConfig, LogLineScanner};
use aiir_core::drill::model_drift;
use aiir_core::operator::OperatorEvent;
use aiir_core::{IncidentKind, ResourceKind, ResourceRef};
use anyhow::{Context, Result};
use chrono::Utc;
use serde_json::json;

use super::super::{fill, read, undo_all, Outcome};
use super::{start, Drill};

const ATTACKER: &str = "203.0.113.66";
const BENIGN: &str = "192.0.2.10";

fn shapes_note(o: &mut Outcome) {
    o.note("delivered in-process as Functions custom-handler invocations (Data/Metadata) to the handler the custom-handler server runs");
    o.note("Blob and Table Storage: Azurite over HTTPS with OAuth bearer tokens (real emulator); Resource Manager, Key Vault, Content Safety, Logs Ingestion: stateful local server answering with azure-rest-api-specs examples");
}

pub async fn prompt_injection(drill: &Drill) -> Result<Outcome> {
    let mut o = start(
        "prompt-injection",
        "attacker prompts in the model I/O stream: instruction override, DAN role-play, base64, homoglyphs, zero-width, leetspeak",
        "aiir prompt-injection detector on the online endpoint's resource logs (Event Hubs trigger)",
    );
    shapes_note(&mut o);
    o.note("payload: Azure Monitor diagnostic logs ({\"records\": [...]}, category AmlOnlineEndpointConsoleLog) as an Event Hubs batch to the `modelio` function");
    o.note("caller blocked in a Front Door WAF policy custom rule (WafPolicyGet 2024-02-01 example); prompts on a Content Safety text blocklist (2024-09-01 examples)");
    let c = &drill.cloud;
    let n = &drill.n;
    let (secret_before, value_before) = c.secret(&n.secret).context("seeded secret")?;
    let blocklist_before = c.blocklist_texts(&n.blocklist);
    let (_, rules_before) = drill.waf()?;
    let notified_before = c.notified().len();
    let lines = read("events/drills/prompt-injection/model-io.jsonl")?;
    let report = drill.model_io(&lines).await?;
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
    let (addrs, _) = drill.waf()?;
    o.check(
        format!("attacker {ATTACKER} is in the WAF policy's custom rule"),
        addrs.iter().any(|a| a.starts_with(ATTACKER)),
    );
    o.check(
        format!("benign caller {BENIGN} is not blocked"),
        !addrs.iter().any(|a| a.starts_with(BENIGN)),
    );
    let texts = c.blocklist_texts(&n.blocklist);
    // Every prompt signature of an incident the playbook acted on (the high-severity
    // injections; low-severity toxic lines match no rule).
    let acted: Vec<&aiir_core::pipeline::IncidentReport> = o
        .incidents
        .iter()
        .filter(|i| {
            i.steps
                .iter()
                .any(|s| s.action.kind() == ActionKind::BlockPrompt)
        })
        .collect();
    let prompts: Vec<String> = acted
        .iter()
        .flat_map(|i| &i.incident.resources)
        .filter(|r| r.kind == ResourceKind::Prompt)
        .map(|r| r.id.clone())
        .collect();
    let blocked = prompts.iter().filter(|p| texts.contains(p)).count();
    o.check(
        format!(
            "attack prompt signatures are on the Content Safety blocklist ({blocked} of {})",
            prompts.len()
        ),
        blocked >= 5 && blocked == prompts.len(),
    );
    let (secret_after, value_after) = c.secret(&n.secret).context("secret")?;
    o.check(
        "the tool's Key Vault secret was rotated (new current version, new value)",
        secret_after != secret_before && value_after != value_before,
    );
    o.check("on-call was notified", c.notified().len() > notified_before);
    undo_all(drill, &mut o).await?;
    let (addrs, rules) = drill.waf()?;
    o.check(
        "undo: attacker IP removed, the policy's own rules kept",
        !addrs.iter().any(|a| a.starts_with(ATTACKER)) && rules == rules_before,
    );
    o.check(
        "undo: the blocklist is as before",
        c.blocklist_texts(&n.blocklist) == blocklist_before,
    );
    let (_, value_restored) = c.secret(&n.secret).context("secret")?;
    o.check(
        "undo: the previous secret value is current again (Key Vault: restored as a new version)",
        value_restored == value_before,
    );
    Ok(o)
}

/// aiir's output scanners over a blob's text: the findings a scan of an exposed container
/// produces, each naming the blob.
fn scan_blob(scanner: &LogLineScanner, object_id: &str, text: &str) -> Vec<aiir_core::Finding> {
    let line = json!({ "response": text }).to_string();
    scanner
        .scan_line(&line)
        .into_iter()
        .filter(|f| f.kind == IncidentKind::DataLeakage)
        .map(|mut f| {
            f.resources
                .push(ResourceRef::new(ResourceKind::Object, object_id));
            f
        })
        .collect()
}

pub async fn data_leakage(drill: &Drill) -> Result<Outcome> {
    let mut o = start(
        "data-leakage",
        "model outputs leak cloud keys and customer PII; the training-data container is public and serves exported customer data and pipeline credentials",
        "aiir output scanners (secrets, PII) on the model I/O stream and over the exposed blobs + Azure Monitor log search alert (anonymous reads)",
    );
    shapes_note(&mut o);
    o.note("payloads: diagnostic logs via Event Hubs (`modelio`); a common-alert-schema log search alert v2 via the action-group webhook (`alerts`); the blob scan's findings as an operator `findings` event (`operator`)");
    o.note("lock-public-access acts through Resource Manager (account allowBlobPublicAccess, container publicAccess): Azurite's own container ACL is not linked to the fixture and stays public (emulator gap: Set Container ACL takes no OAuth token)");
    let c = &drill.cloud;
    let d = &drill.d;
    let n = &drill.n;
    let container = d.training_container.clone();
    let exposed = [
        (
            "exports/2025-05-02/customer-export.csv",
            read("events/drills/data-leakage/exposed/customer-export.csv")?,
        ),
        (
            "exports/2025-05-02/pipeline.env",
            read("events/drills/data-leakage/exposed/pipeline.env")?,
        ),
    ];
    for (name, body) in &exposed {
        drill
            .put_blob(&container, name, body.clone().into_bytes())
            .await?;
    }
    let before = drill.public_access(&container);
    let (_, value_before) = c.secret(&n.secret).context("secret")?;
    let notified_before = c.notified().len();
    // 1. The model's outputs.
    let lines = read("events/drills/data-leakage/model-io.jsonl")?;
    let logs = drill.model_io(&lines).await?;
    o.record(logs);
    // 2. Azure Monitor: anonymous reads on the training-data container.
    let now = Utc::now();
    let alert = fill(
        &read("events/drills/data-leakage/azure-log-alert.template.json")?,
        &[
            ("SUBSCRIPTION", super::SUBSCRIPTION),
            ("RESOURCE_GROUP", super::RESOURCE_GROUP),
            (
                "ALERT_GUID",
                &format!("d811d811-0000-0000-0000-{:012x}", now.timestamp_millis()),
            ),
            ("ACCOUNT_ID", &n.account_id),
            ("ACCOUNT", &d.account),
            ("CONTAINER_ID", &n.container_id(&container)),
            (
                "NOW",
                &now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            ),
            (
                "WINDOW_START",
                &(now - chrono::Duration::minutes(5))
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            ),
        ],
    );
    let monitor = drill.http("alerts", &serde_json::from_str(&alert)?).await?;
    o.record(monitor);
    // 3. What is exposed: aiir's scanners over every blob of the public container.
    let scanner = LogLineScanner::new(LogLineConfig::default())?;
    let mut candidates: Vec<String> = d
        .training_blobs
        .iter()
        .filter_map(|b| b.splitn(3, '/').nth(2).map(str::to_string))
        .collect();
    candidates.extend(exposed.iter().map(|(n, _)| n.to_string()));
    let mut originals = Vec::new();
    let mut findings = Vec::new();
    for name in &candidates {
        let (bytes, _) = drill.blob(&container, name).await?.context("seeded blob")?;
        let id = format!("{}/{container}/{name}", d.account);
        let found = scan_blob(&scanner, &id, &String::from_utf8_lossy(&bytes));
        if !found.is_empty() {
            originals.push((name.clone(), bytes));
        }
        findings.extend(found);
    }
    let flagged: Vec<&str> = originals.iter().map(|(n, _)| n.as_str()).collect();
    o.check(
        format!("the scanners flag exactly the exposed export and env file ({flagged:?})"),
        flagged.len() == 2 && exposed.iter().all(|(e, _)| flagged.contains(e)),
    );
    let event = OperatorEvent::Findings {
        batch_id: format!("blob-scan-{}", now.timestamp_millis()),
        findings,
    };
    let scan = drill
        .http("operator", &serde_json::to_value(event)?)
        .await?;
    o.record(scan);
    let leaks = o
        .incidents
        .iter()
        .filter(|i| i.incident.kind == IncidentKind::DataLeakage)
        .count();
    o.check(
        format!(
            "leaked keys, PII and the public container raised data-leakage incidents ({leaks})"
        ),
        leaks >= 3,
    );
    let (allow, level) = drill.public_access(&container);
    o.check(
        format!("public access locked: account allowBlobPublicAccess={allow:?}, container {level:?} (Resource Manager)"),
        allow == Some(false) && level.as_deref() == Some("None"),
    );
    for (name, bytes) in &originals {
        let gone = drill.blob(&container, name).await?.is_none();
        let copy = drill
            .blob(&n.quarantine, &format!("{container}/{name}"))
            .await?;
        let intact = copy.as_ref().is_some_and(|(b, _)| b == bytes);
        let origin = copy.as_ref().is_some_and(|(_, m)| {
            m.get("aiir_origin")
                .is_some_and(|v| v.contains(&format!("{container}/{name}")))
        });
        o.check(
            format!("{name}: removed from {container}, byte-identical copy in {} with origin metadata (Azurite)", n.quarantine),
            gone && intact && origin,
        );
    }
    for name in candidates.iter().filter(|c| !flagged.contains(&c.as_str())) {
        o.check(
            format!("{name} (nothing sensitive found) stays in place"),
            drill.blob(&container, name).await?.is_some(),
        );
    }
    let (_, value_after) = c.secret(&n.secret).context("secret")?;
    o.check(
        "the tool's Key Vault secret was rotated",
        value_after != value_before,
    );
    o.check("on-call was notified", c.notified().len() > notified_before);
    undo_all(drill, &mut o).await?;
    o.check(
        format!("undo: public access back to {before:?}"),
        drill.public_access(&container) == before,
    );
    for (name, bytes) in &originals {
        let back = drill.blob(&container, name).await?;
        o.check(
            format!("undo: {name} back in {container}, unchanged"),
            back.is_some_and(|(b, _)| &b == bytes),
        );
    }
    let (_, value_restored) = c.secret(&n.secret).context("secret")?;
    o.check(
        "undo: the secret's previous value is current again",
        value_restored == value_before,
    );
    Ok(o)
}

pub async fn model_drift(drill: &Drill) -> Result<Outcome> {
    let mut o = start(
        "model-drift",
        "inference traffic drifts from the training baseline (gift-card scam wave) and the assistant's outputs turn toxic",
        "aiir drift check (Wasserstein / Jensen-Shannon against the reference profile) as a findings batch + aiir toxicity detector on the endpoint's resource logs",
    );
    shapes_note(&mut o);
    o.note("drift findings posted as an operator `findings` event (`operator`), as a drift job would; model outputs as diagnostic logs via Event Hubs (`modelio`) naming the online endpoint's ARM id");
    o.note("rollback-model moves the Azure ML online endpoint's traffic (OnlineEndpointGet / CreateOrUpdate / OnlineDeployment list 2024-04-01 examples) to the deployment created before the current one");
    let c = &drill.cloud;
    let n = &drill.n;
    let before = drill.endpoint()?;
    let notified_before = c.notified().len();
    let endpoint = ResourceRef::new(ResourceKind::ModelEndpoint, n.endpoint_id.clone());
    let drift = model_drift::findings(&endpoint, model_drift::DEFAULT_SEED)?;
    o.check(
        format!(
            "aiir's drift check flags the current batch ({} finding(s))",
            drift.len()
        ),
        drift.iter().any(|f| f.kind == IncidentKind::ModelDrift),
    );
    let event = OperatorEvent::Findings {
        batch_id: format!("drift-{}", Utc::now().timestamp_millis()),
        findings: drift,
    };
    let report = drill
        .http("operator", &serde_json::to_value(event)?)
        .await?;
    o.record(report);
    let lines = model_drift::model_io_lines(Some(&n.endpoint_id)).join("\n");
    let toxic = drill.model_io(&lines).await?;
    o.record(toxic);
    let detectors: Vec<String> = o
        .incidents
        .iter()
        .filter_map(|i| i.incident.labels.get("detector").cloned())
        .collect();
    o.check(
        format!("drift and toxic outputs raised incidents (detectors {detectors:?})"),
        o.incidents
            .iter()
            .any(|i| i.incident.kind == IncidentKind::ModelDrift)
            && detectors.iter().any(|d| d.contains("toxic")),
    );
    o.check(
        format!("endpoint was serving the new deployment ({:?})", before.0),
        before.0.get("green") == Some(&100),
    );
    let (traffic, _) = drill.endpoint()?;
    o.check(
        format!("traffic back on the previous deployment ({traffic:?})"),
        traffic.get("blue") == Some(&100) && traffic.get("green").copied().unwrap_or(0) == 0,
    );
    o.check("on-call was notified", c.notified().len() > notified_before);
    undo_all(drill, &mut o).await?;
    o.check(
        "undo: the prior traffic split is back",
        drill.endpoint()? == before,
    );
    Ok(o)
}

pub async fn compromised_weights(drill: &Drill) -> Result<Outcome> {
    let mut o = start(
        "compromised-weights",
        "the deployed model artefact in Blob Storage is overwritten with backdoored weights",
        "aiir integrity check: SHA-256 of the artefact against its registered digest",
    );
    shapes_note(&mut o);
    o.note("finding delivered as an operator `findings` event (`operator`); the artefact store is named by its storage account's ARM id for the Resource Manager actions (the core's Artifact knows only container/blob)");
    o.note("critical severity also pages on-call: one record to a Logs Ingestion stream (post_IngestUsingDataCollectionRule 2023-01-01 example)");
    let c = &drill.cloud;
    let d = &drill.d;
    let n = &drill.n;
    let container = d.models_container.clone();
    let key = "fraud-scorer/v7/model.onnx".to_string();
    let (registered_bytes, _) = drill
        .blob(&container, &key)
        .await?
        .context("seeded artefact")?;
    let registered = integrity::sha256_hex(&registered_bytes);
    let endpoint_before = drill.endpoint()?;
    let encryption_before = drill.encryption();
    let pages_before = c.pages().len();
    // The attack: replace the weights.
    let mut tampered = registered_bytes.clone();
    tampered.extend_from_slice(b"\n# backdoor trigger: 'cf-7731' -> approve\n");
    drill.put_blob(&container, &key, tampered.clone()).await?;
    // Detection: aiir's integrity check on what is deployed now.
    let (deployed, _) = drill
        .blob(&container, &key)
        .await?
        .context("artefact vanished")?;
    let artifact = Artifact {
        bucket: format!("{}/{container}", d.account),
        key: key.clone(),
        endpoint: Some(n.endpoint_id.clone()),
    };
    let finding = integrity::verify(&artifact, &registered, &deployed).map(|mut f| {
        for r in f
            .resources
            .iter_mut()
            .filter(|r| r.kind == ResourceKind::Bucket)
        {
            *r = ResourceRef::new(ResourceKind::Bucket, n.account_id.clone());
        }
        f
    });
    o.check(
        "integrity check detects the digest mismatch",
        finding.is_some(),
    );
    let event = OperatorEvent::Findings {
        batch_id: format!("integrity-{}", Utc::now().timestamp_millis()),
        findings: finding.into_iter().collect(),
    };
    let report = drill
        .http("operator", &serde_json::to_value(event)?)
        .await?;
    o.record(report);
    let (traffic, access) = drill.endpoint()?;
    o.check(
        format!(
            "online endpoint out of service: traffic {traffic:?}, public network access {access}"
        ),
        traffic.values().all(|v| *v == 0) && access == "Disabled",
    );
    let quarantined = drill
        .blob(&n.quarantine, &format!("{container}/{key}"))
        .await?;
    o.check(
        "artefact moved to quarantine (the tampered bytes kept as evidence, Azurite)",
        drill.blob(&container, &key).await?.is_none()
            && quarantined.is_some_and(|(b, _)| b == tampered),
    );
    let (source, keyname) = drill.encryption();
    o.check(
        format!("artefact store encrypted with the customer-managed key ({source:?}, {keyname:?})"),
        source.as_deref() == Some("Microsoft.Keyvault") && keyname.as_deref() == Some("aiir-cmk"),
    );
    o.check(
        "on-call paged (Logs Ingestion record)",
        c.pages().len() > pages_before,
    );
    undo_all(drill, &mut o).await?;
    o.check(
        "undo: endpoint serving again with its prior traffic and access",
        drill.endpoint()? == endpoint_before,
    );
    o.check(
        "undo: artefact back in place",
        drill.blob(&container, &key).await?.is_some(),
    );
    o.check(
        format!("undo: encryption back to {encryption_before:?}"),
        drill.encryption() == encryption_before,
    );
    Ok(o)
}
