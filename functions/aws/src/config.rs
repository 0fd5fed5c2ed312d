//! The function's settings, read once from the environment at cold start.
use std::path::PathBuf;

use aiir_core::playbook::{Playbook, PlaybookError, DEFAULT_PLAYBOOK};

use crate::capture::CaptureConfig;

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
    /// `AIIR_DATA_CAPTURE_PREFIX` + `AIIR_DRIFT_PROFILE`: check SageMaker data-capture objects
    /// for drift when S3 reports them written. Unset: S3 object events are rejected.
    pub drift_capture: Option<CaptureConfig>,
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
    #[error("{0}")]
    DriftCapture(String),
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
        let drift_capture = match (
            non_empty("AIIR_DATA_CAPTURE_PREFIX"),
            non_empty("AIIR_DRIFT_PROFILE"),
        ) {
            (None, None) => None,
            (Some(prefix), Some(profile)) => Some(
                CaptureConfig::new(&prefix, &profile).map_err(ConfigError::DriftCapture)?,
            ),
            (prefix, _) => {
                return Err(ConfigError::DriftCapture(format!(
                    "set both AIIR_DATA_CAPTURE_PREFIX and AIIR_DRIFT_PROFILE for the data-capture drift check ({} is missing)",
                    if prefix.is_some() { "AIIR_DRIFT_PROFILE" } else { "AIIR_DATA_CAPTURE_PREFIX" }
                )))
            }
        };
        Ok(Self {
            state_table: non_empty("AIIR_STATE_TABLE"),
            audit_bucket: non_empty("AIIR_AUDIT_BUCKET"),
            playbook_path: non_empty("AIIR_PLAYBOOK").map(PathBuf::from),
            dry_run,
            endpoint: non_empty("AWS_ENDPOINT_URL"),
            drift_capture,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(&|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn drift_capture_needs_both_uris() {
        assert!(config(&[]).unwrap().drift_capture.is_none());
        let c = config(&[
            ("AIIR_DATA_CAPTURE_PREFIX", "s3://cap/datacapture"),
            ("AIIR_DRIFT_PROFILE", "s3://models/fraud/profile.json"),
        ])
        .unwrap()
        .drift_capture
        .unwrap();
        assert_eq!(c.prefix.key, "datacapture/");
        assert_eq!(c.profile.key, "fraud/profile.json");
        let e = config(&[("AIIR_DATA_CAPTURE_PREFIX", "s3://cap/datacapture")]).unwrap_err();
        assert!(
            e.to_string().contains("AIIR_DRIFT_PROFILE is missing"),
            "{e}"
        );
        let e = config(&[
            ("AIIR_DATA_CAPTURE_PREFIX", "cap/datacapture"),
            ("AIIR_DRIFT_PROFILE", "s3://models/profile.json"),
        ])
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("AIIR_DATA_CAPTURE_PREFIX=cap/datacapture"),
            "{e}"
        );
        let e = config(&[
            ("AIIR_DATA_CAPTURE_PREFIX", "s3://cap/x"),
            ("AIIR_DRIFT_PROFILE", "s3://models/"),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("expected an object"), "{e}");
    }
}
