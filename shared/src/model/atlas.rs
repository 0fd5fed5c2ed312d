//! MITRE ATLAS techniques and NIST SP 800-61 phases an incident is mapped to.
//!
//! Technique ids are checked against the ATLAS data shipped in `docs/frameworks/ATLAS.yaml`
//! by a test, so a renamed or retired id fails the build instead of misleading a responder.
use serde::{Deserialize, Serialize};

use super::IncidentKind;

/// NIST SP 800-61 incident-handling phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NistPhase {
    Preparation,
    DetectionAndAnalysis,
    Containment,
    Eradication,
    Recovery,
    PostIncident,
}

impl NistPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preparation => "preparation",
            Self::DetectionAndAnalysis => "detection-and-analysis",
            Self::Containment => "containment",
            Self::Eradication => "eradication",
            Self::Recovery => "recovery",
            Self::PostIncident => "post-incident",
        }
    }
}

/// ATLAS techniques typically behind each kind of incident (ATLAS 5.6.0).
pub fn techniques_for(kind: IncidentKind) -> &'static [&'static str] {
    match kind {
        // Erode AI Model Integrity; Poison Training Data.
        IncidentKind::ModelDrift => &["AML.T0031", "AML.T0020"],
        // LLM Prompt Injection (direct, indirect); LLM Jailbreak; Extract LLM System Prompt.
        IncidentKind::PromptAttack => &["AML.T0051.000", "AML.T0051.001", "AML.T0054", "AML.T0056"],
        // LLM Data Leakage; Exfiltration via AI Inference API; Unsecured Credentials.
        IncidentKind::DataLeakage => &["AML.T0057", "AML.T0024", "AML.T0055"],
        // AI Supply Chain Compromise: Model; Manipulate AI Model; Corrupt AI Model.
        IncidentKind::ModelIntegrity => &["AML.T0010.003", "AML.T0018", "AML.T0076"],
        // Exfiltration via Cyber Means; Unsecured Credentials.
        IncidentKind::Exposure => &["AML.T0025", "AML.T0055"],
        // Denial of AI Service.
        IncidentKind::Availability => &["AML.T0029"],
        // Cost Harvesting.
        IncidentKind::Cost => &["AML.T0034"],
    }
}
