//! `aiir drift`, `aiir concept`, `aiir embedding-drift`.
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum DriftCommand {}

pub fn run(cmd: DriftCommand) -> anyhow::Result<i32> {
    match cmd {}
}
