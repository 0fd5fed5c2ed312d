//! CloudEvents from Eventarc in structured mode (`specversion`, `type`, `source`, `id`,
//! `data` or `data_base64`). Binary-mode deliveries (attributes in `ce-*` HTTP headers, the
//! body being the data) are turned into this form by the HTTP layer before parsing.
//!
//! Types understood (`google-cloudevents` catalogue):
//! - `google.cloud.pubsub.topic.v1.messagePublished`: `data` is a push envelope
//!   (see [`super::pubsub`]);
//! - `google.cloud.audit.log.v1.written`: `data` is a `LogEntry` (see [`super::audit_log`];
//!   a non-audit entry is model I/O, see [`super::log_entry`]);
//! - `google.cloud.storage.object.v1.finalized` / `.deleted` / `.archived` /
//!   `.metadataUpdated`: `data` is `StorageObjectData` (see [`super::storage_event`]).
//!
//! Any other type is an unknown shape naming the type. The CloudEvent `id` identifies the
//! delivery and is kept as the label `cloudevent_id` only.
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::intake::aws::fields::{self, key_path, opt, req_str, Obj};
use crate::intake::{clip, Intake, IntakeError};

use super::storage_event::{self, EventType};

pub const PUBSUB_PUBLISHED: &str = "google.cloud.pubsub.topic.v1.messagePublished";
pub const AUDIT_LOG_WRITTEN: &str = "google.cloud.audit.log.v1.written";
pub const STORAGE_PREFIX: &str = "google.cloud.storage.object.v1.";

pub(crate) fn parse(
    event: &Obj,
    path: &str,
    depth: usize,
    now: DateTime<Utc>,
) -> Result<Intake, IntakeError> {
    let specversion = req_str(event, path, "specversion")?;
    if !specversion.starts_with("1.") {
        return Err(fields::invalid(
            &key_path(path, "specversion"),
            specversion,
            "expected CloudEvents 1.x",
        ));
    }
    let event_type = req_str(event, path, "type")?;
    let id = req_str(event, path, "id")?;
    let dp = key_path(path, "data");
    // `data` (JSON, or a JSON document as a string) or `data_base64`.
    let decoded;
    let data: &Value = match (opt(event, "data"), opt(event, "data_base64")) {
        (Some(Value::String(text)), _) => {
            decoded = super::decode_json(text.as_bytes(), &format!("{dp}<string>"))?;
            &decoded
        }
        (Some(value), _) => value,
        (None, Some(Value::String(b64))) => {
            let bp = key_path(path, "data_base64");
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| IntakeError::Base64 {
                    path: bp.clone(),
                    reason: e.to_string(),
                })?;
            decoded = super::decode_json(&bytes, &format!("{bp}<decoded>"))?;
            &decoded
        }
        (None, Some(other)) => {
            return Err(fields::wrong_type(
                &key_path(path, "data_base64"),
                "a base64 string",
                other,
            ))
        }
        (None, None) => return Err(IntakeError::Missing { path: dp }),
    };
    let data_obj = fields::as_object(data, &dp)?;
    let mut intake = if event_type == PUBSUB_PUBLISHED {
        super::pubsub::parse_push(data_obj, &dp, depth + 1, now)?
    } else if event_type == AUDIT_LOG_WRITTEN {
        if data_obj.contains_key("protoPayload") {
            Intake::Alerts(vec![super::audit_log::parse(data_obj, &dp)?])
        } else {
            Intake::ModelIo(super::log_entry::parse(data_obj, &dp)?)
        }
    } else if let Some(suffix) = event_type.strip_prefix(STORAGE_PREFIX) {
        let kind = EventType::from_cloudevent(suffix).ok_or_else(|| {
            fields::invalid(
                &key_path(path, "type"),
                event_type,
                "not a Cloud Storage object event",
            )
        })?;
        Intake::Alerts(vec![storage_event::parse(data_obj, &dp, kind, now)?])
    } else {
        return Err(super::unknown(
            &Value::Object(event.clone()),
            path,
            Some(event_type),
        ));
    };
    if let Intake::Alerts(alerts) = &mut intake {
        for alert in alerts {
            alert.labels.insert("cloudevent_id".into(), clip(id, 128));
            alert
                .labels
                .insert("cloudevent_type".into(), clip(event_type, 128));
        }
    }
    Ok(intake)
}
