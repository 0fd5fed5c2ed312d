//! Model input/output logs delivered as Azure Monitor diagnostic logs: resource logs streamed
//! to Event Hubs arrive as `{"records": [{time, resourceId, category, operationName,
//! properties, …}]}`; a storage queue message may carry that wrapper or one record.
//!
//! Each record becomes one [`ModelIoRecord`]: `id` = 16 hex digits of SHA-256 over the
//! record's JSON (stable across redeliveries), `timestamp` = `time`, `message` = the record's
//! `properties` as a JSON object line (the shape the model-I/O scanner reads: `prompt`,
//! `input`, `output`, `response` …), with `caller_ip` (from `callerIpAddress`) and `endpoint`
//! (the `resourceId`) added when the properties do not name them. Labels: `resource_id`, `category`, `operation_name`,
//! `caller_ip` (from `callerIpAddress`), `field` (the first model I/O property found). The
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
        let mut fields = props.cloned().unwrap_or_default();
        if let Some(props) = props {
            let pp = key_path(&p, "properties");
            if let Some(field) = MESSAGE_FIELDS
                .iter()
                .find(|f| opt_text(props, &pp, f).ok().flatten().is_some())
            {
                labels.insert("field".to_string(), (*field).to_string());
            }
        }
        // The scanner reads the caller and the endpoint from the line itself.
        if let Some(ip) = labels.get("caller_ip") {
            fields
                .entry("caller_ip")
                .or_insert_with(|| Value::String(ip.clone()));
        }
        fields
            .entry("endpoint")
            .or_insert_with(|| Value::String(resource_id.to_string()));
        let message = Value::Object(fields).to_string();
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
