//! A detector's output: what the function-side checks hand to the playbook.
use serde::{Deserialize, Serialize};

use super::{IncidentKind, ResourceRef, Severity};

/// One thing a detector found. The pipeline turns findings into an [`super::Alert`] with
/// source `detector`, so the playbook treats detector output exactly like a cloud alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Detector that fired, e.g. `prompt-injection`, `data-drift`, `secret-leak`.
    pub detector: String,
    pub kind: IncidentKind,
    pub severity: Severity,
    /// Detector score in [0, 1] (or the test statistic for drift), for ranking and evidence.
    pub score: f64,
    /// One line a human reads first.
    pub summary: String,
    /// Resources the finding concerns (endpoint, caller IP, prompt signature, secret …).
    #[serde(default)]
    pub resources: Vec<ResourceRef>,
    /// Machine-readable detail: per-column statistics, reasons that fired, redacted excerpt.
    #[serde(default)]
    pub detail: serde_json::Value,
}
