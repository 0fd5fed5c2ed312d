//! aiir on AWS: SDK clients, the remediator (one module per action), the DynamoDB state store,
//! the S3 audit sink and the data-capture drift check.
pub mod actions;
pub mod app;
pub mod audit;
pub mod capture;
pub mod clients;
pub mod config;
pub mod emf;
pub mod error;
pub mod handler;
pub mod remediator;
pub mod state;

pub use audit::S3AuditSink;
pub use clients::AwsClients;
pub use remediator::{required_permissions, AwsRemediator};
pub use state::DynamoDbStateStore;
