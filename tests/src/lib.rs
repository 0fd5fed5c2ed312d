//! Test harness: starts emulators on 127.0.0.1 and tears them down.
//!
//! AWS: [`moto::MotoServer`] (pinned moto + `tests/moto_plugin`) and
//! [`aws_seed::seed_ai_deployment`], a realistic AI deployment to act on.
pub mod aws_seed;
pub mod aws_support;
pub mod drill;
pub mod http;
pub mod moto;

pub use aws_seed::{seed_ai_deployment, Deployment};
pub use moto::MotoServer;
