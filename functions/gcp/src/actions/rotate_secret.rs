//! `rotate-secret` on Secret Manager (REST v1): a new version with a fresh random value
//! (`secrets.addVersion`), then every previously enabled version disabled
//! (`versions.disable`); read back. Consumers reading `latest` get the new value; whoever
//! owns the credential is told by the notify step to re-issue it upstream.
//!
//! Idempotent: the secret's annotations record the step that rotated it
//! (`aiir-rotation-step`, `aiir-rotation-version`); a retried step reuses that version
//! instead of adding another. Undo re-enables the previously enabled versions (the new
//! version stays enabled: both work until someone disables one). The secret value is
//! generated here, sent once, never logged and never stored in a record.
use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use base64::Engine;
use rand::RngCore;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{api, dry_run, json, prior, qualified, unchanged, Ctx};

pub const STEP_ANNOTATION: &str = "aiir-rotation-step";
pub const VERSION_ANNOTATION: &str = "aiir-rotation-version";

pub fn required_permissions() -> &'static [&'static str] {
    &[
        "secretmanager.secrets.get",
        "secretmanager.secrets.update",
        "secretmanager.versions.add",
        "secretmanager.versions.list",
        "secretmanager.versions.get",
        "secretmanager.versions.disable",
        "secretmanager.versions.enable",
    ]
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "Secret Manager `secrets.addVersion` with a fresh random value, then `versions.disable` on every previously enabled version; the step recorded in the secret's annotations",
    undo: "`versions.enable` on the previously enabled versions (the new version stays enabled)",
};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Prior {
    pub secret: String,
    /// Versions enabled before (full names), now disabled.
    pub disabled_versions: Vec<String>,
    /// The version aiir added.
    pub new_version: Option<String>,
}

fn base(ctx: &Ctx<'_>) -> String {
    format!(
        "{}/v1",
        ctx.clients.endpoints.secret_manager.trim_end_matches('/')
    )
}

async fn call(
    ctx: &Ctx<'_>,
    op: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, ActionError> {
    ctx.clients
        .call(op, method, &format!("{}/{path}", base(ctx)), body)
        .await
        .map_err(api)
}

/// Names of the enabled versions, all pages.
async fn enabled_versions(ctx: &Ctx<'_>, secret: &str) -> Result<Vec<String>, ActionError> {
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut path = format!("{secret}/versions?filter=state%3AENABLED");
        if let Some(t) = &token {
            path.push_str(&format!("&pageToken={}", crate::clients::enc(t)));
        }
        let page = call(
            ctx,
            &format!("secretmanager.versions.list {secret}"),
            Method::GET,
            &path,
            None,
        )
        .await?;
        for v in page
            .get("versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if v.get("state").and_then(Value::as_str) == Some("ENABLED") {
                if let Some(n) = v.get("name").and_then(Value::as_str) {
                    names.push(n.to_string());
                }
            }
        }
        match page.get("nextPageToken").and_then(Value::as_str) {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(names),
        }
    }
}

async fn version_state(ctx: &Ctx<'_>, version: &str) -> Result<String, ActionError> {
    let v = call(
        ctx,
        &format!("secretmanager.versions.get {version}"),
        Method::GET,
        version,
        None,
    )
    .await?;
    Ok(v.get("state")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string())
}

/// 32 random bytes, URL-safe base64 (43 characters).
fn new_value() -> Vec<u8> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(bytes)
        .into_bytes()
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    if !matches!(request.action, ActionSpec::RotateSecret { .. }) {
        return Err(ActionError::Invalid(
            "rotate-secret called with another action".into(),
        ));
    }
    let id = request
        .target
        .id
        .split("/versions/")
        .next()
        .unwrap_or(&request.target.id);
    let secret = qualified(ctx.clients, id, "secrets")?;
    let meta = call(
        ctx,
        &format!("secretmanager.secrets.get {secret}"),
        Method::GET,
        &secret,
        None,
    )
    .await?;
    let annotations = meta.get("annotations").cloned().unwrap_or(json!({}));
    let already = (annotations.get(STEP_ANNOTATION).and_then(Value::as_str)
        == Some(request.step_id))
    .then(|| {
        annotations
            .get(VERSION_ANNOTATION)
            .and_then(Value::as_str)
            .map(String::from)
    })
    .flatten();
    let enabled = enabled_versions(ctx, &secret).await?;
    let to_disable: Vec<String> = enabled
        .iter()
        .filter(|v| Some(*v) != already.as_ref())
        .cloned()
        .collect();
    if already.is_some() && to_disable.is_empty() {
        return Ok(unchanged(
            json!({ "secret": secret, "new_version": already }),
            format!("{secret}: already rotated by this step"),
        ));
    }
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&Prior {
                secret: secret.clone(),
                disabled_versions: to_disable.clone(),
                new_version: None,
            }),
            new_state: Value::Null,
            details: vec![format!(
                "would add a new version to {secret} and disable {}",
                if to_disable.is_empty() {
                    "nothing".to_string()
                } else {
                    to_disable.join(", ")
                }
            )],
        });
    }
    let new_version = match already {
        Some(v) => v,
        None => {
            let data = new_value();
            let crc = crc32c_of(&data);
            let body = json!({ "payload": {
                "data": base64::engine::general_purpose::STANDARD.encode(&data),
                "dataCrc32c": crc.to_string(),
            }});
            let added = call(
                ctx,
                &format!("secretmanager.secrets.addVersion {secret}"),
                Method::POST,
                &format!("{secret}:addVersion"),
                Some(&body),
            )
            .await?;
            let name = added
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    ActionError::Invalid(format!("{secret}: addVersion returned no name"))
                })?
                .to_string();
            let mut new_annotations = annotations.clone();
            new_annotations[STEP_ANNOTATION] = json!(request.step_id);
            new_annotations[VERSION_ANNOTATION] = json!(name);
            let patch = json!({ "annotations": new_annotations });
            call(
                ctx,
                &format!("secretmanager.secrets.patch {secret}"),
                Method::PATCH,
                &format!("{secret}?updateMask=annotations"),
                Some(&patch),
            )
            .await?;
            name
        }
    };
    let mut details = vec![format!("added {new_version}")];
    for v in &to_disable {
        call(
            ctx,
            &format!("secretmanager.versions.disable {v}"),
            Method::POST,
            &format!("{v}:disable"),
            Some(&json!({})),
        )
        .await?;
        details.push(format!("disabled {v}"));
    }
    // Verify.
    if version_state(ctx, &new_version).await? != "ENABLED" {
        return Err(ActionError::Verification(format!(
            "{new_version} is not enabled"
        )));
    }
    for v in &to_disable {
        let state = version_state(ctx, v).await?;
        if state != "DISABLED" {
            return Err(ActionError::Verification(format!(
                "{v} is {state}, expected DISABLED"
            )));
        }
    }
    let before = Prior {
        secret: secret.clone(),
        disabled_versions: to_disable,
        new_version: Some(new_version.clone()),
    };
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&before),
        new_state: json!({ "secret": secret, "enabled": [new_version] }),
        details,
    })
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    let before: Prior = prior(record)?;
    let mut details = Vec::new();
    for v in &before.disabled_versions {
        if version_state(ctx, v).await? == "ENABLED" {
            continue;
        }
        call(
            ctx,
            &format!("secretmanager.versions.enable {v}"),
            Method::POST,
            &format!("{v}:enable"),
            Some(&json!({})),
        )
        .await?;
        details.push(format!("re-enabled {v}"));
    }
    for v in &before.disabled_versions {
        let state = version_state(ctx, v).await?;
        if state != "ENABLED" {
            return Err(ActionError::Verification(format!(
                "{v} is {state} after enable"
            )));
        }
    }
    if details.is_empty() {
        details.push(format!(
            "{}: previous versions already enabled",
            before.secret
        ));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: record.new_state.clone(),
        new_state: json!({ "secret": before.secret, "enabled": before.disabled_versions, "kept": before.new_version }),
        details,
    })
}

/// CRC32C (Castagnoli) of the payload, which Secret Manager verifies on `addVersion`.
pub fn crc32c_of(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0x82F6_3B78 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_check_value() {
        // RFC 3720 B.4 / the CRC catalogue check value for "123456789".
        assert_eq!(crc32c_of(b"123456789"), 0xE306_9283);
    }

    #[test]
    fn values_are_random_and_long() {
        let (a, b) = (new_value(), new_value());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }
}
