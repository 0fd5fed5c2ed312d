//! `lock-public-access` on Cloud Storage: `allUsers` / `allAuthenticatedUsers` removed from
//! the bucket IAM policy (read-modify-write with the policy `etag`: a concurrent change makes
//! the write fail with 412 and the step is retried on fresh data), then public access
//! prevention `enforced` and uniform bucket-level access on (`buckets.patch` with
//! `ifMetagenerationMatch`). Read back and verified. Undo restores the prior prevention
//! setting, uniform access setting and the removed bindings.
use aiir_core::action::ActionDoc;
use aiir_core::audit::StepRecord;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{api, dry_run, json, prior, unchanged, Ctx};
use crate::gcs::{bucket_name, int64, Gcs};

pub const PUBLIC_MEMBERS: [&str; 2] = ["allUsers", "allAuthenticatedUsers"];

pub fn required_permissions() -> &'static [&'static str] {
    &[
        "storage.buckets.get",
        "storage.buckets.update",
        "storage.buckets.getIamPolicy",
        "storage.buckets.setIamPolicy",
    ]
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "Cloud Storage `buckets.setIamPolicy` without `allUsers` / `allAuthenticatedUsers` (etag precondition), then `buckets.patch` with public access prevention `enforced` and uniform bucket-level access (`ifMetagenerationMatch`)",
    undo: "the recorded prevention and uniform-access settings and the removed bindings put back",
};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PublicBinding {
    pub role: String,
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Prior {
    pub bucket: String,
    /// `inherited`, `unspecified` or `enforced`.
    pub public_access_prevention: String,
    pub uniform_bucket_level_access: bool,
    /// Public members removed, per role.
    pub removed: Vec<PublicBinding>,
}

fn settings(bucket: &Value) -> (String, bool) {
    let iam = bucket.get("iamConfiguration");
    let pap = iam
        .and_then(|c| c.get("publicAccessPrevention"))
        .and_then(Value::as_str)
        .unwrap_or("inherited")
        .to_string();
    let ubla = iam
        .and_then(|c| c.get("uniformBucketLevelAccess"))
        .and_then(|u| u.get("enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    (pap, ubla)
}

/// The public members of a policy, per role.
pub fn public_bindings(policy: &Value) -> Vec<PublicBinding> {
    policy
        .get("bindings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|b| {
            let role = b.get("role")?.as_str()?.to_string();
            let members: Vec<String> = b
                .get("members")?
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .filter(|m| PUBLIC_MEMBERS.contains(m))
                .map(String::from)
                .collect();
            (!members.is_empty()).then_some(PublicBinding { role, members })
        })
        .collect()
}

fn without_public(policy: &Value) -> Value {
    let mut policy = policy.clone();
    if let Some(bindings) = policy.get_mut("bindings").and_then(Value::as_array_mut) {
        for b in bindings.iter_mut() {
            if let Some(members) = b.get_mut("members").and_then(Value::as_array_mut) {
                members.retain(|m| !m.as_str().is_some_and(|m| PUBLIC_MEMBERS.contains(&m)));
            }
        }
        bindings.retain(|b| {
            b.get("members")
                .and_then(Value::as_array)
                .is_some_and(|m| !m.is_empty())
        });
    }
    policy
}

fn with_bindings(policy: &Value, add: &[PublicBinding]) -> Value {
    let mut policy = policy.clone();
    if policy.get("bindings").and_then(Value::as_array).is_none() {
        policy["bindings"] = json!([]);
    }
    if let Some(bindings) = policy.get_mut("bindings").and_then(Value::as_array_mut) {
        for a in add {
            match bindings.iter_mut().find(|b| {
                b.get("role").and_then(Value::as_str) == Some(&a.role)
                    && b.get("condition").is_none()
            }) {
                Some(b) => {
                    if let Some(members) = b.get_mut("members").and_then(Value::as_array_mut) {
                        for m in &a.members {
                            if !members.iter().any(|x| x.as_str() == Some(m)) {
                                members.push(json!(m));
                            }
                        }
                    }
                }
                None => bindings.push(json!({ "role": a.role, "members": a.members })),
            }
        }
    }
    policy
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let gcs = Gcs::new(ctx.clients);
    let bucket = bucket_name(&request.target.id).to_string();
    let meta = gcs.get_bucket(&bucket).await.map_err(api)?;
    let policy = gcs.get_iam(&bucket).await.map_err(api)?;
    let (pap, ubla) = settings(&meta);
    let public = public_bindings(&policy);
    let before = Prior {
        bucket: bucket.clone(),
        public_access_prevention: pap.clone(),
        uniform_bucket_level_access: ubla,
        removed: public.clone(),
    };
    if pap == "enforced" && ubla && public.is_empty() {
        return Ok(unchanged(json(&before), format!("gs://{bucket}: already private (prevention enforced, uniform access, no public members)")));
    }
    let mut details = Vec::new();
    for b in &public {
        details.push(format!(
            "remove {} from {} on gs://{bucket}",
            b.members.join(", "),
            b.role
        ));
    }
    if pap != "enforced" {
        details.push(format!(
            "set publicAccessPrevention {pap} -> enforced on gs://{bucket}"
        ));
    }
    if !ubla {
        details.push(format!(
            "enable uniform bucket-level access on gs://{bucket}"
        ));
    }
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: json(&before),
            new_state: Value::Null,
            details: details.into_iter().map(|d| format!("would {d}")).collect(),
        });
    }
    if !public.is_empty() {
        // The read policy's etag makes this conditional: 412 (retryable) if it changed.
        gcs.set_iam(&bucket, &without_public(&policy))
            .await
            .map_err(api)?;
    }
    if pap != "enforced" || !ubla {
        let body = json!({ "iamConfiguration": {
            "publicAccessPrevention": "enforced",
            "uniformBucketLevelAccess": { "enabled": true }
        }});
        gcs.patch_bucket(&bucket, &body, int64(&meta, "metageneration"))
            .await
            .map_err(api)?;
    }
    // Verify.
    let (pap_after, ubla_after) = settings(&gcs.get_bucket(&bucket).await.map_err(api)?);
    let public_after = public_bindings(&gcs.get_iam(&bucket).await.map_err(api)?);
    if pap_after != "enforced" || !ubla_after || !public_after.is_empty() {
        return Err(ActionError::Verification(format!(
            "gs://{bucket}: prevention {pap_after}, uniform access {ubla_after}, public members {public_after:?}"
        )));
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: json(&before),
        new_state: json!({ "bucket": bucket, "public_access_prevention": pap_after, "uniform_bucket_level_access": ubla_after, "removed": [] }),
        details,
    })
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    let before: Prior = prior(record)?;
    let gcs = Gcs::new(ctx.clients);
    let bucket = before.bucket.clone();
    let meta = gcs.get_bucket(&bucket).await.map_err(api)?;
    let (pap, ubla) = settings(&meta);
    let mut details = Vec::new();
    if pap != before.public_access_prevention || ubla != before.uniform_bucket_level_access {
        let body = json!({ "iamConfiguration": {
            "publicAccessPrevention": before.public_access_prevention,
            "uniformBucketLevelAccess": { "enabled": before.uniform_bucket_level_access }
        }});
        gcs.patch_bucket(&bucket, &body, int64(&meta, "metageneration"))
            .await
            .map_err(api)?;
        details.push(format!(
            "restored publicAccessPrevention {} and uniform access {} on gs://{bucket}",
            before.public_access_prevention, before.uniform_bucket_level_access
        ));
    }
    if !before.removed.is_empty() {
        let policy = gcs.get_iam(&bucket).await.map_err(api)?;
        let restored = with_bindings(&policy, &before.removed);
        if restored != policy {
            gcs.set_iam(&bucket, &restored).await.map_err(api)?;
            details.push(format!(
                "restored {} public binding(s) on gs://{bucket}",
                before.removed.len()
            ));
        }
    }
    let (pap_after, ubla_after) = settings(&gcs.get_bucket(&bucket).await.map_err(api)?);
    let public_after = public_bindings(&gcs.get_iam(&bucket).await.map_err(api)?);
    let all_back = before.removed.iter().all(|r| {
        r.members.iter().all(|m| {
            public_after
                .iter()
                .any(|p| p.role == r.role && p.members.contains(m))
        })
    });
    if pap_after != before.public_access_prevention
        || ubla_after != before.uniform_bucket_level_access
        || !all_back
    {
        return Err(ActionError::Verification(format!(
            "gs://{bucket}: prior access settings not restored"
        )));
    }
    Ok(ActionOutcome {
        changed: !details.is_empty(),
        prior_state: record.new_state.clone(),
        new_state: json(&before),
        details,
    })
}
