//! The alert and incident model shared by every cloud.
mod finding;
mod kind;
mod resource;
mod severity;

pub use finding::Finding;
pub use kind::IncidentKind;
pub use resource::{ResourceKind, ResourceRef};
pub use severity::Severity;
