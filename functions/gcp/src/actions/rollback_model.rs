//! `rollback-model` on Vertex AI: move the endpoint's traffic split back to the previous
//! deployed model (`endpoints.patch`, `updateMask=trafficSplit`, conditional on the
//! endpoint's `etag`).
//!
//! Current = the deployed model with the most traffic (ties: the newest). Previous = `to`
//! (a deployed model id, or a model resource name) when the playbook pins it, else the most
//! recently created deployed model older than the current one (so a repeated rollback is a
//! no-op, never a flip forward). One deployed model only: nothing to roll back to
//! (rejected, not guessed).
use std::collections::BTreeMap;

use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::vertex::{self, EndpointName};
use super::{dry_run, json, prior, unchanged, Ctx};

pub fn required_permissions() -> &'static [&'static str] {
    &["aiplatform.endpoints.get", "aiplatform.endpoints.update"]
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "Vertex AI `endpoints.patch` (`updateMask=trafficSplit`, conditional on the `etag`): traffic back to the deployed model created before the current one (or `to`)",
    undo: "`endpoints.patch` with the recorded traffic split",
};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Prior {
    pub endpoint: String,
    pub traffic_split: BTreeMap<String, u64>,
    pub to: String,
}

fn created(model: &Value) -> &str {
    model
        .get("createTime")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// `(current, previous)` deployed model ids.
pub fn choose(endpoint: &Value, to: Option<&str>) -> Result<(Option<String>, String), ActionError> {
    let models = vertex::deployed_models(endpoint);
    let split = vertex::traffic_split(endpoint);
    let current = models
        .iter()
        .filter_map(|m| {
            vertex::deployed_id(m).map(|id| (id, split.get(id).copied().unwrap_or(0), created(m)))
        })
        .max_by(|a, b| a.1.cmp(&b.1).then(a.2.cmp(b.2)))
        .map(|(id, _, _)| id.to_string());
    if let Some(to) = to {
        let found = models
            .iter()
            .find(|m| {
                vertex::deployed_id(m) == Some(to)
                    || m.get("model").and_then(Value::as_str) == Some(to)
            })
            .and_then(vertex::deployed_id)
            .ok_or_else(|| {
                ActionError::Invalid(format!("`{to}` is not deployed on this endpoint"))
            })?;
        return Ok((current, found.to_string()));
    }
    let current_created = models
        .iter()
        .find(|m| vertex::deployed_id(m) == current.as_deref())
        .map(created)
        .unwrap_or("");
    // The most recent deployed model created before the current one: rolling back twice
    // never flips forward again.
    let previous = models
        .iter()
        .filter(|m| {
            vertex::deployed_id(m).is_some() && vertex::deployed_id(m) != current.as_deref()
        })
        .filter(|m| created(m) < current_created)
        .max_by(|a, b| created(a).cmp(created(b)))
        .and_then(vertex::deployed_id);
    match (previous, &current) {
        (Some(p), _) => Ok((current.clone(), p.to_string())),
        // Traffic already on the oldest deployed model: already rolled back.
        (None, Some(c)) if models.len() > 1 => Ok((current.clone(), c.clone())),
        _ => Err(ActionError::Invalid(format!(
            "{} deployed model(s): no previous deployed model to roll back to",
            models.len()
        ))),
    }
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    if request.target.kind == aiir_core::ResourceKind::Function {
        return Err(ActionError::Unsupported(format!(
            "rollback-model on GCP acts on Vertex AI endpoints; `{}` is a function",
            request.target.id
        )));
    }
    let to = match request.action {
        ActionSpec::RollbackModel { to, .. } => to.as_deref(),
        _ => None,
    };
    let name = EndpointName::parse(&request.target.id)?;
    let endpoint = vertex::get(ctx, &name).await?;
    let split = vertex::traffic_split(&endpoint);
    let (current, previous) = choose(&endpoint, to)?;
    if split.get(&previous).copied() == Some(100) {
        return Ok(unchanged(
            json!({ "endpoint": name.name, "traffic_split": split }),
            format!("{}: all traffic already on {previous}", name.name),
        ));
    }
    let before = Prior {
        endpoint: name.name.clone(),
        traffic_split: split.clone(),
        to: previous.clone(),
    };
    let target: BTreeMap<String, u64> = vertex::deployed_models(&endpoint)
        .iter()
        .filter_map(vertex::deployed_id)
        .map(|id| (id.to_string(), if id == previous { 100 } else { 0 }))
        .collect();
    let detail = format!(
        "traffic on {} from {} to deployed model {previous} (100%)",
        name.name,
        current.as_deref().unwrap_or("nothing")
    );
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&before),
            new_state: json!({ "traffic_split": target }),
            details: vec![format!("would move {detail}")],
        });
    }
    let etag = endpoint.get("etag").and_then(Value::as_str);
    vertex::set_traffic(ctx, &name, &target, etag).await?;
    let after = vertex::traffic_split(&vertex::get(ctx, &name).await?);
    if after.get(&previous).copied() != Some(100) {
        return Err(ActionError::Verification(format!(
            "{}: traffic split is {after:?} after rollback to {previous}",
            name.name
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&before),
        new_state: json!({ "endpoint": name.name, "traffic_split": after }),
        details: vec![format!("moved {detail}")],
    })
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    let before: Prior = prior(record)?;
    let name = EndpointName::parse(&before.endpoint)?;
    let endpoint = vertex::get(ctx, &name).await?;
    let present: Vec<String> = vertex::deployed_models(&endpoint)
        .iter()
        .filter_map(|m| vertex::deployed_id(m).map(String::from))
        .collect();
    // Only deployed models still there can get traffic back.
    let split: BTreeMap<String, u64> = before
        .traffic_split
        .iter()
        .filter(|(id, _)| present.contains(id))
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    if vertex::traffic_split(&endpoint) == split {
        return Ok(unchanged(
            json!({ "traffic_split": split }),
            format!("{}: split already restored", name.name),
        ));
    }
    if split.values().sum::<u64>() != 100 {
        return Err(ActionError::Invalid(format!(
            "{}: the prior split {:?} cannot be restored (deployed models changed since)",
            name.name, before.traffic_split
        )));
    }
    let etag = endpoint.get("etag").and_then(Value::as_str);
    vertex::set_traffic(ctx, &name, &split, etag).await?;
    let after = vertex::traffic_split(&vertex::get(ctx, &name).await?);
    if after != split {
        return Err(ActionError::Verification(format!(
            "{}: split is {after:?}, expected {split:?}",
            name.name
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: record.new_state.clone(),
        new_state: json!({ "endpoint": name.name, "traffic_split": after }),
        details: vec![format!(
            "restored the traffic split of {} to {split:?}",
            name.name
        )],
    })
}
