//! `make drill`: breach simulations end to end against local emulators.
//!
//! `aiir-drill [--cloud aws,azure,gcp] [--scenario NAME[,NAME]] [--report-dir DIR]`
//! runs each scenario on each cloud (containment and undo checked in the emulators' state),
//! prints a summary table, writes the report and exits non-zero if any check failed.
use std::path::PathBuf;

use aiir_e2e::drill::{self, report, Outcome, SCENARIOS};
use anyhow::{bail, Context, Result};

struct Args {
    clouds: Vec<String>,
    scenarios: Vec<&'static str>,
    report_dir: PathBuf,
}

const CLOUDS: &[&str] = &["aws", "azure", "gcp"];

fn parse_args() -> Result<Args> {
    let mut args = Args {
        clouds: CLOUDS.iter().map(|c| c.to_string()).collect(),
        scenarios: SCENARIOS.iter().map(|s| s.name).collect(),
        report_dir: aiir_e2e::moto::repo_root().join("drill-report"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--cloud" => {
                args.clouds = value()?.split(',').map(str::to_string).collect();
                if let Some(bad) = args.clouds.iter().find(|c| !CLOUDS.contains(&c.as_str())) {
                    bail!("--cloud {bad}: expected one of {}", CLOUDS.join(", "));
                }
            }
            "--scenario" => {
                args.scenarios = value()?
                    .split(',')
                    .map(|name| {
                        drill::scenario(name).map(|s| s.name).with_context(|| {
                            let known: Vec<_> = SCENARIOS.iter().map(|s| s.name).collect();
                            format!("--scenario {name}: expected one of {}", known.join(", "))
                        })
                    })
                    .collect::<Result<_>>()?;
            }
            "--report-dir" => args.report_dir = PathBuf::from(value()?),
            other => bail!(
                "unknown argument {other}; usage: aiir-drill [--cloud aws,azure,gcp] [--scenario NAME] [--report-dir DIR]"
            ),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = parse_args()?;
    let mut outcomes: Vec<Outcome> = Vec::new();
    for cloud in &args.clouds {
        let ran = match cloud.as_str() {
            "aws" => drill::aws::run(&args.scenarios).await,
            "azure" => drill::azure::run(&args.scenarios).await,
            "gcp" => drill::gcp::run(&args.scenarios).await,
            other => bail!("no drill for cloud {other}"),
        };
        outcomes.extend(ran.with_context(|| format!("drill on {cloud}"))?);
    }
    println!("\naiir drill — local emulators on 127.0.0.1\n");
    report::print_text(&outcomes);
    report::write(&args.report_dir, &outcomes)?;
    println!("\nreport written to {}", args.report_dir.display());
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    if failed == 0 {
        println!("all {} scenario runs contained and undone", outcomes.len());
        Ok(())
    } else {
        bail!(
            "{failed} of {} scenario runs failed a check",
            outcomes.len()
        )
    }
}
