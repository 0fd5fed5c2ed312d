//! What kind of AI incident this is; drives the playbook and the ATLAS mapping.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IncidentKind {
    /// Input data, concept or embedding drift; degraded model quality.
    ModelDrift,
    /// Prompt injection, jailbreak, out-of-policy prompts, harmful outputs.
    PromptAttack,
    /// Secrets, PII or training data leaving where they belong.
    DataLeakage,
    /// Model weights or artefacts tampered with.
    ModelIntegrity,
    /// Public access, missing encryption, risky configuration.
    Exposure,
    /// Endpoint down, latency, error rate.
    Availability,
    /// Spend or usage spikes (denial of wallet).
    Cost,
}

impl IncidentKind {
    pub const ALL: [IncidentKind; 7] = [
        Self::ModelDrift,
        Self::PromptAttack,
        Self::DataLeakage,
        Self::ModelIntegrity,
        Self::Exposure,
        Self::Availability,
        Self::Cost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ModelDrift => "model-drift",
            Self::PromptAttack => "prompt-attack",
            Self::DataLeakage => "data-leakage",
            Self::ModelIntegrity => "model-integrity",
            Self::Exposure => "exposure",
            Self::Availability => "availability",
            Self::Cost => "cost",
        }
    }
}

impl std::fmt::Display for IncidentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
