//! Event Grid deliveries, in the Event Grid schema (`[{id, topic, subject, eventType,
//! eventTime, data, dataVersion, metadataVersion}]`) or the CloudEvents 1.0 schema
//! (`{specversion, id, source, type, subject, time, data}`, alone or in a batch array).
//!
//! Mapping (both schemas, one alert per event; a batch with one bad event is rejected whole):
//! - `source` = `event-grid`; `source_id` = `{topic}{subject}` (CloudEvents `source` is the
//!   topic); `occurrence` = the event `id`, which Event Grid repeats on every redelivery.
//! - `Microsoft.Storage.Blob*` events: an `Object` resource `{account}/{container}/{blob}`
//!   (tagged with the blob `url`) and a `Bucket` resource for the storage account (the topic,
//!   an ARM id); labels `storage_account`, `container`, `blob`, `api`, `content_type`.
//!   Kind is left to the playbook (e.g. a `[[classify]]` rule on `container = "training*"`).
//! - `Microsoft.Resources.Resource*` events: the written resource (`data.resourceUri`) by
//!   type; labels `operation_name`, `status`, `client_ip`, `caller`. `…Failure`/`…Cancel`
//!   events changed nothing and are `Informational`.
//! - `Microsoft.MachineLearningServices.DatasetDriftDetected`: kind `model-drift`, labels
//!   `data_drift_name`, `drift_coefficient`.
//! - `Microsoft.EventGrid.SubscriptionValidationEvent`: `Informational` (the Functions host
//!   answers the handshake).
//! - Any other event type: `Firing`, no kind, the topic (and an ARM-id subject) as resources.
//! - Common labels: `event_type`, `topic`, `subject`, `event_id`, `data_version`.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::intake::aws::fields::{
    as_object, index_path, invalid, key_path, opt, opt_obj, opt_text, parse_time, req_str,
    scalar_text, Obj,
};
use crate::intake::{clip, IntakeError};
use crate::model::{
    Alert, AlertSource, AlertStatus, Evidence, IncidentKind, ResourceKind, ResourceRef,
};

use super::resource_id::{blob_object_id, resource_ref, subscription_of, ArmId};

/// Which schema an event is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    EventGrid,
    CloudEvents,
}

/// Is this object an Event Grid schema event?
pub(crate) fn is_event_grid(obj: &Obj) -> bool {
    obj.contains_key("eventType") && obj.contains_key("id") && obj.contains_key("subject")
}

/// Is this object a CloudEvent?
pub(crate) fn is_cloud_event(obj: &Obj) -> bool {
    obj.contains_key("specversion") && obj.contains_key("type")
}

struct Event<'a> {
    id: &'a str,
    event_type: &'a str,
    topic: Option<&'a str>,
    subject: Option<&'a str>,
    time: DateTime<Utc>,
    data: Option<&'a Obj>,
    data_version: Option<&'a str>,
    path: String,
}

fn read<'a>(
    obj: &'a Obj,
    path: &str,
    schema: Schema,
    now: DateTime<Utc>,
) -> Result<Event<'a>, IntakeError> {
    Ok(match schema {
        Schema::EventGrid => Event {
            id: req_str(obj, path, "id")?,
            event_type: req_str(obj, path, "eventType")?,
            topic: opt_text(obj, path, "topic")?,
            subject: opt_text(obj, path, "subject")?,
            time: parse_time(
                req_str(obj, path, "eventTime")?,
                &key_path(path, "eventTime"),
            )?,
            data: opt_obj(obj, path, "data")?,
            data_version: opt_text(obj, path, "dataVersion")?,
            path: path.to_string(),
        },
        Schema::CloudEvents => {
            let version = req_str(obj, path, "specversion")?;
            if version != "1.0" {
                return Err(invalid(
                    &key_path(path, "specversion"),
                    version,
                    "only CloudEvents 1.0 is supported",
                ));
            }
            Event {
                id: req_str(obj, path, "id")?,
                event_type: req_str(obj, path, "type")?,
                topic: Some(req_str(obj, path, "source")?),
                subject: opt_text(obj, path, "subject")?,
                time: match opt_text(obj, path, "time")? {
                    Some(t) => parse_time(t, &key_path(path, "time"))?,
                    None => now,
                },
                data: opt_obj(obj, path, "data")?,
                data_version: opt_text(obj, path, "dataschema")?,
                path: path.to_string(),
            }
        }
    })
}

fn set(labels: &mut BTreeMap<String, String>, key: &str, value: Option<&str>) {
    if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
        labels.insert(key.to_string(), clip(v, 256));
    }
}

/// Parse a batch (or one event, as a one-element slice).
pub fn parse_batch(
    events: &[Value],
    path: &str,
    schema: Schema,
    now: DateTime<Utc>,
) -> Result<Vec<Alert>, IntakeError> {
    if events.is_empty() {
        return Err(IntakeError::Missing {
            path: format!("{path}[0] (an empty event batch)"),
        });
    }
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let ip = index_path(path, i);
            parse_one(as_object(e, &ip)?, &ip, schema, now)
        })
        .collect()
}

/// Parse one event at `path`.
pub fn parse_one(
    obj: &Obj,
    path: &str,
    schema: Schema,
    now: DateTime<Utc>,
) -> Result<Alert, IntakeError> {
    let e = read(obj, path, schema, now)?;
    let mut labels = BTreeMap::new();
    set(&mut labels, "event_type", Some(e.event_type));
    set(&mut labels, "topic", e.topic);
    set(&mut labels, "subject", e.subject);
    set(&mut labels, "event_id", Some(e.id));
    set(&mut labels, "data_version", e.data_version);
    let mut resources: Vec<ResourceRef> = Vec::new();
    let mut status = AlertStatus::Firing;
    let mut kind = None;
    let mut title = e.event_type.to_string();
    let dp = key_path(&e.path, "data");
    let empty = Obj::new();
    let data = e.data.unwrap_or(&empty);
    let dtext = |k: &str| opt(data, k).and_then(scalar_text).filter(|s| !s.is_empty());
    let ty = e.event_type;

    if ty.starts_with("Microsoft.Storage.Blob") || ty.starts_with("Microsoft.Storage.Directory") {
        let (container, blob) = storage_subject(e.subject, &e.path)?;
        let account = e
            .topic
            .and_then(ArmId::parse)
            .and_then(|a| a.name_of("storageAccounts").map(str::to_string))
            .or_else(|| {
                dtext("url").and_then(|u| {
                    u.split("://")
                        .nth(1)
                        .and_then(|h| h.split('.').next())
                        .map(str::to_string)
                })
            })
            .ok_or_else(|| IntakeError::Missing {
                path: format!(
                    "{} (a storage account topic or data.url)",
                    key_path(&e.path, "topic")
                ),
            })?;
        set(&mut labels, "storage_account", Some(&account));
        set(&mut labels, "container", Some(&container));
        set(&mut labels, "blob", Some(&blob));
        set(&mut labels, "api", dtext("api").as_deref());
        set(&mut labels, "content_type", dtext("contentType").as_deref());
        set(&mut labels, "blob_type", dtext("blobType").as_deref());
        let mut object = ResourceRef::new(
            ResourceKind::Object,
            blob_object_id(&account, &container, &blob),
        );
        if let Some(url) = dtext("url") {
            object = object.with_tag("url", url);
        }
        resources.push(object);
        if let Some(topic) = e.topic.filter(|t| ArmId::parse(t).is_some()) {
            resources.push(resource_ref(topic));
        }
        title = format!("{ty}: {container}/{}", clip(&blob, 120));
    } else if let Some(rest) = ty.strip_prefix("Microsoft.Resources.Resource") {
        let uri = dtext("resourceUri");
        if let Some(uri) = &uri {
            resources.push(resource_ref(uri));
        }
        set(
            &mut labels,
            "operation_name",
            dtext("operationName").as_deref(),
        );
        set(&mut labels, "status", dtext("status").as_deref());
        if let Some(req) = opt_obj(data, &dp, "httpRequest")? {
            set(
                &mut labels,
                "client_ip",
                opt(req, "clientIpAddress").and_then(scalar_text).as_deref(),
            );
            set(
                &mut labels,
                "http_method",
                opt(req, "method").and_then(scalar_text).as_deref(),
            );
        }
        if let Some(claims) = opt_obj(data, &dp, "claims")? {
            let caller = [
                "name",
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
                "appid",
            ]
            .iter()
            .find_map(|k| opt(claims, k).and_then(scalar_text));
            set(&mut labels, "caller", caller.as_deref());
        }
        if rest.ends_with("Failure") || rest.ends_with("Cancel") {
            status = AlertStatus::Informational;
        }
        title = format!(
            "{ty}: {} on {}",
            dtext("operationName").unwrap_or_else(|| "operation".into()),
            uri.as_deref()
                .and_then(ArmId::parse)
                .and_then(|a| a.name().map(str::to_string))
                .unwrap_or_else(|| "a resource".into())
        );
    } else if ty == "Microsoft.MachineLearningServices.DatasetDriftDetected" {
        kind = Some(IncidentKind::ModelDrift);
        set(
            &mut labels,
            "data_drift_name",
            dtext("DataDriftName").as_deref(),
        );
        set(
            &mut labels,
            "drift_coefficient",
            dtext("DriftCoefficient").as_deref(),
        );
        set(&mut labels, "run_id", dtext("RunId").as_deref());
        if let Some(topic) = e.topic {
            resources.push(resource_ref(topic));
        }
        title = format!(
            "Dataset drift detected: {}",
            dtext("DataDriftName").unwrap_or_else(|| "unnamed monitor".into())
        );
    } else if ty == "Microsoft.EventGrid.SubscriptionValidationEvent" {
        status = AlertStatus::Informational;
        title = "Event Grid subscription validation".into();
    } else {
        if let Some(topic) = e.topic.filter(|t| ArmId::parse(t).is_some()) {
            resources.push(resource_ref(topic));
        }
        if let Some(subject) = e.subject.filter(|s| ArmId::parse(s).is_some()) {
            resources.push(resource_ref(subject));
        }
        if let Some(s) = e.subject {
            title = format!("{ty}: {}", clip(s, 160));
        }
    }

    let source_id = format!("{}{}", e.topic.unwrap_or(""), e.subject.unwrap_or(""));
    let account = e
        .topic
        .and_then(subscription_of)
        .or_else(|| resources.iter().find_map(|r| subscription_of(&r.id)));
    Ok(Alert {
        source: AlertSource::EventGrid,
        source_id: if source_id.is_empty() {
            ty.to_string()
        } else {
            source_id
        },
        occurrence: e.id.to_string(),
        status,
        title,
        description: None,
        occurred_at: e.time,
        account,
        region: None,
        kind,
        severity: None,
        resources,
        evidence: vec![Evidence {
            label: "event-grid".into(),
            summary: format!("{ty} {}", e.subject.unwrap_or("")),
            detail: e
                .data
                .map(|d| Value::Object(d.clone()))
                .unwrap_or(Value::Null),
        }],
        labels,
    })
}

/// `/blobServices/default/containers/{container}/blobs/{blob}` → (container, blob).
fn storage_subject(subject: Option<&str>, path: &str) -> Result<(String, String), IntakeError> {
    let sp = key_path(path, "subject");
    let s = subject.ok_or_else(|| IntakeError::Missing { path: sp.clone() })?;
    let rest = s
        .strip_prefix("/blobServices/default/containers/")
        .ok_or_else(|| {
            invalid(
                &sp,
                s,
                "expected /blobServices/default/containers/{container}/blobs/{blob}",
            )
        })?;
    let (container, blob) = rest
        .split_once("/blobs/")
        .filter(|(c, b)| !c.is_empty() && !b.is_empty())
        .ok_or_else(|| {
            invalid(
                &sp,
                s,
                "expected /blobServices/default/containers/{container}/blobs/{blob}",
            )
        })?;
    Ok((container.to_string(), blob.to_string()))
}
