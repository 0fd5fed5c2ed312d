//! `quarantine-data` on Cloud Storage: each suspect object is rewritten (server-side copy,
//! `objects.rewrite`, pinned to the generation inspected) into the quarantine bucket as
//! `{origin bucket}/{object}`, its origin recorded in custom metadata (`aiir-origin-bucket`,
//! `aiir-origin-object`, `aiir-origin-generation`, `aiir-incident`, `aiir-step`), the copy
//! verified (size, MD5 / CRC32C equal to the source's), and only then the original deleted
//! (`ifGenerationMatch`: a newer upload is never deleted). Undo copies it back (only if no
//! object took its place) and removes the quarantined copy after verifying.
use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{api, dry_run, json, prior, Ctx};
use crate::gcs::{bucket_name, int64, object_location, Gcs};

pub fn required_permissions() -> &'static [&'static str] {
    &[
        "storage.objects.get",
        "storage.objects.create",
        "storage.objects.delete",
        "storage.objects.update",
    ]
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "Cloud Storage `objects.rewrite` pinned to the inspected generation into the quarantine bucket with origin metadata, MD5 / CRC32C verified, then `objects.delete` with `ifGenerationMatch`",
    undo: "rewritten back only if no object took its place (`ifGenerationMatch=0`), verified, then the quarantine copy deleted",
};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Prior {
    pub bucket: String,
    pub object: String,
    pub generation: i64,
    pub quarantine_bucket: String,
    pub quarantine_object: String,
    pub size: Option<String>,
    pub md5_hash: Option<String>,
    pub crc32c: Option<String>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(|x| match x {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// Same content: equal size and every checksum both sides have.
fn same_content(a: &Value, b: &Value) -> bool {
    let eq = |k: &str| match (text(a, k), text(b, k)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    text(a, "size") == text(b, "size")
        && eq("md5Hash")
        && eq("crc32c")
        && (text(a, "md5Hash").is_some() || text(a, "crc32c").is_some())
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let ActionSpec::QuarantineData { quarantine_bucket } = request.action else {
        return Err(ActionError::Invalid(
            "quarantine-data called with another action".into(),
        ));
    };
    let qbucket = bucket_name(quarantine_bucket).to_string();
    let (bucket, object) = object_location(&request.target.id).ok_or_else(|| {
        ActionError::Invalid(format!(
            "`{}` is not an object (bucket/object or gs://bucket/object)",
            request.target.id
        ))
    })?;
    if bucket == qbucket {
        return Err(ActionError::Invalid(format!(
            "gs://{bucket}/{object} is already in the quarantine bucket"
        )));
    }
    let qobject = format!("{bucket}/{object}");
    let gcs = Gcs::new(ctx.clients);
    let source = gcs.get_object(bucket, object).await.map_err(api)?;
    let quarantined = gcs.get_object(&qbucket, &qobject).await.map_err(api)?;
    let Some(source) = source else {
        // Idempotent repeat: already moved by an earlier attempt.
        return match quarantined {
            Some(q)
                if q.get("metadata")
                    .and_then(|m| m.get("aiir-origin-bucket"))
                    .and_then(Value::as_str)
                    == Some(bucket) =>
            {
                let state = json!({ "bucket": bucket, "object": object, "quarantine_bucket": qbucket, "quarantine_object": qobject });
                Ok(super::unchanged(
                    state,
                    format!(
                        "gs://{bucket}/{object} already quarantined in gs://{qbucket}/{qobject}"
                    ),
                ))
            }
            _ => Err(ActionError::NotFound(format!(
                "gs://{bucket}/{object} does not exist"
            ))),
        };
    };
    let generation = int64(&source, "generation").ok_or_else(|| {
        ActionError::Invalid(format!("gs://{bucket}/{object}: no generation in metadata"))
    })?;
    let before = Prior {
        bucket: bucket.to_string(),
        object: object.to_string(),
        generation,
        quarantine_bucket: qbucket.clone(),
        quarantine_object: qobject.clone(),
        size: text(&source, "size"),
        md5_hash: text(&source, "md5Hash"),
        crc32c: text(&source, "crc32c"),
    };
    let detail = format!("move gs://{bucket}/{object}#{generation} to gs://{qbucket}/{qobject}");
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&before),
            new_state: Value::Null,
            details: vec![format!(
                "would {detail} (copy verified before the original is deleted)"
            )],
        });
    }
    let metadata = json!({ "metadata": {
        "aiir-origin-bucket": bucket,
        "aiir-origin-object": object,
        "aiir-origin-generation": generation.to_string(),
        "aiir-incident": request.incident.id,
        "aiir-step": request.step_id,
    }});
    let copy = gcs
        .rewrite(
            (bucket, object),
            (&qbucket, &qobject),
            Some(generation),
            false,
            &metadata,
        )
        .await
        .map_err(api)?;
    // Set the origin metadata explicitly on the copy's generation (the rewrite request
    // carries it too; the patch makes the read-back below authoritative).
    let copy = gcs
        .patch_object(&qbucket, &qobject, &metadata, int64(&copy, "generation"))
        .await
        .map_err(api)?;
    let verified = gcs.get_object(&qbucket, &qobject).await.map_err(api)?;
    let Some(verified) = verified.filter(|v| same_content(&source, v)) else {
        return Err(ActionError::Verification(format!(
            "copy of gs://{bucket}/{object} in gs://{qbucket}/{qobject} does not match the source; original kept"
        )));
    };
    let origin_ok = verified
        .get("metadata")
        .and_then(|m| m.get("aiir-origin-bucket"))
        .and_then(Value::as_str)
        == Some(bucket);
    if !origin_ok {
        return Err(ActionError::Verification(format!(
            "gs://{qbucket}/{qobject}: origin metadata missing; original kept"
        )));
    }
    gcs.delete(bucket, object, Some(generation))
        .await
        .map_err(api)?;
    if gcs
        .get_object(bucket, object)
        .await
        .map_err(api)?
        .is_some_and(|o| int64(&o, "generation") == Some(generation))
    {
        return Err(ActionError::Verification(format!(
            "gs://{bucket}/{object}#{generation} still present"
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&before),
        new_state: json!({ "quarantine_bucket": qbucket, "quarantine_object": qobject, "generation": int64(&copy, "generation"), "md5Hash": text(&verified, "md5Hash") }),
        details: vec![detail],
    })
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    let before: Prior = prior(record)?;
    let gcs = Gcs::new(ctx.clients);
    let (b, o, qb, qo) = (
        &before.bucket,
        &before.object,
        &before.quarantine_bucket,
        &before.quarantine_object,
    );
    let quarantined = gcs.get_object(qb, qo).await.map_err(api)?;
    let origin = gcs.get_object(b, o).await.map_err(api)?;
    let Some(quarantined) = quarantined else {
        return match origin {
            Some(_) => Ok(super::unchanged(
                json(&before),
                format!("gs://{b}/{o} already restored"),
            )),
            None => Err(ActionError::NotFound(format!(
                "quarantined copy gs://{qb}/{qo} is gone"
            ))),
        };
    };
    if origin.is_none() {
        // Restore only where nothing took the object's place since.
        gcs.rewrite(
            (qb, qo),
            (b, o),
            int64(&quarantined, "generation"),
            true,
            &json!({}),
        )
        .await
        .map_err(api)?;
    }
    let restored = gcs.get_object(b, o).await.map_err(api)?;
    if !restored
        .as_ref()
        .is_some_and(|r| same_content(&quarantined, r))
    {
        return Err(ActionError::Verification(format!(
            "gs://{b}/{o} does not hold the quarantined content; quarantined copy kept"
        )));
    }
    gcs.delete(qb, qo, int64(&quarantined, "generation"))
        .await
        .map_err(api)?;
    Ok(ActionOutcome {
        changed: true,
        prior_state: record.new_state.clone(),
        new_state: json!({ "bucket": b, "object": o, "generation": restored.as_ref().and_then(|r| int64(r, "generation")) }),
        details: vec![format!(
            "restored gs://{b}/{o} from gs://{qb}/{qo} and removed the quarantined copy"
        )],
    })
}
