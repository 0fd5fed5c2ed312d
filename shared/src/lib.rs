//! aiir-core: everything that is the same on every cloud.
//!
//! The alert and incident model, the detectors, the playbook engine that turns an incident into
//! an action plan, and the audit record. No cloud SDK lives here: each cloud crate implements
//! [`remediate::Remediator`], [`state::StateStore`] and [`audit::AuditSink`].
pub mod cli;
pub mod detect;
pub mod drill;
pub mod intake;
pub mod model;

pub use model::{Finding, IncidentKind, ResourceKind, ResourceRef, Severity};
pub mod action;
pub mod audit;
pub mod correlate;
pub mod metrics;
pub mod modelio;
pub mod operator;
pub mod pipeline;
pub mod plan;
pub mod playbook;
pub mod remediate;
pub mod state;

pub use model::{Alert, AlertSource, AlertStatus, Evidence, Incident};
