//! One place that turns HTTP and SDK failures into the core's error types, so retries and
//! escalations behave the same for every service.
use aiir_core::audit::AuditError;
use aiir_core::remediate::ActionError;
use aiir_core::state::StateError;

/// A failed call to an Azure service: what was called, the HTTP status (if any) and the
/// service's error code and message (never a request or response body with secrets).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{what}: {}{message}", status.map(|s| format!("HTTP {s} ")).unwrap_or_default())]
pub struct CallError {
    pub what: String,
    pub status: Option<u16>,
    pub code: Option<String>,
    pub message: String,
}

impl CallError {
    pub fn new(what: impl Into<String>, status: Option<u16>, message: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            status,
            code: None,
            message: message.into(),
        }
    }

    /// Throttling, timeouts, conflicts and 5xx are worth another attempt; no status means the
    /// request never got an answer (connection, TLS, timeout).
    pub fn is_transient(&self) -> bool {
        match self.status {
            None => true,
            Some(s) => s == 408 || s == 409 || s == 412 || s == 429 || s >= 500,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }

    pub fn is_denied(&self) -> bool {
        matches!(self.status, Some(401) | Some(403))
    }
}

impl From<CallError> for ActionError {
    fn from(e: CallError) -> Self {
        match e.status {
            Some(404) => ActionError::NotFound(e.to_string()),
            Some(401) | Some(403) => ActionError::Denied(e.to_string()),
            _ if e.is_transient() => ActionError::Transient(e.to_string()),
            _ => ActionError::Invalid(e.to_string()),
        }
    }
}

impl From<CallError> for StateError {
    fn from(e: CallError) -> Self {
        if e.is_denied() {
            StateError::Denied(e.to_string())
        } else {
            StateError::Unavailable(e.to_string())
        }
    }
}

impl From<CallError> for AuditError {
    fn from(e: CallError) -> Self {
        if e.is_denied() {
            AuditError::Denied(e.to_string())
        } else {
            AuditError::Unavailable(e.to_string())
        }
    }
}

/// An SDK error (`azure_core`) as a [`CallError`].
pub fn from_sdk(what: &str, e: &azure_core::Error) -> CallError {
    let status = e.http_status().map(u16::from);
    let code = match e.kind() {
        azure_core::error::ErrorKind::HttpResponse { error_code, .. } => error_code.clone(),
        _ => None,
    };
    CallError {
        what: what.to_string(),
        status,
        message: match &code {
            Some(c) => c.clone(),
            None => e.to_string(),
        },
        code,
    }
}
