//! Test and drill support (cargo feature `testing`): a JWT-shaped credential for Azurite, the
//! Azurite harness (TLS + OAuth), seeding of a realistic AI deployment, a local server that
//! answers with the official Azure REST API examples, and a handler built against given
//! endpoints. Nothing here is used by the function in Azure.
use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aiir_core::state::StateStore;
use async_trait::async_trait;
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_storage_blob::models::{
    BlobContainerClientCreateOptions, BlockBlobClientUploadOptions, PublicAccessType,
};
use base64::Engine;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;

use crate::clients::{http_client, AzureClients, Endpoints};
use crate::config::Config;
use crate::handler::{Handler, ModelIoScanner};
use crate::state::TableStateStore;

/// Azurite's well-known development account.
pub const ACCOUNT: &str = "devstoreaccount1";

// ------------------------------------------------------------------ credential

/// A [`TokenCredential`] that mints JWT-shaped tokens (header.payload.signature, base64url)
/// with the audience of the requested scope, a Microsoft Entra issuer and a one-hour lifetime.
///
/// Azurite's `--oauth basic` checks the token's shape, issuer, audience and lifetime, not its
/// signature, so these tokens take the same bearer-token path production takes; the signature
/// is a constant. Never use this against Azure: it is rejected there.
#[derive(Debug, Clone, Default)]
pub struct JwtShapedCredential;

impl JwtShapedCredential {
    pub fn arc() -> Arc<dyn TokenCredential> {
        Arc::new(Self)
    }

    /// The token for one scope (`https://storage.azure.com/.default` → audience
    /// `https://storage.azure.com`).
    pub fn mint(scope: &str) -> String {
        let b64 =
            |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let now = chrono::Utc::now().timestamp();
        let aud = scope.trim_end_matches("/.default").trim_end_matches('/');
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": "aiir-test" });
        let payload = json!({
            "aud": aud,
            "iss": "https://sts.windows.net/00000000-0000-0000-0000-00000000a11e/",
            "iat": now - 60,
            "nbf": now - 60,
            "exp": now + 3600,
            "oid": "00000000-0000-0000-0000-0000000a11e0",
            "tid": "00000000-0000-0000-0000-00000000a11e",
            "appid": "aiir-tests",
        });
        format!(
            "{}.{}.{}",
            b64(&header),
            b64(&payload),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b"not-a-signature")
        )
    }
}

#[async_trait]
impl TokenCredential for JwtShapedCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let scope = scopes
            .first()
            .copied()
            .unwrap_or("https://storage.azure.com/.default");
        let expires =
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1);
        Ok(AccessToken::new(Self::mint(scope), expires))
    }
}

// ------------------------------------------------------------------ Azurite

/// A running Azurite (Blob, Queue, Table) with HTTPS and OAuth, on free loopback ports, with a
/// throwaway CA and server certificate made by `openssl`. Stopped when dropped.
pub struct Azurite {
    child: Option<std::process::Child>,
    dir: PathBuf,
    pub blob_port: u16,
    pub queue_port: u16,
    pub table_port: u16,
    /// The CA that signed Azurite's certificate (PEM): the only root the test client trusts.
    pub ca_pem: Vec<u8>,
}

impl Drop for Azurite {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Where the pinned Azurite is installed (`make tools-azurite`), or `AIIR_AZURITE_BIN`.
pub fn azurite_bin() -> Result<PathBuf, String> {
    if let Some(bin) = std::env::var_os("AIIR_AZURITE_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bin = repo.join(".tools/azurite/node_modules/.bin/azurite");
    if bin.exists() {
        Ok(bin)
    } else {
        Err(format!(
            "Azurite is not installed at {}: run `make tools-azurite` (pinned in tests/emulators/azurite), or set AIIR_AZURITE_BIN",
            bin.display()
        ))
    }
}

fn free_port() -> Result<u16, String> {
    let l = StdListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

fn openssl(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("openssl: {e} (is the openssl CLI installed?)"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A throwaway CA and a server certificate for 127.0.0.1/localhost signed by it.
pub fn make_certificates(dir: &Path) -> Result<(), String> {
    std::fs::write(dir.join("server.ext"), "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n").map_err(|e| e.to_string())?;
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=aiir test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    )?;
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    )?;
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    )?;
    Ok(())
}

impl Azurite {
    /// Start Azurite with `--oauth basic` over HTTPS. Errors (never skips) when it is missing.
    pub fn start() -> Result<Self, String> {
        let bin = azurite_bin()?;
        let dir = std::env::temp_dir().join(format!(
            "aiir-azurite-{}-{}",
            std::process::id(),
            free_port()?
        ));
        std::fs::create_dir_all(dir.join("data")).map_err(|e| e.to_string())?;
        make_certificates(&dir)?;
        let (blob_port, queue_port, table_port) = (free_port()?, free_port()?, free_port()?);
        let log = std::fs::File::create(dir.join("azurite.log")).map_err(|e| e.to_string())?;
        let child = std::process::Command::new(&bin)
            .args([
                "--silent",
                "--skipApiVersionCheck",
                "--loose",
                "--disableProductStyleUrl",
            ])
            .args(["--location", &dir.join("data").to_string_lossy()])
            .args([
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                &blob_port.to_string(),
            ])
            .args([
                "--queueHost",
                "127.0.0.1",
                "--queuePort",
                &queue_port.to_string(),
            ])
            .args([
                "--tableHost",
                "127.0.0.1",
                "--tablePort",
                &table_port.to_string(),
            ])
            .args([
                "--cert",
                &dir.join("cert.pem").to_string_lossy(),
                "--key",
                &dir.join("key.pem").to_string_lossy(),
            ])
            .args(["--oauth", "basic"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let ca_pem = std::fs::read(dir.join("ca.pem")).map_err(|e| e.to_string())?;
        let mut me = Self {
            child: Some(child),
            dir,
            blob_port,
            queue_port,
            table_port,
            ca_pem,
        };
        // Wait until all three ports accept connections (bounded).
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        for port in [blob_port, queue_port, table_port] {
            loop {
                if std::net::TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).is_ok() {
                    break;
                }
                if let Some(child) = me.child.as_mut() {
                    if let Ok(Some(status)) = child.try_wait() {
                        let log =
                            std::fs::read_to_string(me.dir.join("azurite.log")).unwrap_or_default();
                        return Err(format!("Azurite exited ({status}) before listening: {log}"));
                    }
                }
                if std::time::Instant::now() > deadline {
                    return Err("Azurite did not listen within 60s".into());
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Ok(me)
    }

    pub fn blob_endpoint(&self) -> String {
        format!("https://127.0.0.1:{}/{{account}}", self.blob_port)
    }

    pub fn table_endpoint(&self) -> String {
        format!("https://127.0.0.1:{}/{{account}}", self.table_port)
    }

    pub fn queue_endpoint(&self) -> String {
        format!("https://127.0.0.1:{}/{{account}}", self.queue_port)
    }

    /// An HTTP client that trusts only this Azurite's CA.
    pub fn http(&self) -> reqwest::Client {
        http_client(Some(&self.ca_pem)).expect("test HTTP client")
    }

    /// Endpoints for Azurite's storage plus, optionally, a REST fixture server for the rest.
    pub fn endpoints(&self, rest: Option<&str>) -> Endpoints {
        Endpoints {
            arm: rest.map(str::to_string),
            blob: Some(self.blob_endpoint()),
            table: Some(self.table_endpoint()),
            key_vault: rest.map(str::to_string),
            content_safety: rest.map(str::to_string),
            logs_ingestion: rest.map(str::to_string),
        }
    }

    /// Clients on the production code path: bearer tokens, HTTPS, this Azurite.
    pub fn clients(&self, rest: Option<&str>) -> AzureClients {
        AzureClients::new(
            JwtShapedCredential::arc(),
            self.http(),
            self.endpoints(rest),
        )
    }
}

// ------------------------------------------------------------------ seeding

/// What [`seed_ai_deployment`] created.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub account: String,
    pub training_container: String,
    pub models_container: String,
    pub quarantine_container: String,
    pub state_table: String,
    pub audit_container: String,
    /// `{account}/{container}/{blob}` of the seeded training blobs; the last one is poisoned.
    pub training_blobs: Vec<String>,
}

/// A realistic AI deployment in Azurite: a training-data container left public (container
/// access level), training blobs including a poisoned batch, a private models container, the
/// state table and the audit container.
pub async fn seed_ai_deployment(clients: &AzureClients) -> Result<Deployment, String> {
    let d = Deployment {
        account: ACCOUNT.into(),
        training_container: "training-data".into(),
        models_container: "models".into(),
        quarantine_container: "aiir-quarantine".into(),
        state_table: "aiirstate".into(),
        audit_container: "aiir-audit".into(),
        training_blobs: Vec::new(),
    };
    let e = |what: &str, err: &dyn std::fmt::Display| format!("seed {what}: {err}");
    for (container, public) in [
        (&d.training_container, true),
        (&d.models_container, false),
        (&d.audit_container, false),
    ] {
        let client = clients
            .container(&d.account, container)
            .map_err(|x| e(container, &x))?;
        let options = BlobContainerClientCreateOptions {
            access: public.then_some(PublicAccessType::Container),
            ..Default::default()
        };
        match client.create(Some(options)).await {
            Ok(_) => {}
            Err(err) if err.http_status().map(u16::from) == Some(409) => {}
            Err(err) => return Err(e(container, &err)),
        }
    }
    let blobs = [
        (
            d.training_container.as_str(),
            "batches/2025-05-01/transactions.csv",
            "id,amount,label\n1,12.50,0\n2,9800.00,1\n".to_string(),
        ),
        (
            d.training_container.as_str(),
            "batches/2025-05-02/labels.csv",
            "id,label\n1,0\n2,0\n3,0\n# flipped labels injected\n".to_string(),
        ),
        (
            d.models_container.as_str(),
            "fraud-scorer/v7/model.onnx",
            "ONNX-PLACEHOLDER".to_string(),
        ),
    ];
    let mut training = Vec::new();
    for (container, name, body) in blobs {
        let client = clients
            .blob(&d.account, container, name)
            .map_err(|x| e(name, &x))?;
        let options = BlockBlobClientUploadOptions {
            blob_content_type: Some("text/csv".into()),
            ..Default::default()
        };
        client
            .upload(
                azure_core::Bytes::from(body.into_bytes()).into(),
                Some(options),
            )
            .await
            .map_err(|x| e(name, &x))?;
        if container == d.training_container {
            training.push(format!("{}/{container}/{name}", d.account));
        }
    }
    TableStateStore::new(clients.clone(), d.account.clone(), d.state_table.clone())
        .ensure_table()
        .await
        .map_err(|x| e("state table", &x))?;
    Ok(Deployment {
        training_blobs: training,
        ..d
    })
}

/// Config for a handler on the seeded deployment.
pub fn config_for(d: &Deployment, endpoints: Endpoints) -> Config {
    Config {
        storage_account: Some(d.account.clone()),
        state_table: Some(d.state_table.clone()),
        audit_container: Some(d.audit_container.clone()),
        playbook_path: None,
        dry_run: false,
        endpoints,
    }
}

/// A handler built against the given endpoints (Azurite, a REST fixture server) with the
/// JWT-shaped credential. `scanner`: `None` for no model-I/O findings.
pub fn build_handler(
    config: &Config,
    http: reqwest::Client,
    scanner: Option<ModelIoScanner>,
) -> Result<Handler, String> {
    let scanner =
        scanner.unwrap_or_else(|| Arc::new(|_: &aiir_core::intake::ModelIoBatch| Vec::new()));
    crate::app::build_with(config, JwtShapedCredential::arc(), http, scanner)
        .map_err(|e| e.to_string())
}

/// The state store of a seeded deployment (tests read claims and counters through it).
pub fn state_store(clients: &AzureClients, d: &Deployment) -> Arc<dyn StateStore> {
    Arc::new(TableStateStore::new(
        clients.clone(),
        d.account.clone(),
        d.state_table.clone(),
    ))
}

// ------------------------------------------------------------------ REST fixture server

/// The official examples this crate's REST calls are tested against (azure-rest-api-specs,
/// MIT): file name → text. Sources are listed in `tests/fixtures/rest/SOURCES.md`.
pub const REST_EXAMPLES: &[(&str, &str)] = &[
    (
        "StorageAccountGetProperties.json",
        include_str!("../tests/fixtures/rest/StorageAccountGetProperties.json"),
    ),
    (
        "StorageAccountUpdate.json",
        include_str!("../tests/fixtures/rest/StorageAccountUpdate.json"),
    ),
    (
        "SetSecret-example.json",
        include_str!("../tests/fixtures/rest/SetSecret-example.json"),
    ),
    (
        "GetSecret-example.json",
        include_str!("../tests/fixtures/rest/GetSecret-example.json"),
    ),
    (
        "GetSecretVersions-example.json",
        include_str!("../tests/fixtures/rest/GetSecretVersions-example.json"),
    ),
    (
        "BlobContainersList.json",
        include_str!("../tests/fixtures/rest/BlobContainersList.json"),
    ),
    (
        "BlobContainersPatch.json",
        include_str!("../tests/fixtures/rest/BlobContainersPatch.json"),
    ),
];

/// One example file, parsed.
pub fn example(name: &str) -> Value {
    REST_EXAMPLES
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, t)| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

/// The response body of an example for a status (`"200"`).
pub fn example_response(name: &str, status: &str) -> Value {
    example(name)
        .pointer(&format!("/responses/{status}/body"))
        .cloned()
        .unwrap_or(Value::Null)
}

/// A request the fixture server received.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub authorization: Option<String>,
    pub body: Value,
}

impl Recorded {
    pub fn api_version(&self) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == "api-version")
            .map(|(_, v)| v.into_owned())
    }
}

/// A route: method and exact path; answers are used in order, the last one repeats.
#[derive(Debug, Clone)]
pub struct Route {
    pub method: &'static str,
    pub path: String,
    pub answers: VecDeque<(u16, Value)>,
}

impl Route {
    pub fn new(method: &'static str, path: impl Into<String>, answers: Vec<(u16, Value)>) -> Self {
        Self {
            method,
            path: path.into(),
            answers: answers.into(),
        }
    }
}

/// An answer computed from the request, for fixtures whose state must change on write (the
/// drill's Resource Manager, Key Vault and Content Safety). `None` falls through to the routes.
pub type DynamicAnswer = Arc<dyn Fn(&Recorded) -> Option<(u16, Value)> + Send + Sync>;

#[derive(Default)]
struct FixtureState {
    routes: Vec<Route>,
    requests: Vec<Recorded>,
    dynamic: Option<DynamicAnswer>,
}

/// A local HTTP server answering with the REST examples and recording what it was sent.
/// Requests with no route get 404 with an ARM-style error body.
#[derive(Clone)]
pub struct FixtureServer {
    pub base: String,
    state: Arc<Mutex<FixtureState>>,
}

impl FixtureServer {
    pub async fn start(routes: Vec<Route>) -> Result<Self, String> {
        Self::start_with(routes, None).await
    }

    /// Like [`Self::start`], asking `dynamic` first for every request.
    pub async fn start_with(
        routes: Vec<Route>,
        dynamic: Option<DynamicAnswer>,
    ) -> Result<Self, String> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let state = Arc::new(Mutex::new(FixtureState {
            routes,
            requests: Vec::new(),
            dynamic,
        }));
        let server = Self {
            base: format!("http://{addr}"),
            state: state.clone(),
        };
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = state.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(answer(&state, req).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(server)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state
            .lock()
            .map(|s| s.requests.clone())
            .unwrap_or_default()
    }

    /// Requests other than reads.
    pub fn writes(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .collect()
    }
}

async fn answer(state: &Arc<Mutex<FixtureState>>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let authorization = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (status, reply) = {
        let Ok(mut s) = state.lock() else {
            return Response::new(Full::new(Bytes::new()));
        };
        let recorded = Recorded {
            method: method.clone(),
            path: path.clone(),
            query,
            authorization,
            body,
        };
        let computed = s.dynamic.as_ref().and_then(|d| d(&recorded));
        s.requests.push(recorded);
        if let Some(reply) = computed {
            reply
        } else {
            match s
                .routes
                .iter_mut()
                .find(|r| r.method == method && r.path.eq_ignore_ascii_case(&path))
            {
                Some(route) => {
                    let a = if route.answers.len() > 1 {
                        route.answers.pop_front()
                    } else {
                        route.answers.front().cloned()
                    };
                    a.unwrap_or((500, Value::Null))
                }
                None => (
                    404,
                    json!({ "error": { "code": "ResourceNotFound", "message": format!("no fixture for {method} {path}") } }),
                ),
            }
        }
    };
    let mut rsp = Response::new(Full::new(Bytes::from(if reply.is_null() {
        String::new()
    } else {
        reply.to_string()
    })));
    *rsp.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    rsp.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/json"),
    );
    rsp
}

/// Resource Manager routes for the storage account `id`, answering with the official examples
/// re-homed on that id: `GET` the account (`StorageAccountGetProperties`, with
/// `allowBlobPublicAccess` as given, then `false` as `StorageAccountUpdate` returns), `PATCH`
/// (`StorageAccountUpdate`), the container list (`BlobContainersList`: `container1644` public
/// at `Container`, `container4052` private; its `nextLink` is dropped, paging is not
/// exercised), and `GET`/`PATCH` of `container1644` (`BlobContainersPatch`, publicAccess
/// `Container` before the lock, `None` after, `Container` again after undo).
pub fn storage_account_routes(id: &str, public_before: bool) -> Vec<Route> {
    let mut before = example_response("StorageAccountGetProperties.json", "200");
    before["id"] = json!(id);
    before["properties"]["allowBlobPublicAccess"] = json!(public_before);
    let mut after = example_response("StorageAccountUpdate.json", "200");
    after["id"] = json!(id);
    let mut restored = before.clone();
    restored["properties"]["allowBlobPublicAccess"] = json!(public_before);
    let mut list = example_response("BlobContainersList.json", "200");
    if let Some(obj) = list.as_object_mut() {
        obj.remove("nextLink");
    }
    let container = format!("{id}/blobServices/default/containers/container1644");
    let public = example_response("BlobContainersPatch.json", "200");
    let mut private = public.clone();
    private["properties"]["publicAccess"] = json!("None");
    vec![
        Route::new(
            "GET",
            id,
            vec![(200, before), (200, after.clone()), (200, after.clone())],
        ),
        Route::new("PATCH", id, vec![(200, after)]),
        Route::new(
            "GET",
            format!("{id}/blobServices/default/containers"),
            vec![(200, list)],
        ),
        Route::new(
            "GET",
            container.clone(),
            vec![
                (200, private.clone()),
                (200, private.clone()),
                (200, public.clone()),
            ],
        ),
        Route::new("PATCH", container, vec![(200, private), (200, public)]),
    ]
}

/// Key Vault routes for secret `name` (path `/secrets/{name}`): the current version is the
/// `GetSecret` example, a PUT answers with the `SetSecret` example, and GETs after it show that
/// new version.
pub fn key_vault_routes(name: &str) -> Vec<Route> {
    let current = example_response("GetSecret-example.json", "200");
    let set = example_response("SetSecret-example.json", "200");
    vec![
        Route::new(
            "GET",
            format!("/secrets/{name}"),
            vec![(200, current.clone()), (200, set.clone())],
        ),
        Route::new("PUT", format!("/secrets/{name}"), vec![(200, set)]),
        Route::new(
            "GET",
            format!("/secrets/{name}/4387e9f3d6e14c459867679a90fd0f79"),
            vec![(200, current)],
        ),
    ]
}

// ------------------------------------------------------------------ blob reads and writes

/// One blob's content and metadata, or `None` when it does not exist (the drill's checks).
pub async fn read_blob(
    clients: &AzureClients,
    account: &str,
    container: &str,
    blob: &str,
) -> Result<Option<(Vec<u8>, std::collections::HashMap<String, String>)>, String> {
    let client = clients
        .blob(account, container, blob)
        .map_err(|e| e.to_string())?;
    let props = match client.get_properties(None).await {
        Ok(p) => p,
        Err(e) if e.http_status().map(u16::from) == Some(404) => return Ok(None),
        Err(e) => return Err(format!("{container}/{blob}: {e}")),
    };
    let metadata =
        azure_storage_blob::models::BlobClientGetPropertiesResultHeaders::metadata(&props)
            .map_err(|e| e.to_string())?;
    let body = client
        .download(None)
        .await
        .map_err(|e| format!("download {container}/{blob}: {e}"))?
        .body
        .collect()
        .await
        .map_err(|e| format!("download {container}/{blob}: {e}"))?;
    Ok(Some((body.to_vec(), metadata)))
}

/// Upload (create or overwrite) a block blob: seeding, and the drill's attacks.
pub async fn write_blob(
    clients: &AzureClients,
    account: &str,
    container: &str,
    blob: &str,
    body: Vec<u8>,
) -> Result<(), String> {
    clients
        .blob(account, container, blob)
        .map_err(|e| e.to_string())?
        .upload(azure_core::Bytes::from(body).into(), None)
        .await
        .map(|_| ())
        .map_err(|e| format!("upload {container}/{blob}: {e}"))
}
