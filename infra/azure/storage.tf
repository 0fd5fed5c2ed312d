# Two accounts: the Functions host's own (keys, leases; the runtime needs a connection) and
# aiir's data account (state table, immutable audit container), reachable only with Entra ID
# tokens, so a leaked host key cannot touch the audit trail.

resource "azurerm_storage_account" "host" {
  #checkov:skip=CKV2_AZURE_40:The Functions runtime (AzureWebJobsStorage) of a Consumption app connects with the account key; aiir's data lives in the data account, which has shared keys off.
  #checkov:skip=CKV2_AZURE_41:No SAS is issued from this account; the host uses its key.
  #checkov:skip=CKV2_AZURE_1:Host scratch storage (function keys, leases), encrypted with Microsoft-managed keys; aiir's records are in the data account.
  #checkov:skip=CKV2_AZURE_33:Consumption plans reach their host storage over the public endpoint; no private endpoint.
  #checkov:skip=CKV_AZURE_59:Consumption plans reach their host storage over the public endpoint.
  #checkov:skip=CKV_AZURE_33:No queues are used by this app; queue logging adds cost without a reader.
  #checkov:skip=CKV_AZURE_206:Host scratch storage; LRS is what the Functions host needs (state and audit are in the GRS data account).
  #checkov:skip=CKV2_AZURE_38:Host scratch storage (leases, keys) is recreated by the host; soft delete would keep stale leases.
  name                            = "${substr(var.name, 0, 12)}host${local.suffix}"
  resource_group_name             = local.rg.name
  location                        = var.location
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  min_tls_version                 = "TLS1_2"
  https_traffic_only_enabled      = true
  allow_nested_items_to_be_public = false
  tags                            = local.tags
}

resource "azurerm_storage_account" "data" {
  #checkov:skip=CKV2_AZURE_1:Encrypted with Microsoft-managed keys: a customer-managed key would put Key Vault on the containment path (a vault outage would stop de-duplication and audit writes).
  #checkov:skip=CKV2_AZURE_33:The function (Consumption plan) reaches the account over the public endpoint; access needs an Entra ID token (shared keys are off) and a custom role scoped to the table / container.
  #checkov:skip=CKV_AZURE_59:Reached over the public endpoint by the Consumption-plan function; shared keys are off, so only Entra ID principals with a role get in.
  #checkov:skip=CKV_AZURE_33:No queues in this account.
  name                            = "${substr(var.name, 0, 12)}data${local.suffix}"
  resource_group_name             = local.rg.name
  location                        = var.location
  account_tier                    = "Standard"
  account_replication_type        = var.storage_replication
  min_tls_version                 = "TLS1_2"
  https_traffic_only_enabled      = true
  allow_nested_items_to_be_public = false
  shared_access_key_enabled       = false
  default_to_oauth_authentication = true
  tags                            = local.tags

  blob_properties {
    versioning_enabled = true
    delete_retention_policy {
      days = 30
    }
    container_delete_retention_policy {
      days = 30
    }
  }

  sas_policy {
    expiration_period = "0.01:00:00"
  }
}

# State: de-duplication claims, approvals, blast-radius counters, undo records.
resource "azurerm_storage_table" "state" {
  #checkov:skip=CKV2_AZURE_20:Read, write and delete requests of the table service are logged by azurerm_monitor_diagnostic_setting.data_table (resource logs to Log Analytics, which replaces Storage Analytics logging).
  name                 = "${var.name}state"
  storage_account_name = azurerm_storage_account.data.name
}

# Audit records: one blob per step, written once (If-None-Match: *) under a time-based
# retention policy, so nobody (aiir included) can change or delete one before it expires.
resource "azurerm_storage_container" "audit" {
  #checkov:skip=CKV2_AZURE_21:Read, write and delete requests of the blob service are logged by azurerm_monitor_diagnostic_setting.data_blob (resource logs to Log Analytics, which replaces Storage Analytics logging).
  name                  = "${var.name}-audit"
  storage_account_id    = azurerm_storage_account.data.id
  container_access_type = "private"
}

resource "azurerm_storage_container_immutability_policy" "audit" {
  storage_container_resource_manager_id = azurerm_storage_container.audit.id
  immutability_period_in_days           = var.audit_retention_days
  protected_append_writes_enabled       = false
  locked                                = var.audit_policy_locked
}

# Who read or wrote state and audit records: resource logs of the data account's services.
resource "azurerm_monitor_diagnostic_setting" "data_table" {
  name                       = "${var.name}-table-logs"
  target_resource_id         = "${azurerm_storage_account.data.id}/tableServices/default"
  log_analytics_workspace_id = azurerm_log_analytics_workspace.this.id

  enabled_log {
    category = "StorageRead"
  }
  enabled_log {
    category = "StorageWrite"
  }
  enabled_log {
    category = "StorageDelete"
  }
}

resource "azurerm_monitor_diagnostic_setting" "data_blob" {
  name                       = "${var.name}-blob-logs"
  target_resource_id         = "${azurerm_storage_account.data.id}/blobServices/default"
  log_analytics_workspace_id = azurerm_log_analytics_workspace.this.id

  enabled_log {
    category = "StorageRead"
  }
  enabled_log {
    category = "StorageWrite"
  }
  enabled_log {
    category = "StorageDelete"
  }
}

# Notifications and escalations for people (AIIR_NOTIFY_TOPIC), unless one is passed in.
resource "azurerm_eventgrid_topic" "notify" {
  #checkov:skip=CKV_AZURE_193:Subscribers (people's tooling) read from outside the network; publishing needs the Event Grid Data Sender role (local auth is off).
  count                         = local.create_notify ? 1 : 0
  name                          = "${var.name}-notify-${local.suffix}"
  resource_group_name           = local.rg.name
  location                      = var.location
  local_auth_enabled            = false
  public_network_access_enabled = true
  tags                          = local.tags
}
