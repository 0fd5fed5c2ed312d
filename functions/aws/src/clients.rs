//! One set of SDK clients per process, built from one `SdkConfig`.
//!
//! Every client honours an endpoint override (`AWS_ENDPOINT_URL`, or the one passed in) so the
//! emulator tests run the production code path against moto. S3 switches to path-style
//! addressing when an endpoint is set (emulators do not serve virtual-hosted buckets).
use aws_config::{BehaviorVersion, SdkConfig};

/// The environment variable the AWS SDKs use for a global endpoint override.
pub const ENDPOINT_ENV: &str = "AWS_ENDPOINT_URL";

#[derive(Clone, Debug)]
pub struct AwsClients {
    pub sagemaker: aws_sdk_sagemaker::Client,
    pub wafv2: aws_sdk_wafv2::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub s3: aws_sdk_s3::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sns: aws_sdk_sns::Client,
    pub lambda: aws_sdk_lambda::Client,
    /// trigger-alert: `SetAlarmState` on the paging alarm.
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    /// The region the clients talk to (for ARNs built from names).
    pub region: Option<String>,
}

impl AwsClients {
    /// Clients for an already loaded configuration. When the configuration carries an endpoint
    /// override, S3 uses path-style addressing.
    pub fn from_conf(conf: &SdkConfig) -> Self {
        let s3_conf = aws_sdk_s3::config::Builder::from(conf)
            .force_path_style(conf.endpoint_url().is_some())
            .build();
        Self {
            sagemaker: aws_sdk_sagemaker::Client::new(conf),
            wafv2: aws_sdk_wafv2::Client::new(conf),
            secrets: aws_sdk_secretsmanager::Client::new(conf),
            s3: aws_sdk_s3::Client::from_conf(s3_conf),
            dynamodb: aws_sdk_dynamodb::Client::new(conf),
            sns: aws_sdk_sns::Client::new(conf),
            lambda: aws_sdk_lambda::Client::new(conf),
            cloudwatch: aws_sdk_cloudwatch::Client::new(conf),
            region: conf.region().map(|r| r.to_string()),
        }
    }

    /// Load the default configuration chain (environment, Lambda role) and build the clients.
    /// `endpoint` overrides `AWS_ENDPOINT_URL`; empty values count as unset.
    pub async fn load(endpoint: Option<&str>) -> Self {
        Self::from_conf(&load_config(endpoint).await)
    }
}

/// The shared configuration with the endpoint override applied.
pub async fn load_config(endpoint: Option<&str>) -> SdkConfig {
    let endpoint = endpoint
        .map(str::to_string)
        .or_else(|| std::env::var(ENDPOINT_ENV).ok())
        .filter(|e| !e.trim().is_empty());
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(url) = endpoint {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}
