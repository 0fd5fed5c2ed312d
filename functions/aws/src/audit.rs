//! [`AuditSink`] on S3: one JSON object per step at
//! `audit/{yyyy}/{mm}/{dd}/{incident_id}/{step_id}-{trigger}-{timestamp}.json`.
use aiir_core::audit::{AuditError, AuditRecord, AuditSink};
use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use tracing::info;

use crate::error::audit_error;

/// IAM actions the audit sink needs on its bucket.
pub const REQUIRED_PERMISSIONS: &[&str] = &["s3:PutObject"];

#[derive(Clone, Debug)]
pub struct S3AuditSink {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3AuditSink {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Where a record is stored. Dated by when the step finished.
    pub fn key_for(record: &AuditRecord) -> String {
        let at = record.step.finished_at;
        format!(
            "audit/{}/{}/{}-{}-{}.json",
            at.format("%Y/%m/%d"),
            safe(&record.incident_id),
            safe(&record.step.step_id),
            safe(&record.trigger),
            at.format("%Y%m%dT%H%M%S%.3fZ"),
        )
    }
}

/// Keep keys printable and unambiguous: anything but `[A-Za-z0-9._-]` becomes `_`.
fn safe(part: &str) -> String {
    part.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[async_trait]
impl AuditSink for S3AuditSink {
    async fn write(&self, record: &AuditRecord) -> Result<(), AuditError> {
        let key = Self::key_for(record);
        let body = serde_json::to_vec_pretty(record)
            .map_err(|e| AuditError::Unavailable(format!("cannot serialise audit record: {e}")))?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| audit_error(&format!("s3:PutObject s3://{}/{key}", self.bucket), e))?;
        info!(
            incident_id = %record.incident_id,
            action = %record.step.action.kind(),
            resource = %record.step.target.id,
            bucket = %self.bucket,
            key = %key,
            "audit record stored"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::safe;

    #[test]
    fn keys_are_safe() {
        assert_eq!(safe("inc-20250101-ab12"), "inc-20250101-ab12");
        assert_eq!(safe("a/b c"), "a_b_c");
    }
}
