//! Semantic checks after parsing. Every problem names the field and the fix.
use std::collections::HashSet;

use serde::Serialize;

use super::{parse_duration, Playbook};
use crate::action::ActionSpec;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Path of the offending field, e.g. `rules[1].actions[0].kms_key`.
    pub field: String,
    pub message: String,
    pub fix: String,
}

impl Problem {
    pub fn new(
        field: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            fix: fix.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} (fix: {})", self.field, self.message, self.fix)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PlaybookError {
    #[error("playbook is not valid TOML or has unknown fields: {0}")]
    Parse(String),
    #[error("playbook has {} problem(s):\n{}", .0.len(), .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

impl Playbook {
    /// Every semantic problem, not only the first.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if self.version != 1 {
            problems.push(Problem::new(
                "version",
                format!("unsupported version {}", self.version),
                "set `version = 1`",
            ));
        }
        for (field, value) in [
            ("defaults.dedup_ttl", &self.defaults.dedup_ttl),
            (
                "defaults.correlation_window",
                &self.defaults.correlation_window,
            ),
            ("defaults.approval_ttl", &self.defaults.approval_ttl),
            ("blast_radius.window", &self.blast_radius.window),
        ] {
            if let Err(message) = parse_duration(value) {
                problems.push(Problem::new(
                    field,
                    message,
                    "write e.g. `15m`, `1h` or `24h`",
                ));
            }
        }
        if self.defaults.attempts == 0 || self.defaults.attempts > 10 {
            problems.push(Problem::new(
                "defaults.attempts",
                format!("{} attempts", self.defaults.attempts),
                "use 1 to 10",
            ));
        }
        if self.blast_radius.per_resource == 0 || self.blast_radius.per_action == 0 {
            problems.push(Problem::new(
                "blast_radius",
                "a limit of 0 would block every action",
                "set `per_resource` and `per_action` to at least 1, or use `mode = \"dry-run\"`",
            ));
        }
        if matches!(&self.defaults.escalation_topic, Some(t) if t.trim().is_empty()) {
            problems.push(Problem::new(
                "defaults.escalation_topic",
                "is empty",
                "remove it or name a topic",
            ));
        }
        for (i, classify) in self.classify.iter().enumerate() {
            let m = &classify.matcher;
            if m.source.is_none() && m.title.is_none() && m.labels.is_empty() {
                problems.push(Problem::new(
                    format!("classify[{i}].match"),
                    "has no condition, so it would classify every alert",
                    "add `source`, `title` or `labels`",
                ));
            }
        }
        let mut names = HashSet::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let at = format!("rules[{i}]");
            if rule.name.trim().is_empty() {
                problems.push(Problem::new(
                    format!("{at}.name"),
                    "is empty",
                    "name the rule",
                ));
            } else if !names.insert(rule.name.as_str()) {
                problems.push(Problem::new(
                    format!("{at}.name"),
                    format!("`{}` is used by an earlier rule", rule.name),
                    "give each rule a unique name (audit records and approvals refer to it)",
                ));
            }
            let m = &rule.matcher;
            let empty = m.kinds.is_empty()
                && m.min_severity.is_none()
                && m.sources.is_empty()
                && m.tags.is_empty()
                && m.labels.is_empty();
            if empty && !m.any {
                problems.push(Problem::new(
                    format!("{at}.match"),
                    "has no condition, so it would act on every alert",
                    "add `kinds`, `min_severity`, `sources`, `tags` or `labels`, or `any = true` if you mean it",
                ));
            }
            if rule.actions.is_empty() {
                problems.push(Problem::new(
                    format!("{at}.actions"),
                    "is empty",
                    "add at least one `[[rules.actions]]` with a `type`",
                ));
            }
            for (j, entry) in rule.actions.iter().enumerate() {
                for (param, value) in entry.action.required_params() {
                    if value.trim().is_empty() {
                        problems.push(Problem::new(
                            format!("{at}.actions[{j}].{param}"),
                            "is empty",
                            format!("set `{param}` for `{}`", entry.action.kind()),
                        ));
                    }
                }
            }
            for (j, entry) in rule.actions.iter().enumerate() {
                // Empty turns paging off; only spaces is a typo that would do the same silently.
                if let ActionSpec::TriggerAlert { alert } = &entry.action {
                    if !alert.is_empty() && alert.trim().is_empty() {
                        problems.push(Problem::new(
                            format!("{at}.actions[{j}].alert"),
                            "is blank",
                            "name the alert to raise (CloudWatch alarm, Logs Ingestion stream URL or GCP project), or write `alert = \"\"` to leave paging off",
                        ));
                    } else if alert != alert.trim() {
                        problems.push(Problem::new(
                            format!("{at}.actions[{j}].alert"),
                            format!("`{alert}` has leading or trailing spaces"),
                            "remove the spaces (the cloud would not find the alert)",
                        ));
                    }
                }
            }
        }
        problems
    }
}
