//! `aiir playbook check FILE [--env NAME=VALUE ...]`: validate a playbook before deploying it.
//!
//! The same load the functions do at cold start (interpolation, strict parse, every semantic
//! problem with its field and fix), without touching any cloud. Values for `${VAR}` come from
//! the process environment, overridden by `--env`, so a playbook can be checked with the
//! values Terraform will set.
use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Subcommand;

use crate::playbook::{Playbook, DEFAULT_PLAYBOOK};

#[derive(Debug, Subcommand)]
pub enum PlaybookCommand {
    /// Validate a playbook (`-` or no file: the default playbook aiir ships).
    #[command(subcommand)]
    Playbook(PlaybookAction),
}

#[derive(Debug, Subcommand)]
pub enum PlaybookAction {
    /// Interpolate, parse and validate; print a summary, or every problem (exit 2).
    Check {
        /// The playbook file; `-` or omitted for the default playbook.
        file: Option<PathBuf>,
        /// A value for `${NAME}` (repeatable), taking precedence over the environment.
        #[arg(long = "env", value_name = "NAME=VALUE")]
        env: Vec<String>,
    },
}

pub fn run(cmd: PlaybookCommand) -> anyhow::Result<i32> {
    let PlaybookCommand::Playbook(PlaybookAction::Check { file, env }) = cmd;
    let mut overrides = BTreeMap::new();
    for pair in &env {
        let Some((name, value)) = pair.split_once('=') else {
            bail!("--env {pair}: expected NAME=VALUE, e.g. --env AIIR_NOTIFY_TOPIC=arn:aws:sns:…");
        };
        overrides.insert(name.trim().to_string(), value.to_string());
    }
    let (label, text) = match file.as_deref() {
        None => ("default playbook".to_string(), DEFAULT_PLAYBOOK.to_string()),
        Some(p) if p.as_os_str() == "-" => {
            ("default playbook".to_string(), DEFAULT_PLAYBOOK.to_string())
        }
        Some(p) => (
            p.display().to_string(),
            std::fs::read_to_string(p).with_context(|| format!("read {}", p.display()))?,
        ),
    };
    let lookup = |name: &str| {
        overrides
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
    };
    match Playbook::load(&text, &lookup) {
        Ok(playbook) => {
            let actions: usize = playbook.rules.iter().map(|r| r.actions.len()).sum();
            println!(
                "{label}: valid — {} classify rule(s), {} rule(s), {actions} action(s)",
                playbook.classify.len(),
                playbook.rules.len()
            );
            Ok(0)
        }
        Err(err) => {
            eprintln!("{label}: {err}");
            Ok(2)
        }
    }
}
