//! rotate-secret: a new Key Vault secret version with a fresh random value; the previous
//! version is kept (enabled) for undo.
//!
//! Key Vault data plane, api-version 7.4 (no crate in the current unified SDK covers the
//! secrets API with this build's transport, so it is called over REST with a token for
//! `https://vault.azure.net/.default`):
//! - `GET {vault}/secrets/{name}?api-version=7.4` — the current version (its `id`);
//! - `PUT {vault}/secrets/{name}?api-version=7.4` `{value, contentType, tags}` — the new version;
//! - verify: `GET {vault}/secrets/{name}` again shows the new version's id.
//!
//! Target (`Secret`): `https://{vault}.vault.azure.net/secrets/{name}` or the secret's ARM id
//! (`…/Microsoft.KeyVault/vaults/{vault}/secrets/{name}`). Applications that read the latest
//! version pick the new value up; the issuing service's credential (if the secret is one) must
//! be revoked there. Values are never logged or recorded: the prior state holds version ids.
//!
//! Idempotent: when the current version is tagged with this step's id, nothing is done.
//! Undo: the prior version's value is copied into a new version (read into memory only).
use aiir_core::action::ActionDoc;
use aiir_core::audit::StepRecord;
use aiir_core::intake::azure::resource_id::ArmId;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use base64::Engine;
use rand::RngCore;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

use super::{dry_run, json, prior, unchanged, Ctx, KEY_VAULT_API_VERSION};
use crate::clients::Endpoints;
use crate::credential::scopes;

pub const PERMISSIONS: &[&str] = &[
    "Microsoft.KeyVault/vaults/secrets/getSecret/action",
    "Microsoft.KeyVault/vaults/secrets/setSecret/action",
    "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
];

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "Key Vault (7.4) `PUT secrets/{name}`: a new version with a fresh random value, tagged with the step id; the previous version kept enabled",
    undo: "the recorded previous version's value copied into a new version (read into memory only)",
};

/// The tag that marks a version aiir wrote, with the step that wrote it.
pub const STEP_TAG: &str = "aiir-step";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Prior {
    pub vault_url: String,
    pub name: String,
    /// The version that was current before (its full id).
    pub previous_version_id: String,
    /// The version aiir created (set after apply).
    #[serde(default)]
    pub new_version_id: Option<String>,
}

/// `(vault base URL, secret name)` from a secret URL or ARM id.
pub fn locate(id: &str) -> Result<(String, String), ActionError> {
    if let Some(arm) = ArmId::parse(id) {
        if let (Some(vault), Some(name)) = (arm.name_of("vaults"), arm.name_of("secrets")) {
            return Ok((format!("https://{vault}.vault.azure.net"), name.to_string()));
        }
        return Err(ActionError::Invalid(format!(
            "{id} is not a Key Vault secret"
        )));
    }
    let url = Url::parse(id).map_err(|_| {
        ActionError::Invalid(format!("{id}: expected a Key Vault secret URL or ARM id"))
    })?;
    let mut segs = url
        .path_segments()
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty());
    match (segs.next(), segs.next()) {
        (Some("secrets"), Some(name)) => Ok((
            format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default()),
            name.to_string(),
        )),
        _ => Err(ActionError::Invalid(format!(
            "{id}: expected …/secrets/{{name}}"
        ))),
    }
}

fn secret_url(
    ctx: &Ctx<'_>,
    vault: &str,
    name: &str,
    version: Option<&str>,
) -> Result<Url, ActionError> {
    let path = match version {
        Some(v) => format!("{vault}/secrets/{name}/{v}?api-version={KEY_VAULT_API_VERSION}"),
        None => format!("{vault}/secrets/{name}?api-version={KEY_VAULT_API_VERSION}"),
    };
    Ok(Endpoints::rebase(
        &path,
        ctx.clients.endpoints.key_vault.as_deref(),
    )?)
}

/// The current version: (id, tags). The value in the response is dropped at once.
async fn current(ctx: &Ctx<'_>, vault: &str, name: &str) -> Result<(String, Value), ActionError> {
    let reply = ctx
        .clients
        .call(
            "key vault: get secret",
            Method::GET,
            secret_url(ctx, vault, name, None)?,
            scopes::KEY_VAULT,
            &[],
            None,
        )
        .await?;
    let id = reply
        .body
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            ActionError::Invalid(format!("{name}: Key Vault answered without a version id"))
        })?;
    Ok((id, reply.body.get("tags").cloned().unwrap_or(Value::Null)))
}

fn fresh_value() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn set(
    ctx: &Ctx<'_>,
    vault: &str,
    name: &str,
    value: String,
    step: &str,
    note: &str,
) -> Result<String, ActionError> {
    let body = json!({ "value": value, "contentType": "text/plain", "tags": { STEP_TAG: step, "aiir-note": note } });
    let reply = ctx
        .clients
        .call(
            "key vault: set secret",
            Method::PUT,
            secret_url(ctx, vault, name, None)?,
            scopes::KEY_VAULT,
            &[],
            Some(&body),
        )
        .await?;
    reply
        .body
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            ActionError::Verification(format!("{name}: set secret answered without a version id"))
        })
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let (vault, name) = locate(&request.target.id)?;
    let (version_id, tags) = current(ctx, &vault, &name).await?;
    if tags.get(STEP_TAG).and_then(Value::as_str) == Some(request.step_id) {
        return Ok(unchanged(
            json(&json!({ "version_id": version_id })),
            format!("secret {name} was already rotated by this step ({version_id})"),
        ));
    }
    let mut p = Prior {
        vault_url: vault.clone(),
        name: name.clone(),
        previous_version_id: version_id.clone(),
        new_version_id: None,
    };
    if dry_run(request) {
        return Ok(ActionOutcome { changed: true, prior_state: json(&p), new_state: Value::Null, details: vec![format!("would write a new version of secret {name} in {vault} (current {version_id} kept for undo)")] });
    }
    let new_id = set(
        ctx,
        &vault,
        &name,
        fresh_value(),
        request.step_id,
        &format!("rotated by aiir for {}", request.incident.id),
    )
    .await?;
    let (now_id, _) = current(ctx, &vault, &name).await?;
    if now_id != new_id || new_id == version_id {
        return Err(ActionError::Verification(format!(
            "secret {name}: current version is {now_id}, expected the new {new_id}"
        )));
    }
    p.new_version_id = Some(new_id.clone());
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&p),
        new_state: json(&json!({ "version_id": new_id })),
        details: vec![format!(
            "wrote new version {new_id} of secret {name}; previous {version_id} kept"
        )],
    })
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    let p: Prior = prior(record)?;
    let (now_id, tags) = current(ctx, &p.vault_url, &p.name).await?;
    // Already undone by this step (a redelivered undo): the current version is the one this
    // step's undo wrote. Another step's restore does not count: after two rotations, undoing
    // the later one restores the first rotation's value, and the earlier one must still run.
    if now_id == p.previous_version_id
        || (tags.get(STEP_TAG).and_then(Value::as_str) == Some(record.step_id.as_str())
            && tags
                .get("aiir-note")
                .and_then(Value::as_str)
                .is_some_and(|n| n.starts_with("restored by aiir")))
    {
        return Ok(unchanged(
            record.prior_state.clone(),
            format!("secret {} already has the prior value current", p.name),
        ));
    }
    let version = p
        .previous_version_id
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let reply = ctx
        .clients
        .call(
            "key vault: get secret version",
            Method::GET,
            secret_url(ctx, &p.vault_url, &p.name, Some(&version))?,
            scopes::KEY_VAULT,
            &[],
            None,
        )
        .await?;
    let value = reply
        .body
        .get("value")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            ActionError::NotFound(format!("secret {} version {version} has no value", p.name))
        })?;
    let restored = set(
        ctx,
        &p.vault_url,
        &p.name,
        value,
        &record.step_id,
        &format!("restored by aiir from {version}"),
    )
    .await?;
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&json!({ "version_id": now_id })),
        new_state: json(&json!({ "version_id": restored, "restored_from": p.previous_version_id })),
        details: vec![format!(
            "wrote version {restored} of secret {} with the value of {version}",
            p.name
        )],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_secrets() {
        assert_eq!(
            locate("https://myvault.vault.azure.net/secrets/crpsecret").unwrap(),
            ("https://myvault.vault.azure.net".into(), "crpsecret".into())
        );
        assert_eq!(
            locate("/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/myvault/secrets/api-key").unwrap(),
            ("https://myvault.vault.azure.net".into(), "api-key".into())
        );
        assert!(locate("not a secret").is_err());
    }
}
