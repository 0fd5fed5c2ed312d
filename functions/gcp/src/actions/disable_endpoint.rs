//! `disable-endpoint` on Vertex AI: undeploy the unhealthy deployed model from its endpoint
//! (`endpoints.undeployModel`), keeping the full `DeployedModel` and the traffic split in the
//! prior state so undo can `deployModel` it back with the same id and split.
//!
//! Which deployed model: the incident's `deployed_model_id` (Cloud Monitoring's Vertex AI
//! metrics carry it as the metric label, see the intake's `metric_label:deployed_model_id`;
//! or a `deployed_model_id` tag on the target); without one, every deployed model is
//! undeployed (the endpoint is taken out of service, the endpoint itself is kept).
use aiir_core::action::ActionDoc;
use aiir_core::audit::StepRecord;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::vertex::{self, EndpointName};
use super::{dry_run, json, prior, unchanged, Ctx};

pub fn required_permissions() -> &'static [&'static str] {
    &[
        "aiplatform.endpoints.get",
        "aiplatform.endpoints.undeploy",
        "aiplatform.endpoints.deploy",
    ]
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "Vertex AI `endpoints.undeployModel` of the affected deployed model (or all of them); the full `DeployedModel` and traffic split recorded",
    undo: "`endpoints.deployModel` with the recorded `DeployedModel` (same id) and traffic split",
};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Prior {
    pub endpoint: String,
    /// The `DeployedModel`s taken off, as the API returned them.
    pub undeployed: Vec<Value>,
    /// The traffic split before.
    pub traffic_split: std::collections::BTreeMap<String, u64>,
}

fn wanted_id(request: &ActionRequest<'_>) -> Option<String> {
    let labels = &request.incident.labels;
    request
        .target
        .tags
        .get("deployed_model_id")
        .or_else(|| labels.get("metric_label:deployed_model_id"))
        .or_else(|| labels.get("deployed_model_id"))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    if request.target.kind == aiir_core::ResourceKind::Function {
        return Err(ActionError::Unsupported(format!(
            "disable-endpoint on GCP acts on Vertex AI endpoints; `{}` is a function",
            request.target.id
        )));
    }
    let name = EndpointName::parse(&request.target.id)?;
    let endpoint = vertex::get(ctx, &name).await?;
    let deployed = vertex::deployed_models(&endpoint);
    let split = vertex::traffic_split(&endpoint);
    let wanted = wanted_id(request);
    let targets: Vec<Value> = deployed
        .iter()
        .filter(|m| {
            wanted
                .as_deref()
                .is_none_or(|w| vertex::deployed_id(m) == Some(w))
        })
        .cloned()
        .collect();
    if targets.is_empty() {
        let what = wanted.map_or("no deployed model".to_string(), |w| {
            format!("deployed model {w} is not deployed")
        });
        return Ok(unchanged(
            json!({ "endpoint": name.name, "deployed_models": deployed.len() }),
            format!("{}: {what}; nothing to disable", name.name),
        ));
    }
    let ids: Vec<String> = targets
        .iter()
        .filter_map(|m| vertex::deployed_id(m).map(String::from))
        .collect();
    let before = Prior {
        endpoint: name.name.clone(),
        undeployed: targets.clone(),
        traffic_split: split.clone(),
    };
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&before),
            new_state: Value::Null,
            details: vec![format!(
                "would undeploy {} from {} (kept for redeploy on undo)",
                ids.join(", "),
                name.name
            )],
        });
    }
    // `undeployModel` refuses a deployed model that still has traffic unless the request's
    // split takes it away; the split sent gives the models that stay 100% between them (none
    // sent for the last one: the service empties the split).
    let mut staying: Vec<String> = deployed
        .iter()
        .filter_map(|m| vertex::deployed_id(m).map(String::from))
        .collect();
    let mut current = split.clone();
    let mut details = Vec::new();
    for id in &ids {
        staying.retain(|s| s != id);
        let remaining: std::collections::BTreeMap<String, u64> = staying
            .iter()
            .map(|s| (s.clone(), current.get(s).copied().unwrap_or(0)))
            .collect();
        let total: u64 = remaining.values().sum();
        let rebalanced = rebalance(&remaining, total);
        vertex::undeploy(ctx, &name, id, &rebalanced).await?;
        current = rebalanced;
        details.push(format!("undeployed {id} from {}", name.name));
    }
    let after = vertex::get(ctx, &name).await?;
    let still: Vec<String> = vertex::deployed_models(&after)
        .iter()
        .filter_map(|m| vertex::deployed_id(m).map(String::from))
        .filter(|id| ids.contains(id))
        .collect();
    if !still.is_empty() {
        return Err(ActionError::Verification(format!(
            "{} still deployed on {}",
            still.join(", "),
            name.name
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&before),
        new_state: json!({ "endpoint": name.name, "traffic_split": vertex::traffic_split(&after), "deployed_models": vertex::deployed_models(&after).len() }),
        details,
    })
}

/// Scale the remaining split to 100 (all to the largest share when it does not divide).
fn rebalance(
    split: &std::collections::BTreeMap<String, u64>,
    total: u64,
) -> std::collections::BTreeMap<String, u64> {
    if split.is_empty() {
        return split.clone();
    }
    if total == 0 {
        let n = split.len() as u64;
        let mut out: std::collections::BTreeMap<String, u64> =
            split.keys().map(|k| (k.clone(), 100 / n)).collect();
        if let Some(first) = out.values_mut().next() {
            *first += 100 - (100 / n) * n;
        }
        return out;
    }
    let mut out: std::collections::BTreeMap<String, u64> = split
        .iter()
        .map(|(k, v)| (k.clone(), v * 100 / total))
        .collect();
    let sum: u64 = out.values().sum();
    if let Some((_, v)) = out.iter_mut().max_by_key(|(_, v)| **v) {
        *v += 100 - sum;
    }
    out
}

/// The prior split over the deployed models still there, scaled to 100 (empty: leave the
/// endpoint's split as it is).
fn restorable(
    prior: &std::collections::BTreeMap<String, u64>,
    deployed: &[String],
) -> std::collections::BTreeMap<String, u64> {
    let kept: std::collections::BTreeMap<String, u64> = prior
        .iter()
        .filter(|(id, v)| **v > 0 && deployed.contains(id))
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let total = kept.values().sum();
    if total == 0 {
        return kept;
    }
    rebalance(&kept, total)
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    let before: Prior = prior(record)?;
    let name = EndpointName::parse(&before.endpoint)?;
    let current = vertex::get(ctx, &name).await?;
    let present: Vec<String> = vertex::deployed_models(&current)
        .iter()
        .filter_map(|m| vertex::deployed_id(m).map(String::from))
        .collect();
    let mut details = Vec::new();
    let mut to_deploy = Vec::new();
    for model in &before.undeployed {
        let Some(id) = vertex::deployed_id(model) else {
            continue;
        };
        if present.iter().any(|p| p == id) {
            details.push(format!("{id} already deployed on {}", name.name));
        } else {
            to_deploy.push((id.to_string(), model));
        }
    }
    // A split may only name deployed models, so the prior split goes with the last deploy,
    // when every model it names that is coming back is there again.
    let mut deployed_now = present.clone();
    for (i, (id, model)) in to_deploy.iter().enumerate() {
        deployed_now.push(id.clone());
        let split = if i + 1 == to_deploy.len() {
            restorable(&before.traffic_split, &deployed_now)
        } else {
            std::collections::BTreeMap::new()
        };
        vertex::deploy(ctx, &name, model, &split).await?;
        details.push(format!(
            "redeployed {id} on {}{}",
            name.name,
            if split.is_empty() {
                ""
            } else {
                " with the prior traffic split"
            }
        ));
    }
    let after = vertex::get(ctx, &name).await?;
    let now: Vec<String> = vertex::deployed_models(&after)
        .iter()
        .filter_map(|m| vertex::deployed_id(m).map(String::from))
        .collect();
    let missing: Vec<&str> = before
        .undeployed
        .iter()
        .filter_map(vertex::deployed_id)
        .filter(|id| !now.iter().any(|n| n == id))
        .collect();
    if !missing.is_empty() {
        return Err(ActionError::Verification(format!(
            "{} not redeployed on {}",
            missing.join(", "),
            name.name
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: record.new_state.clone(),
        new_state: json!({ "endpoint": name.name, "traffic_split": vertex::traffic_split(&after) }),
        details,
    })
}

#[cfg(test)]
mod tests {
    use super::{rebalance, restorable};

    #[test]
    fn remaining_split_adds_to_100() {
        let m = |pairs: &[(&str, u64)]| pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        assert_eq!(rebalance(&m(&[("a", 30)]), 30), m(&[("a", 100)]));
        assert_eq!(
            rebalance(&m(&[("a", 20), ("b", 20)]), 40),
            m(&[("a", 50), ("b", 50)])
        );
        assert_eq!(
            rebalance(&m(&[("a", 0), ("b", 0), ("c", 0)]), 0)
                .values()
                .sum::<u64>(),
            100
        );
    }

    #[test]
    fn prior_split_is_restored_over_the_models_present() {
        let m = |pairs: &[(&str, u64)]| pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let prior = m(&[("1", 20), ("2", 80)]);
        assert_eq!(restorable(&prior, &ids(&["1", "2"])), prior);
        assert_eq!(restorable(&prior, &ids(&["2", "3"])), m(&[("2", 100)]));
        assert!(restorable(&prior, &ids(&["3"])).is_empty());
    }
}
