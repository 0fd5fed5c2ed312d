//! The moto server: pinned, from `.tools/venv-moto` (`make venv-moto`), with the aiir plugin
//! (`tests/moto_plugin`), on 127.0.0.1 on a free port. Killed when dropped.
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::Credentials;

use crate::http;

/// Overrides the interpreter that runs moto (default `<repo>/.tools/venv-moto/bin/python`).
pub const PYTHON_ENV: &str = "AIIR_MOTO_PYTHON";
pub const REGION: &str = "us-east-1";
/// moto's default account.
pub const ACCOUNT: &str = "123456789012";

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The interpreter of the pinned moto venv, or an error telling how to make it.
pub fn moto_python() -> Result<PathBuf> {
    let python = std::env::var_os(PYTHON_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tools/venv-moto/bin/python"));
    if !python.exists() {
        bail!(
            "moto is not installed: {} does not exist. Run `make venv-moto` (creates .tools/venv-moto with the pinned moto from tests/requirements-moto.txt), or point {PYTHON_ENV} at a Python that has it.",
            python.display()
        );
    }
    Ok(python)
}

pub struct MotoServer {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl MotoServer {
    /// Start moto with the plugin and wait until it answers (at most 60 s).
    pub async fn start() -> Result<Self> {
        let python = moto_python()?;
        let port = TcpListener::bind(("127.0.0.1", 0))
            .and_then(|l| l.local_addr())
            .context("no free port on 127.0.0.1")?
            .port();
        let log = std::env::temp_dir().join(format!("aiir-moto-{port}.log"));
        let log_file =
            std::fs::File::create(&log).with_context(|| format!("create {}", log.display()))?;
        let err_file = log_file.try_clone()?;
        let child = Command::new(&python)
            .arg(repo_root().join("tests/moto_plugin/run_moto.py"))
            .args(["--parent-pid", &std::process::id().to_string()])
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(err_file)
            .spawn()
            .with_context(|| format!("start moto with {}", python.display()))?;
        let mut server = Self { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = http::request(port, "GET", "/moto-api/", &[], "").await {
                if r.status == 200 {
                    return Ok(server);
                }
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                bail!("moto exited with {status}; log:\n{}", server.log_tail());
            }
            if Instant::now() > deadline {
                bail!(
                    "moto did not answer on port {port} within 60 s; log:\n{}",
                    server.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Shared SDK configuration pointing at this server (static test credentials).
    pub async fn sdk_config(&self) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .credentials_provider(Credentials::new(
                "testing", "testing", None, None, "aiir-e2e",
            ))
            .endpoint_url(self.endpoint())
            .load()
            .await
    }

    /// Production clients (path-style S3 because an endpoint is set).
    pub async fn clients(&self) -> aiir_aws::AwsClients {
        aiir_aws::AwsClients::from_conf(&self.sdk_config().await)
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Receive and delete up to 10 messages from an SQS queue (JSON protocol); returns
    /// their bodies.
    pub async fn sqs_drain(&self, queue_url: &str) -> Result<Vec<String>> {
        let out = self
            .json_call(
                "sqs",
                "AmazonSQS.ReceiveMessage",
                &serde_json::json!({ "QueueUrl": queue_url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 0 }),
            )
            .await?;
        let mut bodies = Vec::new();
        for message in out["Messages"].as_array().cloned().unwrap_or_default() {
            bodies.push(message["Body"].as_str().unwrap_or_default().to_string());
            self.json_call(
                "sqs",
                "AmazonSQS.DeleteMessage",
                &serde_json::json!({ "QueueUrl": queue_url, "ReceiptHandle": message["ReceiptHandle"] }),
            )
            .await?;
        }
        Ok(bodies)
    }

    /// A query-protocol call (IAM) through moto's router.
    pub async fn query_call(&self, service: &str, form: &[(&str, &str)]) -> Result<String> {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let auth = http::routing_auth(service);
        let r = http::request(
            self.port,
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Authorization", &auth),
            ],
            &body,
        )
        .await?;
        if r.status != 200 {
            bail!("{service} call failed ({}): {}", r.status, r.body);
        }
        Ok(r.body)
    }

    /// A JSON-protocol call (KMS, SQS) through moto's router.
    pub async fn json_call(
        &self,
        service: &str,
        target: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value> {
        let auth = http::routing_auth(service);
        let r = http::request(
            self.port,
            "POST",
            "/",
            &[
                (
                    "Content-Type",
                    if service == "sqs" {
                        "application/x-amz-json-1.0"
                    } else {
                        "application/x-amz-json-1.1"
                    },
                ),
                ("X-Amz-Target", target),
                ("Authorization", &auth),
            ],
            &body.to_string(),
        )
        .await?;
        if r.status != 200 {
            bail!("{target} failed ({}): {}", r.status, r.body);
        }
        serde_json::from_str(&r.body).with_context(|| format!("{target} answer"))
    }
}

fn form_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}
