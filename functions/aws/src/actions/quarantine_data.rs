//! quarantine-data: move suspect objects into a quarantine bucket, tagged with their origin.
//!
//! Order is what makes it safe: copy (`CopyObject`, metadata kept, origin tags added), verify
//! the copy (size and ETag read back from the quarantine bucket), and only then delete the
//! original. Any failure before the delete leaves the original where it was; a failure after
//! the copy leaves two copies, never none. In a versioned bucket the delete only adds a delete
//! marker. Undo copies the object back (with its original tags), verifies, then removes the
//! quarantine copy. Objects over 5 GB need a multipart copy and are refused.
use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::model::ResourceKind;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use aws_sdk_s3::types::{MetadataDirective, TaggingDirective};
use serde::{Deserialize, Serialize};
use tracing::info;

use super::{bucket_name, dry_run, json, object_location, prior, unchanged, Ctx};
use crate::error::{action_error, class_of, ErrorClass, SdkResultExt};

pub const PERMISSIONS: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectTagging",
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:DeleteObject",
    "s3:ListBucket",
];

/// CopyObject's limit for a single-request copy.
const MAX_COPY_BYTES: i64 = 5 * 1024 * 1024 * 1024;

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "S3 `CopyObject` into the quarantine bucket with origin tags, `HeadObject` verifies size and ETag, then `DeleteObject` of the original",
    undo: "copied back with its original tags, verified, then the quarantine copy deleted",
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    pub bucket: String,
    pub key: String,
    pub size: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prior {
    pub origin: ObjectMeta,
    /// The object's own tags (restored on undo).
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    pub quarantine_bucket: String,
    pub quarantine_key: String,
}

async fn head(ctx: &Ctx<'_>, bucket: &str, key: &str) -> Result<Option<ObjectMeta>, ActionError> {
    match ctx
        .clients
        .s3
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
    {
        Ok(out) => Ok(Some(ObjectMeta {
            bucket: bucket.to_string(),
            key: key.to_string(),
            size: out.content_length().unwrap_or_default(),
            etag: out.e_tag().map(str::to_string),
            version_id: out.version_id().map(str::to_string),
        })),
        Err(e) if class_of(&e) == ErrorClass::NotFound => Ok(None),
        Err(e) => Err(action_error(
            &format!("s3:HeadObject s3://{bucket}/{key}"),
            e,
        )),
    }
}

async fn tags(
    ctx: &Ctx<'_>,
    bucket: &str,
    key: &str,
) -> Result<Vec<(String, String)>, ActionError> {
    let out = ctx
        .clients
        .s3
        .get_object_tagging()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .ctx(|| format!("s3:GetObjectTagging s3://{bucket}/{key}"))?;
    Ok(out
        .tag_set()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
}

/// Percent-encode for a URL path or query (RFC 3986 unreserved kept; `/` kept when `path`).
fn encode(text: &str, path: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b'/' if path => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// S3 tag values allow letters, digits, spaces and `+ - = . _ : / @`, up to 256 characters.
fn tag_value(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() || " +-=._:/@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(256)
        .collect()
}

fn tagging(tags: &[(String, String)]) -> String {
    tags.iter()
        .map(|(k, v)| format!("{}={}", encode(k, false), encode(v, false)))
        .collect::<Vec<_>>()
        .join("&")
}

async fn copy(
    ctx: &Ctx<'_>,
    from: &ObjectMeta,
    to_bucket: &str,
    to_key: &str,
    tags: &[(String, String)],
) -> Result<(), ActionError> {
    if from.size > MAX_COPY_BYTES {
        return Err(ActionError::Invalid(format!(
            "s3://{}/{} is {} bytes; objects over 5 GB need a multipart copy, which aiir does not do",
            from.bucket, from.key, from.size
        )));
    }
    // The current version (the one HeadObject just read). Naming its version id would need
    // s3:GetObjectVersion(Tagging) on top of the declared permissions.
    let source = format!("{}/{}", from.bucket, encode(&from.key, true));
    ctx.clients
        .s3
        .copy_object()
        .bucket(to_bucket)
        .key(to_key)
        .copy_source(source)
        .metadata_directive(MetadataDirective::Copy)
        .tagging_directive(TaggingDirective::Replace)
        .tagging(tagging(tags))
        .send()
        .await
        .ctx(|| {
            format!(
                "s3:CopyObject s3://{}/{} -> s3://{to_bucket}/{to_key}",
                from.bucket, from.key
            )
        })?;
    Ok(())
}

/// The copy exists with the same size, and the same ETag when both are plain MD5 ETags.
fn verified(original: &ObjectMeta, copy: Option<&ObjectMeta>) -> bool {
    copy.is_some_and(|c| {
        c.size == original.size
            && match (&original.etag, &c.etag) {
                (Some(a), Some(b)) if !a.contains('-') && !b.contains('-') => a == b,
                _ => true,
            }
    })
}

async fn delete(ctx: &Ctx<'_>, bucket: &str, key: &str) -> Result<(), ActionError> {
    ctx.clients
        .s3
        .delete_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .ctx(|| format!("s3:DeleteObject s3://{bucket}/{key}"))?;
    Ok(())
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let ActionSpec::QuarantineData { quarantine_bucket } = request.action else {
        return Err(ActionError::Invalid("not a quarantine-data action".into()));
    };
    if request.target.kind != ResourceKind::Object {
        return Err(ActionError::Invalid(format!(
            "quarantine-data acts on objects (`bucket/key`), not a {:?} ({})",
            request.target.kind, request.target.id
        )));
    }
    let (bucket, key) = object_location(&request.target.id).ok_or_else(|| {
        ActionError::Invalid(format!("`{}` is not `bucket/key`", request.target.id))
    })?;
    let qbucket = bucket_name(quarantine_bucket);
    if qbucket == bucket {
        return Err(ActionError::Invalid(format!(
            "s3://{bucket}/{key} is already in the quarantine bucket"
        )));
    }
    let qkey = format!("{bucket}/{key}");
    let quarantined = head(ctx, qbucket, &qkey).await?;
    let Some(original) = head(ctx, bucket, key).await? else {
        return match quarantined {
            Some(q) => Ok(unchanged(
                json(&q),
                format!("s3://{bucket}/{key} is already quarantined at s3://{qbucket}/{qkey}"),
            )),
            None => Err(ActionError::NotFound(format!(
                "object s3://{bucket}/{key} (and no quarantined copy)"
            ))),
        };
    };
    let own_tags = tags(ctx, bucket, key).await?;
    let prior_state = Prior {
        origin: original.clone(),
        tags: own_tags.clone(),
        quarantine_bucket: qbucket.to_string(),
        quarantine_key: qkey.clone(),
    };
    let mut copy_tags = vec![
        ("aiir:quarantined".to_string(), "true".to_string()),
        ("aiir:origin-bucket".to_string(), tag_value(bucket)),
        ("aiir:origin-key".to_string(), tag_value(key)),
        ("aiir:incident".to_string(), tag_value(&request.incident.id)),
    ];
    // S3 allows 10 tags per object: keep the object's own tags when they fit (they are in the
    // prior state either way).
    if own_tags.len() + copy_tags.len() <= 10 {
        copy_tags.extend(
            own_tags
                .iter()
                .filter(|(k, _)| !k.starts_with("aiir:"))
                .cloned(),
        );
    }
    let plan = vec![
        format!(
            "copy s3://{bucket}/{key} ({} bytes) to s3://{qbucket}/{qkey} tagged aiir:origin-bucket={bucket}, aiir:origin-key={key}, aiir:incident={}",
            original.size, request.incident.id
        ),
        format!("verify the copy (size, ETag), then delete the original s3://{bucket}/{key}"),
    ];
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&prior_state),
            new_state: json(&ObjectMeta {
                bucket: qbucket.to_string(),
                key: qkey,
                ..original
            }),
            details: plan.into_iter().map(|p| format!("would {p}")).collect(),
        });
    }
    info!(incident_id = %request.incident.id, action = "quarantine-data", resource = %request.target.id, quarantine = %qbucket, "quarantining object");
    if !verified(&original, quarantined.as_ref()) {
        copy(ctx, &original, qbucket, &qkey, &copy_tags).await?;
    }
    let copy_meta = head(ctx, qbucket, &qkey).await?;
    if !verified(&original, copy_meta.as_ref()) {
        return Err(ActionError::Verification(format!(
            "copy at s3://{qbucket}/{qkey} does not match s3://{bucket}/{key}; the original was NOT deleted"
        )));
    }
    delete(ctx, bucket, key).await?;
    if head(ctx, bucket, key).await?.is_some() {
        return Err(ActionError::Verification(format!(
            "s3://{bucket}/{key} still readable after DeleteObject"
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&prior_state),
        new_state: json(&copy_meta),
        details: vec![
            plan[0].replacen("copy", "copied", 1),
            format!("verified the copy at s3://{qbucket}/{qkey}, then deleted the original s3://{bucket}/{key}"),
        ],
    })
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    let prior: Prior = prior(record)?;
    let (bucket, key) = (prior.origin.bucket.as_str(), prior.origin.key.as_str());
    let (qbucket, qkey) = (
        prior.quarantine_bucket.as_str(),
        prior.quarantine_key.as_str(),
    );
    let restored = head(ctx, bucket, key).await?;
    let quarantined = head(ctx, qbucket, qkey).await?;
    let mut details = Vec::new();
    match (&restored, &quarantined) {
        (Some(r), None) if verified(&prior.origin, Some(r)) => {
            return Ok(unchanged(
                json(r),
                format!("s3://{bucket}/{key} is back in place; no quarantined copy left"),
            ));
        }
        (None, None) => {
            return Err(ActionError::NotFound(format!(
                "neither s3://{bucket}/{key} nor its quarantined copy s3://{qbucket}/{qkey} exists"
            )));
        }
        (_, Some(q)) => {
            if !verified(&prior.origin, restored.as_ref()) {
                let from = ObjectMeta {
                    version_id: None,
                    ..q.clone()
                };
                copy(ctx, &from, bucket, key, &prior.tags).await?;
                details.push(format!("copied s3://{qbucket}/{qkey} back to s3://{bucket}/{key} with its original tags"));
            }
        }
        (Some(_), None) => {
            return Err(ActionError::Invalid(format!(
                "s3://{bucket}/{key} exists but differs from the quarantined object, and no quarantined copy is left: left alone"
            )));
        }
    }
    let back = head(ctx, bucket, key).await?;
    if !verified(&prior.origin, back.as_ref()) {
        return Err(ActionError::Verification(format!(
            "s3://{bucket}/{key} does not match the original after copying back; the quarantined copy was kept"
        )));
    }
    delete(ctx, qbucket, qkey).await?;
    details.push(format!(
        "verified s3://{bucket}/{key}, then deleted the quarantined copy s3://{qbucket}/{qkey}"
    ));
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&quarantined),
        new_state: json(&back),
        details,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding() {
        assert_eq!(
            encode("data/train set+1.csv", true),
            "data/train%20set%2B1.csv"
        );
        assert_eq!(
            tagging(&[("aiir:origin-key".into(), "a/b c".into())]),
            "aiir%3Aorigin-key=a%2Fb%20c"
        );
        assert_eq!(tag_value("a/b?c"), "a/b_c");
    }
}
