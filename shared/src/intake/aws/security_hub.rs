//! Security Hub findings (AWS Security Finding Format) delivered by EventBridge
//! (`Security Hub Findings - Imported` and `Security Hub Findings - Custom Action`). One
//! alert per finding in `detail.findings`.
//!
//! Mapping:
//! - `source_id` = finding `Id`; `occurrence` = `UpdatedAt` (canonical form); `occurred_at` =
//!   `UpdatedAt`. `title` = `Title`, `description` = `Description`.
//! - `status`: `Resolved` when `RecordState` is `ARCHIVED`, `Workflow.Status` (or the legacy
//!   `WorkflowState`) is `RESOLVED`, or `Compliance.Status` is `PASSED`; `Informational` when
//!   the workflow is `SUPPRESSED` or the severity label is `INFORMATIONAL`; otherwise `Firing`.
//! - `severity` from `Severity.Label` (`CRITICAL`/`HIGH`/`MEDIUM`/`LOW`; `INFORMATIONAL` →
//!   `Low` with `Informational` status), else from `Severity.Normalized` by the ASFF bands
//!   (0 informational, 1–39 low, 40–69 medium, 70–89 high, 90–100 critical).
//! - `kind` ([`kind_for_finding`]): sensitive-data or exfiltration types → `data-leakage`;
//!   `Effects/Data Exposure` types, or titles about public access → `exposure`; GuardDuty-style types inside Security Hub use GuardDuty's mapping;
//!   otherwise `None` (the playbook classifies). Other configuration checks (encryption,
//!   logging …) are deliberately not `exposure`: the default playbook answers exposure with
//!   `lock-public-access`, which a failing hygiene control must not trigger by itself.
//! - `resources`: each `Resources[]` entry by its ARN `Id` (see [`super::arn`]), falling back
//!   on `Type` for non-ARN ids (`AwsS3Bucket` → `Bucket`, `AwsS3Object` → `Object`,
//!   `AwsLambdaFunction` → `Function`, `AwsSecretsManagerSecret` → `Secret`), keeping the
//!   resource's `Tags` and `Region`.
//! - `labels`: `finding_id`, `finding_type` (first of `Types`), `generator_id`,
//!   `product_name`, `control_id`, `compliance_status`, `workflow_status`, `record_state`,
//!   `severity_label`, `rule_name` (the related AWS Config rule, when named), `action_name`
//!   (custom actions).
use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::intake::IntakeError;
use crate::model::{
    Alert, AlertSource, AlertStatus, Evidence, IncidentKind, ResourceKind, ResourceRef, Severity,
};

use super::alarm::push_unique;
use super::arn::{self, Arn};
use super::fields::{
    account_id, as_object, canonical_time, index_path, invalid, key_path, opt, opt_arr, opt_f64,
    opt_obj, opt_text, parse_time, region_code, req_arr, req_obj, req_str, scalar_text, Obj,
};

pub(crate) const DETAIL_TYPES: [&str; 2] = [
    "Security Hub Findings - Imported",
    "Security Hub Findings - Custom Action",
];

/// Incident kind implied by a finding's `Types` and `Title`, when it is clear.
pub fn kind_for_finding(types: &[&str], title: &str) -> Option<IncidentKind> {
    let lower_types: Vec<String> = types.iter().map(|t| t.to_ascii_lowercase()).collect();
    let title = title.to_ascii_lowercase();
    if lower_types
        .iter()
        .any(|t| t.starts_with("sensitive data identifications") || t.contains("exfiltration"))
    {
        return Some(IncidentKind::DataLeakage);
    }
    if lower_types
        .iter()
        .any(|t| t.contains("effects/data exposure"))
        || title.contains("public")
    {
        return Some(IncidentKind::Exposure);
    }
    types.iter().find_map(|t| {
        let last = t.rsplit('/').next().unwrap_or(t);
        super::guardduty::kind_for_type(last)
    })
}

/// Severity from an ASFF label; `None` for `INFORMATIONAL`.
fn severity_for_label(label: &str) -> Option<Option<Severity>> {
    match label {
        "CRITICAL" => Some(Some(Severity::Critical)),
        "HIGH" => Some(Some(Severity::High)),
        "MEDIUM" => Some(Some(Severity::Medium)),
        "LOW" => Some(Some(Severity::Low)),
        "INFORMATIONAL" => Some(None),
        _ => None,
    }
}

fn label_for_normalized(n: f64) -> &'static str {
    if n >= 90.0 {
        "CRITICAL"
    } else if n >= 70.0 {
        "HIGH"
    } else if n >= 40.0 {
        "MEDIUM"
    } else if n >= 1.0 {
        "LOW"
    } else {
        "INFORMATIONAL"
    }
}

/// `event` is the whole EventBridge event at `path`.
pub(crate) fn parse(event: &Obj, path: &str) -> Result<Vec<Alert>, IntakeError> {
    let dp = key_path(path, "detail");
    let detail = req_obj(event, path, "detail")?;
    let fp = key_path(&dp, "findings");
    let findings = req_arr(detail, &dp, "findings")?;
    if findings.is_empty() {
        return Err(invalid(&fp, "[]", "no findings"));
    }
    let action_name = opt_text(detail, &dp, "actionName")?;
    let event_account = opt_text(event, path, "account")?;
    let event_region = opt_text(event, path, "region")?;
    findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let p = index_path(&fp, i);
            let mut alert = parse_finding(as_object(f, &p)?, &p, event_account, event_region)?;
            if let Some(a) = action_name {
                alert
                    .labels
                    .insert("action_name".to_string(), a.to_string());
            }
            Ok(alert)
        })
        .collect()
}

pub(crate) fn parse_finding(
    f: &Obj,
    path: &str,
    event_account: Option<&str>,
    event_region: Option<&str>,
) -> Result<Alert, IntakeError> {
    let id = req_str(f, path, "Id")?;
    let title = req_str(f, path, "Title")?;
    let updated = parse_time(req_str(f, path, "UpdatedAt")?, &key_path(path, "UpdatedAt"))?;
    let account =
        account_id(opt_text(f, path, "AwsAccountId")?).or_else(|| account_id(event_account));
    let region = region_code(opt_text(f, path, "Region")?).or_else(|| region_code(event_region));

    // Severity.
    let sp = key_path(path, "Severity");
    let sev = req_obj(f, path, "Severity")?;
    let label = match opt_text(sev, &sp, "Label")? {
        Some(l) => {
            let upper = l.to_ascii_uppercase();
            if severity_for_label(&upper).is_none() {
                return Err(invalid(
                    &key_path(&sp, "Label"),
                    l,
                    "expected CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL",
                ));
            }
            upper
        }
        None => match opt_f64(sev, &sp, "Normalized")? {
            Some(n) if (0.0..=100.0).contains(&n) => label_for_normalized(n).to_string(),
            Some(n) => {
                return Err(invalid(
                    &key_path(&sp, "Normalized"),
                    &n.to_string(),
                    "expected 0–100",
                ))
            }
            None => {
                return Err(IntakeError::Missing {
                    path: key_path(&sp, "Label"),
                })
            }
        },
    };
    let severity = severity_for_label(&label).flatten();

    // Status.
    let record_state = opt_text(f, path, "RecordState")?.map(str::to_ascii_uppercase);
    let workflow = match opt_obj(f, path, "Workflow")? {
        Some(w) => opt_text(w, &key_path(path, "Workflow"), "Status")?.map(str::to_ascii_uppercase),
        None => None,
    }
    .or(opt_text(f, path, "WorkflowState")?.map(str::to_ascii_uppercase));
    let compliance = match opt_obj(f, path, "Compliance")? {
        Some(c) => {
            opt_text(c, &key_path(path, "Compliance"), "Status")?.map(str::to_ascii_uppercase)
        }
        None => None,
    };
    let status = if record_state.as_deref() == Some("ARCHIVED")
        || workflow.as_deref() == Some("RESOLVED")
        || compliance.as_deref() == Some("PASSED")
    {
        AlertStatus::Resolved
    } else if workflow.as_deref() == Some("SUPPRESSED") || severity.is_none() {
        AlertStatus::Informational
    } else {
        AlertStatus::Firing
    };

    let types: Vec<&str> = opt_arr(f, path, "Types")?
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .collect();

    let mut labels = BTreeMap::new();
    labels.insert("finding_id".to_string(), id.to_string());
    if let Some(t) = types.first() {
        labels.insert("finding_type".to_string(), t.to_string());
    }
    labels.insert("severity_label".to_string(), label.clone());
    if let Some(g) = opt_text(f, path, "GeneratorId")? {
        labels.insert("generator_id".to_string(), g.to_string());
    }
    for (key, value) in [
        ("compliance_status", &compliance),
        ("workflow_status", &workflow),
        ("record_state", &record_state),
    ] {
        if let Some(v) = value {
            labels.insert(key.to_string(), v.clone());
        }
    }
    let product_fields = opt_obj(f, path, "ProductFields")?;
    let field = |k: &str| product_fields.and_then(|p| p.get(k)).and_then(scalar_text);
    if let Some(p) = opt_text(f, path, "ProductName")?
        .map(str::to_string)
        .or_else(|| field("aws/securityhub/ProductName"))
    {
        labels.insert("product_name".to_string(), p);
    }
    let control = match opt_obj(f, path, "Compliance")? {
        Some(c) => {
            opt_text(c, &key_path(path, "Compliance"), "SecurityControlId")?.map(str::to_string)
        }
        None => None,
    }
    .or_else(|| field("ControlId"));
    if let Some(c) = control {
        labels.insert("control_id".to_string(), c);
    }
    if field("RelatedAWSResources:0/type").as_deref() == Some("AWS::Config::ConfigRule") {
        if let Some(rule) = field("RelatedAWSResources:0/name") {
            labels.insert("rule_name".to_string(), rule);
        }
    }

    let mut resources = Vec::new();
    let rp = key_path(path, "Resources");
    for (i, r) in opt_arr(f, path, "Resources")?
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let p = index_path(&rp, i);
        let r = as_object(r, &p)?;
        let rid = req_str(r, &p, "Id")?;
        let rtype = opt_text(r, &p, "Type")?.unwrap_or_default();
        let rregion = region_code(opt_text(r, &p, "Region")?).or_else(|| region.clone());
        let mut res = if Arn::parse(rid).is_some() {
            arn::resource(rid, rregion.as_deref())
        } else {
            let kind = match rtype {
                "AwsS3Bucket" => ResourceKind::Bucket,
                "AwsS3Object" => ResourceKind::Object,
                "AwsLambdaFunction" => ResourceKind::Function,
                "AwsSecretsManagerSecret" => ResourceKind::Secret,
                _ => ResourceKind::Other,
            };
            ResourceRef::new(kind, rid)
        };
        if res.region.is_none() {
            res.region = rregion;
        }
        if let Some(tags) = opt_obj(r, &p, "Tags")? {
            for (k, v) in tags {
                if let Some(v) = scalar_text(v) {
                    res.tags.insert(k.clone(), v);
                }
            }
        }
        push_unique(&mut resources, res);
    }

    let evidence = vec![Evidence {
        label: "security-hub-finding".to_string(),
        summary: format!("{label}: {title}"),
        detail: json!({
            "id": id,
            "product_arn": opt(f, "ProductArn"),
            "generator_id": opt(f, "GeneratorId"),
            "types": types,
            "severity": opt(f, "Severity"),
            "compliance": opt(f, "Compliance"),
            "workflow": opt(f, "Workflow"),
            "record_state": record_state,
            "remediation": opt(f, "Remediation"),
            "first_observed_at": opt(f, "FirstObservedAt"),
            "last_observed_at": opt(f, "LastObservedAt"),
        }),
    }];

    Ok(Alert {
        source: AlertSource::SecurityHub,
        source_id: id.to_string(),
        occurrence: canonical_time(updated),
        status,
        title: title.to_string(),
        description: opt_text(f, path, "Description")?.map(str::to_string),
        occurred_at: updated,
        account,
        region,
        kind: kind_for_finding(&types, title),
        severity: severity.or(Some(Severity::Low)),
        resources,
        evidence,
        labels,
    })
}
