# Least privilege: one custom role per part of the code, with exactly the actions /
# dataActions that part declares (`required_permissions(kind)`, `state::REQUIRED_PERMISSIONS`,
# `audit::REQUIRED_PERMISSIONS`), each assigned only on the resources that part acts on.
# No built-in role, no resource-group or subscription scope.
# `functions/azure/tests/least_privilege.rs` checks this file against the code.

locals {
  role_suffix = substr(md5(local.rg.id), 0, 6)

  # Custom roles must list where they may be assigned: the resource groups of the protected
  # resources (resource-level assignable scopes are not allowed). Assignments are narrower.
  rg_of = [for id in concat(
    var.protected_storage_account_ids,
    [for s in var.key_vault_secrets : s.key_vault_id],
    values(var.ml_online_endpoints),
    var.protected_function_app_ids,
    var.waf_policy_ids,
    var.content_safety_account_id == null ? [] : [var.content_safety_account_id],
    var.notify_topic_id == null ? [] : [var.notify_topic_id],
    var.modelio_event_hub == null ? [] : [var.modelio_event_hub.id],
  ) : regex("(?i)^/subscriptions/[^/]+/resourcegroups/[^/]+", id)]
  assignable_scopes = distinct(concat([local.rg.id], local.rg_of))

  principal = azurerm_user_assigned_identity.responder.principal_id
}

# ---------------------------------------------------------------------------------------------
# State and audit (the module's own data account)
# ---------------------------------------------------------------------------------------------

resource "azurerm_role_definition" "state" {
  name              = "${var.name}-state-${local.role_suffix}"
  scope             = local.rg.id
  description       = "aiir state store: entities of its one table."
  assignable_scopes = local.assignable_scopes
  permissions {
    actions = []
    data_actions = [
      "Microsoft.Storage/storageAccounts/tableServices/tables/entities/read",
      "Microsoft.Storage/storageAccounts/tableServices/tables/entities/write",
      "Microsoft.Storage/storageAccounts/tableServices/tables/entities/add/action",
      "Microsoft.Storage/storageAccounts/tableServices/tables/entities/update/action",
      "Microsoft.Storage/storageAccounts/tableServices/tables/entities/delete",
    ]
  }
}

resource "azurerm_role_assignment" "state" {
  scope              = "${azurerm_storage_account.data.id}/tableServices/default/tables/${azurerm_storage_table.state.name}"
  role_definition_id = azurerm_role_definition.state.role_definition_resource_id
  principal_id       = local.principal
  principal_type     = "ServicePrincipal"
}

resource "azurerm_role_definition" "audit" {
  name              = "${var.name}-audit-${local.role_suffix}"
  scope             = local.rg.id
  description       = "aiir audit sink: create blobs in the immutable audit container (no read, no delete)."
  assignable_scopes = local.assignable_scopes
  permissions {
    actions = []
    data_actions = [
      "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
      "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
    ]
  }
}

resource "azurerm_role_assignment" "audit" {
  scope              = azurerm_storage_container.audit.id
  role_definition_id = azurerm_role_definition.audit.role_definition_resource_id
  principal_id       = local.principal
  principal_type     = "ServicePrincipal"
}

# ---------------------------------------------------------------------------------------------
# Storage accounts: lock-public-access, enforce-encryption (control plane), quarantine-data
# ---------------------------------------------------------------------------------------------

resource "azurerm_role_definition" "storage_accounts" {
  name              = "${var.name}-storage-accounts-${local.role_suffix}"
  scope             = local.rg.id
  description       = "aiir lock-public-access and enforce-encryption: account and container properties."
  assignable_scopes = local.assignable_scopes
  permissions {
    actions = [
      "Microsoft.Storage/storageAccounts/read",
      "Microsoft.Storage/storageAccounts/write",
      "Microsoft.Storage/storageAccounts/blobServices/containers/read",
      "Microsoft.Storage/storageAccounts/blobServices/containers/write",
    ]
    data_actions = []
  }
}

resource "azurerm_role_assignment" "storage_accounts" {
  for_each           = toset(var.protected_storage_account_ids)
  scope              = each.value
  role_definition_id = azurerm_role_definition.storage_accounts.role_definition_resource_id
  principal_id       = local.principal
  principal_type     = "ServicePrincipal"
}

resource "azurerm_role_definition" "quarantine" {
  name              = "${var.name}-quarantine-${local.role_suffix}"
  scope             = local.rg.id
  description       = "aiir quarantine-data: copy a blob into the private quarantine container and delete the original (undo reverses it)."
  assignable_scopes = local.assignable_scopes
  permissions {
    actions = [
      "Microsoft.Storage/storageAccounts/blobServices/containers/write",
    ]
    data_actions = [
      "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
      "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
      "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
    ]
  }
}

resource "azurerm_role_assignment" "quarantine" {
  for_each           = toset(var.protected_storage_account_ids)
  scope              = each.value
  role_definition_id = azurerm_role_definition.quarantine.role_definition_resource_id
  principal_id       = local.principal
  principal_type     = "ServicePrincipal"
}

# ---------------------------------------------------------------------------------------------
# rotate-secret: each listed secret, not the vault
# ---------------------------------------------------------------------------------------------

resource "azurerm_role_definition" "key_vault_secrets" {
  name              = "${var.name}-secrets-${local.role_suffix}"
  scope             = local.rg.id
  description       = "aiir rotate-secret: read metadata and value, write a new version."
  assignable_scopes = local.assignable_scopes
  permissions {
    actions = []
    data_actions = [
      "Microsoft.KeyVault/vaults/secrets/getSecret/action",
      "Microsoft.KeyVault/vaults/secrets/setSecret/action",
      "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
    ]
  }
}

resource "azurerm_role_assignment" "key_vault_secrets" {
  for_each           = { for s in var.key_vault_secrets : "${s.key_vault_id}/secrets/${s.name}" => s }
  scope              = "${each.value.key_vault_id}/secrets/${each.value.name}"
  role_definition_id = azurerm_role_definition.key_vault_secrets.role_definition_resource_id
  principal_id       = local.principal
  principal_type     = "ServicePrincipal"
}

# ---------------------------------------------------------------------------------------------
# rollback-model, disable-endpoint: Azure ML online endpoints; disable-endpoint: apps
# ---------------------------------------------------------------------------------------------

resource "azurerm_role_definition" "ml_endpoints" {
  name              = "${var.name}-ml-endpoints-${local.role_suffix}"
  scope             = local.rg.id
  description       = "aiir rollback-model and disable-endpoint: traffic split and public access of online endpoints."
  assignable_scopes = local.assignable_scopes
  permissions {
    actions = [
      "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read",
      "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write",
      "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/read",
    ]
    data_actions = []
  }
}

resource "azurerm_role_assignment" "ml_endpoints" {
  for_each           = var.ml_online_endpoints
  scope              = each.value
  role_definition_id = azurerm_role_definition.ml_endpoints.role_definition_resource_id
  principal_id       = local.principal
  principal_type     = "ServicePrincipal"
}

resource "azurerm_role_definition" "sites" {
  name              = "${var.name}-sites-${local.role_suffix}"
  scope             = local.rg.id
  description       = "aiir disable-endpoint: stop (and on undo start) a model-serving app."
  assignable_scopes = local.assignable_scopes
  permissions {
    actions = [
      "Microsoft.Web/sites/read",
      "Microsoft.Web/sites/stop/action",
      "Microsoft.Web/sites/start/action",
    ]
    data_actions = []
  }
}

resource "azurerm_role_assignment" "sites" {
  for_each           = toset(var.protected_function_app_ids)
  scope              = each.value
  role_definition_id = azurerm_role_definition.sites.role_definition_resource_id
  principal_id       = local.principal
  principal_type     = "ServicePrincipal"
}

# ---------------------------------------------------------------------------------------------
# block-prompt: WAF policies (caller IPs) and the Content Safety blocklist (signatures)
# ---------------------------------------------------------------------------------------------

resource "azurerm_role_definition" "waf_policies" {
  name              = "${var.name}-waf-${local.role_suffix}"
  scope             = local.rg.id
  description       = "aiir block-prompt: its custom rule in Front Door / Application Gateway WAF policies."
  assignable_scopes = local.assignable_scopes
  permissions {
    actions = [
      "Microsoft.Network/frontdoorWebApplicationFirewallPolicies/read",
      "Microsoft.Network/frontdoorWebApplicationFirewallPolicies/write",
      "Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/read",
      "Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/write",
    ]
    data_actions = []
  }
}

resource "azurerm_role_assignment" "waf_policies" {
  for_each           = toset(var.waf_policy_ids)
  scope              = each.value
  role_definition_id = azurerm_role_definition.waf_policies.role_definition_resource_id
  principal_id       = local.principal
  principal_type     = "ServicePrincipal"
}

resource "azurerm_role_definition" "content_safety" {
  name              = "${var.name}-content-safety-${local.role_suffix}"
  scope             = local.rg.id
  description       = "aiir block-prompt: items of the guardrail's text blocklist."
  assignable_scopes = local.assignable_scopes
  permissions {
    actions = []
    data_actions = [
      "Microsoft.CognitiveServices/accounts/ContentSafety/blocklists/read",
      "Microsoft.CognitiveServices/accounts/ContentSafety/blocklists/write",
    ]
  }
}

resource "azurerm_role_assignment" "content_safety" {
  count              = var.content_safety_account_id == null ? 0 : 1
  scope              = var.content_safety_account_id
  role_definition_id = azurerm_role_definition.content_safety.role_definition_resource_id
  principal_id       = local.principal
  principal_type     = "ServicePrincipal"
}

# ---------------------------------------------------------------------------------------------
# notify: the notification topic only
# ---------------------------------------------------------------------------------------------

resource "azurerm_role_definition" "notify" {
  name              = "${var.name}-notify-${local.role_suffix}"
  scope             = local.rg.id
  description       = "aiir notify: publish events to the notification topic."
  assignable_scopes = local.assignable_scopes
  permissions {
    actions = []
    data_actions = [
      "Microsoft.EventGrid/topics/events/send/action",
    ]
  }
}

resource "azurerm_role_assignment" "notify" {
  scope              = local.notify_topic_id
  role_definition_id = azurerm_role_definition.notify.role_definition_resource_id
  principal_id       = local.principal
  principal_type     = "ServicePrincipal"
}

# ---------------------------------------------------------------------------------------------
# trigger-alert: the paging data collection rule only
# ---------------------------------------------------------------------------------------------

resource "azurerm_role_definition" "trigger_alert" {
  name              = "${var.name}-trigger-alert-${local.role_suffix}"
  scope             = local.rg.id
  description       = "aiir trigger-alert: post a page record through the paging data collection rule."
  assignable_scopes = local.assignable_scopes
  permissions {
    actions = []
    data_actions = [
      "Microsoft.Insights/Telemetry/Write",
    ]
  }
}

resource "azurerm_role_assignment" "trigger_alert" {
  count              = local.paging ? 1 : 0
  scope              = azurerm_monitor_data_collection_rule.paging[0].id
  role_definition_id = azurerm_role_definition.trigger_alert.role_definition_resource_id
  principal_id       = local.principal
  principal_type     = "ServicePrincipal"
}

# ---------------------------------------------------------------------------------------------
# Platform: the modelio function's Event Hubs trigger reads with the identity.
# ---------------------------------------------------------------------------------------------

resource "azurerm_role_definition" "modelio" {
  name              = "${var.name}-modelio-${local.role_suffix}"
  scope             = local.rg.id
  description       = "aiir modelio trigger: receive the model's diagnostic logs from one event hub."
  assignable_scopes = local.assignable_scopes
  permissions {
    actions = []
    data_actions = [
      "Microsoft.EventHub/namespaces/messages/receive/action",
    ]
  }
}

resource "azurerm_role_assignment" "modelio" {
  count              = var.modelio_event_hub == null ? 0 : 1
  scope              = var.modelio_event_hub.id
  role_definition_id = azurerm_role_definition.modelio.role_definition_resource_id
  principal_id       = local.principal
  principal_type     = "ServicePrincipal"
}
