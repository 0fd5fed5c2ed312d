//! Wiring: configuration → clients (built once) → responder → handler.
use std::sync::Arc;

use aiir_core::audit::{AuditSink, MemoryAuditSink};
use aiir_core::detect::prompt::logline::{LogLineConfig, LogLineScanner};
use aiir_core::detect::prompt::PromptError;
use aiir_core::pipeline::Responder;
use aiir_core::playbook::Playbook;
use aiir_core::state::{MemoryStateStore, StateStore};
use tracing::warn;

use crate::actions::WaitPolicy;
use crate::audit::GcsAuditSink;
use crate::clients::{Auth, ClientError, GcpClients};
use crate::config::{Config, ConfigError};
use crate::handler::Handler;
use crate::remediator::GcpRemediator;
use crate::state::GcsStateStore;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Clients(#[from] ClientError),
    #[error("model I/O detectors: {0}")]
    Detectors(#[from] PromptError),
}

/// Validate everything that needs no network first, then build the clients once.
pub async fn build(config: &Config) -> Result<Handler, BuildError> {
    let playbook = Arc::new(config.playbook(&|name| std::env::var(name).ok())?);
    let auth = if config.anonymous {
        Auth::Anonymous
    } else {
        Auth::Adc
    };
    let clients = GcpClients::new(config.endpoints.clone(), auth, config.project.clone()).await?;
    assemble(
        playbook,
        clients,
        config.state_bucket.as_deref(),
        config.audit_bucket.as_deref(),
        crate::actions::DEFAULT_WAIT,
        config.dry_run,
    )
    .await
}

/// The handler for given clients and buckets (also what tests and the drill use).
pub async fn assemble(
    playbook: Arc<Playbook>,
    clients: GcpClients,
    state_bucket: Option<&str>,
    audit_bucket: Option<&str>,
    wait: WaitPolicy,
    dry_run: bool,
) -> Result<Handler, BuildError> {
    // Loaded before anything else: an instance that cannot scan model I/O must not start.
    let scanner = LogLineScanner::new(LogLineConfig::default())?;
    let state: Arc<dyn StateStore> = match state_bucket {
        Some(bucket) => Arc::new(GcsStateStore::new(clients.clone(), bucket)),
        None => {
            warn!("AIIR_STATE_BUCKET is not set: de-duplication and approvals last only for this process");
            Arc::new(MemoryStateStore::new())
        }
    };
    let audit: Arc<dyn AuditSink> = match audit_bucket {
        Some(bucket) => {
            let sink = GcsAuditSink::new(clients.clone(), bucket);
            match sink.retention_seconds().await {
                Ok(Some(_)) => {}
                Ok(None) => warn!(
                    bucket,
                    "the audit bucket has no retention policy: records can be changed or deleted"
                ),
                Err(e) => {
                    warn!(bucket, error = %e, "cannot read the audit bucket's retention policy")
                }
            }
            Arc::new(sink)
        }
        None => {
            warn!("AIIR_AUDIT_BUCKET is not set: audit records go to the log only");
            Arc::new(MemoryAuditSink::default())
        }
    };
    let remediator = Arc::new(GcpRemediator::new(clients).with_wait(wait));
    Ok(Handler::new(
        Responder::new(playbook, remediator, state, audit),
        scanner,
        dry_run,
    ))
}
