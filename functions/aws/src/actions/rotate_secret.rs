//! rotate-secret: Secrets Manager.
//!
//! - Rotation configured (`RotationEnabled` with a rotation function): `RotateSecret` with a
//!   client request token derived from the step id, then wait (bounded) until that version is
//!   `AWSCURRENT`.
//! - Otherwise: generate a value (`GetRandomPassword`; a JSON secret keeps its shape and only
//!   its `password` field changes), `PutSecretValue` under `AWSPENDING` with the same token,
//!   move `AWSCURRENT` to it (`UpdateSecretVersionStage`; Secrets Manager moves `AWSPREVIOUS`
//!   to the old version), drop `AWSPENDING`, and verify.
//!
//! The token makes a repeat a no-op and a half-finished run resumable. Secret values are never
//! logged nor recorded: prior and new states hold version ids and labels only. Undo moves
//! `AWSCURRENT` back to the recorded version.
use std::collections::HashMap;

use aiir_core::action::ActionDoc;
use aiir_core::audit::StepRecord;
use aiir_core::model::ResourceKind;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use serde::{Deserialize, Serialize};
use tracing::info;

use super::{dry_run, json, prior, token_for, unchanged, Ctx};
use crate::error::SdkResultExt;

pub const PERMISSIONS: &[&str] = &[
    "secretsmanager:DescribeSecret",
    "secretsmanager:RotateSecret",
    "secretsmanager:GetRandomPassword",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
    // RotateSecret invokes the secret's rotation function as Secrets Manager, but IAM
    // evaluates the caller for it too.
    "lambda:InvokeFunction",
];

pub const CURRENT: &str = "AWSCURRENT";
pub const PREVIOUS: &str = "AWSPREVIOUS";
pub const PENDING: &str = "AWSPENDING";

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "Secrets Manager `RotateSecret` (client request token from the step id) when rotation is configured; else `GetRandomPassword`, `PutSecretValue` as `AWSPENDING`, `UpdateSecretVersionStage` to `AWSCURRENT`",
    undo: "`UpdateSecretVersionStage`: `AWSCURRENT` back to the recorded version (the new one stays as a non-current version)",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// `RotateSecret` through the configured rotation function.
    RotationFunction,
    /// A generated value put by aiir, `AWSCURRENT` moved to it.
    NewValue,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prior {
    pub secret_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The version that was `AWSCURRENT` before.
    pub current_version: String,
    pub method: Method,
    /// The version this step creates (its idempotency token).
    pub new_version: String,
}

/// Labels per version, never values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Versions {
    pub secret_id: String,
    pub versions: HashMap<String, Vec<String>>,
}

impl Versions {
    fn holder(&self, stage: &str) -> Option<&str> {
        self.versions
            .iter()
            .find(|(_, stages)| stages.iter().any(|s| s == stage))
            .map(|(v, _)| v.as_str())
    }

    fn has(&self, version: &str, stage: &str) -> bool {
        self.versions
            .get(version)
            .is_some_and(|stages| stages.iter().any(|s| s == stage))
    }
}

struct Described {
    arn: Option<String>,
    rotation_function: Option<String>,
    versions: Versions,
}

async fn describe(ctx: &Ctx<'_>, secret_id: &str) -> Result<Described, ActionError> {
    let out = ctx
        .clients
        .secrets
        .describe_secret()
        .secret_id(secret_id)
        .send()
        .await
        .ctx(|| format!("secretsmanager:DescribeSecret {secret_id}"))?;
    let rotation_function = out
        .rotation_lambda_arn()
        .filter(|a| !a.is_empty() && out.rotation_enabled().unwrap_or(false))
        .map(str::to_string);
    Ok(Described {
        arn: out.arn().map(str::to_string),
        rotation_function,
        versions: Versions {
            secret_id: secret_id.to_string(),
            versions: out.version_ids_to_stages().cloned().unwrap_or_default(),
        },
    })
}

async fn move_stage(
    ctx: &Ctx<'_>,
    secret_id: &str,
    stage: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(), ActionError> {
    ctx.clients
        .secrets
        .update_secret_version_stage()
        .secret_id(secret_id)
        .version_stage(stage)
        .set_remove_from_version_id(from.map(str::to_string))
        .set_move_to_version_id(to.map(str::to_string))
        .send()
        .await
        .ctx(|| {
            format!(
                "secretsmanager:UpdateSecretVersionStage {secret_id} {stage} {from:?} -> {to:?}"
            )
        })?;
    Ok(())
}

/// A new value of the same shape as the current one. The value never leaves this function
/// except into `PutSecretValue`.
async fn generate(ctx: &Ctx<'_>, secret_id: &str) -> Result<String, ActionError> {
    let password = ctx
        .clients
        .secrets
        .get_random_password()
        .password_length(40)
        .exclude_punctuation(true)
        .send()
        .await
        .ctx(|| "secretsmanager:GetRandomPassword".to_string())?
        .random_password()
        .map(str::to_string)
        .ok_or_else(|| ActionError::Invalid("GetRandomPassword returned no password".into()))?;
    let current = ctx
        .clients
        .secrets
        .get_secret_value()
        .secret_id(secret_id)
        .version_stage(CURRENT)
        .send()
        .await
        .ctx(|| format!("secretsmanager:GetSecretValue {secret_id} (shape only)"))?;
    if current.secret_binary().is_some() && current.secret_string().is_none() {
        return Err(ActionError::Unsupported(format!(
            "secret {secret_id} holds a binary value; configure a rotation function for it"
        )));
    }
    let shaped = current
        .secret_string()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        .and_then(|mut v| {
            let obj = v.as_object_mut()?;
            obj.contains_key("password").then(|| {
                obj.insert(
                    "password".into(),
                    serde_json::Value::String(password.clone()),
                );
            })?;
            Some(v.to_string())
        });
    Ok(shaped.unwrap_or(password))
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    if request.target.kind != ResourceKind::Secret {
        return Err(ActionError::Invalid(format!(
            "rotate-secret acts on secrets, not a {:?} ({})",
            request.target.kind, request.target.id
        )));
    }
    let secret_id = request.target.id.as_str();
    let token = token_for(request.step_id, "rotate-secret");
    let before = describe(ctx, secret_id).await?;
    let current = before
        .versions
        .holder(CURRENT)
        .map(str::to_string)
        .ok_or_else(|| {
            ActionError::Invalid(format!("secret {secret_id} has no AWSCURRENT version"))
        })?;
    if current == token {
        return Ok(unchanged(
            json(&before.versions),
            format!("secret {secret_id} was already rotated by this step (version {token} is AWSCURRENT)"),
        ));
    }
    let method = if before.rotation_function.is_some() {
        Method::RotationFunction
    } else {
        Method::NewValue
    };
    let prior_state = Prior {
        secret_id: secret_id.to_string(),
        arn: before.arn.clone(),
        current_version: current.clone(),
        method,
        new_version: token.clone(),
    };
    let plan = match (&method, &before.rotation_function) {
        (Method::RotationFunction, Some(function)) => vec![format!(
            "call RotateSecret on {secret_id} (rotation function {function}) as version {token}; AWSCURRENT moves from {current} to {token}, AWSPREVIOUS to {current}"
        )],
        _ => vec![
            format!("generate a new value for {secret_id} and put it as version {token} (AWSPENDING)"),
            format!("move AWSCURRENT from {current} to {token} (AWSPREVIOUS follows to {current}), then drop AWSPENDING"),
        ],
    };
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&prior_state),
            new_state: serde_json::json!({ "secret_id": secret_id, "current_version": token, "previous_version": current }),
            details: plan.into_iter().map(|p| format!("would {p}")).collect(),
        });
    }
    info!(incident_id = %request.incident.id, action = "rotate-secret", resource = %secret_id, method = ?method, "rotating secret");
    match method {
        Method::RotationFunction => {
            ctx.clients
                .secrets
                .rotate_secret()
                .secret_id(secret_id)
                .client_request_token(&token)
                .send()
                .await
                .ctx(|| format!("secretsmanager:RotateSecret {secret_id}"))?;
        }
        Method::NewValue => {
            if !before.versions.versions.contains_key(&token) {
                let value = generate(ctx, secret_id).await?;
                ctx.clients
                    .secrets
                    .put_secret_value()
                    .secret_id(secret_id)
                    .client_request_token(&token)
                    .secret_string(value)
                    .version_stages(PENDING)
                    .send()
                    .await
                    .ctx(|| format!("secretsmanager:PutSecretValue {secret_id} as {token}"))?;
            }
            move_stage(ctx, secret_id, CURRENT, Some(&current), Some(&token)).await?;
            if describe(ctx, secret_id)
                .await?
                .versions
                .has(&token, PENDING)
            {
                move_stage(ctx, secret_id, PENDING, Some(&token), None).await?;
            }
        }
    }
    // Verify: the new version is AWSCURRENT (rotation functions finish asynchronously),
    // the old one AWSPREVIOUS, and reading the secret's default version gives the new one.
    let after = ctx
        .wait
        .until(
            &format!("secret {secret_id} version {token} AWSCURRENT"),
            || async {
                let now = describe(ctx, secret_id).await?;
                Ok(now.versions.has(&token, CURRENT).then_some(now.versions))
            },
        )
        .await?;
    if !after.has(&current, PREVIOUS) {
        return Err(ActionError::Verification(format!(
            "secret {secret_id}: the replaced version {current} is not AWSPREVIOUS"
        )));
    }
    let read = ctx
        .clients
        .secrets
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .ctx(|| format!("secretsmanager:GetSecretValue {secret_id} (version check)"))?;
    if read.version_id() != Some(token.as_str()) {
        return Err(ActionError::Verification(format!(
            "secret {secret_id}: GetSecretValue returns version {:?}, expected {token}",
            read.version_id()
        )));
    }
    let mut details: Vec<String> = plan.into_iter().map(|p| format!("did: {p}")).collect();
    details.push(format!(
        "verified: {token} is AWSCURRENT and read by default, {current} is AWSPREVIOUS"
    ));
    if method == Method::RotationFunction {
        details
            .push("note: the rotation function also changed the credential at its source".into());
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&prior_state),
        new_state: json(&after),
        details,
    })
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    let prior: Prior = prior(record)?;
    let secret_id = prior.secret_id.as_str();
    let now = describe(ctx, secret_id).await?;
    let Some(current) = now.versions.holder(CURRENT).map(str::to_string) else {
        return Err(ActionError::Invalid(format!(
            "secret {secret_id} has no AWSCURRENT version"
        )));
    };
    if current == prior.current_version {
        return Ok(unchanged(
            json(&now.versions),
            format!("secret {secret_id}: {current} is already AWSCURRENT"),
        ));
    }
    if !now.versions.versions.contains_key(&prior.current_version) {
        return Err(ActionError::NotFound(format!(
            "secret {secret_id}: the recorded version {} no longer exists (deprecated versions are deleted by Secrets Manager)",
            prior.current_version
        )));
    }
    info!(incident_id = %record.incident_id, action = "rotate-secret", resource = %secret_id, to = %prior.current_version, "undo: restoring AWSCURRENT");
    move_stage(
        ctx,
        secret_id,
        CURRENT,
        Some(&current),
        Some(&prior.current_version),
    )
    .await?;
    let after = describe(ctx, secret_id).await?;
    if !after.versions.has(&prior.current_version, CURRENT) {
        return Err(ActionError::Verification(format!(
            "secret {secret_id}: {} is not AWSCURRENT after the move",
            prior.current_version
        )));
    }
    let mut details = vec![format!(
        "moved AWSCURRENT of {secret_id} back from {current} to {}; verified",
        prior.current_version
    )];
    if prior.method == Method::RotationFunction {
        details.push("note: the rotation function changed the credential at its source; restoring the label does not revert that".into());
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&now.versions),
        new_state: json(&after.versions),
        details,
    })
}
