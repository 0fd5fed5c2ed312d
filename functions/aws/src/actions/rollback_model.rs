//! rollback-model: point a SageMaker endpoint back at its known-good endpoint config.
//!
//! The target config is, in order: the action's `to` (pinned), else the endpoint's tag
//! `aiir:known-good-config` (set by the deployment pipeline when it promotes a config that
//! passed evaluation). Without either the action refuses: guessing "the previous config" from
//! creation times is not idempotent (a second run would roll back further).
//!
//! Enforce: `UpdateEndpoint`, then wait (bounded) until the endpoint is `InService` on the
//! target config. Undo: the same, back to the recorded config.
use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::model::ResourceKind;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use aws_sdk_sagemaker::types::EndpointStatus;
use serde::{Deserialize, Serialize};
use tracing::info;

use super::{dry_run, json, name_from_arn, prior, unchanged, Ctx};
use crate::error::SdkResultExt;

pub const PERMISSIONS: &[&str] = &[
    "sagemaker:DescribeEndpoint",
    "sagemaker:DescribeEndpointConfig",
    "sagemaker:ListTags",
    "sagemaker:UpdateEndpoint",
];

/// The endpoint tag naming its known-good endpoint config.
pub const KNOWN_GOOD_TAG: &str = "aiir:known-good-config";

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "SageMaker `UpdateEndpoint` to the endpoint config pinned by `to` or tagged `aiir:known-good-config` on the endpoint (refused without either), then waits for `InService` on it",
    undo: "`UpdateEndpoint` back to the recorded endpoint config, waits for `InService`",
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointState {
    pub endpoint_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_arn: Option<String>,
    pub endpoint_config_name: String,
    pub status: String,
}

pub(crate) async fn describe(ctx: &Ctx<'_>, name: &str) -> Result<EndpointState, ActionError> {
    let out = ctx
        .clients
        .sagemaker
        .describe_endpoint()
        .endpoint_name(name)
        .send()
        .await
        .ctx(|| format!("sagemaker:DescribeEndpoint {name}"))?;
    Ok(EndpointState {
        endpoint_name: name.to_string(),
        endpoint_arn: out.endpoint_arn().map(str::to_string),
        endpoint_config_name: out.endpoint_config_name().unwrap_or_default().to_string(),
        status: out
            .endpoint_status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
    })
}

/// Wait until the endpoint is InService on `config` (fails fast on `Failed`).
pub(crate) async fn wait_in_service(
    ctx: &Ctx<'_>,
    name: &str,
    config: &str,
) -> Result<EndpointState, ActionError> {
    ctx.wait
        .until(
            &format!("endpoint {name} InService on {config}"),
            || async {
                let state = describe(ctx, name).await?;
                if state.status == EndpointStatus::Failed.as_str() {
                    return Err(ActionError::Verification(format!(
                        "endpoint {name} failed while moving to {config}"
                    )));
                }
                Ok((state.status == EndpointStatus::InService.as_str()
                    && state.endpoint_config_name == config)
                    .then_some(state))
            },
        )
        .await
}

async fn known_good(
    ctx: &Ctx<'_>,
    state: &EndpointState,
    pinned: Option<&str>,
) -> Result<(String, &'static str), ActionError> {
    if let Some(to) = pinned.filter(|t| !t.trim().is_empty()) {
        return Ok((to.to_string(), "pinned by the playbook (`to`)"));
    }
    let Some(arn) = &state.endpoint_arn else {
        return Err(ActionError::Invalid(format!(
            "endpoint {} has no ARN to read its tags from",
            state.endpoint_name
        )));
    };
    let tags = ctx
        .clients
        .sagemaker
        .list_tags()
        .resource_arn(arn)
        .send()
        .await
        .ctx(|| format!("sagemaker:ListTags {arn}"))?;
    tags.tags()
        .iter()
        .find(|t| t.key() == Some(KNOWN_GOOD_TAG))
        .and_then(|t| t.value())
        .filter(|v| !v.trim().is_empty())
        .map(|v| (v.to_string(), "the endpoint's `aiir:known-good-config` tag"))
        .ok_or_else(|| {
            ActionError::Invalid(format!(
                "no known-good config for endpoint {}: pin one with `to` in the playbook or tag the endpoint `{KNOWN_GOOD_TAG}`",
                state.endpoint_name
            ))
        })
}

async fn config_exists(ctx: &Ctx<'_>, config: &str) -> Result<(), ActionError> {
    ctx.clients
        .sagemaker
        .describe_endpoint_config()
        .endpoint_config_name(config)
        .send()
        .await
        .ctx(|| format!("sagemaker:DescribeEndpointConfig {config}"))?;
    Ok(())
}

/// Move the endpoint to `config` and wait. Shared by apply and undo.
async fn switch(ctx: &Ctx<'_>, name: &str, config: &str) -> Result<EndpointState, ActionError> {
    ctx.clients
        .sagemaker
        .update_endpoint()
        .endpoint_name(name)
        .endpoint_config_name(config)
        .send()
        .await
        .ctx(|| format!("sagemaker:UpdateEndpoint {name} -> {config}"))?;
    wait_in_service(ctx, name, config).await
}

fn endpoint_name(request_target: &aiir_core::model::ResourceRef) -> Result<&str, ActionError> {
    match request_target.kind {
        ResourceKind::ModelEndpoint => Ok(name_from_arn(&request_target.id, "endpoint")),
        ResourceKind::Function => Err(ActionError::Unsupported(format!(
            "rollback-model works on SageMaker endpoints; {} is a Lambda function (use disable-endpoint, or roll its alias back by hand)",
            request_target.id
        ))),
        other => Err(ActionError::Invalid(format!(
            "rollback-model cannot act on a {other:?} ({})",
            request_target.id
        ))),
    }
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let ActionSpec::RollbackModel { to, .. } = request.action else {
        return Err(ActionError::Invalid("not a rollback-model action".into()));
    };
    let name = endpoint_name(request.target)?;
    let before = describe(ctx, name).await?;
    let (target, source) = known_good(ctx, &before, to.as_deref()).await?;
    if before.endpoint_config_name == target && before.status == EndpointStatus::InService.as_str()
    {
        return Ok(unchanged(
            json(&before),
            format!("endpoint {name} already serves known-good config {target}"),
        ));
    }
    if before.status != EndpointStatus::InService.as_str()
        && before.status != EndpointStatus::Failed.as_str()
    {
        // Updating / Creating / SystemUpdating: UpdateEndpoint would be rejected. Try again later.
        return Err(ActionError::Transient(format!(
            "endpoint {name} is {}; it can be rolled back once it settles",
            before.status
        )));
    }
    config_exists(ctx, &target).await?;
    let plan = format!(
        "update endpoint {name} from config {} to known-good config {target} ({source}) and wait until InService",
        before.endpoint_config_name
    );
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&before),
            new_state: json(&EndpointState {
                endpoint_config_name: target.clone(),
                status: EndpointStatus::InService.as_str().into(),
                ..before.clone()
            }),
            details: vec![format!("would {plan}")],
        });
    }
    info!(incident_id = %request.incident.id, action = "rollback-model", resource = %name, from = %before.endpoint_config_name, to = %target, "rolling back endpoint");
    let after = switch(ctx, name, &target).await?;
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&before),
        new_state: json(&after),
        details: vec![
            format!(
                "updated endpoint {name} from config {} to {target} ({source})",
                before.endpoint_config_name
            ),
            format!("verified: {name} is InService on {target}"),
        ],
    })
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    let prior: EndpointState = prior(record)?;
    let name = prior.endpoint_name.as_str();
    let now = describe(ctx, name).await?;
    if now.endpoint_config_name == prior.endpoint_config_name
        && now.status == EndpointStatus::InService.as_str()
    {
        return Ok(unchanged(
            json(&now),
            format!(
                "endpoint {name} already serves config {}",
                prior.endpoint_config_name
            ),
        ));
    }
    info!(incident_id = %record.incident_id, action = "rollback-model", resource = %name, to = %prior.endpoint_config_name, "undo: restoring endpoint config");
    let after = switch(ctx, name, &prior.endpoint_config_name).await?;
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&now),
        new_state: json(&after),
        details: vec![format!(
            "restored endpoint {name} to config {} (from {}); verified InService",
            prior.endpoint_config_name, now.endpoint_config_name
        )],
    })
}
