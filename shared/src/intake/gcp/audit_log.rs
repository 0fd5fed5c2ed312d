//! Cloud Audit Logs: a `LogEntry` whose `protoPayload` is a `google.cloud.audit.AuditLog`
//! (Eventarc `google.cloud.audit.log.v1.written`, or a log sink to Pub/Sub).
//!
//! Mapping:
//! - `source_id` = `{serviceName}/{methodName}/{resourceName}`; `occurrence` =
//!   `{insertId}@{timestamp}` (Cloud Logging's de-duplication key for an entry).
//! - `status`: `Informational` when `protoPayload.status.code` is non-zero (the call failed,
//!   nothing changed); otherwise `Firing`.
//! - IAM changes (`SetIamPolicy`, `storage.setIamPermissions`): the binding deltas in
//!   `serviceData.policyDelta` (or `metadata.policyDelta`) are read; a binding `ADD`ed for
//!   `allUsers` or `allAuthenticatedUsers` makes the alert `exposure`, severity `high`
//!   (`critical` when the role can write). Other entries state no kind: the playbook decides.
//! - `resources`: `resourceName` (see [`super::resource`]): `projects/_/buckets/B` → bucket.
//! - `labels`: `service_name`, `method_name`, `principal`, `caller_ip`, `resource_type`,
//!   `log_name`, `granted` (`role member` pairs added, `;`-separated), `public_members`.
use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::intake::aws::fields::{
    self, canonical_time, index_path, key_path, opt_arr, opt_obj, opt_text, parse_time, req_obj,
    req_str, Obj,
};
use crate::intake::{clip, IntakeError};
use crate::model::{Alert, AlertSource, AlertStatus, Evidence, IncidentKind, Severity};

use super::resource::resource_from_name;

/// Principals that mean "anyone".
pub const PUBLIC_MEMBERS: [&str; 2] = ["allUsers", "allAuthenticatedUsers"];

/// Roles that let a public principal change data, not only read it.
fn role_can_write(role: &str) -> bool {
    let r = role.to_ascii_lowercase();
    r.ends_with("admin")
        || r.contains("writer")
        || r.contains("creator")
        || r.ends_with("owner")
        || r.ends_with("editor")
}

pub(crate) fn parse(entry: &Obj, path: &str) -> Result<Alert, IntakeError> {
    let pp = key_path(path, "protoPayload");
    let proto = req_obj(entry, path, "protoPayload")?;
    let service = opt_text(proto, &pp, "serviceName")?.unwrap_or("unknown-service");
    let method = req_str(proto, &pp, "methodName")?;
    let resource_name = opt_text(proto, &pp, "resourceName")?.unwrap_or("");
    let insert_id = req_str(entry, path, "insertId")?;
    let timestamp = parse_time(
        req_str(entry, path, "timestamp")?,
        &key_path(path, "timestamp"),
    )?;

    let sp = key_path(&pp, "status");
    let failed = match opt_obj(proto, &pp, "status")? {
        Some(status) => match fields::opt(status, "code") {
            None => false,
            Some(Value::Number(n)) => n.as_i64() != Some(0),
            Some(Value::String(s)) => s.trim() != "0" && !s.trim().is_empty(),
            Some(other) => {
                return Err(fields::wrong_type(
                    &key_path(&sp, "code"),
                    "a number",
                    other,
                ))
            }
        },
        None => false,
    };

    // IAM binding deltas.
    let mut granted = Vec::new();
    let mut public = Vec::new();
    let mut public_can_write = false;
    for container in ["serviceData", "metadata"] {
        let cp = key_path(&pp, container);
        let Some(c) = opt_obj(proto, &pp, container)? else {
            continue;
        };
        let dp = key_path(&cp, "policyDelta");
        let Some(delta) = opt_obj(c, &cp, "policyDelta")? else {
            continue;
        };
        let bp = key_path(&dp, "bindingDeltas");
        for (i, d) in opt_arr(delta, &dp, "bindingDeltas")?
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let p = index_path(&bp, i);
            let d = fields::as_object(d, &p)?;
            let action = opt_text(d, &p, "action")?.unwrap_or("");
            let role = opt_text(d, &p, "role")?.unwrap_or("");
            let member = opt_text(d, &p, "member")?.unwrap_or("");
            if !action.eq_ignore_ascii_case("ADD") {
                continue;
            }
            granted.push(format!("{} {}", clip(role, 100), clip(member, 100)));
            if PUBLIC_MEMBERS.contains(&member) {
                public.push(member.to_string());
                public_can_write |= role_can_write(role);
            }
        }
    }
    let (kind, severity) = if public.is_empty() {
        (None, None)
    } else if public_can_write {
        (Some(IncidentKind::Exposure), Some(Severity::Critical))
    } else {
        (Some(IncidentKind::Exposure), Some(Severity::High))
    };

    let mut labels = BTreeMap::new();
    labels.insert("service_name".into(), clip(service, 128));
    labels.insert("method_name".into(), clip(method, 128));
    let ap = key_path(&pp, "authenticationInfo");
    let principal = match opt_obj(proto, &pp, "authenticationInfo")? {
        Some(a) => opt_text(a, &ap, "principalEmail")?,
        None => None,
    };
    if let Some(p) = principal {
        labels.insert("principal".into(), clip(p, 256));
    }
    let rmp = key_path(&pp, "requestMetadata");
    if let Some(rm) = opt_obj(proto, &pp, "requestMetadata")? {
        if let Some(ip) = opt_text(rm, &rmp, "callerIp")? {
            labels.insert("caller_ip".into(), clip(ip, 64));
        }
    }
    let rp = key_path(path, "resource");
    let mut account = None;
    if let Some(res) = opt_obj(entry, path, "resource")? {
        if let Some(t) = opt_text(res, &rp, "type")? {
            labels.insert("resource_type".into(), clip(t, 128));
        }
        if let Some(l) = opt_obj(res, &rp, "labels")? {
            account = l
                .get("project_id")
                .and_then(fields::scalar_text)
                .filter(|s| !s.is_empty());
        }
    }
    if let Some(l) = opt_text(entry, path, "logName")? {
        labels.insert("log_name".into(), clip(l, 256));
    }
    if !granted.is_empty() {
        labels.insert("granted".into(), clip(&granted.join(";"), 1000));
    }
    if !public.is_empty() {
        public.dedup();
        labels.insert("public_members".into(), public.join(","));
    }
    let resources: Vec<_> = resource_from_name(resource_name).into_iter().collect();
    let title = if public.is_empty() {
        format!("{method} on {}", clip(resource_name, 200))
    } else {
        format!(
            "Public access granted on {} ({})",
            clip(resource_name, 200),
            public.join(", ")
        )
    };
    Ok(Alert {
        source: AlertSource::CloudAuditLog,
        source_id: format!("{service}/{method}/{resource_name}"),
        occurrence: format!("{insert_id}@{}", canonical_time(timestamp)),
        status: if failed {
            AlertStatus::Informational
        } else {
            AlertStatus::Firing
        },
        title,
        description: principal.map(|p| format!("called by {p}")),
        occurred_at: timestamp,
        account,
        region: None,
        kind,
        severity,
        resources,
        evidence: vec![Evidence {
            label: "cloud-audit-log".into(),
            summary: format!("{service} {method}"),
            detail: json!({ "insertId": insert_id, "granted": granted }),
        }],
        labels,
    })
}
