//! The playbook file's structure. Unknown fields are errors: a typo must not silently
//! disable a safety setting.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::action::ActionSpec;
use crate::model::{AlertSource, IncidentKind, Severity};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    /// Format version; only `1` exists.
    pub version: u32,
    #[serde(default)]
    pub defaults: Defaults,
    #[serde(default)]
    pub blast_radius: BlastRadius,
    /// Resources no rule ever touches.
    #[serde(default)]
    pub exclusions: Exclusions,
    /// How to classify alerts that do not state their kind and severity, first match wins.
    #[serde(default)]
    pub classify: Vec<Classify>,
    /// Every rule that matches an incident contributes its actions, in file order.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    #[default]
    Enforce,
    DryRun,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Approval {
    #[default]
    None,
    /// The action waits until an operator sends `approve` for it.
    Required,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Defaults {
    pub mode: Mode,
    /// How long a fingerprint is remembered, so a redelivered alert acts once.
    pub dedup_ttl: String,
    /// Alerts of one kind from one caller within this window are one attack: a step one of
    /// them took on a target is not repeated by the others. `0s` turns it off.
    pub correlation_window: String,
    /// How long an approval request stays open.
    pub approval_ttl: String,
    /// Kind and severity for alerts no `[[classify]]` rule and no source field decides.
    pub kind: IncidentKind,
    pub severity: Severity,
    /// Attempts for an action that fails with a retryable error (throttling, conflicts).
    pub attempts: u32,
    /// Where escalations go (blast radius exceeded, failed actions). Optional.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalation_topic: Option<String>,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            mode: Mode::Enforce,
            dedup_ttl: "24h".into(),
            correlation_window: "15m".into(),
            approval_ttl: "24h".into(),
            kind: IncidentKind::Availability,
            severity: Severity::Medium,
            attempts: 3,
            escalation_topic: None,
        }
    }
}

/// At most `per_resource` enforced actions on one resource, and at most `per_action` of one
/// action type, within `window`. Beyond that aiir stops and escalates to a human.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BlastRadius {
    pub window: String,
    pub per_resource: u32,
    pub per_action: u32,
}

impl Default for BlastRadius {
    fn default() -> Self {
        Self {
            window: "1h".into(),
            per_resource: 3,
            per_action: 25,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Exclusions {
    /// Exact resource ids (ARN, resource id, `bucket/key`, IP …), or `prefix*`.
    pub resource_ids: Vec<String>,
    /// A resource carrying any of these tags (key = value, value `*` for any) is skipped.
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Classify {
    #[serde(rename = "match")]
    pub matcher: ClassifyMatch,
    pub kind: IncidentKind,
    pub severity: Severity,
}

/// All given conditions must hold. Text patterns take `*` wildcards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ClassifyMatch {
    pub source: Option<AlertSource>,
    pub title: Option<String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "match")]
    pub matcher: RuleMatch,
    /// Overrides `defaults.mode` for this rule's actions.
    #[serde(default)]
    pub mode: Option<Mode>,
    pub actions: Vec<ActionEntry>,
}

/// All given conditions must hold; an empty list means "any".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RuleMatch {
    /// Must be set to match everything, so an empty `match` is never an accident.
    pub any: bool,
    pub kinds: Vec<IncidentKind>,
    /// This severity or worse.
    pub min_severity: Option<Severity>,
    pub sources: Vec<AlertSource>,
    /// Some affected resource carries all these tags.
    pub tags: BTreeMap<String, String>,
    /// Alert labels (`alarm_name`, `detector` …) with `*` wildcards.
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionEntry {
    #[serde(flatten)]
    pub action: ActionSpec,
    /// Overrides the rule's and the default mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    #[serde(default)]
    pub approval: Approval,
}
