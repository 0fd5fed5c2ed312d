//! Wiring: configuration → credential and clients (built once) → responder → handler.
use std::sync::Arc;

use aiir_core::audit::{AuditSink, MemoryAuditSink};
use aiir_core::detect::prompt::logline::{LogLineConfig, LogLineScanner};
use aiir_core::intake::ModelIoBatch;
use aiir_core::modelio::scan_batch;
use aiir_core::pipeline::Responder;
use aiir_core::state::{MemoryStateStore, StateStore};
use azure_core::credentials::TokenCredential;
use tracing::warn;

use crate::audit::BlobAuditSink;
use crate::clients::{http_client, AzureClients};
use crate::config::{Config, ConfigError};
use crate::credential::default_credential;
use crate::handler::{Handler, ModelIoScanner};
use crate::remediator::AzureRemediator;
use crate::state::TableStateStore;

/// The prompt and output detectors over a model I/O batch, correlated by the core: one alert
/// per (detector, caller) in the batch, so one attacker's five prompts are one incident that
/// rotates a secret once (its identity is stable across redeliveries).
pub fn detector_scanner() -> Result<ModelIoScanner, ConfigError> {
    let scanner = LogLineScanner::new(LogLineConfig::default())
        .map_err(|e| ConfigError::Credential(format!("model I/O detectors: {e}")))?;
    Ok(Arc::new(move |batch: &ModelIoBatch| {
        scan_batch(&scanner, batch)
    }))
}

/// Build the handler with the given credential and HTTP client (tests pass a JWT-shaped
/// credential and a client trusting Azurite's certificate; production the defaults).
pub fn build_with(
    config: &Config,
    credential: Arc<dyn TokenCredential>,
    http: reqwest::Client,
    scanner: ModelIoScanner,
) -> Result<Handler, ConfigError> {
    let playbook = Arc::new(config.playbook(&|name| std::env::var(name).ok())?);
    let clients = AzureClients::new(credential, http, config.endpoints.clone());
    let state: Arc<dyn StateStore> = match (&config.storage_account, &config.state_table) {
        (Some(account), Some(table)) => Arc::new(TableStateStore::new(
            clients.clone(),
            account.clone(),
            table.clone(),
        )),
        _ => {
            warn!("AIIR_STATE_TABLE is not set: de-duplication and approvals last only for this process");
            Arc::new(MemoryStateStore::new())
        }
    };
    let audit: Arc<dyn AuditSink> = match (&config.storage_account, &config.audit_container) {
        (Some(account), Some(container)) => Arc::new(BlobAuditSink::new(
            clients.clone(),
            account.clone(),
            container.clone(),
        )),
        _ => {
            warn!("AIIR_AUDIT_CONTAINER is not set: audit records go to the log only");
            Arc::new(MemoryAuditSink::default())
        }
    };
    let remediator = Arc::new(AzureRemediator::new(clients));
    Ok(Handler::new(
        Responder::new(playbook, remediator, state, audit),
        scanner,
        config.dry_run,
    ))
}

/// Production wiring: `azure_identity` credential, default HTTP client.
pub fn build(config: &Config) -> Result<Handler, ConfigError> {
    // Validate the playbook before touching credentials.
    config.playbook(&|name| std::env::var(name).ok())?;
    let credential = default_credential().map_err(|e| ConfigError::Credential(e.to_string()))?;
    let http = http_client(None).map_err(|e| ConfigError::Credential(e.to_string()))?;
    build_with(config, credential, http, detector_scanner()?)
}
