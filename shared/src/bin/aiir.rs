//! `aiir`: the operator's command line (detectors, training, drills, playbook checks).
use aiir_core::cli;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "aiir",
    version,
    about = "AI incident response: detect, decide, act, record"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Drift(cli::drift::DriftCommand),
    #[command(flatten)]
    Prompt(cli::prompt::PromptCommand),
    #[command(flatten)]
    Drill(cli::drill::DrillCommand),
    #[command(flatten)]
    Playbook(cli::playbook::PlaybookCommand),
    #[command(flatten)]
    Profile(cli::profile::ProfileCommand),
}

fn main() {
    let args = Cli::parse();
    let result = match args.command {
        Command::Drift(cmd) => cli::drift::run(cmd),
        Command::Prompt(cmd) => cli::prompt::run(cmd),
        Command::Drill(cmd) => cli::drill::run(cmd),
        Command::Playbook(cmd) => cli::playbook::run(cmd),
        Command::Profile(cmd) => cli::profile::run(cmd),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::exit(2);
        }
    }
}
