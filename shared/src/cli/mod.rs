//! The `aiir` command line. Each family of subcommands lives in its own module.
pub mod drift;
pub mod drill;
pub mod playbook;
pub mod profile;
pub mod prompt;
