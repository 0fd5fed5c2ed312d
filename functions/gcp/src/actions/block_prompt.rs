//! `block-prompt` on Google Cloud, by target kind:
//! - a prompt signature (`Prompt`) is added to the blocklist the guardrail reads: a JSON
//!   object in Cloud Storage (`blocklist = "gs://bucket/path.json"`, body
//!   `{"signatures": [{"signature", "incident_id", "step_id", "added_at"}]}`), updated
//!   read-modify-write under a generation precondition (a concurrent writer makes it retry);
//! - a caller IP (`Caller`) is denied by a Cloud Armor security policy rule
//!   (`ip_set` = the policy, `projects/P/global/securityPolicies/NAME` or `NAME`):
//!   `securityPolicies.addRule` with `deny(403)` on `srcIpRanges = [ip/32]` at the first
//!   free priority in [`PRIORITY_RANGE`], the global operation awaited, the rule read back
//!   (`getRule`). An existing deny rule covering exactly that address counts as done.
//!
//! Undo removes the signature (`gs://` blocklist) or the rule (`removeRule`), only if it is
//! still the one aiir added.
use std::net::IpAddr;
use std::ops::RangeInclusive;

use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use aiir_core::ResourceKind;
use bytes::Bytes;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{api, dry_run, json, prior, unchanged, Ctx};
use crate::gcs::{object_location, Gcs, Precondition};

/// Cloud Armor priorities aiir uses for its deny rules (lower wins; 2147483647 is default).
pub const PRIORITY_RANGE: RangeInclusive<i64> = 1000..=1999;

pub fn required_permissions() -> &'static [&'static str] {
    &[
        "storage.objects.get",
        "storage.objects.create",
        "storage.objects.delete",
        "compute.securityPolicies.get",
        "compute.securityPolicies.update",
        "compute.globalOperations.get",
    ]
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "prompt signature: the `gs://` JSON blocklist rewritten under a generation precondition; caller IP: Cloud Armor `securityPolicies.addRule` `deny(403)` at the first free priority, read back with `getRule`",
    undo: "the signature removed from the blocklist, or `securityPolicies.removeRule`, only if still the one aiir added",
};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "target", rename_all = "kebab-case")]
pub enum Prior {
    Signature {
        blocklist: String,
        signature: String,
    },
    Caller {
        policy: String,
        ip: String,
        priority: i64,
    },
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let ActionSpec::BlockPrompt { blocklist, ip_set } = request.action else {
        return Err(ActionError::Invalid(
            "block-prompt called with another action".into(),
        ));
    };
    match request.target.kind {
        ResourceKind::Prompt => block_signature(ctx, request, blocklist).await,
        ResourceKind::Caller => {
            let policy = ip_set
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    ActionError::Invalid(
                        "block-prompt: no ip_set (Cloud Armor policy) configured for callers"
                            .into(),
                    )
                })?;
            block_caller(ctx, request, policy).await
        }
        other => Err(ActionError::Unsupported(format!(
            "block-prompt does not act on {other:?} targets"
        ))),
    }
}

// --- Blocklist in Cloud Storage --------------------------------------------------------------

fn blocklist_location(blocklist: &str) -> Result<(String, String), ActionError> {
    let rest = blocklist.trim();
    let Some(path) = rest.strip_prefix("gs://") else {
        return Err(ActionError::Invalid(format!(
            "blocklist `{rest}` is not a gs://bucket/object location"
        )));
    };
    object_location(path)
        .map(|(b, o)| (b.to_string(), o.to_string()))
        .ok_or_else(|| ActionError::Invalid(format!("blocklist `{rest}` has no object name")))
}

async fn read_list(
    gcs: &Gcs<'_>,
    bucket: &str,
    object: &str,
) -> Result<(Value, Precondition), ActionError> {
    match gcs.read(bucket, object).await.map_err(api)? {
        None => Ok((json!({ "signatures": [] }), Precondition::Absent)),
        Some(read) => {
            let doc: Value = serde_json::from_slice(&read.data).map_err(|e| {
                ActionError::Invalid(format!(
                    "gs://{bucket}/{object} is not a JSON blocklist: {e}"
                ))
            })?;
            Ok((doc, Precondition::Generation(read.generation)))
        }
    }
}

fn contains(doc: &Value, signature: &str) -> bool {
    doc.get("signatures")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .any(|e| e.get("signature").and_then(Value::as_str) == Some(signature))
        })
}

async fn block_signature(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
    blocklist: &str,
) -> Result<ActionOutcome, ActionError> {
    let (bucket, object) = blocklist_location(blocklist)?;
    let signature = request.target.id.trim().to_string();
    let before = Prior::Signature {
        blocklist: format!("gs://{bucket}/{object}"),
        signature: signature.clone(),
    };
    let gcs = Gcs::new(ctx.clients);
    let (mut doc, precondition) = read_list(&gcs, &bucket, &object).await?;
    if contains(&doc, &signature) {
        return Ok(unchanged(
            json(&before),
            format!("signature {signature} already on gs://{bucket}/{object}"),
        ));
    }
    let detail = format!("add signature {signature} to gs://{bucket}/{object}");
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&before),
            new_state: Value::Null,
            details: vec![format!("would {detail}")],
        });
    }
    let entry = json!({
        "signature": signature,
        "incident_id": request.incident.id,
        "step_id": request.step_id,
        "added_at": chrono::Utc::now(),
    });
    if !doc.get("signatures").is_some_and(Value::is_array) {
        doc["signatures"] = json!([]);
    }
    if let Some(list) = doc.get_mut("signatures").and_then(Value::as_array_mut) {
        list.push(entry);
    }
    // 412 (a concurrent writer) is retryable: the step runs again on the fresh list.
    gcs.write(
        &bucket,
        &object,
        Bytes::from(doc.to_string()),
        "application/json",
        precondition,
        &[],
    )
    .await
    .map_err(api)?;
    let (after, _) = read_list(&gcs, &bucket, &object).await?;
    if !contains(&after, &signature) {
        return Err(ActionError::Verification(format!(
            "signature {signature} not on gs://{bucket}/{object}"
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&before),
        new_state: json!({ "blocklist": format!("gs://{bucket}/{object}"), "signature": signature, "present": true }),
        details: vec![detail],
    })
}

async fn unblock_signature(
    ctx: &Ctx<'_>,
    blocklist: &str,
    signature: &str,
) -> Result<ActionOutcome, ActionError> {
    let (bucket, object) = blocklist_location(blocklist)?;
    let gcs = Gcs::new(ctx.clients);
    let (mut doc, precondition) = read_list(&gcs, &bucket, &object).await?;
    if !contains(&doc, signature) {
        return Ok(unchanged(
            json!({ "signature": signature }),
            format!("signature {signature} not on {blocklist}"),
        ));
    }
    if let Some(list) = doc.get_mut("signatures").and_then(Value::as_array_mut) {
        list.retain(|e| e.get("signature").and_then(Value::as_str) != Some(signature));
    }
    gcs.write(
        &bucket,
        &object,
        Bytes::from(doc.to_string()),
        "application/json",
        precondition,
        &[],
    )
    .await
    .map_err(api)?;
    let (after, _) = read_list(&gcs, &bucket, &object).await?;
    if contains(&after, signature) {
        return Err(ActionError::Verification(format!(
            "signature {signature} still on {blocklist}"
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json!({ "signature": signature, "present": true }),
        new_state: json!({ "signature": signature, "present": false }),
        details: vec![format!("removed signature {signature} from {blocklist}")],
    })
}

// --- Cloud Armor -----------------------------------------------------------------------------

fn policy_name(ctx: &Ctx<'_>, policy: &str) -> Result<String, ActionError> {
    let p = policy.trim().trim_start_matches('/');
    let p = p.split_once("compute/v1/").map_or(p, |(_, rest)| rest);
    if p.starts_with("projects/") {
        let parts: Vec<&str> = p.split('/').collect();
        if parts.len() == 5
            && parts[2] == "global"
            && parts[3] == "securityPolicies"
            && !parts[4].is_empty()
        {
            return Ok(p.to_string());
        }
        return Err(ActionError::Invalid(format!(
            "`{p}` is not projects/P/global/securityPolicies/NAME"
        )));
    }
    if p.is_empty() || p.contains('/') {
        return Err(ActionError::Invalid(format!(
            "`{p}` is not a Cloud Armor security policy name"
        )));
    }
    let project = ctx.clients.project_for("securityPolicies").map_err(api)?;
    Ok(format!("projects/{project}/global/securityPolicies/{p}"))
}

fn compute_url(ctx: &Ctx<'_>, path: &str) -> String {
    format!(
        "{}/compute/v1/{path}",
        ctx.clients.endpoints.compute.trim_end_matches('/')
    )
}

/// Wait for a compute global operation (`status` `DONE`; `error.errors[]` on failure).
async fn wait_operation(ctx: &Ctx<'_>, operation: &Value, what: &str) -> Result<(), ActionError> {
    let check = |op: &Value| -> Result<Option<()>, ActionError> {
        if op.get("status").and_then(Value::as_str) != Some("DONE") {
            return Ok(None);
        }
        match op
            .get("error")
            .and_then(|e| e.get("errors"))
            .and_then(Value::as_array)
        {
            Some(errors) if !errors.is_empty() => Err(ActionError::Invalid(format!(
                "{what}: {}",
                Value::Array(errors.clone())
            ))),
            _ => Ok(Some(())),
        }
    };
    if check(operation)?.is_some() {
        return Ok(());
    }
    let url = match operation.get("selfLink").and_then(Value::as_str) {
        // Follow the operation's own link only when it points at the configured endpoint.
        Some(link) if link.starts_with(ctx.clients.endpoints.compute.trim_end_matches('/')) => {
            link.to_string()
        }
        _ => {
            let name = operation
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| ActionError::Invalid(format!("{what}: operation without a name")))?;
            let project = what.split('/').nth(1).unwrap_or_default();
            compute_url(ctx, &format!("projects/{project}/global/operations/{name}"))
        }
    };
    ctx.wait
        .until(what, || async {
            let op = ctx
                .clients
                .call(what, Method::GET, &url, None)
                .await
                .map_err(api)?;
            check(&op)
        })
        .await
}

fn ip_range(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V4(_) => format!("{ip}/32"),
        IpAddr::V6(_) => format!("{ip}/128"),
    }
}

fn rule_blocks(rule: &Value, range: &str) -> bool {
    let deny = rule
        .get("action")
        .and_then(Value::as_str)
        .is_some_and(|a| a.starts_with("deny"));
    let ranges = rule
        .get("match")
        .and_then(|m| m.get("config"))
        .and_then(|c| c.get("srcIpRanges"))
        .and_then(Value::as_array);
    let preview = rule.get("preview").and_then(Value::as_bool) == Some(true);
    deny && !preview && ranges.is_some_and(|r| r.iter().any(|x| x.as_str() == Some(range)))
}

async fn block_caller(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
    policy: &str,
) -> Result<ActionOutcome, ActionError> {
    let ip: IpAddr = request.target.id.trim().parse().map_err(|_| {
        ActionError::Invalid(format!("`{}` is not an IP address", request.target.id))
    })?;
    let range = ip_range(&ip);
    let policy = policy_name(ctx, policy)?;
    let what = format!("{policy} addRule {range}");
    let current = ctx
        .clients
        .call(
            &format!("compute.securityPolicies.get {policy}"),
            Method::GET,
            &compute_url(ctx, &policy),
            None,
        )
        .await
        .map_err(api)?;
    let rules: Vec<Value> = current
        .get("rules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(rule) = rules.iter().find(|r| rule_blocks(r, &range)) {
        let priority = rule
            .get("priority")
            .and_then(Value::as_i64)
            .unwrap_or_default();
        return Ok(unchanged(
            json!({ "policy": policy, "ip": ip.to_string(), "priority": priority }),
            format!("{range} already denied by {policy} (priority {priority})"),
        ));
    }
    let used: Vec<i64> = rules
        .iter()
        .filter_map(|r| r.get("priority").and_then(Value::as_i64))
        .collect();
    let priority = PRIORITY_RANGE
        .clone()
        .find(|p| !used.contains(p))
        .ok_or_else(|| {
            ActionError::Invalid(format!("{policy}: no free priority in {PRIORITY_RANGE:?}"))
        })?;
    let before = Prior::Caller {
        policy: policy.clone(),
        ip: ip.to_string(),
        priority,
    };
    let detail = format!("deny {range} in {policy} at priority {priority}");
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&before),
            new_state: Value::Null,
            details: vec![format!("would {detail}")],
        });
    }
    let rule = json!({
        "priority": priority,
        "action": "deny(403)",
        "preview": false,
        "description": format!("aiir {} step {}", request.incident.id, request.step_id),
        "match": { "versionedExpr": "SRC_IPS_V1", "config": { "srcIpRanges": [range] } },
    });
    let op = ctx
        .clients
        .call(
            &what,
            Method::POST,
            &compute_url(ctx, &format!("{policy}/addRule")),
            Some(&rule),
        )
        .await
        .map_err(api)?;
    wait_operation(ctx, &op, &what).await?;
    let got = ctx
        .clients
        .call(
            &format!("compute.securityPolicies.getRule {policy}"),
            Method::GET,
            &compute_url(ctx, &format!("{policy}/getRule?priority={priority}")),
            None,
        )
        .await
        .map_err(api)?;
    if !rule_blocks(&got, &range) {
        return Err(ActionError::Verification(format!(
            "{policy}: rule {priority} does not deny {range}"
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&before),
        new_state: json!({ "policy": policy, "priority": priority, "rule": got }),
        details: vec![detail],
    })
}

async fn unblock_caller(
    ctx: &Ctx<'_>,
    policy: &str,
    ip: &str,
    priority: i64,
) -> Result<ActionOutcome, ActionError> {
    let range = ip
        .parse::<IpAddr>()
        .map(|ip| ip_range(&ip))
        .unwrap_or_else(|_| ip.to_string());
    let rule_url = compute_url(ctx, &format!("{policy}/getRule?priority={priority}"));
    let rule = match ctx
        .clients
        .call(
            &format!("compute.securityPolicies.getRule {policy}"),
            Method::GET,
            &rule_url,
            None,
        )
        .await
    {
        Ok(r) => Some(r),
        Err(e) if e.is_not_found() || e.status() == Some(400) => None,
        Err(e) => return Err(api(e)),
    };
    if !rule.as_ref().is_some_and(|r| rule_blocks(r, &range)) {
        return Ok(unchanged(
            json!({ "policy": policy, "priority": priority }),
            format!("{policy}: no aiir rule for {range} at {priority}"),
        ));
    }
    let what = format!("{policy} removeRule {priority}");
    let op = ctx
        .clients
        .call(
            &what,
            Method::POST,
            &compute_url(ctx, &format!("{policy}/removeRule?priority={priority}")),
            None,
        )
        .await
        .map_err(api)?;
    wait_operation(ctx, &op, &what).await?;
    Ok(ActionOutcome {
        changed: true,
        prior_state: json!({ "policy": policy, "priority": priority, "ip": ip }),
        new_state: json!({ "policy": policy, "priority": priority, "removed": true }),
        details: vec![format!(
            "removed the deny rule for {range} (priority {priority}) from {policy}"
        )],
    })
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    match prior::<Prior>(record)? {
        Prior::Signature {
            blocklist,
            signature,
        } => unblock_signature(ctx, &blocklist, &signature).await,
        Prior::Caller {
            policy,
            ip,
            priority,
        } => unblock_caller(ctx, &policy, &ip, priority).await,
    }
}
