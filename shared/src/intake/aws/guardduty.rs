//! GuardDuty findings delivered by EventBridge (`detail-type` `GuardDuty Finding`).
//!
//! Mapping:
//! - `source_id` = finding `id`; `occurrence` = `updatedAt` (canonical form): GuardDuty
//!   updates a finding in place when activity repeats, and each update is a new occurrence,
//!   while an EventBridge redelivery repeats it. `occurred_at` = `updatedAt`.
//! - `status`: `Resolved` when `service.archived` is true, otherwise `Firing`. Sample
//!   findings (`service.additionalInfo.sample`) stay `Firing` and are labelled `sample=true`.
//! - `severity` from the numeric severity, by AWS's bands: 1.0–3.9 `Low`, 4.0–6.9 `Medium`,
//!   7.0–8.9 `High`, 9.0–10 `Critical`.
//! - `kind` from the finding type ([`kind_for_type`]): exfiltration types → `data-leakage`;
//!   S3 public/anonymous access policy findings → `exposure`; `CryptoCurrency:*` → `cost`;
//!   denial-of-service types → `availability`; otherwise `None` (the playbook classifies,
//!   e.g. on the `finding_type` label).
//! - `resources`: `s3BucketDetails` → `Bucket` (name) and their `s3ObjectDetails` →
//!   `Object` (`bucket/key`); `lambdaDetails` → `Function` (ARN); `instanceDetails` and
//!   `accessKeyDetails` → `Other` (instance id / access key id); resource tags are kept so
//!   playbook exclusions (`aiir:exempt`) apply. Remote IPs of the action become `Caller`s
//!   only when the affected resource was the target (`resourceRole` is not `ACTOR`).
//! - `labels`: `finding_type`, `finding_id`, `threat_purpose`, `resource_type`,
//!   `resource_role`, `detector_id`, `severity_score`, `sample`.
use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::intake::IntakeError;
use crate::model::{
    Alert, AlertSource, AlertStatus, Evidence, IncidentKind, ResourceKind, ResourceRef, Severity,
};

use super::alarm::push_unique;
use super::arn;
use super::fields::{
    account_id, as_object, canonical_time, index_path, invalid, key_path, opt, opt_arr, opt_bool,
    opt_f64, opt_obj, opt_text, parse_time, region_code, req_obj, req_str, Obj,
};

pub(crate) const DETAIL_TYPE: &str = "GuardDuty Finding";

/// AWS's GuardDuty severity bands.
pub fn severity_for_score(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else {
        Severity::Low
    }
}

/// Incident kind implied by a GuardDuty finding type
/// (`ThreatPurpose:ResourceType/ThreatFamily.Mechanism!Artifact`), when it is clear.
pub fn kind_for_type(finding_type: &str) -> Option<IncidentKind> {
    let t = finding_type.trim();
    let lower = t.to_ascii_lowercase();
    if lower.contains("exfiltration") {
        Some(IncidentKind::DataLeakage)
    } else if lower.starts_with("policy:s3/")
        && (lower.contains("public") || lower.contains("anonymous"))
    {
        Some(IncidentKind::Exposure)
    } else if lower.starts_with("cryptocurrency:") {
        Some(IncidentKind::Cost)
    } else if lower.contains("denialofservice") || lower.contains("/dos") {
        Some(IncidentKind::Availability)
    } else {
        None
    }
}

/// `event` is the whole EventBridge event at `path`.
pub(crate) fn parse(event: &Obj, path: &str) -> Result<Alert, IntakeError> {
    let dp = key_path(path, "detail");
    let detail = req_obj(event, path, "detail")?;
    parse_finding(
        detail,
        &dp,
        opt_text(event, path, "account")?,
        opt_text(event, path, "region")?,
    )
}

pub(crate) fn parse_finding(
    f: &Obj,
    path: &str,
    event_account: Option<&str>,
    event_region: Option<&str>,
) -> Result<Alert, IntakeError> {
    let id = req_str(f, path, "id")?;
    let finding_type = req_str(f, path, "type")?;
    let title = opt_text(f, path, "title")?.unwrap_or(finding_type);
    let sp = key_path(path, "severity");
    let score =
        opt_f64(f, path, "severity")?.ok_or_else(|| IntakeError::Missing { path: sp.clone() })?;
    if !(0.0..=10.0).contains(&score) {
        return Err(invalid(
            &sp,
            &score.to_string(),
            "GuardDuty severity is between 0 and 10",
        ));
    }
    let updated_path = key_path(path, "updatedAt");
    let updated = match opt_text(f, path, "updatedAt")? {
        Some(t) => parse_time(t, &updated_path)?,
        None => match opt_text(f, path, "createdAt")? {
            Some(t) => parse_time(t, &key_path(path, "createdAt"))?,
            None => return Err(IntakeError::Missing { path: updated_path }),
        },
    };
    let account = account_id(opt_text(f, path, "accountId")?).or_else(|| account_id(event_account));
    let region = region_code(opt_text(f, path, "region")?).or_else(|| region_code(event_region));

    let svp = key_path(path, "service");
    let service = opt_obj(f, path, "service")?;
    let empty = Obj::new();
    let service_obj = service.unwrap_or(&empty);
    let archived = opt_bool(service_obj, &svp, "archived")?.unwrap_or(false);
    let resource_role = opt_text(service_obj, &svp, "resourceRole")?;
    let sample = match opt_obj(service_obj, &svp, "additionalInfo")? {
        Some(info) => matches!(opt(info, "sample"), Some(Value::Bool(true))),
        None => false,
    };

    let mut labels = BTreeMap::new();
    labels.insert("finding_type".to_string(), finding_type.to_string());
    labels.insert("finding_id".to_string(), id.to_string());
    if let Some((purpose, _)) = finding_type.split_once(':') {
        labels.insert("threat_purpose".to_string(), purpose.to_string());
    }
    labels.insert("severity_score".to_string(), score.to_string());
    if let Some(d) = opt_text(service_obj, &svp, "detectorId")? {
        labels.insert("detector_id".to_string(), d.to_string());
    }
    if let Some(role) = resource_role {
        labels.insert("resource_role".to_string(), role.to_string());
    }
    if sample {
        labels.insert("sample".to_string(), "true".to_string());
    }

    let mut resources = Vec::new();
    let rp = key_path(path, "resource");
    if let Some(resource) = opt_obj(f, path, "resource")? {
        if let Some(t) = opt_text(resource, &rp, "resourceType")? {
            labels.insert("resource_type".to_string(), t.to_string());
        }
        resources_of(resource, &rp, region.as_deref(), &mut resources)?;
    }
    if resource_role != Some("ACTOR") {
        if let Some(action) = opt_obj(service_obj, &svp, "action")? {
            for ip in remote_ips(action) {
                let mut caller = ResourceRef::new(ResourceKind::Caller, ip);
                caller.region = region.clone();
                push_unique(&mut resources, caller);
            }
        }
    }

    let evidence = vec![Evidence {
        label: "guardduty-finding".to_string(),
        summary: format!("{finding_type} (severity {score})"),
        detail: json!({
            "id": id,
            "arn": opt(f, "arn"),
            "type": finding_type,
            "severity": score,
            "count": opt(service_obj, "count"),
            "event_first_seen": opt(service_obj, "eventFirstSeen"),
            "event_last_seen": opt(service_obj, "eventLastSeen"),
            "action": opt(service_obj, "action"),
        }),
    }];

    Ok(Alert {
        source: AlertSource::Guardduty,
        source_id: id.to_string(),
        occurrence: canonical_time(updated),
        status: if archived {
            AlertStatus::Resolved
        } else {
            AlertStatus::Firing
        },
        title: title.to_string(),
        description: opt_text(f, path, "description")?.map(str::to_string),
        occurred_at: updated,
        account,
        region,
        kind: kind_for_type(finding_type),
        severity: Some(severity_for_score(score)),
        resources,
        evidence,
        labels,
    })
}

/// GuardDuty tags: `[{"key": …, "value": …}]`.
fn tags(obj: &Obj, path: &str) -> Result<BTreeMap<String, String>, IntakeError> {
    let mut out = BTreeMap::new();
    let tp = key_path(path, "tags");
    for (i, t) in opt_arr(obj, path, "tags")?
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let p = index_path(&tp, i);
        let t = as_object(t, &p)?;
        if let Some(k) = opt_text(t, &p, "key")? {
            let v = opt_text(t, &p, "value")?.unwrap_or_default();
            out.insert(k.to_string(), v.to_string());
        }
    }
    Ok(out)
}

fn with_tags(
    mut r: ResourceRef,
    tags: BTreeMap<String, String>,
    region: Option<&str>,
) -> ResourceRef {
    r.tags = tags;
    if r.region.is_none() {
        r.region = region.map(str::to_string);
    }
    r
}

fn resources_of(
    resource: &Obj,
    path: &str,
    region: Option<&str>,
    out: &mut Vec<ResourceRef>,
) -> Result<(), IntakeError> {
    let bp = key_path(path, "s3BucketDetails");
    for (i, b) in opt_arr(resource, path, "s3BucketDetails")?
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let p = index_path(&bp, i);
        let b = as_object(b, &p)?;
        let name = match (opt_text(b, &p, "name")?, opt_text(b, &p, "arn")?) {
            (Some(n), _) => n.to_string(),
            (None, Some(a)) => arn::resource(a, region).id,
            (None, None) => continue,
        };
        let bucket_tags = tags(b, &p)?;
        let op = key_path(&p, "s3ObjectDetails");
        for (j, o) in opt_arr(b, &p, "s3ObjectDetails")?
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let q = index_path(&op, j);
            if let Some(key) = opt_text(as_object(o, &q)?, &q, "key")? {
                let object = ResourceRef::new(ResourceKind::Object, format!("{name}/{key}"));
                push_unique(out, with_tags(object, BTreeMap::new(), region));
            }
        }
        push_unique(
            out,
            with_tags(
                ResourceRef::new(ResourceKind::Bucket, name),
                bucket_tags,
                region,
            ),
        );
    }
    if let Some(l) = opt_obj(resource, path, "lambdaDetails")? {
        let lp = key_path(path, "lambdaDetails");
        let r = match (
            opt_text(l, &lp, "functionArn")?,
            opt_text(l, &lp, "functionName")?,
        ) {
            (Some(a), _) => Some(arn::resource(a, region)),
            (None, Some(n)) => Some(ResourceRef::new(ResourceKind::Function, n)),
            (None, None) => None,
        };
        if let Some(r) = r {
            push_unique(out, with_tags(r, tags(l, &lp)?, region));
        }
    }
    if let Some(inst) = opt_obj(resource, path, "instanceDetails")? {
        let ip = key_path(path, "instanceDetails");
        if let Some(id) = opt_text(inst, &ip, "instanceId")? {
            push_unique(
                out,
                with_tags(
                    ResourceRef::new(ResourceKind::Other, id),
                    tags(inst, &ip)?,
                    region,
                ),
            );
        }
    }
    if let Some(key) = opt_obj(resource, path, "accessKeyDetails")? {
        let kp = key_path(path, "accessKeyDetails");
        if let Some(id) = opt_text(key, &kp, "accessKeyId")?.or(opt_text(key, &kp, "userName")?) {
            push_unique(
                out,
                with_tags(
                    ResourceRef::new(ResourceKind::Other, id),
                    BTreeMap::new(),
                    region,
                ),
            );
        }
    }
    Ok(())
}

/// Remote IPv4/IPv6 addresses in a GuardDuty `service.action` (one level of action objects,
/// plus port-probe details).
fn remote_ips(action: &Obj) -> Vec<String> {
    let mut ips = Vec::new();
    let mut take = |details: Option<&Value>| {
        let Some(d) = details.and_then(Value::as_object) else {
            return;
        };
        for key in ["ipAddressV4", "ipAddressV6"] {
            if let Some(ip) = d.get(key).and_then(Value::as_str).map(str::trim) {
                if ip.parse::<std::net::IpAddr>().is_ok() && !ips.iter().any(|x: &String| x == ip) {
                    ips.push(ip.to_string());
                }
            }
        }
    };
    for value in action.values() {
        let Some(a) = value.as_object() else { continue };
        take(a.get("remoteIpDetails"));
        if let Some(probes) = a.get("portProbeDetails").and_then(Value::as_array) {
            for probe in probes {
                take(probe.get("remoteIpDetails"));
            }
        }
    }
    ips
}
