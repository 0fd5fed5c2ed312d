//! Helpers for the AWS emulator tests: a seeded moto with production clients, incidents, and
//! direct reads of moto's state (independent of the code under test).
use aiir_aws::{AwsClients, AwsRemediator};
use aiir_core::action::ActionSpec;
use aiir_core::audit::{StepRecord, StepStatus};
use aiir_core::model::{Incident, IncidentKind, ResourceRef, Severity};
use aiir_core::operator::OperatorEvent;
use aiir_core::playbook::Mode;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest, Remediator};
use anyhow::{Context, Result};

use crate::aws_seed::{seed_ai_deployment, Deployment, TEST_WAIT};
use crate::moto::MotoServer;

pub struct AwsEnv {
    pub server: MotoServer,
    pub d: Deployment,
    pub clients: AwsClients,
    pub remediator: AwsRemediator,
    inbox: std::sync::Mutex<Vec<(Option<String>, String)>>,
}

/// A fresh moto, seeded, with the production clients and remediator pointed at it.
pub async fn aws_env() -> Result<AwsEnv> {
    let server = MotoServer::start().await?;
    let d = seed_ai_deployment(&server).await?;
    let clients = server.clients().await;
    let remediator = AwsRemediator::new(clients.clone()).with_wait(TEST_WAIT);
    Ok(AwsEnv {
        server,
        d,
        clients,
        remediator,
        inbox: Default::default(),
    })
}

/// An incident as a drill alert would raise it.
pub fn incident(kind: IncidentKind, resources: Vec<ResourceRef>) -> Incident {
    let now = chrono::Utc::now();
    let event = OperatorEvent::Drill {
        drill_id: format!("test-{}", now.timestamp_nanos_opt().unwrap_or_default()),
        title: format!("e2e {kind}"),
        kind,
        severity: Severity::High,
        resources,
        labels: Default::default(),
    };
    let alert = event.alerts(now).remove(0);
    Incident::new(alert, kind, Severity::High, now)
}

impl AwsEnv {
    pub async fn apply(
        &self,
        incident: &Incident,
        action: &ActionSpec,
        target: &ResourceRef,
        mode: Mode,
    ) -> Result<ActionOutcome, ActionError> {
        let step_id = format!("step-e2e-{}", action.kind());
        let summary = vec!["e2e: earlier step".to_string()];
        let request = ActionRequest {
            incident,
            step_id: &step_id,
            action,
            target,
            mode,
            summary: &summary,
        };
        self.remediator.apply(&request).await
    }

    /// The step record the pipeline would keep for an applied outcome.
    pub fn record(
        incident: &Incident,
        action: &ActionSpec,
        target: &ResourceRef,
        outcome: &ActionOutcome,
    ) -> StepRecord {
        let now = chrono::Utc::now();
        StepRecord {
            incident_id: incident.id.clone(),
            step_id: format!("step-e2e-{}", action.kind()),
            rule: "e2e".into(),
            action: action.clone(),
            target: target.clone(),
            mode: Mode::Enforce,
            status: if outcome.changed {
                StepStatus::Applied
            } else {
                StepStatus::NoChange
            },
            prior_state: outcome.prior_state.clone(),
            new_state: outcome.new_state.clone(),
            details: outcome.details.clone(),
            error: None,
            attempts: 1,
            started_at: now,
            finished_at: now,
        }
    }

    pub async fn undo(&self, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
        self.remediator.undo(record).await
    }

    // ------------------------------------------------------------ reads of moto's state

    pub async fn endpoint_config(&self) -> Result<Option<String>> {
        match self
            .clients
            .sagemaker
            .describe_endpoint()
            .endpoint_name(&self.d.endpoint_name)
            .send()
            .await
        {
            Ok(out) => Ok(out.endpoint_config_name().map(str::to_string)),
            Err(e) if format!("{e:?}").contains("Could not find endpoint") => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn function_concurrency(&self) -> Result<Option<i32>> {
        Ok(self
            .clients
            .lambda
            .get_function_concurrency()
            .function_name(&self.d.function_name)
            .send()
            .await?
            .reserved_concurrent_executions())
    }

    pub async fn blocklisted(&self, signature: &str) -> Result<bool> {
        let out = self
            .clients
            .dynamodb
            .get_item()
            .table_name(&self.d.blocklist_table)
            .key(
                "signature",
                aws_sdk_dynamodb::types::AttributeValue::S(signature.into()),
            )
            .consistent_read(true)
            .send()
            .await?;
        Ok(out.item().is_some_and(|i| !i.is_empty()))
    }

    pub async fn ip_set_addresses(&self) -> Result<Vec<String>> {
        let out = self
            .clients
            .wafv2
            .get_ip_set()
            .name(&self.d.ip_set_name)
            .scope(aws_sdk_wafv2::types::Scope::Regional)
            .id(&self.d.ip_set_id)
            .send()
            .await?;
        let mut addresses = out.ip_set().context("no IP set")?.addresses().to_vec();
        addresses.sort();
        Ok(addresses)
    }

    /// (version id → labels) sorted, and the version GetSecretValue returns by default.
    pub async fn secret_versions(
        &self,
        secret: &str,
    ) -> Result<(Vec<(String, Vec<String>)>, String)> {
        let out = self
            .clients
            .secrets
            .describe_secret()
            .secret_id(secret)
            .send()
            .await?;
        let mut versions: Vec<(String, Vec<String>)> = out
            .version_ids_to_stages()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|(k, mut v)| {
                v.sort();
                (k, v)
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
        versions.sort();
        let current = self
            .clients
            .secrets
            .get_secret_value()
            .secret_id(secret)
            .send()
            .await?
            .version_id()
            .unwrap_or_default()
            .to_string();
        Ok((versions, current))
    }

    /// Fingerprint of the current secret value (never the value itself).
    pub async fn secret_value_digest(&self, secret: &str) -> Result<u64> {
        use std::hash::{Hash, Hasher};
        let out = self
            .clients
            .secrets
            .get_secret_value()
            .secret_id(secret)
            .send()
            .await?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        out.secret_string().unwrap_or_default().hash(&mut h);
        Ok(h.finish())
    }

    /// (PAB all four flags or None, policy JSON or None)
    pub async fn bucket_access(
        &self,
        bucket: &str,
    ) -> Result<(Option<[bool; 4]>, Option<serde_json::Value>)> {
        let pab = match self
            .clients
            .s3
            .get_public_access_block()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(out) => out.public_access_block_configuration().map(|c| {
                [
                    c.block_public_acls().unwrap_or(false),
                    c.ignore_public_acls().unwrap_or(false),
                    c.block_public_policy().unwrap_or(false),
                    c.restrict_public_buckets().unwrap_or(false),
                ]
            }),
            Err(e) if format!("{e:?}").contains("NoSuchPublicAccessBlockConfiguration") => None,
            Err(e) => return Err(e.into()),
        };
        let policy = match self
            .clients
            .s3
            .get_bucket_policy()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(out) => out.policy().map(serde_json::from_str).transpose()?,
            Err(e) if format!("{e:?}").contains("NoSuchBucketPolicy") => None,
            Err(e) => return Err(e.into()),
        };
        Ok((pab, policy))
    }

    /// (algorithm, key) of the bucket's default encryption, if any.
    pub async fn bucket_encryption(
        &self,
        bucket: &str,
    ) -> Result<Option<(String, Option<String>)>> {
        match self
            .clients
            .s3
            .get_bucket_encryption()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .server_side_encryption_configuration()
                .and_then(|c| c.rules().first())
                .and_then(|r| r.apply_server_side_encryption_by_default())
                .map(|d| {
                    (
                        d.sse_algorithm().as_str().to_string(),
                        d.kms_master_key_id().map(str::to_string),
                    )
                })),
            Err(e)
                if format!("{e:?}").contains("ServerSideEncryptionConfigurationNotFoundError") =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The object's body and tags, or None when absent.
    pub async fn object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<(Vec<u8>, Vec<(String, String)>)>> {
        let body = match self
            .clients
            .s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => out.body.collect().await?.into_bytes().to_vec(),
            Err(e) if format!("{e:?}").contains("NoSuchKey") => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let mut tags: Vec<(String, String)> = self
            .clients
            .s3
            .get_object_tagging()
            .bucket(bucket)
            .key(key)
            .send()
            .await?
            .tag_set()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect();
        tags.sort();
        Ok(Some((body, tags)))
    }

    /// Every message published to the topic so far, as (subject, message), read through the
    /// SQS queue subscribed to it.
    pub async fn messages(&self) -> Result<Vec<(Option<String>, String)>> {
        loop {
            let bodies = self.server.sqs_drain(&self.d.inbox_queue_url).await?;
            if bodies.is_empty() {
                break;
            }
            let mut inbox = self.inbox.lock().unwrap_or_else(|e| e.into_inner());
            for body in bodies {
                let envelope: serde_json::Value = serde_json::from_str(&body)?;
                inbox.push((
                    envelope["Subject"].as_str().map(str::to_string),
                    envelope["Message"].as_str().unwrap_or_default().to_string(),
                ));
            }
        }
        Ok(self.inbox.lock().unwrap_or_else(|e| e.into_inner()).clone())
    }

    /// Keys under `audit/` in the audit bucket.
    pub async fn audit_keys(&self) -> Result<Vec<String>> {
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .clients
                .s3
                .list_objects_v2()
                .bucket(&self.d.audit_bucket)
                .prefix("audit/")
                .set_continuation_token(token)
                .send()
                .await?;
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_string)),
            );
            match out.next_continuation_token() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        Ok(keys)
    }
}
