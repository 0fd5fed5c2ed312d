//! aiir on Google Cloud: the Cloud Run responder. Clients (official Cloud Storage client and
//! documented JSON APIs), the remediator (one module per action), the Cloud Storage state
//! store and audit sink, the HTTP server and its push authentication.
pub mod actions;
pub mod app;
pub mod audit;
pub mod auth;
pub mod clients;
pub mod config;
pub mod error;
pub mod gcs;
pub mod handler;
pub mod remediator;
pub mod server;
pub mod state;
#[cfg(feature = "testing")]
pub mod testing;

pub use audit::GcsAuditSink;
pub use clients::{Auth, Endpoints, GcpClients};
pub use handler::{Handler, HandlerError};
pub use remediator::{required_permissions, GcpRemediator};
pub use state::GcsStateStore;
