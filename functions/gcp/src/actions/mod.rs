//! One module per action. Each declares the IAM permissions it needs
//! (`required_permissions`) and offers `apply` (dry-run: read and describe; enforce: record
//! prior state, change, read back and verify; idempotent) and `undo` (restore the recorded
//! prior state; idempotent).
//!
//! Prior states are typed per action and stored as JSON in the step record, so undo needs
//! nothing but the record. Secret values never appear in them: only version names.
use std::time::Duration;

use aiir_core::audit::StepRecord;
use aiir_core::playbook::Mode;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::clients::GcpClients;
use crate::error::ApiError;

pub mod block_prompt;
pub mod disable_endpoint;
pub mod enforce_encryption;
pub mod lock_public_access;
pub mod notify;
pub mod quarantine_data;
pub mod rollback_model;
pub mod rotate_secret;
pub mod trigger_alert;
pub mod vertex;

pub use aiir_core::remediate::WaitPolicy;

/// Default polling for gcp long-running changes.
pub const DEFAULT_WAIT: WaitPolicy = WaitPolicy {
    poll: Duration::from_secs(5),
    timeout: Duration::from_secs(600),
};

/// What every action gets: the clients and the wait policy.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub clients: &'a GcpClients,
    pub wait: WaitPolicy,
}

impl Ctx<'_> {
    /// Wait for a long-running operation (`google.longrunning.Operation`, as Vertex AI
    /// returns) to be `done`; its `error` becomes an [`ActionError`].
    pub async fn wait_lro(
        &self,
        base: &str,
        operation: &Value,
        what: &str,
    ) -> Result<Value, ActionError> {
        let finished = |op: &Value| -> Result<Option<Value>, ActionError> {
            if op.get("done").and_then(Value::as_bool) != Some(true) {
                return Ok(None);
            }
            match op.get("error") {
                Some(error) => Err(lro_error(what, error)),
                None => Ok(Some(op.clone())),
            }
        };
        if let Some(done) = finished(operation)? {
            return Ok(done);
        }
        let name = operation
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| ActionError::Invalid(format!("{what}: operation without a name")))?;
        let url = format!("{base}/v1/{name}");
        self.wait
            .until(what, || async {
                let op = self.clients.call(what, Method::GET, &url, None).await?;
                finished(&op)
            })
            .await
    }
}

/// A `google.rpc.Status` in a finished operation → [`ActionError`].
fn lro_error(what: &str, error: &Value) -> ActionError {
    let code = error.get("code").and_then(Value::as_i64).unwrap_or(2);
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("operation failed");
    let text = format!("{what}: operation failed (code {code}): {message}");
    match code {
        4 | 8 | 10 | 14 => ActionError::Transient(text),
        5 => ActionError::NotFound(text),
        7 | 16 => ActionError::Denied(text),
        _ => ActionError::Invalid(text),
    }
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

/// `ApiError` → `ActionError` (for `?` in closures).
pub(crate) fn api(e: ApiError) -> ActionError {
    e.into()
}

/// A project-qualified name: `projects/P/{collection}/{name}` from a full name or a short one.
pub(crate) fn qualified(
    clients: &GcpClients,
    id: &str,
    collection: &str,
) -> Result<String, ActionError> {
    let id = id.trim().trim_start_matches("//").trim_start_matches('/');
    let id = id
        .split_once(".googleapis.com/")
        .map_or(id, |(_, rest)| rest);
    if id.starts_with("projects/") {
        return Ok(id.to_string());
    }
    if id.is_empty() || id.contains('/') {
        return Err(ActionError::Invalid(format!(
            "`{id}` is not a {collection} name (projects/P/{collection}/NAME or NAME)"
        )));
    }
    let project = clients.project_for(collection).map_err(api)?;
    Ok(format!("projects/{project}/{collection}/{id}"))
}
