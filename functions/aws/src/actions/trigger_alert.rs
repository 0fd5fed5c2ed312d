//! trigger-alert: force a configured CloudWatch alarm into `ALARM` (`SetAlarmState`), so its
//! alarm actions page on-call through the routing that already exists (SNS → PagerDuty,
//! Opsgenie, Incident Manager …).
//!
//! Why `SetAlarmState` and not `PutMetricData`: it is the documented way to make an alarm's
//! actions fire, it acts at once (a metric alarm waits for its next evaluation period), and
//! the state reason carries the incident, which the page shows. The alarm returns to its real
//! state at its next evaluation, so the next incident pages again.
//!
//! Idempotent: the state reason names the step; an alarm already in `ALARM` with it is left
//! alone. An alarm already in `ALARM` for something else is not set again either: actions fire
//! on a transition only, so on-call has been paged already. A page cannot be taken back; undo
//! does nothing.
use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use aws_sdk_cloudwatch::types::StateValue;
use serde_json::json;
use tracing::{info, warn};

use super::{dry_run, name_from_arn, unchanged, Ctx};
use crate::error::SdkResultExt;

pub const PERMISSIONS: &[&str] = &["cloudwatch:DescribeAlarms", "cloudwatch:SetAlarmState"];

/// CloudWatch limits: `StateReason` 1023 characters, `StateReasonData` 4000.
const REASON_MAX: usize = 1023;

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "CloudWatch `SetAlarmState` to `ALARM` on the configured alarm (state reason names the incident and step); its alarm actions page on-call",
    undo: "none: a page cannot be taken back (the alarm returns to its real state at its next evaluation)",
};

/// What the alarm looks like now.
struct AlarmNow {
    state: String,
    reason: String,
    /// ALARM actions that will run, or none when actions are disabled.
    actions: Vec<String>,
}

async fn read_alarm(ctx: &Ctx<'_>, name: &str) -> Result<AlarmNow, ActionError> {
    let out = ctx
        .clients
        .cloudwatch
        .describe_alarms()
        .alarm_names(name)
        .alarm_types(aws_sdk_cloudwatch::types::AlarmType::MetricAlarm)
        .alarm_types(aws_sdk_cloudwatch::types::AlarmType::CompositeAlarm)
        .send()
        .await
        .ctx(|| format!("cloudwatch:DescribeAlarms {name}"))?;
    let metric = out.metric_alarms().iter().find_map(|a| {
        (a.alarm_name() == Some(name)).then(|| {
            (
                a.state_value().map(|s| s.as_str().to_string()),
                a.state_reason().map(str::to_string),
                a.actions_enabled().unwrap_or(true),
                a.alarm_actions().to_vec(),
            )
        })
    });
    let composite = || {
        out.composite_alarms().iter().find_map(|a| {
            (a.alarm_name() == Some(name)).then(|| {
                (
                    a.state_value().map(|s| s.as_str().to_string()),
                    a.state_reason().map(str::to_string),
                    a.actions_enabled().unwrap_or(true),
                    a.alarm_actions().to_vec(),
                )
            })
        })
    };
    let (state, reason, enabled, actions) = metric.or_else(composite).ok_or_else(|| {
        ActionError::NotFound(format!(
            "no CloudWatch alarm `{name}` (trigger-alert `alert` names the alarm that pages on-call)"
        ))
    })?;
    Ok(AlarmNow {
        state: state.unwrap_or_default(),
        reason: reason.unwrap_or_default(),
        actions: if enabled { actions } else { Vec::new() },
    })
}

/// The state reason on-call sees: the incident, and the step (for idempotency).
fn reason(request: &ActionRequest<'_>) -> String {
    let incident = request.incident;
    let tail = format!(" [aiir step {}]", request.step_id);
    let head = format!(
        "aiir incident {} ({} {}): {}",
        incident.id, incident.severity, incident.kind, incident.title
    );
    // Cut the head at a character boundary so the whole reason fits (counted in bytes, which
    // is never fewer than characters).
    let mut cut = REASON_MAX.saturating_sub(tail.len()).min(head.len());
    while !head.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{tail}", &head[..cut])
}

/// Machine-readable context for the alarm's subscribers (kept well under 4000 characters).
fn reason_data(request: &ActionRequest<'_>) -> String {
    let incident = request.incident;
    json!({
        "aiir_incident_id": incident.id,
        "aiir_step_id": request.step_id,
        "kind": incident.kind,
        "severity": incident.severity,
        "source": incident.source,
        "detected_at": incident.detected_at,
        "resources": incident.resources.iter().take(10).map(|r| &r.id).collect::<Vec<_>>(),
        "undo": format!("{{\"aiir\":\"undo\",\"incident_id\":\"{}\",\"operator\":\"<name>\"}}", incident.id),
    })
    .to_string()
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let ActionSpec::TriggerAlert { alert } = request.action else {
        return Err(ActionError::Invalid("not a trigger-alert action".into()));
    };
    let name = name_from_arn(alert.trim(), "alarm");
    if name.is_empty() {
        return Err(ActionError::Invalid(
            "trigger-alert has no alarm (`alert`)".into(),
        ));
    }
    let now = read_alarm(ctx, name).await?;
    let prior_state = json!({ "alarm": name, "state": now.state, "reason": now.reason });
    if now.state == StateValue::Alarm.as_str() {
        let why = if now.reason.contains(request.step_id) {
            format!("alarm {name} is already in ALARM for this step")
        } else {
            format!("alarm {name} is already in ALARM (on-call was paged when it entered it); not raised again")
        };
        return Ok(unchanged(prior_state, why));
    }
    let mut details = Vec::new();
    if now.actions.is_empty() {
        warn!(incident_id = %request.incident.id, action = "trigger-alert", resource = %name, "the alarm has no enabled ALARM actions: nobody is paged");
        details.push(format!(
            "warning: alarm {name} has no enabled ALARM actions, so nobody is paged"
        ));
    }
    let reason = reason(request);
    if dry_run(request) {
        details.insert(
            0,
            format!(
                "would set alarm {name} from {} to ALARM ({} alarm action(s))",
                now.state,
                now.actions.len()
            ),
        );
        return Ok(ActionOutcome {
            changed: true,
            prior_state,
            new_state: json!({ "alarm": name, "state": "ALARM", "reason": reason }),
            details,
        });
    }
    ctx.clients
        .cloudwatch
        .set_alarm_state()
        .alarm_name(name)
        .state_value(StateValue::Alarm)
        .state_reason(&reason)
        .state_reason_data(reason_data(request))
        .send()
        .await
        .ctx(|| format!("cloudwatch:SetAlarmState {name}"))?;
    let after = read_alarm(ctx, name).await?;
    if after.state != StateValue::Alarm.as_str() || !after.reason.contains(request.step_id) {
        return Err(ActionError::Verification(format!(
            "alarm {name} reads back as {} (\"{}\"), not ALARM with this step's reason",
            after.state, after.reason
        )));
    }
    info!(incident_id = %request.incident.id, action = "trigger-alert", resource = %name, "alarm set to ALARM");
    details.insert(
        0,
        format!(
            "set alarm {name} from {} to ALARM ({} alarm action(s) run)",
            now.state,
            now.actions.len()
        ),
    );
    Ok(ActionOutcome {
        changed: true,
        prior_state,
        new_state: json!({ "alarm": name, "state": after.state, "reason": after.reason }),
        details,
    })
}

pub async fn undo(_ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    Ok(unchanged(
        record.new_state.clone(),
        "a page cannot be taken back; the alarm returns to its real state at its next evaluation"
            .into(),
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn alarm_names_from_arns() {
        assert_eq!(
            super::name_from_arn(
                "arn:aws:cloudwatch:us-east-1:123456789012:alarm:aiir-page",
                "alarm"
            ),
            "aiir-page"
        );
        assert_eq!(super::name_from_arn("aiir page", "alarm"), "aiir page");
    }
}
