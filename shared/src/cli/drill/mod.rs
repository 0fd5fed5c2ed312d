//! `aiir drill --scenario NAME --target aws|azure|gcp --function NAME|URL [--dry-run]`: the
//! breach simulation of `make drill`, against a function deployed in a sandbox account.
//!
//! The attack is generated here exactly as in the emulator drills ([`crate::drill`]), put in
//! the target cloud's delivery shapes ([`crate::drill::deliver`]) and sent to the function; its
//! reports (incidents, steps, outcomes) are printed and written to `drill-report/`. Then every
//! incident that changed something is undone (unless `--keep`), as `make drill` does.
//!
//! `--dry-run` sends only operator events wrapped in `dry-run` (log deliveries cannot carry a
//! flag, so the model-I/O lines are scanned here and sent as findings): the function reads
//! the cloud and changes nothing.
pub mod send;
pub mod target;

use std::path::PathBuf;

use chrono::Utc;
use clap::{Args, Subcommand};

use self::send::{SendError, Sender};
use self::target::{parse_cloud, parse_function, usage, FunctionTarget, UsageError};
use crate::action::Cloud;
use crate::audit::StepStatus;
use crate::drill::attack::{attack, scan_locally, Attack, AttackError};
use crate::drill::deliver::{self, Channel, Delivery, Origin};
use crate::drill::model_drift::DEFAULT_SEED;
use crate::drill::{scenario, scenario_names, Outcome, Scenario};
use crate::operator::OperatorEvent;
use crate::pipeline::Report;
use crate::{ResourceKind, ResourceRef};

#[derive(Debug, Subcommand)]
pub enum DrillCommand {
    /// Run a breach simulation against a deployed function (sandbox accounts only).
    Drill(DrillArgs),
}

#[derive(Debug, Clone, Args)]
pub struct DrillArgs {
    /// prompt-injection, data-leakage or model-drift.
    #[arg(long)]
    pub scenario: Option<String>,
    /// aws, azure or gcp.
    #[arg(long)]
    pub target: Option<String>,
    /// Lambda function name or ARN (aws); the function app URL (azure); the Cloud Run URL (gcp).
    #[arg(long)]
    pub function: Option<String>,
    /// The serving endpoint the scenario hits (needed by model-drift: the one rolled back):
    /// SageMaker endpoint name, Azure ML online endpoint id, Vertex AI endpoint name.
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Rehearse: the function plans and reads, changes nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Leave the containment in place (no undo at the end).
    #[arg(long)]
    pub keep: bool,
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// AWS region of the Lambda (default: the AWS CLI's).
    #[arg(long)]
    pub region: Option<String>,
    /// Account / subscription / project id the log lines claim (default: from the ARN or
    /// endpoint when they name one).
    #[arg(long)]
    pub account: Option<String>,
    #[arg(long, default_value = "drill-report")]
    pub report_dir: PathBuf,
}

/// Checked arguments.
#[derive(Debug, Clone)]
pub struct DrillPlan {
    pub scenario: &'static Scenario,
    pub cloud: Cloud,
    pub target: FunctionTarget,
    pub endpoint: Option<ResourceRef>,
    pub account: String,
    pub dry_run: bool,
    pub keep: bool,
    pub seed: u64,
}

fn required<'a>(
    value: &'a Option<String>,
    flag: &'static str,
    fix: &str,
) -> Result<&'a str, UsageError> {
    value
        .as_deref()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| usage(flag, "is required", fix))
}

/// Check every argument; nothing is generated or sent before this passes.
pub fn check(args: &DrillArgs) -> Result<DrillPlan, UsageError> {
    let names = scenario_names().join(", ");
    let name = required(&args.scenario, "--scenario", &format!("use one of {names}"))?;
    let scenario = scenario(name.trim()).ok_or_else(|| {
        usage(
            "--scenario",
            format!("unknown scenario `{name}`"),
            format!("use one of {names}"),
        )
    })?;
    let cloud = parse_cloud(required(
        &args.target,
        "--target",
        "use --target aws, azure or gcp",
    )?)?;
    let function = required(
        &args.function,
        "--function",
        "give the deployed function's name (aws) or URL (azure, gcp)",
    )?;
    let target = parse_function(cloud, function, args.region.as_deref())?;
    let endpoint = args
        .endpoint
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| ResourceRef::new(ResourceKind::ModelEndpoint, e));
    let account = args
        .account
        .clone()
        .or_else(|| match &target {
            FunctionTarget::Lambda { account, .. } => account.clone(),
            _ => None,
        })
        .or_else(|| {
            // Azure ids /subscriptions/S/…, GCP names projects/P/….
            let id = endpoint.as_ref()?.id.clone();
            let parts: Vec<&str> = id.split('/').filter(|p| !p.is_empty()).collect();
            parts
                .iter()
                .position(|p| *p == "subscriptions" || *p == "projects")
                .and_then(|i| parts.get(i + 1))
                .map(|s| s.to_string())
        })
        .unwrap_or_else(|| "000000000000".into());
    let plan = DrillPlan {
        scenario,
        cloud,
        target,
        endpoint,
        account,
        dry_run: args.dry_run,
        keep: args.keep,
        seed: args.seed,
    };
    // Generating the attack is cheap and tells which scenario needs which flag.
    generate(&plan)?;
    Ok(plan)
}

fn generate(plan: &DrillPlan) -> Result<Attack, UsageError> {
    attack(plan.scenario, plan.endpoint.as_ref(), plan.seed).map_err(|e| match e {
        AttackError::Needs { what, .. } => usage(
            "--endpoint",
            format!("scenario {} needs {what}", plan.scenario.name),
            match plan.cloud {
                Cloud::Aws => "--endpoint fraud-detector (the SageMaker endpoint name)",
                Cloud::Azure => "--endpoint /subscriptions/S/resourceGroups/RG/providers/Microsoft.MachineLearningServices/workspaces/W/onlineEndpoints/E",
                Cloud::Gcp => "--endpoint projects/P/locations/L/endpoints/E",
            },
        ),
        AttackError::Unsupported(..) => usage("--scenario", e.to_string(), "use prompt-injection, data-leakage or model-drift here"),
        other => usage("--scenario", other.to_string(), "report this as a bug"),
    })
}

/// The payloads, in the order they are sent: findings first (the drift job's post), then
/// the model-I/O lines. With `dry_run`, one operator event wrapped in `dry-run`.
pub fn deliveries(plan: &DrillPlan, run_id: &str) -> Result<Vec<Delivery>, anyhow::Error> {
    let attack = generate(plan)?;
    let name = plan.scenario.name;
    let batch_id = format!("drill-{name}-{run_id}");
    if plan.dry_run {
        let mut findings = attack.findings.clone();
        findings.extend(scan_locally(&attack.model_io)?);
        let event = OperatorEvent::DryRun {
            event: Box::new(OperatorEvent::Findings { batch_id, findings }),
        };
        return Ok(vec![Delivery {
            name: format!("{name}-dry-run"),
            channel: Channel::Operator,
            body: serde_json::to_value(event)?,
        }]);
    }
    let mut out = Vec::new();
    if !attack.findings.is_empty() {
        let event = OperatorEvent::Findings {
            batch_id,
            findings: attack.findings.clone(),
        };
        out.push(Delivery {
            name: format!("{name}-findings"),
            channel: Channel::Operator,
            body: serde_json::to_value(event)?,
        });
    }
    if !attack.model_io.is_empty() {
        let origin = Origin {
            account: plan.account.clone(),
            endpoint: plan
                .endpoint
                .as_ref()
                .map_or_else(|| "fraud-detector".to_string(), |e| e.id.clone()),
            run_id: run_id.to_string(),
            now: Utc::now(),
        };
        out.extend(deliver::model_io(
            plan.cloud,
            name,
            &attack.model_io,
            &origin,
        )?);
    }
    Ok(out)
}

pub fn run(cmd: DrillCommand) -> anyhow::Result<i32> {
    let DrillCommand::Drill(args) = cmd;
    let plan = match check(&args) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    };
    let run_id = Utc::now().format("%Y%m%dT%H%M%S%3f").to_string();
    let workdir = std::env::temp_dir().join(format!("aiir-drill-{run_id}"));
    let sender = match Sender::new(plan.target.clone(), workdir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    };
    let attack = generate(&plan)?;
    let mut outcome = Outcome::start(plan.scenario, plan.cloud, attack.vector, attack.detection);
    for note in &attack.notes {
        outcome.note(*note);
    }
    if plan.dry_run {
        outcome.note("dry-run: model I/O scanned locally, everything sent as one operator `dry-run` event; nothing changed");
    }
    let deliveries = deliveries(&plan, &run_id)?;
    println!(
        "aiir drill {} → {} function {}{}",
        plan.scenario.name,
        plan.cloud.as_str(),
        describe(&plan.target),
        if plan.dry_run { " (dry-run)" } else { "" }
    );
    let mut failed = false;
    for d in &deliveries {
        println!(
            "→ {} ({}, {} bytes)",
            d.name,
            d.channel.as_str(),
            d.body.to_string().len()
        );
        match sender.send(d) {
            Ok(report) => {
                print_report(&report);
                outcome.record(report);
            }
            Err(e) => {
                eprintln!("error: {e}");
                outcome.check(format!("{} delivered: {e}", d.name), false);
                failed = true;
                if matches!(e, SendError::Setup(_)) {
                    break;
                }
            }
        }
    }
    expectations(&plan, &mut outcome);
    if !plan.dry_run && !plan.keep && !failed {
        undo(&sender, &mut outcome);
    }
    let path = write_report(&args.report_dir, &outcome)?;
    for c in &outcome.checks {
        println!("[{}] {}", if c.ok { "ok" } else { "FAIL" }, c.what);
    }
    println!("report written to {}", path.display());
    Ok(if outcome.passed() { 0 } else { 1 })
}

fn describe(target: &FunctionTarget) -> String {
    match target {
        FunctionTarget::Lambda { name, .. } => name.clone(),
        FunctionTarget::AzureApp { base } => base.clone(),
        FunctionTarget::CloudRun { url } => url.clone(),
    }
}

/// What the default playbook should have done, checked in the function's own reports.
pub fn expectations(plan: &DrillPlan, outcome: &mut Outcome) {
    let want = if plan.dry_run {
        StepStatus::DryRun
    } else {
        StepStatus::Applied
    };
    outcome.check(
        format!(
            "the function raised incidents ({})",
            outcome.incidents.len()
        ),
        !outcome.incidents.is_empty(),
    );
    for action in plan.scenario.workflow {
        let ran = outcome.incidents.iter().flat_map(|i| &i.steps).any(|s| {
            s.action.kind().as_str() == *action
                && (s.status == want || (!plan.dry_run && s.status == StepStatus::NoChange))
        });
        outcome.check(
            format!(
                "{action} {}",
                if plan.dry_run {
                    "planned in dry-run"
                } else {
                    "contained"
                }
            ),
            ran,
        );
    }
    if plan.dry_run {
        let changed = outcome
            .incidents
            .iter()
            .flat_map(|i| &i.steps)
            .any(|s| s.status == StepStatus::Applied);
        outcome.check("dry-run changed nothing", !changed);
    }
}

fn undo(sender: &Sender, outcome: &mut Outcome) {
    let changed: Vec<String> = outcome
        .incidents
        .iter()
        .filter(|i| i.steps.iter().any(|s| s.status == StepStatus::Applied))
        .map(|i| i.incident.id.clone())
        .collect();
    for id in changed.into_iter().rev() {
        let event = OperatorEvent::Undo {
            incident_id: id.clone(),
            steps: Vec::new(),
            operator: "aiir drill".into(),
        };
        let delivery = Delivery {
            name: format!("undo-{id}"),
            channel: Channel::Operator,
            body: serde_json::to_value(event).unwrap_or_default(),
        };
        println!("→ {} (operator)", delivery.name);
        match sender.send(&delivery) {
            Ok(Report { operator_steps, .. }) => {
                let left: Vec<String> = operator_steps
                    .iter()
                    .filter(|s| s.status != StepStatus::Undone)
                    .map(|s| format!("{} {}", s.action.kind().as_str(), s.target.id))
                    .collect();
                outcome.check(
                    format!(
                        "undo of {id} restored every step{}",
                        if left.is_empty() {
                            String::new()
                        } else {
                            format!(" (not undone: {})", left.join(", "))
                        }
                    ),
                    left.is_empty(),
                );
                outcome.undo_steps.extend(operator_steps);
            }
            Err(e) => outcome.check(format!("undo of {id}: {e}"), false),
        }
    }
}

fn print_report(report: &Report) {
    for i in &report.incidents {
        println!(
            "  {} {} {} [{}] {}",
            i.incident.id,
            i.incident.kind,
            i.incident.severity,
            serde_json::to_value(i.outcome)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            i.incident.title
        );
        for s in &i.steps {
            println!(
                "    {:<20} {:<40} {}",
                s.action.kind().as_str(),
                s.target.id,
                serde_json::to_value(s.status)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            );
        }
    }
}

/// `dir/` with `drill-report.json`, `drill-report.md` and `index.html`: the same files
/// `make drill` writes, for one run against a deployed function.
fn write_report(dir: &std::path::Path, outcome: &Outcome) -> anyhow::Result<PathBuf> {
    crate::drill::report::write(dir, std::slice::from_ref(outcome))?;
    Ok(dir.join("index.html"))
}
