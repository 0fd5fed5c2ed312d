//! The alert and incident model shared by every cloud.
mod alert;
pub mod atlas;
mod finding;
mod incident;
mod kind;
mod resource;
mod severity;

pub use alert::{Alert, AlertSource, AlertStatus, Evidence};
pub use atlas::NistPhase;
pub use finding::Finding;
pub use incident::{fingerprint, Incident, TimelineEntry};
pub use kind::IncidentKind;
pub use resource::{ResourceKind, ResourceRef};
pub use severity::Severity;
