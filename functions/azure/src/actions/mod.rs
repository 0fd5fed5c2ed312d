//! One module per action. Each declares the Azure RBAC actions it needs (`PERMISSIONS`) and
//! offers `apply` (dry-run: read and describe; enforce: record prior state, change, read back
//! and verify; idempotent) and `undo` (restore the recorded prior state; idempotent).
//!
//! Prior states are typed per action and stored as JSON in the step record, so undo needs
//! nothing but the record. Secret values never appear in them: only version ids.
use std::time::Duration;

use aiir_core::audit::StepRecord;
use aiir_core::playbook::Mode;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::clients::AzureClients;

pub mod block_prompt;
pub mod disable_endpoint;
pub mod enforce_encryption;
pub mod lock_public_access;
pub mod ml;
pub mod notify;
pub mod quarantine_data;
pub mod rollback_model;
pub mod rotate_secret;
pub mod trigger_alert;

/// Resource Manager api-version for storage accounts (the fixtures are its examples).
pub const STORAGE_API_VERSION: &str = "2023-05-01";
/// Key Vault data-plane api-version (the fixtures are its examples).
pub const KEY_VAULT_API_VERSION: &str = "7.4";
/// Resource Manager api-version for Azure Machine Learning online endpoints.
pub const ML_API_VERSION: &str = "2024-04-01";
/// Resource Manager api-version for App Service / Functions sites.
pub const WEB_API_VERSION: &str = "2023-12-01";

pub use aiir_core::remediate::WaitPolicy;

/// Default polling for azure long-running changes.
pub const DEFAULT_WAIT: WaitPolicy = WaitPolicy {
    poll: Duration::from_secs(2),
    timeout: Duration::from_secs(300),
};

/// What every action gets.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub clients: &'a AzureClients,
    pub wait: WaitPolicy,
}

/// `{Resource Manager}{path}?api-version={version}`.
pub(crate) fn arm_url(ctx: &Ctx<'_>, path: &str, version: &str) -> Result<url::Url, ActionError> {
    let base = ctx.clients.endpoints.arm_base();
    url::Url::parse(&format!("{base}{path}?api-version={version}"))
        .map_err(|e| ActionError::Invalid(format!("{path}: {e}")))
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
