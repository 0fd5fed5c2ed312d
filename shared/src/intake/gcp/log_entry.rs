//! Model input/output from a Cloud Logging sink to Pub/Sub (one `LogEntry` per message):
//! entries with a `textPayload` or a `jsonPayload` (not audit logs).
//!
//! Each entry becomes one [`ModelIoRecord`] in a batch of one: `id` = `insertId`,
//! `timestamp` = `timestamp` (else `receiveTimestamp`), `message` = `textPayload`, or the
//! the whole `jsonPayload` as JSON text when it also holds the model's answer (`response`,
//! `output`, `completion`, `generated_text`, `answer`, `choices`), else the first string among
//! `jsonPayload.prompt` / `.input` / `.message` / `.text` / `.content`, else the whole
//! `jsonPayload` as JSON text. Labels: `log_name`, `resource_type`,
//! `caller_ip` (`httpRequest.remoteIp`, else `jsonPayload.caller_ip` / `.client_ip`),
//! `endpoint` (`jsonPayload.endpoint`, else the resource's `endpoint_id` / `service_name`),
//! and the entry's own `labels` as `label:KEY`.
//!
//! The batch's `source` is [`AlertSource::CloudAuditLog`] (aiir's one Cloud Logging source)
//! and its `source_id` the log name; `account` is the resource's `project_id`.
use std::collections::BTreeMap;

use serde_json::Value;

use crate::intake::aws::fields::{self, key_path, opt_obj, opt_text, parse_time, req_str, Obj};
use crate::intake::{clip, IntakeError, ModelIoBatch, ModelIoRecord};
use crate::model::AlertSource;

/// Fields of a `jsonPayload` that hold the model input/output, in order of preference.
pub const MESSAGE_FIELDS: [&str; 5] = ["prompt", "input", "message", "text", "content"];

/// Fields that hold the model's answer (as the model-I/O parser reads them).
const RESPONSE_FIELDS: [&str; 6] = [
    "response",
    "output",
    "completion",
    "generated_text",
    "answer",
    "choices",
];

pub(crate) fn parse(entry: &Obj, path: &str) -> Result<ModelIoBatch, IntakeError> {
    let log_name = req_str(entry, path, "logName")?;
    let id = req_str(entry, path, "insertId")?;
    let (time_key, time) = match opt_text(entry, path, "timestamp")? {
        Some(t) => ("timestamp", t),
        None => (
            "receiveTimestamp",
            req_str(entry, path, "receiveTimestamp")?,
        ),
    };
    let timestamp = parse_time(time, &key_path(path, time_key))?;
    let json_payload = opt_obj(entry, path, "jsonPayload")?;
    let message = match (fields::opt(entry, "textPayload"), json_payload) {
        (Some(Value::String(text)), _) => text.clone(),
        (Some(other), _) => {
            return Err(fields::wrong_type(
                &key_path(path, "textPayload"),
                "a string",
                other,
            ))
        }
        // A record that carries the model's answer too stays whole, so the output scanners
        // see the response (the model-I/O parser reads prompt and response from the JSON).
        (None, Some(json)) if RESPONSE_FIELDS.iter().any(|k| json.contains_key(*k)) => {
            Value::Object(json.clone()).to_string()
        }
        (None, Some(json)) => MESSAGE_FIELDS
            .iter()
            .find_map(|k| json.get(*k).and_then(Value::as_str))
            .map(str::to_string)
            .unwrap_or_else(|| Value::Object(json.clone()).to_string()),
        (None, None) => {
            return Err(IntakeError::Missing {
                path: format!("{path}.textPayload|jsonPayload"),
            })
        }
    };
    let mut labels = BTreeMap::new();
    labels.insert("log_name".to_string(), clip(log_name, 256));
    let rp = key_path(path, "resource");
    let mut account = None;
    let mut resource_endpoint = None;
    if let Some(res) = opt_obj(entry, path, "resource")? {
        if let Some(t) = opt_text(res, &rp, "type")? {
            labels.insert("resource_type".into(), clip(t, 128));
        }
        if let Some(l) = opt_obj(res, &rp, "labels")? {
            let get = |k: &str| {
                l.get(k)
                    .and_then(fields::scalar_text)
                    .filter(|s| !s.is_empty())
            };
            account = get("project_id");
            resource_endpoint = get("endpoint_id").or_else(|| get("service_name"));
        }
    }
    let hp = key_path(path, "httpRequest");
    let mut caller_ip = match opt_obj(entry, path, "httpRequest")? {
        Some(h) => opt_text(h, &hp, "remoteIp")?.map(str::to_string),
        None => None,
    };
    let mut endpoint = None;
    if let Some(json) = json_payload {
        let get = |k: &str| {
            json.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        caller_ip = caller_ip.or_else(|| {
            get("caller_ip")
                .or_else(|| get("client_ip"))
                .map(str::to_string)
        });
        endpoint = get("endpoint").map(str::to_string);
    }
    if let Some(ip) = caller_ip {
        labels.insert("caller_ip".into(), clip(&ip, 64));
    }
    if let Some(e) = endpoint.or(resource_endpoint) {
        labels.insert("endpoint".into(), clip(&e, 256));
    }
    super::copy_labels(opt_obj(entry, path, "labels")?, "label:", &mut labels);
    Ok(ModelIoBatch {
        source: AlertSource::CloudAuditLog,
        source_id: log_name.to_string(),
        account,
        region: None,
        records: vec![ModelIoRecord {
            id: id.to_string(),
            timestamp,
            message,
            labels,
        }],
    })
}
