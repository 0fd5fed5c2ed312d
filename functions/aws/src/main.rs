//! `aiir-aws`: the Lambda `bootstrap`, and `aiir-aws invoke --event FILE` for local runs.
use std::path::PathBuf;

use aiir_aws::{app, config::Config};
use clap::{Parser, Subcommand};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

#[derive(Parser)]
#[command(
    name = "aiir-aws",
    version,
    about = "aiir responder for AWS (Lambda bootstrap)"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Handle one event from a file (`-` for stdin) and print the report as JSON.
    Invoke {
        #[arg(long)]
        event: PathBuf,
        /// Describe what would be done (reads the cloud, changes nothing).
        #[arg(long)]
        dry_run: bool,
        /// Only classify and plan: no state store, no cloud call at all.
        #[arg(long, conflicts_with = "dry_run")]
        plan_only: bool,
    },
}

fn init_tracing(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .without_time()
            .init();
    } else {
        builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_writer(std::io::stderr)
            .init();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    match cli.command {
        None => {
            // Lambda: JSON logs unless the function is configured for text.
            init_tracing(
                std::env::var("AWS_LAMBDA_LOG_FORMAT")
                    .map_or(true, |f| !f.eq_ignore_ascii_case("text")),
            );
            let handler = app::build(&config).await?;
            let handler = &handler;
            lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
                handler
                    .handle_json(event.payload)
                    .await
                    .map_err(|e| lambda_runtime::Diagnostic {
                        error_type: if e.is_retryable() {
                            "Retryable".into()
                        } else {
                            "Rejected".into()
                        },
                        error_message: e.to_string(),
                    })
            }))
            .await
            .map_err(|e| anyhow::anyhow!(e))
        }
        Some(Command::Invoke {
            event,
            dry_run,
            plan_only,
        }) => {
            init_tracing(false);
            let payload = if event.as_os_str() == "-" {
                let mut buf = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
                buf
            } else {
                std::fs::read(&event).map_err(|e| anyhow::anyhow!("{}: {e}", event.display()))?
            };
            let handler = app::build(&config).await?.with_metrics_on_stderr();
            if plan_only {
                return match handler.plan(&payload) {
                    Ok(plan) => {
                        println!("{}", serde_json::to_string_pretty(&plan)?);
                        Ok(())
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        std::process::exit(2);
                    }
                };
            }
            match handler.handle(&payload, dry_run).await {
                Ok(report) => {
                    println!("{}", serde_json::to_string_pretty(&report)?);
                    Ok(())
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    std::process::exit(if e.is_retryable() { 75 } else { 2 });
                }
            }
        }
    }
}
