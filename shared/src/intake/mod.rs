//! Alert intake: turn what a cloud delivers into aiir's [`Alert`] model.
//!
//! Pure parsing, no cloud SDK: a function adapter hands the raw payload to one entry point
//! ([`parse_aws`]) and gets back alerts for the responder, a batch of model I/O log lines for
//! the detectors, or an operator event. Anything unknown or malformed is a typed
//! [`IntakeError`] that names what was wrong; no input ever panics and an error means nothing
//! is acted on (a batch with one bad record is rejected whole).
//!
//! Redeliveries are stable: the same state change or finding revision parses to the same
//! [`Alert::source_id`] and [`Alert::occurrence`] (and so the same incident fingerprint)
//! whichever way it arrives (SNS, EventBridge, or a Lambda alarm action).
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::model::{Alert, AlertSource};
use crate::operator::OperatorEvent;

pub mod aws;
pub mod azure;
pub mod gcp;

pub use aws::{parse_aws, parse_aws_at};
pub use azure::{parse_azure, parse_azure_at};
pub use gcp::{parse_gcp, parse_gcp_at};

/// Largest payload accepted: Lambda's synchronous invocation limit (6 MiB).
pub const MAX_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;

/// Largest decompressed CloudWatch Logs batch accepted (defeats gzip bombs). CloudWatch Logs
/// batches are at most ~1 MiB uncompressed; this leaves ample headroom.
pub const MAX_DECOMPRESSED_BYTES: usize = 16 * 1024 * 1024;

/// What a payload turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Intake {
    /// Alerts for the responder (one payload can carry several: SNS batches, Security Hub).
    Alerts(Vec<Alert>),
    /// Model input/output log lines for the detectors (CloudWatch Logs subscription).
    ModelIo(ModelIoBatch),
    /// A hand-made operator event (`drill`, `findings`, `approve`, `undo`).
    Operator(OperatorEvent),
}

/// A batch of log lines, each one model I/O for the detectors to scan.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelIoBatch {
    pub source: AlertSource,
    /// The log group (or equivalent) the lines came from.
    pub source_id: String,
    pub account: Option<String>,
    pub region: Option<String>,
    /// Empty for CloudWatch Logs `CONTROL_MESSAGE` deliveries (reachability checks).
    pub records: Vec<ModelIoRecord>,
}

/// One log line.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelIoRecord {
    /// The source's event id (CloudWatch Logs event id): stable across redeliveries.
    pub id: String,
    pub timestamp: DateTime<Utc>,
    pub message: String,
    /// `log_group`, `log_stream`.
    pub labels: BTreeMap<String, String>,
}

/// Why a payload was not accepted. Messages name the JSON path (`$.detail.state.value`) and
/// clip quoted input, so they are safe to log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntakeError {
    #[error("payload is empty")]
    Empty,
    #[error("payload is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("{path} is not valid JSON: {reason}")]
    NotJson { path: String, reason: String },
    #[error("unrecognised payload: {0}")]
    UnknownShape(Box<ShapeSeen>),
    #[error("missing required field {path}")]
    Missing { path: String },
    #[error("{path} should be {expected}, found {found}")]
    WrongType {
        path: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("{path} has an invalid value {value:?}: {reason}")]
    InvalidValue {
        path: String,
        value: String,
        reason: String,
    },
    #[error("{path} is not valid base64: {reason}")]
    Base64 { path: String, reason: String },
    #[error("{path} is not valid gzip: {reason}")]
    Gzip { path: String, reason: String },
    #[error("{path} decompresses to more than {limit} bytes")]
    DecompressedTooLarge { path: String, limit: usize },
    #[error("{path}: SNS message is not a recognised alert: {reason}")]
    UnsupportedSnsMessage { path: String, reason: String },
    #[error("{path}: invalid operator event: {reason}")]
    Operator { path: String, reason: String },
}

/// What was seen in a payload no parser recognised.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShapeSeen {
    /// Where in the payload (`$` for the top level, `$.Records[0].Sns.Message` for SNS).
    pub path: String,
    /// `source` (EventBridge) or `eventSource` / `EventSource` (Lambda event records).
    pub source: Option<String>,
    /// EventBridge `detail-type`.
    pub detail_type: Option<String>,
    /// Top-level keys (at most [`ShapeSeen::MAX_KEYS`], clipped), or the JSON type if not an object.
    pub keys: Vec<String>,
}

impl ShapeSeen {
    pub const MAX_KEYS: usize = 16;
}

impl std::fmt::Display for ShapeSeen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at {}", self.path)?;
        if let Some(source) = &self.source {
            write!(f, ", source {source:?}")?;
        }
        if let Some(detail_type) = &self.detail_type {
            write!(f, ", detail-type {detail_type:?}")?;
        }
        if self.keys.is_empty() {
            f.write_str(", no keys")
        } else {
            write!(f, ", keys [{}]", self.keys.join(", "))
        }
    }
}

/// Clip untrusted text for an error message or label (at most `max` characters).
pub(crate) fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}
