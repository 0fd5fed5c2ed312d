//! `notify` on Pub/Sub: one message (`topics.publish`) with the incident summary and what
//! earlier steps did, attributes `incident_id`, `kind`, `severity`, `aiir_step_id`
//! (consumers de-duplicate on the step id: Pub/Sub delivers at least once). Nothing to undo.
use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};

use super::{api, dry_run, qualified, Ctx};

pub fn required_permissions() -> &'static [&'static str] {
    &["pubsub.topics.publish"]
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "Pub/Sub `topics.publish`: the incident summary, attributes `incident_id`, `kind`, `severity`, `aiir_step_id`",
    undo: "none: a message cannot be unsent",
};

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let ActionSpec::Notify { topic } = request.action else {
        return Err(ActionError::Invalid(
            "notify called with another action".into(),
        ));
    };
    let topic = qualified(ctx.clients, topic, "topics")?;
    let incident = request.incident;
    let message = json!({
        "incident_id": incident.id,
        "title": incident.title,
        "kind": incident.kind,
        "severity": incident.severity,
        "source": incident.source,
        "resources": incident.resources,
        "atlas": incident.atlas,
        "actions": request.summary,
    });
    let state = json!({ "topic": topic, "incident_id": incident.id });
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: Value::Null,
            new_state: state,
            details: vec![format!("would publish the incident summary to {topic}")],
        });
    }
    let body = json!({ "messages": [{
        "data": base64::engine::general_purpose::STANDARD.encode(message.to_string()),
        "attributes": {
            "incident_id": incident.id,
            "kind": incident.kind.as_str(),
            "severity": incident.severity.as_str(),
            "aiir_step_id": request.step_id,
        }
    }]});
    let url = format!(
        "{}/v1/{topic}:publish",
        ctx.clients.endpoints.pubsub.trim_end_matches('/')
    );
    let response = ctx
        .clients
        .call(
            &format!("pubsub.topics.publish {topic}"),
            Method::POST,
            &url,
            Some(&body),
        )
        .await
        .map_err(api)?;
    let id = response
        .get("messageIds")
        .and_then(|ids| ids.get(0))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ActionError::Verification(format!("{topic}: publish returned no message id"))
        })?;
    Ok(ActionOutcome {
        changed: true,
        prior_state: Value::Null,
        new_state: json!({ "topic": topic, "message_id": id }),
        details: vec![format!("published message {id} to {topic}")],
    })
}

pub async fn undo(_: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    Ok(ActionOutcome {
        changed: false,
        prior_state: record.new_state.clone(),
        new_state: record.new_state.clone(),
        details: vec!["a published message cannot be unpublished".into()],
    })
}
