//! CloudWatch Logs subscription deliveries to Lambda: `{"awslogs": {"data": BASE64}}`, where
//! the data is gzip of `{"messageType", "owner", "logGroup", "logStream",
//! "subscriptionFilters", "logEvents": [{"id", "timestamp", "message"}]}`.
//!
//! Each log event becomes one [`ModelIoRecord`] (model input/output for the detectors):
//! `id` = the event id, `timestamp` = the event time (epoch milliseconds), `message` as is,
//! labels `log_group` and `log_stream`. The batch's `source_id` is the log group and its
//! `account` the `owner` (the payload names no region). A `CONTROL_MESSAGE` (CloudWatch
//! checking the destination is reachable) is an empty batch, not an error.
//!
//! Decompression stops at [`MAX_DECOMPRESSED_BYTES`] (gzip bombs are an error, not an
//! allocation).
use std::collections::BTreeMap;
use std::io::Read;

use base64::Engine;
use chrono::DateTime;
use flate2::read::MultiGzDecoder;
use serde_json::Value;

use crate::intake::{IntakeError, ModelIoBatch, ModelIoRecord, MAX_DECOMPRESSED_BYTES};
use crate::model::AlertSource;

use super::fields::{
    account_id, as_object, index_path, invalid, key_path, opt_arr, req, req_obj, req_str,
    wrong_type, Obj,
};

pub(crate) fn parse(event: &Obj, path: &str) -> Result<ModelIoBatch, IntakeError> {
    let awslogs = req_obj(event, path, "awslogs")?;
    let ap = key_path(path, "awslogs");
    let dp = key_path(&ap, "data");
    let data = req_str(awslogs, &ap, "data")?;
    let compressed = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|e| IntakeError::Base64 {
            path: dp.clone(),
            reason: e.to_string(),
        })?;
    let json = gunzip(&compressed, &dp, MAX_DECOMPRESSED_BYTES)?;
    let value: Value = serde_json::from_slice(&json).map_err(|e| IntakeError::NotJson {
        path: format!("{dp} (decompressed)"),
        reason: e.to_string(),
    })?;
    let bp = format!("{dp}<decoded>");
    parse_decoded(&value, &bp)
}

/// Decompress at most `limit` bytes of gzip.
pub(crate) fn gunzip(bytes: &[u8], path: &str, limit: usize) -> Result<Vec<u8>, IntakeError> {
    let mut out = Vec::new();
    let mut reader = MultiGzDecoder::new(bytes).take(limit as u64 + 1);
    reader
        .read_to_end(&mut out)
        .map_err(|e| IntakeError::Gzip {
            path: path.to_string(),
            reason: e.to_string(),
        })?;
    if out.len() > limit {
        return Err(IntakeError::DecompressedTooLarge {
            path: path.to_string(),
            limit,
        });
    }
    Ok(out)
}

/// The decoded subscription document.
pub(crate) fn parse_decoded(value: &Value, path: &str) -> Result<ModelIoBatch, IntakeError> {
    let doc = as_object(value, path)?;
    let message_type = req_str(doc, path, "messageType")?;
    let owner = super::fields::opt_text(doc, path, "owner")?;
    match message_type {
        // CloudWatch checking the destination: logGroup and logStream are empty.
        "CONTROL_MESSAGE" => {
            return Ok(ModelIoBatch {
                source: AlertSource::CloudwatchLogs,
                source_id: super::fields::opt_text(doc, path, "logGroup")?
                    .unwrap_or("control-message")
                    .to_string(),
                account: account_id(owner),
                region: None,
                records: Vec::new(),
            })
        }
        "DATA_MESSAGE" => {}
        other => {
            return Err(invalid(
                &key_path(path, "messageType"),
                other,
                "expected DATA_MESSAGE or CONTROL_MESSAGE",
            ))
        }
    }
    let log_group = req_str(doc, path, "logGroup")?;
    let mut batch = ModelIoBatch {
        source: AlertSource::CloudwatchLogs,
        source_id: log_group.to_string(),
        account: account_id(owner),
        region: None,
        records: Vec::new(),
    };
    let log_stream = req_str(doc, path, "logStream")?;
    let ep = key_path(path, "logEvents");
    let events = opt_arr(doc, path, "logEvents")?
        .ok_or_else(|| IntakeError::Missing { path: ep.clone() })?;
    for (i, event) in events.iter().enumerate() {
        let p = index_path(&ep, i);
        let e = as_object(event, &p)?;
        let id = match req(e, &p, "id")? {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            other => return Err(wrong_type(&key_path(&p, "id"), "a string", other)),
        };
        let tp = key_path(&p, "timestamp");
        let millis = match req(e, &p, "timestamp")? {
            Value::Number(n) => n
                .as_i64()
                .ok_or_else(|| invalid(&tp, &n.to_string(), "not whole milliseconds"))?,
            Value::String(s) => s
                .trim()
                .parse::<i64>()
                .map_err(|_| invalid(&tp, s, "not whole milliseconds"))?,
            other => return Err(wrong_type(&tp, "a number", other)),
        };
        let timestamp = DateTime::from_timestamp_millis(millis)
            .ok_or_else(|| invalid(&tp, &millis.to_string(), "out of range"))?;
        let message = match req(e, &p, "message")? {
            Value::String(s) => s.clone(),
            other => return Err(wrong_type(&key_path(&p, "message"), "a string", other)),
        };
        let mut labels = BTreeMap::new();
        labels.insert("log_group".to_string(), log_group.to_string());
        labels.insert("log_stream".to_string(), log_stream.to_string());
        batch.records.push(ModelIoRecord {
            id,
            timestamp,
            message,
            labels,
        });
    }
    Ok(batch)
}
