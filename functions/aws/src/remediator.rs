//! [`AwsRemediator`]: dispatches each action to its module.
use aiir_core::action::{ActionDoc, ActionKind, Cloud};
use aiir_core::audit::StepRecord;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest, Remediator};
use async_trait::async_trait;

use crate::actions::{self, Ctx, WaitPolicy};
use crate::clients::AwsClients;

/// The IAM actions an action needs (Terraform's policy is checked against this).
pub fn required_permissions(kind: ActionKind) -> &'static [&'static str] {
    match kind {
        ActionKind::RollbackModel => actions::rollback_model::required_permissions(),
        ActionKind::BlockPrompt => actions::block_prompt::required_permissions(),
        ActionKind::RotateSecret => actions::rotate_secret::required_permissions(),
        ActionKind::DisableEndpoint => actions::disable_endpoint::required_permissions(),
        ActionKind::LockPublicAccess => actions::lock_public_access::required_permissions(),
        ActionKind::EnforceEncryption => actions::enforce_encryption::required_permissions(),
        ActionKind::QuarantineData => actions::quarantine_data::required_permissions(),
        ActionKind::Notify => actions::notify::required_permissions(),
        ActionKind::TriggerAlert => actions::trigger_alert::required_permissions(),
    }
}

/// What each action calls and how it is undone: the cloud comparison matrix in
/// `docs/architecture.md` is generated from this (`make docs`).
pub fn action_doc(kind: ActionKind) -> ActionDoc {
    match kind {
        ActionKind::RollbackModel => actions::rollback_model::DOC,
        ActionKind::BlockPrompt => actions::block_prompt::DOC,
        ActionKind::RotateSecret => actions::rotate_secret::DOC,
        ActionKind::DisableEndpoint => actions::disable_endpoint::DOC,
        ActionKind::LockPublicAccess => actions::lock_public_access::DOC,
        ActionKind::EnforceEncryption => actions::enforce_encryption::DOC,
        ActionKind::QuarantineData => actions::quarantine_data::DOC,
        ActionKind::Notify => actions::notify::DOC,
        ActionKind::TriggerAlert => actions::trigger_alert::DOC,
    }
}

#[derive(Clone, Debug)]
pub struct AwsRemediator {
    clients: AwsClients,
    wait: WaitPolicy,
}

impl AwsRemediator {
    pub fn new(clients: AwsClients) -> Self {
        Self {
            clients,
            wait: crate::actions::DEFAULT_WAIT,
        }
    }

    /// How long to wait for asynchronous changes (endpoint updates, rotations) to settle.
    pub fn with_wait(mut self, wait: WaitPolicy) -> Self {
        self.wait = wait;
        self
    }

    pub fn clients(&self) -> &AwsClients {
        &self.clients
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            clients: &self.clients,
            wait: self.wait,
        }
    }
}

#[async_trait]
impl Remediator for AwsRemediator {
    fn cloud(&self) -> Cloud {
        Cloud::Aws
    }

    async fn apply(&self, request: &ActionRequest<'_>) -> Result<ActionOutcome, ActionError> {
        let ctx = self.ctx();
        match request.action.kind() {
            ActionKind::RollbackModel => actions::rollback_model::apply(&ctx, request).await,
            ActionKind::BlockPrompt => actions::block_prompt::apply(&ctx, request).await,
            ActionKind::RotateSecret => actions::rotate_secret::apply(&ctx, request).await,
            ActionKind::DisableEndpoint => actions::disable_endpoint::apply(&ctx, request).await,
            ActionKind::LockPublicAccess => actions::lock_public_access::apply(&ctx, request).await,
            ActionKind::EnforceEncryption => {
                actions::enforce_encryption::apply(&ctx, request).await
            }
            ActionKind::QuarantineData => actions::quarantine_data::apply(&ctx, request).await,
            ActionKind::Notify => actions::notify::apply(&ctx, request).await,
            ActionKind::TriggerAlert => actions::trigger_alert::apply(&ctx, request).await,
        }
    }

    async fn undo(&self, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
        let ctx = self.ctx();
        match record.action.kind() {
            ActionKind::RollbackModel => actions::rollback_model::undo(&ctx, record).await,
            ActionKind::BlockPrompt => actions::block_prompt::undo(&ctx, record).await,
            ActionKind::RotateSecret => actions::rotate_secret::undo(&ctx, record).await,
            ActionKind::DisableEndpoint => actions::disable_endpoint::undo(&ctx, record).await,
            ActionKind::LockPublicAccess => actions::lock_public_access::undo(&ctx, record).await,
            ActionKind::EnforceEncryption => actions::enforce_encryption::undo(&ctx, record).await,
            ActionKind::QuarantineData => actions::quarantine_data::undo(&ctx, record).await,
            ActionKind::Notify => actions::notify::undo(&ctx, record).await,
            ActionKind::TriggerAlert => actions::trigger_alert::undo(&ctx, record).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_declares_permissions() {
        for kind in ActionKind::ALL {
            let perms = required_permissions(kind);
            assert!(!perms.is_empty(), "{kind} declares no permissions");
            for p in perms {
                let (service, action) = p.split_once(':').unwrap_or_default();
                assert!(
                    !service.is_empty()
                        && action
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_ascii_uppercase()),
                    "{p}"
                );
            }
        }
    }
}
