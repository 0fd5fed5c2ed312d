//! The drill report: a text summary on stdout and `drill-report/` with the same facts three
//! ways: `drill-report.json` (machines), `drill-report.md` (reviews, tickets) and `index.html`
//! (one self-contained page with a timeline chart per run).
//!
//! Every writer takes its summary columns from [`SummaryRow`], so the printed table, the
//! Markdown table and the HTML table cannot drift apart.
use std::path::Path;

use crate::audit::{StepRecord, StepStatus};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

use super::Outcome;

pub mod html;
pub mod markdown;
mod svg;

/// The summary table's columns, in order, for every writer.
pub const SUMMARY_COLUMNS: [&str; 7] = [
    "scenario",
    "cloud",
    "incidents",
    "actions",
    "detected (ms)",
    "contained (ms)",
    "result",
];

/// One scenario × cloud row of the summary table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    pub scenario: String,
    pub cloud: String,
    pub incidents: usize,
    /// Steps that left their resource contained, of all steps the incidents ran.
    pub actions: String,
    pub detected_ms: Option<i64>,
    pub contained_ms: Option<i64>,
    pub passed: bool,
}

impl SummaryRow {
    pub fn of(o: &Outcome) -> Self {
        let steps: Vec<&StepRecord> = o.incidents.iter().flat_map(|i| &i.steps).collect();
        let contained = steps.iter().filter(|s| s.status.is_contained()).count();
        Self {
            scenario: o.scenario.name.to_string(),
            cloud: o.cloud.as_str().to_string(),
            incidents: o.incidents.len(),
            actions: format!("{contained}/{}", steps.len()),
            detected_ms: o.attack_to_detected_ms(),
            contained_ms: o.attack_to_contained_ms(),
            passed: o.passed(),
        }
    }

    /// The cells as text, in [`SUMMARY_COLUMNS`] order.
    pub fn cells(&self) -> [String; 7] {
        [
            self.scenario.clone(),
            self.cloud.clone(),
            self.incidents.to_string(),
            self.actions.clone(),
            opt_ms(self.detected_ms),
            opt_ms(self.contained_ms),
            result(self.passed).to_string(),
        ]
    }
}

/// `pass` or `FAIL` (capitals so a failure stands out in plain text).
pub fn result(passed: bool) -> &'static str {
    if passed {
        "pass"
    } else {
        "FAIL"
    }
}

fn opt_ms(value: Option<i64>) -> String {
    value.map_or("-".into(), |v| v.to_string())
}

/// The kebab-case name serde gives an enum value (`applied`, `awaiting-approval` …).
pub fn serde_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// How a step's status reads in a report: good, neutral (nothing changed by design) or bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Neutral,
    Bad,
}

impl Tone {
    pub fn of(status: StepStatus) -> Self {
        match status {
            StepStatus::Applied | StepStatus::NoChange | StepStatus::Undone => Self::Good,
            StepStatus::DryRun | StepStatus::Excluded | StepStatus::AwaitingApproval => {
                Self::Neutral
            }
            StepStatus::BlastRadiusExceeded | StepStatus::Failed | StepStatus::UndoFailed => {
                Self::Bad
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Neutral => "neutral",
            Self::Bad => "bad",
        }
    }
}

/// Milliseconds from the attack to `at` (negative if `at` came first).
pub fn offset_ms(o: &Outcome, at: DateTime<Utc>) -> i64 {
    (at - o.attack_at).num_milliseconds()
}

/// Per-scenario detail, then the summary table (the Markdown summary's columns).
pub fn print_text(outcomes: &[Outcome]) {
    for o in outcomes {
        println!(
            "== {} on {} — {}",
            o.scenario.name,
            o.cloud.as_str(),
            if o.passed() {
                "CONTAINED, UNDONE"
            } else {
                "FAILED"
            }
        );
        println!("   attack:    {}", o.attack_vector);
        println!("   detection: {}", o.detection);
        println!(
            "   attack → detected {}, → contained {}; {} incident(s)",
            ms(o.attack_to_detected_ms()),
            ms(o.attack_to_contained_ms()),
            o.incidents.len()
        );
        for incident in &o.incidents {
            println!(
                "   {} {} {} [{}] ATLAS {}",
                incident.incident.id,
                incident.incident.kind,
                incident.incident.severity,
                serde_name(&incident.outcome),
                incident.incident.atlas.join(",")
            );
            for t in &incident.incident.timeline {
                println!(
                    "      {} {:<22} {}",
                    t.at.format("%H:%M:%S%.3f"),
                    t.phase.as_str(),
                    t.event.trim()
                );
            }
        }
        for c in &o.checks {
            println!("   [{}] {}", if c.ok { "ok" } else { "FAIL" }, c.what);
        }
        println!();
    }
    print!("{}", text_table(outcomes));
}

/// The summary as a fixed-width text table: header, then one row per scenario × cloud.
pub fn text_table(outcomes: &[Outcome]) -> String {
    const WIDTHS: [usize; 7] = [22, 6, 9, 7, 13, 14, 6];
    let line = |cells: &[String]| -> String {
        let mut out = String::new();
        for (i, (cell, width)) in cells.iter().zip(WIDTHS).enumerate() {
            // Names left-aligned, numbers right-aligned, as a reader scans them.
            if i < 2 {
                out.push_str(&format!("{cell:<width$} "));
            } else {
                out.push_str(&format!("{cell:>width$} "));
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let header: Vec<String> = SUMMARY_COLUMNS.iter().map(|c| c.to_string()).collect();
    let mut out = line(&header);
    for o in outcomes {
        out.push_str(&line(&SummaryRow::of(o).cells()));
    }
    out
}

fn ms(value: Option<i64>) -> String {
    value.map_or("-".into(), |ms| format!("{ms} ms"))
}

/// `dir/drill-report.json`, `dir/drill-report.md` and `dir/index.html` for these outcomes.
pub fn write(dir: &Path, outcomes: &[Outcome]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    let generated_at = Utc::now();
    let files: [(&str, Vec<u8>); 3] = [
        ("drill-report.json", serde_json::to_vec_pretty(outcomes)?),
        (
            "drill-report.md",
            markdown::render(outcomes, generated_at).into_bytes(),
        ),
        (
            "index.html",
            html::render(outcomes, generated_at).into_bytes(),
        ),
    ];
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("write {}", path.display()))?;
    }
    Ok(())
}
