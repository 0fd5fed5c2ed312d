//! notify: the incident summary and what was done, to an Event Grid topic or a webhook.
//!
//! Topic `https://{topic}.{region}-1.eventgrid.azure.net/api/events` (or any URL whose host
//! ends with `.eventgrid.azure.net`): one event in the Event Grid schema, with a token for
//! `https://eventgrid.azure.net/.default` (Event Grid Data Sender). Any other `https://` URL: a
//! JSON POST (a Teams/Slack/PagerDuty webhook; its secret is part of the URL, which is never
//! logged). Undo has nothing to restore.
use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use reqwest::Method;
use serde_json::{json, Value};
use url::Url;

use super::{dry_run, unchanged, Ctx};
use crate::credential::scopes;

pub const PERMISSIONS: &[&str] = &["Microsoft.EventGrid/topics/events/send/action"];

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "Event Grid topic: one event in the Event Grid schema (Entra ID token); or a JSON `POST` to an `https://` webhook",
    undo: "none: a message cannot be unsent",
};

fn topic_of(request: &ActionRequest<'_>) -> String {
    match request.action {
        ActionSpec::Notify { topic } => topic.clone(),
        _ => request.target.id.clone(),
    }
}

/// A URL safe to show: scheme, host and path, no query (webhook secrets live there).
fn shown(url: &Url) -> String {
    format!(
        "{}://{}{}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.path()
    )
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let topic = topic_of(request);
    let url = Url::parse(&topic).map_err(|_| {
        ActionError::Invalid(
            "notify topic is not a URL (an Event Grid topic endpoint or a webhook)".into(),
        )
    })?;
    let incident = request.incident;
    let message = json!({
        "incident_id": incident.id,
        "kind": incident.kind,
        "severity": incident.severity,
        "title": incident.title,
        "source": incident.source,
        "detected_at": incident.detected_at,
        "resources": incident.resources,
        "atlas": incident.atlas,
        "actions": request.summary,
    });
    let is_event_grid = url
        .host_str()
        .is_some_and(|h| h.ends_with(".eventgrid.azure.net"));
    let detail = format!(
        "{} {} about {}",
        if is_event_grid {
            "publish an Event Grid event to"
        } else {
            "POST to webhook"
        },
        shown(&url),
        incident.id
    );
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: Value::Null,
            new_state: Value::Null,
            details: vec![format!("would {detail}")],
        });
    }
    if is_event_grid {
        let event = json!([{
            // The step id: Event Grid subscribers can de-duplicate redeliveries on it.
            "id": request.step_id,
            "subject": format!("aiir/incidents/{}", incident.id),
            "eventType": "aiir.Incident",
            "eventTime": chrono::Utc::now(),
            "dataVersion": "1.0",
            "data": message,
        }]);
        ctx.clients
            .call(
                "event grid: publish",
                Method::POST,
                url.clone(),
                scopes::EVENT_GRID,
                &[("aeg-event-type", "Notification".into())],
                Some(&event),
            )
            .await?;
    } else {
        let rsp = ctx
            .clients
            .http
            .post(url.clone())
            .json(&message)
            .send()
            .await
            .map_err(|e| ActionError::Transient(format!("webhook {}: {e}", shown(&url))))?;
        let status = rsp.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(crate::error::CallError::new(
                format!("webhook {}", shown(&url)),
                Some(status),
                "non-2xx answer",
            )
            .into());
        }
    }
    Ok(ActionOutcome {
        changed: true,
        prior_state: Value::Null,
        new_state: json!({ "notified": shown(&url) }),
        details: vec![detail],
    })
}

pub async fn undo(_ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    Ok(unchanged(
        record.new_state.clone(),
        "a notification cannot be unsent".into(),
    ))
}
