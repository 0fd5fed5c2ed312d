//! The drill report: a text summary on stdout and `drill-report/` (JSON for machines).
use std::path::Path;

use anyhow::{Context, Result};

use super::Outcome;

/// Per-scenario detail, then one summary row per scenario × cloud.
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
                serde_json::to_value(incident.outcome)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
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
    println!(
        "{:<22} {:<6} {:>9} {:>13} {:>14} {:>7}",
        "scenario", "cloud", "incidents", "detected(ms)", "contained(ms)", "result"
    );
    for o in outcomes {
        println!(
            "{:<22} {:<6} {:>9} {:>13} {:>14} {:>7}",
            o.scenario.name,
            o.cloud.as_str(),
            o.incidents.len(),
            o.attack_to_detected_ms()
                .map_or("-".into(), |v| v.to_string()),
            o.attack_to_contained_ms()
                .map_or("-".into(), |v| v.to_string()),
            if o.passed() { "pass" } else { "FAIL" }
        );
    }
}

fn ms(value: Option<i64>) -> String {
    value.map_or("-".into(), |ms| format!("{ms} ms"))
}

/// `dir/drill-report.json`: every outcome with its incidents, timelines, steps and checks.
pub fn write(dir: &Path, outcomes: &[Outcome]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    let path = dir.join("drill-report.json");
    std::fs::write(&path, serde_json::to_vec_pretty(outcomes)?)
        .with_context(|| format!("write {}", path.display()))?;
    Ok(())
}
