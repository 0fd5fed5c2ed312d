//! `--target` and `--function`: which cloud, and where its deployed function answers.
use crate::action::Cloud;

/// A command-line mistake: the flag, what is wrong, how to fix it. Exit code 2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{flag}: {problem} (fix: {fix})")]
pub struct UsageError {
    pub flag: &'static str,
    pub problem: String,
    pub fix: String,
}

pub fn usage(flag: &'static str, problem: impl Into<String>, fix: impl Into<String>) -> UsageError {
    UsageError {
        flag,
        problem: problem.into(),
        fix: fix.into(),
    }
}

/// Where the payloads go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionTarget {
    /// A Lambda function name or ARN, invoked with the AWS CLI; `account` from the ARN.
    Lambda {
        name: String,
        region: Option<String>,
        account: Option<String>,
    },
    /// Azure Functions app: operator events to `{base}/api/operator`, model I/O to the
    /// `{base}/api/alerts` webhook (the same intake the Event Hubs trigger runs).
    AzureApp { base: String },
    /// Cloud Run service: every payload POSTed to the URL (the service routes by content).
    CloudRun { url: String },
}

pub fn parse_cloud(value: &str) -> Result<Cloud, UsageError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "aws" => Ok(Cloud::Aws),
        "azure" => Ok(Cloud::Azure),
        "gcp" => Ok(Cloud::Gcp),
        other => Err(usage(
            "--target",
            format!("unknown cloud `{other}`"),
            "use --target aws, --target azure or --target gcp",
        )),
    }
}

/// `https://…`, or `http://` to the local machine only (tests, port-forwards): a function key
/// or identity token must never cross a network in clear text.
fn checked_url(flag: &'static str, url: &str, example: &str) -> Result<String, UsageError> {
    let url = url.trim().trim_end_matches('/');
    let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| {
            url.strip_prefix(p).is_some_and(|rest| {
                rest.is_empty() || rest.starts_with(':') || rest.starts_with('/')
            })
        });
    let host = url.strip_prefix("https://").unwrap_or("");
    if !(local || (!host.is_empty() && !host.starts_with('/'))) {
        return Err(usage(
            flag,
            format!("`{url}` is not an https:// URL"),
            format!("give the function's URL, e.g. {example}"),
        ));
    }
    Ok(url.to_string())
}

/// Check `--function` for `cloud`.
pub fn parse_function(
    cloud: Cloud,
    function: &str,
    region: Option<&str>,
) -> Result<FunctionTarget, UsageError> {
    let function = function.trim();
    if function.is_empty() {
        return Err(usage(
            "--function",
            "is empty",
            "give the deployed function's name (AWS) or URL (Azure, GCP)",
        ));
    }
    match cloud {
        Cloud::Aws => {
            if function.contains("://") {
                return Err(usage(
                    "--function",
                    format!("`{function}` is a URL; AWS functions are invoked by name"),
                    "give the Lambda function name or ARN, e.g. --function aiir-responder",
                ));
            }
            // arn:aws:lambda:REGION:ACCOUNT:function:NAME
            let parts: Vec<&str> = function.split(':').collect();
            let (arn_region, account) = if function.starts_with("arn:") {
                if parts.len() < 7 || parts[2] != "lambda" || parts[5] != "function" {
                    return Err(usage(
                        "--function",
                        format!("`{function}` is not a Lambda function ARN"),
                        "use arn:aws:lambda:REGION:ACCOUNT:function:NAME or the plain name",
                    ));
                }
                (Some(parts[3].to_string()), Some(parts[4].to_string()))
            } else if function
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && function.len() <= 64
            {
                (None, None)
            } else {
                return Err(usage(
                    "--function",
                    format!("`{function}` is not a Lambda function name"),
                    "names are 1-64 letters, digits, '-' or '_' (or pass the ARN)",
                ));
            };
            Ok(FunctionTarget::Lambda {
                name: function.to_string(),
                region: region.map(str::to_string).or(arn_region),
                account,
            })
        }
        Cloud::Azure => {
            let url = checked_url(
                "--function",
                function,
                "https://aiir-func-1234.azurewebsites.net",
            )?;
            // Accept the app URL or any of its function URLs: the base is what precedes /api/.
            let base = match url.find("/api/") {
                Some(i) => url[..i].to_string(),
                None => url.trim_end_matches("/api").to_string(),
            };
            Ok(FunctionTarget::AzureApp { base })
        }
        Cloud::Gcp => Ok(FunctionTarget::CloudRun {
            url: checked_url(
                "--function",
                function,
                "https://aiir-responder-abc123-ew.a.run.app",
            )?,
        }),
    }
}
