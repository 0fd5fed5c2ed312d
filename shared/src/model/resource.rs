//! A reference to a cloud resource an incident concerns or an action targets.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What a resource is, independent of cloud. Actions select their targets by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    /// A model serving endpoint (SageMaker endpoint, Azure ML online endpoint, Vertex AI endpoint).
    ModelEndpoint,
    /// A function or app serving a model (Lambda, Function App, Cloud Run service).
    Function,
    /// A secret or key (Secrets Manager, Key Vault secret, Secret Manager).
    Secret,
    /// A storage bucket / container / storage account.
    Bucket,
    /// One object / blob (`bucket/key`).
    Object,
    /// A prompt signature to block (id is the signature).
    Prompt,
    /// A caller's IP address to block.
    Caller,
    /// Anything else the alert names (alarm, log group, instance …): recorded, never acted on.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRef {
    pub kind: ResourceKind,
    /// Cloud identifier: ARN, Azure resource id, GCP resource name, `bucket/key`, IP, signature.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

impl ResourceRef {
    pub fn new(kind: ResourceKind, id: impl Into<String>) -> Self {
        Self {
            kind,
            id: id.into(),
            region: None,
            tags: BTreeMap::new(),
        }
    }

    pub fn with_tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }
}
