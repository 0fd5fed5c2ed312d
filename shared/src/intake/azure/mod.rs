//! Azure payloads: Azure Monitor alerts in the common alert schema (action-group webhooks),
//! Event Grid events (Event Grid and CloudEvents schemas), diagnostic logs carrying model I/O
//! (Event Hubs or a storage queue), and operator events. [`parse_azure`] recognises the
//! shape ([`detect`]) and hands it to the parser of its family; each module documents how its
//! family maps onto [`crate::model::Alert`].
//!
//! The Azure Functions invocation envelope (`{"Data": …, "Metadata": …}`) is unwrapped by the
//! function (`aiir-azure`), which knows the bindings; this module sees what the trigger carried.
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::intake::aws::fields::{seen_keys, Obj};
use crate::intake::{clip, Intake, IntakeError, ShapeSeen, MAX_PAYLOAD_BYTES};
use crate::operator::OperatorEvent;

pub mod common_alert;
pub mod diagnostic_logs;
pub mod event_grid;
pub mod resource_id;

pub use common_alert::severity_for as azure_severity;

/// The payload families [`parse_azure`] understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AzureShape {
    /// `{"aiir": "drill" | "findings" | "approve" | "undo", …}`.
    Operator,
    /// Azure Monitor common alert schema.
    CommonAlert,
    /// Event Grid schema: one event or a batch array.
    EventGrid,
    /// CloudEvents 1.0: one event or a batch array.
    CloudEvents,
    /// Diagnostic logs (`{"records": […]}` or one record).
    DiagnosticLogs,
}

fn unknown(value: &Value, path: &str) -> IntakeError {
    let text = |k: &str| value.get(k).and_then(Value::as_str).map(|s| clip(s, 64));
    IntakeError::UnknownShape(Box::new(ShapeSeen {
        path: path.to_string(),
        source: text("source")
            .or_else(|| text("topic"))
            .or_else(|| text("schemaId")),
        detail_type: text("eventType").or_else(|| text("type")),
        keys: seen_keys(value),
    }))
}

fn object_shape(obj: &Obj) -> Option<AzureShape> {
    if common_alert::is_common_alert(obj) {
        Some(AzureShape::CommonAlert)
    } else if event_grid::is_cloud_event(obj) {
        Some(AzureShape::CloudEvents)
    } else if event_grid::is_event_grid(obj) {
        Some(AzureShape::EventGrid)
    } else if diagnostic_logs::is_diagnostic(obj) {
        Some(AzureShape::DiagnosticLogs)
    } else {
        None
    }
}

/// Which family a top-level payload belongs to.
pub fn detect(value: &Value) -> Result<AzureShape, IntakeError> {
    let path = "$";
    match value {
        Value::Object(obj) => {
            if crate::operator::is_operator_event(value) {
                return Ok(AzureShape::Operator);
            }
            object_shape(obj).ok_or_else(|| unknown(value, path))
        }
        Value::Array(items) => {
            let Some(first) = items.first() else {
                return Err(IntakeError::Missing {
                    path: "$[0] (an empty event batch)".into(),
                });
            };
            match first.as_object().and_then(object_shape) {
                Some(shape @ (AzureShape::EventGrid | AzureShape::CloudEvents)) => Ok(shape),
                _ => Err(unknown(first, "$[0]")),
            }
        }
        other => Err(unknown(other, path)),
    }
}

/// Parse any Azure payload aiir receives. Never panics; on error nothing should be acted on.
///
/// Limits: at most [`MAX_PAYLOAD_BYTES`] of input; JSON nesting is bounded by the JSON parser
/// (128 levels). A leading UTF-8 byte-order mark and surrounding whitespace are ignored.
pub fn parse_azure(payload: &[u8]) -> Result<Intake, IntakeError> {
    parse_azure_at(payload, Utc::now())
}

/// [`parse_azure`] with the clock given: `now` is used only for CloudEvents without `time`.
pub fn parse_azure_at(payload: &[u8], now: DateTime<Utc>) -> Result<Intake, IntakeError> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(IntakeError::TooLarge {
            size: payload.len(),
            limit: MAX_PAYLOAD_BYTES,
        });
    }
    let payload = payload.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(payload);
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Err(IntakeError::Empty);
    }
    let value: Value = serde_json::from_slice(payload).map_err(|e| IntakeError::NotJson {
        path: "$".to_string(),
        reason: e.to_string(),
    })?;
    parse_value(&value, now)
}

/// Parse an already-decoded JSON payload (same rules as [`parse_azure_at`], minus the size
/// limit).
pub fn parse_value(value: &Value, now: DateTime<Utc>) -> Result<Intake, IntakeError> {
    let path = "$";
    let shape = detect(value)?;
    Ok(match (shape, value) {
        (AzureShape::Operator, _) => {
            let event: OperatorEvent =
                serde_json::from_value(value.clone()).map_err(|e| IntakeError::Operator {
                    path: path.to_string(),
                    reason: clip(&e.to_string(), 200),
                })?;
            Intake::Operator(event)
        }
        (AzureShape::CommonAlert, Value::Object(obj)) => {
            Intake::Alerts(vec![common_alert::parse(obj, path)?])
        }
        (AzureShape::EventGrid, Value::Array(items)) => Intake::Alerts(event_grid::parse_batch(
            items,
            path,
            event_grid::Schema::EventGrid,
            now,
        )?),
        (AzureShape::CloudEvents, Value::Array(items)) => Intake::Alerts(event_grid::parse_batch(
            items,
            path,
            event_grid::Schema::CloudEvents,
            now,
        )?),
        (AzureShape::EventGrid, Value::Object(obj)) => Intake::Alerts(vec![event_grid::parse_one(
            obj,
            path,
            event_grid::Schema::EventGrid,
            now,
        )?]),
        (AzureShape::CloudEvents, Value::Object(obj)) => {
            Intake::Alerts(vec![event_grid::parse_one(
                obj,
                path,
                event_grid::Schema::CloudEvents,
                now,
            )?])
        }
        (AzureShape::DiagnosticLogs, Value::Object(obj)) => {
            Intake::ModelIo(diagnostic_logs::parse(obj, path)?)
        }
        _ => return Err(unknown(value, path)),
    })
}
