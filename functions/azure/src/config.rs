//! The function's settings, read once from the environment at cold start (app settings).
use std::path::PathBuf;

use aiir_core::playbook::{Playbook, PlaybookError, DEFAULT_PLAYBOOK};

use crate::clients::Endpoints;

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Storage account holding the state table and the audit container (`AIIR_STORAGE_ACCOUNT`).
    pub storage_account: Option<String>,
    /// Table for de-duplication, approvals, blast-radius counters and undo records
    /// (`AIIR_STATE_TABLE`). Unset: an in-process store (local `invoke` only).
    pub state_table: Option<String>,
    /// Immutable container for audit records (`AIIR_AUDIT_CONTAINER`). Unset: logs only.
    pub audit_container: Option<String>,
    pub playbook_path: Option<PathBuf>,
    /// `AIIR_DRY_RUN=true` forces every action into dry-run.
    pub dry_run: bool,
    pub endpoints: Endpoints,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("AIIR_PLAYBOOK={path}: cannot read the file: {source}")]
    PlaybookFile {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Playbook(#[from] PlaybookError),
    #[error("{name}={value}: expected true or false")]
    Bool { name: &'static str, value: String },
    #[error("{0} is set but AIIR_STORAGE_ACCOUNT is not")]
    NoAccount(&'static str),
    #[error("credentials: {0}")]
    Credential(String),
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let non_empty = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let dry_run = match non_empty("AIIR_DRY_RUN").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => {
                return Err(ConfigError::Bool {
                    name: "AIIR_DRY_RUN",
                    value: other.to_string(),
                })
            }
        };
        let config = Self {
            storage_account: non_empty("AIIR_STORAGE_ACCOUNT"),
            state_table: non_empty("AIIR_STATE_TABLE"),
            audit_container: non_empty("AIIR_AUDIT_CONTAINER"),
            playbook_path: non_empty("AIIR_PLAYBOOK").map(PathBuf::from),
            dry_run,
            endpoints: Endpoints::from_lookup(env),
        };
        if config.storage_account.is_none() {
            if config.state_table.is_some() {
                return Err(ConfigError::NoAccount("AIIR_STATE_TABLE"));
            }
            if config.audit_container.is_some() {
                return Err(ConfigError::NoAccount("AIIR_AUDIT_CONTAINER"));
            }
        }
        Ok(config)
    }

    /// Load and validate the playbook before any client is built (fail fast, change nothing).
    pub fn playbook(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Playbook, ConfigError> {
        let text = match &self.playbook_path {
            Some(path) => {
                std::fs::read_to_string(path).map_err(|source| ConfigError::PlaybookFile {
                    path: path.display().to_string(),
                    source,
                })?
            }
            None => DEFAULT_PLAYBOOK.to_string(),
        };
        Ok(Playbook::load(&text, env)?)
    }
}
