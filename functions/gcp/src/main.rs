//! `aiir-gcp`: the Cloud Run server (default), and `aiir-gcp invoke --event FILE` for local
//! runs of one payload (a Pub/Sub push body, a CloudEvent, a Monitoring incident or an
//! operator request), printing the report as JSON.
use std::path::PathBuf;
use std::sync::Arc;

use aiir_gcp::auth::PushAuth;
use aiir_gcp::config::Config;
use aiir_gcp::{app, server};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "aiir-gcp",
    version,
    about = "aiir responder for Google Cloud (Cloud Run)"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP on $PORT (the default).
    Serve,
    /// Handle one payload from a file (`-` for stdin) and print the report as JSON.
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
        .with_target(false);
    if json {
        // Cloud Logging reads `severity` and `message` from JSON lines on stdout.
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init();
    } else {
        builder.with_writer(std::io::stderr).init();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            init_tracing(
                std::env::var("AIIR_LOG_FORMAT").map_or(true, |f| !f.eq_ignore_ascii_case("text")),
            );
            let handler = app::build(&config).await?;
            let state = Arc::new(server::AppState {
                handler,
                auth: PushAuth::new(config.auth.clone()),
            });
            server::run(config.port, state).await?;
            Ok(())
        }
        Command::Invoke { event, dry_run } => {
            init_tracing(false);
            let payload = if event.as_os_str() == "-" {
                let mut buf = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
                buf
            } else {
                std::fs::read(&event).map_err(|e| anyhow::anyhow!("{}: {e}", event.display()))?
            };
            let handler = app::build(&config).await?;
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
