//! Model input/output logs delivered as Azure Monitor diagnostic logs: resource logs streamed
//! to Event Hubs arrive as `{"records": [{time, resourceId, category, operationName,
//! properties, …}]}`; a storage queue message may carry that wrapper or one record.
//!
//! Each record becomes one [`ModelIoRecord`]: `id` = 16 hex digits of SHA-256 over the
//! record's JSON (stable across redeliveries), `timestamp` = `time`, `message` = the first
//! text among `properties.{prompt, input, output, completion, response, Message, message,
//! resultDescription}` (the model I/O a prompt detector scans), else the record's
//! `properties` as JSON text. Labels: `resource_id`, `category`, `operation_name`,
//! `caller_ip` (from `callerIpAddress`), `field` (which property the message came from). The
//! batch's `source_id` is the first record's `resourceId`, its `account` that id's subscription.
use std::collections::BTreeMap;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::intake::aws::fields::{
    as_object, index_path, key_path, opt, opt_obj, opt_text, parse_time, req_str, scalar_text, Obj,
};
use crate::intake::{clip, IntakeError, ModelIoBatch, ModelIoRecord};
use crate::model::AlertSource;

use super::resource_id::subscription_of;

/// Properties that carry model I/O, in the order they are looked for.
pub const MESSAGE_FIELDS: &[&str] = &[
    "prompt",
    "input",
    "output",
    "completion",
    "response",
    "Message",
    "message",
    "resultDescription",
];

/// Is this object a diagnostic-log wrapper or a single record?
pub(crate) fn is_diagnostic(obj: &Obj) -> bool {
    obj.get("records").is_some_and(Value::is_array)
        || (obj.contains_key("resourceId")
            && obj.contains_key("category")
            && obj.contains_key("time"))
}

pub fn parse(obj: &Obj, path: &str) -> Result<ModelIoBatch, IntakeError> {
    let (records, rp): (Vec<(&Obj, String)>, String) = match obj.get("records") {
        Some(Value::Array(items)) => {
            let rp = key_path(path, "records");
            let mut out = Vec::with_capacity(items.len());
            for (i, r) in items.iter().enumerate() {
                let ip = index_path(&rp, i);
                out.push((as_object(r, &ip)?, ip));
            }
            (out, rp)
        }
        _ => (vec![(obj, path.to_string())], path.to_string()),
    };
    let _ = rp;
    let mut parsed = Vec::with_capacity(records.len());
    let mut first_resource: Option<String> = None;
    for (record, p) in records {
        let resource_id = req_str(record, &p, "resourceId")?;
        first_resource.get_or_insert_with(|| resource_id.to_string());
        let timestamp = parse_time(req_str(record, &p, "time")?, &key_path(&p, "time"))?;
        let mut labels = BTreeMap::new();
        labels.insert("resource_id".to_string(), clip(resource_id, 512));
        for (label, key) in [
            ("category", "category"),
            ("operation_name", "operationName"),
            ("caller_ip", "callerIpAddress"),
        ] {
            if let Some(v) = opt(record, key)
                .and_then(scalar_text)
                .filter(|s| !s.is_empty())
            {
                labels.insert(label.to_string(), clip(&v, 256));
            }
        }
        let props = opt_obj(record, &p, "properties")?;
        let mut message = None;
        if let Some(props) = props {
            let pp = key_path(&p, "properties");
            for field in MESSAGE_FIELDS {
                if let Some(text) = opt_text(props, &pp, field).ok().flatten() {
                    labels.insert("field".to_string(), (*field).to_string());
                    message = Some(text.to_string());
                    break;
                }
            }
        }
        let message = message.unwrap_or_else(|| {
            props
                .map(|p| Value::Object(p.clone()).to_string())
                .unwrap_or_default()
        });
        let canonical = Value::Object(record.clone()).to_string();
        let id = hex::encode(&Sha256::digest(canonical.as_bytes())[..8]);
        parsed.push(ModelIoRecord {
            id,
            timestamp,
            message,
            labels,
        });
    }
    let source_id = first_resource.unwrap_or_else(|| "diagnostic-logs".to_string());
    Ok(ModelIoBatch {
        source: AlertSource::AzureMonitor,
        account: subscription_of(&source_id),
        source_id,
        region: None,
        records: parsed,
    })
}
