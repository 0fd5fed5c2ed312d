//! Cloud Storage: object reads and writes through the official `google-cloud-storage` client
//! (JSON API media downloads and uploads, with generation preconditions), and the calls it
//! does not offer over HTTP (bucket get/patch, bucket IAM, object get/list/delete/patch/
//! rewrite) over the documented JSON API (`storage/v1`) with the same credentials.
//! The crate's `StorageControl` client has them, but over gRPC only, which no available
//! emulator serves.
use bytes::Bytes;
use google_cloud_gax::retry_policy::RetryPolicyExt;
use google_cloud_storage::retry_policy::RetryableErrors;
use reqwest::Method;
use serde_json::{json, Value};

use crate::clients::{enc, GcpClients};
use crate::error::ApiError;

/// An object's content and the generation it was read at.
#[derive(Debug, Clone)]
pub struct ObjectRead {
    pub data: Bytes,
    pub generation: i64,
}

/// Write precondition for uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    None,
    /// Only if no live object has this name (`ifGenerationMatch=0`).
    Absent,
    /// Only if the live object has this generation.
    Generation(i64),
}

/// Bucket and object operations for one set of clients.
#[derive(Clone, Copy)]
pub struct Gcs<'a> {
    pub clients: &'a GcpClients,
}

impl<'a> Gcs<'a> {
    pub fn new(clients: &'a GcpClients) -> Self {
        Self { clients }
    }

    fn api(&self) -> String {
        format!(
            "{}/storage/v1",
            self.clients.endpoints.storage.trim_end_matches('/')
        )
    }

    fn bucket_url(&self, bucket: &str) -> String {
        format!("{}/b/{}", self.api(), enc(bucket))
    }

    fn object_url(&self, bucket: &str, name: &str) -> String {
        format!("{}/o/{}", self.bucket_url(bucket), enc(name))
    }

    /// Read an object (`None` if absent).
    pub async fn read(&self, bucket: &str, name: &str) -> Result<Option<ObjectRead>, ApiError> {
        let op = format!("storage.objects.get gs://{bucket}/{name}");
        let result = self
            .clients
            .storage
            .read_object(format!("projects/_/buckets/{bucket}"), name)
            .with_retry_policy(RetryableErrors.with_attempt_limit(3))
            .send()
            .await;
        let mut response = match result {
            Ok(r) => r,
            Err(e) => {
                let e = ApiError::from_storage(&op, &e);
                return if e.is_not_found() { Ok(None) } else { Err(e) };
            }
        };
        let generation = response.object().generation;
        let mut data = Vec::new();
        while let Some(chunk) = response.next().await {
            let chunk = chunk.map_err(|e| ApiError::from_storage(&op, &e))?;
            data.extend_from_slice(&chunk);
        }
        Ok(Some(ObjectRead {
            data: Bytes::from(data),
            generation,
        }))
    }

    /// Write an object; returns the new generation. A failed precondition is a 412
    /// [`ApiError`] (see [`ApiError::is_precondition_failed`]).
    pub async fn write(
        &self,
        bucket: &str,
        name: &str,
        data: Bytes,
        content_type: &str,
        precondition: Precondition,
        metadata: &[(&str, &str)],
    ) -> Result<i64, ApiError> {
        let op = format!("storage.objects.insert gs://{bucket}/{name}");
        let mut write = self
            .clients
            .storage
            .write_object(format!("projects/_/buckets/{bucket}"), name, data)
            .set_content_type(content_type)
            .with_retry_policy(RetryableErrors.with_attempt_limit(3));
        if !metadata.is_empty() {
            write =
                write.set_metadata(metadata.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        }
        write = match precondition {
            Precondition::None => write,
            Precondition::Absent => write.set_if_generation_match(0),
            Precondition::Generation(g) => write.set_if_generation_match(g),
        };
        let object = write
            .send_buffered()
            .await
            .map_err(|e| ApiError::from_storage(&op, &e))?;
        Ok(object.generation)
    }

    /// Object metadata (`None` if absent).
    pub async fn get_object(&self, bucket: &str, name: &str) -> Result<Option<Value>, ApiError> {
        let op = format!("storage.objects.get gs://{bucket}/{name}");
        match self
            .clients
            .call(&op, Method::GET, &self.object_url(bucket, name), None)
            .await
        {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Delete an object; `false` if it was already gone.
    pub async fn delete(
        &self,
        bucket: &str,
        name: &str,
        if_generation: Option<i64>,
    ) -> Result<bool, ApiError> {
        let op = format!("storage.objects.delete gs://{bucket}/{name}");
        let mut url = self.object_url(bucket, name);
        if let Some(g) = if_generation {
            url.push_str(&format!("?ifGenerationMatch={g}"));
        }
        match self.clients.call(&op, Method::DELETE, &url, None).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Names of the objects under `prefix`, all pages.
    pub async fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<Value>, ApiError> {
        let op = format!("storage.objects.list gs://{bucket}/{prefix}");
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut url = format!("{}/o?prefix={}", self.bucket_url(bucket), enc(prefix));
            if let Some(t) = &token {
                url.push_str(&format!("&pageToken={}", enc(t)));
            }
            let page = self.clients.call(&op, Method::GET, &url, None).await?;
            if let Some(list) = page.get("items").and_then(Value::as_array) {
                items.extend(list.iter().cloned());
            }
            match page.get("nextPageToken").and_then(Value::as_str) {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(items),
            }
        }
    }

    /// Patch an object's metadata (custom `metadata` map and other writable fields).
    pub async fn patch_object(
        &self,
        bucket: &str,
        name: &str,
        body: &Value,
        if_generation: Option<i64>,
    ) -> Result<Value, ApiError> {
        let op = format!("storage.objects.patch gs://{bucket}/{name}");
        let mut url = self.object_url(bucket, name);
        if let Some(g) = if_generation {
            url.push_str(&format!("?ifGenerationMatch={g}"));
        }
        self.clients
            .call(&op, Method::PATCH, &url, Some(body))
            .await
    }

    /// Server-side copy (`objects.rewrite`), following `rewriteToken` until done. The source
    /// must still be at `source_generation`; the destination must not exist when
    /// `dest_absent`. Returns the destination object resource.
    pub async fn rewrite(
        &self,
        (src_bucket, src_name): (&str, &str),
        (dst_bucket, dst_name): (&str, &str),
        source_generation: Option<i64>,
        dest_absent: bool,
        dest_metadata: &Value,
    ) -> Result<Value, ApiError> {
        let op = format!(
            "storage.objects.rewrite gs://{src_bucket}/{src_name} -> gs://{dst_bucket}/{dst_name}"
        );
        let base = format!(
            "{}/rewriteTo/b/{}/o/{}",
            self.object_url(src_bucket, src_name),
            enc(dst_bucket),
            enc(dst_name)
        );
        let mut token: Option<String> = None;
        for _ in 0..1000 {
            let mut params = Vec::new();
            if let Some(g) = source_generation {
                params.push(format!("ifSourceGenerationMatch={g}"));
            }
            if dest_absent {
                params.push("ifGenerationMatch=0".to_string());
            }
            if let Some(t) = &token {
                params.push(format!("rewriteToken={}", enc(t)));
            }
            let url = if params.is_empty() {
                base.clone()
            } else {
                format!("{base}?{}", params.join("&"))
            };
            let response = self
                .clients
                .call(&op, Method::POST, &url, Some(dest_metadata))
                .await?;
            if response.get("done").and_then(Value::as_bool) == Some(true) {
                return response
                    .get("resource")
                    .cloned()
                    .ok_or_else(|| ApiError::decode(&op, "rewrite done without a resource"));
            }
            token = response
                .get("rewriteToken")
                .and_then(Value::as_str)
                .map(str::to_string);
            if token.is_none() {
                return Err(ApiError::decode(
                    &op,
                    "rewrite not done and no rewriteToken",
                ));
            }
        }
        Err(ApiError::decode(
            &op,
            "rewrite did not finish after 1000 calls",
        ))
    }

    pub async fn get_bucket(&self, bucket: &str) -> Result<Value, ApiError> {
        let op = format!("storage.buckets.get {bucket}");
        self.clients
            .call(&op, Method::GET, &self.bucket_url(bucket), None)
            .await
    }

    /// `buckets.patch`, only if the bucket's metadata is still at `if_metageneration`.
    pub async fn patch_bucket(
        &self,
        bucket: &str,
        body: &Value,
        if_metageneration: Option<i64>,
    ) -> Result<Value, ApiError> {
        let op = format!("storage.buckets.patch {bucket}");
        let mut url = self.bucket_url(bucket);
        if let Some(m) = if_metageneration {
            url.push_str(&format!("?ifMetagenerationMatch={m}"));
        }
        self.clients
            .call(&op, Method::PATCH, &url, Some(body))
            .await
    }

    pub async fn create_bucket(&self, project: &str, bucket: &Value) -> Result<Value, ApiError> {
        let op = "storage.buckets.insert".to_string();
        let url = format!("{}/b?project={}", self.api(), enc(project));
        self.clients
            .call(&op, Method::POST, &url, Some(bucket))
            .await
    }

    pub async fn get_iam(&self, bucket: &str) -> Result<Value, ApiError> {
        let op = format!("storage.buckets.getIamPolicy {bucket}");
        let url = format!(
            "{}/iam?optionsRequestedPolicyVersion=3",
            self.bucket_url(bucket)
        );
        self.clients.call(&op, Method::GET, &url, None).await
    }

    /// `buckets.setIamPolicy`: the policy's `etag` makes it conditional (412 when stale).
    pub async fn set_iam(&self, bucket: &str, policy: &Value) -> Result<Value, ApiError> {
        let op = format!("storage.buckets.setIamPolicy {bucket}");
        let url = format!("{}/iam", self.bucket_url(bucket));
        self.clients
            .call(&op, Method::PUT, &url, Some(policy))
            .await
    }
}

/// An int64 field as Google encodes it (a string), or a number.
pub fn int64(value: &Value, key: &str) -> Option<i64> {
    match value.get(key)? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

/// `bucket` from `name`, `gs://name[/…]`, `projects/_/buckets/name[/…]` or
/// `//storage.googleapis.com/name`.
pub fn bucket_name(id: &str) -> &str {
    let rest = id
        .strip_prefix("gs://")
        .or_else(|| id.strip_prefix("//storage.googleapis.com/projects/_/buckets/"))
        .or_else(|| id.strip_prefix("//storage.googleapis.com/"))
        .or_else(|| id.strip_prefix("projects/_/buckets/"))
        .unwrap_or(id);
    rest.split('/').next().unwrap_or(rest)
}

/// `(bucket, object)` from `bucket/object`, `gs://bucket/object` or
/// `projects/_/buckets/bucket/objects/object`.
pub fn object_location(id: &str) -> Option<(&str, &str)> {
    if let Some(rest) = id.strip_prefix("projects/_/buckets/") {
        let (bucket, object) = rest.split_once("/objects/")?;
        return (!bucket.is_empty() && !object.is_empty()).then_some((bucket, object));
    }
    let rest = id.strip_prefix("gs://").unwrap_or(id);
    rest.split_once('/')
        .filter(|(b, o)| !b.is_empty() && !o.is_empty())
}

/// An empty JSON object, for calls that take a body but need nothing in it.
pub fn empty() -> Value {
    json!({})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(bucket_name("gs://train/x"), "train");
        assert_eq!(bucket_name("projects/_/buckets/train"), "train");
        assert_eq!(bucket_name("//storage.googleapis.com/train"), "train");
        assert_eq!(bucket_name("train"), "train");
        assert_eq!(object_location("train/a/b.csv"), Some(("train", "a/b.csv")));
        assert_eq!(
            object_location("gs://train/a.csv"),
            Some(("train", "a.csv"))
        );
        assert_eq!(
            object_location("projects/_/buckets/t/objects/a/b"),
            Some(("t", "a/b"))
        );
        assert_eq!(object_location("train"), None);
        assert_eq!(int64(&json!({"generation": "17"}), "generation"), Some(17));
    }
}
