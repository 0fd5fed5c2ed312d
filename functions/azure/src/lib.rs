//! aiir on Azure: an Azure Functions custom handler (HTTP server speaking the Functions
//! invocation envelope), the clients (official SDK for identity and Blob Storage; documented
//! REST APIs over reqwest with the same credential for the rest), the remediator (one module
//! per action), the Table Storage state store and the Blob audit sink.
pub mod actions;
pub mod app;
pub mod audit;
pub mod clients;
pub mod config;
pub mod credential;
pub mod envelope;
pub mod error;
pub mod handler;
pub mod remediator;
pub mod server;
pub mod state;
#[cfg(feature = "testing")]
pub mod testing;

pub use audit::BlobAuditSink;
pub use clients::{AzureClients, Endpoints};
pub use handler::Handler;
pub use remediator::{required_permissions, AzureRemediator};
pub use state::TableStateStore;
