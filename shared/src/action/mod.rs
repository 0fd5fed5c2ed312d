//! The closed set of actions aiir can take. Each cloud crate implements every variant
//! (one file per action) and declares the permissions it needs.
use serde::{Deserialize, Serialize};

mod doc;
pub use doc::ActionDoc;

use crate::model::{NistPhase, ResourceKind, ResourceRef};

/// Which cloud an implementation or a permission list belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    Aws,
    Azure,
    Gcp,
}

impl Cloud {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aws => "aws",
            Self::Azure => "azure",
            Self::Gcp => "gcp",
        }
    }
}

/// One action with its parameters, as written in the playbook (`type = "..."`).
///
/// Parameters that name a resource are optional where the target can be taken from the
/// incident itself (the endpoint that alarmed, the bucket a finding names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ActionSpec {
    /// Move a model endpoint back to its previous known-good version (or `to`, pinned).
    RollbackModel {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        endpoint: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
    },
    /// Add prompt signatures to the guardrail's blocklist and caller IPs to the firewall.
    BlockPrompt {
        blocklist: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ip_set: Option<String>,
    },
    /// Rotate secrets the incident names, or the ones listed.
    RotateSecret {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        secrets: Vec<String>,
    },
    /// Take a compromised serving endpoint out of service (config kept for undo).
    DisableEndpoint {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        endpoint: Option<String>,
    },
    /// Block public access to a bucket and remove public grants.
    LockPublicAccess {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bucket: Option<String>,
    },
    /// Default encryption with a customer-managed key.
    EnforceEncryption {
        kms_key: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bucket: Option<String>,
    },
    /// Move suspect objects into a quarantine bucket; originals removed only after the copy
    /// is verified.
    QuarantineData { quarantine_bucket: String },
    /// Tell people: the incident summary and what was done.
    Notify { topic: String },
    /// Page on-call through the cloud's own alerting (its existing routing decides who):
    /// a CloudWatch alarm (AWS), a Logs Ingestion stream an alert rule watches (Azure), a
    /// project whose alert policy watches aiir's custom metric (GCP). Empty means "not
    /// configured": no step is planned.
    TriggerAlert { alert: String },
}

/// The action's name without parameters: for permissions, metrics and blast-radius counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    RollbackModel,
    BlockPrompt,
    RotateSecret,
    DisableEndpoint,
    LockPublicAccess,
    EnforceEncryption,
    QuarantineData,
    Notify,
    TriggerAlert,
}

impl ActionKind {
    pub const ALL: [ActionKind; 9] = [
        Self::RollbackModel,
        Self::BlockPrompt,
        Self::RotateSecret,
        Self::DisableEndpoint,
        Self::LockPublicAccess,
        Self::EnforceEncryption,
        Self::QuarantineData,
        Self::Notify,
        Self::TriggerAlert,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RollbackModel => "rollback-model",
            Self::BlockPrompt => "block-prompt",
            Self::RotateSecret => "rotate-secret",
            Self::DisableEndpoint => "disable-endpoint",
            Self::LockPublicAccess => "lock-public-access",
            Self::EnforceEncryption => "enforce-encryption",
            Self::QuarantineData => "quarantine-data",
            Self::Notify => "notify",
            Self::TriggerAlert => "trigger-alert",
        }
    }

    /// Actions that tell people rather than change a resource: a message or a page cannot be
    /// taken back, and they are never held back by the blast-radius limit (they are how a
    /// human learns that aiir stopped itself).
    pub fn is_message(self) -> bool {
        matches!(self, Self::Notify | Self::TriggerAlert)
    }

    /// Whether `undo` can restore what the action changed.
    pub fn is_reversible(self) -> bool {
        !self.is_message()
    }

    /// Where the action sits in NIST SP 800-61's handling phases (for the timeline).
    pub fn phase(self) -> NistPhase {
        match self {
            Self::BlockPrompt
            | Self::DisableEndpoint
            | Self::LockPublicAccess
            | Self::QuarantineData => NistPhase::Containment,
            Self::RotateSecret | Self::EnforceEncryption => NistPhase::Eradication,
            Self::RollbackModel => NistPhase::Recovery,
            Self::Notify | Self::TriggerAlert => NistPhase::DetectionAndAnalysis,
        }
    }

    /// Resource kinds this action acts on when the playbook names no explicit target.
    pub fn target_kinds(self) -> &'static [ResourceKind] {
        match self {
            Self::RollbackModel | Self::DisableEndpoint => {
                &[ResourceKind::ModelEndpoint, ResourceKind::Function]
            }
            Self::BlockPrompt => &[ResourceKind::Prompt, ResourceKind::Caller],
            Self::RotateSecret => &[ResourceKind::Secret],
            Self::LockPublicAccess | Self::EnforceEncryption => &[ResourceKind::Bucket],
            Self::QuarantineData => &[ResourceKind::Object],
            Self::Notify | Self::TriggerAlert => &[],
        }
    }
}

impl std::fmt::Display for ActionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ActionSpec {
    pub fn kind(&self) -> ActionKind {
        match self {
            Self::RollbackModel { .. } => ActionKind::RollbackModel,
            Self::BlockPrompt { .. } => ActionKind::BlockPrompt,
            Self::RotateSecret { .. } => ActionKind::RotateSecret,
            Self::DisableEndpoint { .. } => ActionKind::DisableEndpoint,
            Self::LockPublicAccess { .. } => ActionKind::LockPublicAccess,
            Self::EnforceEncryption { .. } => ActionKind::EnforceEncryption,
            Self::QuarantineData { .. } => ActionKind::QuarantineData,
            Self::Notify { .. } => ActionKind::Notify,
            Self::TriggerAlert { .. } => ActionKind::TriggerAlert,
        }
    }

    /// Targets the playbook names explicitly; empty means "take them from the incident".
    pub fn explicit_targets(&self) -> Vec<ResourceRef> {
        let one = |kind, id: &Option<String>| {
            id.iter()
                .map(|id| ResourceRef::new(kind, id.clone()))
                .collect::<Vec<_>>()
        };
        match self {
            Self::RollbackModel { endpoint, .. } | Self::DisableEndpoint { endpoint } => {
                one(ResourceKind::ModelEndpoint, endpoint)
            }
            Self::RotateSecret { secrets } => secrets
                .iter()
                .map(|s| ResourceRef::new(ResourceKind::Secret, s.clone()))
                .collect(),
            Self::LockPublicAccess { bucket } | Self::EnforceEncryption { bucket, .. } => {
                one(ResourceKind::Bucket, bucket)
            }
            // Notify has one target: its topic.
            Self::Notify { topic } => vec![ResourceRef::new(ResourceKind::Other, topic.clone())],
            // Empty (not configured) is dropped by the planner: no step.
            Self::TriggerAlert { alert } => {
                vec![ResourceRef::new(ResourceKind::Other, alert.clone())]
            }
            Self::BlockPrompt { .. } | Self::QuarantineData { .. } => Vec::new(),
        }
    }

    /// Parameters that must not be empty, for playbook validation: (field, value).
    pub fn required_params(&self) -> Vec<(&'static str, &str)> {
        match self {
            Self::BlockPrompt { blocklist, .. } => vec![("blocklist", blocklist)],
            Self::EnforceEncryption { kms_key, .. } => vec![("kms_key", kms_key)],
            Self::QuarantineData { quarantine_bucket } => {
                vec![("quarantine_bucket", quarantine_bucket)]
            }
            Self::Notify { topic } => vec![("topic", topic)],
            _ => Vec::new(),
        }
    }
}
