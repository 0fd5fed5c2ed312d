//! `aiir-azure`: the Azure Functions custom handler (serves the host on
//! `$FUNCTIONS_CUSTOMHANDLER_PORT`), and `aiir-azure invoke --event FILE` for local runs.
use std::path::PathBuf;
use std::sync::Arc;

use aiir_azure::{app, config::Config, server};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "aiir-azure",
    version,
    about = "aiir responder for Azure (Functions custom handler)"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the Functions host (the default).
    Serve,
    /// Handle one payload from a file (`-` for stdin): a raw alert, Event Grid event, log
    /// batch or operator event, or a full invocation envelope. Prints the result as JSON.
    Invoke {
        #[arg(long)]
        event: PathBuf,
        /// Describe what would be done; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn init_tracing(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    match cli.command {
        None | Some(Command::Serve) => {
            init_tracing(true);
            let handler = Arc::new(app::build(&config)?);
            let listener = server::bind_from_env().await?;
            server::serve(handler, listener).await?;
            Ok(())
        }
        Some(Command::Invoke { event, dry_run }) => {
            init_tracing(false);
            let payload = if event.as_os_str() == "-" {
                let mut buf = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
                buf
            } else {
                std::fs::read(&event).map_err(|e| anyhow::anyhow!("{}: {e}", event.display()))?
            };
            let handler = app::build(&config)?;
            match handler.invoke_file(&payload, dry_run).await {
                Ok(result) => {
                    println!("{}", serde_json::to_string_pretty(&result)?);
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
