//! One set of clients per process: the official Cloud Storage client (object reads and
//! writes, JSON API), one `reqwest` client for the documented JSON/REST APIs the official
//! Rust crates do not cover over HTTP (bucket metadata and IAM, object list / delete /
//! rewrite / patch, Vertex AI, Secret Manager, Compute Engine security policies, Pub/Sub),
//! and one set of credentials shared by both.
//!
//! Credentials: Application Default Credentials in Google Cloud (the Cloud Run service
//! account through the metadata server), anonymous against emulators, or whatever the
//! caller passes ([`Auth`]). Every endpoint can be overridden ([`Endpoints`]) so the
//! emulator and REST-fixture tests run the production code path.
//!
//! Why not `StorageControl` for bucket metadata and IAM: it speaks gRPC only, and no
//! emulator available here serves Cloud Storage over gRPC; the JSON API is documented,
//! stable and what `gcp-storage-emulator` serves.
use std::time::Duration;

use google_cloud_auth::credentials::{self, CacheableResource, Credentials};
use google_cloud_storage::client::Storage;
use reqwest::Method;
use serde_json::Value;

use crate::error::{clip, ApiError};

/// OAuth scope for every API aiir calls.
pub const CLOUD_PLATFORM_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// Base URLs. Production defaults; each can be replaced by an emulator or fixture server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Cloud Storage JSON API root (`https://storage.googleapis.com`).
    pub storage: String,
    /// Vertex AI root. `None`: the regional endpoint of each resource's location
    /// (`https://{location}-aiplatform.googleapis.com`).
    pub vertex: Option<String>,
    pub secret_manager: String,
    pub compute: String,
    pub pubsub: String,
    /// Cloud Monitoring (`https://monitoring.googleapis.com`): trigger-alert.
    pub monitoring: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self {
            storage: "https://storage.googleapis.com".into(),
            vertex: None,
            secret_manager: "https://secretmanager.googleapis.com".into(),
            compute: "https://compute.googleapis.com".into(),
            pubsub: "https://pubsub.googleapis.com".into(),
            monitoring: "https://monitoring.googleapis.com".into(),
        }
    }
}

impl Endpoints {
    /// Every API at one base URL (the REST fixture server) except storage.
    pub fn all_at(storage: &str, rest: &str) -> Self {
        let rest = rest.trim_end_matches('/').to_string();
        Self {
            storage: storage.trim_end_matches('/').to_string(),
            vertex: Some(rest.clone()),
            secret_manager: rest.clone(),
            compute: rest.clone(),
            pubsub: rest.clone(),
            monitoring: rest,
        }
    }

    /// The Vertex AI root for a resource in `location`.
    pub fn vertex_for(&self, location: &str) -> String {
        match &self.vertex {
            Some(v) => v.trim_end_matches('/').to_string(),
            None => format!("https://{location}-aiplatform.googleapis.com"),
        }
    }
}

/// Which credentials the clients use.
#[derive(Clone, Debug)]
pub enum Auth {
    /// Application Default Credentials with the cloud-platform scope.
    Adc,
    /// No credentials (emulators, fixture servers).
    Anonymous,
    /// Credentials built by the caller.
    Fixed(Credentials),
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("Application Default Credentials: {0}")]
    Credentials(String),
    #[error("Cloud Storage client: {0}")]
    Storage(String),
    #[error("HTTP client: {0}")]
    Http(String),
}

#[derive(Clone, Debug)]
pub struct GcpClients {
    pub storage: Storage,
    pub http: reqwest::Client,
    pub endpoints: Endpoints,
    credentials: Credentials,
    /// Project for names given without one (topics, security policies, secrets).
    pub project: Option<String>,
}

impl GcpClients {
    pub async fn new(
        endpoints: Endpoints,
        auth: Auth,
        project: Option<String>,
    ) -> Result<Self, ClientError> {
        let credentials = match auth {
            Auth::Adc => credentials::Builder::default()
                .with_scopes([CLOUD_PLATFORM_SCOPE])
                .build()
                .map_err(|e| ClientError::Credentials(e.to_string()))?,
            Auth::Anonymous => credentials::anonymous::Builder::new().build(),
            Auth::Fixed(c) => c,
        };
        let storage = Storage::builder()
            .with_endpoint(endpoints.storage.clone())
            .with_credentials(credentials.clone())
            .build()
            .await
            .map_err(|e| ClientError::Storage(e.to_string()))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("aiir-gcp/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Http(e.to_string()))?;
        Ok(Self {
            storage,
            http,
            endpoints,
            credentials,
            project,
        })
    }

    /// The project to use for a short name, or an error naming what is missing.
    pub fn project_for(&self, what: &str) -> Result<&str, ApiError> {
        self.project.as_deref().ok_or_else(|| ApiError::Status {
            op: what.to_string(),
            status: 400,
            reason: "noProject".into(),
            message: "give a full resource name or set GOOGLE_CLOUD_PROJECT".into(),
        })
    }

    /// Authorization headers from the shared credentials (none when anonymous).
    async fn auth_headers(&self, op: &str) -> Result<http::HeaderMap, ApiError> {
        match self.credentials.headers(http::Extensions::new()).await {
            Ok(CacheableResource::New { data, .. }) => Ok(data),
            Ok(CacheableResource::NotModified) => Ok(http::HeaderMap::new()),
            Err(e) => Err(ApiError::Auth {
                op: op.to_string(),
                message: clip(&e.to_string(), 300),
                transient: e.is_transient(),
            }),
        }
    }

    /// Call a JSON API: `op` names the call in errors (`storage.buckets.patch b`).
    pub async fn call(
        &self,
        op: &str,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Value, ApiError> {
        let headers = self.auth_headers(op).await?;
        let mut request = self.http.request(method, url).headers(headers);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| ApiError::Transport {
            op: op.to_string(),
            message: clip(&e.to_string(), 300),
        })?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| ApiError::Transport {
            op: op.to_string(),
            message: clip(&e.to_string(), 300),
        })?;
        if !(200..300).contains(&status) {
            return Err(ApiError::from_response(op, status, &bytes));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| ApiError::decode(op, e.to_string()))
    }
}

/// Percent-encode one path segment (object names, ids).
pub fn enc(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string()
}

const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
