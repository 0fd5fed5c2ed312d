output "function_app_name" {
  description = "The responder Function App."
  value       = azurerm_linux_function_app.responder.name
}

output "function_base_url" {
  description = "Base URL of the functions (`/alerts`, `/operator`); each needs a function key (`?code=` or `x-functions-key`)."
  value       = local.function_base
}

output "operator_url" {
  description = "The `operator` function (drill, approve, undo, findings) with its key: `aiir drill --target azure --function URL`."
  value       = "${local.function_base}/operator?code=${data.azurerm_function_app_host_keys.responder.default_function_key}"
  sensitive   = true
}

output "identity_principal_id" {
  description = "Object id of the responder's user-assigned managed identity."
  value       = azurerm_user_assigned_identity.responder.principal_id
}

output "identity_client_id" {
  description = "Client id of the managed identity (AZURE_CLIENT_ID)."
  value       = azurerm_user_assigned_identity.responder.client_id
}

output "action_group_id" {
  description = "Add this action group to an existing alert rule to send it to aiir (common alert schema)."
  value       = azurerm_monitor_action_group.aiir.id
}

output "custom_role_ids" {
  description = "The custom roles (one per part of the code), by part."
  value = {
    state             = azurerm_role_definition.state.role_definition_resource_id
    audit             = azurerm_role_definition.audit.role_definition_resource_id
    storage_accounts  = azurerm_role_definition.storage_accounts.role_definition_resource_id
    quarantine        = azurerm_role_definition.quarantine.role_definition_resource_id
    key_vault_secrets = azurerm_role_definition.key_vault_secrets.role_definition_resource_id
    ml_endpoints      = azurerm_role_definition.ml_endpoints.role_definition_resource_id
    sites             = azurerm_role_definition.sites.role_definition_resource_id
    waf_policies      = azurerm_role_definition.waf_policies.role_definition_resource_id
    content_safety    = azurerm_role_definition.content_safety.role_definition_resource_id
    notify            = azurerm_role_definition.notify.role_definition_resource_id
    trigger_alert     = azurerm_role_definition.trigger_alert.role_definition_resource_id
    modelio           = azurerm_role_definition.modelio.role_definition_resource_id
  }
}

output "storage_account" {
  description = "Data account (AIIR_STORAGE_ACCOUNT): state table and audit container."
  value       = azurerm_storage_account.data.name
}

output "state_table" {
  description = "State table (AIIR_STATE_TABLE)."
  value       = azurerm_storage_table.state.name
}

output "audit_container" {
  description = "Immutable audit container (AIIR_AUDIT_CONTAINER)."
  value       = azurerm_storage_container.audit.name
}

output "notify_topic_endpoint" {
  description = "Where notifications and escalations go (AIIR_NOTIFY_TOPIC)."
  value       = local.notify_topic_endpoint
}

output "application_insights_id" {
  description = "Application Insights of the function (logs, aiir metric lines)."
  value       = azurerm_application_insights.this.id
}

output "log_analytics_workspace_id" {
  description = "Workspace the log alert rules and the workbook query."
  value       = azurerm_log_analytics_workspace.this.id
}

output "workbook_id" {
  description = "The aiir workbook."
  value       = azurerm_application_insights_workbook.this.id
}

output "alerting_rules" {
  description = "Alert rule => level, aiir kind, aiir severity."
  value = { for k, p in local.custom_properties : "${var.name}-${k}" => {
    level    = p["aiir:level"]
    kind     = p["aiir:kind"]
    severity = p["aiir:severity"]
  } }
}

output "app_settings" {
  description = "The function's app settings (for a local `aiir-azure invoke` against the deployment)."
  value       = local.app_settings
}

output "page_target" {
  description = "AIIR_PAGE_TARGET: the Logs Ingestion stream trigger-alert posts pages to (null: paging off)."
  value       = local.page_target
}
