//! The function's own drift check on SageMaker data capture: an S3 "object created" event for
//! a capture file → the file (bounded read of exactly the write the event names) → rows in the
//! reference profile's columns → [`check_data_drift`] → alerts for the responder.
//!
//! The alert's identity is the object and its write (`data-capture/s3://bucket/key` +
//! ETag@sequencer), so a redelivered event is a duplicate and acts once. No drift gives no
//! alert; the [`DriftCheck`] in the report says the object was checked.
pub mod error;
pub mod location;
pub mod object;
pub mod reference;

use aiir_core::detect::drift::capture::parse_data_capture;
use aiir_core::detect::drift::check::check_data_drift;
use aiir_core::detect::drift::DriftOptions;
use aiir_core::intake::aws::s3_object::CreatedObject;
use aiir_core::model::{Alert, Evidence, ResourceKind, ResourceRef, Severity};
use serde::Serialize;
use tracing::info;

pub use error::CaptureError;
use location::{capture_key, S3Uri};
use object::{get, Fetched, Get};
use reference::ProfileSource;

/// IAM actions the drift check needs: reading capture objects and the profile.
pub const REQUIRED_PERMISSIONS: &[&str] = &["s3:GetObject"];

/// And on the capture files' KMS key when SageMaker encrypts them with one (S3 decrypts with
/// the reader's permissions).
pub const KMS_PERMISSIONS: &[&str] = &["kms:Decrypt"];

/// Largest capture object read (SageMaker writes one file per few minutes of traffic; a file
/// this large is not capture output).
pub const MAX_CAPTURE_BYTES: u64 = 64 * 1024 * 1024;

/// `AIIR_DATA_CAPTURE_PREFIX` and `AIIR_DRIFT_PROFILE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureConfig {
    /// Where SageMaker writes capture files (the endpoint's `DestinationS3Uri`), as a folder.
    pub prefix: S3Uri,
    pub profile: S3Uri,
    pub max_object_bytes: u64,
}

impl CaptureConfig {
    pub fn new(prefix: &str, profile: &str) -> Result<Self, String> {
        let prefix = S3Uri::parse(prefix)
            .map_err(|e| format!("AIIR_DATA_CAPTURE_PREFIX={prefix}: {e}"))?
            .as_folder();
        let profile_uri =
            S3Uri::parse(profile).map_err(|e| format!("AIIR_DRIFT_PROFILE={profile}: {e}"))?;
        if profile_uri.key.is_empty() || profile_uri.key.ends_with('/') {
            return Err(format!(
                "AIIR_DRIFT_PROFILE={profile}: expected an object, s3://bucket/key"
            ));
        }
        Ok(Self {
            prefix,
            profile: profile_uri,
            max_object_bytes: MAX_CAPTURE_BYTES,
        })
    }
}

/// What one capture object's check found (part of the function's report).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftCheck {
    pub object: String,
    pub endpoint: String,
    pub variant: String,
    /// Captured requests in the file, rows read from them, requests without captured input.
    pub records: usize,
    pub rows: usize,
    pub without_input: usize,
    pub columns: usize,
    pub drifted_columns: Vec<String>,
    pub share_of_drifted_columns: f64,
    pub dataset_drift: bool,
    /// Set when the check raised a finding (and so an alert).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_columns: Vec<String>,
}

pub struct DriftCapture {
    config: CaptureConfig,
    s3: aws_sdk_s3::Client,
    profile: ProfileSource,
    options: DriftOptions,
}

impl DriftCapture {
    pub fn new(s3: aws_sdk_s3::Client, config: CaptureConfig) -> Self {
        Self {
            profile: ProfileSource::new(config.profile.clone()),
            config,
            s3,
            options: DriftOptions::default(),
        }
    }

    pub fn config(&self) -> &CaptureConfig {
        &self.config
    }

    /// Check every object of one event. Any failure rejects the whole event before anything
    /// is acted on (a redelivery then checks all of them again).
    pub async fn check_all(
        &self,
        objects: &[CreatedObject],
    ) -> Result<(Vec<Alert>, Vec<DriftCheck>), CaptureError> {
        // Refuse objects outside the prefix before any read.
        for o in objects {
            capture_key(&self.config.prefix, &o.bucket, &o.key).map_err(|reason| {
                CaptureError::Rejected {
                    object: o.uri(),
                    reason,
                }
            })?;
        }
        let mut alerts = Vec::new();
        let mut checks = Vec::with_capacity(objects.len());
        for o in objects {
            let (found, check) = self.check(o).await?;
            alerts.extend(found);
            checks.push(check);
        }
        Ok((alerts, checks))
    }

    async fn check(&self, o: &CreatedObject) -> Result<(Vec<Alert>, DriftCheck), CaptureError> {
        let uri = o.uri();
        let at = capture_key(&self.config.prefix, &o.bucket, &o.key).map_err(|reason| {
            CaptureError::Rejected {
                object: uri.clone(),
                reason,
            }
        })?;
        let limit = self.config.max_object_bytes;
        if let Some(size) = o.size.filter(|&s| s > limit) {
            return Err(CaptureError::TooLarge {
                object: uri,
                size,
                limit,
            });
        }
        let profile = self.profile.load(&self.s3).await?;
        let fetched = get(
            &self.s3,
            Get {
                bucket: &o.bucket,
                key: &o.key,
                limit,
                if_match: o.etag.as_deref(),
                if_none_match: None,
            },
        )
        .await?;
        let bytes = match fetched {
            Fetched::Body { bytes, .. } => bytes,
            // Only possible with If-None-Match, which is not sent for capture objects.
            Fetched::NotModified => {
                return Err(CaptureError::Read {
                    what: format!("s3:GetObject {uri}"),
                    class: crate::error::ErrorClass::Invalid,
                    message: "unexpected 304 Not Modified".into(),
                })
            }
        };
        let text = String::from_utf8(bytes).map_err(|_| CaptureError::Rejected {
            object: uri.clone(),
            reason: "not UTF-8 text (SageMaker data capture is JSON Lines)".into(),
        })?;
        let batch = parse_data_capture(&uri, &text, &profile)?;
        let mut endpoint = ResourceRef::new(ResourceKind::ModelEndpoint, &at.endpoint);
        endpoint.region = o.region.clone();
        let (report, findings) = check_data_drift(
            &profile,
            &batch.rows,
            &self.options,
            std::slice::from_ref(&endpoint),
        )
        .map_err(|source| CaptureError::Drift {
            object: uri.clone(),
            source,
        })?;
        let check = DriftCheck {
            object: uri.clone(),
            endpoint: at.endpoint.clone(),
            variant: at.variant.clone(),
            records: batch.records,
            rows: batch.rows.len(),
            without_input: batch.without_input,
            columns: report.number_of_columns,
            drifted_columns: report
                .columns
                .iter()
                .filter(|c| c.drifted)
                .map(|c| c.column.clone())
                .collect(),
            share_of_drifted_columns: report.share_of_drifted_columns,
            dataset_drift: report.dataset_drift,
            severity: findings.iter().map(|f| f.severity).max(),
            skipped_columns: report.skipped.iter().map(|s| s.column.clone()).collect(),
        };
        info!(
            object = %uri,
            endpoint = %at.endpoint,
            rows = check.rows,
            drifted = check.drifted_columns.len(),
            columns = check.columns,
            dataset_drift = check.dataset_drift,
            "data capture checked for drift"
        );
        let alerts = findings
            .iter()
            .map(|f| {
                let mut a = Alert::from_finding(
                    f,
                    format!("data-capture/{uri}"),
                    o.occurrence(),
                    o.event_time,
                );
                a.title = format!(
                    "Data drift on SageMaker endpoint {} ({}): {}",
                    at.endpoint, at.variant, f.summary
                );
                a.account = o.account.clone();
                a.region = o.region.clone();
                for (k, v) in [
                    ("endpoint_name", at.endpoint.clone()),
                    ("variant_name", at.variant.clone()),
                    ("capture_object", uri.clone()),
                    ("rows", check.rows.to_string()),
                ] {
                    a.labels.insert(k.to_string(), v);
                }
                a.evidence.push(Evidence {
                    label: "data-capture".into(),
                    summary: format!(
                        "{} rows from {} captured requests in {uri}, checked against {}",
                        check.rows,
                        check.records,
                        self.profile.uri()
                    ),
                    detail: serde_json::json!({
                        "object": uri,
                        "etag": o.etag,
                        "sequencer": o.sequencer,
                        "delivery": o.delivery,
                        "profile": self.profile.uri().to_string(),
                    }),
                });
                a
            })
            .collect();
        Ok((alerts, check))
    }
}
