//! One module per action. Each declares the IAM actions it needs (`PERMISSIONS`) and offers
//! `apply` (dry-run: read and describe; enforce: record prior state, change, read back and
//! verify; idempotent) and `undo` (restore the recorded prior state; idempotent).
//!
//! Prior states are typed per action and stored as JSON in the step record, so undo needs
//! nothing but the record. Secret values never appear in them: only version ids and labels.
use std::time::Duration;

use aiir_core::audit::StepRecord;
use aiir_core::playbook::Mode;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::clients::AwsClients;

pub mod block_prompt;
pub mod disable_endpoint;
pub mod enforce_encryption;
pub mod lock_public_access;
pub mod notify;
pub mod quarantine_data;
pub mod rollback_model;
pub mod rotate_secret;
pub mod trigger_alert;

pub use aiir_core::remediate::WaitPolicy;

/// Default polling for aws long-running changes.
pub const DEFAULT_WAIT: WaitPolicy = WaitPolicy {
    poll: Duration::from_secs(10),
    timeout: Duration::from_secs(600),
};

/// What every action gets: the clients and the wait policy.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub clients: &'a AwsClients,
    pub wait: WaitPolicy,
}

pub(crate) fn dry_run(request: &ActionRequest<'_>) -> bool {
    request.mode == Mode::DryRun
}

pub(crate) fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The typed prior state an `apply` recorded.
pub(crate) fn prior<T: DeserializeOwned>(record: &StepRecord) -> Result<T, ActionError> {
    serde_json::from_value(record.prior_state.clone()).map_err(|e| {
        ActionError::Invalid(format!(
            "step {} has no usable prior state for {} (was it applied by this version of aiir?): {e}",
            record.step_id,
            record.action.kind()
        ))
    })
}

/// An outcome for "already in the target state".
pub(crate) fn unchanged(state: Value, detail: String) -> ActionOutcome {
    ActionOutcome {
        changed: false,
        prior_state: state.clone(),
        new_state: state,
        details: vec![detail],
    }
}

/// The last path segment of an ARN resource (`arn:…:endpoint/name` → `name`), or the id as is.
pub(crate) fn name_from_arn<'a>(id: &'a str, resource_type: &str) -> &'a str {
    if !id.starts_with("arn:") {
        return id;
    }
    let resource = id.splitn(6, ':').nth(5).unwrap_or(id);
    resource
        .strip_prefix(resource_type)
        .and_then(|r| r.strip_prefix('/').or_else(|| r.strip_prefix(':')))
        .unwrap_or(resource)
}

/// A bucket name from `name`, `s3://name[/…]` or `arn:aws:s3:::name[/…]`.
pub(crate) fn bucket_name(id: &str) -> &str {
    let rest = id
        .strip_prefix("s3://")
        .or_else(|| id.strip_prefix("arn:aws:s3:::"))
        .or_else(|| id.strip_prefix("arn:aws-us-gov:s3:::"))
        .or_else(|| id.strip_prefix("arn:aws-cn:s3:::"))
        .unwrap_or(id);
    rest.split('/').next().unwrap_or(rest)
}

/// `(bucket, key)` from `bucket/key`, `s3://bucket/key` or `arn:aws:s3:::bucket/key`.
pub(crate) fn object_location(id: &str) -> Option<(&str, &str)> {
    let rest = id
        .strip_prefix("s3://")
        .or_else(|| id.strip_prefix("arn:aws:s3:::"))
        .or_else(|| id.strip_prefix("arn:aws-us-gov:s3:::"))
        .or_else(|| id.strip_prefix("arn:aws-cn:s3:::"))
        .unwrap_or(id);
    rest.split_once('/')
        .filter(|(b, k)| !b.is_empty() && !k.is_empty())
}

/// A deterministic, UUID-formatted idempotency token for a step (Secrets Manager wants 32–64
/// characters).
pub(crate) fn token_for(step_id: &str, purpose: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = hex::encode(Sha256::digest(
        format!("aiir\0{purpose}\0{step_id}").as_bytes(),
    ));
    format!(
        "{}-{}-{}-{}-{}",
        &digest[0..8],
        &digest[8..12],
        &digest[12..16],
        &digest[16..20],
        &digest[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_names() {
        assert_eq!(
            name_from_arn(
                "arn:aws:sagemaker:us-east-1:123456789012:endpoint/fraud",
                "endpoint"
            ),
            "fraud"
        );
        assert_eq!(name_from_arn("fraud", "endpoint"), "fraud");
        assert_eq!(
            name_from_arn(
                "arn:aws:lambda:us-east-1:123456789012:function:chat",
                "function"
            ),
            "chat"
        );
        assert_eq!(
            name_from_arn("arn:aws:dynamodb:us-east-1:1:table/bl", "table"),
            "bl"
        );
    }

    #[test]
    fn s3_ids() {
        assert_eq!(bucket_name("arn:aws:s3:::training"), "training");
        assert_eq!(bucket_name("s3://training/x"), "training");
        assert_eq!(bucket_name("training"), "training");
        assert_eq!(
            object_location("training/a/b.csv"),
            Some(("training", "a/b.csv"))
        );
        assert_eq!(
            object_location("arn:aws:s3:::training/a.csv"),
            Some(("training", "a.csv"))
        );
        assert_eq!(object_location("training"), None);
    }

    #[test]
    fn tokens_are_stable_uuids() {
        let t = token_for("step-abc", "rotate");
        assert_eq!(t.len(), 36);
        assert_eq!(t, token_for("step-abc", "rotate"));
        assert_ne!(t, token_for("step-abd", "rotate"));
    }
}
