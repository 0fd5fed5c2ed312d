//! Azure Monitor alerts in the common alert schema (`schemaId` `azureMonitorCommonAlertSchema`),
//! as action groups deliver them to a webhook or an Azure Function.
//!
//! Covered: metric alerts (static and dynamic thresholds, availability tests), log search
//! alerts (v1 `Log Analytics` / `Application Insights`, and `Log Alerts V2`), activity log
//! alerts (`Activity Log - Administrative` / `Policy` / `Autoscale` / `Security`), Service
//! Health and Resource Health.
//!
//! Mapping:
//! - `source` = `azure-monitor`; `source_id` = `essentials.alertId` (one alert instance, shared by
//!   its `Fired` and `Resolved` notifications); `occurrence` = `{monitorCondition}@{time}` with
//!   the fired (or resolved) time in canonical form, so a redelivered notification has the same
//!   fingerprint and the resolution of an alert does not collide with its firing.
//! - `status`: `Fired` → `Firing`, `Resolved` → `Resolved` (never remediates). Service Health
//!   notices at stage `Resolved`/`RCA`/`Complete` are `Resolved`, and `Maintenance`/
//!   `Information`/`ActionRequired` notices `Informational`; Resource Health back to
//!   `Available` is `Resolved`, `Unknown` `Informational`.
//! - `severity`: `Sev0` critical, `Sev1` high, `Sev2` medium, `Sev3`/`Sev4` low: the rule
//!   author chose it. A custom property `aiir:severity` (and `aiir:kind`) overrides it, so an
//!   alert rule can state what kind of AI incident it detects. Service and Resource Health are
//!   `availability`; otherwise the kind is left to the playbook's `[[classify]]` rules.
//! - `resources`: `alertTargetIDs` by resource type (Azure ML online endpoints, Function/App
//!   Service apps, Key Vault secrets, storage accounts and containers; anything else `Other`),
//!   the activity log's `authorization.scope`, and dimensions: an ARM id value (log alerts split
//!   by `_ResourceId`) becomes that resource, an IP address under an IP-like name (`IP`,
//!   `ClientIP`, `CallerIpAddress` …) a `Caller`, a `PromptSignature`/`PromptHash` a `Prompt`.
//! - `labels`: `alert_rule`, `alert_id`, `signal_type`, `monitoring_service`,
//!   `monitor_condition`, `severity` (as `SevN`), `condition_type`, `metric_name`,
//!   `metric_namespace`, `operation_name`, `event_source`, `caller`, `status`,
//!   `incident_type`, `stage`, `tracking_id`, `health_status`, `dimension.{name}` and
//!   `custom.{key}` for custom properties.
use std::collections::BTreeMap;
use std::net::IpAddr;

use serde_json::{json, Value};

use crate::intake::aws::fields::{
    as_object, canonical_time, index_path, invalid, key_path, opt, opt_arr, opt_obj, opt_text,
    parse_time, req_obj, req_str, scalar_text, wrong_type, Obj,
};
use crate::intake::{clip, IntakeError};
use crate::model::{
    Alert, AlertSource, AlertStatus, Evidence, IncidentKind, ResourceKind, ResourceRef, Severity,
};

use super::resource_id::{resource_ref, subscription_of};

pub const SCHEMA_ID: &str = "azureMonitorCommonAlertSchema";

/// Longest label value kept (queries and descriptions can be long).
const LABEL_MAX: usize = 256;

/// Azure Monitor severity → aiir severity.
pub fn severity_for(sev: &str) -> Option<Severity> {
    match sev.trim().to_ascii_lowercase().as_str() {
        "sev0" | "0" => Some(Severity::Critical),
        "sev1" | "1" => Some(Severity::High),
        "sev2" | "2" => Some(Severity::Medium),
        "sev3" | "3" | "sev4" | "4" => Some(Severity::Low),
        _ => None,
    }
}

/// Which family of alert a `monitoringService` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Metric,
    LogV1,
    LogV2,
    ActivityLog,
    ServiceHealth,
    ResourceHealth,
    Other,
}

fn family(monitoring_service: &str, signal_type: Option<&str>, context: Option<&Obj>) -> Family {
    let m = monitoring_service.trim().to_ascii_lowercase();
    let has = |k: &str| context.is_some_and(|c| c.contains_key(k));
    if m == "servicehealth" || m == "service health" {
        Family::ServiceHealth
    } else if m == "resource health" || m == "resourcehealth" {
        Family::ResourceHealth
    } else if m.starts_with("activity log") {
        Family::ActivityLog
    } else if m == "log alerts v2" {
        Family::LogV2
    } else if has("SearchQuery") {
        Family::LogV1
    } else if has("conditionType") || signal_type.is_some_and(|s| s.eq_ignore_ascii_case("metric"))
    {
        Family::Metric
    } else {
        Family::Other
    }
}

fn set(labels: &mut BTreeMap<String, String>, key: &str, value: Option<&str>) {
    if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
        labels.insert(key.to_string(), clip(v, LABEL_MAX));
    }
}

fn push_unique(resources: &mut Vec<ResourceRef>, r: ResourceRef) {
    if !resources
        .iter()
        .any(|x| x.kind == r.kind && x.id.eq_ignore_ascii_case(&r.id))
    {
        resources.push(r);
    }
}

fn ip_like(name: &str) -> bool {
    let n: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(
        n.as_str(),
        "ip" | "clientip"
            | "callerip"
            | "calleripaddress"
            | "clientipaddress"
            | "sourceip"
            | "remoteip"
            | "ipaddress"
            | "clientipaddr"
    )
}

fn prompt_like(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "promptsignature" || n == "prompthash" || n == "prompt_signature"
}

/// Dimensions `[{name, value}]` → labels and resources.
fn dimensions(
    dims: &[Value],
    path: &str,
    labels: &mut BTreeMap<String, String>,
    resources: &mut Vec<ResourceRef>,
) -> Result<Vec<String>, IntakeError> {
    let mut shown = Vec::new();
    for (i, d) in dims.iter().enumerate() {
        let dp = index_path(path, i);
        let d = as_object(d, &dp)?;
        let name = req_str(d, &dp, "name")?;
        let value = opt(d, "value").and_then(scalar_text).unwrap_or_default();
        set(labels, &format!("dimension.{name}"), Some(&value));
        shown.push(format!("{name}={}", clip(&value, 64)));
        if value.starts_with("/subscriptions/") || value.starts_with("/SUBSCRIPTIONS/") {
            push_unique(resources, resource_ref(&value));
        } else if ip_like(name) {
            if let Ok(ip) = value.trim().parse::<IpAddr>() {
                push_unique(
                    resources,
                    ResourceRef::new(ResourceKind::Caller, ip.to_string()),
                );
            }
        } else if prompt_like(name) && !value.trim().is_empty() {
            push_unique(
                resources,
                ResourceRef::new(ResourceKind::Prompt, value.trim()),
            );
        }
    }
    Ok(shown)
}

/// Conditions of a metric or v2 log alert → evidence (one per `allOf` entry).
fn conditions(
    context: &Obj,
    path: &str,
    labels: &mut BTreeMap<String, String>,
    resources: &mut Vec<ResourceRef>,
    evidence: &mut Vec<Evidence>,
) -> Result<(), IntakeError> {
    set(
        labels,
        "condition_type",
        opt_text(context, path, "conditionType")?,
    );
    let Some(condition) = opt_obj(context, path, "condition")? else {
        return Ok(());
    };
    let cp = key_path(path, "condition");
    let all = opt_arr(condition, &cp, "allOf")?.unwrap_or(&[]);
    let ap = key_path(&cp, "allOf");
    for (i, c) in all.iter().enumerate() {
        let ip = index_path(&ap, i);
        let c = as_object(c, &ip)?;
        let metric = opt_text(c, &ip, "metricName")?;
        let query = opt_text(c, &ip, "searchQuery")?;
        if i == 0 {
            set(labels, "metric_name", metric);
            set(
                labels,
                "metric_namespace",
                opt_text(c, &ip, "metricNamespace")?,
            );
            set(labels, "web_test_name", opt_text(c, &ip, "webTestName")?);
        }
        let dims = match opt_arr(c, &ip, "dimensions")? {
            Some(d) => dimensions(d, &key_path(&ip, "dimensions"), labels, resources)?,
            None => Vec::new(),
        };
        let text = |k: &str| {
            opt(c, k)
                .and_then(scalar_text)
                .unwrap_or_else(|| "?".into())
        };
        let subject = metric
            .map(str::to_string)
            .or(query.map(|q| format!("query {:?}", clip(q, 80))))
            .unwrap_or_else(|| "condition".into());
        let mut summary = format!(
            "{subject} {} {} {}: value {}",
            text("timeAggregation"),
            text("operator"),
            text("threshold"),
            text("metricValue")
        );
        if let Some(sensitivity) = opt_text(c, &ip, "alertSensitivity")? {
            summary.push_str(&format!(" (dynamic threshold, {sensitivity} sensitivity)"));
        }
        if !dims.is_empty() {
            summary.push_str(&format!(" [{}]", dims.join(", ")));
        }
        // Portal and API links are long and carry nothing a responder acts on.
        let detail: serde_json::Map<String, Value> = c
            .iter()
            .filter(|(k, _)| !k.to_ascii_lowercase().starts_with("linkto"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        evidence.push(Evidence {
            label: if query.is_some() {
                "log-query"
            } else {
                "metric"
            }
            .into(),
            summary,
            detail: Value::Object(detail),
        });
    }
    Ok(())
}

/// Parse one common-schema alert (the whole payload, at `path`).
pub fn parse(obj: &Obj, path: &str) -> Result<Alert, IntakeError> {
    let schema = req_str(obj, path, "schemaId")?;
    if schema != SCHEMA_ID {
        return Err(invalid(
            &key_path(path, "schemaId"),
            schema,
            "only the common alert schema is accepted: enable it on the action group",
        ));
    }
    let dp = key_path(path, "data");
    let data = req_obj(obj, path, "data")?;
    let ep = key_path(&dp, "essentials");
    let ess = req_obj(data, &dp, "essentials")?;
    let alert_id = req_str(ess, &ep, "alertId")?;
    let rule = opt_text(ess, &ep, "alertRule")?.unwrap_or("(unnamed alert rule)");
    let condition = req_str(ess, &ep, "monitorCondition")?;
    let mut status = match condition.to_ascii_lowercase().as_str() {
        "fired" => AlertStatus::Firing,
        "resolved" => AlertStatus::Resolved,
        _ => {
            return Err(invalid(
                &key_path(&ep, "monitorCondition"),
                condition,
                "expected Fired or Resolved",
            ))
        }
    };
    let sev_text = req_str(ess, &ep, "severity")?;
    let mut severity =
        Some(severity_for(sev_text).ok_or_else(|| {
            invalid(&key_path(&ep, "severity"), sev_text, "expected Sev0 … Sev4")
        })?);
    let fired = parse_time(
        req_str(ess, &ep, "firedDateTime")?,
        &key_path(&ep, "firedDateTime"),
    )?;
    let resolved = match opt_text(ess, &ep, "resolvedDateTime")? {
        Some(t) => Some(parse_time(t, &key_path(&ep, "resolvedDateTime"))?),
        None => None,
    };
    let occurred_at = match status {
        AlertStatus::Resolved => resolved.unwrap_or(fired),
        _ => fired,
    };
    let monitoring_service = opt_text(ess, &ep, "monitoringService")?.unwrap_or("");
    let signal_type = opt_text(ess, &ep, "signalType")?;

    let mut labels = BTreeMap::new();
    set(&mut labels, "alert_rule", Some(rule));
    set(&mut labels, "alert_id", Some(alert_id));
    set(&mut labels, "signal_type", signal_type);
    set(&mut labels, "monitoring_service", Some(monitoring_service));
    set(&mut labels, "monitor_condition", Some(condition));
    set(&mut labels, "severity", Some(sev_text));
    set(
        &mut labels,
        "origin_alert_id",
        opt_text(ess, &ep, "originAlertId")?,
    );

    let mut resources = Vec::new();
    let tp = key_path(&ep, "alertTargetIDs");
    for (i, t) in opt_arr(ess, &ep, "alertTargetIDs")?
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        match t {
            Value::String(s) if !s.trim().is_empty() => {
                push_unique(&mut resources, resource_ref(s))
            }
            Value::String(_) => {}
            other => return Err(wrong_type(&index_path(&tp, i), "a string", other)),
        }
    }

    let cxp = key_path(&dp, "alertContext");
    let context = opt_obj(data, &dp, "alertContext")?;
    let fam = family(monitoring_service, signal_type, context);
    let mut evidence = Vec::new();
    let mut kind = None;
    let mut title = rule.to_string();
    let empty = Obj::new();
    let cx = context.unwrap_or(&empty);
    match fam {
        Family::Metric | Family::LogV2 => {
            conditions(cx, &cxp, &mut labels, &mut resources, &mut evidence)?;
        }
        Family::LogV1 => {
            let text = |k: &str| {
                opt(cx, k)
                    .and_then(scalar_text)
                    .unwrap_or_else(|| "?".into())
            };
            if let Some(dims) = opt_arr(cx, &cxp, "Dimensions")? {
                dimensions(
                    dims,
                    &key_path(&cxp, "Dimensions"),
                    &mut labels,
                    &mut resources,
                )?;
            }
            evidence.push(Evidence {
                label: "log-query".into(),
                summary: format!(
                    "{} results {} {} ({})",
                    text("ResultCount"),
                    text("Operator"),
                    text("Threshold"),
                    text("AlertType")
                ),
                detail: json!({
                    "SearchQuery": opt(cx, "SearchQuery"),
                    "ResultCount": opt(cx, "ResultCount"),
                    "Threshold": opt(cx, "Threshold"),
                    "Operator": opt(cx, "Operator"),
                    "SearchIntervalStartTimeUtc": opt(cx, "SearchIntervalStartTimeUtc"),
                    "SearchIntervalEndtimeUtc": opt(cx, "SearchIntervalEndtimeUtc"),
                }),
            });
        }
        Family::ActivityLog | Family::ServiceHealth | Family::ResourceHealth => {
            let text = |k: &str| opt(cx, k).and_then(scalar_text).filter(|s| !s.is_empty());
            set(
                &mut labels,
                "operation_name",
                text("operationName").as_deref(),
            );
            set(&mut labels, "event_source", text("eventSource").as_deref());
            set(&mut labels, "caller", text("caller").as_deref());
            set(&mut labels, "status", text("status").as_deref());
            set(&mut labels, "level", text("level").as_deref());
            if let Some(auth) = opt_obj(cx, &cxp, "authorization")? {
                let ap = key_path(&cxp, "authorization");
                if let Some(scope) = opt_text(auth, &ap, "scope")? {
                    if scope.to_ascii_lowercase().contains("/providers/") {
                        push_unique(&mut resources, resource_ref(scope));
                    }
                }
                set(
                    &mut labels,
                    "authorization_action",
                    opt_text(auth, &ap, "action")?,
                );
            }
            let pp = key_path(&cxp, "properties");
            let props = opt_obj(cx, &cxp, "properties")?.unwrap_or(&empty);
            let prop = |k: &str| {
                opt(props, k)
                    .and_then(scalar_text)
                    .filter(|s| !s.is_empty())
            };
            match fam {
                Family::ServiceHealth => {
                    kind = Some(IncidentKind::Availability);
                    let incident_type = prop("incidentType");
                    let stage = prop("stage");
                    set(&mut labels, "incident_type", incident_type.as_deref());
                    set(&mut labels, "stage", stage.as_deref());
                    set(&mut labels, "tracking_id", prop("trackingId").as_deref());
                    set(&mut labels, "service", prop("service").as_deref());
                    set(&mut labels, "service_region", prop("region").as_deref());
                    if let Some(t) = prop("title") {
                        title = format!("{rule}: {t}");
                    }
                    let stage_l = stage.unwrap_or_default().to_ascii_lowercase();
                    let type_l = incident_type.unwrap_or_default().to_ascii_lowercase();
                    if status == AlertStatus::Firing {
                        if matches!(
                            stage_l.as_str(),
                            "resolved" | "rca" | "complete" | "completed"
                        ) {
                            status = AlertStatus::Resolved;
                        } else if matches!(
                            type_l.as_str(),
                            "maintenance" | "information" | "informational" | "actionrequired"
                        ) {
                            status = AlertStatus::Informational;
                        }
                    }
                    evidence.push(Evidence {
                        label: "service-health".into(),
                        summary: format!(
                            "{} {}: {} ({})",
                            prop("incidentType").unwrap_or_else(|| "notice".into()),
                            prop("trackingId").unwrap_or_default(),
                            prop("title").unwrap_or_default(),
                            prop("stage").unwrap_or_default()
                        ),
                        detail: Value::Object(props.clone()),
                    });
                }
                Family::ResourceHealth => {
                    kind = Some(IncidentKind::Availability);
                    let current = prop("currentHealthStatus");
                    set(&mut labels, "health_status", current.as_deref());
                    set(
                        &mut labels,
                        "previous_health_status",
                        prop("previousHealthStatus").as_deref(),
                    );
                    set(&mut labels, "cause", prop("cause").as_deref());
                    if let Some(t) = prop("title") {
                        title = format!("{rule}: {t}");
                    }
                    if status == AlertStatus::Firing {
                        match current.unwrap_or_default().to_ascii_lowercase().as_str() {
                            "available" => status = AlertStatus::Resolved,
                            "unknown" => status = AlertStatus::Informational,
                            _ => {}
                        }
                    }
                    evidence.push(Evidence {
                        label: "resource-health".into(),
                        summary: format!(
                            "{} → {}: {}",
                            prop("previousHealthStatus").unwrap_or_else(|| "?".into()),
                            prop("currentHealthStatus").unwrap_or_else(|| "?".into()),
                            prop("title").unwrap_or_default()
                        ),
                        detail: Value::Object(props.clone()),
                    });
                }
                _ => {
                    let _ = &pp;
                    evidence.push(Evidence {
                        label: "activity-log".into(),
                        summary: format!(
                            "{} by {}: {}",
                            text("operationName").unwrap_or_else(|| "operation".into()),
                            text("caller").unwrap_or_else(|| "unknown caller".into()),
                            text("status").unwrap_or_else(|| "?".into())
                        ),
                        detail: json!({
                            "eventSource": opt(cx, "eventSource"),
                            "operationName": opt(cx, "operationName"),
                            "eventDataId": opt(cx, "eventDataId"),
                            "correlationId": opt(cx, "correlationId"),
                            "eventTimestamp": opt(cx, "eventTimestamp"),
                            "properties": opt(cx, "properties"),
                        }),
                    });
                }
            }
        }
        Family::Other => {}
    }

    // Custom properties: metric alerts put them in `customProperties`, log alerts v2 in
    // `alertContext.properties`.
    let mut custom = BTreeMap::new();
    for (source, sp) in [
        (
            opt_obj(data, &dp, "customProperties")?,
            key_path(&dp, "customProperties"),
        ),
        (
            if matches!(fam, Family::Metric | Family::LogV2) {
                opt_obj(cx, &cxp, "properties")?
            } else {
                None
            },
            key_path(&cxp, "properties"),
        ),
    ] {
        for (k, v) in source.into_iter().flatten() {
            if let Some(text) = scalar_text(v) {
                custom.insert(k.clone(), (text, key_path(&sp, k)));
            }
        }
    }
    for (k, (v, vp)) in &custom {
        set(&mut labels, &format!("custom.{k}"), Some(v));
        if k.eq_ignore_ascii_case("aiir:kind") {
            kind = Some(
                serde_json::from_value(Value::String(v.to_ascii_lowercase()))
                    .map_err(|_| invalid(vp, v, "not an incident kind (model-drift, prompt-attack, data-leakage, model-integrity, exposure, availability, cost)"))?,
            );
        } else if k.eq_ignore_ascii_case("aiir:severity") {
            severity = Some(
                serde_json::from_value(Value::String(v.to_ascii_lowercase()))
                    .map_err(|_| invalid(vp, v, "not a severity (critical, high, medium, low)"))?,
            );
        }
    }

    let account =
        subscription_of(alert_id).or_else(|| resources.iter().find_map(|r| subscription_of(&r.id)));
    let occurrence = format!(
        "{}@{}",
        match status {
            AlertStatus::Resolved if condition.eq_ignore_ascii_case("resolved") => "Resolved",
            _ => "Fired",
        },
        canonical_time(occurred_at)
    );
    Ok(Alert {
        source: AlertSource::AzureMonitor,
        source_id: alert_id.to_string(),
        occurrence,
        status,
        title,
        description: opt_text(ess, &ep, "description")?.map(|d| clip(d, 2048)),
        occurred_at,
        account,
        region: None,
        kind,
        severity,
        resources,
        evidence,
        labels,
    })
}

/// Does this object look like a common-schema alert?
pub(crate) fn is_common_alert(obj: &Obj) -> bool {
    obj.contains_key("schemaId") && obj.contains_key("data")
}
