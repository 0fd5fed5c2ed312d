//! CloudWatch alarm state changes, whichever way they arrive (SNS, EventBridge, Lambda alarm
//! action), normalised into one [`AlarmChange`] and then one [`Alert`].
//!
//! Mapping (the same for every delivery path):
//! - `status`: `ALARM` → `Firing`, `OK` → `Resolved` (recorded, never remediates),
//!   `INSUFFICIENT_DATA` → `Informational`. An `ALARM` whose actions CloudWatch suppressed
//!   (composite alarm `actionsSuppressedBy`: a maintenance/suppressor alarm) is also
//!   `Informational`: the owner asked for no action.
//! - `source_id`: the alarm ARN (whitespace-normalised); built from region, account and name
//!   when a payload lacks it. `occurrence`: the state-change timestamp in canonical form
//!   (`2019-10-02T17:04:40.989Z`), so SNS, EventBridge and Lambda-action deliveries of the
//!   same transition share a fingerprint. `occurred_at`: that timestamp.
//! - `title`: the alarm name (the playbook's `[[classify]]` matches on it); `description`:
//!   the alarm description. `kind` and `severity` are left `None`: the playbook decides.
//! - `resources`: the alarm itself (`Other`), the child alarms of a composite (`Other`), and
//!   from metric dimensions: `EndpointName` (or `Endpoint` in `aws/sagemaker/*` Model
//!   Monitor namespaces) → `ModelEndpoint` (id = endpoint name), `FunctionName` →
//!   `Function` (id = function name), `BucketName` → `Bucket`.
//! - `evidence`: `alarm-state` (reason, reason data, previous state), one `metric` per
//!   metric query (namespace, name, dimensions, stat, period, expression), one
//!   `triggering-alarm` per composite child.
//! - `labels`: `alarm_name`, `alarm_type` (`metric` | `metric-math` | `anomaly-detection` |
//!   `composite`), `state`, `previous_state`, `metric_name` and `namespace` (the only metric, or
//!   the first metric of a metric-math / anomaly alarm), `metric_names` (all, comma-separated,
//!   when several), `expression` (the returned expression), `endpoint_name`,
//!   `function_name`, `delivery` (`sns` | `eventbridge` | `lambda-alarm-action`),
//!   `actions_suppressed_by`.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::intake::IntakeError;
use crate::model::{Alert, AlertSource, AlertStatus, Evidence, ResourceKind, ResourceRef};

use super::arn::{self, Arn};
use super::fields::{
    as_object, index_path, invalid, key_path, opt, opt_arr, opt_bool, opt_f64, opt_obj, opt_text,
    scalar_text, Obj,
};

/// One metric query of an alarm (a plain metric or a math expression).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct MetricQuery {
    pub id: Option<String>,
    pub expression: Option<String>,
    pub label: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub dimensions: BTreeMap<String, String>,
    pub stat: Option<String>,
    pub period: Option<f64>,
    pub unit: Option<String>,
    pub return_data: Option<bool>,
}

/// A child alarm that triggered a composite alarm.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Child {
    pub arn: String,
    pub state: Option<String>,
    pub timestamp: Option<String>,
}

/// An alarm state change, independent of how it was delivered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AlarmChange {
    pub delivery: &'static str,
    pub alarm_name: String,
    pub alarm_arn: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    pub description: Option<String>,
    /// Upper-cased state value (`ALARM`, `OK`, `INSUFFICIENT_DATA`) and its JSON path.
    pub state: String,
    pub state_path: String,
    pub previous_state: Option<String>,
    pub reason: Option<String>,
    pub reason_data: Option<String>,
    pub timestamp: DateTime<Utc>,
    pub metrics: Vec<MetricQuery>,
    pub threshold: Option<f64>,
    pub comparison: Option<String>,
    pub threshold_metric_id: Option<String>,
    pub alarm_rule: Option<String>,
    pub children: Vec<Child>,
    pub actions_suppressed_by: Option<String>,
}

pub(crate) fn status(state: &str, path: &str) -> Result<AlertStatus, IntakeError> {
    match state {
        "ALARM" => Ok(AlertStatus::Firing),
        "OK" => Ok(AlertStatus::Resolved),
        "INSUFFICIENT_DATA" => Ok(AlertStatus::Informational),
        other => Err(invalid(
            path,
            other,
            "expected ALARM, OK or INSUFFICIENT_DATA",
        )),
    }
}

/// Normalise a state value: trimmed, upper-case.
pub(crate) fn state_value(text: &str) -> String {
    text.trim().to_ascii_uppercase()
}

/// Metric queries in EventBridge / Lambda alarm-action form (`configuration.metrics`).
pub(crate) fn metrics_camel(list: &[Value], path: &str) -> Result<Vec<MetricQuery>, IntakeError> {
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let p = index_path(path, i);
        let m = as_object(item, &p)?;
        let mut q = MetricQuery {
            id: opt_text(m, &p, "id")?.map(str::to_string),
            expression: opt_text(m, &p, "expression")?.map(str::to_string),
            label: opt_text(m, &p, "label")?.map(str::to_string),
            return_data: opt_bool(m, &p, "returnData")?,
            ..MetricQuery::default()
        };
        if let Some(stat) = opt_obj(m, &p, "metricStat")? {
            let sp = key_path(&p, "metricStat");
            q.stat = opt_text(stat, &sp, "stat")?.map(str::to_string);
            q.period = opt_f64(stat, &sp, "period")?;
            q.unit = opt_text(stat, &sp, "unit")?.map(str::to_string);
            if let Some(metric) = opt_obj(stat, &sp, "metric")? {
                let mp = key_path(&sp, "metric");
                q.namespace = opt_text(metric, &mp, "namespace")?.map(str::to_string);
                q.name = opt_text(metric, &mp, "name")?.map(str::to_string);
                q.dimensions = dimensions(opt(metric, "dimensions"), &key_path(&mp, "dimensions"))?;
            }
        }
        out.push(q);
    }
    Ok(out)
}

/// Metric dimensions: an object `{name: value}` (EventBridge) or a list of
/// `{"name": …, "value": …}` (SNS; either capitalisation).
pub(crate) fn dimensions(
    value: Option<&Value>,
    path: &str,
) -> Result<BTreeMap<String, String>, IntakeError> {
    let mut out = BTreeMap::new();
    match value {
        None => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                let text = scalar_text(v)
                    .ok_or_else(|| super::fields::wrong_type(&key_path(path, k), "a string", v))?;
                out.insert(k.trim().to_string(), text);
            }
        }
        Some(Value::Array(list)) => {
            for (i, item) in list.iter().enumerate() {
                let p = index_path(path, i);
                let d = as_object(item, &p)?;
                let name = opt_text(d, &p, "name")?.or(opt_text(d, &p, "Name")?);
                let value = opt_text(d, &p, "value")?.or(opt_text(d, &p, "Value")?);
                match (name, value) {
                    (Some(n), Some(v)) => {
                        out.insert(n.to_string(), v.to_string());
                    }
                    (None, _) => {
                        return Err(IntakeError::Missing {
                            path: key_path(&p, "name"),
                        })
                    }
                    (Some(_), None) => {
                        return Err(IntakeError::Missing {
                            path: key_path(&p, "value"),
                        })
                    }
                }
            }
        }
        Some(other) => {
            return Err(super::fields::wrong_type(
                path,
                "an object or an array",
                other,
            ))
        }
    }
    Ok(out)
}

/// Composite children from a state's `reasonData` (`{"triggeringAlarms": [{arn, state}]}`);
/// best effort: reason data is free text for other alarm types.
pub(crate) fn children_from_reason_data(reason_data: Option<&str>) -> Vec<Child> {
    let Some(parsed) = reason_data.and_then(|r| serde_json::from_str::<Value>(r).ok()) else {
        return Vec::new();
    };
    let Some(list) = parsed.get("triggeringAlarms").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|c| {
            let arn = c.get("arn")?.as_str()?;
            let state = c.get("state");
            Some(Child {
                arn: arn::normalize(arn),
                state: state
                    .and_then(|s| s.get("value"))
                    .and_then(Value::as_str)
                    .map(state_value),
                timestamp: state
                    .and_then(|s| s.get("timestamp"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
            })
        })
        .collect()
}

impl AlarmChange {
    /// Fill the parts EventBridge and Lambda alarm actions share (`detail` / `alarmData`).
    pub(crate) fn from_camel(
        delivery: &'static str,
        body: &Obj,
        path: &str,
        fallback_time: Option<DateTime<Utc>>,
    ) -> Result<Self, IntakeError> {
        use super::fields::{opt_str, parse_time, req_obj, req_str};
        let name = req_str(body, path, "alarmName")?;
        let state_path = key_path(path, "state");
        let state = req_obj(body, path, "state")?;
        let value = state_value(req_str(state, &state_path, "value")?);
        let value_path = key_path(&state_path, "value");
        status(&value, &value_path)?;
        let timestamp = match opt_text(state, &state_path, "timestamp")? {
            Some(t) => parse_time(t, &key_path(&state_path, "timestamp"))?,
            None => fallback_time.ok_or_else(|| IntakeError::Missing {
                path: key_path(&state_path, "timestamp"),
            })?,
        };
        let reason_data = opt_str(state, &state_path, "reasonData")?.map(str::to_string);
        let previous = opt_obj(body, path, "previousState")?;
        let previous_state = match previous {
            Some(p) => opt_text(p, &key_path(path, "previousState"), "value")?.map(state_value),
            None => None,
        };
        let config_path = key_path(path, "configuration");
        let configuration = opt_obj(body, path, "configuration")?;
        let (description, metrics, alarm_rule) = match configuration {
            Some(c) => (
                opt_text(c, &config_path, "description")?.map(str::to_string),
                match opt_arr(c, &config_path, "metrics")? {
                    Some(list) => metrics_camel(list, &key_path(&config_path, "metrics"))?,
                    None => Vec::new(),
                },
                opt_text(c, &config_path, "alarmRule")?.map(str::to_string),
            ),
            None => (None, Vec::new(), None),
        };
        let children = children_from_reason_data(reason_data.as_deref());
        Ok(Self {
            delivery,
            alarm_name: name.to_string(),
            alarm_arn: None,
            account: None,
            region: None,
            description,
            state: value,
            state_path: value_path,
            previous_state,
            reason: opt_text(state, &state_path, "reason")?.map(str::to_string),
            reason_data,
            timestamp,
            metrics,
            threshold: None,
            comparison: None,
            threshold_metric_id: None,
            alarm_rule,
            children,
            actions_suppressed_by: opt_text(state, &state_path, "actionsSuppressedBy")?
                .map(str::to_string),
        })
    }

    /// Fill account, region and ARN, preferring what the ARN itself says.
    pub(crate) fn set_identity(
        &mut self,
        alarm_arn: Option<&str>,
        account: Option<&str>,
        region: Option<&str>,
    ) {
        let parsed = alarm_arn.and_then(Arn::parse);
        self.alarm_arn = alarm_arn.map(arn::normalize).filter(|a| !a.is_empty());
        self.account = super::fields::account_id(account).or_else(|| {
            parsed
                .as_ref()
                .and_then(|a| super::fields::account_id(Some(&a.account)))
        });
        self.region = parsed
            .as_ref()
            .and_then(|a| a.region_code().map(str::to_string))
            .or_else(|| super::fields::region_code(region));
    }

    fn alarm_type(&self) -> &'static str {
        let anomaly = self.threshold_metric_id.is_some()
            || self.metrics.iter().any(|m| {
                m.expression
                    .as_deref()
                    .is_some_and(|e| e.to_ascii_uppercase().contains("ANOMALY_DETECTION_BAND"))
            });
        if self.alarm_rule.is_some() || !self.children.is_empty() {
            "composite"
        } else if anomaly {
            "anomaly-detection"
        } else if self.metrics.len() > 1 || self.metrics.iter().any(|m| m.expression.is_some()) {
            "metric-math"
        } else {
            "metric"
        }
    }

    fn source_id(&self) -> String {
        match &self.alarm_arn {
            Some(a) => a.clone(),
            None => match (&self.region, &self.account) {
                (Some(r), Some(a)) => {
                    format!("arn:aws:cloudwatch:{r}:{a}:alarm:{}", self.alarm_name)
                }
                _ => format!("alarm:{}", self.alarm_name),
            },
        }
    }

    pub(crate) fn into_alert(self) -> Result<Alert, IntakeError> {
        let mut status = status(&self.state, &self.state_path)?;
        if status == AlertStatus::Firing && self.actions_suppressed_by.is_some() {
            status = AlertStatus::Informational;
        }
        let source_id = self.source_id();
        let alarm_type = self.alarm_type();
        let region = self.region.clone();

        let mut labels = BTreeMap::new();
        labels.insert("alarm_name".to_string(), self.alarm_name.clone());
        labels.insert("alarm_type".to_string(), alarm_type.to_string());
        labels.insert("state".to_string(), self.state.clone());
        labels.insert("delivery".to_string(), self.delivery.to_string());
        if let Some(p) = &self.previous_state {
            labels.insert("previous_state".to_string(), p.clone());
        }
        if let Some(s) = &self.actions_suppressed_by {
            labels.insert("actions_suppressed_by".to_string(), s.clone());
        }
        let named: Vec<&MetricQuery> = self.metrics.iter().filter(|m| m.name.is_some()).collect();
        if let Some(first) = named.first() {
            labels.insert(
                "metric_name".to_string(),
                first.name.clone().unwrap_or_default(),
            );
            if let Some(ns) = &first.namespace {
                labels.insert("namespace".to_string(), ns.clone());
            }
        }
        let mut names: Vec<&str> = Vec::new();
        for m in &named {
            if let Some(n) = m.name.as_deref() {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        if names.len() > 1 {
            labels.insert("metric_names".to_string(), names.join(","));
        }
        let returned = self
            .metrics
            .iter()
            .filter(|m| m.expression.is_some())
            .find(|m| m.return_data != Some(false) && !is_band(m))
            .or_else(|| self.metrics.iter().find(|m| m.expression.is_some()));
        if let Some(e) = returned.and_then(|m| m.expression.clone()) {
            labels.insert("expression".to_string(), e);
        }

        let mut resources = Vec::new();
        let mut alarm_ref = arn::resource(&source_id, region.as_deref());
        alarm_ref.kind = ResourceKind::Other;
        resources.push(alarm_ref);
        for m in &self.metrics {
            for (dim, value) in &m.dimensions {
                if let Some(mut r) = dimension_resource(m.namespace.as_deref(), dim, value) {
                    let label = match r.kind {
                        ResourceKind::ModelEndpoint => "endpoint_name",
                        ResourceKind::Function => "function_name",
                        _ => "bucket_name",
                    };
                    labels
                        .entry(label.to_string())
                        .or_insert_with(|| value.clone());
                    r.region = region.clone();
                    push_unique(&mut resources, r);
                }
            }
        }
        for child in &self.children {
            let mut r = arn::resource(&child.arn, region.as_deref());
            r.kind = ResourceKind::Other;
            push_unique(&mut resources, r);
        }

        let mut evidence = Vec::new();
        let reason_detail = self
            .reason_data
            .as_deref()
            .map(|r| {
                serde_json::from_str::<Value>(r).unwrap_or_else(|_| Value::String(r.to_string()))
            })
            .unwrap_or(Value::Null);
        evidence.push(Evidence {
            label: "alarm-state".to_string(),
            summary: format!(
                "{} → {}: {}",
                self.previous_state.as_deref().unwrap_or("?"),
                self.state,
                self.reason.as_deref().unwrap_or("no reason given")
            ),
            detail: json!({
                "state": self.state,
                "previous_state": self.previous_state,
                "reason": self.reason,
                "reason_data": reason_detail,
                "timestamp": super::fields::canonical_time(self.timestamp),
                "threshold": self.threshold,
                "comparison_operator": self.comparison,
                "threshold_metric_id": self.threshold_metric_id,
                "alarm_rule": self.alarm_rule,
                "actions_suppressed_by": self.actions_suppressed_by,
            }),
        });
        for m in &self.metrics {
            evidence.push(Evidence {
                label: "metric".to_string(),
                summary: metric_summary(m),
                detail: json!({
                    "id": m.id,
                    "namespace": m.namespace,
                    "metric_name": m.name,
                    "dimensions": m.dimensions,
                    "stat": m.stat,
                    "period": m.period,
                    "unit": m.unit,
                    "expression": m.expression,
                    "label": m.label,
                    "return_data": m.return_data,
                }),
            });
        }
        for child in &self.children {
            evidence.push(Evidence {
                label: "triggering-alarm".to_string(),
                summary: format!("{} is {}", child.arn, child.state.as_deref().unwrap_or("?")),
                detail: json!({ "arn": child.arn, "state": child.state, "timestamp": child.timestamp }),
            });
        }

        Ok(Alert {
            source: AlertSource::CloudwatchAlarm,
            source_id,
            occurrence: super::fields::canonical_time(self.timestamp),
            status,
            title: self.alarm_name,
            description: self.description,
            occurred_at: self.timestamp,
            account: self.account,
            region,
            kind: None,
            severity: None,
            resources,
            evidence,
            labels,
        })
    }
}

fn is_band(m: &MetricQuery) -> bool {
    m.expression
        .as_deref()
        .is_some_and(|e| e.to_ascii_uppercase().contains("ANOMALY_DETECTION_BAND"))
}

fn metric_summary(m: &MetricQuery) -> String {
    if let Some(e) = &m.expression {
        let label = m
            .label
            .as_deref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default();
        return format!("{}: {e}{label}", m.id.as_deref().unwrap_or("expression"));
    }
    let dims = m
        .dimensions
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let mut s = format!(
        "{} {}",
        m.namespace.as_deref().unwrap_or("?"),
        m.name.as_deref().unwrap_or("?")
    );
    if !dims.is_empty() {
        s.push_str(&format!(" [{dims}]"));
    }
    if let Some(stat) = &m.stat {
        s.push_str(&format!(" {stat}"));
    }
    if let Some(p) = m.period {
        s.push_str(&format!(" over {p}s"));
    }
    s
}

/// A resource named by a metric dimension, when it is one aiir can act on.
fn dimension_resource(
    namespace: Option<&str>,
    dimension: &str,
    value: &str,
) -> Option<ResourceRef> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let sagemaker_ns =
        namespace.is_some_and(|n| n.to_ascii_lowercase().starts_with("aws/sagemaker"));
    let kind = match dimension {
        "EndpointName" => ResourceKind::ModelEndpoint,
        "Endpoint" if sagemaker_ns => ResourceKind::ModelEndpoint,
        "FunctionName" => ResourceKind::Function,
        "BucketName" => ResourceKind::Bucket,
        _ => return None,
    };
    Some(ResourceRef::new(kind, value))
}

pub(crate) fn push_unique(resources: &mut Vec<ResourceRef>, r: ResourceRef) {
    if !resources.iter().any(|x| x.kind == r.kind && x.id == r.id) {
        resources.push(r);
    }
}
