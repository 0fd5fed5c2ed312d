//! The service's settings, read once from the environment at start-up.
use std::path::PathBuf;

use aiir_core::playbook::{Playbook, PlaybookError, DEFAULT_PLAYBOOK};

use crate::auth::AuthMode;
use crate::clients::Endpoints;

#[derive(Debug, Clone)]
pub struct Config {
    /// Bucket for de-duplication, approvals, blast-radius counters and undo records
    /// (`AIIR_STATE_BUCKET`). Unset (local `invoke` only): an in-process store.
    pub state_bucket: Option<String>,
    /// Bucket (with a retention policy) for audit records (`AIIR_AUDIT_BUCKET`). Unset: the
    /// structured log only.
    pub audit_bucket: Option<String>,
    /// A playbook file instead of the built-in default (`AIIR_PLAYBOOK`).
    pub playbook_path: Option<PathBuf>,
    /// `AIIR_DRY_RUN=true` forces every action into dry-run.
    pub dry_run: bool,
    /// `GOOGLE_CLOUD_PROJECT`: for names given without a project.
    pub project: Option<String>,
    /// API endpoints: `STORAGE_EMULATOR_HOST` (or `AIIR_GCS_ENDPOINT`), `AIIR_VERTEX_ENDPOINT`,
    /// `AIIR_SECRETMANAGER_ENDPOINT`, `AIIR_COMPUTE_ENDPOINT`, `AIIR_PUBSUB_ENDPOINT`.
    pub endpoints: Endpoints,
    /// `AIIR_ANONYMOUS=true`: no credentials (emulators). Also implied by
    /// `STORAGE_EMULATOR_HOST`.
    pub anonymous: bool,
    /// How push requests are authenticated (`AIIR_AUTH`, see [`crate::auth`]).
    pub auth: AuthMode,
    /// `PORT` (Cloud Run sets it), default 8080.
    pub port: u16,
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
    #[error("{name}={value}: {reason}")]
    Invalid {
        name: &'static str,
        value: String,
        reason: String,
    },
}

fn flag(env: &dyn Fn(&str) -> Option<String>, name: &'static str) -> Result<bool, ConfigError> {
    match env(name).map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(ConfigError::Invalid {
            name,
            value: other.to_string(),
            reason: "expected true or false".into(),
        }),
    }
}

/// `host:port` (as emulators document it) or a URL → URL.
fn url(value: &str) -> String {
    let v = value.trim().trim_end_matches('/');
    if v.starts_with("http://") || v.starts_with("https://") {
        v.to_string()
    } else {
        format!("http://{v}")
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let non_empty = |name: &str| {
            env(name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| v.trim().to_string())
        };
        let mut endpoints = Endpoints::default();
        let storage_emulator =
            non_empty("STORAGE_EMULATOR_HOST").or_else(|| non_empty("AIIR_GCS_ENDPOINT"));
        if let Some(s) = &storage_emulator {
            endpoints.storage = url(s);
        }
        if let Some(v) = non_empty("AIIR_VERTEX_ENDPOINT") {
            endpoints.vertex = Some(url(&v));
        }
        if let Some(v) = non_empty("AIIR_SECRETMANAGER_ENDPOINT") {
            endpoints.secret_manager = url(&v);
        }
        if let Some(v) = non_empty("AIIR_COMPUTE_ENDPOINT") {
            endpoints.compute = url(&v);
        }
        if let Some(v) =
            non_empty("AIIR_PUBSUB_ENDPOINT").or_else(|| non_empty("PUBSUB_EMULATOR_HOST"))
        {
            endpoints.pubsub = url(&v);
        }
        if let Some(v) = non_empty("AIIR_MONITORING_ENDPOINT") {
            endpoints.monitoring = url(&v);
        }
        let port = match non_empty("PORT") {
            None => 8080,
            Some(p) => p.parse().map_err(|_| ConfigError::Invalid {
                name: "PORT",
                value: p.clone(),
                reason: "not a port number".into(),
            })?,
        };
        let list = |name: &str| -> Vec<String> {
            non_empty(name)
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        let auth = match non_empty("AIIR_AUTH").as_deref() {
            None | Some("cloud-run-iam") => AuthMode::CloudRunIam,
            Some("oidc") => {
                let audiences = list("AIIR_PUSH_AUDIENCE");
                if audiences.is_empty() {
                    return Err(ConfigError::Invalid {
                        name: "AIIR_PUSH_AUDIENCE",
                        value: String::new(),
                        reason: "AIIR_AUTH=oidc needs the audience the push subscription uses (the service URL)".into(),
                    });
                }
                AuthMode::Oidc {
                    audiences,
                    service_accounts: list("AIIR_PUSH_SERVICE_ACCOUNTS"),
                    jwks_url: non_empty("AIIR_JWKS_URL"),
                }
            }
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "AIIR_AUTH",
                    value: other.to_string(),
                    reason: "expected cloud-run-iam or oidc".into(),
                })
            }
        };
        Ok(Self {
            state_bucket: non_empty("AIIR_STATE_BUCKET"),
            audit_bucket: non_empty("AIIR_AUDIT_BUCKET"),
            playbook_path: non_empty("AIIR_PLAYBOOK").map(PathBuf::from),
            dry_run: flag(env, "AIIR_DRY_RUN")?,
            project: non_empty("GOOGLE_CLOUD_PROJECT").or_else(|| non_empty("GCLOUD_PROJECT")),
            anonymous: flag(env, "AIIR_ANONYMOUS")? || storage_emulator.is_some(),
            endpoints,
            auth,
            port,
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
    fn defaults_and_overrides() {
        let c = config(&[]).unwrap();
        assert_eq!(c.port, 8080);
        assert!(matches!(c.auth, AuthMode::CloudRunIam));
        assert!(!c.anonymous);
        let c = config(&[
            ("STORAGE_EMULATOR_HOST", "127.0.0.1:9023"),
            ("PORT", "9000"),
        ])
        .unwrap();
        assert_eq!(c.endpoints.storage, "http://127.0.0.1:9023");
        assert!(c.anonymous);
        assert_eq!(c.port, 9000);
        assert!(config(&[("AIIR_AUTH", "oidc")]).is_err());
        assert!(config(&[("AIIR_AUTH", "magic")]).is_err());
        assert!(config(&[("AIIR_DRY_RUN", "maybe")]).is_err());
        let c = config(&[
            ("AIIR_AUTH", "oidc"),
            ("AIIR_PUSH_AUDIENCE", "https://aiir.run.app"),
            ("AIIR_PUSH_SERVICE_ACCOUNTS", "a@x, b@x"),
        ])
        .unwrap();
        assert!(
            matches!(c.auth, AuthMode::Oidc { ref service_accounts, .. } if service_accounts.len() == 2)
        );
    }
}
