//! Wiring: configuration → clients (built once) → responder → handler.
use std::sync::Arc;

use aiir_core::audit::{AuditSink, MemoryAuditSink};
use aiir_core::detect::prompt::logline::{LogLineConfig, LogLineScanner};
use aiir_core::pipeline::Responder;
use aiir_core::state::{MemoryStateStore, StateStore};
use tracing::warn;

use crate::audit::S3AuditSink;
use crate::capture::DriftCapture;
use crate::clients::AwsClients;
use crate::config::{Config, ConfigError};
use crate::handler::Handler;
use crate::remediator::AwsRemediator;
use crate::state::DynamoDbStateStore;

/// Validate everything that needs no network first, then build the clients once.
pub async fn build(config: &Config) -> Result<Handler, ConfigError> {
    let playbook = Arc::new(config.playbook(&|name| std::env::var(name).ok())?);
    let clients = AwsClients::load(config.endpoint.as_deref()).await;
    let state: Arc<dyn StateStore> = match &config.state_table {
        Some(table) => Arc::new(DynamoDbStateStore::new(
            clients.dynamodb.clone(),
            table.clone(),
        )),
        None => {
            warn!("AIIR_STATE_TABLE is not set: de-duplication and approvals last only for this process");
            Arc::new(MemoryStateStore::new())
        }
    };
    let audit: Arc<dyn AuditSink> = match &config.audit_bucket {
        Some(bucket) => Arc::new(S3AuditSink::new(clients.s3.clone(), bucket.clone())),
        None => {
            warn!("AIIR_AUDIT_BUCKET is not set: audit records go to the log only");
            Arc::new(MemoryAuditSink::default())
        }
    };
    let scanner = LogLineScanner::new(LogLineConfig::default())?;
    let capture = config
        .drift_capture
        .clone()
        .map(|c| DriftCapture::new(clients.s3.clone(), c));
    let remediator = Arc::new(AwsRemediator::new(clients));
    let handler = Handler::new(
        Responder::new(playbook, remediator, state, audit),
        scanner,
        config.dry_run,
    );
    Ok(match capture {
        Some(capture) => handler.with_drift_capture(capture),
        None => handler,
    })
}
