//! Azure Resource Manager ids (`/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{type}/{name}…]`)
//! and which aiir [`ResourceKind`] each resource type is.
//!
//! Azure spells the same id with different letter case in different places (alert payloads
//! lowercase `resourcegroups` and provider names, ARM itself does not), so every comparison
//! here is case-insensitive and ids are kept as delivered.
use crate::model::{ResourceKind, ResourceRef};

/// The parts of an ARM resource id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmId {
    pub subscription: String,
    pub resource_group: Option<String>,
    /// Provider namespace, e.g. `Microsoft.Storage`.
    pub namespace: Option<String>,
    /// `(type, name)` pairs below the namespace: `[("storageAccounts", "acct"), ("blobServices", "default"), …]`.
    pub types: Vec<(String, String)>,
}

impl ArmId {
    /// Parse an id; `None` for anything that is not an ARM id under a subscription.
    pub fn parse(id: &str) -> Option<Self> {
        let id = id.trim();
        let rest = id.strip_prefix('/')?;
        let parts: Vec<&str> = rest.split('/').collect();
        if parts.len() < 2 || !parts[0].eq_ignore_ascii_case("subscriptions") || parts[1].is_empty()
        {
            return None;
        }
        let mut out = ArmId {
            subscription: parts[1].to_string(),
            resource_group: None,
            namespace: None,
            types: Vec::new(),
        };
        let mut i = 2;
        if parts.len() > i + 1 && parts[i].eq_ignore_ascii_case("resourceGroups") {
            out.resource_group = Some(parts[i + 1].to_string());
            i += 2;
        }
        if parts.len() > i + 1 && parts[i].eq_ignore_ascii_case("providers") {
            out.namespace = Some(parts[i + 1].to_string());
            i += 2;
            while i + 1 < parts.len() {
                if parts[i].is_empty() || parts[i + 1].is_empty() {
                    return None;
                }
                out.types
                    .push((parts[i].to_string(), parts[i + 1].to_string()));
                i += 2;
            }
            if i < parts.len() {
                // A trailing type without a name (a collection), not a resource.
                return None;
            }
        } else if i < parts.len() && !(i + 1 == parts.len() && parts[i].is_empty()) {
            return None;
        }
        Some(out)
    }

    /// `microsoft.storage/storageaccounts/blobservices/containers` (lowercase).
    pub fn full_type(&self) -> String {
        let mut t = self
            .namespace
            .clone()
            .unwrap_or_default()
            .to_ascii_lowercase();
        for (ty, _) in &self.types {
            t.push('/');
            t.push_str(&ty.to_ascii_lowercase());
        }
        t
    }

    /// The last name in the id (the resource's own name).
    pub fn name(&self) -> Option<&str> {
        self.types.last().map(|(_, n)| n.as_str())
    }

    /// The name given to a type in the id (`name_of("storageAccounts")`).
    pub fn name_of(&self, ty: &str) -> Option<&str> {
        self.types
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(ty))
            .map(|(_, n)| n.as_str())
    }
}

/// Resource types aiir acts on, by lowercase full type.
const KINDS: &[(&str, ResourceKind)] = &[
    (
        "microsoft.machinelearningservices/workspaces/onlineendpoints",
        ResourceKind::ModelEndpoint,
    ),
    ("microsoft.web/sites", ResourceKind::Function),
    ("microsoft.keyvault/vaults/secrets", ResourceKind::Secret),
    ("microsoft.storage/storageaccounts", ResourceKind::Bucket),
    (
        "microsoft.storage/storageaccounts/blobservices/containers",
        ResourceKind::Bucket,
    ),
];

/// Which aiir kind an ARM id is (`Other` for anything aiir does not act on, or not an ARM id).
pub fn kind_of(id: &str) -> ResourceKind {
    let Some(arm) = ArmId::parse(id) else {
        return ResourceKind::Other;
    };
    let ty = arm.full_type();
    KINDS
        .iter()
        .find(|(t, _)| *t == ty)
        .map(|(_, k)| *k)
        .unwrap_or(ResourceKind::Other)
}

/// A reference to an ARM resource, of the kind its type implies.
pub fn resource_ref(id: &str) -> ResourceRef {
    ResourceRef::new(kind_of(id), id.trim())
}

/// The subscription id of an ARM id.
pub fn subscription_of(id: &str) -> Option<String> {
    ArmId::parse(id).map(|a| a.subscription)
}

/// `{account}/{container}/{blob}`: how aiir names one blob (an `Object` resource).
pub fn blob_object_id(account: &str, container: &str, blob: &str) -> String {
    format!("{account}/{container}/{blob}")
}

/// Split an `Object` id (`{account}/{container}/{blob}`) or a blob URL
/// (`https://{account}.blob.core.windows.net/{container}/{blob}`).
pub fn parse_blob_object(id: &str) -> Option<(String, String, String)> {
    let id = id.trim();
    if let Some(rest) = id
        .strip_prefix("https://")
        .or_else(|| id.strip_prefix("http://"))
    {
        let (host, path) = rest.split_once('/')?;
        let account = host.split('.').next()?.to_string();
        let (container, blob) = path.split_once('/')?;
        if account.is_empty() || container.is_empty() || blob.is_empty() {
            return None;
        }
        return Some((account, container.to_string(), blob.to_string()));
    }
    let mut parts = id.splitn(3, '/');
    let (account, container, blob) = (parts.next()?, parts.next()?, parts.next()?);
    if account.is_empty() || container.is_empty() || blob.is_empty() {
        return None;
    }
    Some((account.to_string(), container.to_string(), blob.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids_case_insensitively() {
        let id =
            "/subscriptions/s1/resourcegroups/rg/providers/microsoft.storage/storageaccounts/acct";
        let arm = ArmId::parse(id).unwrap();
        assert_eq!(arm.subscription, "s1");
        assert_eq!(arm.resource_group.as_deref(), Some("rg"));
        assert_eq!(arm.name(), Some("acct"));
        assert_eq!(kind_of(id), ResourceKind::Bucket);
        let ep = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/fraud";
        assert_eq!(kind_of(ep), ResourceKind::ModelEndpoint);
        assert_eq!(ArmId::parse(ep).unwrap().name_of("workspaces"), Some("ws"));
        assert_eq!(
            kind_of("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app"),
            ResourceKind::Function
        );
        assert_eq!(
            kind_of(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"
            ),
            ResourceKind::Other
        );
        assert_eq!(kind_of("not an id"), ResourceKind::Other);
        assert!(ArmId::parse("/subscriptions/s").is_some());
        assert!(ArmId::parse("/subscriptions/").is_none());
        assert!(
            ArmId::parse("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites")
                .is_none()
        );
    }

    #[test]
    fn blob_objects() {
        assert_eq!(
            parse_blob_object("acct/train/a/b.csv"),
            Some(("acct".into(), "train".into(), "a/b.csv".into()))
        );
        assert_eq!(
            parse_blob_object("https://acct.blob.core.windows.net/train/x.txt"),
            Some(("acct".into(), "train".into(), "x.txt".into()))
        );
        assert_eq!(parse_blob_object("acct/train"), None);
    }
}
