//! The function's settings, read once from the environment at cold start.
use std::path::PathBuf;

use aiir_core::playbook::{Playbook, PlaybookError, DEFAULT_PLAYBOOK};

#[derive(Debug, Clone)]
pub struct Config {
    /// DynamoDB table for de-duplication, approvals, blast-radius counters and undo records.
    /// Unset (local `invoke` only): an in-process store, so de-duplication is per process.
    pub state_table: Option<String>,
    /// S3 bucket for audit records. Unset: audit records go to the structured log only.
    pub audit_bucket: Option<String>,
    /// A playbook file instead of the built-in default.
    pub playbook_path: Option<PathBuf>,
    /// `AIIR_DRY_RUN=true` forces every action into dry-run (rehearsal deployments).
    pub dry_run: bool,
    /// `AWS_ENDPOINT_URL` (emulators); the SDK reads it too, this copy is for path-style S3.
    pub endpoint: Option<String>,
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
    #[error("prompt detectors failed to load: {0}")]
    Detectors(#[from] aiir_core::detect::prompt::PromptError),
    #[error("{name}={value}: expected true or false")]
    Bool { name: &'static str, value: String },
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
        Ok(Self {
            state_table: non_empty("AIIR_STATE_TABLE"),
            audit_bucket: non_empty("AIIR_AUDIT_BUCKET"),
            playbook_path: non_empty("AIIR_PLAYBOOK").map(PathBuf::from),
            dry_run,
            endpoint: non_empty("AWS_ENDPOINT_URL"),
        })
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
