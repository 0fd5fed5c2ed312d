//! [`AuditSink`] on Blob Storage (official `azure_storage_blob` crate): one JSON blob per step
//! at `audit/{yyyy}/{mm}/{dd}/{incident_id}/{step_id}-{trigger}-{timestamp}.json`.
//!
//! Records are written with `If-None-Match: *`, so aiir itself never overwrites one; in Azure
//! the container carries a time-based retention (immutability) policy, which makes them WORM
//! for everyone (deployment sets it; Azurite does not implement immutability policies).
use std::collections::HashMap;

use aiir_core::audit::{AuditError, AuditRecord, AuditSink};
use async_trait::async_trait;
use azure_storage_blob::models::BlockBlobClientUploadOptions;
use tracing::info;

use crate::clients::AzureClients;
use crate::error::from_sdk;

/// Azure RBAC data actions the audit sink needs (Storage Blob Data Contributor, write only).
pub const REQUIRED_PERMISSIONS: &[&str] = &[
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
];

#[derive(Clone, Debug)]
pub struct BlobAuditSink {
    clients: AzureClients,
    account: String,
    container: String,
}

impl BlobAuditSink {
    pub fn new(
        clients: AzureClients,
        account: impl Into<String>,
        container: impl Into<String>,
    ) -> Self {
        Self {
            clients,
            account: account.into(),
            container: container.into(),
        }
    }

    pub fn container(&self) -> &str {
        &self.container
    }

    /// Where a record is stored. Dated by when the step finished.
    pub fn blob_for(record: &AuditRecord) -> String {
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
impl AuditSink for BlobAuditSink {
    async fn write(&self, record: &AuditRecord) -> Result<(), AuditError> {
        let name = Self::blob_for(record);
        let body = serde_json::to_vec_pretty(record)
            .map_err(|e| AuditError::Unavailable(format!("cannot serialise audit record: {e}")))?;
        let client = self.clients.blob(&self.account, &self.container, &name)?;
        let mut metadata = HashMap::new();
        metadata.insert("aiir_incident".to_string(), safe(&record.incident_id));
        metadata.insert(
            "aiir_action".to_string(),
            record.step.action.kind().as_str().to_string(),
        );
        let options = BlockBlobClientUploadOptions {
            blob_content_type: Some("application/json".into()),
            if_none_match: Some("*".into()),
            metadata: Some(metadata),
            ..Default::default()
        };
        client
            .upload(azure_core::Bytes::from(body).into(), Some(options))
            .await
            .map_err(|e| from_sdk(&format!("blob upload {}/{}", self.container, name), &e))?;
        info!(incident_id = %record.incident_id, action = %record.step.action.kind(), container = %self.container, blob = %name, "audit record stored");
        Ok(())
    }
}
