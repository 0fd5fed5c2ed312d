data "azurerm_resource_group" "this" {
  name = var.resource_group_name
}

locals {
  rg     = data.azurerm_resource_group.this
  suffix = substr(md5(local.rg.id), 0, 6)

  create_notify = var.notify_topic_id == null
  notify_topic_id = (local.create_notify
    ? azurerm_eventgrid_topic.notify[0].id
  : var.notify_topic_id)
  notify_topic_endpoint = (local.create_notify
    ? azurerm_eventgrid_topic.notify[0].endpoint
  : var.notify_topic_endpoint)

  app_settings = merge(
    {
      FUNCTIONS_WORKER_RUNTIME = "custom"
      AZURE_CLIENT_ID          = azurerm_user_assigned_identity.responder.client_id
      AIIR_STORAGE_ACCOUNT     = azurerm_storage_account.data.name
      AIIR_STATE_TABLE         = azurerm_storage_table.state.name
      AIIR_AUDIT_CONTAINER     = azurerm_storage_container.audit.name
      AIIR_DRY_RUN             = tostring(var.dry_run)
      AIIR_QUARANTINE_BUCKET   = var.quarantine_container
      AIIR_NOTIFY_TOPIC        = local.notify_topic_endpoint
    },
    var.blocklist_url == null ? {} : { AIIR_BLOCKLIST = var.blocklist_url },
    length(var.waf_policy_ids) == 0 ? {} : { AIIR_WAF_IP_SET = var.waf_policy_ids[0] },
    var.tool_secret == null ? {} : { AIIR_TOOL_SECRET = var.tool_secret },
    var.encryption_key_id == null ? {} : { AIIR_KMS_KEY = var.encryption_key_id },
    var.playbook_path == null ? {} : { AIIR_PLAYBOOK = var.playbook_path },
    local.page_target == null ? {} : { AIIR_PAGE_TARGET = local.page_target },
    # Identity-based Event Hubs connection for the modelio function (no connection string).
    var.modelio_event_hub == null ? {} : {
      AIIR_MODELIO_EVENTHUB                                     = var.modelio_event_hub.name
      AIIR_MODELIO_EVENTHUB_CONNECTION__fullyQualifiedNamespace = var.modelio_event_hub.namespace_fqdn
      AIIR_MODELIO_EVENTHUB_CONNECTION__credential              = "managedidentity"
      AIIR_MODELIO_EVENTHUB_CONNECTION__clientId                = azurerm_user_assigned_identity.responder.client_id
    },
    { AzureFunctionsJobHost__functionTimeout = var.function_timeout },
  )

  tags = merge({ "app" = "aiir", "aiir-component" = "responder" }, var.tags)
}

# ---------------------------------------------------------------------------------------------
# Logs and telemetry: Application Insights on a Log Analytics workspace. The handler's metric
# lines (`{"aiir_metric": …}`) land in AppTraces; the workbook and the alert rules read them.
# ---------------------------------------------------------------------------------------------

resource "azurerm_log_analytics_workspace" "this" {
  name                = "${var.name}-logs"
  resource_group_name = local.rg.name
  location            = var.location
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days
  tags                = local.tags
}

resource "azurerm_application_insights" "this" {
  name                = "${var.name}-insights"
  resource_group_name = local.rg.name
  location            = var.location
  workspace_id        = azurerm_log_analytics_workspace.this.id
  application_type    = "other"
  retention_in_days   = var.log_retention_days
  tags                = local.tags
}

# ---------------------------------------------------------------------------------------------
# The function: Linux Function App running the aiir-azure custom handler, with a user-assigned
# identity (its only permissions are the custom roles in rbac.tf).
# ---------------------------------------------------------------------------------------------

resource "azurerm_user_assigned_identity" "responder" {
  name                = "${var.name}-responder"
  resource_group_name = local.rg.name
  location            = var.location
  tags                = local.tags
}

resource "azurerm_service_plan" "this" {
  #checkov:skip=CKV_AZURE_212:Alert-driven responder on Consumption (Y1) by default; zone redundancy needs Elastic Premium, choose it with service_plan_sku.
  #checkov:skip=CKV_AZURE_225:Zone redundancy needs an Elastic Premium plan; the default is Consumption (scale-out is the platform's).
  name                = "${var.name}-plan"
  resource_group_name = local.rg.name
  location            = var.location
  os_type             = "Linux"
  sku_name            = var.service_plan_sku
  tags                = local.tags
}

resource "azurerm_linux_function_app" "responder" {
  #checkov:skip=CKV_AZURE_56:Callers are Azure Monitor action groups and Event Grid; each function has authLevel=function (keys), and Entra ID auth would reject action-group webhooks.
  #checkov:skip=CKV_AZURE_221:Action groups, Event Grid and budget notifications reach the app over the public endpoint (no private endpoint on Consumption).
  #checkov:skip=CKV2_AZURE_57:Consumption plans cannot use private endpoints; inbound is authenticated by function keys.
  # A global name (*.azurewebsites.net): the suffix from the resource group keeps it unique.
  name                                           = "${var.name}-responder-${local.suffix}"
  resource_group_name                            = local.rg.name
  location                                       = var.location
  service_plan_id                                = azurerm_service_plan.this.id
  storage_account_name                           = azurerm_storage_account.host.name
  storage_account_access_key                     = azurerm_storage_account.host.primary_access_key
  zip_deploy_file                                = var.function_package
  https_only                                     = true
  builtin_logging_enabled                        = false
  client_certificate_enabled                     = false
  client_certificate_mode                        = "Required"
  ftp_publish_basic_authentication_enabled       = false
  webdeploy_publish_basic_authentication_enabled = false
  public_network_access_enabled                  = true

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.responder.id]
  }

  key_vault_reference_identity_id = azurerm_user_assigned_identity.responder.id

  site_config {
    application_insights_connection_string = azurerm_application_insights.this.connection_string
    minimum_tls_version                    = "1.2"
    ftps_state                             = "Disabled"
    http2_enabled                          = true
    application_stack {
      use_custom_runtime = true
    }
  }

  app_settings = local.app_settings
  tags         = local.tags

  lifecycle {
    # The default playbook reads ${AIIR_BLOCKLIST} and ${AIIR_KMS_KEY} without a fallback: the
    # function would refuse to start (it validates the playbook before anything else).
    precondition {
      condition     = var.playbook_path != null || (var.blocklist_url != null && var.encryption_key_id != null)
      error_message = "The default playbook needs blocklist_url (AIIR_BLOCKLIST) and encryption_key_id (AIIR_KMS_KEY); set them, or ship your own playbook (playbook_path)."
    }
  }
}

# The action group calls the `alerts` function with its function key (authLevel=function).
data "azurerm_function_app_host_keys" "responder" {
  name                = azurerm_linux_function_app.responder.name
  resource_group_name = local.rg.name
}

locals {
  function_base = "https://${azurerm_linux_function_app.responder.default_hostname}/api"
  alerts_url    = "${local.function_base}/alerts?code=${data.azurerm_function_app_host_keys.responder.default_function_key}"
}
