//! Security Command Center notifications (Pub/Sub): `{"notificationConfigName",
//! "finding": {…}, "resource": {…}}`.
//!
//! Mapping:
//! - `source_id` = `finding.name`; `occurrence` = `finding.eventTime` (canonical form): a
//!   finding re-detected later is a new occurrence, a redelivery is not.
//! - `status`: `state` `ACTIVE` → `Firing`, `INACTIVE` → `Resolved`; a `MUTED` finding is
//!   `Informational`.
//! - `severity` from `finding.severity` (`CRITICAL`/`HIGH`/`MEDIUM`/`LOW`), else from
//!   `sourceProperties.SeverityLevel` (Security Health Analytics' older field).
//! - `kind` ([`kind_for_category`]): public-access categories → `exposure`; exfiltration
//!   and leaked-credential categories → `data-leakage`; prompt-injection / jailbreak
//!   categories (AI Protection, Model Armor) → `prompt-attack`; otherwise `None` (other
//!   misconfigurations must not trigger `lock-public-access` by themselves).
//! - `resources`: `finding.resourceName` (see [`super::resource`]) with the finding's
//!   security marks as tags.
//! - `labels`: `finding_id` (the last path segment), `category`, `finding_class`,
//!   `state`, `severity_label`, `notification_config`, `project_id`, `mark:KEY`.
use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::intake::aws::fields::{
    self, canonical_time, key_path, opt_obj, opt_text, parse_time, req_obj, req_str, scalar_text,
    Obj,
};
use crate::intake::{clip, IntakeError};
use crate::model::{Alert, AlertSource, AlertStatus, Evidence, IncidentKind, Severity};

use super::resource::resource_from_name;

/// Incident kind implied by a finding category, when it is clear.
pub fn kind_for_category(category: &str) -> Option<IncidentKind> {
    let c = category.to_ascii_uppercase().replace([' ', ':', '-'], "_");
    if c.contains("PROMPT_INJECTION") || c.contains("JAILBREAK") {
        Some(IncidentKind::PromptAttack)
    } else if c.contains("EXFILTRATION")
        || c.contains("LEAKED_CREDENTIAL")
        || c.contains("SENSITIVE_DATA")
    {
        Some(IncidentKind::DataLeakage)
    } else if c.starts_with("PUBLIC_")
        || c.contains("_PUBLIC_ACCESS")
        || c.contains("PUBLIC_BUCKET")
    {
        Some(IncidentKind::Exposure)
    } else {
        None
    }
}

fn severity(text: &str) -> Option<Severity> {
    match text.trim().to_ascii_uppercase().as_str() {
        "CRITICAL" => Some(Severity::Critical),
        "HIGH" => Some(Severity::High),
        "MEDIUM" => Some(Severity::Medium),
        "LOW" => Some(Severity::Low),
        _ => None,
    }
}

pub(crate) fn parse(doc: &Obj, path: &str) -> Result<Alert, IntakeError> {
    let fp = key_path(path, "finding");
    let finding = req_obj(doc, path, "finding")?;
    let name = req_str(finding, &fp, "name")?;
    let category = req_str(finding, &fp, "category")?;
    let state = req_str(finding, &fp, "state")?;
    let event_key = if fields::opt(finding, "eventTime").is_some() {
        "eventTime"
    } else {
        "createTime"
    };
    let event_time = parse_time(req_str(finding, &fp, event_key)?, &key_path(&fp, event_key))?;
    let mute = opt_text(finding, &fp, "mute")?;
    let status = match (state.to_ascii_uppercase().as_str(), mute) {
        (_, Some(m)) if m.eq_ignore_ascii_case("MUTED") => AlertStatus::Informational,
        ("ACTIVE", _) => AlertStatus::Firing,
        ("INACTIVE", _) => AlertStatus::Resolved,
        _ => {
            return Err(fields::invalid(
                &key_path(&fp, "state"),
                state,
                "expected ACTIVE or INACTIVE",
            ))
        }
    };
    let props = opt_obj(finding, &fp, "sourceProperties")?;
    let prop = |k: &str| {
        props
            .and_then(|p| p.get(k))
            .and_then(scalar_text)
            .filter(|s| !s.is_empty())
    };
    let severity_label = opt_text(finding, &fp, "severity")?
        .map(str::to_string)
        .or_else(|| prop("SeverityLevel"));
    let severity = severity_label.as_deref().and_then(severity);

    let marks_path = key_path(&fp, "securityMarks");
    let marks = match opt_obj(finding, &fp, "securityMarks")? {
        Some(sm) => opt_obj(sm, &marks_path, "marks")?,
        None => None,
    };
    let mut resources = Vec::new();
    if let Some(resource_name) = opt_text(finding, &fp, "resourceName")? {
        if let Some(mut r) = resource_from_name(resource_name) {
            super::copy_labels(marks, "", &mut r.tags);
            resources.push(r);
        }
    }
    let rp = key_path(path, "resource");
    let resource = opt_obj(doc, path, "resource")?;
    let project = match resource {
        Some(r) => opt_text(r, &rp, "projectDisplayName")?.map(str::to_string),
        None => None,
    }
    .or_else(|| prop("ProjectId"));

    let mut labels = BTreeMap::new();
    labels.insert(
        "finding_id".into(),
        clip(name.rsplit('/').next().unwrap_or(name), 128),
    );
    labels.insert("category".into(), clip(category, 128));
    labels.insert("state".into(), state.to_ascii_uppercase());
    if let Some(l) = &severity_label {
        labels.insert("severity_label".into(), clip(l, 32));
    }
    if let Some(c) = opt_text(finding, &fp, "findingClass")? {
        labels.insert("finding_class".into(), clip(c, 64));
    }
    if let Some(n) = opt_text(doc, path, "notificationConfigName")? {
        labels.insert("notification_config".into(), clip(n, 256));
    }
    if let Some(p) = &project {
        labels.insert("project_id".into(), clip(p, 128));
    }
    super::copy_labels(marks, "mark:", &mut labels);

    let description = opt_text(finding, &fp, "description")?
        .map(str::to_string)
        .or_else(|| prop("Explanation"));
    let title = match resources.first() {
        Some(r) => format!("{category} on {}", r.id),
        None => category.to_string(),
    };
    Ok(Alert {
        source: AlertSource::SecurityCommandCenter,
        source_id: name.to_string(),
        occurrence: canonical_time(event_time),
        status,
        title,
        description: description.map(|d| clip(&d, 2000)),
        occurred_at: event_time,
        account: project,
        region: None,
        kind: kind_for_category(category),
        severity,
        resources,
        evidence: vec![Evidence {
            label: "scc-finding".into(),
            summary: format!("{category} ({state})"),
            detail: json!({
                "name": name,
                "externalUri": opt_text(finding, &fp, "externalUri")?,
                "recommendation": prop("Recommendation"),
                "sourceProperties": props.map(|p| Value::Object(p.clone())),
            }),
        }],
        labels,
    })
}
