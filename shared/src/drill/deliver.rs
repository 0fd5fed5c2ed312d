//! Attack payloads in each cloud's delivery shape, for `aiir drill --target` against a deployed
//! function. Pure: building a payload reads no clock and no network (the caller passes `now`).
//!
//! | cloud | model I/O lines | operator events |
//! |---|---|---|
//! | AWS | a CloudWatch Logs subscription event (`awslogs.data` = base64 of gzip of the JSON) | the event itself (Lambda invoke payload) |
//! | Azure | diagnostic-log records `{"records": [...]}` (the shape Event Hubs delivers), POSTed to the HTTP alert webhook | POSTed to the `operator` HTTP function |
//! | GCP | one Pub/Sub push body per line, its data a Cloud Logging `LogEntry` (`textPayload` = the line) | POSTed to the service |
use std::io::Write;

use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::action::Cloud;

/// Which of the function's entry points a payload goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The model-I/O log stream (or, on Azure, the alert webhook running the same intake).
    ModelIo,
    /// Operator events (`findings`, `drill`, `undo`, `dry-run`).
    Operator,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ModelIo => "model-io",
            Self::Operator => "operator",
        }
    }
}

/// One payload to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Short name for logs and file names (`model-drift-findings`).
    pub name: String,
    pub channel: Channel,
    pub body: Value,
}

/// Where the lines claim to come from (names only; nothing is looked up).
#[derive(Debug, Clone)]
pub struct Origin {
    /// AWS account id / Azure subscription id / GCP project id, when known.
    pub account: String,
    /// The serving endpoint the lines belong to.
    pub endpoint: String,
    /// Unique per drill run: makes event ids unique so a rerun is not a redelivery.
    pub run_id: String,
    pub now: DateTime<Utc>,
}

/// Model I/O lines in `cloud`'s log-delivery shape (one or more payloads).
pub fn model_io(
    cloud: Cloud,
    scenario: &str,
    lines: &[String],
    origin: &Origin,
) -> Result<Vec<Delivery>, std::io::Error> {
    let delivery = |i: Option<usize>, body| Delivery {
        name: match i {
            Some(i) => format!("{scenario}-log-{i:02}"),
            None => format!("{scenario}-logs"),
        },
        channel: Channel::ModelIo,
        body,
    };
    Ok(match cloud {
        Cloud::Aws => vec![delivery(None, cloudwatch_logs(scenario, lines, origin)?)],
        Cloud::Azure => vec![delivery(None, azure_records(lines, origin))],
        Cloud::Gcp => lines
            .iter()
            .enumerate()
            .map(|(i, line)| delivery(Some(i), pubsub_log_entry(scenario, i, line, origin)))
            .collect(),
    })
}

/// A CloudWatch Logs subscription delivery: `{"awslogs": {"data": base64(gzip(json))}}`.
pub fn cloudwatch_logs(
    scenario: &str,
    lines: &[String],
    origin: &Origin,
) -> Result<Value, std::io::Error> {
    let now = origin.now.timestamp_millis();
    let events: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            json!({
                // CloudWatch event ids are long digit strings; unique per run and line.
                "id": format!("{now}{i:06}"),
                "timestamp": now + i as i64,
                "message": line,
            })
        })
        .collect();
    let data = json!({
        "messageType": "DATA_MESSAGE",
        "owner": origin.account,
        "logGroup": format!("/aiir/model-io/{}", origin.endpoint),
        "logStream": format!("drill/{scenario}/{}", origin.run_id),
        "subscriptionFilters": ["aiir-model-io"],
        "logEvents": events,
    });
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&serde_json::to_vec(&data)?)?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(gz.finish()?);
    Ok(json!({ "awslogs": { "data": encoded } }))
}

/// Azure Monitor diagnostic-log records (resource logs streamed to Event Hubs): each line's
/// fields become the record's `properties`.
pub fn azure_records(lines: &[String], origin: &Origin) -> Value {
    let records: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let properties: Value =
                serde_json::from_str(line).unwrap_or_else(|_| json!({ "message": line }));
            let caller = properties
                .get("caller_ip")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            json!({
                "time": (origin.now + chrono::Duration::milliseconds(i as i64))
                    .to_rfc3339_opts(SecondsFormat::Millis, true),
                "resourceId": origin.endpoint,
                "category": "ModelInputOutput",
                "operationName": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score",
                "callerIpAddress": caller,
                "correlationId": format!("{}-{i:02}", origin.run_id),
                "properties": properties,
            })
        })
        .collect();
    json!({ "records": records })
}

/// One Pub/Sub push body whose data is a Cloud Logging `LogEntry` carrying the line.
pub fn pubsub_log_entry(scenario: &str, i: usize, line: &str, origin: &Origin) -> Value {
    let at = (origin.now + chrono::Duration::milliseconds(i as i64))
        .to_rfc3339_opts(SecondsFormat::Millis, true);
    let endpoint_id = origin
        .endpoint
        .rsplit('/')
        .next()
        .unwrap_or(&origin.endpoint);
    let entry = json!({
        "insertId": format!("{}-{scenario}-{i:02}", origin.run_id),
        "logName": format!("projects/{}/logs/aiir-model-io", origin.account),
        "timestamp": at,
        "receiveTimestamp": at,
        "textPayload": line,
        "resource": {
            "type": "aiplatform.googleapis.com/Endpoint",
            "labels": { "project_id": origin.account, "endpoint_id": endpoint_id },
        },
    });
    let data = base64::engine::general_purpose::STANDARD.encode(entry.to_string());
    json!({
        "message": {
            "data": data,
            "attributes": { "logging.googleapis.com/timestamp": at },
            "messageId": format!("{}{i:02}", origin.now.timestamp_millis()),
            "publishTime": at,
        },
        "subscription": format!("projects/{}/subscriptions/aiir-model-io-drill", origin.account),
    })
}
