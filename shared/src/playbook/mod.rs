//! The playbook: one TOML file that maps alerts to actions.
//!
//! Loading is pure and complete before anything runs (like Vector's config): environment
//! variables are interpolated, the file is parsed strictly (unknown fields are errors), then
//! every semantic rule is checked and *all* problems are reported at once, each naming the
//! field and the fix.
mod duration;
mod interpolate;
mod schema;
mod validate;

pub use duration::parse_duration;
pub use interpolate::interpolate;
pub use schema::{
    ActionEntry, Approval, BlastRadius, Classify, ClassifyMatch, Defaults, Exclusions, Mode,
    Playbook, Rule, RuleMatch,
};
pub use validate::{PlaybookError, Problem};

/// The playbook that ships with aiir; deployments override it with `AIIR_PLAYBOOK`.
pub const DEFAULT_PLAYBOOK: &str = include_str!("../../playbooks/default.toml");

impl Playbook {
    /// Interpolate `${VAR}` from `env`, parse, and validate. Pure: `env` is a lookup function.
    pub fn load(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, PlaybookError> {
        let text = interpolate(text, env).map_err(PlaybookError::Invalid)?;
        let playbook: Playbook =
            toml::from_str(&text).map_err(|e| PlaybookError::Parse(e.to_string()))?;
        let problems = playbook.problems();
        if problems.is_empty() {
            Ok(playbook)
        } else {
            Err(PlaybookError::Invalid(problems))
        }
    }

    /// Load with the process environment.
    pub fn load_with_process_env(text: &str) -> Result<Self, PlaybookError> {
        Self::load(text, &|name| std::env::var(name).ok())
    }
}
