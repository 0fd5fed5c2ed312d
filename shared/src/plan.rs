//! The planner: incident + playbook → ordered steps. Pure: no I/O, no clock.
//!
//! Stateful checks (de-duplication, blast radius, approvals) happen in [`crate::pipeline`],
//! because they need the state store; everything decidable from the files alone is decided here.
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::action::ActionSpec;
use crate::model::{Alert, Incident, IncidentKind, ResourceRef, Severity};
use crate::playbook::{Approval, Exclusions, Mode, Playbook};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedStep {
    /// Stable across redeliveries: hash of fingerprint, action and target. Also the approval id.
    pub step_id: String,
    pub rule: String,
    pub action: ActionSpec,
    pub target: ResourceRef,
    pub mode: Mode,
    pub decision: Decision,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "kebab-case")]
pub enum Decision {
    Execute,
    AwaitApproval,
    Excluded { reason: String },
}

/// Decide kind and severity: what the source states, else the first `[[classify]]` rule that
/// matches, else the playbook defaults.
pub fn classify(alert: &Alert, playbook: &Playbook) -> (IncidentKind, Severity) {
    let rule = playbook.classify.iter().find(|c| {
        let m = &c.matcher;
        m.source.is_none_or(|s| s == alert.source)
            && m.title
                .as_deref()
                .is_none_or(|p| glob_match(p, &alert.title))
            && m.labels.iter().all(|(key, pattern)| {
                alert
                    .labels
                    .get(key)
                    .is_some_and(|value| glob_match(pattern, value))
            })
    });
    let kind = alert
        .kind
        .or(rule.map(|r| r.kind))
        .unwrap_or(playbook.defaults.kind);
    let severity = alert
        .severity
        .or(rule.map(|r| r.severity))
        .unwrap_or(playbook.defaults.severity);
    (kind, severity)
}

/// The steps the playbook asks for, in rule order then action order. A (action, target) pair
/// appears once even when several rules ask for it.
pub fn plan(incident: &Incident, playbook: &Playbook, force_dry_run: bool) -> Vec<PlannedStep> {
    let mut steps: Vec<PlannedStep> = Vec::new();
    for rule in playbook.rules.iter().filter(|r| rule_matches(r, incident)) {
        for entry in &rule.actions {
            let mode = if force_dry_run {
                Mode::DryRun
            } else {
                entry.mode.or(rule.mode).unwrap_or(playbook.defaults.mode)
            };
            for target in targets(&entry.action, incident) {
                let step_id = step_id(&incident.fingerprint, &entry.action, &target);
                if steps.iter().any(|s| s.step_id == step_id) {
                    continue;
                }
                let decision = match excluded(&target, &playbook.exclusions) {
                    Some(reason) => Decision::Excluded { reason },
                    None if entry.approval == Approval::Required && mode == Mode::Enforce => {
                        Decision::AwaitApproval
                    }
                    None => Decision::Execute,
                };
                steps.push(PlannedStep {
                    step_id,
                    rule: rule.name.clone(),
                    action: entry.action.clone(),
                    target,
                    mode,
                    decision,
                });
            }
        }
    }
    steps
}

fn rule_matches(rule: &crate::playbook::Rule, incident: &Incident) -> bool {
    let m = &rule.matcher;
    (m.kinds.is_empty() || m.kinds.contains(&incident.kind))
        // Severity orders Critical first, so "at least high" means `<= High`.
        && m.min_severity.is_none_or(|min| incident.severity <= min)
        && (m.sources.is_empty() || m.sources.contains(&incident.source))
        && (m.tags.is_empty()
            || incident.resources.iter().any(|r| {
                m.tags
                    .iter()
                    .all(|(k, v)| r.tags.get(k).is_some_and(|rv| v == "*" || rv == v))
            }))
        && m.labels.iter().all(|(key, pattern)| {
            incident
                .labels
                .get(key)
                .is_some_and(|value| text_match(pattern, value))
        })
}

/// Titles and labels are names people type (`FraudModel-Drift`, `fraud-model-drift`):
/// matched without regard to case. Resource ids are matched exactly.
fn text_match(pattern: &str, text: &str) -> bool {
    glob_match(&pattern.to_lowercase(), &text.to_lowercase())
}

/// Explicit targets from the playbook, else the incident's resources of the kinds the action
/// acts on. Targets named by the playbook inherit the tags the incident knows for them.
fn targets(action: &ActionSpec, incident: &Incident) -> Vec<ResourceRef> {
    let explicit: Vec<ResourceRef> = action
        .explicit_targets()
        .into_iter()
        .filter(|t| !t.id.trim().is_empty())
        .map(|t| {
            incident
                .resources
                .iter()
                .find(|r| r.id == t.id)
                .cloned()
                .unwrap_or(t)
        })
        .collect();
    if !explicit.is_empty() {
        return explicit;
    }
    let kinds = action.kind().target_kinds();
    let mut found: Vec<ResourceRef> = Vec::new();
    for r in incident
        .resources
        .iter()
        .filter(|r| kinds.contains(&r.kind))
    {
        if !found.iter().any(|f| f.id == r.id && f.kind == r.kind) {
            found.push(r.clone());
        }
    }
    found
}

fn excluded(target: &ResourceRef, exclusions: &Exclusions) -> Option<String> {
    if let Some(pattern) = exclusions
        .resource_ids
        .iter()
        .find(|p| glob_match(p, &target.id))
    {
        return Some(format!("resource id matches exclusion `{pattern}`"));
    }
    exclusions.tags.iter().find_map(|(key, value)| {
        target
            .tags
            .get(key)
            .filter(|v| value == "*" || *v == value)
            .map(|v| format!("resource is tagged `{key}={v}`"))
    })
}

fn step_id(fingerprint: &str, action: &ActionSpec, target: &ResourceRef) -> String {
    let mut hasher = Sha256::new();
    hasher.update(fingerprint.as_bytes());
    hasher.update([0]);
    hasher.update(serde_json::to_vec(action).unwrap_or_default());
    hasher.update([0]);
    hasher.update(target.id.as_bytes());
    format!("step-{}", &hex::encode(hasher.finalize())[..20])
}

/// `*` matches any run of characters; everything else literally. Case-sensitive.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn glob() {
        assert!(glob_match("*drift*", "sagemaker-feature-drift-high"));
        assert!(glob_match("arn:aws:s3:::prod-*", "arn:aws:s3:::prod-data"));
        assert!(!glob_match("arn:aws:s3:::prod-*", "arn:aws:s3:::dev-data"));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(!glob_match("a*b*c", "acb"));
        assert!(!glob_match("ab*ba", "aba"));
        assert!(glob_match("exact", "exact"));
        assert!(glob_match("*", ""));
        assert!(super::text_match("*drift*", "FraudModel-Drift"));
        assert!(!glob_match("*drift*", "FraudModel-Drift"));
    }
}
