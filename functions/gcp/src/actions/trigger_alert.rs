//! trigger-alert on Cloud Monitoring: one point of the custom metric
//! `custom.googleapis.com/aiir/incident` (`projects.timeSeries.create`, a `GAUGE` `INT64` of
//! 1 on the `global` resource); an alerting policy on that metric (threshold > 0) pages
//! on-call through its notification channels, the routing that already exists.
//!
//! `alert` is the project (`my-project` or `projects/my-project`); empty means "not
//! configured" and is never planned.
//!
//! Labels `incident_id`, `kind`, `severity`: one series per incident, so the policy opens one
//! alert per incident and a redelivered step adds a point to the same series (no second page).
//! The API answers an empty body and has no cheap read-back of what was written; success of
//! the write is the verification. A page cannot be taken back: undo does nothing.
use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use reqwest::Method;
use serde_json::{json, Value};

use super::{api, dry_run, unchanged, Ctx};

pub const METRIC_TYPE: &str = "custom.googleapis.com/aiir/incident";

pub fn required_permissions() -> &'static [&'static str] {
    &["monitoring.timeSeries.create"]
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "Cloud Monitoring `projects.timeSeries.create`: one point of `custom.googleapis.com/aiir/incident` labelled with the incident; an alert policy on it pages through its notification channels",
    undo: "none: a page cannot be taken back",
};

/// `projects/P` from `P` or `projects/P`.
fn project_name(alert: &str) -> Result<String, ActionError> {
    let id = alert.trim();
    let id = id.strip_prefix("projects/").unwrap_or(id);
    let valid = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        return Err(ActionError::Invalid(format!(
            "trigger-alert `alert` must be a project (`my-project` or `projects/my-project`), got `{alert}`"
        )));
    }
    Ok(format!("projects/{id}"))
}

/// The `CreateTimeSeriesRequest` body: one point, now.
pub fn time_series(
    request: &ActionRequest<'_>,
    project: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Value {
    let incident = request.incident;
    let project_id = project.trim_start_matches("projects/");
    json!({ "timeSeries": [{
        "metric": {
            "type": METRIC_TYPE,
            "labels": {
                "incident_id": incident.id,
                "kind": incident.kind.as_str(),
                "severity": incident.severity.as_str(),
            }
        },
        "resource": { "type": "global", "labels": { "project_id": project_id } },
        "metricKind": "GAUGE",
        "valueType": "INT64",
        "points": [{
            "interval": { "endTime": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true) },
            // int64 is a JSON string in the discovery document.
            "value": { "int64Value": "1" }
        }]
    }]})
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let ActionSpec::TriggerAlert { alert } = request.action else {
        return Err(ActionError::Invalid(
            "trigger-alert called with another action".into(),
        ));
    };
    let project = project_name(alert)?;
    let state =
        json!({ "project": project, "metric": METRIC_TYPE, "incident_id": request.incident.id });
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: Value::Null,
            new_state: state,
            details: vec![format!(
                "would write {METRIC_TYPE} = 1 for incident {} in {project}",
                request.incident.id
            )],
        });
    }
    let url = format!(
        "{}/v3/{project}/timeSeries",
        ctx.clients.endpoints.monitoring.trim_end_matches('/')
    );
    let body = time_series(request, &project, chrono::Utc::now());
    ctx.clients
        .call(
            &format!("monitoring.projects.timeSeries.create {project}"),
            Method::POST,
            &url,
            Some(&body),
        )
        .await
        .map_err(api)?;
    tracing::info!(incident_id = %request.incident.id, action = "trigger-alert", resource = %project, "incident metric written for paging");
    Ok(ActionOutcome {
        changed: true,
        prior_state: Value::Null,
        new_state: state,
        details: vec![format!(
            "wrote {METRIC_TYPE} = 1 for incident {} in {project}",
            request.incident.id
        )],
    })
}

pub async fn undo(_ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    Ok(unchanged(
        record.new_state.clone(),
        "a page cannot be taken back; the metric point stays".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projects() {
        assert_eq!(project_name("aiir-test").unwrap(), "projects/aiir-test");
        assert_eq!(
            project_name("projects/aiir-test").unwrap(),
            "projects/aiir-test"
        );
        for bad in ["", "projects/", "Bad Project", "projects/a/topics/b"] {
            assert!(project_name(bad).is_err(), "{bad}");
        }
    }
}
