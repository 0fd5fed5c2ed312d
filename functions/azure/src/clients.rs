//! One set of clients per process: the credential, one HTTP client, the endpoints.
//!
//! Every client takes an optional endpoint so tests run the production code path: Azurite for
//! Blob and Table (HTTPS + OAuth, the same bearer-token path as production) and a local server
//! answering with the official REST examples for Resource Manager, Key Vault, Content Safety,
//! Event Grid and Application Insights.
//!
//! Blob Storage goes through the official `azure_storage_blob` crate. Table Storage, Resource
//! Manager (storage accounts, Azure ML endpoints, App Service, WAF policies), Key Vault
//! secrets, Content Safety blocklists, Event Grid and Application Insights ingestion have no
//! crate in the current unified Azure SDK for Rust that this build can use, so they are called
//! over their documented REST APIs with reqwest and a bearer token from the same
//! `TokenCredential` (`azure_identity` in production).
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use azure_core::http::{ClientOptions, Transport};
use azure_storage_blob::{
    BlobClient, BlobClientOptions, BlobContainerClient, BlobContainerClientOptions,
    BlobServiceClient, BlobServiceClientOptions,
};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use url::Url;

use crate::error::CallError;

/// Service endpoints. Templates contain `{account}`; `None` means the public Azure cloud.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    /// Resource Manager base (`https://management.azure.com`).
    pub arm: Option<String>,
    /// Blob service per account, e.g. `https://127.0.0.1:10000/{account}` for Azurite.
    pub blob: Option<String>,
    /// Table service per account, e.g. `https://127.0.0.1:10002/{account}` for Azurite.
    pub table: Option<String>,
    /// Replaces the scheme and host of every Key Vault URL (`https://{vault}.vault.azure.net`).
    pub key_vault: Option<String>,
    /// Replaces the scheme and host of Content Safety URLs.
    pub content_safety: Option<String>,
    /// Replaces the scheme and host of Logs Ingestion URLs (`https://{dce}.ingest.monitor.azure.com`).
    pub logs_ingestion: Option<String>,
}

impl Endpoints {
    /// Read `AIIR_AZURE_ARM_ENDPOINT`, `AIIR_AZURE_BLOB_ENDPOINT`, `AIIR_AZURE_TABLE_ENDPOINT`,
    /// `AIIR_AZURE_KEYVAULT_ENDPOINT`, `AIIR_AZURE_CONTENT_SAFETY_ENDPOINT`,
    /// `AIIR_AZURE_LOGS_INGESTION_ENDPOINT`.
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Self {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        Self {
            arm: get("AIIR_AZURE_ARM_ENDPOINT"),
            blob: get("AIIR_AZURE_BLOB_ENDPOINT"),
            table: get("AIIR_AZURE_TABLE_ENDPOINT"),
            key_vault: get("AIIR_AZURE_KEYVAULT_ENDPOINT"),
            content_safety: get("AIIR_AZURE_CONTENT_SAFETY_ENDPOINT"),
            logs_ingestion: get("AIIR_AZURE_LOGS_INGESTION_ENDPOINT"),
        }
    }

    pub fn arm_base(&self) -> String {
        self.arm
            .clone()
            .unwrap_or_else(|| "https://management.azure.com".into())
            .trim_end_matches('/')
            .to_string()
    }

    pub fn blob_base(&self, account: &str) -> String {
        self.blob
            .clone()
            .unwrap_or_else(|| "https://{account}.blob.core.windows.net".into())
            .replace("{account}", account)
            .trim_end_matches('/')
            .to_string()
    }

    pub fn table_base(&self, account: &str) -> String {
        self.table
            .clone()
            .unwrap_or_else(|| "https://{account}.table.core.windows.net".into())
            .replace("{account}", account)
            .trim_end_matches('/')
            .to_string()
    }

    /// A service URL with its scheme and host replaced by `over` (keeps the path and query).
    pub fn rebase(url: &str, over: Option<&str>) -> Result<Url, CallError> {
        let parsed =
            Url::parse(url).map_err(|e| CallError::new(url, None, format!("not a URL: {e}")))?;
        let Some(base) = over else { return Ok(parsed) };
        let mut out = Url::parse(base.trim_end_matches('/'))
            .map_err(|e| CallError::new(base, None, format!("not a URL: {e}")))?;
        let prefix = out.path().trim_end_matches('/').to_string();
        out.set_path(&format!("{prefix}{}", parsed.path()));
        out.set_query(parsed.query());
        Ok(out)
    }
}

/// What an HTTP call returned.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub etag: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

#[derive(Clone)]
pub struct AzureClients {
    pub credential: Arc<dyn TokenCredential>,
    pub http: reqwest::Client,
    pub endpoints: Endpoints,
}

impl std::fmt::Debug for AzureClients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureClients")
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

/// The HTTP client: rustls, timeouts, no redirects (Azure REST guidelines), and the extra
/// root certificates given (tests trust Azurite's throwaway certificate this way, and only
/// that one).
pub fn http_client(extra_roots_pem: Option<&[u8]>) -> Result<reqwest::Client, CallError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none());
    if let Some(pem) = extra_roots_pem {
        let cert = reqwest::Certificate::from_pem(pem)
            .map_err(|e| CallError::new("root certificate", None, e.to_string()))?;
        builder = builder.tls_certs_only([cert]);
    }
    builder
        .build()
        .map_err(|e| CallError::new("http client", None, e.to_string()))
}

impl AzureClients {
    pub fn new(
        credential: Arc<dyn TokenCredential>,
        http: reqwest::Client,
        endpoints: Endpoints,
    ) -> Self {
        Self {
            credential,
            http,
            endpoints,
        }
    }

    fn client_options(&self) -> ClientOptions {
        ClientOptions {
            transport: Some(Transport::new(Arc::new(self.http.clone()))),
            ..Default::default()
        }
    }

    /// A Blob SDK client for one blob, on this process's transport and credential.
    pub fn blob(
        &self,
        account: &str,
        container: &str,
        blob: &str,
    ) -> Result<BlobClient, CallError> {
        let url = self.blob_url(account, container, Some(blob))?;
        let options = BlobClientOptions {
            client_options: self.client_options(),
            ..Default::default()
        };
        BlobClient::new(url, Some(self.credential.clone()), Some(options))
            .map_err(|e| crate::error::from_sdk("blob client", &e))
    }

    pub fn container(
        &self,
        account: &str,
        container: &str,
    ) -> Result<BlobContainerClient, CallError> {
        let url = self.blob_url(account, container, None)?;
        let options = BlobContainerClientOptions {
            client_options: self.client_options(),
            ..Default::default()
        };
        BlobContainerClient::new(url, Some(self.credential.clone()), Some(options))
            .map_err(|e| crate::error::from_sdk("container client", &e))
    }

    pub fn blob_service(&self, account: &str) -> Result<BlobServiceClient, CallError> {
        let base = self.endpoints.blob_base(account);
        let url = Url::parse(&format!("{base}/"))
            .map_err(|e| CallError::new(&base, None, e.to_string()))?;
        let options = BlobServiceClientOptions {
            client_options: self.client_options(),
            ..Default::default()
        };
        BlobServiceClient::new(url, Some(self.credential.clone()), Some(options))
            .map_err(|e| crate::error::from_sdk("blob service client", &e))
    }

    /// `{blob endpoint}/{container}[/{blob}]`, each segment percent-encoded.
    pub fn blob_url(
        &self,
        account: &str,
        container: &str,
        blob: Option<&str>,
    ) -> Result<Url, CallError> {
        let base = self.endpoints.blob_base(account);
        let mut url = Url::parse(&base).map_err(|e| CallError::new(&base, None, e.to_string()))?;
        {
            let mut segs = url
                .path_segments_mut()
                .map_err(|_| CallError::new(&base, None, "cannot be a base URL"))?;
            segs.pop_if_empty().push(container);
            if let Some(b) = blob {
                for part in b.split('/') {
                    segs.push(part);
                }
            }
        }
        Ok(url)
    }

    pub async fn token(&self, scope: &str) -> Result<String, CallError> {
        let token = self
            .credential
            .get_token(&[scope], None)
            .await
            .map_err(|e| {
                CallError::new(
                    format!("token for {scope}"),
                    e.http_status().map(u16::from),
                    e.to_string(),
                )
            })?;
        Ok(token.token.secret().to_string())
    }

    /// One REST call with a bearer token for `scope`. Non-2xx answers become a [`CallError`]
    /// carrying the service's error code and message (from `error.code`/`error.message`).
    pub async fn call(
        &self,
        what: &str,
        method: Method,
        url: Url,
        scope: &str,
        headers: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Reply, CallError> {
        let reply = self
            .call_raw(what, method, url, scope, headers, body)
            .await?;
        if (200..300).contains(&reply.status) {
            Ok(reply)
        } else {
            Err(error_of(what, &reply))
        }
    }

    /// Like [`Self::call`], but any status is returned (callers that treat 404/409/412 as answers).
    pub async fn call_raw(
        &self,
        what: &str,
        method: Method,
        url: Url,
        scope: &str,
        headers: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Reply, CallError> {
        let token = self.token(scope).await?;
        let mut req = self.http.request(method, url).bearer_auth(token);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let rsp = req
            .send()
            .await
            .map_err(|e| CallError::new(what, None, e.to_string()))?;
        let status = rsp.status();
        let headers = rsp.headers().clone();
        let etag = headers
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = rsp
            .bytes()
            .await
            .map_err(|e| CallError::new(what, Some(status.as_u16()), e.to_string()))?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        Ok(Reply {
            status: status.as_u16(),
            etag,
            headers,
            body,
        })
    }
}

/// The service's error (`{"error": {"code", "message"}}` for ARM, Key Vault and Cognitive
/// Services; `{"odata.error": …}` for Table Storage) as a [`CallError`].
pub fn error_of(what: &str, reply: &Reply) -> CallError {
    let err = reply
        .body
        .get("error")
        .or_else(|| reply.body.get("odata.error"));
    let code = err
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let message = err
        .and_then(|e| e.get("message"))
        .and_then(|m| {
            m.as_str()
                .or_else(|| m.get("value").and_then(Value::as_str))
        })
        .map(|m| m.chars().take(300).collect::<String>())
        .unwrap_or_else(|| {
            StatusCode::from_u16(reply.status)
                .map(|s| s.canonical_reason().unwrap_or("").to_string())
                .unwrap_or_default()
        });
    CallError {
        what: what.to_string(),
        status: Some(reply.status),
        message: match &code {
            Some(c) => format!("{c}: {message}"),
            None => message,
        },
        code,
    }
}
