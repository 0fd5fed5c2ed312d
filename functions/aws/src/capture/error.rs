//! Why a data-capture object was not checked. Every variant means nothing was acted on.
use aiir_core::detect::drift::capture::CaptureError as ParseError;
use aiir_core::detect::drift::DriftError;

use crate::error::ErrorClass;

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("S3 object event received, but the data-capture drift check is not configured (set AIIR_DATA_CAPTURE_PREFIX and AIIR_DRIFT_PROFILE)")]
    NotConfigured,
    #[error("{object}: {reason}; nothing checked")]
    Rejected { object: String, reason: String },
    #[error("{object} is {size} bytes, over the {limit}-byte limit for a data-capture object")]
    TooLarge {
        object: String,
        size: u64,
        limit: u64,
    },
    #[error("{object} changed since the event (ETag no longer {etag}); its own event will check the new content")]
    Changed { object: String, etag: String },
    /// An S3 read failed; `class` says whether retrying can help.
    #[error("{what}: {message}")]
    Read {
        what: String,
        class: ErrorClass,
        message: String,
    },
    #[error("AIIR_DRIFT_PROFILE {uri}: not a reference profile ({reason}); build one with `aiir profile build`")]
    Profile { uri: String, reason: String },
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error("drift check of {object}: {source}")]
    Drift { object: String, source: DriftError },
    #[error("S3 object events are checked by reading the object: use `invoke --dry-run` instead of `--plan-only`")]
    NeedsRead,
}

impl CaptureError {
    /// Only transient S3 failures (throttling, 5xx, network) are worth a redelivery.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Read {
                class: ErrorClass::Transient,
                ..
            }
        )
    }
}
