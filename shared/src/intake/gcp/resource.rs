//! Google Cloud resource names → [`ResourceRef`].
//!
//! Full resource names (`//storage.googleapis.com/my-bucket`,
//! `//aiplatform.googleapis.com/projects/p/locations/l/endpoints/e`) and relative ones
//! (`projects/_/buckets/b/objects/o`, `projects/p/secrets/s`) map to aiir's kinds:
//! - buckets → `Bucket` with id = the bucket name; objects → `Object` with id `bucket/object`;
//! - Vertex AI endpoints → `ModelEndpoint` with id `projects/P/locations/L/endpoints/E`;
//! - Secret Manager secrets → `Secret` with id `projects/P/secrets/S` (a version suffix is
//!   dropped: rotation acts on the secret);
//! - Cloud Run services and Cloud Functions → `Function`;
//! - anything else → `Other` with the name as given.
use crate::model::{ResourceKind, ResourceRef};

/// Strip `//service.googleapis.com/` and return (service, relative name).
fn split_full_name(name: &str) -> (Option<&str>, &str) {
    match name.strip_prefix("//") {
        Some(rest) => match rest.split_once('/') {
            Some((service, relative)) => (Some(service), relative),
            None => (Some(rest), ""),
        },
        None => (None, name),
    }
}

/// Resource name → reference; `None` for an empty name.
pub fn resource_from_name(name: &str) -> Option<ResourceRef> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let (service, relative) = split_full_name(name);
    let parts: Vec<&str> = relative.split('/').collect();
    let r = |kind, id: String| Some(ResourceRef::new(kind, id));
    match service {
        Some("storage.googleapis.com") | None
            if parts.len() >= 4 && parts[0] == "projects" && parts[2] == "buckets" =>
        {
            let bucket = parts[3];
            if bucket.is_empty() {
                return r(ResourceKind::Other, name.to_string());
            }
            if parts.len() >= 6 && parts[4] == "objects" {
                let object = parts[5..].join("/");
                if !object.is_empty() {
                    return r(ResourceKind::Object, format!("{bucket}/{object}"));
                }
            }
            r(ResourceKind::Bucket, bucket.to_string())
        }
        // `//storage.googleapis.com/BUCKET` (Security Command Center, Asset Inventory).
        Some("storage.googleapis.com") if !relative.is_empty() => {
            let (bucket, object) = relative.split_once('/').unwrap_or((relative, ""));
            if object.is_empty() {
                r(ResourceKind::Bucket, bucket.to_string())
            } else {
                r(ResourceKind::Object, format!("{bucket}/{object}"))
            }
        }
        _ => {
            let position = |what: &str| parts.iter().position(|p| *p == what);
            if let Some(i) = position("endpoints").filter(|&i| i >= 4 && parts.len() > i + 1) {
                if parts[0] == "projects" && parts[2] == "locations" {
                    return r(
                        ResourceKind::ModelEndpoint,
                        format!(
                            "projects/{}/locations/{}/endpoints/{}",
                            parts[1],
                            parts[3],
                            parts[i + 1]
                        ),
                    );
                }
            }
            if let Some(i) = position("secrets").filter(|&i| parts.len() > i + 1) {
                if parts[0] == "projects" {
                    return r(ResourceKind::Secret, parts[..=i + 1].join("/"));
                }
            }
            if position("services").is_some() && service.is_some_and(|s| s.starts_with("run.")) {
                return r(ResourceKind::Function, relative.to_string());
            }
            if position("functions").is_some()
                && service.is_some_and(|s| s.starts_with("cloudfunctions."))
            {
                return r(ResourceKind::Function, relative.to_string());
            }
            r(ResourceKind::Other, name.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_id(name: &str) -> (ResourceKind, String) {
        let r = resource_from_name(name).expect("resource");
        (r.kind, r.id)
    }

    #[test]
    fn names() {
        assert_eq!(
            kind_id("//storage.googleapis.com/train"),
            (ResourceKind::Bucket, "train".into())
        );
        assert_eq!(
            kind_id("projects/_/buckets/train"),
            (ResourceKind::Bucket, "train".into())
        );
        assert_eq!(
            kind_id("projects/_/buckets/train/objects/a/b.csv"),
            (ResourceKind::Object, "train/a/b.csv".into())
        );
        assert_eq!(
            kind_id("//aiplatform.googleapis.com/projects/p/locations/us-central1/endpoints/42"),
            (
                ResourceKind::ModelEndpoint,
                "projects/p/locations/us-central1/endpoints/42".into()
            )
        );
        assert_eq!(
            kind_id("projects/p/secrets/tool-key/versions/3"),
            (ResourceKind::Secret, "projects/p/secrets/tool-key".into())
        );
        assert_eq!(
            kind_id("projects/1234"),
            (ResourceKind::Other, "projects/1234".into())
        );
        assert!(resource_from_name("  ").is_none());
        assert_eq!(
            kind_id("projects/_/buckets/"),
            (ResourceKind::Other, "projects/_/buckets/".into())
        );
    }
}
