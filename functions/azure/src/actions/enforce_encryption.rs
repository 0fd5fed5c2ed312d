//! enforce-encryption: a storage account encrypts with a customer-managed key (Key Vault).
//!
//! Resource Manager, api-version 2023-05-01 (the storage accounts api-version aiir uses):
//! - `GET {account}` — the current `properties.encryption` (`keySource`, `keyvaultproperties`,
//!   `services`, `identity`) and the account's managed `identity`;
//! - `PATCH {account}` `{"properties": {"encryption": {"keySource": "Microsoft.Keyvault",
//!   "keyvaultproperties": {"keyvaulturi", "keyname", "keyversion"}, "services": …}}}` — the
//!   shape of the official `StorageAccountEnableCMK` example (`services` and the encryption
//!   `identity` are sent back as read, so nothing else changes);
//! - verify: `GET {account}` reads back `keySource = Microsoft.Keyvault` with that key.
//!
//! Parameters: `kms_key` is the Key Vault key, `https://{vault}.vault.azure.net/keys/{name}`
//! (optionally `/{version}`; without one the account follows the key's latest version) or its
//! ARM id (`…/Microsoft.KeyVault/vaults/{vault}/keys/{name}`). Target: the storage account (a
//! container id is taken to its account).
//!
//! The account needs a managed identity that may use the key (get, wrapKey, unwrapKey); aiir
//! does not grant it: without an identity the action fails before writing anything.
//!
//! Prior state: `keySource` and, for a previous customer-managed key, its Key Vault properties.
//! Undo restores exactly those (Microsoft-managed keys or the previous key).
use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::intake::azure::resource_id::ArmId;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use url::Url;

use super::{arm_url, dry_run, json, prior, unchanged, Ctx, STORAGE_API_VERSION};
use crate::credential::scopes;

pub const PERMISSIONS: &[&str] = &[
    "Microsoft.Storage/storageAccounts/read",
    "Microsoft.Storage/storageAccounts/write",
];

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "Resource Manager (Storage 2023-05-01): `PATCH` the account's `encryption` to `keySource = Microsoft.Keyvault` with the Key Vault key (refused when the account has no managed identity)",
    undo: "`PATCH` the recorded key source back (Microsoft-managed keys or the previous key)",
};

pub const KEY_SOURCE_CMK: &str = "Microsoft.Keyvault";
pub const KEY_SOURCE_MICROSOFT: &str = "Microsoft.Storage";

/// `keyvaultproperties` as the storage API names them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeyVaultKey {
    pub keyvaulturi: String,
    pub keyname: String,
    #[serde(default)]
    pub keyversion: String,
}

impl KeyVaultKey {
    fn same_key(&self, other: &KeyVaultKey) -> bool {
        self.keyvaulturi
            .trim_end_matches('/')
            .eq_ignore_ascii_case(other.keyvaulturi.trim_end_matches('/'))
            && self.keyname.eq_ignore_ascii_case(&other.keyname)
            && self.keyversion == other.keyversion
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Prior {
    pub account_id: String,
    /// `Microsoft.Storage` or `Microsoft.Keyvault`.
    pub key_source: String,
    /// The previous customer-managed key, if there was one.
    #[serde(default)]
    pub key: Option<KeyVaultKey>,
}

/// The Key Vault key a `kms_key` names.
pub fn parse_key(kms_key: &str) -> Result<KeyVaultKey, ActionError> {
    let bad = || {
        ActionError::Invalid(format!(
            "kms_key {kms_key}: expected https://{{vault}}.vault.azure.net/keys/{{name}}[/{{version}}] or a Key Vault key ARM id"
        ))
    };
    if let Some(arm) = ArmId::parse(kms_key) {
        let (Some(vault), Some(name)) = (arm.name_of("vaults"), arm.name_of("keys")) else {
            return Err(bad());
        };
        return Ok(KeyVaultKey {
            keyvaulturi: format!("https://{vault}.vault.azure.net"),
            keyname: name.to_string(),
            keyversion: String::new(),
        });
    }
    let url = Url::parse(kms_key.trim()).map_err(|_| bad())?;
    let host = url.host_str().ok_or_else(bad)?;
    if url.scheme() != "https" {
        return Err(bad());
    }
    let segs: Vec<&str> = url
        .path_segments()
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
    match segs.as_slice() {
        ["keys", name] => Ok(KeyVaultKey {
            keyvaulturi: format!("https://{host}"),
            keyname: name.to_string(),
            keyversion: String::new(),
        }),
        ["keys", name, version] => Ok(KeyVaultKey {
            keyvaulturi: format!("https://{host}"),
            keyname: name.to_string(),
            keyversion: version.to_string(),
        }),
        _ => Err(bad()),
    }
}

/// The storage account of a target (an account or one of its containers).
pub fn account_of(id: &str) -> Result<String, ActionError> {
    let arm = ArmId::parse(id).ok_or_else(|| {
        ActionError::Invalid(format!(
            "{id}: enforce-encryption needs a storage account ARM id"
        ))
    })?;
    if arm.name_of("storageAccounts").is_none() {
        return Err(ActionError::Invalid(format!(
            "{id} is not a storage account"
        )));
    }
    let id = id.trim().trim_end_matches('/');
    let lower = id.to_ascii_lowercase();
    Ok(match lower.find("/blobservices/") {
        Some(i) => id[..i].to_string(),
        None => id.to_string(),
    })
}

/// What `GET {account}` says about encryption.
#[derive(Debug, Clone)]
struct Current {
    key_source: String,
    key: Option<KeyVaultKey>,
    has_identity: bool,
    /// `encryption.services` reduced to what may be sent (`keyType`, `enabled`).
    services: Option<Value>,
    /// `encryption.identity` (a user-assigned identity for the key), sent back unchanged.
    encryption_identity: Option<Value>,
}

impl Current {
    fn uses(&self, key: &KeyVaultKey) -> bool {
        self.key_source.eq_ignore_ascii_case(KEY_SOURCE_CMK)
            && self.key.as_ref().is_some_and(|k| k.same_key(key))
    }

    fn matches(&self, p: &Prior) -> bool {
        if p.key_source.eq_ignore_ascii_case(KEY_SOURCE_CMK) {
            p.key.as_ref().is_some_and(|k| self.uses(k))
        } else {
            self.key_source.eq_ignore_ascii_case(&p.key_source)
        }
    }
}

fn describe(source: &str, key: Option<&KeyVaultKey>) -> String {
    match key {
        Some(k) if source.eq_ignore_ascii_case(KEY_SOURCE_CMK) => format!(
            "{source} key {}/keys/{}{}",
            k.keyvaulturi.trim_end_matches('/'),
            k.keyname,
            if k.keyversion.is_empty() {
                String::new()
            } else {
                format!("/{}", k.keyversion)
            }
        ),
        _ => source.to_string(),
    }
}

async fn read(ctx: &Ctx<'_>, account: &str) -> Result<Current, ActionError> {
    let reply = ctx
        .clients
        .call(
            "storage accounts: get properties",
            Method::GET,
            arm_url(ctx, account, STORAGE_API_VERSION)?,
            scopes::ARM,
            &[],
            None,
        )
        .await?;
    let enc = reply
        .body
        .pointer("/properties/encryption")
        .cloned()
        .unwrap_or(Value::Null);
    let key_source = enc
        .get("keySource")
        .and_then(Value::as_str)
        .unwrap_or(KEY_SOURCE_MICROSOFT)
        .to_string();
    let key = enc.get("keyvaultproperties").and_then(|k| {
        Some(KeyVaultKey {
            keyvaulturi: k.get("keyvaulturi")?.as_str()?.to_string(),
            keyname: k.get("keyname")?.as_str()?.to_string(),
            keyversion: k
                .get("keyversion")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        })
    });
    let identity_type = reply
        .body
        .pointer("/identity/type")
        .and_then(Value::as_str)
        .unwrap_or("None");
    let encryption_identity = enc
        .get("identity")
        .filter(|i| i.as_object().is_some_and(|o| !o.is_empty()))
        .cloned();
    let services = enc.get("services").and_then(Value::as_object).map(|svcs| {
        let mut out = Map::new();
        for (name, s) in svcs {
            let mut one = Map::new();
            for field in ["keyType", "enabled"] {
                if let Some(v) = s.get(field) {
                    one.insert(field.to_string(), v.clone());
                }
            }
            out.insert(name.clone(), Value::Object(one));
        }
        Value::Object(out)
    });
    Ok(Current {
        key_source,
        key,
        has_identity: !identity_type.eq_ignore_ascii_case("none"),
        services,
        encryption_identity,
    })
}

/// The `PATCH` body that sets `source` (and `key` for customer-managed keys).
pub(crate) fn patch_body(
    source: &str,
    key: Option<&KeyVaultKey>,
    services: Option<&Value>,
    identity: Option<&Value>,
) -> Value {
    let mut enc = Map::new();
    if let Some(s) = services {
        enc.insert("services".into(), s.clone());
    }
    enc.insert("keySource".into(), json!(source));
    if let (true, Some(k)) = (source.eq_ignore_ascii_case(KEY_SOURCE_CMK), key) {
        enc.insert("keyvaultproperties".into(), json!(k));
    }
    if let Some(i) = identity {
        enc.insert("identity".into(), i.clone());
    }
    json!({ "properties": { "encryption": Value::Object(enc) } })
}

async fn patch(ctx: &Ctx<'_>, account: &str, body: &Value) -> Result<(), ActionError> {
    ctx.clients
        .call(
            "storage accounts: update encryption",
            Method::PATCH,
            arm_url(ctx, account, STORAGE_API_VERSION)?,
            scopes::ARM,
            &[],
            Some(body),
        )
        .await?;
    Ok(())
}

fn kms_key<'a>(request: &ActionRequest<'a>) -> Result<&'a str, ActionError> {
    match request.action {
        ActionSpec::EnforceEncryption { kms_key, .. } if !kms_key.trim().is_empty() => {
            Ok(kms_key.as_str())
        }
        _ => Err(ActionError::Invalid(
            "enforce-encryption needs kms_key (a Key Vault key)".into(),
        )),
    }
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let key = parse_key(kms_key(request)?)?;
    let account = account_of(&request.target.id)?;
    let now = read(ctx, &account).await?;
    let p = Prior {
        account_id: account.clone(),
        key_source: now.key_source.clone(),
        key: now
            .key
            .clone()
            .filter(|_| now.key_source.eq_ignore_ascii_case(KEY_SOURCE_CMK)),
    };
    if now.uses(&key) {
        return Ok(unchanged(
            json(&p),
            format!(
                "{account} already encrypts with {}",
                describe(KEY_SOURCE_CMK, Some(&key))
            ),
        ));
    }
    if !now.has_identity && now.encryption_identity.is_none() {
        return Err(ActionError::Invalid(format!(
            "{account} has no managed identity: assign one with get, wrapKey and unwrapKey on {} before enforcing a customer-managed key; nothing was changed",
            describe(KEY_SOURCE_CMK, Some(&key))
        )));
    }
    let detail = format!(
        "set encryption of {account} to {} (was {})",
        describe(KEY_SOURCE_CMK, Some(&key)),
        describe(&p.key_source, p.key.as_ref())
    );
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&p),
            new_state: Value::Null,
            details: vec![format!("would {detail}")],
        });
    }
    let body = patch_body(
        KEY_SOURCE_CMK,
        Some(&key),
        now.services.as_ref(),
        now.encryption_identity.as_ref(),
    );
    patch(ctx, &account, &body).await?;
    let after = read(ctx, &account).await?;
    if !after.uses(&key) {
        return Err(ActionError::Verification(format!(
            "{account}: encryption reads back {}",
            describe(&after.key_source, after.key.as_ref())
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&p),
        new_state: json(&json!({ "key_source": after.key_source, "key": after.key })),
        details: vec![detail],
    })
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    let p: Prior = prior(record)?;
    let now = read(ctx, &p.account_id).await?;
    if now.matches(&p) {
        return Ok(unchanged(
            record.prior_state.clone(),
            format!(
                "{} already encrypts with {}",
                p.account_id,
                describe(&p.key_source, p.key.as_ref())
            ),
        ));
    }
    let body = patch_body(
        &p.key_source,
        p.key.as_ref(),
        now.services.as_ref(),
        now.encryption_identity.as_ref(),
    );
    patch(ctx, &p.account_id, &body).await?;
    let after = read(ctx, &p.account_id).await?;
    if !after.matches(&p) {
        return Err(ActionError::Verification(format!(
            "{}: encryption reads back {} after undo",
            p.account_id,
            describe(&after.key_source, after.key.as_ref())
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: record.new_state.clone(),
        new_state: record.prior_state.clone(),
        details: vec![format!(
            "restored encryption of {} to {}",
            p.account_id,
            describe(&p.key_source, p.key.as_ref())
        )],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_and_accounts() {
        let k = parse_key("https://myvault8569.vault.azure.net/keys/wrappingKey").unwrap();
        assert_eq!(k.keyvaulturi, "https://myvault8569.vault.azure.net");
        assert_eq!(k.keyname, "wrappingKey");
        assert_eq!(k.keyversion, "");
        let k = parse_key("https://v.vault.azure.net/keys/k/0682afdd").unwrap();
        assert_eq!(k.keyversion, "0682afdd");
        let k = parse_key(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v/keys/k",
        )
        .unwrap();
        assert_eq!(
            (k.keyvaulturi.as_str(), k.keyname.as_str()),
            ("https://v.vault.azure.net", "k")
        );
        assert!(parse_key("http://v.vault.azure.net/keys/k").is_err());
        assert!(parse_key("https://v.vault.azure.net/secrets/k").is_err());
        let acct =
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a";
        assert_eq!(
            account_of(&format!("{acct}/blobServices/default/containers/c")).unwrap(),
            acct
        );
        assert!(
            account_of("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/x")
                .is_err()
        );
    }
}
