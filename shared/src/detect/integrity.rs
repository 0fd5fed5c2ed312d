//! Model-artefact integrity: the deployed weights must be the bytes that were registered.
//!
//! The registry (a model registry entry, a signed manifest, a tag written at promotion) holds
//! the SHA-256 of the artefact that passed evaluation. Any difference means the weights were
//! replaced or corrupted after approval (MITRE ATLAS AML.T0010.003, AML.T0018).
use sha2::{Digest, Sha256};

use crate::model::{Finding, IncidentKind, ResourceKind, ResourceRef, Severity};

/// Where an artefact lives and what serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Bucket / container / GCS bucket holding the artefact.
    pub bucket: String,
    /// Object key / blob name.
    pub key: String,
    /// The endpoint serving this artefact, if known.
    pub endpoint: Option<String>,
}

/// Hex SHA-256 of the bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `None` when the bytes match the registered digest; otherwise a critical model-integrity
/// finding naming the object, its bucket and the serving endpoint.
pub fn verify(artifact: &Artifact, registered_sha256: &str, actual: &[u8]) -> Option<Finding> {
    let actual_digest = sha256_hex(actual);
    if actual_digest.eq_ignore_ascii_case(registered_sha256.trim()) {
        return None;
    }
    let mut resources = vec![
        ResourceRef::new(
            ResourceKind::Object,
            format!("{}/{}", artifact.bucket, artifact.key),
        ),
        ResourceRef::new(ResourceKind::Bucket, artifact.bucket.clone()),
    ];
    if let Some(endpoint) = &artifact.endpoint {
        resources.push(ResourceRef::new(
            ResourceKind::ModelEndpoint,
            endpoint.clone(),
        ));
    }
    Some(Finding {
        detector: "model-integrity".into(),
        kind: IncidentKind::ModelIntegrity,
        severity: Severity::Critical,
        score: 1.0,
        summary: format!(
            "model artefact {}/{} does not match its registered digest",
            artifact.bucket, artifact.key
        ),
        resources,
        detail: serde_json::json!({
            "registered_sha256": registered_sha256.trim().to_ascii_lowercase(),
            "actual_sha256": actual_digest,
            "size": actual.len(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_bytes_pass_and_tampered_bytes_raise_a_critical_finding() {
        let artifact = Artifact {
            bucket: "models".into(),
            key: "m/model.tar.gz".into(),
            endpoint: Some("ep".into()),
        };
        let good = b"weights v1";
        let registered = sha256_hex(good);
        assert_eq!(verify(&artifact, &registered.to_uppercase(), good), None);
        let finding = verify(&artifact, &registered, b"weights v1 + backdoor").expect("tampered");
        assert_eq!(finding.kind, IncidentKind::ModelIntegrity);
        assert_eq!(finding.severity, Severity::Critical);
        assert!(finding
            .resources
            .iter()
            .any(|r| r.kind == ResourceKind::Object && r.id == "models/m/model.tar.gz"));
        assert!(finding
            .resources
            .iter()
            .any(|r| r.kind == ResourceKind::ModelEndpoint && r.id == "ep"));
        assert_eq!(finding.detail["registered_sha256"], registered);
    }
}
