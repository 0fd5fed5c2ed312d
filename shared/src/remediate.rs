//! The contract each cloud's remediator fulfils for every action.
use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use crate::action::{ActionSpec, Cloud};
use crate::audit::StepRecord;
use crate::model::{Incident, ResourceRef};
use crate::playbook::Mode;

/// One step to carry out.
#[derive(Debug, Clone, Copy)]
pub struct ActionRequest<'a> {
    pub incident: &'a Incident,
    pub step_id: &'a str,
    pub action: &'a ActionSpec,
    pub target: &'a ResourceRef,
    pub mode: Mode,
    /// What earlier steps did, one line each (for `notify`).
    pub summary: &'a [String],
}

/// What an action found and did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionOutcome {
    /// `false` when the resource already was in the target state (or, in dry-run, would be).
    pub changed: bool,
    pub prior_state: Value,
    pub new_state: Value,
    /// Exactly what was (or, in dry-run, would be) done.
    pub details: Vec<String>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ActionError {
    /// Throttling, timeouts, 5xx, optimistic-lock conflicts: worth another attempt.
    #[error("transient failure: {0}")]
    Transient(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("access denied: {0}")]
    Denied(String),
    /// The target or a parameter cannot work (wrong ARN type, limit reached).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The change was made but reading it back did not show the expected state.
    #[error("verification failed: {0}")]
    Verification(String),
    #[error("{0}")]
    Unsupported(String),
}

impl ActionError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Transient(_))
    }
}

#[async_trait]
pub trait Remediator: Send + Sync {
    fn cloud(&self) -> Cloud;

    /// Dry-run: read the current state and describe the change, writing nothing.
    /// Enforce: record the prior state, change, read back and verify. Idempotent.
    async fn apply(&self, request: &ActionRequest<'_>) -> Result<ActionOutcome, ActionError>;

    /// Restore the prior state a successful `apply` recorded. Idempotent.
    async fn undo(&self, record: &StepRecord) -> Result<ActionOutcome, ActionError>;
}

/// How long and how often an action polls for an asynchronous change (endpoint updates,
/// copies, long-running operations) before it calls the verification failed. Each cloud
/// crate sets its own default (`actions::DEFAULT_WAIT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitPolicy {
    pub poll: Duration,
    pub timeout: Duration,
}

impl WaitPolicy {
    /// Fast polling for tests against emulators and fixture servers.
    pub fn fast() -> Self {
        Self {
            poll: Duration::from_millis(20),
            timeout: Duration::from_secs(10),
        }
    }

    /// Poll `check` until it returns `Some`, or fail with a verification error naming `what`.
    pub async fn until<T, F, Fut>(&self, what: &str, mut check: F) -> Result<T, ActionError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>, ActionError>>,
    {
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            if let Some(found) = check().await? {
                return Ok(found);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ActionError::Verification(format!(
                    "{what}: not reached within {}s",
                    self.timeout.as_secs()
                )));
            }
            tokio::time::sleep(self.poll).await;
        }
    }
}
