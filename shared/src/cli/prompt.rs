//! `aiir scan`, `aiir eval`, `aiir train`.
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum PromptCommand {}

pub fn run(cmd: PromptCommand) -> anyhow::Result<i32> {
    match cmd {}
}
