//! `drill-report.md`: the summary table, then per run the attack, detection, remediation
//! workflow, cloud notes, timeline, checks and undo.
use std::fmt::Write;

use crate::audit::StepRecord;
use chrono::{DateTime, Utc};

use super::{offset_ms, result, serde_name, SummaryRow, SUMMARY_COLUMNS};
use crate::drill::Outcome;

/// A table cell or inline text: incident text carries attacker input (prompts), so nothing
/// in it may break the table or turn into markup.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\\' => out.push_str("\\\\"),
            '`' => out.push_str("\\`"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

fn row(out: &mut String, cells: &[String]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

pub fn render(outcomes: &[Outcome], generated_at: DateTime<Utc>) -> String {
    let mut out = String::new();
    let passed = outcomes.iter().filter(|o| o.passed()).count();
    let _ = writeln!(out, "# aiir drill report\n");
    let _ = writeln!(
        out,
        "Generated {} · {} run(s), {} passed, {} failed. Times are milliseconds from the start \
         of the attack.\n",
        generated_at.format("%Y-%m-%d %H:%M:%S UTC"),
        outcomes.len(),
        passed,
        outcomes.len() - passed
    );
    let _ = writeln!(out, "## Summary\n");
    row(
        &mut out,
        &SUMMARY_COLUMNS
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>(),
    );
    row(
        &mut out,
        &SUMMARY_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, _)| if i < 2 { "---" } else { "---:" }.to_string())
            .collect::<Vec<_>>(),
    );
    for o in outcomes {
        let cells: Vec<String> = SummaryRow::of(o).cells().iter().map(|c| cell(c)).collect();
        row(&mut out, &cells);
    }
    for o in outcomes {
        run(&mut out, o);
    }
    out
}

fn run(out: &mut String, o: &Outcome) {
    let _ = writeln!(
        out,
        "\n## {} on {} — {}\n",
        cell(o.scenario.title),
        o.cloud.as_str(),
        result(o.passed())
    );
    let summary = SummaryRow::of(o);
    let _ = writeln!(out, "- **Scenario:** `{}`", o.scenario.name);
    let _ = writeln!(out, "- **Attack vector:** {}", cell(&o.attack_vector));
    let _ = writeln!(out, "- **Detection method:** {}", cell(&o.detection));
    let _ = writeln!(
        out,
        "- **Attack → detection:** {} ms · **attack → containment:** {} ms",
        summary.cells()[4],
        summary.cells()[5]
    );
    let _ = writeln!(
        out,
        "- **Playbook workflow:** {}",
        o.scenario.workflow.join(" → ")
    );

    let _ = writeln!(out, "\n### Remediation workflow (actions run)\n");
    let steps: Vec<&StepRecord> = o.incidents.iter().flat_map(|i| &i.steps).collect();
    if steps.is_empty() {
        let _ = writeln!(out, "No action ran.");
    } else {
        step_table(out, o, &steps);
    }

    let _ = writeln!(out, "\n### Incidents and timeline\n");
    if o.incidents.is_empty() {
        let _ = writeln!(out, "No incident was raised.");
    }
    for i in &o.incidents {
        let inc = &i.incident;
        let _ = writeln!(
            out,
            "**{}** — {} · {} · {} · outcome {} · ATLAS {}\n",
            cell(&inc.id),
            cell(&inc.title),
            inc.kind,
            inc.severity,
            serde_name(&i.outcome),
            if inc.atlas.is_empty() {
                "-".to_string()
            } else {
                inc.atlas
                    .iter()
                    .map(|a| cell(a))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
        row(out, &["+ms".into(), "NIST phase".into(), "event".into()]);
        row(out, &["---:".into(), "---".into(), "---".into()]);
        for t in &inc.timeline {
            row(
                out,
                &[
                    offset_ms(o, t.at).to_string(),
                    t.phase.as_str().to_string(),
                    cell(&t.event),
                ],
            );
        }
        let _ = writeln!(out);
    }

    let _ = writeln!(out, "### Checks\n");
    for c in &o.checks {
        let _ = writeln!(
            out,
            "- [{}] {}",
            if c.ok { "x" } else { " " },
            cell(&c.what)
        );
    }
    if o.checks.is_empty() {
        let _ = writeln!(out, "- [ ] no check ran (a run without checks fails)");
    }

    let _ = writeln!(out, "\n### Undo\n");
    if o.undo_steps.is_empty() {
        let _ = writeln!(out, "Nothing to undo.");
    } else {
        step_table(out, o, &o.undo_steps.iter().collect::<Vec<_>>());
    }

    let _ = writeln!(out, "\n### Cloud notes\n");
    for n in &o.notes {
        let _ = writeln!(out, "- {}", cell(n));
    }
    if o.notes.is_empty() {
        let _ = writeln!(out, "None.");
    }
}

fn step_table(out: &mut String, o: &Outcome, steps: &[&StepRecord]) {
    row(
        out,
        &[
            "incident",
            "rule",
            "action",
            "NIST phase",
            "target",
            "status",
            "start (ms)",
            "took (ms)",
            "detail",
        ]
        .map(String::from),
    );
    row(
        out,
        &[
            "---", "---", "---", "---", "---", "---", "---:", "---:", "---",
        ]
        .map(String::from),
    );
    for s in steps {
        let detail = s.error.clone().unwrap_or_else(|| s.details.join("; "));
        row(
            out,
            &[
                cell(&s.incident_id),
                cell(&s.rule),
                s.action.kind().to_string(),
                s.action.kind().phase().as_str().to_string(),
                cell(&s.target.id),
                serde_name(&s.status),
                offset_ms(o, s.started_at).to_string(),
                (s.finished_at - s.started_at)
                    .num_milliseconds()
                    .to_string(),
                cell(&detail),
            ],
        );
    }
}
