//! Breach simulations as data, the same on every cloud.
//!
//! The catalogue of scenarios ([`SCENARIOS`]) and the attack data generators live here, in the
//! core, so the local emulator drills (`aiir-e2e`, `make drill`) and `aiir drill --target`
//! against a deployed function generate exactly the same attack. Nothing here touches a cloud.
//!
//! - [`model_drift`]: seeded reference and drifted inference data run through aiir's drift
//!   check (→ model-drift findings for an endpoint), and model outputs whose toxicity rises
//!   (→ the function's own model-I/O scanning flags them).
//! - [`Outcome`]: what one scenario did on one cloud, the unit of `drill-report/`.
//! - [`report`]: `drill-report/` as JSON, Markdown and one self-contained HTML page, written by
//!   `make drill` and by `aiir drill --target` alike.
use serde::Serialize;

pub mod attack;
pub mod deliver;
pub mod model_drift;
pub mod outcome;
pub mod report;

pub use outcome::{Check, Outcome};

/// A breach scenario, the same on every cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Scenario {
    pub name: &'static str,
    pub title: &'static str,
    /// The remediation workflow the default playbook runs, in order.
    pub workflow: &'static [&'static str],
}

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "prompt-injection",
        title: "Prompt-injection takeover",
        workflow: &["block-prompt", "rotate-secret", "notify"],
    },
    Scenario {
        name: "data-leakage",
        title: "Data-leakage event",
        workflow: &[
            "lock-public-access",
            "quarantine-data",
            "rotate-secret",
            "notify",
        ],
    },
    Scenario {
        name: "model-drift",
        title: "Model drift leading to harmful outputs",
        workflow: &["rollback-model", "notify"],
    },
    Scenario {
        name: "compromised-weights",
        title: "Compromised model weights",
        workflow: &[
            "disable-endpoint",
            "quarantine-data",
            "rollback-model",
            "enforce-encryption",
        ],
    },
];

/// The scenario of that name.
pub fn scenario(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// The scenario names, for error messages.
pub fn scenario_names() -> Vec<&'static str> {
    SCENARIOS.iter().map(|s| s.name).collect()
}
