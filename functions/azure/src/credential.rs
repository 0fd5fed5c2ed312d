//! Credentials: managed identity in Azure, developer tools (Azure CLI / azd) locally, both from
//! `azure_identity`. Tests use [`crate::testing::JwtShapedCredential`] (feature `testing`).
use std::sync::Arc;

use azure_core::credentials::TokenCredential;

/// Token scopes of the services aiir calls.
pub mod scopes {
    pub const ARM: &str = "https://management.azure.com/.default";
    pub const STORAGE: &str = "https://storage.azure.com/.default";
    pub const KEY_VAULT: &str = "https://vault.azure.net/.default";
    pub const COGNITIVE: &str = "https://cognitiveservices.azure.com/.default";
    pub const EVENT_GRID: &str = "https://eventgrid.azure.net/.default";
    pub const MONITOR: &str = "https://monitor.azure.com/.default";
}

/// Running in Azure Functions (or App Service)? The platform sets `IDENTITY_ENDPOINT` when a
/// managed identity is assigned, and `WEBSITE_INSTANCE_ID` on every instance.
pub fn in_azure() -> bool {
    std::env::var_os("IDENTITY_ENDPOINT").is_some()
        || std::env::var_os("WEBSITE_INSTANCE_ID").is_some()
}

/// The credential for this process: the managed identity in Azure (a user-assigned one when
/// `AZURE_CLIENT_ID` is set), developer tools locally.
pub fn default_credential() -> azure_core::Result<Arc<dyn TokenCredential>> {
    if in_azure() {
        let options = std::env::var("AZURE_CLIENT_ID")
            .ok()
            .filter(|c| !c.trim().is_empty())
            .map(
                |client_id| azure_identity::ManagedIdentityCredentialOptions {
                    user_assigned_id: Some(azure_identity::UserAssignedId::ClientId(client_id)),
                    ..Default::default()
                },
            );
        let credential: Arc<dyn TokenCredential> =
            azure_identity::ManagedIdentityCredential::new(options)?;
        Ok(credential)
    } else {
        let credential: Arc<dyn TokenCredential> =
            azure_identity::DeveloperToolsCredential::new(None)?;
        Ok(credential)
    }
}
