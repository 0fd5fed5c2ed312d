//! Google Cloud payloads: Pub/Sub push deliveries (Cloud Monitoring notification channel,
//! Security Command Center notifications, log sinks, Cloud Storage notifications), Eventarc
//! CloudEvents (Pub/Sub message published, Cloud Audit Logs, Cloud Storage object events),
//! Cloud Monitoring webhook notifications (incident schema 1.2) and operator events.
//!
//! [`parse_gcp`] recognises the shape ([`detect`]) and hands it to the parser of its family;
//! each module documents how its family maps onto [`crate::model::Alert`]. Wrappers are
//! unwrapped recursively (a CloudEvent carrying a Pub/Sub message whose data is a Monitoring
//! incident), at most [`MAX_NESTING`] levels deep.
//!
//! Redeliveries are stable: Pub/Sub's `messageId`, the CloudEvent `id` and delivery attempt
//! counters are never part of an alert's identity, so the same incident, finding revision or
//! log entry parses to the same [`crate::model::Alert::source_id`] and
//! [`crate::model::Alert::occurrence`] whichever way it arrives.
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::intake::aws::fields::{self, Obj};
use crate::intake::{clip, Intake, IntakeError, ShapeSeen, MAX_PAYLOAD_BYTES};
use crate::operator::OperatorEvent;

pub mod audit_log;
pub mod cloudevent;
pub mod log_entry;
pub mod monitoring;
pub mod pubsub;
pub(crate) mod resource;
pub mod scc;
pub mod storage_event;

/// How many wrappers (push envelope, CloudEvent) may enclose a payload.
pub const MAX_NESTING: usize = 4;

/// The payload families [`parse_gcp`] understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GcpShape {
    /// `{"aiir": "drill" | "findings" | "approve" | "undo", …}`.
    Operator,
    /// Pub/Sub push envelope `{"message": {"data", "attributes", "messageId"}, "subscription"}`.
    PubSubPush,
    /// A structured-mode CloudEvent (`specversion`, `type`, `source`, `id`, `data`).
    CloudEvent,
    /// Cloud Monitoring incident notification (`{"incident": {…}, "version": "1.2"}`).
    MonitoringIncident,
    /// Security Command Center notification (`{"notificationConfigName", "finding": {…}}`).
    SccNotification,
    /// A Cloud Logging `LogEntry` whose payload is a Cloud Audit Log (`protoPayload`).
    AuditLogEntry,
    /// Any other `LogEntry` (`textPayload` / `jsonPayload`): model input/output for the
    /// detectors, from a log sink.
    ModelIoLogEntry,
    /// A Cloud Storage object resource (`storage#object`, or `bucket` + `name` +
    /// `generation`): Eventarc `StorageObjectData` or a Pub/Sub notification's data.
    StorageObject,
}

/// Parse any Google Cloud payload aiir receives. Never panics; on error nothing should be
/// acted on.
///
/// Limits: at most [`MAX_PAYLOAD_BYTES`] of input and [`MAX_NESTING`] wrappers; JSON nesting
/// is bounded by the JSON parser (128 levels). A leading UTF-8 byte-order mark and
/// surrounding whitespace are ignored.
pub fn parse_gcp(payload: &[u8]) -> Result<Intake, IntakeError> {
    parse_gcp_at(payload, Utc::now())
}

/// [`parse_gcp`] with the clock given (used only for payloads that carry no time).
pub fn parse_gcp_at(payload: &[u8], now: DateTime<Utc>) -> Result<Intake, IntakeError> {
    let value = decode_json(payload, "$")?;
    parse_value(&value, "$", 0, now)
}

/// Size check, BOM strip, JSON decode; `path` names where the bytes came from.
pub(crate) fn decode_json(payload: &[u8], path: &str) -> Result<Value, IntakeError> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(IntakeError::TooLarge {
            size: payload.len(),
            limit: MAX_PAYLOAD_BYTES,
        });
    }
    let payload = payload.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(payload);
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Err(if path == "$" {
            IntakeError::Empty
        } else {
            IntakeError::Missing {
                path: path.to_string(),
            }
        });
    }
    serde_json::from_slice(payload).map_err(|e| IntakeError::NotJson {
        path: path.to_string(),
        reason: e.to_string(),
    })
}

/// Parse an already decoded value found at `path`, `depth` wrappers deep.
pub fn parse_value(
    value: &Value,
    path: &str,
    depth: usize,
    now: DateTime<Utc>,
) -> Result<Intake, IntakeError> {
    if depth > MAX_NESTING {
        return Err(fields::invalid(
            path,
            "…",
            format!("more than {MAX_NESTING} nested wrappers (push envelope / CloudEvent)"),
        ));
    }
    let shape = detect_at(value, path)?;
    let obj = fields::as_object(value, path)?;
    match shape {
        GcpShape::Operator => {
            let event: OperatorEvent =
                serde_json::from_value(value.clone()).map_err(|e| IntakeError::Operator {
                    path: path.to_string(),
                    reason: clip(&e.to_string(), 200),
                })?;
            Ok(Intake::Operator(event))
        }
        GcpShape::PubSubPush => pubsub::parse_push(obj, path, depth, now),
        GcpShape::CloudEvent => cloudevent::parse(obj, path, depth, now),
        GcpShape::MonitoringIncident => {
            Ok(Intake::Alerts(vec![monitoring::parse(obj, path, now)?]))
        }
        GcpShape::SccNotification => Ok(Intake::Alerts(vec![scc::parse(obj, path)?])),
        GcpShape::AuditLogEntry => Ok(Intake::Alerts(vec![audit_log::parse(obj, path)?])),
        GcpShape::ModelIoLogEntry => Ok(Intake::ModelIo(log_entry::parse(obj, path)?)),
        GcpShape::StorageObject => Ok(Intake::Alerts(vec![storage_event::parse(
            obj,
            path,
            storage_event::EventType::Finalized,
            now,
        )?])),
    }
}

pub(crate) fn unknown(value: &Value, path: &str, kind: Option<&str>) -> IntakeError {
    let text = |k: &str| value.get(k).and_then(Value::as_str).map(|s| clip(s, 64));
    IntakeError::UnknownShape(Box::new(ShapeSeen {
        path: path.to_string(),
        source: text("source"),
        detail_type: kind.map(|k| clip(k, 64)).or_else(|| text("type")),
        keys: fields::seen_keys(value),
    }))
}

/// Which family `value` (found at `path`) belongs to.
pub fn detect_at(value: &Value, path: &str) -> Result<GcpShape, IntakeError> {
    let Some(obj) = value.as_object() else {
        return Err(unknown(value, path, None));
    };
    if crate::operator::is_operator_event(value) {
        return Ok(GcpShape::Operator);
    }
    if obj.contains_key("specversion") {
        return Ok(GcpShape::CloudEvent);
    }
    if obj.get("message").is_some_and(Value::is_object) && pubsub::looks_like_message(obj) {
        return Ok(GcpShape::PubSubPush);
    }
    if obj.get("incident").is_some_and(Value::is_object) {
        return Ok(GcpShape::MonitoringIncident);
    }
    if obj.get("finding").is_some_and(Value::is_object) {
        return Ok(GcpShape::SccNotification);
    }
    if obj.contains_key("protoPayload") {
        return Ok(GcpShape::AuditLogEntry);
    }
    if obj.contains_key("logName")
        && (obj.contains_key("textPayload") || obj.contains_key("jsonPayload"))
    {
        return Ok(GcpShape::ModelIoLogEntry);
    }
    if storage_event::is_object_resource(obj) {
        return Ok(GcpShape::StorageObject);
    }
    Err(unknown(value, path, None))
}

/// Which family a top-level payload belongs to.
pub fn detect(value: &Value) -> Result<GcpShape, IntakeError> {
    detect_at(value, "$")
}

/// A string or a number as text (Google APIs encode int64 as strings, but producers vary).
pub(crate) fn text_or_number(
    obj: &Obj,
    path: &str,
    key: &str,
) -> Result<Option<String>, IntakeError> {
    match fields::opt(obj, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(fields::wrong_type(
            &fields::key_path(path, key),
            "a string",
            other,
        )),
    }
}

/// Copy the string values of a `labels`-like object into `out`, prefixed, clipped.
pub(crate) fn copy_labels(
    obj: Option<&Obj>,
    prefix: &str,
    out: &mut std::collections::BTreeMap<String, String>,
) {
    for (k, v) in obj.into_iter().flatten() {
        if let Some(text) = fields::scalar_text(v) {
            out.insert(format!("{prefix}{}", clip(k, 64)), clip(&text, 256));
        }
    }
}
