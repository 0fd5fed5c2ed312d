//! rollback-model: move an Azure Machine Learning online endpoint's traffic back to the
//! previous deployment.
//!
//! Resource Manager, api-version 2024-04-01:
//! - `GET {endpoint}` — the traffic split; the deployment with the most traffic is current;
//! - `GET {endpoint}/deployments` — the deployments with `systemData.createdAt`; the previous
//!   one is the newest created before the current one (or the playbook's `to`, pinned);
//! - `PUT {endpoint}` — all traffic to the previous deployment (0 to every other), tagged
//!   `aiir-rollback-step = {step id}` (see [`super::ml`] for why `PUT`); poll `GET` until it
//!   reads back so. No deployment is deleted.
//!
//! Idempotent: an endpoint tagged with this step's id, or already sending all traffic to the
//! chosen deployment, is left alone (so a repeat never walks further back). Undo puts the
//! recorded traffic split and tag back.
use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::ml::{self, Traffic};
use super::{dry_run, json, prior, unchanged, Ctx};

pub const PERMISSIONS: &[&str] = &[
    "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read",
    "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write",
    "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/read",
];

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "Resource Manager (Azure ML 2024-04-01): `GET` the online endpoint and its deployments, `PUT` the endpoint with all traffic on the deployment created before the current one (or `to`), tagged `aiir-rollback-step`; polls until `Succeeded`",
    undo: "`PUT` the recorded traffic split and tags back, polled until it reads back",
};

/// The endpoint tag naming the step that rolled it back.
pub const STEP_TAG: &str = "aiir-rollback-step";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Prior {
    pub endpoint_id: String,
    /// The traffic split before.
    pub traffic: Traffic,
    /// The value of [`STEP_TAG`] before (normally none).
    #[serde(default)]
    pub step_tag: Option<String>,
    /// The deployment traffic was moved to.
    pub rolled_back_to: String,
}

fn show(t: &Traffic) -> String {
    t.iter()
        .map(|(k, v)| format!("{k}={v}%"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The deployment with the most traffic (none when nothing takes traffic).
fn current(t: &Traffic) -> Option<String> {
    t.iter()
        .filter(|(_, v)| **v > 0)
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(k, _)| k.clone())
}

/// The newest deployment created before `current` (any other when dates are missing).
pub fn previous(deployments: &[(String, Option<String>)], current: Option<&str>) -> Option<String> {
    let created_current = current.and_then(|c| {
        deployments
            .iter()
            .find(|(n, _)| n == c)
            .and_then(|(_, t)| t.clone())
    });
    deployments
        .iter()
        .filter(|(n, _)| Some(n.as_str()) != current)
        .filter(|(_, t)| match (&created_current, t) {
            // RFC 3339 timestamps of one service compare as text.
            (Some(cur), Some(t)) => t < cur,
            _ => true,
        })
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .map(|(n, _)| n.clone())
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let id = request.target.id.trim().trim_end_matches('/').to_string();
    if !ml::is_endpoint(&id) {
        return Err(ActionError::Unsupported(format!(
            "{id}: rollback-model on Azure moves Azure ML online endpoint traffic; nothing was changed"
        )));
    }
    let pinned = match request.action {
        ActionSpec::RollbackModel { to, .. } => to.clone().filter(|t| !t.trim().is_empty()),
        _ => None,
    };
    let now = ml::get(ctx, &id).await?;
    let tag = now
        .tags
        .get(STEP_TAG)
        .and_then(Value::as_str)
        .map(str::to_string);
    if tag.as_deref() == Some(request.step_id) {
        return Ok(unchanged(
            json(&json!({ "traffic": now.traffic })),
            format!(
                "{id} was already rolled back by this step ({})",
                show(&now.traffic)
            ),
        ));
    }
    let cur = current(&now.traffic);
    let deployments = ml::deployments(ctx, &id).await?;
    let to = match pinned {
        Some(t) => {
            if !deployments.iter().any(|(n, _)| *n == t) {
                return Err(ActionError::NotFound(format!("{id} has no deployment {t}")));
            }
            t
        }
        None => previous(&deployments, cur.as_deref()).ok_or_else(|| {
            ActionError::NotFound(format!(
                "{id}: no deployment older than {} to roll back to",
                cur.as_deref().unwrap_or("the current one")
            ))
        })?,
    };
    let mut target: Traffic = now.traffic.keys().map(|k| (k.clone(), 0)).collect();
    target.insert(to.clone(), 100);
    let p = Prior {
        endpoint_id: id.clone(),
        traffic: now.traffic.clone(),
        step_tag: tag,
        rolled_back_to: to.clone(),
    };
    if now.traffic == target {
        return Ok(unchanged(
            json(&p),
            format!("{id} already sends all traffic to {to}"),
        ));
    }
    let detail = format!(
        "move traffic of {id} to {to} ({}; was {})",
        show(&target),
        show(&now.traffic)
    );
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&p),
            new_state: Value::Null,
            details: vec![format!("would {detail}")],
        });
    }
    let mut tags = now.tags.clone();
    tags.insert(STEP_TAG.into(), json!(request.step_id));
    let access = now.access().to_string();
    let after = ml::set(ctx, &id, &now.body, &target, &access, &tags).await?;
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&p),
        new_state: json(&json!({ "traffic": after.traffic })),
        details: vec![detail],
    })
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    let p: Prior = prior(record)?;
    let now = ml::get(ctx, &p.endpoint_id).await?;
    let tag = now.tags.get(STEP_TAG).and_then(Value::as_str);
    if now.traffic == p.traffic && tag == p.step_tag.as_deref() {
        return Ok(unchanged(
            record.prior_state.clone(),
            format!("{} already has its recorded traffic", p.endpoint_id),
        ));
    }
    let mut tags = now.tags.clone();
    match &p.step_tag {
        Some(t) => {
            tags.insert(STEP_TAG.into(), json!(t));
        }
        None => {
            tags.remove(STEP_TAG);
        }
    }
    // Deployments added since keep no traffic; the recorded ones get theirs back.
    let mut traffic: Traffic = now.traffic.keys().map(|k| (k.clone(), 0)).collect();
    traffic.extend(p.traffic.clone());
    let access = now.access().to_string();
    ml::set(ctx, &p.endpoint_id, &now.body, &traffic, &access, &tags).await?;
    Ok(ActionOutcome {
        changed: true,
        prior_state: record.new_state.clone(),
        new_state: record.prior_state.clone(),
        details: vec![format!(
            "restored traffic of {} to {}",
            p.endpoint_id,
            show(&traffic)
        )],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_newest_older_deployment() {
        let d = vec![
            ("red".to_string(), Some("2019-12-01T00:00:00Z".to_string())),
            ("blue".to_string(), Some("2020-01-01T00:00:00Z".to_string())),
            (
                "green".to_string(),
                Some("2020-02-01T00:00:00Z".to_string()),
            ),
            (
                "canary".to_string(),
                Some("2020-03-01T00:00:00Z".to_string()),
            ),
        ];
        assert_eq!(previous(&d, Some("green")).as_deref(), Some("blue"));
        assert_eq!(previous(&d, Some("red")), None);
        assert_eq!(previous(&d, None).as_deref(), Some("canary"));
        let t: Traffic = [("blue".to_string(), 10), ("green".to_string(), 90)].into();
        assert_eq!(current(&t).as_deref(), Some("green"));
    }
}
