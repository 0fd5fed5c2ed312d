//! Severity and the response target each level commits to.
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Ordered from most to least severe (`Critical < High` in `Ord`, so sorting puts critical first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
}

impl Severity {
    /// Time within which the incident must be contained (the IR playbook's targets).
    pub fn response_target(self) -> Duration {
        match self {
            Self::Critical => Duration::from_secs(15 * 60),
            Self::High => Duration::from_secs(60 * 60),
            Self::Medium => Duration::from_secs(4 * 60 * 60),
            Self::Low => Duration::from_secs(24 * 60 * 60),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }

    /// One step more severe (used when a detector is far past its threshold).
    pub fn raised(self) -> Self {
        match self {
            Self::Critical | Self::High => Self::Critical,
            Self::Medium => Self::High,
            Self::Low => Self::Medium,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
