//! [`AuditSink`] on Cloud Storage: one JSON object per step at
//! `audit/{yyyy}/{mm}/{dd}/{incident_id}/{step_id}-{trigger}-{timestamp}.json` in a bucket
//! with a retention policy (objects cannot be changed or deleted before it expires; lock it
//! for WORM). Records are written with `ifGenerationMatch=0`: an existing record is never
//! replaced, and a redelivered write of the same record is a no-op.
use aiir_core::audit::{AuditError, AuditRecord, AuditSink};
use async_trait::async_trait;
use bytes::Bytes;
use tracing::info;

use crate::clients::GcpClients;
use crate::error::ApiError;
use crate::gcs::{int64, Gcs, Precondition};

/// IAM permissions the audit sink needs on its bucket.
pub const REQUIRED_PERMISSIONS: &[&str] = &["storage.objects.create"];

#[derive(Clone, Debug)]
pub struct GcsAuditSink {
    clients: GcpClients,
    bucket: String,
}

impl GcsAuditSink {
    pub fn new(clients: GcpClients, bucket: impl Into<String>) -> Self {
        Self {
            clients,
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

    /// The bucket's retention period in seconds (`None`: no retention policy, which the
    /// function reports at start-up).
    pub async fn retention_seconds(&self) -> Result<Option<i64>, ApiError> {
        let bucket = Gcs::new(&self.clients).get_bucket(&self.bucket).await?;
        Ok(bucket
            .get("retentionPolicy")
            .and_then(|r| int64(r, "retentionPeriod")))
    }
}

/// Keep names printable and unambiguous: anything but `[A-Za-z0-9._-]` becomes `_`.
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
impl AuditSink for GcsAuditSink {
    async fn write(&self, record: &AuditRecord) -> Result<(), AuditError> {
        let key = Self::key_for(record);
        let body = serde_json::to_vec_pretty(record)
            .map_err(|e| AuditError::Unavailable(format!("cannot serialise audit record: {e}")))?;
        let incident = record.incident_id.clone();
        let metadata = [
            ("aiir-incident", incident.as_str()),
            ("aiir-trigger", record.trigger.as_str()),
        ];
        match Gcs::new(&self.clients)
            .write(
                &self.bucket,
                &key,
                Bytes::from(body),
                "application/json",
                Precondition::Absent,
                &metadata,
            )
            .await
        {
            Ok(_) => {}
            // Already written (a retried write whose first attempt succeeded).
            Err(e) if e.is_precondition_failed() => {}
            Err(e) => return Err(e.into()),
        }
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
