//! The per-run timeline chart: attack at 0 ms, the incidents' timeline events, each action step
//! as a bar from start to finish, and markers for detection and containment. Inline SVG, so
//! the page needs no script or fetch to draw it.
use std::fmt::Write;

use crate::audit::StepRecord;

use super::html::escape;
use super::{offset_ms, serde_name, Tone};
use crate::drill::Outcome;

const WIDTH: i64 = 900;
const LABEL: i64 = 250;
const RIGHT: i64 = 36;
const TOP: i64 = 46;
const ROW: i64 = 24;
const AXIS: i64 = 40;

/// A round tick step giving about six ticks up to `max_ms`.
fn tick_step(max_ms: i64) -> i64 {
    let rough = (max_ms.max(1) as f64 / 6.0).max(1.0);
    let magnitude = 10f64.powi(rough.log10().floor() as i32);
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * magnitude);
    step.max(1.0) as i64
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    // Keep the end: resource ids differ in their last segment.
    let tail: String = text
        .chars()
        .rev()
        .take(max - 1)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("…{tail}")
}

pub fn timeline(o: &Outcome) -> String {
    let steps: Vec<&StepRecord> = o.incidents.iter().flat_map(|i| &i.steps).collect();
    let events: Vec<(i64, &str, &str)> = o
        .incidents
        .iter()
        .flat_map(|i| &i.incident.timeline)
        .map(|t| (offset_ms(o, t.at), t.phase.as_str(), t.event.as_str()))
        .collect();
    let detected = o.attack_to_detected_ms();
    let contained = o.attack_to_contained_ms();
    let latest = steps
        .iter()
        .map(|s| offset_ms(o, s.finished_at))
        .chain(events.iter().map(|e| e.0))
        .chain(detected)
        .chain(contained)
        .max()
        .unwrap_or(0)
        .max(1);
    let step = tick_step(latest);
    let axis_max = (latest + step - 1) / step * step;
    let chart = WIDTH - LABEL - RIGHT;
    let x = |ms: i64| LABEL + ms.clamp(0, axis_max) * chart / axis_max;
    let rows = steps.len() as i64 + 1;
    let height = TOP + rows * ROW + AXIS;

    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="timeline-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{}">"#,
        escape(&format!(
            "Timeline of {} on {}: attack at 0 ms, detection at {} ms, containment at {} ms",
            o.scenario.name,
            o.cloud.as_str(),
            detected.map_or("-".into(), |v| v.to_string()),
            contained.map_or("-".into(), |v| v.to_string())
        ))
    );
    // Grid and axis.
    let bottom = TOP + rows * ROW;
    for tick in (0..=axis_max).step_by(step as usize) {
        let tx = x(tick);
        let _ = write!(
            out,
            r#"<line class="grid" x1="{tx}" y1="{TOP}" x2="{tx}" y2="{bottom}"/><text class="tick" x="{tx}" y="{}" text-anchor="middle">{tick}</text>"#,
            bottom + 16
        );
    }
    let _ = write!(
        out,
        r#"<text class="axis-label" x="{}" y="{}" text-anchor="middle">ms since attack start</text>"#,
        LABEL + chart / 2,
        bottom + 34
    );
    // Row 0: the incidents' timeline events, one dot each, coloured by NIST phase.
    let y0 = TOP + ROW / 2;
    let _ = write!(
        out,
        r#"<text class="row-label" x="{}" y="{}" text-anchor="end">incident timeline</text>"#,
        LABEL - 8,
        y0 + 4
    );
    for (ms, phase, event) in &events {
        let _ = write!(
            out,
            r#"<circle class="event phase-{phase}" cx="{}" cy="{y0}" r="5"><title>+{ms} ms · {phase} · {}</title></circle>"#,
            x(*ms),
            escape(event)
        );
    }
    // One row per action step: a bar from start to finish.
    for (row, s) in steps.iter().enumerate() {
        let y = TOP + (row as i64 + 1) * ROW;
        let start = offset_ms(o, s.started_at);
        let end = offset_ms(o, s.finished_at);
        let (x1, x2) = (x(start), x(end));
        let label = format!("{} → {}", s.action.kind(), shorten(&s.target.id, 22));
        let status = serde_name(&s.status);
        let _ = write!(
            out,
            r#"<g class="step tone-{tone}"><text class="row-label" x="{lx}" y="{ty}" text-anchor="end">{label}</text><rect x="{x1}" y="{ry}" width="{w}" height="{h}" rx="3"><title>{kind} on {target}: {status}, +{start}–{end} ms</title></rect><text class="bar-label" x="{bx}" y="{ty}">{status} · {took} ms</text></g>"#,
            tone = Tone::of(s.status).as_str(),
            lx = LABEL - 8,
            ty = y + ROW / 2 + 4,
            label = escape(&label),
            ry = y + 4,
            w = (x2 - x1).max(3),
            h = ROW - 8,
            kind = s.action.kind(),
            target = escape(&s.target.id),
            status = escape(&status),
            bx = (x2.max(x1 + 3) + 6).min(WIDTH - RIGHT - 90),
            took = end - start,
        );
    }
    // Markers: attack, detection, containment.
    let mut marker = |class: &str, ms: i64, text: &str, line: usize| {
        let mx = x(ms);
        let _ = write!(
            out,
            r#"<g class="marker {class}"><line x1="{mx}" y1="{}" x2="{mx}" y2="{bottom}"/><text x="{mx}" y="{}" text-anchor="middle">{text}</text></g>"#,
            TOP - 4,
            12 + 14 * line as i64,
            text = escape(text)
        );
    };
    marker("attack", 0, "attack 0 ms", 0);
    if let Some(ms) = detected {
        marker("detected", ms, &format!("detected {ms} ms"), 1);
    }
    if let Some(ms) = contained {
        marker("contained", ms, &format!("contained {ms} ms"), 2);
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_steps_are_round() {
        assert_eq!(tick_step(1), 1);
        assert_eq!(tick_step(60), 10);
        assert_eq!(tick_step(1234), 500);
        assert_eq!(tick_step(90), 20);
    }

    #[test]
    fn shorten_keeps_the_end() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("arn:aws:s3:::bucket-name", 8), "…et-name");
    }
}
