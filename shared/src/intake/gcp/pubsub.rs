//! Pub/Sub push deliveries: `{"message": {"data": BASE64, "attributes": {…}, "messageId",
//! "publishTime"}, "subscription": "projects/p/subscriptions/s"}` (the same object is the
//! `data` of an Eventarc `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent).
//!
//! The message data is decoded and parsed again as any Google Cloud payload: a Cloud
//! Monitoring incident (Pub/Sub notification channel), a Security Command Center
//! notification, a `LogEntry` from a log sink (audit log → alert; other payloads → model
//! I/O for the detectors), an operator event. A Cloud Storage Pub/Sub notification
//! (attributes `eventType`, `bucketId`, `objectId`, data = the object resource) becomes a
//! storage event. Data that is not JSON is rejected with the decoded path in the error.
//!
//! `messageId` and `publishTime` identify the delivery, not the alert, and are kept only as
//! labels (`pubsub_message_id`, `pubsub_subscription`), so a republished copy of the same
//! incident still de-duplicates.
use base64::Engine;
use chrono::{DateTime, Utc};

use crate::intake::aws::fields::{self, key_path, opt_obj, opt_text, req_obj, Obj};
use crate::intake::{Intake, IntakeError};

use super::storage_event::{self, EventType};

/// Does `obj.message` look like a Pub/Sub message (data, attributes or messageId)?
pub(crate) fn looks_like_message(obj: &Obj) -> bool {
    obj.get("message")
        .and_then(|m| m.as_object())
        .is_some_and(|m| {
            m.contains_key("data")
                || m.contains_key("messageId")
                || m.contains_key("message_id")
                || m.contains_key("attributes")
        })
}

/// Decode Pub/Sub's base64 `data` (standard alphabet; URL-safe and unpadded are accepted too).
pub(crate) fn decode_data(data: &str, path: &str) -> Result<Vec<u8>, IntakeError> {
    let data = data.trim();
    let engines = [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::URL_SAFE,
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let mut first_error = None;
    for engine in engines {
        match engine.decode(data) {
            Ok(bytes) => return Ok(bytes),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(IntakeError::Base64 {
        path: path.to_string(),
        reason: first_error.map(|e| e.to_string()).unwrap_or_default(),
    })
}

/// A push envelope (or the `data` of a messagePublished CloudEvent) at `path`.
pub(crate) fn parse_push(
    envelope: &Obj,
    path: &str,
    depth: usize,
    now: DateTime<Utc>,
) -> Result<Intake, IntakeError> {
    let mp = key_path(path, "message");
    let message = req_obj(envelope, path, "message")?;
    let subscription = opt_text(envelope, path, "subscription")?;
    let message_id = super::text_or_number(message, &mp, "messageId")?.or(super::text_or_number(
        message,
        &mp,
        "message_id",
    )?);
    let attributes = opt_obj(message, &mp, "attributes")?;
    let attr = |k: &str| {
        attributes
            .and_then(|a| a.get(k))
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let dp = key_path(&mp, "data");
    let data = match fields::opt(message, "data") {
        None => {
            return Err(IntakeError::Missing { path: dp });
        }
        Some(serde_json::Value::String(s)) => decode_data(s, &dp)?,
        Some(other) => return Err(fields::wrong_type(&dp, "a base64 string", other)),
    };
    let decoded_path = format!("{dp}<decoded>");
    let inner = super::decode_json(&data, &decoded_path)?;
    let mut intake = match (attr("eventType"), attr("bucketId"), attr("objectId")) {
        // Cloud Storage Pub/Sub notification: the data is the object resource.
        (Some(event_type), Some(_), Some(_)) => {
            let obj = fields::as_object(&inner, &decoded_path)?;
            let event = EventType::from_notification(event_type).ok_or_else(|| {
                fields::invalid(
                    &key_path(&key_path(&mp, "attributes"), "eventType"),
                    event_type,
                    "not a Cloud Storage notification event type",
                )
            })?;
            Intake::Alerts(vec![storage_event::parse(obj, &decoded_path, event, now)?])
        }
        _ => super::parse_value(&inner, &decoded_path, depth + 1, now)?,
    };
    // Delivery identity: labels only (never part of the fingerprint).
    if let Intake::Alerts(alerts) = &mut intake {
        for alert in alerts {
            if let Some(id) = &message_id {
                alert
                    .labels
                    .insert("pubsub_message_id".into(), crate::intake::clip(id, 128));
            }
            if let Some(s) = subscription {
                alert
                    .labels
                    .insert("pubsub_subscription".into(), crate::intake::clip(s, 256));
            }
        }
    }
    Ok(intake)
}
