//! ARNs and the [`ResourceRef`]s they become.
//!
//! | ARN | kind | id |
//! |---|---|---|
//! | `arn:aws:sagemaker:…:endpoint/NAME` | `ModelEndpoint` | the ARN |
//! | `arn:aws:lambda:…:function:NAME[:QUALIFIER]` | `Function` | the ARN |
//! | `arn:aws:s3:::BUCKET` | `Bucket` | the bucket name |
//! | `arn:aws:s3:::BUCKET/KEY` | `Object` | `BUCKET/KEY` |
//! | `arn:aws:secretsmanager:…:secret:NAME` | `Secret` | the ARN |
//! | anything else (alarms, instances, accounts …) | `Other` | the ARN |
use crate::model::{ResourceKind, ResourceRef};

use super::fields::is_region_code;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Arn {
    pub partition: String,
    pub service: String,
    pub region: String,
    pub account: String,
    pub resource: String,
}

impl Arn {
    /// Parse `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, tolerating whitespace around
    /// the separators of the first five parts (the resource part may contain spaces and
    /// colons, e.g. alarm names).
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().splitn(6, ':');
        let mut next = || parts.next().map(str::trim);
        let (prefix, partition, service, region, account) =
            (next()?, next()?, next()?, next()?, next()?);
        let resource = parts.next()?.trim_end();
        if prefix != "arn" || partition.is_empty() || service.is_empty() || resource.is_empty() {
            return None;
        }
        Some(Self {
            partition: partition.to_string(),
            service: service.to_string(),
            region: region.to_string(),
            account: account.to_string(),
            resource: resource.to_string(),
        })
    }

    pub fn region_code(&self) -> Option<&str> {
        Some(self.region.as_str()).filter(|r| is_region_code(r))
    }
}

impl std::fmt::Display for Arn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// The canonical spelling of an ARN (stray whitespace removed), or the trimmed text when it
/// is not an ARN.
pub(crate) fn normalize(text: &str) -> String {
    Arn::parse(text)
        .map(|a| a.to_string())
        .unwrap_or_else(|| text.trim().to_string())
}

/// The resource an ARN names. `fallback_region` is used when the ARN has none (S3).
pub(crate) fn resource(text: &str, fallback_region: Option<&str>) -> ResourceRef {
    let Some(arn) = Arn::parse(text) else {
        let mut other = ResourceRef::new(ResourceKind::Other, text.trim());
        other.region = fallback_region.map(str::to_string);
        return other;
    };
    let (kind, id) = match (arn.service.as_str(), arn.resource.as_str()) {
        ("sagemaker", r) if r.starts_with("endpoint/") => {
            (ResourceKind::ModelEndpoint, arn.to_string())
        }
        ("lambda", r) if r.starts_with("function:") => (ResourceKind::Function, arn.to_string()),
        ("secretsmanager", r) if r.starts_with("secret:") => {
            (ResourceKind::Secret, arn.to_string())
        }
        ("s3", r) if arn.region.is_empty() && arn.account.is_empty() => match r.split_once('/') {
            Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => {
                (ResourceKind::Object, format!("{bucket}/{key}"))
            }
            Some((bucket, _)) if !bucket.is_empty() => (ResourceKind::Bucket, bucket.to_string()),
            None => (ResourceKind::Bucket, r.to_string()),
            _ => (ResourceKind::Other, arn.to_string()),
        },
        _ => (ResourceKind::Other, arn.to_string()),
    };
    let mut out = ResourceRef::new(kind, id);
    out.region = arn
        .region_code()
        .map(str::to_string)
        .or_else(|| fallback_region.map(str::to_string));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        let r = resource(
            "arn:aws:sagemaker:us-east-1:123456789012:endpoint/fraud",
            None,
        );
        assert_eq!(r.kind, ResourceKind::ModelEndpoint);
        assert_eq!(r.region.as_deref(), Some("us-east-1"));
        let r = resource("arn:aws:s3:::my-bucket", Some("eu-west-1"));
        assert_eq!((r.kind, r.id.as_str()), (ResourceKind::Bucket, "my-bucket"));
        assert_eq!(r.region.as_deref(), Some("eu-west-1"));
        let r = resource("arn:aws:s3:::my-bucket/a/b.txt", None);
        assert_eq!(
            (r.kind, r.id.as_str()),
            (ResourceKind::Object, "my-bucket/a/b.txt")
        );
        let r = resource(
            "arn:aws:lambda:us-east-1:123456789012:function:f:live",
            None,
        );
        assert_eq!(r.kind, ResourceKind::Function);
        let r = resource(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbC",
            None,
        );
        assert_eq!(r.kind, ResourceKind::Secret);
        let r = resource("arn:aws:s3:us-east-1:123456789012:accesspoint/ap", None);
        assert_eq!(r.kind, ResourceKind::Other);
        assert_eq!(resource("i-123", None).kind, ResourceKind::Other);
    }

    #[test]
    fn tolerant() {
        assert_eq!(
            normalize(" arn:aws:cloudwatch:us-east-1: 444455556666:alarm:my alarm "),
            "arn:aws:cloudwatch:us-east-1:444455556666:alarm:my alarm"
        );
        assert_eq!(normalize("not an arn"), "not an arn");
        assert!(Arn::parse("arn:aws:s3").is_none());
    }
}
