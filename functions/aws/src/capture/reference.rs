//! The reference profile (`AIIR_DRIFT_PROFILE`), loaded once per warm container and kept while
//! its ETag is unchanged: each check asks S3 with `If-None-Match`, which costs no body transfer
//! when the profile is current and picks up a replaced profile on the next event.
use std::sync::{Arc, Mutex};

use aiir_core::detect::drift::profile::{ReferenceProfile, PROFILE_VERSION};
use tracing::info;

use super::error::CaptureError;
use super::location::S3Uri;
use super::object::{get, Fetched, Get};

/// Largest profile accepted (a profile is ~100 KB per numerical column at the default sample).
pub const MAX_PROFILE_BYTES: u64 = 64 * 1024 * 1024;

struct Cached {
    etag: Option<String>,
    profile: Arc<ReferenceProfile>,
}

pub struct ProfileSource {
    uri: S3Uri,
    cached: Mutex<Option<Cached>>,
}

impl ProfileSource {
    pub fn new(uri: S3Uri) -> Self {
        Self {
            uri,
            cached: Mutex::new(None),
        }
    }

    pub fn uri(&self) -> &S3Uri {
        &self.uri
    }

    /// The current profile: the cached one if S3 says it is unchanged, else read and validated.
    pub async fn load(
        &self,
        s3: &aws_sdk_s3::Client,
    ) -> Result<Arc<ReferenceProfile>, CaptureError> {
        let cached_etag = self.lock().as_ref().and_then(|c| c.etag.clone());
        let fetched = get(
            s3,
            Get {
                bucket: &self.uri.bucket,
                key: &self.uri.key,
                limit: MAX_PROFILE_BYTES,
                if_match: None,
                if_none_match: cached_etag.as_deref(),
            },
        )
        .await
        .map_err(|e| match e {
            CaptureError::Read {
                what,
                class,
                message,
            } => CaptureError::Read {
                what: format!("AIIR_DRIFT_PROFILE: reading the reference profile ({what})"),
                class,
                message,
            },
            other => other,
        })?;
        let (bytes, etag) = match fetched {
            // If-None-Match is only sent with a cached profile, and the cache is never cleared.
            Fetched::NotModified => {
                return self
                    .lock()
                    .as_ref()
                    .map(|c| c.profile.clone())
                    .ok_or_else(|| CaptureError::Read {
                        what: format!("AIIR_DRIFT_PROFILE {}", self.uri),
                        class: crate::error::ErrorClass::Transient,
                        message: "S3 answered 304 Not Modified without a cached profile".into(),
                    })
            }
            Fetched::Body { bytes, etag } => (bytes, etag),
        };
        let profile = Arc::new(self.validate(&bytes)?);
        info!(profile = %self.uri, columns = profile.columns.len(), etag = etag.as_deref().unwrap_or("-"), "reference profile loaded");
        *self.lock() = Some(Cached {
            etag,
            profile: profile.clone(),
        });
        Ok(profile)
    }

    fn validate(&self, bytes: &[u8]) -> Result<ReferenceProfile, CaptureError> {
        let bad = |reason: String| CaptureError::Profile {
            uri: self.uri.to_string(),
            reason,
        };
        let profile: ReferenceProfile =
            serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
        if profile.version != PROFILE_VERSION {
            return Err(bad(format!(
                "version {} (this function reads version {PROFILE_VERSION})",
                profile.version
            )));
        }
        if profile.columns.is_empty() {
            return Err(bad("no columns".into()));
        }
        Ok(profile)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Cached>> {
        self.cached.lock().unwrap_or_else(|e| e.into_inner())
    }
}
