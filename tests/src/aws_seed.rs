//! A realistic AI deployment in moto, for the emulator tests and `make drill`.
//!
//! - SageMaker: models `fraud-model-v1` (known good) and `fraud-model-v2` (the bad release),
//!   endpoint configs for both, endpoint `fraud-detector` serving v2 and tagged
//!   `aiir:known-good-config=fraud-config-v1`.
//! - Lambda: `chat-inference` (an LLM app, reserved concurrency 50) and `secret-rotator`
//!   (the rotation function; moto stores it, the moto plugin stands in for running it).
//! - Secrets Manager: `prod/chat/tool-api-key` (plain value, no rotation configured: aiir puts a
//!   new value) and `prod/db/credentials` (JSON, rotation configured with `secret-rotator`).
//! - S3: `acme-training-data`, public through its bucket policy (plus one private statement for
//!   the training role), with training data and a model artefact; `aiir-quarantine`;
//!   `aiir-audit`.
//! - DynamoDB: `aiir-state` (pk/sk, TTL on `ttl`) and the guardrail's blocklist
//!   `guardrail-blocklist` (hash key `signature`).
//! - WAFv2: regional IP set `aiir-blocked-callers` with one existing range.
//! - SNS: `aiir-incidents`, with the SQS queue `aiir-incidents-inbox` subscribed (to read back
//!   what was published). KMS: one customer-managed key.
use std::sync::Arc;
use std::time::Duration;

use aiir_aws::actions::WaitPolicy;
use aiir_aws::{AwsClients, AwsRemediator, DynamoDbStateStore, S3AuditSink};
use aiir_core::pipeline::Responder;
use aiir_core::playbook::{Playbook, DEFAULT_PLAYBOOK};
use anyhow::{bail, Context, Result};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_sagemaker::types::{
    ContainerDefinition, ProductionVariant, ProductionVariantInstanceType, Tag,
};
use aws_sdk_secretsmanager::types::RotationRulesType;
use aws_sdk_wafv2::types::{IpAddressVersion, Scope};

use crate::moto::{MotoServer, ACCOUNT, REGION};

/// Waits short enough for tests, long enough for the plugin's one-poll transitions.
pub const TEST_WAIT: WaitPolicy = WaitPolicy {
    poll: Duration::from_millis(20),
    timeout: Duration::from_secs(10),
};

#[derive(Debug, Clone)]
pub struct Deployment {
    pub region: String,
    pub account: String,
    pub state_table: String,
    pub audit_bucket: String,
    pub blocklist_table: String,
    pub ip_set_arn: String,
    pub ip_set_name: String,
    pub ip_set_id: String,
    /// Already in the IP set before any incident.
    pub existing_blocked_cidr: String,
    pub topic_arn: String,
    /// The CloudWatch alarm that pages on-call (its action: the topic); trigger-alert raises it.
    pub page_alarm: String,
    pub page_alarm_arn: String,
    /// An SQS queue subscribed to the topic: what was published can be read back.
    pub inbox_queue_url: String,
    pub kms_key_arn: String,
    pub endpoint_name: String,
    pub endpoint_arn: String,
    pub good_config: String,
    pub bad_config: String,
    pub function_name: String,
    pub function_arn: String,
    pub function_concurrency: i32,
    pub rotator_arn: String,
    /// No rotation configured.
    pub plain_secret: String,
    /// Rotation configured (`secret-rotator`).
    pub rotating_secret: String,
    pub training_bucket: String,
    pub training_policy: String,
    /// Keys in the training bucket.
    pub training_objects: Vec<String>,
    pub quarantine_bucket: String,
}

impl Deployment {
    /// The environment the Terraform module would give the function (`AIIR_*`).
    pub fn env(&self, name: &str) -> Option<String> {
        Some(match name {
            "AIIR_BLOCKLIST" => self.blocklist_table.clone(),
            "AIIR_WAF_IP_SET" => self.ip_set_arn.clone(),
            "AIIR_TOOL_SECRET" => self.plain_secret.clone(),
            "AIIR_QUARANTINE_BUCKET" => self.quarantine_bucket.clone(),
            "AIIR_KMS_KEY" => self.kms_key_arn.clone(),
            "AIIR_NOTIFY_TOPIC" => self.topic_arn.clone(),
            "AIIR_PAGE_TARGET" => self.page_alarm_arn.clone(),
            "AIIR_STATE_TABLE" => self.state_table.clone(),
            "AIIR_AUDIT_BUCKET" => self.audit_bucket.clone(),
            _ => return None,
        })
    }

    /// A playbook (the default one unless given) with this deployment's environment.
    pub fn playbook(&self, text: Option<&str>) -> Result<Playbook> {
        Playbook::load(text.unwrap_or(DEFAULT_PLAYBOOK), &|name| self.env(name))
            .map_err(|e| anyhow::anyhow!("playbook: {e}"))
    }

    /// The production responder wiring: DynamoDB state, S3 audit, AWS remediator.
    pub fn responder(
        &self,
        clients: &AwsClients,
        playbook: Playbook,
        wait: WaitPolicy,
    ) -> Responder {
        Responder::new(
            Arc::new(playbook),
            Arc::new(AwsRemediator::new(clients.clone()).with_wait(wait)),
            Arc::new(DynamoDbStateStore::new(
                clients.dynamodb.clone(),
                &self.state_table,
            )),
            Arc::new(S3AuditSink::new(clients.s3.clone(), &self.audit_bucket)),
        )
        .with_retry_base(Duration::from_millis(10))
    }
}

pub const TRAINING_POLICY_TEMPLATE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "PublicReadForDemo", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::BUCKET/*"},
    {"Sid": "PublicList", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::BUCKET"},
    {"Sid": "TrainingRole", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::ACCOUNT:role/sagemaker-training"}, "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::BUCKET/*"}
  ]
}"#;

fn xml_field(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml[start..end].to_string())
}

async fn create_role(server: &MotoServer, name: &str) -> Result<String> {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","sagemaker.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;
    let xml = server
        .query_call(
            "iam",
            &[
                ("Action", "CreateRole"),
                ("Version", "2010-05-08"),
                ("RoleName", name),
                ("AssumeRolePolicyDocument", trust),
            ],
        )
        .await?;
    xml_field(&xml, "Arn").context("CreateRole answer has no Arn")
}

async fn create_table(clients: &AwsClients, name: &str, keys: &[(&str, KeyType)]) -> Result<()> {
    let mut request = clients
        .dynamodb
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest);
    for (attr, key_type) in keys {
        request = request
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(*attr)
                    .attribute_type(ScalarAttributeType::S)
                    .build()?,
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(*attr)
                    .key_type(key_type.clone())
                    .build()?,
            );
    }
    request
        .send()
        .await
        .with_context(|| format!("create table {name}"))?;
    Ok(())
}

async fn create_bucket(clients: &AwsClients, name: &str) -> Result<()> {
    clients
        .s3
        .create_bucket()
        .bucket(name)
        .send()
        .await
        .with_context(|| format!("create bucket {name}"))?;
    Ok(())
}

/// Seed everything described in the module docs. Safe to call once per server.
pub async fn seed_ai_deployment(server: &MotoServer) -> Result<Deployment> {
    let clients = server.clients().await;
    let d = Deployment {
        region: REGION.into(),
        account: ACCOUNT.into(),
        state_table: "aiir-state".into(),
        audit_bucket: "aiir-audit".into(),
        blocklist_table: "guardrail-blocklist".into(),
        ip_set_arn: String::new(),
        ip_set_name: "aiir-blocked-callers".into(),
        ip_set_id: String::new(),
        existing_blocked_cidr: "198.51.100.0/24".into(),
        topic_arn: String::new(),
        page_alarm: "aiir-page-oncall".into(),
        page_alarm_arn: format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:aiir-page-oncall"),
        inbox_queue_url: String::new(),
        kms_key_arn: String::new(),
        endpoint_name: "fraud-detector".into(),
        endpoint_arn: String::new(),
        good_config: "fraud-config-v1".into(),
        bad_config: "fraud-config-v2".into(),
        function_name: "chat-inference".into(),
        function_arn: String::new(),
        function_concurrency: 50,
        rotator_arn: String::new(),
        plain_secret: "prod/chat/tool-api-key".into(),
        rotating_secret: "prod/db/credentials".into(),
        training_bucket: "acme-training-data".into(),
        training_policy: String::new(),
        training_objects: vec![
            "datasets/customers-2024.csv".into(),
            "datasets/chat-transcripts/part-0001.jsonl".into(),
            "models/fraud-v2/model.tar.gz".into(),
        ],
        quarantine_bucket: "aiir-quarantine".into(),
    };
    let mut d = d;

    // State and blocklist tables.
    create_table(
        &clients,
        &d.state_table,
        &[("pk", KeyType::Hash), ("sk", KeyType::Range)],
    )
    .await?;
    clients
        .dynamodb
        .update_time_to_live()
        .table_name(&d.state_table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name("ttl")
                .build()?,
        )
        .send()
        .await
        .context("enable TTL on the state table")?;
    create_table(
        &clients,
        &d.blocklist_table,
        &[("signature", KeyType::Hash)],
    )
    .await?;

    // Buckets and training data, public through the bucket policy.
    for bucket in [&d.audit_bucket, &d.training_bucket, &d.quarantine_bucket] {
        create_bucket(&clients, bucket).await?;
    }
    d.training_policy = TRAINING_POLICY_TEMPLATE
        .replace("BUCKET", &d.training_bucket)
        .replace("ACCOUNT", ACCOUNT);
    clients
        .s3
        .put_bucket_policy()
        .bucket(&d.training_bucket)
        .policy(&d.training_policy)
        .send()
        .await
        .context("public bucket policy")?;
    for (i, key) in d.training_objects.iter().enumerate() {
        let body =
            format!("id,name,email,card\n{i},Jane Doe,jane{i}@example.com,4111111111111111\n");
        clients
            .s3
            .put_object()
            .bucket(&d.training_bucket)
            .key(key)
            .content_type("text/csv")
            .tagging("classification=confidential&owner=ml-platform")
            .metadata("dataset-version", "2024-06")
            .body(ByteStream::from(body.into_bytes()))
            .send()
            .await
            .with_context(|| format!("put {key}"))?;
    }

    // KMS key for enforce-encryption.
    let key = server
        .json_call(
            "kms",
            "TrentService.CreateKey",
            &serde_json::json!({ "Description": "aiir: training data" }),
        )
        .await?;
    d.kms_key_arn = key["KeyMetadata"]["Arn"]
        .as_str()
        .context("CreateKey: no Arn")?
        .to_string();

    // WAF IP set and SNS topic.
    let ip_set = clients
        .wafv2
        .create_ip_set()
        .name(&d.ip_set_name)
        .scope(Scope::Regional)
        .ip_address_version(IpAddressVersion::Ipv4)
        .addresses(&d.existing_blocked_cidr)
        .description("Callers blocked by aiir and the security team")
        .send()
        .await
        .context("create IP set")?;
    let summary = ip_set.summary().context("CreateIPSet: no summary")?;
    d.ip_set_arn = summary.arn().unwrap_or_default().to_string();
    d.ip_set_id = summary.id().unwrap_or_default().to_string();
    d.topic_arn = clients
        .sns
        .create_topic()
        .name("aiir-incidents")
        .send()
        .await
        .context("create topic")?
        .topic_arn()
        .unwrap_or_default()
        .to_string();

    // The paging alarm: quiet (no data → OK), its ALARM action is the incidents topic.
    clients
        .cloudwatch
        .put_metric_alarm()
        .alarm_name(&d.page_alarm)
        .alarm_description("Pages on-call (aiir trigger-alert sets it to ALARM)")
        .namespace("aiir")
        .metric_name("IncidentPages")
        .statistic("Sum".into())
        .period(60)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator("GreaterThanOrEqualToThreshold".into())
        .treat_missing_data("notBreaching")
        .alarm_actions(&d.topic_arn)
        .send()
        .await
        .context("create the paging alarm")?;

    let queue = server
        .json_call(
            "sqs",
            "AmazonSQS.CreateQueue",
            &serde_json::json!({ "QueueName": "aiir-incidents-inbox" }),
        )
        .await?;
    d.inbox_queue_url = queue["QueueUrl"]
        .as_str()
        .context("CreateQueue: no QueueUrl")?
        .to_string();
    clients
        .sns
        .subscribe()
        .topic_arn(&d.topic_arn)
        .protocol("sqs")
        .endpoint(format!(
            "arn:aws:sqs:{REGION}:{ACCOUNT}:aiir-incidents-inbox"
        ))
        .send()
        .await
        .context("subscribe the inbox queue")?;

    // SageMaker: two model versions, two configs, the endpoint on the bad one.
    let role = create_role(server, "aiir-e2e-execution").await?;
    for (model, config, version) in [
        ("fraud-model-v1", &d.good_config, "v1"),
        ("fraud-model-v2", &d.bad_config, "v2"),
    ] {
        clients
            .sagemaker
            .create_model()
            .model_name(model)
            .execution_role_arn(&role)
            .primary_container(
                ContainerDefinition::builder()
                    .image("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1")
                    .model_data_url(format!(
                        "s3://{}/models/fraud-{version}/model.tar.gz",
                        d.training_bucket
                    ))
                    .build(),
            )
            .send()
            .await
            .with_context(|| format!("create model {model}"))?;
        clients
            .sagemaker
            .create_endpoint_config()
            .endpoint_config_name(config.as_str())
            .production_variants(
                ProductionVariant::builder()
                    .variant_name("AllTraffic")
                    .model_name(model)
                    .initial_instance_count(1)
                    .instance_type(ProductionVariantInstanceType::MlM5Large)
                    .initial_variant_weight(1.0)
                    .build(),
            )
            .send()
            .await
            .with_context(|| format!("create endpoint config {config}"))?;
    }
    d.endpoint_arn = clients
        .sagemaker
        .create_endpoint()
        .endpoint_name(&d.endpoint_name)
        .endpoint_config_name(&d.bad_config)
        .tags(
            Tag::builder()
                .key("aiir:known-good-config")
                .value(&d.good_config)
                .build(),
        )
        .tags(Tag::builder().key("team").value("fraud-ml").build())
        .send()
        .await
        .context("create endpoint")?
        .endpoint_arn()
        .unwrap_or_default()
        .to_string();
    wait_in_service(&clients, &d.endpoint_name).await?;

    // Lambda: the LLM app and the rotation function.
    let code = || {
        FunctionCode::builder()
            .zip_file(Blob::new(b"PK\x05\x06".to_vec()))
            .build()
    };
    d.function_arn = clients
        .lambda
        .create_function()
        .function_name(&d.function_name)
        .runtime(Runtime::Python312)
        .role(&role)
        .handler("app.handler")
        .code(code())
        .send()
        .await
        .context("create function")?
        .function_arn()
        .unwrap_or_default()
        .to_string();
    clients
        .lambda
        .put_function_concurrency()
        .function_name(&d.function_name)
        .reserved_concurrent_executions(d.function_concurrency)
        .send()
        .await
        .context("reserve concurrency")?;
    d.rotator_arn = clients
        .lambda
        .create_function()
        .function_name("secret-rotator")
        .runtime(Runtime::Python312)
        .role(&role)
        .handler("rotate.handler")
        .code(code())
        .send()
        .await
        .context("create rotation function")?
        .function_arn()
        .unwrap_or_default()
        .to_string();

    // Secrets: one plain, one with rotation configured (configured without rotating now).
    clients
        .secrets
        .create_secret()
        .name(&d.plain_secret)
        .secret_string("sk-live-0000-original-tool-key")
        .send()
        .await
        .context("create plain secret")?;
    clients
        .secrets
        .create_secret()
        .name(&d.rotating_secret)
        .secret_string(
            r#"{"engine":"postgres","username":"app","password":"original-db-password"}"#,
        )
        .send()
        .await
        .context("create rotating secret")?;
    clients
        .secrets
        .rotate_secret()
        .secret_id(&d.rotating_secret)
        .rotation_lambda_arn(&d.rotator_arn)
        .rotation_rules(
            RotationRulesType::builder()
                .automatically_after_days(30)
                .build(),
        )
        .rotate_immediately(false)
        .send()
        .await
        .context("configure rotation")?;
    Ok(d)
}

/// Wait until an endpoint is InService (the plugin reports Creating/Updating for one poll).
pub async fn wait_in_service(clients: &AwsClients, endpoint: &str) -> Result<()> {
    for _ in 0..100 {
        let out = clients
            .sagemaker
            .describe_endpoint()
            .endpoint_name(endpoint)
            .send()
            .await?;
        if out.endpoint_status().map(|s| s.as_str()) == Some("InService") {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bail!("endpoint {endpoint} never reached InService")
}
