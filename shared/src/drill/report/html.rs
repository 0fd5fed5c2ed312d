//! `index.html`: one self-contained page (inline CSS and SVG, no script, no fetch) with the
//! summary table and, per run, the timeline chart, actions and outcomes, incidents and checks.
//!
//! Everything that comes from a run is escaped: incident text carries attacker input (prompt
//! text is attacker-controlled).
use std::fmt::Write;

use crate::audit::StepRecord;
use chrono::{DateTime, Utc};

use super::{offset_ms, result, serde_name, svg, SummaryRow, Tone, SUMMARY_COLUMNS};
use crate::drill::Outcome;

/// Text safe in HTML element content and in quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The anchor id of a run's section: only `[a-z0-9-]`, so it is safe anywhere.
pub fn anchor(o: &Outcome) -> String {
    let raw = format!("run-{}-{}", o.scenario.name, o.cloud.as_str());
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

const STYLE: &str = r#"
:root{--ink:#1d2433;--muted:#5b6478;--line:#d9dee8;--bg:#f6f7fa;--card:#fff;--good:#1a7f37;--good-bg:#e6f4ea;--bad:#c62828;--bad-bg:#fdecea;--neutral:#8a6d00;--neutral-bg:#fff6d6;--accent:#2f5bd3}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
header{background:#172033;color:#fff;padding:28px 40px}
header h1{margin:0;font-size:24px;font-weight:600;letter-spacing:.2px}
header p{margin:6px 0 0;color:#c6cde0}
main{max-width:1180px;margin:0 auto;padding:24px 40px 60px}
section.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:20px 24px;margin:0 0 24px}
h2{font-size:19px;margin:0 0 12px}
h3{font-size:15px;margin:22px 0 8px;color:var(--ink)}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef1f6;font-weight:600;color:var(--muted);white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.wrap{word-break:break-word;max-width:360px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.badge{display:inline-block;padding:1px 9px;border-radius:10px;font-size:12px;font-weight:600;letter-spacing:.3px}
.pass .badge,.badge.pass,.tone-good .badge{background:var(--good-bg);color:var(--good)}
.fail .badge,.badge.fail,.tone-bad .badge{background:var(--bad-bg);color:var(--bad)}
.tone-neutral .badge{background:var(--neutral-bg);color:var(--neutral)}
tr.fail td:first-child{border-left:3px solid var(--bad)}
tr.pass td:first-child{border-left:3px solid var(--good)}
dl.facts{display:grid;grid-template-columns:190px 1fr;gap:4px 16px;margin:0}
dl.facts dt{color:var(--muted);font-weight:600}
dl.facts dd{margin:0}
.chip{display:inline-block;border:1px solid var(--line);border-radius:4px;padding:0 6px;margin:0 4px 2px 0;font-size:12px;background:#f3f5f9}
.chip.atlas{border-color:#c9d4f5;background:#eef2fd;color:#22409a}
.phase{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;color:#fff;white-space:nowrap}
.phase-preparation{background:#6b7280;fill:#6b7280}
.phase-detection-and-analysis{background:#2f5bd3;fill:#2f5bd3}
.phase-containment{background:#c2410c;fill:#c2410c}
.phase-eradication{background:#7c3aed;fill:#7c3aed}
.phase-recovery{background:#0f766e;fill:#0f766e}
.phase-post-incident{background:#475569;fill:#475569}
ul.checks{list-style:none;padding:0;margin:0}
ul.checks li{padding:3px 0 3px 26px;position:relative}
ul.checks li::before{position:absolute;left:0;font-weight:700}
ul.checks li.ok::before{content:"✓";color:var(--good)}
ul.checks li.fail::before{content:"✗";color:var(--bad)}
ul.checks li.fail{color:var(--bad)}
figure{margin:12px 0 0}
figcaption{color:var(--muted);font-size:12px;margin-top:4px}
svg.timeline-chart{background:#fbfcfe;border:1px solid var(--line);border-radius:6px;font-family:inherit}
svg .grid{stroke:#e4e8f0;stroke-width:1}
svg .tick,svg .axis-label{fill:var(--muted);font-size:11px}
svg .row-label{fill:var(--ink);font-size:12px}
svg .bar-label{fill:var(--muted);font-size:11px}
svg .tone-good rect{fill:#2da44e}
svg .tone-neutral rect{fill:#d4a72c}
svg .tone-bad rect{fill:#cf222e}
svg .event{stroke:#fff;stroke-width:1.5}
svg .marker line{stroke-width:1.5;stroke-dasharray:5 4}
svg .marker text{font-size:11px;font-weight:600}
svg .marker.attack line{stroke:#cf222e;stroke-dasharray:none}
svg .marker.attack text{fill:#cf222e}
svg .marker.detected line{stroke:#2f5bd3}
svg .marker.detected text{fill:#2f5bd3}
svg .marker.contained line{stroke:#1a7f37}
svg .marker.contained text{fill:#1a7f37}
.muted{color:var(--muted)}
a{color:var(--accent);text-decoration:none}
a:hover{text-decoration:underline}
@media print{body{background:#fff}header{background:#fff;color:var(--ink)}section.card{break-inside:avoid}}
"#;

pub fn render(outcomes: &[Outcome], generated_at: DateTime<Utc>) -> String {
    let passed = outcomes.iter().filter(|o| o.passed()).count();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>aiir drill report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><h1>aiir breach-simulation drill report</h1>\
         <p>Generated {} · {} run(s) · <strong>{} passed</strong> · <strong>{} failed</strong> · \
         times in milliseconds from the start of the attack</p></header>\n<main>\n",
        generated_at.format("%Y-%m-%d %H:%M:%S UTC"),
        outcomes.len(),
        passed,
        outcomes.len() - passed
    );
    summary(&mut out, outcomes);
    for o in outcomes {
        run(&mut out, o);
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn summary(out: &mut String, outcomes: &[Outcome]) {
    out.push_str("<section class=\"card\" id=\"summary\"><h2>Summary</h2>\n<table id=\"summary-table\"><thead><tr>");
    for (i, c) in SUMMARY_COLUMNS.iter().enumerate() {
        let class = if (2..6).contains(&i) {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(out, "<th{class}>{}</th>", escape(c));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for o in outcomes {
        let row = SummaryRow::of(o);
        let cells = row.cells();
        let pass = if row.passed { "pass" } else { "fail" };
        let _ = write!(
            out,
            "<tr class=\"run {pass}\" data-scenario=\"{}\" data-cloud=\"{}\" data-result=\"{pass}\">\
             <td><a href=\"#{}\">{}</a></td><td>{}</td>",
            escape(&row.scenario),
            escape(&row.cloud),
            anchor(o),
            escape(&cells[0]),
            escape(&cells[1])
        );
        for c in &cells[2..6] {
            let _ = write!(out, "<td class=\"num\">{}</td>", escape(c));
        }
        let _ = writeln!(
            out,
            "<td><span class=\"badge\">{}</span></td></tr>",
            escape(&cells[6])
        );
    }
    out.push_str("</tbody></table></section>\n");
}

fn run(out: &mut String, o: &Outcome) {
    let pass = if o.passed() { "pass" } else { "fail" };
    let row = SummaryRow::of(o);
    let cells = row.cells();
    let _ = write!(
        out,
        "<section class=\"card run-detail {pass}\" id=\"{}\" data-scenario=\"{}\" data-cloud=\"{}\">\n\
         <h2>{} <span class=\"muted\">on {}</span> <span class=\"badge\">{}</span></h2>\n",
        anchor(o),
        escape(o.scenario.name),
        escape(o.cloud.as_str()),
        escape(o.scenario.title),
        escape(o.cloud.as_str()),
        escape(result(o.passed()))
    );
    let _ = writeln!(
        out,
        "<dl class=\"facts\"><dt>Scenario</dt><dd><code>{}</code></dd>\
         <dt>Attack vector</dt><dd>{}</dd><dt>Detection method</dt><dd>{}</dd>\
         <dt>Attack → detection</dt><dd>{} ms</dd><dt>Attack → containment</dt><dd>{} ms</dd>\
         <dt>Playbook workflow</dt><dd>{}</dd></dl>",
        escape(o.scenario.name),
        escape(&o.attack_vector),
        escape(&o.detection),
        escape(&cells[4]),
        escape(&cells[5]),
        o.scenario
            .workflow
            .iter()
            .map(|w| format!("<span class=\"chip\">{}</span>", escape(w)))
            .collect::<Vec<_>>()
            .join("→ ")
    );
    let _ = writeln!(
        out,
        "<figure>{}<figcaption>Red: attack start (0 ms). Blue: first incident classified. \
         Green: last containing step. Bars: each action from start to finish; dots: incident \
         timeline events coloured by NIST SP 800-61 phase.</figcaption></figure>",
        svg::timeline(o)
    );

    out.push_str("<h3>Remediation workflow: actions and outcomes</h3>\n");
    let steps: Vec<&StepRecord> = o.incidents.iter().flat_map(|i| &i.steps).collect();
    step_table(out, o, &steps, "actions", "No action ran.");

    out.push_str("<h3>Incidents</h3>\n");
    if o.incidents.is_empty() {
        out.push_str("<p class=\"muted\">No incident was raised.</p>\n");
    }
    for i in &o.incidents {
        let inc = &i.incident;
        let _ = writeln!(
            out,
            "<p><code>{}</code> {} · <strong>{}</strong> · severity <strong>{}</strong> · outcome \
             <strong>{}</strong> · ATLAS {}</p>",
            escape(&inc.id),
            escape(&inc.title),
            escape(&inc.kind.to_string()),
            escape(&inc.severity.to_string()),
            escape(&serde_name(&i.outcome)),
            if inc.atlas.is_empty() {
                "<span class=\"muted\">none</span>".to_string()
            } else {
                inc.atlas
                    .iter()
                    .map(|a| format!("<span class=\"chip atlas\">{}</span>", escape(a)))
                    .collect::<String>()
            }
        );
        out.push_str("<table class=\"timeline\"><thead><tr><th class=\"num\">+ms</th><th>time (UTC)</th><th>NIST phase</th><th>event</th></tr></thead><tbody>\n");
        for t in &inc.timeline {
            let _ = writeln!(
                out,
                "<tr><td class=\"num\">{}</td><td class=\"mono\">{}</td><td><span class=\"phase phase-{}\">{}</span></td><td class=\"wrap\">{}</td></tr>",
                offset_ms(o, t.at),
                t.at.format("%H:%M:%S%.3f"),
                t.phase.as_str(),
                t.phase.as_str(),
                escape(&t.event)
            );
        }
        out.push_str("</tbody></table>\n");
    }

    out.push_str("<h3>Checks</h3>\n<ul class=\"checks\">\n");
    for c in &o.checks {
        let _ = writeln!(
            out,
            "<li class=\"{}\">{}</li>",
            if c.ok { "ok" } else { "fail" },
            escape(&c.what)
        );
    }
    if o.checks.is_empty() {
        out.push_str("<li class=\"fail\">No check ran (a run without checks fails).</li>\n");
    }
    out.push_str("</ul>\n<h3>Undo</h3>\n");
    let undo: Vec<&StepRecord> = o.undo_steps.iter().collect();
    step_table(out, o, &undo, "undo", "Nothing to undo.");

    out.push_str("<h3>Cloud notes</h3>\n");
    if o.notes.is_empty() {
        out.push_str("<p class=\"muted\">None.</p>\n");
    } else {
        out.push_str("<ul class=\"notes\">\n");
        for n in &o.notes {
            let _ = writeln!(out, "<li>{}</li>", escape(n));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn step_table(out: &mut String, o: &Outcome, steps: &[&StepRecord], class: &str, empty: &str) {
    if steps.is_empty() {
        let _ = writeln!(out, "<p class=\"muted\">{}</p>", escape(empty));
        return;
    }
    let _ = writeln!(
        out,
        "<table class=\"{class}\"><thead><tr><th>incident</th><th>rule</th><th>action</th>\
         <th>NIST phase</th><th>target</th><th>status</th><th class=\"num\">start (ms)</th>\
         <th class=\"num\">took (ms)</th><th>detail</th></tr></thead><tbody>"
    );
    for s in steps {
        let detail = s.error.clone().unwrap_or_else(|| s.details.join("; "));
        let phase = s.action.kind().phase().as_str();
        let _ = writeln!(
            out,
            "<tr class=\"step tone-{}\"><td class=\"mono\">{}</td><td>{}</td><td><code>{}</code></td>\
             <td><span class=\"phase phase-{phase}\">{phase}</span></td><td class=\"mono wrap\">{}</td>\
             <td><span class=\"badge\">{}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"wrap\">{}</td></tr>",
            Tone::of(s.status).as_str(),
            escape(&s.incident_id),
            escape(&s.rule),
            escape(s.action.kind().as_str()),
            escape(&s.target.id),
            escape(&serde_name(&s.status)),
            offset_ms(o, s.started_at),
            (s.finished_at - s.started_at).num_milliseconds(),
            escape(&detail)
        );
    }
    out.push_str("</tbody></table>\n");
}
