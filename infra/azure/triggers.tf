# What feeds aiir: the action group (Azure Monitor alerts, budgets) → the `alerts` function,
# and Event Grid (training-data blobs, resource writes, dataset drift) → the `events` function.

resource "azurerm_monitor_action_group" "aiir" {
  name                = "${var.name}-responder"
  resource_group_name = local.rg.name
  short_name          = substr(var.name, 0, 12)
  tags                = local.tags

  webhook_receiver {
    name                    = "aiir-alerts"
    service_uri             = local.alerts_url
    use_common_alert_schema = true
  }
}

locals {
  events_function_id = "${azurerm_linux_function_app.responder.id}/functions/events"
  training_accounts  = toset([for c in var.training_data_containers : c.storage_account_id])
  account_name       = { for id in local.training_accounts : id => element(split("/", id), length(split("/", id)) - 1) }
}

# Blob created in a training-data container (one system topic per account: Azure allows one).
resource "azurerm_eventgrid_system_topic" "training_data" {
  for_each            = local.training_accounts
  name                = "${var.name}-${local.account_name[each.key]}"
  resource_group_name = local.rg.name
  location            = var.location
  source_resource_id  = each.key
  topic_type          = "Microsoft.Storage.StorageAccounts"
  tags                = local.tags
}

resource "azurerm_eventgrid_system_topic_event_subscription" "training_data" {
  for_each             = { for c in var.training_data_containers : "${c.storage_account_id}/${c.container}" => c }
  name                 = "${var.name}-${substr(md5(each.key), 0, 8)}"
  system_topic         = azurerm_eventgrid_system_topic.training_data[each.value.storage_account_id].name
  resource_group_name  = local.rg.name
  included_event_types = ["Microsoft.Storage.BlobCreated"]

  subject_filter {
    subject_begins_with = "/blobServices/default/containers/${each.value.container}/"
  }

  azure_function_endpoint {
    function_id                       = local.events_function_id
    max_events_per_batch              = 1
    preferred_batch_size_in_kilobytes = 64
  }

  retry_policy {
    max_delivery_attempts = 30
    event_time_to_live    = 1440
  }
}

# Resource write events in the watched resource groups (role assignments, network rules …).
resource "azurerm_eventgrid_system_topic" "resource_groups" {
  for_each            = toset(var.watched_resource_group_ids)
  name                = "${var.name}-rg-${substr(md5(each.key), 0, 8)}"
  resource_group_name = local.rg.name
  location            = "global"
  source_resource_id  = each.key
  topic_type          = "Microsoft.Resources.ResourceGroups"
  tags                = local.tags
}

resource "azurerm_eventgrid_system_topic_event_subscription" "resource_writes" {
  for_each             = azurerm_eventgrid_system_topic.resource_groups
  name                 = "${var.name}-writes"
  system_topic         = each.value.name
  resource_group_name  = local.rg.name
  included_event_types = ["Microsoft.Resources.ResourceWriteSuccess"]

  azure_function_endpoint {
    function_id          = local.events_function_id
    max_events_per_batch = 1
  }

  retry_policy {
    max_delivery_attempts = 30
    event_time_to_live    = 1440
  }
}

# Dataset drift detected by Azure ML data drift monitors (the model-drift rule).
resource "azurerm_eventgrid_system_topic" "ml_workspaces" {
  for_each            = toset(var.ml_workspace_ids)
  name                = "${var.name}-ml-${substr(md5(each.key), 0, 8)}"
  resource_group_name = local.rg.name
  location            = var.location
  source_resource_id  = each.key
  topic_type          = "Microsoft.MachineLearningServices.Workspaces"
  tags                = local.tags
}

resource "azurerm_eventgrid_system_topic_event_subscription" "model_drift" {
  for_each             = azurerm_eventgrid_system_topic.ml_workspaces
  name                 = "${var.name}-model-drift"
  system_topic         = each.value.name
  resource_group_name  = local.rg.name
  included_event_types = ["Microsoft.MachineLearningServices.DatasetDriftDetected"]

  azure_function_endpoint {
    function_id          = local.events_function_id
    max_events_per_batch = 1
  }

  retry_policy {
    max_delivery_attempts = 30
    event_time_to_live    = 1440
  }
}

# Endpoint traffic and console (model I/O) logs of the ML workspaces into the module's
# workspace, for the error-rate, service-down and DLP rules.
resource "azurerm_monitor_diagnostic_setting" "ml_workspaces" {
  for_each                   = toset(var.ml_workspace_ids)
  name                       = "${var.name}-aiir"
  target_resource_id         = each.key
  log_analytics_workspace_id = azurerm_log_analytics_workspace.this.id

  enabled_log {
    category = "AmlOnlineEndpointTrafficLog"
  }

  enabled_log {
    category = "AmlOnlineEndpointConsoleLog"
  }
}
