//! `enforce-encryption` on Cloud Storage (CMEK): the bucket's default KMS key
//! (`encryption.defaultKmsKeyName`) set with `buckets.patch` (`ifMetagenerationMatch`) and
//! read back. New objects are then encrypted with the key; existing objects keep their key
//! (rewrite them to re-encrypt). Undo restores the previous default key, or none.
use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{api, dry_run, json, prior, unchanged, Ctx};
use crate::gcs::{bucket_name, int64, Gcs};

pub fn required_permissions() -> &'static [&'static str] {
    &["storage.buckets.get", "storage.buckets.update"]
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "Cloud Storage `buckets.patch` of `encryption.defaultKmsKeyName` (`ifMetagenerationMatch`); existing objects keep their key until rewritten",
    undo: "`buckets.patch` with the recorded default key, or none",
};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Prior {
    pub bucket: String,
    pub default_kms_key_name: Option<String>,
}

/// `projects/P/locations/L/keyRings/R/cryptoKeys/K`.
pub fn is_kms_key(key: &str) -> bool {
    let parts: Vec<&str> = key.split('/').collect();
    parts.len() == 8
        && parts[0] == "projects"
        && parts[2] == "locations"
        && parts[4] == "keyRings"
        && parts[6] == "cryptoKeys"
        && parts.iter().all(|p| !p.is_empty())
}

fn current_key(bucket: &Value) -> Option<String> {
    bucket
        .get("encryption")
        .and_then(|e| e.get("defaultKmsKeyName"))
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())
        .map(String::from)
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let ActionSpec::EnforceEncryption { kms_key, .. } = request.action else {
        return Err(ActionError::Invalid(
            "enforce-encryption called with another action".into(),
        ));
    };
    let key = kms_key.trim();
    if !is_kms_key(key) {
        return Err(ActionError::Invalid(format!(
            "kms_key `{key}` is not a Cloud KMS key (projects/P/locations/L/keyRings/R/cryptoKeys/K)"
        )));
    }
    let gcs = Gcs::new(ctx.clients);
    let bucket = bucket_name(&request.target.id).to_string();
    let meta = gcs.get_bucket(&bucket).await.map_err(api)?;
    let before = Prior {
        bucket: bucket.clone(),
        default_kms_key_name: current_key(&meta),
    };
    if before.default_kms_key_name.as_deref() == Some(key) {
        return Ok(unchanged(
            json(&before),
            format!("gs://{bucket}: default key already {key}"),
        ));
    }
    let detail = format!(
        "set the default KMS key of gs://{bucket} to {key} (was {})",
        before
            .default_kms_key_name
            .as_deref()
            .unwrap_or("Google-managed")
    );
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&before),
            new_state: json!({ "bucket": bucket, "default_kms_key_name": key }),
            details: vec![format!("would {detail}")],
        });
    }
    let body = json!({ "encryption": { "defaultKmsKeyName": key } });
    gcs.patch_bucket(&bucket, &body, int64(&meta, "metageneration"))
        .await
        .map_err(api)?;
    let after = current_key(&gcs.get_bucket(&bucket).await.map_err(api)?);
    if after.as_deref() != Some(key) {
        return Err(ActionError::Verification(format!(
            "gs://{bucket}: default key is {after:?} after setting {key}"
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&before),
        new_state: json!({ "bucket": bucket, "default_kms_key_name": after }),
        details: vec![detail],
    })
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    let before: Prior = prior(record)?;
    let gcs = Gcs::new(ctx.clients);
    let meta = gcs.get_bucket(&before.bucket).await.map_err(api)?;
    if current_key(&meta) == before.default_kms_key_name {
        return Ok(unchanged(
            json(&before),
            format!("gs://{}: default key already restored", before.bucket),
        ));
    }
    // `null` clears the field (JSON API patch semantics).
    let body = json!({ "encryption": { "defaultKmsKeyName": before.default_kms_key_name } });
    gcs.patch_bucket(&before.bucket, &body, int64(&meta, "metageneration"))
        .await
        .map_err(api)?;
    let after = current_key(&gcs.get_bucket(&before.bucket).await.map_err(api)?);
    if after != before.default_kms_key_name {
        return Err(ActionError::Verification(format!(
            "gs://{}: default key is {after:?}",
            before.bucket
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: record.new_state.clone(),
        new_state: json(&before),
        details: vec![format!(
            "restored the default key of gs://{} to {}",
            before.bucket,
            before
                .default_kms_key_name
                .as_deref()
                .unwrap_or("Google-managed")
        )],
    })
}
