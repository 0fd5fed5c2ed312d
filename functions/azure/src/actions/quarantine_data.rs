//! quarantine-data: move suspect blobs into a private quarantine container; the original is
//! deleted only after the copy is verified.
//!
//! Blob Storage through the official `azure_storage_blob` crate:
//! 1. `Get Blob Properties` on the source (size, MD5, ETag);
//! 2. `Copy Blob` into `{quarantine container}/{source container}/{blob}` with origin metadata
//!    (`aiir_origin`, `aiir_origin_etag`, `aiir_step`, `aiir_incident`), then poll until the
//!    copy succeeds;
//! 3. verify: the copy has the source's size (and MD5 when both have one) and the metadata;
//! 4. `Delete Blob` on the source with `If-Match: <source ETag>` (a blob changed since the copy
//!    is not deleted: the step fails and a redelivery copies the new content).
//!
//! Target (`Object`): `{account}/{container}/{blob}` or the blob URL. Parameter
//! `quarantine_bucket`: `{container}` (same account) or `{account}/{container}`. The quarantine
//! container is created private when missing; in Azure it should also carry a legal hold or
//! retention policy (deployment), which Azurite does not implement.
//!
//! Blob index tags are not carried by a copy in Azurite (it drops them); aiir records them in
//! the prior state for undo instead of relying on the copy.
use std::collections::HashMap;

use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::intake::azure::resource_id::parse_blob_object;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use azure_storage_blob::models::{
    BlobClientDeleteOptions, BlobClientGetPropertiesResultHeaders,
    BlobClientStartCopyFromUrlOptions, CopyStatus,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{dry_run, json, prior, unchanged, Ctx};
use crate::error::from_sdk;

pub const PERMISSIONS: &[&str] = &[
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
    "Microsoft.Storage/storageAccounts/blobServices/containers/write",
];

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "Blob Storage `Copy Blob` into the quarantine container with origin metadata, properties verified (size, MD5), then `Delete Blob` with `If-Match` on the source ETag",
    undo: "copied back with its recorded metadata and index tags, verified, then the quarantine copy deleted",
};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Location {
    pub account: String,
    pub container: String,
    pub blob: String,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.account, self.container, self.blob)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Prior {
    pub source: Location,
    pub quarantine: Location,
    pub etag: String,
    pub size: u64,
    #[serde(default)]
    pub content_md5: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct Props {
    etag: String,
    size: u64,
    md5: Option<String>,
    metadata: HashMap<String, String>,
    copy: Option<CopyStatus>,
}

fn source_of(id: &str) -> Result<Location, ActionError> {
    let (account, container, blob) = parse_blob_object(id).ok_or_else(|| {
        ActionError::Invalid(format!(
            "{id}: expected account/container/blob or a blob URL"
        ))
    })?;
    Ok(Location {
        account,
        container,
        blob,
    })
}

fn quarantine_of(request: &ActionRequest<'_>, source: &Location) -> Result<Location, ActionError> {
    let ActionSpec::QuarantineData { quarantine_bucket } = request.action else {
        return Err(ActionError::Invalid(
            "quarantine-data without parameters".into(),
        ));
    };
    let (account, container) = match quarantine_bucket.trim().split_once('/') {
        Some((a, c)) => (a.to_string(), c.to_string()),
        None => (source.account.clone(), quarantine_bucket.trim().to_string()),
    };
    if container.is_empty() || container == source.container && account == source.account {
        return Err(ActionError::Invalid(format!(
            "quarantine container {quarantine_bucket:?} must differ from the source container"
        )));
    }
    Ok(Location {
        account,
        container,
        blob: format!("{}/{}", source.container, source.blob),
    })
}

async fn props(ctx: &Ctx<'_>, at: &Location) -> Result<Option<Props>, ActionError> {
    let client = ctx.clients.blob(&at.account, &at.container, &at.blob)?;
    match client.get_properties(None).await {
        Ok(rsp) => {
            let err = |e: azure_core::Error| ActionError::from(from_sdk("blob properties", &e));
            Ok(Some(Props {
                etag: rsp
                    .etag()
                    .map_err(err)?
                    .map(|e| e.to_string())
                    .unwrap_or_default(),
                size: rsp.content_length().map_err(err)?.unwrap_or(0),
                md5: rsp.content_md5().map_err(err)?.map(hex::encode),
                metadata: rsp.metadata().map_err(err)?,
                copy: rsp.copy_status().map_err(err)?,
            }))
        }
        Err(e) if e.http_status().map(u16::from) == Some(404) => Ok(None),
        Err(e) => Err(from_sdk(&format!("get properties {at}"), &e).into()),
    }
}

async fn ensure_private_container(ctx: &Ctx<'_>, at: &Location) -> Result<(), ActionError> {
    let client = ctx.clients.container(&at.account, &at.container)?;
    match client.create(None).await {
        Ok(_) => Ok(()),
        Err(e) if e.http_status().map(u16::from) == Some(409) => Ok(()),
        Err(e) => Err(from_sdk(&format!("create container {}", at.container), &e).into()),
    }
}

/// Copy `from` to `to` with metadata, wait for success, verify size/MD5/metadata.
async fn copy_verified(
    ctx: &Ctx<'_>,
    from: &Location,
    to: &Location,
    src: &Props,
    metadata: HashMap<String, String>,
) -> Result<Props, ActionError> {
    let source_url = ctx
        .clients
        .blob_url(&from.account, &from.container, Some(&from.blob))?;
    let dest = ctx.clients.blob(&to.account, &to.container, &to.blob)?;
    let options = BlobClientStartCopyFromUrlOptions {
        metadata: Some(metadata.clone()),
        ..Default::default()
    };
    dest.start_copy_from_url(source_url.to_string(), Some(options))
        .await
        .map_err(|e| ActionError::from(from_sdk(&format!("copy {from} to {to}"), &e)))?;
    let copied = ctx
        .wait
        .until(&format!("copy {from} to {to}"), || async {
            match props(ctx, to).await? {
                Some(p) if matches!(p.copy, Some(CopyStatus::Success) | None) => Ok(Some(p)),
                Some(p)
                    if matches!(p.copy, Some(CopyStatus::Failed) | Some(CopyStatus::Aborted)) =>
                {
                    Err(ActionError::Verification(format!(
                        "copy to {to} ended {:?}",
                        p.copy
                    )))
                }
                _ => Ok(None),
            }
        })
        .await?;
    if copied.size != src.size {
        return Err(ActionError::Verification(format!(
            "copy {to} has {} bytes, source {}",
            copied.size, src.size
        )));
    }
    if let (Some(a), Some(b)) = (&copied.md5, &src.md5) {
        if a != b {
            return Err(ActionError::Verification(format!(
                "copy {to} has a different MD5 from the source"
            )));
        }
    }
    for (k, v) in &metadata {
        if copied.metadata.get(k) != Some(v) {
            return Err(ActionError::Verification(format!(
                "copy {to} lacks metadata {k}"
            )));
        }
    }
    Ok(copied)
}

async fn delete_if(ctx: &Ctx<'_>, at: &Location, etag: &str) -> Result<(), ActionError> {
    let client = ctx.clients.blob(&at.account, &at.container, &at.blob)?;
    let options = BlobClientDeleteOptions {
        if_match: Some(etag.to_string().into()),
        ..Default::default()
    };
    match client.delete(Some(options)).await {
        Ok(_) => Ok(()),
        Err(e) if e.http_status().map(u16::from) == Some(404) => Ok(()),
        Err(e) => Err(from_sdk(&format!("delete {at}"), &e).into()),
    }
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let source = source_of(&request.target.id)?;
    let quarantine = quarantine_of(request, &source)?;
    let src = props(ctx, &source).await?;
    let dest = props(ctx, &quarantine).await?;
    let Some(src) = src else {
        // Already moved by this step (a redelivery, or a retry after the delete)?
        if let Some(d) = dest
            .filter(|d| d.metadata.get("aiir_step").map(String::as_str) == Some(request.step_id))
        {
            let p = Prior {
                source: source.clone(),
                quarantine: quarantine.clone(),
                etag: d
                    .metadata
                    .get("aiir_origin_etag")
                    .cloned()
                    .unwrap_or_default(),
                size: d.size,
                content_md5: d.md5,
            };
            return Ok(unchanged(
                json(&p),
                format!("{source} is already in quarantine at {quarantine}"),
            ));
        }
        return Err(ActionError::NotFound(format!(
            "blob {source} does not exist"
        )));
    };
    let p = Prior {
        source: source.clone(),
        quarantine: quarantine.clone(),
        etag: src.etag.clone(),
        size: src.size,
        content_md5: src.md5.clone(),
    };
    let detail = format!(
        "copy {source} ({} bytes) to {quarantine}, verify, then delete the original",
        src.size
    );
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&p),
            new_state: Value::Null,
            details: vec![format!("would {detail}")],
        });
    }
    ensure_private_container(ctx, &quarantine).await?;
    let mut metadata = HashMap::new();
    metadata.insert("aiir_origin".to_string(), source.to_string());
    metadata.insert(
        "aiir_origin_etag".to_string(),
        src.etag.trim_matches('"').to_string(),
    );
    metadata.insert("aiir_step".to_string(), request.step_id.to_string());
    metadata.insert("aiir_incident".to_string(), request.incident.id.clone());
    let copied = copy_verified(ctx, &source, &quarantine, &src, metadata).await?;
    delete_if(ctx, &source, &src.etag).await?;
    if props(ctx, &source).await?.is_some() {
        return Err(ActionError::Verification(format!(
            "{source} still exists after the delete"
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&p),
        new_state: json(
            &serde_json::json!({ "quarantined_at": quarantine.to_string(), "size": copied.size }),
        ),
        details: vec![detail],
    })
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    let p: Prior = prior(record)?;
    let back = props(ctx, &p.source).await?;
    let held = props(ctx, &p.quarantine).await?;
    match (back, held) {
        (Some(_), None) => Ok(unchanged(
            record.prior_state.clone(),
            format!("{} is already back", p.source),
        )),
        (None, None) => Err(ActionError::NotFound(format!(
            "neither {} nor its quarantine copy {} exists",
            p.source, p.quarantine
        ))),
        (Some(_), Some(h)) => {
            // Restored earlier but the quarantine copy remains: remove it.
            delete_if(ctx, &p.quarantine, &h.etag).await?;
            Ok(ActionOutcome {
                changed: true,
                prior_state: record.new_state.clone(),
                new_state: record.prior_state.clone(),
                details: vec![format!("removed quarantine copy {}", p.quarantine)],
            })
        }
        (None, Some(h)) => {
            let mut metadata = HashMap::new();
            metadata.insert("aiir_restored_from".to_string(), p.quarantine.to_string());
            copy_verified(ctx, &p.quarantine, &p.source, &h, metadata).await?;
            delete_if(ctx, &p.quarantine, &h.etag).await?;
            Ok(ActionOutcome {
                changed: true,
                prior_state: record.new_state.clone(),
                new_state: record.prior_state.clone(),
                details: vec![format!(
                    "copied {} back to {} and removed the quarantine copy",
                    p.quarantine, p.source
                )],
            })
        }
    }
}
