//! lock-public-access: no anonymous reads from a storage account or container.
//!
//! Target (`Bucket`): a storage account's ARM id → Resource Manager `PATCH
//! …/storageAccounts/{name}?api-version=2023-05-01` with `allowBlobPublicAccess = false`, then
//! every container with a public access level set to private (Blob data plane); or
//! `{account}/{container}` → that container set to private.
//!
//! Prior state: the account's `allowBlobPublicAccess` (absent means the service default) and
//! each changed container's access level; undo restores exactly those.
use aiir_core::audit::StepRecord;
use aiir_core::intake::azure::resource_id::ArmId;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use azure_storage_blob::models::{BlobContainerClientGetPropertiesResultHeaders, BlobContainerClientSetAccessPolicyOptions, PublicAccessType};
use futures::TryStreamExt;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

use super::{dry_run, json, prior, unchanged, Ctx, STORAGE_API_VERSION};
use crate::credential::scopes;
use crate::error::from_sdk;

pub const PERMISSIONS: &[&str] = &[
    "Microsoft.Storage/storageAccounts/read",
    "Microsoft.Storage/storageAccounts/write",
    "Microsoft.Storage/storageAccounts/blobServices/containers/read",
    "Microsoft.Storage/storageAccounts/blobServices/containers/write",
];

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Prior {
    /// ARM id of the account, when the target was an account.
    #[serde(default)]
    pub account_id: Option<String>,
    pub account: String,
    /// `allowBlobPublicAccess` before (None: not set, the service default).
    #[serde(default)]
    pub allow_blob_public_access: Option<bool>,
    /// Containers made private: (name, previous level `blob` | `container`).
    #[serde(default)]
    pub containers: Vec<(String, String)>,
}

enum Target {
    Account { id: String, account: String },
    Container { account: String, container: String },
}

fn target(id: &str) -> Result<Target, ActionError> {
    if let Some(arm) = ArmId::parse(id) {
        if arm.full_type() == "microsoft.storage/storageaccounts" {
            let account = arm.name().unwrap_or_default().to_string();
            return Ok(Target::Account { id: id.to_string(), account });
        }
        if let (Some(account), Some(container)) = (arm.name_of("storageAccounts"), arm.name_of("containers")) {
            return Ok(Target::Container { account: account.into(), container: container.into() });
        }
        return Err(ActionError::Invalid(format!("{id} is not a storage account or container")));
    }
    match id.split_once('/') {
        Some((a, c)) if !a.is_empty() && !c.is_empty() && !c.contains('/') => Ok(Target::Container { account: a.into(), container: c.into() }),
        _ => Err(ActionError::Invalid(format!("{id}: expected a storage account ARM id or account/container"))),
    }
}

fn account_url(ctx: &Ctx<'_>, id: &str) -> Result<Url, ActionError> {
    let base = ctx.clients.endpoints.arm_base();
    Url::parse(&format!("{base}{id}?api-version={STORAGE_API_VERSION}")).map_err(|e| ActionError::Invalid(format!("{id}: {e}")))
}

async fn get_account(ctx: &Ctx<'_>, id: &str) -> Result<Option<bool>, ActionError> {
    let reply = ctx.clients.call("storage accounts: get properties", Method::GET, account_url(ctx, id)?, scopes::ARM, &[], None).await?;
    Ok(reply.body.pointer("/properties/allowBlobPublicAccess").and_then(Value::as_bool))
}

async fn patch_account(ctx: &Ctx<'_>, id: &str, allow: Option<bool>) -> Result<Option<bool>, ActionError> {
    let body = json!({ "properties": { "allowBlobPublicAccess": allow } });
    let reply = ctx.clients.call("storage accounts: update", Method::PATCH, account_url(ctx, id)?, scopes::ARM, &[], Some(&body)).await?;
    Ok(reply.body.pointer("/properties/allowBlobPublicAccess").and_then(Value::as_bool))
}

fn level_name(level: &PublicAccessType) -> String {
    match level {
        PublicAccessType::Blob => "blob".into(),
        PublicAccessType::Container => "container".into(),
        other => other.to_string(),
    }
}

/// Containers of an account with a public access level.
async fn public_containers(ctx: &Ctx<'_>, account: &str) -> Result<Vec<(String, String)>, ActionError> {
    let service = ctx.clients.blob_service(account)?;
    let mut pager = service.list_containers(None).map_err(|e| ActionError::from(from_sdk("list containers", &e)))?;
    let mut out = Vec::new();
    while let Some(item) = pager.try_next().await.map_err(|e| ActionError::from(from_sdk("list containers", &e)))? {
        let Some(name) = item.name.clone() else { continue };
        if let Some(level) = item.properties.as_ref().and_then(|p| p.public_access.as_ref()) {
            out.push((name, level_name(level)));
        }
    }
    Ok(out)
}

async fn container_level(ctx: &Ctx<'_>, account: &str, container: &str) -> Result<Option<String>, ActionError> {
    let client = ctx.clients.container(account, container)?;
    let rsp = client.get_properties(None).await.map_err(|e| ActionError::from(from_sdk(&format!("container {container}: get properties"), &e)))?;
    let level = rsp.access().map_err(|e| ActionError::from(from_sdk("container access header", &e)))?;
    Ok(level.as_ref().map(level_name))
}

async fn set_level(ctx: &Ctx<'_>, account: &str, container: &str, level: Option<&str>) -> Result<(), ActionError> {
    let client = ctx.clients.container(account, container)?;
    // Keep the stored access policies: read them and write them back with the new level.
    let acl = client.get_access_policy(None).await.map_err(|e| ActionError::from(from_sdk(&format!("container {container}: get ACL"), &e)))?;
    let identifiers = acl.into_model().map_err(|e| ActionError::from(from_sdk("container ACL body", &e)))?;
    let access = match level {
        None => None,
        Some("blob") => Some(PublicAccessType::Blob),
        Some("container") => Some(PublicAccessType::Container),
        Some(other) => return Err(ActionError::Invalid(format!("unknown public access level {other:?}"))),
    };
    let options = BlobContainerClientSetAccessPolicyOptions { access, ..Default::default() };
    client
        .set_access_policy(identifiers.try_into().map_err(|e: azure_core::Error| ActionError::from(from_sdk("container ACL body", &e)))?, Some(options))
        .await
        .map_err(|e| ActionError::from(from_sdk(&format!("container {container}: set ACL"), &e)))?;
    Ok(())
}

pub async fn apply(ctx: &Ctx<'_>, request: &ActionRequest<'_>) -> Result<ActionOutcome, ActionError> {
    let id = request.target.id.as_str();
    match target(id)? {
        Target::Container { account, container } => {
            let before = container_level(ctx, &account, &container).await?;
            let prior = Prior { account_id: None, account: account.clone(), allow_blob_public_access: None, containers: before.iter().map(|l| (container.clone(), l.clone())).collect() };
            let Some(level) = before else {
                return Ok(unchanged(json(&prior), format!("container {account}/{container} is already private")));
            };
            let detail = format!("set container {account}/{container} from public access `{level}` to private");
            if dry_run(request) {
                return Ok(ActionOutcome { changed: true, prior_state: json(&prior), new_state: Value::Null, details: vec![format!("would {detail}")] });
            }
            set_level(ctx, &account, &container, None).await?;
            if let Some(still) = container_level(ctx, &account, &container).await? {
                return Err(ActionError::Verification(format!("container {account}/{container} still has public access `{still}`")));
            }
            Ok(ActionOutcome { changed: true, prior_state: json(&prior), new_state: json(&json!({ "public_access": null })), details: vec![detail] })
        }
        Target::Account { id, account } => {
            let allow = get_account(ctx, &id).await?;
            let containers = public_containers(ctx, &account).await?;
            let prior = Prior { account_id: Some(id.clone()), account: account.clone(), allow_blob_public_access: allow, containers: containers.clone() };
            if allow == Some(false) && containers.is_empty() {
                return Ok(unchanged(json(&prior), format!("storage account {account} already disallows public blob access")));
            }
            let mut details = Vec::new();
            if allow != Some(false) {
                details.push(format!("set allowBlobPublicAccess=false on storage account {account} (was {})", allow.map_or("unset".to_string(), |a| a.to_string())));
            }
            for (c, level) in &containers {
                details.push(format!("set container {account}/{c} from public access `{level}` to private"));
            }
            if dry_run(request) {
                return Ok(ActionOutcome { changed: true, prior_state: json(&prior), new_state: Value::Null, details: details.into_iter().map(|d| format!("would {d}")).collect() });
            }
            let after = if allow != Some(false) { patch_account(ctx, &id, Some(false)).await? } else { allow };
            for (c, _) in &containers {
                set_level(ctx, &account, c, None).await?;
            }
            // Verify: the account reads back false and no container is public.
            let read_back = get_account(ctx, &id).await?;
            if read_back != Some(false) || after != Some(false) {
                return Err(ActionError::Verification(format!("storage account {account}: allowBlobPublicAccess reads back {read_back:?}")));
            }
            let still = public_containers(ctx, &account).await?;
            if !still.is_empty() {
                return Err(ActionError::Verification(format!("containers still public: {still:?}")));
            }
            Ok(ActionOutcome { changed: true, prior_state: json(&prior), new_state: json(&json!({ "allowBlobPublicAccess": false, "public_containers": [] })), details })
        }
    }
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    let p: Prior = prior(record)?;
    let mut details = Vec::new();
    if let Some(id) = &p.account_id {
        if p.allow_blob_public_access != Some(false) {
            let now = get_account(ctx, id).await?;
            if now != p.allow_blob_public_access {
                patch_account(ctx, id, p.allow_blob_public_access).await?;
                details.push(format!("restored allowBlobPublicAccess={:?} on {}", p.allow_blob_public_access, p.account));
            }
        }
    }
    for (c, level) in &p.containers {
        if container_level(ctx, &p.account, c).await?.as_deref() != Some(level.as_str()) {
            set_level(ctx, &p.account, c, Some(level)).await?;
            details.push(format!("restored public access `{level}` on container {}/{c}", p.account));
        }
    }
    if details.is_empty() {
        return Ok(unchanged(record.prior_state.clone(), "already in the recorded prior state".into()));
    }
    Ok(ActionOutcome { changed: true, prior_state: record.new_state.clone(), new_state: record.prior_state.clone(), details })
}

