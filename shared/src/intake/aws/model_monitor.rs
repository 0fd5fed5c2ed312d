//! SageMaker Model Monitor constraint violations (`constraint_violations.json`, the output of
//! a monitoring execution): `{"violations": [{"feature_name" | "facet" + "facet_value" |
//! "feature" | "metric_name", "constraint_check_type", "description"}]}` for data quality,
//! model quality, bias drift and feature attribution drift.
//!
//! The file names no endpoint or time. The adapter that fetches it may merge in the fields of
//! the execution's `MonitoringExecutionSummary` (SageMaker API: `EndpointName`,
//! `MonitoringScheduleName`, `ScheduledTime`, `CreationTime`, `ProcessingJobArn`,
//! `MonitoringType`); they are used when present.
//!
//! Mapping — **one alert per violations file**, every violated feature as evidence: one
//! monitoring run on one endpoint is one incident (one rollback), not one per feature.
//! - `kind` = `model-drift`; `severity` = `None` (the playbook decides; the title contains
//!   "drift" so the default `[[classify]]` rule applies).
//! - `status`: `Firing` when there is at least one violation, `Resolved` for an empty list.
//! - `source_id` = `sagemaker-model-monitor/<schedule or endpoint>` (or
//!   `sagemaker-model-monitor/unknown`); `occurrence` = `ProcessingJobArn`, else the
//!   scheduled time, else a SHA-256 of the violations (a redelivered file repeats it).
//! - `occurred_at` = `ScheduledTime` / `CreationTime`, else the time of parsing.
//! - `resources`: the endpoint (`ModelEndpoint`, id = endpoint name) and the processing job
//!   (`Other`).
//! - `labels`: `constraint_check_type` (distinct, comma-separated), `features`,
//!   `violation_count`, `endpoint_name`, `monitoring_schedule`, `monitoring_type`.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::intake::IntakeError;
use crate::model::{
    Alert, AlertSource, AlertStatus, Evidence, IncidentKind, ResourceKind, ResourceRef,
};

use super::arn::{self, Arn};
use super::fields::{
    as_object, canonical_time, index_path, key_path, opt_text, parse_time, req_arr, req_str, Obj,
};

/// A violations document: an object with a `violations` array and no envelope keys.
pub(crate) fn is_violations(obj: &Obj) -> bool {
    obj.get("violations").is_some_and(Value::is_array)
}

pub(crate) fn parse(doc: &Obj, path: &str, now: DateTime<Utc>) -> Result<Alert, IntakeError> {
    let vp = key_path(path, "violations");
    let list = req_arr(doc, path, "violations")?;
    let endpoint = opt_text(doc, path, "EndpointName")?;
    let schedule = opt_text(doc, path, "MonitoringScheduleName")?;
    let job_arn = opt_text(doc, path, "ProcessingJobArn")?.map(arn::normalize);
    let monitoring_type = opt_text(doc, path, "MonitoringType")?;
    let scheduled = match opt_text(doc, path, "ScheduledTime")? {
        Some(t) => Some(parse_time(t, &key_path(path, "ScheduledTime"))?),
        None => match opt_text(doc, path, "CreationTime")? {
            Some(t) => Some(parse_time(t, &key_path(path, "CreationTime"))?),
            None => None,
        },
    };
    let job = job_arn.as_deref().and_then(Arn::parse);
    let region = job
        .as_ref()
        .and_then(|a| a.region_code().map(str::to_string));
    let account = job
        .as_ref()
        .and_then(|a| super::fields::account_id(Some(&a.account)));

    let mut checks: Vec<String> = Vec::new();
    let mut features: Vec<String> = Vec::new();
    let mut evidence = Vec::with_capacity(list.len() + 1);
    for (i, v) in list.iter().enumerate() {
        let p = index_path(&vp, i);
        let v = as_object(v, &p)?;
        let check = req_str(v, &p, "constraint_check_type")?;
        let feature = match opt_text(v, &p, "feature_name")?.or(opt_text(v, &p, "feature")?) {
            Some(f) => Some(f.to_string()),
            None => match (opt_text(v, &p, "facet")?, opt_text(v, &p, "facet_value")?) {
                (Some(f), Some(val)) => Some(format!("{f}={val}")),
                (Some(f), None) => Some(f.to_string()),
                _ => None,
            },
        };
        let metric = opt_text(v, &p, "metric_name")?;
        let description = opt_text(v, &p, "description")?.unwrap_or("no description");
        if !checks.iter().any(|c| c == check) {
            checks.push(check.to_string());
        }
        if let Some(f) = &feature {
            if !features.contains(f) {
                features.push(f.clone());
            }
        }
        let subject = match (&feature, metric) {
            (Some(f), Some(m)) => format!("{f} {m}"),
            (Some(f), None) => f.clone(),
            (None, Some(m)) => m.to_string(),
            (None, None) => "model".to_string(),
        };
        evidence.push(Evidence {
            label: "constraint-violation".to_string(),
            summary: format!("{check} {subject}: {description}"),
            detail: Value::Object(v.clone()),
        });
    }

    let occurrence = match (&job_arn, scheduled) {
        (Some(a), _) => a.clone(),
        (None, Some(t)) => canonical_time(t),
        (None, None) => {
            let canonical = serde_json::to_vec(list).unwrap_or_default();
            format!("sha256:{}", hex::encode(Sha256::digest(&canonical)))
        }
    };
    let source_id = format!(
        "sagemaker-model-monitor/{}",
        schedule.or(endpoint).unwrap_or("unknown")
    );

    let mut labels = BTreeMap::new();
    labels.insert("violation_count".to_string(), list.len().to_string());
    if !checks.is_empty() {
        labels.insert("constraint_check_type".to_string(), checks.join(","));
    }
    if !features.is_empty() {
        labels.insert("features".to_string(), features.join(","));
    }
    for (key, value) in [
        ("endpoint_name", endpoint),
        ("monitoring_schedule", schedule),
        ("monitoring_type", monitoring_type),
    ] {
        if let Some(v) = value {
            labels.insert(key.to_string(), v.to_string());
        }
    }

    let mut resources = Vec::new();
    if let Some(e) = endpoint {
        let mut r = ResourceRef::new(ResourceKind::ModelEndpoint, e);
        r.region = region.clone();
        resources.push(r);
    }
    if let Some(a) = &job_arn {
        let mut r = arn::resource(a, region.as_deref());
        r.kind = ResourceKind::Other;
        resources.push(r);
    }

    let n = list.len();
    let title = format!(
        "SageMaker Model Monitor drift: {n} constraint violation{} on {} ({})",
        if n == 1 { "" } else { "s" },
        endpoint.unwrap_or("an unnamed endpoint"),
        if checks.is_empty() {
            "none".to_string()
        } else {
            checks.join(", ")
        }
    );
    let description = evidence
        .iter()
        .map(|e| e.summary.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    evidence.insert(
        0,
        Evidence {
            label: "model-monitor".to_string(),
            summary: format!("{n} violation(s): {}", checks.join(", ")),
            detail: json!({
                "endpoint_name": endpoint,
                "monitoring_schedule": schedule,
                "processing_job_arn": job_arn,
                "monitoring_type": monitoring_type,
                "version": doc.get("version"),
            }),
        },
    );

    Ok(Alert {
        source: AlertSource::SagemakerModelMonitor,
        source_id,
        occurrence,
        status: if n == 0 {
            AlertStatus::Resolved
        } else {
            AlertStatus::Firing
        },
        title,
        description: Some(description).filter(|d| !d.is_empty()),
        occurred_at: scheduled.unwrap_or(now),
        account,
        region,
        kind: Some(IncidentKind::ModelDrift),
        severity: None,
        resources,
        evidence,
        labels,
    })
}
