//! The audit trail: one record per step, with the state it replaced, so every change can be
//! explained and undone.
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::action::{ActionSpec, Cloud};
use crate::model::{IncidentKind, ResourceRef, Severity};
use crate::playbook::Mode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    /// Changed the resource, verified the result.
    Applied,
    /// The resource was already in the target state (idempotent repeat).
    NoChange,
    /// Dry-run: described, not executed.
    DryRun,
    Excluded,
    AwaitingApproval,
    /// The blast-radius limit stopped this step; a human was asked to decide.
    BlastRadiusExceeded,
    Failed,
    Undone,
    UndoFailed,
}

impl StepStatus {
    /// Did this step leave the resource in its contained state?
    pub fn is_contained(self) -> bool {
        matches!(self, Self::Applied | Self::NoChange)
    }
}

/// A step as executed: the unit of audit and of undo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub incident_id: String,
    pub step_id: String,
    pub rule: String,
    pub action: ActionSpec,
    pub target: ResourceRef,
    pub mode: Mode,
    pub status: StepStatus,
    /// What was there before (enough to restore it).
    #[serde(default)]
    pub prior_state: Value,
    /// What is there now (read back after the change).
    #[serde(default)]
    pub new_state: Value,
    /// Human-readable lines: for dry-run, exactly what would be done.
    #[serde(default)]
    pub details: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub attempts: u32,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

/// What the audit sink stores: the step plus who/what/where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub cloud: Cloud,
    pub incident_id: String,
    pub fingerprint: String,
    pub kind: IncidentKind,
    pub severity: Severity,
    /// `respond`, `approve` or `undo`, and who asked for approve/undo.
    pub trigger: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    pub step: StepRecord,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit sink unavailable: {0}")]
    Unavailable(String),
    #[error("audit sink denied access: {0}")]
    Denied(String),
}

#[async_trait]
pub trait AuditSink: Send + Sync {
    async fn write(&self, record: &AuditRecord) -> Result<(), AuditError>;
}

/// Keeps records in memory (unit tests, local `invoke` without a cloud).
#[derive(Default)]
pub struct MemoryAuditSink {
    pub records: std::sync::Mutex<Vec<AuditRecord>>,
}

#[async_trait]
impl AuditSink for MemoryAuditSink {
    async fn write(&self, record: &AuditRecord) -> Result<(), AuditError> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(record.clone());
        Ok(())
    }
}
