//! aiir on Google Cloud: the Cloud Run responder. Clients (official Cloud Storage client and
//! documented JSON APIs), the remediator (one module per action), the Cloud Storage state
//! store and audit sink, the HTTP server and its push authentication.
pub mod audit;
pub mod clients;
pub mod error;
pub mod gcs;
pub mod state;

pub use audit::GcsAuditSink;
pub use clients::{Auth, Endpoints, GcpClients};
pub use state::GcsStateStore;
