//! disable-endpoint: take a compromised serving endpoint out of service.
//!
//! - SageMaker endpoint: `DeleteEndpoint`. The endpoint config (and model) are kept, and the
//!   prior state records config name and tags, so undo recreates the same endpoint.
//! - Lambda function serving a model: reserved concurrency 0 (every invocation is throttled);
//!   undo restores the previous reserved concurrency, or removes it when there was none.
use aiir_core::action::ActionDoc;
use aiir_core::audit::StepRecord;
use aiir_core::model::{ResourceKind, ResourceRef};
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use aws_sdk_sagemaker::types::{EndpointStatus, Tag};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use super::rollback_model::{describe, wait_in_service, EndpointState};
use super::{dry_run, json, name_from_arn, prior, unchanged, Ctx};
use crate::error::{class_of, ErrorClass, SdkResultExt};

pub const PERMISSIONS: &[&str] = &[
    "sagemaker:DescribeEndpoint",
    "sagemaker:DescribeEndpointConfig",
    "sagemaker:ListTags",
    "sagemaker:DeleteEndpoint",
    "sagemaker:CreateEndpoint",
    "sagemaker:AddTags",
    "lambda:GetFunctionConcurrency",
    "lambda:PutFunctionConcurrency",
    "lambda:DeleteFunctionConcurrency",
];

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "SageMaker `DeleteEndpoint` (endpoint config, model and tags kept); a Lambda serving the model: `PutFunctionConcurrency` 0",
    undo: "`CreateEndpoint` from the recorded config, with its tags; Lambda: the previous reserved concurrency put back, or removed",
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "service", rename_all = "kebab-case")]
pub enum Prior {
    Sagemaker {
        endpoint_name: String,
        endpoint_config_name: String,
        #[serde(default)]
        tags: Vec<(String, String)>,
    },
    Lambda {
        function_name: String,
        /// `None`: the function had no reserved concurrency (it used the account pool).
        reserved_concurrency: Option<i32>,
    },
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    match request.target.kind {
        ResourceKind::ModelEndpoint => apply_sagemaker(ctx, request).await,
        ResourceKind::Function => apply_lambda(ctx, request).await,
        other => Err(ActionError::Invalid(format!(
            "disable-endpoint cannot act on a {other:?} ({})",
            request.target.id
        ))),
    }
}

/// Endpoint state, or `None` when the endpoint does not exist.
async fn find_endpoint(ctx: &Ctx<'_>, name: &str) -> Result<Option<EndpointState>, ActionError> {
    match describe(ctx, name).await {
        Ok(state) => Ok(Some(state)),
        Err(ActionError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn endpoint_tags(
    ctx: &Ctx<'_>,
    arn: Option<&str>,
) -> Result<Vec<(String, String)>, ActionError> {
    let Some(arn) = arn else {
        return Ok(Vec::new());
    };
    let out = ctx
        .clients
        .sagemaker
        .list_tags()
        .resource_arn(arn)
        .send()
        .await
        .ctx(|| format!("sagemaker:ListTags {arn}"))?;
    Ok(out
        .tags()
        .iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect())
}

async fn config_exists(ctx: &Ctx<'_>, config: &str) -> Result<bool, ActionError> {
    let result = ctx
        .clients
        .sagemaker
        .describe_endpoint_config()
        .endpoint_config_name(config)
        .send()
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(e) if class_of(&e) == ErrorClass::NotFound => Ok(false),
        Err(e) => Err(crate::error::action_error(
            &format!("sagemaker:DescribeEndpointConfig {config}"),
            e,
        )),
    }
}

async fn apply_sagemaker(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let name = name_from_arn(&request.target.id, "endpoint");
    let Some(before) = find_endpoint(ctx, name).await? else {
        return Ok(unchanged(
            json(&serde_json::json!({ "endpoint_name": name, "exists": false })),
            format!("endpoint {name} does not exist: already out of service"),
        ));
    };
    if before.status == EndpointStatus::Deleting.as_str() {
        return Ok(unchanged(
            json(&before),
            format!("endpoint {name} is already being deleted"),
        ));
    }
    let tags = endpoint_tags(ctx, before.endpoint_arn.as_deref()).await?;
    let config = before.endpoint_config_name.clone();
    let mut details = Vec::new();
    let keeps_config = config_exists(ctx, &config).await?;
    let prior_state = Prior::Sagemaker {
        endpoint_name: name.to_string(),
        endpoint_config_name: config.clone(),
        tags,
    };
    let plan = format!(
        "delete endpoint {name} (status {}), keeping its endpoint config {config} for undo",
        before.status
    );
    if !keeps_config {
        details.push(format!(
            "warning: endpoint config {config} no longer exists; undo will not be able to recreate {name}"
        ));
    }
    if dry_run(request) {
        details.insert(0, format!("would {plan}"));
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&prior_state),
            new_state: json(&serde_json::json!({ "endpoint_name": name, "exists": false })),
            details,
        });
    }
    info!(incident_id = %request.incident.id, action = "disable-endpoint", resource = %name, config = %config, "deleting endpoint");
    ctx.clients
        .sagemaker
        .delete_endpoint()
        .endpoint_name(name)
        .send()
        .await
        .ctx(|| format!("sagemaker:DeleteEndpoint {name}"))?;
    // Verify: gone, or on its way out.
    let after = ctx
        .wait
        .until(&format!("endpoint {name} deleted"), || async {
            Ok(match find_endpoint(ctx, name).await? {
                None => Some("deleted".to_string()),
                Some(s) if s.status == EndpointStatus::Deleting.as_str() => {
                    Some("deleting".to_string())
                }
                Some(_) => None,
            })
        })
        .await?;
    details.insert(
        0,
        format!("deleted endpoint {name}; endpoint config {config} kept for undo"),
    );
    details.push(format!("verified: endpoint {name} is {after}"));
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&prior_state),
        new_state: json(
            &serde_json::json!({ "endpoint_name": name, "exists": false, "status": after }),
        ),
        details,
    })
}

fn function_name(target: &ResourceRef) -> &str {
    // `arn:aws:lambda:r:a:function:name[:qualifier]` → `name`; concurrency is per function.
    let name = name_from_arn(&target.id, "function");
    name.split(':').next().unwrap_or(name)
}

async fn reserved(ctx: &Ctx<'_>, name: &str) -> Result<Option<i32>, ActionError> {
    let out = ctx
        .clients
        .lambda
        .get_function_concurrency()
        .function_name(name)
        .send()
        .await
        .ctx(|| format!("lambda:GetFunctionConcurrency {name}"))?;
    Ok(out.reserved_concurrent_executions())
}

async fn apply_lambda(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let name = function_name(request.target);
    let before = reserved(ctx, name).await?;
    let prior_state = Prior::Lambda {
        function_name: name.to_string(),
        reserved_concurrency: before,
    };
    let throttled = serde_json::json!({ "function_name": name, "reserved_concurrency": 0 });
    if before == Some(0) {
        return Ok(unchanged(
            throttled,
            format!("function {name} is already throttled to zero concurrency"),
        ));
    }
    let was = before.map_or("unreserved".to_string(), |n| format!("reserved {n}"));
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&prior_state),
            new_state: throttled,
            details: vec![format!("would set reserved concurrency of function {name} to 0 (now {was}): every invocation is throttled")],
        });
    }
    info!(incident_id = %request.incident.id, action = "disable-endpoint", resource = %name, "throttling function to zero");
    ctx.clients
        .lambda
        .put_function_concurrency()
        .function_name(name)
        .reserved_concurrent_executions(0)
        .send()
        .await
        .ctx(|| format!("lambda:PutFunctionConcurrency {name} = 0"))?;
    let after = reserved(ctx, name).await?;
    if after != Some(0) {
        return Err(ActionError::Verification(format!(
            "function {name}: reserved concurrency reads back as {after:?}, expected 0"
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&prior_state),
        new_state: throttled,
        details: vec![
            format!("set reserved concurrency of function {name} to 0 (was {was})"),
            format!("verified: function {name} reserved concurrency is 0"),
        ],
    })
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    match prior::<Prior>(record)? {
        Prior::Sagemaker {
            endpoint_name,
            endpoint_config_name,
            tags,
        } => {
            let name = endpoint_name.as_str();
            if let Some(now) = find_endpoint(ctx, name).await? {
                if now.endpoint_config_name == endpoint_config_name
                    && now.status != EndpointStatus::Deleting.as_str()
                {
                    let state = wait_in_service(ctx, name, &endpoint_config_name).await?;
                    return Ok(unchanged(
                        json(&state),
                        format!("endpoint {name} already exists on config {endpoint_config_name}"),
                    ));
                }
                if now.status == EndpointStatus::Deleting.as_str() {
                    return Err(ActionError::Transient(format!("endpoint {name} is still being deleted; undo can recreate it once it is gone")));
                }
                return Err(ActionError::Invalid(format!(
                    "endpoint {name} exists again on config {}, not the recorded {endpoint_config_name}: left alone",
                    now.endpoint_config_name
                )));
            }
            let tags: Vec<Tag> = tags
                .iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect();
            info!(incident_id = %record.incident_id, action = "disable-endpoint", resource = %name, config = %endpoint_config_name, "undo: recreating endpoint");
            ctx.clients
                .sagemaker
                .create_endpoint()
                .endpoint_name(name)
                .endpoint_config_name(&endpoint_config_name)
                .set_tags((!tags.is_empty()).then_some(tags))
                .send()
                .await
                .ctx(|| format!("sagemaker:CreateEndpoint {name} on {endpoint_config_name}"))?;
            let after = wait_in_service(ctx, name, &endpoint_config_name).await?;
            Ok(ActionOutcome {
                changed: true,
                prior_state: json(&serde_json::json!({ "endpoint_name": name, "exists": false })),
                new_state: json(&after),
                details: vec![format!("recreated endpoint {name} on config {endpoint_config_name}; verified InService")],
            })
        }
        Prior::Lambda {
            function_name,
            reserved_concurrency,
        } => {
            let name = function_name.as_str();
            let now = reserved(ctx, name).await?;
            let state = serde_json::json!({ "function_name": name, "reserved_concurrency": reserved_concurrency });
            if now == reserved_concurrency {
                return Ok(unchanged(state, format!("function {name} already has its prior concurrency ({reserved_concurrency:?})")));
            }
            if now != Some(0) {
                warn!(function = name, now = ?now, "concurrency was changed since aiir throttled it; restoring the recorded value anyway");
            }
            match reserved_concurrency {
                Some(n) => {
                    ctx.clients
                        .lambda
                        .put_function_concurrency()
                        .function_name(name)
                        .reserved_concurrent_executions(n)
                        .send()
                        .await
                        .ctx(|| format!("lambda:PutFunctionConcurrency {name} = {n}"))?;
                }
                None => {
                    ctx.clients
                        .lambda
                        .delete_function_concurrency()
                        .function_name(name)
                        .send()
                        .await
                        .ctx(|| format!("lambda:DeleteFunctionConcurrency {name}"))?;
                }
            }
            let after = reserved(ctx, name).await?;
            if after != reserved_concurrency {
                return Err(ActionError::Verification(format!(
                    "function {name}: reserved concurrency reads back as {after:?}, expected {reserved_concurrency:?}"
                )));
            }
            Ok(ActionOutcome {
                changed: true,
                prior_state: serde_json::json!({ "function_name": name, "reserved_concurrency": now }),
                new_state: state,
                details: vec![format!(
                    "restored function {name} concurrency to {}; verified",
                    reserved_concurrency.map_or("unreserved".to_string(), |n| n.to_string())
                )],
            })
        }
    }
}
