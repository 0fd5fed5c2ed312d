//! lock-public-access: no anonymous reads from a storage account or container.
//!
//! Everything goes through Resource Manager (api-version 2023-05-01), because the Blob data
//! plane's Get/Set Container ACL do not accept Microsoft Entra (OAuth) tokens — in Azure and in
//! Azurite alike — and aiir never uses shared keys:
//! - account target (`…/storageAccounts/{name}`): `GET` the account, `PATCH
//!   {"properties": {"allowBlobPublicAccess": false}}`, then list
//!   `…/blobServices/default/containers` and `PATCH` each container whose `publicAccess` is not
//!   `None` to `{"properties": {"publicAccess": "None"}}`;
//! - container target (`…/blobServices/default/containers/{name}`): that container only.
//!
//! Verified by reading back. Prior state: the account's `allowBlobPublicAccess` (absent means
//! the service default) and each changed container's level; undo restores exactly those.
use aiir_core::action::ActionDoc;
use aiir_core::audit::StepRecord;
use aiir_core::intake::azure::resource_id::ArmId;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

use super::{dry_run, json, prior, unchanged, Ctx, STORAGE_API_VERSION};
use crate::clients::Endpoints;
use crate::credential::scopes;

pub const PERMISSIONS: &[&str] = &[
    "Microsoft.Storage/storageAccounts/read",
    "Microsoft.Storage/storageAccounts/write",
    "Microsoft.Storage/storageAccounts/blobServices/containers/read",
    "Microsoft.Storage/storageAccounts/blobServices/containers/write",
];

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "Resource Manager (Storage 2023-05-01): `PATCH` the account to `allowBlobPublicAccess = false` and every public container to `publicAccess = None`",
    undo: "`PATCH` the recorded account setting and each changed container's access level back",
};

/// Most container pages followed (5,000 containers at the default page size of 5,000 … ample).
const MAX_PAGES: usize = 100;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Prior {
    /// ARM id of the account, when the target was an account.
    #[serde(default)]
    pub account_id: Option<String>,
    /// `allowBlobPublicAccess` before (None: not set, the service default).
    #[serde(default)]
    pub allow_blob_public_access: Option<bool>,
    /// Containers made private: (ARM id, previous `publicAccess`: `Blob` | `Container`).
    #[serde(default)]
    pub containers: Vec<(String, String)>,
}

enum Target {
    Account(String),
    Container(String),
}

fn target(id: &str) -> Result<Target, ActionError> {
    let arm = ArmId::parse(id).ok_or_else(|| {
        ActionError::Invalid(format!(
            "{id}: lock-public-access needs a storage account or container ARM id"
        ))
    })?;
    match arm.full_type().as_str() {
        "microsoft.storage/storageaccounts" => Ok(Target::Account(id.trim().to_string())),
        "microsoft.storage/storageaccounts/blobservices/containers" => {
            Ok(Target::Container(id.trim().to_string()))
        }
        _ => Err(ActionError::Invalid(format!(
            "{id} is not a storage account or blob container"
        ))),
    }
}

fn arm_url(ctx: &Ctx<'_>, path: &str) -> Result<Url, ActionError> {
    let base = ctx.clients.endpoints.arm_base();
    Url::parse(&format!("{base}{path}?api-version={STORAGE_API_VERSION}"))
        .map_err(|e| ActionError::Invalid(format!("{path}: {e}")))
}

async fn get_account(ctx: &Ctx<'_>, id: &str) -> Result<Option<bool>, ActionError> {
    let reply = ctx
        .clients
        .call(
            "storage accounts: get properties",
            Method::GET,
            arm_url(ctx, id)?,
            scopes::ARM,
            &[],
            None,
        )
        .await?;
    Ok(reply
        .body
        .pointer("/properties/allowBlobPublicAccess")
        .and_then(Value::as_bool))
}

async fn patch_account(ctx: &Ctx<'_>, id: &str, allow: Option<bool>) -> Result<(), ActionError> {
    let body = json!({ "properties": { "allowBlobPublicAccess": allow } });
    ctx.clients
        .call(
            "storage accounts: update",
            Method::PATCH,
            arm_url(ctx, id)?,
            scopes::ARM,
            &[],
            Some(&body),
        )
        .await?;
    Ok(())
}

fn level_of(container: &Value) -> String {
    container
        .pointer("/properties/publicAccess")
        .and_then(Value::as_str)
        .unwrap_or("None")
        .to_string()
}

async fn get_container(ctx: &Ctx<'_>, id: &str) -> Result<String, ActionError> {
    let reply = ctx
        .clients
        .call(
            "blob containers: get",
            Method::GET,
            arm_url(ctx, id)?,
            scopes::ARM,
            &[],
            None,
        )
        .await?;
    Ok(level_of(&reply.body))
}

async fn patch_container(ctx: &Ctx<'_>, id: &str, level: &str) -> Result<(), ActionError> {
    let body = json!({ "properties": { "publicAccess": level } });
    ctx.clients
        .call(
            "blob containers: update",
            Method::PATCH,
            arm_url(ctx, id)?,
            scopes::ARM,
            &[],
            Some(&body),
        )
        .await?;
    Ok(())
}

/// Containers of an account whose `publicAccess` is not `None`: (ARM id, level).
async fn public_containers(
    ctx: &Ctx<'_>,
    account_id: &str,
) -> Result<Vec<(String, String)>, ActionError> {
    let mut url = arm_url(
        ctx,
        &format!("{account_id}/blobServices/default/containers"),
    )?;
    let mut out = Vec::new();
    for _ in 0..MAX_PAGES {
        let reply = ctx
            .clients
            .call(
                "blob containers: list",
                Method::GET,
                url,
                scopes::ARM,
                &[],
                None,
            )
            .await?;
        for c in reply
            .body
            .get("value")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let level = level_of(c);
            if !level.eq_ignore_ascii_case("none") {
                let id = c
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| {
                        format!(
                            "{account_id}/blobServices/default/containers/{}",
                            c.get("name").and_then(Value::as_str).unwrap_or_default()
                        )
                    });
                out.push((id, level));
            }
        }
        match reply.body.get("nextLink").and_then(Value::as_str) {
            // Follow next pages on the same Resource Manager endpoint this process uses.
            Some(next) => url = Endpoints::rebase(next, Some(&ctx.clients.endpoints.arm_base()))?,
            None => return Ok(out),
        }
    }
    Err(ActionError::Invalid(format!(
        "{account_id}: more than {MAX_PAGES} pages of containers"
    )))
}

/// The account's containers in the form the prior state records (ids with the account's
/// spelling: list answers may use another letter case or, in examples, another account).
fn rehome(account_id: &str, containers: Vec<(String, String)>) -> Vec<(String, String)> {
    containers
        .into_iter()
        .map(|(id, level)| {
            let name = ArmId::parse(&id)
                .and_then(|a| a.name().map(str::to_string))
                .unwrap_or_default();
            (
                format!("{account_id}/blobServices/default/containers/{name}"),
                level,
            )
        })
        .collect()
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let (account_id, allow, containers) = match target(&request.target.id)? {
        Target::Container(id) => {
            let level = get_container(ctx, &id).await?;
            let public = if level.eq_ignore_ascii_case("none") {
                vec![]
            } else {
                vec![(id.clone(), level)]
            };
            (None, None, public)
        }
        Target::Account(id) => {
            let allow = get_account(ctx, &id).await?;
            let containers = rehome(&id, public_containers(ctx, &id).await?);
            (Some(id), allow, containers)
        }
    };
    let p = Prior {
        account_id: account_id.clone(),
        allow_blob_public_access: allow,
        containers: containers.clone(),
    };
    let account_open = account_id.is_some() && allow != Some(false);
    if !account_open && containers.is_empty() {
        return Ok(unchanged(
            json(&p),
            format!("{} already allows no public blob access", request.target.id),
        ));
    }
    let mut details = Vec::new();
    if account_open {
        details.push(format!(
            "set allowBlobPublicAccess=false on {} (was {})",
            request.target.id,
            allow.map_or("unset".to_string(), |a| a.to_string())
        ));
    }
    for (c, level) in &containers {
        details.push(format!(
            "set container {c} from publicAccess {level} to None"
        ));
    }
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&p),
            new_state: Value::Null,
            details: details.into_iter().map(|d| format!("would {d}")).collect(),
        });
    }
    if let (true, Some(id)) = (account_open, &account_id) {
        patch_account(ctx, id, Some(false)).await?;
    }
    for (c, _) in &containers {
        patch_container(ctx, c, "None").await?;
    }
    // Verify by reading back.
    if let Some(id) = &account_id {
        let now = get_account(ctx, id).await?;
        if now != Some(false) {
            return Err(ActionError::Verification(format!(
                "{id}: allowBlobPublicAccess reads back {now:?}"
            )));
        }
    }
    for (c, _) in &containers {
        let level = get_container(ctx, c).await?;
        if !level.eq_ignore_ascii_case("none") {
            return Err(ActionError::Verification(format!(
                "{c}: publicAccess reads back {level}"
            )));
        }
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&p),
        new_state: json(&json!({ "allowBlobPublicAccess": false, "public_containers": [] })),
        details,
    })
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    let p: Prior = prior(record)?;
    let mut details = Vec::new();
    if let Some(id) = &p.account_id {
        if p.allow_blob_public_access != Some(false)
            && get_account(ctx, id).await? != p.allow_blob_public_access
        {
            patch_account(ctx, id, p.allow_blob_public_access).await?;
            details.push(format!(
                "restored allowBlobPublicAccess={:?} on {id}",
                p.allow_blob_public_access
            ));
        }
    }
    for (c, level) in &p.containers {
        if !get_container(ctx, c).await?.eq_ignore_ascii_case(level) {
            patch_container(ctx, c, level).await?;
            details.push(format!("restored publicAccess {level} on {c}"));
        }
    }
    if details.is_empty() {
        return Ok(unchanged(
            record.prior_state.clone(),
            "already in the recorded prior state".into(),
        ));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: record.new_state.clone(),
        new_state: record.prior_state.clone(),
        details,
    })
}
