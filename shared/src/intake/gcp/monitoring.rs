//! Cloud Monitoring incident notifications, schema version 1.2 (webhook and Pub/Sub
//! notification channels send the same document): `{"incident": {…}, "version": "1.2"}`.
//!
//! Mapping:
//! - `source_id` = `incident.condition.name` (the policy's condition resource name), else
//!   `policy_name` + `condition_name`; `occurrence` = `incident_id` (an incident is opened
//!   once and closed once; redeliveries repeat the id).
//! - `status`: `state` `open` → `Firing`, `closed` → `Resolved` (recorded, never
//!   remediated); anything else is rejected.
//! - `occurred_at`: `started_at` for open, `ended_at` (or `started_at`) for closed (epoch
//!   seconds, number or string).
//! - `title` = `policy_name` (the playbook classifies by title), `description` = `summary`.
//! - `severity` from `incident.severity` (`Critical` → critical, `Error` → high, `Warning` →
//!   medium), else from a policy user label `severity`; `kind` from a policy user label
//!   `aiir-kind` / `aiir_kind` (`model-drift`, `prompt-attack` …); otherwise `None`.
//! - `resources` from the monitored resource: `aiplatform.googleapis.com/Endpoint` →
//!   `ModelEndpoint` `projects/P/locations/L/endpoints/E`; `gcs_bucket` → `Bucket`;
//!   `cloud_run_revision` → `Function` `projects/P/locations/L/services/S`;
//!   `cloud_function` → `Function`; other types → `Other` (`type:resource_name`).
//! - `labels`: `incident_id`, `policy_name`, `condition_name`, `metric_type`,
//!   `metric_name` (the metric type after the service domain, e.g.
//!   `prediction/online/error_count`), `resource_type`, `state`, `observed_value`,
//!   `threshold_value`, metric labels as `metric_label:KEY` (Vertex AI metrics carry
//!   `deployed_model_id`), and user labels as `user_label:KEY`.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::intake::aws::fields::{self, key_path, opt, opt_obj, opt_text, req_obj, req_str, Obj};
use crate::intake::{clip, IntakeError};
use crate::model::{
    Alert, AlertSource, AlertStatus, Evidence, IncidentKind, ResourceKind, ResourceRef, Severity,
};

pub const SCHEMA_VERSIONS: [&str; 1] = ["1.2"];

fn epoch(obj: &Obj, path: &str, key: &str) -> Result<Option<DateTime<Utc>>, IntakeError> {
    let p = key_path(path, key);
    let secs = match opt(obj, key) {
        None => return Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| fields::invalid(&p, &n.to_string(), "not whole seconds"))?,
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| fields::invalid(&p, s, "not whole seconds"))?,
        Some(other) => return Err(fields::wrong_type(&p, "epoch seconds", other)),
    };
    DateTime::from_timestamp(secs, 0)
        .map(Some)
        .ok_or_else(|| fields::invalid(&p, &secs.to_string(), "out of range"))
}

fn severity(text: &str) -> Option<Severity> {
    match text.trim().to_ascii_lowercase().as_str() {
        "critical" => Some(Severity::Critical),
        "error" | "high" => Some(Severity::High),
        "warning" | "medium" => Some(Severity::Medium),
        "low" | "info" => Some(Severity::Low),
        _ => None,
    }
}

/// The monitored resource → reference.
fn resource(
    res: &Obj,
    path: &str,
    fallback_name: Option<&str>,
) -> Result<Option<ResourceRef>, IntakeError> {
    let Some(rtype) = opt_text(res, path, "type")? else {
        return Ok(None);
    };
    let labels = opt_obj(res, path, "labels")?;
    let label = |k: &str| -> Option<String> {
        labels
            .and_then(|l| l.get(k))
            .and_then(fields::scalar_text)
            .filter(|s| !s.is_empty())
    };
    let project = label("resource_container")
        .or_else(|| label("project_id"))
        .map(|p| p.trim_start_matches("projects/").to_string());
    let location = label("location").or_else(|| label("region"));
    let r = match rtype {
        "aiplatform.googleapis.com/Endpoint" => match (project, location, label("endpoint_id")) {
            (Some(p), Some(l), Some(e)) => Some(ResourceRef::new(
                ResourceKind::ModelEndpoint,
                format!("projects/{p}/locations/{l}/endpoints/{e}"),
            )),
            _ => None,
        },
        "gcs_bucket" => label("bucket_name").map(|b| ResourceRef::new(ResourceKind::Bucket, b)),
        "cloud_run_revision" => match (project, location, label("service_name")) {
            (Some(p), Some(l), Some(s)) => Some(ResourceRef::new(
                ResourceKind::Function,
                format!("projects/{p}/locations/{l}/services/{s}"),
            )),
            _ => None,
        },
        "cloud_function" => match (project, location, label("function_name")) {
            (Some(p), Some(l), Some(f)) => Some(ResourceRef::new(
                ResourceKind::Function,
                format!("projects/{p}/locations/{l}/functions/{f}"),
            )),
            _ => None,
        },
        _ => None,
    };
    Ok(Some(r.unwrap_or_else(|| {
        ResourceRef::new(
            ResourceKind::Other,
            format!(
                "{}:{}",
                clip(rtype, 100),
                clip(fallback_name.unwrap_or(""), 200)
            ),
        )
    })))
}

pub(crate) fn parse(doc: &Obj, path: &str, now: DateTime<Utc>) -> Result<Alert, IntakeError> {
    let ip = key_path(path, "incident");
    let incident = req_obj(doc, path, "incident")?;
    match super::text_or_number(doc, path, "version")? {
        Some(v) if SCHEMA_VERSIONS.contains(&v.as_str()) => {}
        Some(v) => {
            return Err(fields::invalid(
                &key_path(path, "version"),
                &v,
                "unsupported Cloud Monitoring notification schema (expected 1.2)",
            ))
        }
        None => {
            return Err(IntakeError::Missing {
                path: key_path(path, "version"),
            })
        }
    }
    let incident_id = req_str(incident, &ip, "incident_id")?;
    let state = req_str(incident, &ip, "state")?;
    let status = match state.to_ascii_lowercase().as_str() {
        "open" => AlertStatus::Firing,
        "closed" => AlertStatus::Resolved,
        _ => {
            return Err(fields::invalid(
                &key_path(&ip, "state"),
                state,
                "expected open or closed",
            ))
        }
    };
    let started = epoch(incident, &ip, "started_at")?;
    let ended = epoch(incident, &ip, "ended_at")?;
    let occurred_at = match status {
        AlertStatus::Resolved => ended.or(started),
        _ => started,
    }
    .unwrap_or(now);
    let policy_name = opt_text(incident, &ip, "policy_name")?;
    let condition_name = opt_text(incident, &ip, "condition_name")?;
    let cp = key_path(&ip, "condition");
    let condition = opt_obj(incident, &ip, "condition")?;
    let condition_resource = match condition {
        Some(c) => opt_text(c, &cp, "name")?,
        None => None,
    };
    let source_id = match (condition_resource, policy_name) {
        (Some(name), _) => name.to_string(),
        (None, Some(policy)) => format!("{policy}/{}", condition_name.unwrap_or("")),
        (None, None) => {
            return Err(IntakeError::Missing {
                path: key_path(&ip, "policy_name"),
            })
        }
    };
    let summary = opt_text(incident, &ip, "summary")?;
    let title = policy_name
        .or(condition_name)
        .unwrap_or(source_id.as_str())
        .to_string();

    let mut labels = BTreeMap::new();
    labels.insert("incident_id".to_string(), clip(incident_id, 128));
    labels.insert("state".to_string(), state.to_ascii_lowercase());
    if let Some(p) = policy_name {
        labels.insert("policy_name".into(), clip(p, 256));
    }
    if let Some(c) = condition_name {
        labels.insert("condition_name".into(), clip(c, 256));
    }
    for key in ["observed_value", "threshold_value"] {
        if let Some(v) = opt(incident, key).and_then(fields::scalar_text) {
            labels.insert(key.into(), clip(&v, 64));
        }
    }
    let mp = key_path(&ip, "metric");
    if let Some(metric) = opt_obj(incident, &ip, "metric")? {
        if let Some(t) = opt_text(metric, &mp, "type")? {
            labels.insert("metric_type".into(), clip(t, 256));
            let name = t.split_once(".googleapis.com/").map_or(t, |(_, rest)| rest);
            labels.insert("metric_name".into(), clip(name, 256));
        }
        super::copy_labels(
            opt_obj(metric, &mp, "labels")?,
            "metric_label:",
            &mut labels,
        );
    }
    let mdp = key_path(&ip, "metadata");
    let mut user_labels = BTreeMap::new();
    if let Some(meta) = opt_obj(incident, &ip, "metadata")? {
        super::copy_labels(opt_obj(meta, &mdp, "user_labels")?, "", &mut user_labels);
    }
    super::copy_labels(
        opt_obj(incident, &ip, "policy_user_labels")?,
        "",
        &mut user_labels,
    );
    for (k, v) in &user_labels {
        labels.insert(format!("user_label:{k}"), v.clone());
    }

    let severity = opt_text(incident, &ip, "severity")?
        .and_then(severity)
        .or_else(|| user_labels.get("severity").and_then(|s| severity(s)));
    let kind = ["aiir-kind", "aiir_kind"]
        .iter()
        .find_map(|k| user_labels.get(*k))
        .and_then(|k| {
            serde_json::from_value::<IncidentKind>(Value::String(k.trim().to_string())).ok()
        });

    let rp = key_path(&ip, "resource");
    let resource_name = opt_text(incident, &ip, "resource_name")?;
    let mut resources = Vec::new();
    if let Some(res) = opt_obj(incident, &ip, "resource")? {
        if let Some(t) = opt_text(res, &rp, "type")? {
            labels.insert("resource_type".into(), clip(t, 128));
        }
        if let Some(r) = resource(res, &rp, resource_name)? {
            resources.push(r);
        }
    }
    let account = opt_text(incident, &ip, "scoping_project_id")?.map(str::to_string);
    let region = resources
        .iter()
        .find(|r| r.kind != ResourceKind::Other)
        .and_then(|r| r.id.split('/').skip_while(|p| *p != "locations").nth(1))
        .map(str::to_string);

    let evidence = vec![Evidence {
        label: "cloud-monitoring-incident".into(),
        summary: summary
            .map(|s| clip(s, 500))
            .unwrap_or_else(|| format!("incident {incident_id} {state}")),
        detail: json!({
            "incident_id": incident_id,
            "url": opt_text(incident, &ip, "url")?,
            "observed_value": opt(incident, "observed_value"),
            "threshold_value": opt(incident, "threshold_value"),
            "condition": condition.map(|c| Value::Object(c.clone())),
        }),
    }];
    Ok(Alert {
        source: AlertSource::CloudMonitoring,
        source_id,
        occurrence: incident_id.to_string(),
        status,
        title,
        description: summary.map(str::to_string),
        occurred_at,
        account,
        region,
        kind,
        severity,
        resources,
        evidence,
        labels,
    })
}
