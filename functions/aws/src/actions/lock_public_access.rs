//! lock-public-access: S3 Block Public Access on (all four settings, bucket level) and the
//! public statements removed from the bucket policy.
//!
//! A statement is public when it allows a wildcard principal (`"*"`, `{"AWS": "*"}`) or uses
//! `NotPrincipal`, and has no condition that pins the caller (source IP/VPC/VPCE/account/ARN,
//! principal org/account/ARN, user id) — the same idea as S3's own "is public" evaluation.
//! The prior policy text and PAB configuration are recorded; undo restores both (PAB first,
//! so that a public policy may be put back).
use aiir_core::action::ActionDoc;
use aiir_core::audit::StepRecord;
use aiir_core::model::ResourceKind;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing::info;

use super::{bucket_name, dry_run, json, prior, unchanged, Ctx};
use crate::error::{action_error, code_of, SdkResultExt};

pub const PERMISSIONS: &[&str] = &[
    "s3:GetBucketPublicAccessBlock",
    "s3:PutBucketPublicAccessBlock",
    "s3:GetBucketPolicy",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
];

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "S3 `PutPublicAccessBlock` (all four settings) and `PutBucketPolicy` / `DeleteBucketPolicy` without the public statements",
    undo: "the recorded public access block and policy text put back (public access block first)",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pab {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl Pab {
    pub const ALL_ON: Pab = Pab {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };

    fn to_sdk(self) -> PublicAccessBlockConfiguration {
        PublicAccessBlockConfiguration::builder()
            .block_public_acls(self.block_public_acls)
            .ignore_public_acls(self.ignore_public_acls)
            .block_public_policy(self.block_public_policy)
            .restrict_public_buckets(self.restrict_public_buckets)
            .build()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketAccess {
    pub bucket: String,
    /// `None`: no bucket-level Block Public Access configuration.
    pub public_access_block: Option<Pab>,
    /// The bucket policy text, `None` when the bucket has none.
    pub policy: Option<String>,
}

const PINNING_CONDITION_KEYS: &[&str] = &[
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceowner",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:userid",
];

fn wildcard(principal: &Value) -> bool {
    match principal {
        Value::String(s) => s == "*",
        Value::Array(items) => items.iter().any(wildcard),
        Value::Object(map) => map.get("AWS").is_some_and(wildcard),
        _ => false,
    }
}

fn pinned_by_condition(statement: &Value) -> bool {
    statement
        .get("Condition")
        .and_then(Value::as_object)
        .is_some_and(|ops| {
            ops.values().filter_map(Value::as_object).any(|keys| {
                keys.keys()
                    .any(|k| PINNING_CONDITION_KEYS.contains(&k.to_ascii_lowercase().as_str()))
            })
        })
}

/// Is this policy statement public?
pub fn is_public_statement(statement: &Value) -> bool {
    let allows = statement.get("Effect").and_then(Value::as_str) == Some("Allow");
    let open =
        statement.get("Principal").is_some_and(wildcard) || statement.get("NotPrincipal").is_some();
    allows && open && !pinned_by_condition(statement)
}

/// Split a policy into (remaining policy or `None` when nothing remains, removed statements).
pub fn strip_public(policy: &str) -> Result<(Option<String>, Vec<Value>), ActionError> {
    let mut doc: Value = serde_json::from_str(policy)
        .map_err(|e| ActionError::Invalid(format!("bucket policy is not JSON: {e}")))?;
    let statements = match doc.get_mut("Statement") {
        Some(Value::Array(list)) => std::mem::take(list),
        Some(single @ Value::Object(_)) => vec![single.take()],
        _ => Vec::new(),
    };
    let (public, kept): (Vec<Value>, Vec<Value>) =
        statements.into_iter().partition(is_public_statement);
    if kept.is_empty() {
        return Ok((None, public));
    }
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("Statement".into(), Value::Array(kept));
    }
    Ok((Some(doc.to_string()), public))
}

fn statement_name(s: &Value) -> String {
    s.get("Sid")
        .and_then(Value::as_str)
        .map(|sid| format!("`{sid}`"))
        .unwrap_or_else(|| format!("{}", s.get("Action").cloned().unwrap_or(Value::Null)))
}

pub(crate) async fn read_access(ctx: &Ctx<'_>, bucket: &str) -> Result<BucketAccess, ActionError> {
    let s3 = &ctx.clients.s3;
    let public_access_block = match s3.get_public_access_block().bucket(bucket).send().await {
        Ok(out) => out.public_access_block_configuration().map(|c| Pab {
            block_public_acls: c.block_public_acls().unwrap_or(false),
            ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
            block_public_policy: c.block_public_policy().unwrap_or(false),
            restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
        }),
        Err(e) if code_of(&e) == Some("NoSuchPublicAccessBlockConfiguration") => None,
        Err(e) => {
            return Err(action_error(
                &format!("s3:GetBucketPublicAccessBlock {bucket}"),
                e,
            ))
        }
    };
    let policy = match s3.get_bucket_policy().bucket(bucket).send().await {
        Ok(out) => out.policy().map(str::to_string),
        Err(e) if code_of(&e) == Some("NoSuchBucketPolicy") => None,
        Err(e) => return Err(action_error(&format!("s3:GetBucketPolicy {bucket}"), e)),
    };
    Ok(BucketAccess {
        bucket: bucket.to_string(),
        public_access_block,
        policy,
    })
}

async fn put_policy(ctx: &Ctx<'_>, bucket: &str, policy: Option<&str>) -> Result<(), ActionError> {
    match policy {
        Some(text) => {
            ctx.clients
                .s3
                .put_bucket_policy()
                .bucket(bucket)
                .policy(text)
                .send()
                .await
                .ctx(|| format!("s3:PutBucketPolicy {bucket}"))?;
        }
        None => {
            ctx.clients
                .s3
                .delete_bucket_policy()
                .bucket(bucket)
                .send()
                .await
                .ctx(|| format!("s3:DeleteBucketPolicy {bucket}"))?;
        }
    }
    Ok(())
}

fn target_bucket<'a>(request: &'a ActionRequest<'_>) -> Result<&'a str, ActionError> {
    match request.target.kind {
        ResourceKind::Bucket => Ok(bucket_name(&request.target.id)),
        other => Err(ActionError::Invalid(format!(
            "{} acts on buckets, not a {other:?} ({})",
            request.action.kind(),
            request.target.id
        ))),
    }
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let bucket = target_bucket(request)?;
    let before = read_access(ctx, bucket).await?;
    let (remaining, removed) = match &before.policy {
        Some(policy) => strip_public(policy)?,
        None => (None, Vec::new()),
    };
    let pab_on = before.public_access_block == Some(Pab::ALL_ON);
    if pab_on && removed.is_empty() {
        return Ok(unchanged(
            json(&before),
            format!("bucket {bucket}: Block Public Access is on and the policy has no public statements"),
        ));
    }
    let mut plan = Vec::new();
    if !removed.is_empty() {
        let names: Vec<String> = removed.iter().map(statement_name).collect();
        plan.push(match &remaining {
            Some(_) => format!("remove {} public statement(s) {} from the policy of bucket {bucket}, keeping the rest", removed.len(), names.join(", ")),
            None => format!("delete the policy of bucket {bucket}: all its statements ({}) are public", names.join(", ")),
        });
    }
    if !pab_on {
        plan.push(format!(
            "turn on all four Block Public Access settings of bucket {bucket} (now {})",
            before
                .public_access_block
                .map_or("not configured".to_string(), |p| format!("{p:?}"))
        ));
    }
    let target = BucketAccess {
        bucket: bucket.to_string(),
        public_access_block: Some(Pab::ALL_ON),
        policy: if removed.is_empty() {
            before.policy.clone()
        } else {
            remaining.clone()
        },
    };
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&before),
            new_state: json(&target),
            details: plan.into_iter().map(|p| format!("would {p}")).collect(),
        });
    }
    info!(incident_id = %request.incident.id, action = "lock-public-access", resource = %bucket, removed = removed.len(), "locking bucket");
    if !removed.is_empty() {
        put_policy(ctx, bucket, remaining.as_deref()).await?;
    }
    if !pab_on {
        ctx.clients
            .s3
            .put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(Pab::ALL_ON.to_sdk())
            .send()
            .await
            .ctx(|| format!("s3:PutBucketPublicAccessBlock {bucket}"))?;
    }
    let after = read_access(ctx, bucket).await?;
    let still_public = match &after.policy {
        Some(p) => !strip_public(p)?.1.is_empty(),
        None => false,
    };
    if after.public_access_block != Some(Pab::ALL_ON) || still_public {
        return Err(ActionError::Verification(format!(
            "bucket {bucket} reads back as {:?} with public statements: {still_public}",
            after.public_access_block
        )));
    }
    let mut details: Vec<String> = plan.into_iter().map(|p| format!("did: {p}")).collect();
    details.push(format!(
        "verified: bucket {bucket} blocks public access and its policy has no public statements"
    ));
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&before),
        new_state: json(&after),
        details,
    })
}

fn same_policy(a: Option<&str>, b: Option<&str>) -> bool {
    let parse = |p: Option<&str>| {
        p.map(|t| serde_json::from_str::<Value>(t).unwrap_or(Value::String(t.to_string())))
    };
    parse(a) == parse(b)
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    let prior: BucketAccess = prior(record)?;
    let bucket = prior.bucket.as_str();
    let now = read_access(ctx, bucket).await?;
    let pab_same = now.public_access_block == prior.public_access_block;
    let policy_same = same_policy(now.policy.as_deref(), prior.policy.as_deref());
    if pab_same && policy_same {
        return Ok(unchanged(
            json(&now),
            format!("bucket {bucket} already has its prior access settings"),
        ));
    }
    info!(incident_id = %record.incident_id, action = "lock-public-access", resource = %bucket, "undo: restoring access settings");
    let mut details = Vec::new();
    if !pab_same {
        match prior.public_access_block {
            Some(pab) => {
                ctx.clients
                    .s3
                    .put_public_access_block()
                    .bucket(bucket)
                    .public_access_block_configuration(pab.to_sdk())
                    .send()
                    .await
                    .ctx(|| format!("s3:PutBucketPublicAccessBlock {bucket}"))?;
                details.push(format!(
                    "restored Block Public Access of bucket {bucket} to {pab:?}"
                ));
            }
            None => {
                ctx.clients
                    .s3
                    .delete_public_access_block()
                    .bucket(bucket)
                    .send()
                    .await
                    .ctx(|| format!("s3:DeletePublicAccessBlock {bucket} (IAM: s3:PutBucketPublicAccessBlock)"))?;
                details.push(format!("removed the Block Public Access configuration of bucket {bucket} (it had none)"));
            }
        }
    }
    if !policy_same {
        put_policy(ctx, bucket, prior.policy.as_deref()).await?;
        details.push(match prior.policy {
            Some(_) => format!("restored the prior policy of bucket {bucket}"),
            None => format!("removed the policy of bucket {bucket} (it had none)"),
        });
    }
    let after = read_access(ctx, bucket).await?;
    if after.public_access_block != prior.public_access_block
        || !same_policy(after.policy.as_deref(), prior.policy.as_deref())
    {
        return Err(ActionError::Verification(format!(
            "bucket {bucket} does not read back as its prior access settings"
        )));
    }
    details.push("verified".into());
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&now),
        new_state: json(&after),
        details,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_statements() {
        let policy = r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
            {"Sid":"PublicAws","Effect":"Allow","Principal":{"AWS":["*"]},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"},
            {"Sid":"Vpce","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}},
            {"Sid":"Role","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/train"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"},
            {"Sid":"DenyHttp","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}
        ]}"#;
        let (kept, removed) = strip_public(policy).unwrap_or_default();
        let sids: Vec<_> = removed.iter().filter_map(|s| s["Sid"].as_str()).collect();
        assert_eq!(sids, ["Public", "PublicAws"]);
        let kept: Value = serde_json::from_str(&kept.unwrap_or_default()).unwrap_or_default();
        assert_eq!(kept["Statement"].as_array().map(Vec::len), Some(3));
        let only_public = r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}}"#;
        assert_eq!(
            strip_public(only_public).map(|(k, r)| (k, r.len())).ok(),
            Some((None, 1))
        );
    }
}
