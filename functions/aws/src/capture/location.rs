//! Where things are in S3: `s3://bucket/key` URIs, the configured capture prefix, and
//! SageMaker's capture layout `{prefix}/{EndpointName}/{VariantName}/yyyy/mm/dd/hh/{file}.jsonl`.
use std::fmt;

/// `s3://bucket/key` (the key may be empty or a prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Uri {
    pub bucket: String,
    pub key: String,
}

impl S3Uri {
    /// Parse `s3://bucket[/key]`; the bucket must be a valid S3 bucket name.
    pub fn parse(text: &str) -> Result<Self, String> {
        let rest = text
            .trim()
            .strip_prefix("s3://")
            .ok_or("expected s3://bucket/key")?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
            && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
            && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !valid_bucket {
            return Err(format!("{bucket:?} is not a valid S3 bucket name"));
        }
        Ok(Self {
            bucket: bucket.to_string(),
            key: key.to_string(),
        })
    }

    /// This URI as a key prefix that ends at a folder boundary (`a/b` → `a/b/`; empty stays
    /// empty: the whole bucket).
    pub fn as_folder(&self) -> Self {
        let mut key = self.key.clone();
        if !key.is_empty() && !key.ends_with('/') {
            key.push('/');
        }
        Self {
            bucket: self.bucket.clone(),
            key,
        }
    }
}

impl fmt::Display for S3Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// The endpoint and variant a capture object belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureKey {
    pub endpoint: String,
    pub variant: String,
}

/// SageMaker's documented layout under the prefix, as an error message.
pub const LAYOUT: &str = "{prefix}/{EndpointName}/{VariantName}/yyyy/mm/dd/hh/{file}.jsonl";

/// The endpoint and variant of `key`, which must lie under `prefix` (a folder, see
/// [`S3Uri::as_folder`]) in SageMaker's capture layout.
pub fn capture_key(prefix: &S3Uri, bucket: &str, key: &str) -> Result<CaptureKey, String> {
    if bucket != prefix.bucket || !key.starts_with(&prefix.key) {
        return Err(format!("outside the data-capture prefix {prefix}"));
    }
    let parts: Vec<&str> = key[prefix.key.len()..].split('/').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let laid_out = parts.len() == 7
        && is_sagemaker_name(parts[0])
        && is_sagemaker_name(parts[1])
        && digits(parts[2], 4)
        && digits(parts[3], 2)
        && digits(parts[4], 2)
        && digits(parts[5], 2)
        && parts[6].ends_with(".jsonl");
    if !laid_out {
        return Err(format!(
            "not a SageMaker data-capture file: expected {LAYOUT} under {prefix}"
        ));
    }
    Ok(CaptureKey {
        endpoint: parts[0].to_string(),
        variant: parts[1].to_string(),
    })
}

/// SageMaker endpoint and variant names: `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`.
fn is_sagemaker_name(s: &str) -> bool {
    (1..=63).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        let u = S3Uri::parse("s3://acme-ml-capture/fraud model/datacapture").unwrap();
        assert_eq!(u.bucket, "acme-ml-capture");
        assert_eq!(u.as_folder().key, "fraud model/datacapture/");
        assert_eq!(S3Uri::parse("s3://bucket").unwrap().as_folder().key, "");
        assert!(S3Uri::parse("https://bucket/key").is_err());
        assert!(S3Uri::parse("s3://Bad_Bucket/key").is_err());
        assert!(S3Uri::parse("s3:///key").is_err());
    }

    #[test]
    fn capture_layout() {
        let prefix = S3Uri::parse("s3://cap/data capture").unwrap().as_folder();
        let key = "data capture/fraud-detector/AllTraffic/2024/06/11/10/05-17-412-x.jsonl";
        assert_eq!(
            capture_key(&prefix, "cap", key).unwrap(),
            CaptureKey {
                endpoint: "fraud-detector".into(),
                variant: "AllTraffic".into()
            }
        );
        // Another bucket, a sibling folder sharing the prefix text, the wrong layout.
        for (bucket, key, expected) in [
            ("other", key, "outside"),
            (
                "cap",
                "data capture-old/e/v/2024/06/11/10/f.jsonl",
                "outside",
            ),
            (
                "cap",
                "data capture/e/v/2024/06/11/f.jsonl",
                "not a SageMaker",
            ),
            (
                "cap",
                "data capture/e/v/2024/06/11/10/f.json",
                "not a SageMaker",
            ),
            (
                "cap",
                "data capture/e_x/v/2024/06/11/10/f.jsonl",
                "not a SageMaker",
            ),
        ] {
            let e = capture_key(&prefix, bucket, key).unwrap_err();
            assert!(e.contains(expected), "{key}: {e}");
        }
        let root = S3Uri::parse("s3://cap").unwrap().as_folder();
        assert!(capture_key(&root, "cap", "e/v/2024/06/11/10/f.jsonl").is_ok());
    }
}
