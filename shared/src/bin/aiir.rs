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
    keep_freed_memory();
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

/// The drift tests allocate and free tens of megabytes per column (sorted copies, scratch).
/// glibc hands freed memory at the top of the heap back to the kernel past 128 KiB, so each
/// column faulted its pages in afresh: a third of `aiir drift`'s time on a million rows was
/// page faults. Keeping freed memory for reuse costs nothing else (the process is short-lived).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    // SAFETY: mallopt only sets allocator parameters; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}
