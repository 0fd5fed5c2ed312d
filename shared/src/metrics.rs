//! The metrics aiir emits, the same names on every cloud (CloudWatch EMF on AWS, custom
//! metrics elsewhere). Dashboards and alerting rules refer to these names.
use serde::Serialize;

use crate::audit::StepStatus;
use crate::pipeline::{IncidentReport, Outcome};

pub const NAMESPACE: &str = "aiir";

/// Every metric name aiir can emit, with its unit.
pub const METRICS: &[(&str, Unit)] = &[
    ("IncidentsHandled", Unit::Count),
    ("ActionsApplied", Unit::Count),
    ("ActionsFailed", Unit::Count),
    ("ActionsDryRun", Unit::Count),
    ("ActionsAwaitingApproval", Unit::Count),
    ("Escalations", Unit::Count),
    ("DuplicateAlerts", Unit::Count),
    ("AlertToContainedMs", Unit::Milliseconds),
    ("AlertsRejected", Unit::Count),
    ("DetectorFindings", Unit::Count),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unit {
    Count,
    Milliseconds,
}

/// One data point; dimensions are `Cloud` and `Kind` (incident kind).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    pub name: &'static str,
    pub value: f64,
    pub unit: Unit,
}

fn sample(name: &'static str, value: f64) -> Sample {
    let unit = METRICS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, u)| *u)
        .unwrap_or(Unit::Count);
    Sample { name, value, unit }
}

/// The samples for one handled incident.
pub fn incident_samples(report: &IncidentReport) -> Vec<Sample> {
    let count =
        |status: StepStatus| report.steps.iter().filter(|s| s.status == status).count() as f64;
    let mut samples = vec![
        sample("IncidentsHandled", 1.0),
        sample("ActionsApplied", count(StepStatus::Applied)),
        sample("ActionsFailed", count(StepStatus::Failed)),
        sample("ActionsDryRun", count(StepStatus::DryRun)),
        sample(
            "ActionsAwaitingApproval",
            count(StepStatus::AwaitingApproval),
        ),
        sample(
            "Escalations",
            f64::from(u8::from(matches!(
                report.outcome,
                Outcome::Escalated | Outcome::Failed
            ))),
        ),
        sample(
            "DuplicateAlerts",
            f64::from(u8::from(report.outcome == Outcome::Duplicate)),
        ),
    ];
    if let Some(ms) = report.alert_to_contained_ms {
        samples.push(sample("AlertToContainedMs", ms as f64));
    }
    samples
}

pub fn rejected_sample() -> Sample {
    sample("AlertsRejected", 1.0)
}

pub fn findings_sample(count: usize) -> Sample {
    sample("DetectorFindings", count as f64)
}
