//! notify: publish the incident summary and what was done to an SNS topic.
//!
//! A message cannot be unsent: undo does nothing. A standard SNS topic has no de-duplication,
//! so a repeated apply publishes again; the pipeline's de-duplication is what keeps a
//! redelivered alert from notifying twice. On a FIFO topic (`.fifo`) the step id is the
//! `MessageDeduplicationId`, so SNS drops a repeat within its 5-minute window.
use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use tracing::info;

use super::{dry_run, unchanged, Ctx};
use crate::error::SdkResultExt;

pub const PERMISSIONS: &[&str] = &["sns:GetTopicAttributes", "sns:Publish"];

/// SNS subject limit.
const SUBJECT_MAX: usize = 100;

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "SNS `Publish` of the incident summary and the steps (FIFO topic: step id as de-duplication id)",
    undo: "none: a message cannot be unsent",
};

/// Subject: ASCII, no line breaks, at most 100 characters.
pub fn subject(request: &ActionRequest<'_>) -> String {
    let incident = request.incident;
    let text = format!(
        "[aiir] {} {}: {}",
        incident.severity, incident.kind, incident.title
    );
    let clean: String = text
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                ' '
            }
        })
        .collect();
    if clean.len() <= SUBJECT_MAX {
        clean
    } else {
        format!("{}...", &clean[..SUBJECT_MAX - 3])
    }
}

pub fn message(request: &ActionRequest<'_>) -> String {
    let incident = request.incident;
    let mut lines = vec![
        format!("Incident {}: {}", incident.id, incident.title),
        format!(
            "Kind: {}   Severity: {}   Source: {}",
            incident.kind, incident.severity, incident.source
        ),
        format!("Detected at: {}", incident.detected_at.to_rfc3339()),
    ];
    if !incident.atlas.is_empty() {
        lines.push(format!("MITRE ATLAS: {}", incident.atlas.join(", ")));
    }
    if !incident.resources.is_empty() {
        lines.push("Resources:".into());
        lines.extend(
            incident
                .resources
                .iter()
                .map(|r| format!("  - {:?} {}", r.kind, r.id)),
        );
    }
    if !incident.evidence.is_empty() {
        lines.push("Evidence:".into());
        lines.extend(
            incident
                .evidence
                .iter()
                .map(|e| format!("  - {}: {}", e.label, e.summary)),
        );
    }
    lines.push("What aiir did:".into());
    if request.summary.is_empty() {
        lines.push("  (nothing yet)".into());
    } else {
        lines.extend(request.summary.iter().map(|s| format!("  - {s}")));
    }
    lines.push(format!(
        "Undo: {{\"aiir\":\"undo\",\"incident_id\":\"{}\",\"operator\":\"<name>\"}}",
        incident.id
    ));
    lines.join("\n")
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let ActionSpec::Notify { topic } = request.action else {
        return Err(ActionError::Invalid("not a notify action".into()));
    };
    // Read first in both modes: a missing topic or a denied permission shows in the dry-run.
    ctx.clients
        .sns
        .get_topic_attributes()
        .topic_arn(topic)
        .send()
        .await
        .ctx(|| format!("sns:GetTopicAttributes {topic}"))?;
    let subject = subject(request);
    let message = message(request);
    let prior_state = serde_json::json!({ "topic": topic });
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state,
            new_state: serde_json::json!({ "topic": topic, "subject": subject }),
            details: vec![format!(
                "would publish to {topic}: \"{subject}\" ({} lines)",
                message.lines().count()
            )],
        });
    }
    let fifo = topic.ends_with(".fifo");
    let out = ctx
        .clients
        .sns
        .publish()
        .topic_arn(topic)
        .subject(&subject)
        .message(&message)
        .set_message_group_id(fifo.then(|| request.incident.id.clone()))
        .set_message_deduplication_id(fifo.then(|| request.step_id.to_string()))
        .send()
        .await
        .ctx(|| format!("sns:Publish {topic}"))?;
    let message_id = out
        .message_id()
        .ok_or_else(|| {
            ActionError::Verification(format!("sns:Publish to {topic} returned no message id"))
        })?
        .to_string();
    info!(incident_id = %request.incident.id, action = "notify", resource = %topic, message_id = %message_id, "notification published");
    Ok(ActionOutcome {
        changed: true,
        prior_state,
        new_state: serde_json::json!({ "topic": topic, "subject": subject, "message_id": message_id }),
        details: vec![format!(
            "published \"{subject}\" to {topic} (message {message_id})"
        )],
    })
}

pub async fn undo(_ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    Ok(unchanged(
        record.new_state.clone(),
        "a published notification cannot be recalled; nothing to undo".into(),
    ))
}
