//! Sending a payload to a deployed function and reading back its report.
//!
//! Why these clients: the core has no cloud SDK (and must not grow one for a drill command).
//! - AWS: the AWS CLI (`aws lambda invoke`), which operators of an AWS sandbox already have
//!   configured (profiles, SSO, MFA); signing SigV4 here would duplicate that badly.
//! - Azure and GCP: the functions are plain HTTPS endpoints, so one POST with `ureq` (blocking,
//!   pure Rust, rustls) is all that is needed. Azure: the function key from
//!   `AIIR_FUNCTION_KEY` as `x-functions-key`. GCP (Cloud Run IAM): an identity token from
//!   `AIIR_ID_TOKEN`, else `gcloud auth print-identity-token`, as `Authorization: Bearer`.
//!   Keys and tokens are never printed.
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::target::FunctionTarget;
use crate::drill::deliver::{Channel, Delivery};
use crate::pipeline::Report;

pub const FUNCTION_KEY_ENV: &str = "AIIR_FUNCTION_KEY";
pub const ID_TOKEN_ENV: &str = "AIIR_ID_TOKEN";
/// Path of the AWS CLI, when it is not `aws` on the PATH.
pub const AWS_CLI_ENV: &str = "AIIR_AWS_CLI";

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Missing tool or credential: the message says how to get it. Exit code 2.
    #[error("{0}")]
    Setup(String),
    /// The function (or the way to it) failed; details from its answer.
    #[error("{0}")]
    Failed(String),
}

/// Delivers payloads to one deployed function.
pub struct Sender {
    target: FunctionTarget,
    /// Header name and value for HTTP targets.
    auth: Option<(&'static str, String)>,
    workdir: PathBuf,
    timeout: Duration,
}

fn clip(text: &str) -> String {
    let mut end = text.len().min(600);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// `aws lambda invoke` arguments for one payload file (the answer goes to `out`).
pub fn lambda_invoke_args(
    name: &str,
    region: Option<&str>,
    payload: &std::path::Path,
    out: &std::path::Path,
) -> Vec<String> {
    let mut args = vec![
        "lambda".to_string(),
        "invoke".into(),
        "--function-name".into(),
        name.into(),
        "--invocation-type".into(),
        "RequestResponse".into(),
        "--cli-binary-format".into(),
        "raw-in-base64-out".into(),
        "--payload".into(),
        format!("fileb://{}", payload.display()),
        "--output".into(),
        "json".into(),
    ];
    if let Some(region) = region {
        args.push("--region".into());
        args.push(region.into());
    }
    args.push(out.display().to_string());
    args
}

/// The HTTP URL a payload goes to.
pub fn http_url(target: &FunctionTarget, channel: Channel) -> Option<String> {
    match target {
        FunctionTarget::AzureApp { base } => Some(match channel {
            Channel::Operator => format!("{base}/api/operator"),
            Channel::ModelIo => format!("{base}/api/alerts"),
        }),
        FunctionTarget::CloudRun { url } => Some(url.clone()),
        FunctionTarget::Lambda { .. } => None,
    }
}

impl Sender {
    /// Checks that what the target needs (CLI, key, token) is there before anything is sent.
    pub fn new(target: FunctionTarget, workdir: PathBuf) -> Result<Self, SendError> {
        let auth = match &target {
            FunctionTarget::Lambda { .. } => None,
            FunctionTarget::AzureApp { .. } => match std::env::var(FUNCTION_KEY_ENV) {
                Ok(key) if !key.trim().is_empty() => Some(("x-functions-key", key.trim().to_string())),
                _ => {
                    return Err(SendError::Setup(format!(
                        "{FUNCTION_KEY_ENV} is not set (fix: export {FUNCTION_KEY_ENV}=$(az functionapp keys list -g RG -n APP --query functionKeys.default -o tsv))"
                    )))
                }
            },
            FunctionTarget::CloudRun { .. } => {
                Some(("authorization", format!("Bearer {}", identity_token()?)))
            }
        };
        if let FunctionTarget::Lambda { .. } = target {
            aws_cli_version()?;
        }
        std::fs::create_dir_all(&workdir)
            .map_err(|e| SendError::Setup(format!("create {}: {e}", workdir.display())))?;
        Ok(Self {
            target,
            auth,
            workdir,
            timeout: Duration::from_secs(120),
        })
    }

    /// Send one payload; the function's report.
    pub fn send(&self, delivery: &Delivery) -> Result<Report, SendError> {
        let answer = match &self.target {
            FunctionTarget::Lambda { name, region, .. } => {
                self.lambda(name, region.as_deref(), delivery)?
            }
            _ => self.post(delivery)?,
        };
        serde_json::from_value(answer.clone()).map_err(|e| {
            SendError::Failed(format!(
                "{}: the answer is not an aiir report ({e}): {}",
                delivery.name,
                clip(&answer.to_string())
            ))
        })
    }

    fn lambda(
        &self,
        name: &str,
        region: Option<&str>,
        delivery: &Delivery,
    ) -> Result<Value, SendError> {
        let payload = self.workdir.join(format!("{}.json", delivery.name));
        let out = self.workdir.join(format!("{}.answer.json", delivery.name));
        let io = |e: std::io::Error| SendError::Failed(format!("{}: {e}", delivery.name));
        std::fs::write(
            &payload,
            serde_json::to_vec(&delivery.body).map_err(|e| io(e.into()))?,
        )
        .map_err(io)?;
        let output = Command::new(aws_cli())
            .args(lambda_invoke_args(name, region, &payload, &out))
            .output()
            .map_err(|e| SendError::Setup(missing_aws_cli(&e)))?;
        if !output.status.success() {
            return Err(SendError::Failed(format!(
                "aws lambda invoke {name} ({}): {}",
                delivery.name,
                clip(String::from_utf8_lossy(&output.stderr).trim())
            )));
        }
        let meta: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        let answer = std::fs::read(&out).map_err(io)?;
        if let Some(kind) = meta.get("FunctionError").and_then(Value::as_str) {
            return Err(SendError::Failed(format!(
                "{name} answered {kind} to {}: {}",
                delivery.name,
                clip(String::from_utf8_lossy(&answer).trim())
            )));
        }
        serde_json::from_slice(&answer).map_err(|e| {
            SendError::Failed(format!("{}: the answer is not JSON ({e})", delivery.name))
        })
    }

    fn post(&self, delivery: &Delivery) -> Result<Value, SendError> {
        let url = http_url(&self.target, delivery.channel).unwrap_or_default();
        let mut request = ureq::post(&url)
            .timeout(self.timeout)
            .set("content-type", "application/json");
        if let Some((name, value)) = &self.auth {
            request = request.set(name, value);
        }
        match request.send_string(&delivery.body.to_string()) {
            Ok(response) => response.into_json::<Value>().map_err(|e| {
                SendError::Failed(format!(
                    "{} from {url}: the answer is not JSON ({e})",
                    delivery.name
                ))
            }),
            Err(ureq::Error::Status(code, response)) => {
                let body = response.into_string().unwrap_or_default();
                Err(SendError::Failed(format!(
                    "{} to {url}: HTTP {code}{}: {}",
                    delivery.name,
                    match code {
                        401 | 403 =>
                            " (check the function key / identity token and the invoker role)",
                        404 => " (check --function: is this the function's URL?)",
                        _ => "",
                    },
                    clip(body.trim())
                )))
            }
            Err(e) => Err(SendError::Failed(format!(
                "{} to {url}: {e}",
                delivery.name
            ))),
        }
    }
}

fn aws_cli() -> String {
    std::env::var(AWS_CLI_ENV).unwrap_or_else(|_| "aws".into())
}

fn missing_aws_cli(e: &std::io::Error) -> String {
    format!(
        "cannot run the AWS CLI `{}` ({e}); fix: install AWS CLI v2 (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html), configure credentials for the sandbox account, or set {AWS_CLI_ENV}",
        aws_cli()
    )
}

fn aws_cli_version() -> Result<(), SendError> {
    Command::new(aws_cli())
        .arg("--version")
        .output()
        .map(|_| ())
        .map_err(|e| SendError::Setup(missing_aws_cli(&e)))
}

fn identity_token() -> Result<String, SendError> {
    if let Ok(token) = std::env::var(ID_TOKEN_ENV) {
        if !token.trim().is_empty() {
            return Ok(token.trim().to_string());
        }
    }
    let fix = format!(
        "fix: export {ID_TOKEN_ENV}=$(gcloud auth print-identity-token), or install the gcloud CLI (https://cloud.google.com/sdk/docs/install) and log in"
    );
    let output = Command::new("gcloud")
        .args(["auth", "print-identity-token"])
        .output()
        .map_err(|e| {
            SendError::Setup(format!(
                "{ID_TOKEN_ENV} is not set and gcloud cannot run ({e}); {fix}"
            ))
        })?;
    let token = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if !output.status.success() || token.is_empty() {
        return Err(SendError::Setup(format!(
            "gcloud auth print-identity-token failed: {}; {fix}",
            clip(String::from_utf8_lossy(&output.stderr).trim())
        )));
    }
    Ok(token)
}
