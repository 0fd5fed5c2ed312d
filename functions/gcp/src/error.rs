//! Google API failures → [`ActionError`] / [`StateError`] / [`AuditError`].
//!
//! One place decides what is worth another attempt (429, 408, 5xx, 409 `ABORTED`, 412
//! precondition/etag conflicts, network), what is a permission problem (401, 403: retrying
//! will not help) and what means the resource is gone (404).
use aiir_core::audit::AuditError;
use aiir_core::remediate::ActionError;
use aiir_core::state::StateError;

/// How a failure should be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    Transient,
    Denied,
    NotFound,
    Invalid,
}

/// A failed call to a Google API (JSON API over reqwest, or the official storage client).
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The service answered with an error status. `reason` is Google's error reason or
    /// status (`conditionNotMet`, `PERMISSION_DENIED` …) when the body names one.
    #[error("{op}: HTTP {status} {reason}: {message}")]
    Status {
        op: String,
        status: u16,
        reason: String,
        message: String,
    },
    /// No answer: connection, timeout, I/O.
    #[error("{op}: {message}")]
    Transport { op: String, message: String },
    /// Credentials could not produce a token.
    #[error("{op}: credentials: {message}")]
    Auth {
        op: String,
        message: String,
        transient: bool,
    },
    /// The answer was not what the API reference documents.
    #[error("{op}: unexpected response: {message}")]
    Decode { op: String, message: String },
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// `412 Precondition Failed`: a generation, metageneration or etag did not match.
    pub fn is_precondition_failed(&self) -> bool {
        self.status() == Some(412)
    }

    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Status { status, .. } => match status {
                408 | 409 | 412 | 429 => ErrorClass::Transient,
                s if *s >= 500 => ErrorClass::Transient,
                401 | 403 => ErrorClass::Denied,
                404 => ErrorClass::NotFound,
                _ => ErrorClass::Invalid,
            },
            Self::Transport { .. } => ErrorClass::Transient,
            Self::Auth { transient, .. } => {
                if *transient {
                    ErrorClass::Transient
                } else {
                    ErrorClass::Denied
                }
            }
            Self::Decode { .. } => ErrorClass::Invalid,
        }
    }

    pub fn decode(op: &str, message: impl Into<String>) -> Self {
        Self::Decode {
            op: op.to_string(),
            message: message.into(),
        }
    }

    /// From an HTTP status and a Google error body (`{"error": {"code", "message",
    /// "status", "errors": [{"reason"}]}}`), clipped so it is safe to log.
    pub fn from_response(op: &str, status: u16, body: &[u8]) -> Self {
        let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
        let error = parsed.as_ref().and_then(|v| v.get("error"));
        let reason = error
            .and_then(|e| {
                e.get("errors")
                    .and_then(|errs| errs.get(0))
                    .and_then(|e0| e0.get("reason"))
                    .or_else(|| e.get("status"))
            })
            .and_then(|r| r.as_str())
            .unwrap_or("")
            .to_string();
        let message = error
            .and_then(|e| e.get("message"))
            .and_then(|m| m.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned());
        Self::Status {
            op: op.to_string(),
            status,
            reason,
            message: clip(&message, 300),
        }
    }

    /// From the official storage client's error.
    pub fn from_storage(op: &str, error: &google_cloud_storage::Error) -> Self {
        if let Some(status) = error.http_status_code() {
            let body = error.http_payload().map(|b| b.to_vec()).unwrap_or_default();
            return Self::from_response(op, status, &body);
        }
        if error.is_authentication() {
            return Self::Auth {
                op: op.to_string(),
                message: clip(&error.to_string(), 300),
                transient: true,
            };
        }
        if let Some(status) = error.status() {
            // gRPC-style status without HTTP metadata (e.g. checksum mismatches).
            return Self::Status {
                op: op.to_string(),
                status: grpc_to_http(status.code as i32),
                reason: format!("{:?}", status.code),
                message: clip(&status.message, 300),
            };
        }
        Self::Transport {
            op: op.to_string(),
            message: clip(&error.to_string(), 300),
        }
    }
}

/// `google.rpc.Code` → HTTP status (per `google/rpc/code.proto`).
fn grpc_to_http(code: i32) -> u16 {
    match code {
        0 => 200,
        1 => 499,
        3 | 9 | 11 => 400,
        4 => 504,
        5 => 404,
        6 | 10 => 409,
        7 => 403,
        8 => 429,
        12 => 501,
        14 => 503,
        16 => 401,
        _ => 500,
    }
}

pub(crate) fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

impl From<ApiError> for ActionError {
    fn from(e: ApiError) -> Self {
        let text = e.to_string();
        match e.class() {
            ErrorClass::Transient => ActionError::Transient(text),
            ErrorClass::Denied => ActionError::Denied(text),
            ErrorClass::NotFound => ActionError::NotFound(text),
            ErrorClass::Invalid => ActionError::Invalid(text),
        }
    }
}

impl From<ApiError> for StateError {
    fn from(e: ApiError) -> Self {
        let text = e.to_string();
        match e.class() {
            ErrorClass::Denied => StateError::Denied(text),
            // A missing state bucket is a deployment problem, retrying does not fix it, but
            // the store must not be silently bypassed either: report it as unavailable.
            _ => StateError::Unavailable(text),
        }
    }
}

impl From<ApiError> for AuditError {
    fn from(e: ApiError) -> Self {
        let text = e.to_string();
        match e.class() {
            ErrorClass::Denied => AuditError::Denied(text),
            _ => AuditError::Unavailable(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let e = |status| ApiError::from_response("op", status, b"{}").class();
        assert_eq!(e(429), ErrorClass::Transient);
        assert_eq!(e(503), ErrorClass::Transient);
        assert_eq!(e(412), ErrorClass::Transient);
        assert_eq!(e(403), ErrorClass::Denied);
        assert_eq!(e(404), ErrorClass::NotFound);
        assert_eq!(e(400), ErrorClass::Invalid);
        let body = br#"{"error":{"code":412,"message":"At least one of the pre-conditions you specified did not hold.","errors":[{"reason":"conditionNotMet"}]}}"#;
        let err = ApiError::from_response("gcs", 412, body);
        assert!(err.is_precondition_failed());
        assert!(err.to_string().contains("conditionNotMet"), "{err}");
        assert!(matches!(ActionError::from(err), ActionError::Transient(_)));
    }
}
