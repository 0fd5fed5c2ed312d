//! enforce-encryption: S3 default encryption SSE-KMS with the given key (S3 Bucket Key on).
//! The prior encryption rules are recorded; undo puts them back (or removes the
//! configuration when there was none).
use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::model::ResourceKind;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use aws_sdk_s3::types::{
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule,
};
use serde::{Deserialize, Serialize};
use tracing::info;

use super::{bucket_name, dry_run, json, prior, unchanged, Ctx};
use crate::error::{action_error, code_of, SdkResultExt};

pub const PERMISSIONS: &[&str] = &[
    // GetBucketEncryption / PutBucketEncryption / DeleteBucketEncryption are authorised as:
    "s3:GetEncryptionConfiguration",
    "s3:PutEncryptionConfiguration",
    // S3 checks that the caller may use the key when the default is set.
    "kms:DescribeKey",
    "kms:GenerateDataKey",
];

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "S3 `PutBucketEncryption`: default SSE-KMS with the key, S3 Bucket Key on",
    undo:
        "the recorded encryption rules put back, or `DeleteBucketEncryption` when there were none",
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub algorithm: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_key_enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encryption {
    pub bucket: String,
    /// `None`: no default encryption configuration.
    pub rules: Option<Vec<Rule>>,
}

async fn read(ctx: &Ctx<'_>, bucket: &str) -> Result<Encryption, ActionError> {
    let rules = match ctx
        .clients
        .s3
        .get_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => out.server_side_encryption_configuration().map(|c| {
            c.rules()
                .iter()
                .filter_map(|r| {
                    let d = r.apply_server_side_encryption_by_default()?;
                    Some(Rule {
                        algorithm: d.sse_algorithm().as_str().to_string(),
                        kms_key: d.kms_master_key_id().map(str::to_string),
                        bucket_key_enabled: r.bucket_key_enabled(),
                    })
                })
                .collect()
        }),
        Err(e) if code_of(&e) == Some("ServerSideEncryptionConfigurationNotFoundError") => None,
        Err(e) => return Err(action_error(&format!("s3:GetBucketEncryption {bucket}"), e)),
    };
    Ok(Encryption {
        bucket: bucket.to_string(),
        rules,
    })
}

/// Key ids match whether given as id, ARN or alias ARN of the same name.
fn same_key(a: &str, b: &str) -> bool {
    let tail = |k: &str| k.rsplit(['/', ':']).next().unwrap_or(k).to_string();
    a == b || (tail(a) == tail(b) && (a.contains("alias") == b.contains("alias")))
}

fn uses_key(enc: &Encryption, key: &str) -> bool {
    enc.rules.as_ref().is_some_and(|rules| {
        !rules.is_empty()
            && rules.iter().all(|r| {
                r.algorithm == ServerSideEncryption::AwsKms.as_str()
                    && r.kms_key.as_deref().is_some_and(|k| same_key(k, key))
            })
    })
}

async fn put(ctx: &Ctx<'_>, bucket: &str, rules: &[Rule]) -> Result<(), ActionError> {
    let mut sdk_rules = Vec::new();
    for rule in rules {
        let default = ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::from(rule.algorithm.as_str()))
            .set_kms_master_key_id(rule.kms_key.clone())
            .build()
            .map_err(|e| ActionError::Invalid(format!("encryption rule for {bucket}: {e}")))?;
        sdk_rules.push(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(default)
                .set_bucket_key_enabled(rule.bucket_key_enabled)
                .build(),
        );
    }
    let config = ServerSideEncryptionConfiguration::builder()
        .set_rules(Some(sdk_rules))
        .build()
        .map_err(|e| ActionError::Invalid(format!("encryption configuration for {bucket}: {e}")))?;
    ctx.clients
        .s3
        .put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(config)
        .send()
        .await
        .ctx(|| format!("s3:PutBucketEncryption {bucket}"))?;
    Ok(())
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let ActionSpec::EnforceEncryption { kms_key, .. } = request.action else {
        return Err(ActionError::Invalid(
            "not an enforce-encryption action".into(),
        ));
    };
    if request.target.kind != ResourceKind::Bucket {
        return Err(ActionError::Invalid(format!(
            "enforce-encryption acts on buckets, not a {:?} ({})",
            request.target.kind, request.target.id
        )));
    }
    let bucket = bucket_name(&request.target.id);
    let before = read(ctx, bucket).await?;
    if uses_key(&before, kms_key) {
        return Ok(unchanged(
            json(&before),
            format!("bucket {bucket} already defaults to SSE-KMS with {kms_key}"),
        ));
    }
    let target = Encryption {
        bucket: bucket.to_string(),
        rules: Some(vec![Rule {
            algorithm: ServerSideEncryption::AwsKms.as_str().to_string(),
            kms_key: Some(kms_key.clone()),
            bucket_key_enabled: Some(true),
        }]),
    };
    let now = match &before.rules {
        None => "no default encryption".to_string(),
        Some(rules) => rules
            .iter()
            .map(|r| {
                format!(
                    "{}{}",
                    r.algorithm,
                    r.kms_key
                        .as_ref()
                        .map(|k| format!(" with {k}"))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
    };
    let plan = format!("set default encryption of bucket {bucket} to SSE-KMS with key {kms_key} and S3 Bucket Key on (now: {now})");
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&before),
            new_state: json(&target),
            details: vec![format!("would {plan}")],
        });
    }
    info!(incident_id = %request.incident.id, action = "enforce-encryption", resource = %bucket, kms_key = %kms_key, "setting default encryption");
    put(ctx, bucket, target.rules.as_deref().unwrap_or_default()).await?;
    let after = read(ctx, bucket).await?;
    if !uses_key(&after, kms_key) {
        return Err(ActionError::Verification(format!(
            "bucket {bucket} reads back as {:?}",
            after.rules
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&before),
        new_state: json(&after),
        details: vec![
            format!("did: {plan}"),
            format!("verified: bucket {bucket} defaults to SSE-KMS with {kms_key}"),
        ],
    })
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    let prior: Encryption = prior(record)?;
    let bucket = prior.bucket.as_str();
    let now = read(ctx, bucket).await?;
    if now.rules == prior.rules {
        return Ok(unchanged(
            json(&now),
            format!("bucket {bucket} already has its prior encryption settings"),
        ));
    }
    info!(incident_id = %record.incident_id, action = "enforce-encryption", resource = %bucket, "undo: restoring encryption settings");
    let detail = match &prior.rules {
        Some(rules) => {
            put(ctx, bucket, rules).await?;
            format!("restored the prior default encryption of bucket {bucket}")
        }
        None => {
            ctx.clients
                .s3
                .delete_bucket_encryption()
                .bucket(bucket)
                .send()
                .await
                .ctx(|| format!("s3:DeleteBucketEncryption {bucket}"))?;
            format!("removed the default encryption configuration of bucket {bucket} (it had none)")
        }
    };
    let after = read(ctx, bucket).await?;
    // S3 now always encrypts (SSE-S3 when nothing else is set): a deleted configuration may
    // read back as SSE-S3 rather than as none.
    let restored = after.rules == prior.rules
        || (prior.rules.is_none()
            && after.rules.as_ref().is_some_and(|r| {
                r.iter()
                    .all(|r| r.algorithm == ServerSideEncryption::Aes256.as_str())
            }));
    if !restored {
        return Err(ActionError::Verification(format!(
            "bucket {bucket} reads back as {:?}",
            after.rules
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&now),
        new_state: json(&after),
        details: vec![detail, "verified".into()],
    })
}

#[cfg(test)]
mod tests {
    use super::same_key;

    #[test]
    fn keys() {
        let arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        assert!(same_key(arn, "1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert!(!same_key(arn, "alias/1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert!(same_key(
            "alias/aiir",
            "arn:aws:kms:us-east-1:123456789012:alias/aiir"
        ));
    }
}
