# trigger-alert: aiir pages on-call through Azure Monitor. It posts one record per page to a
# Logs Ingestion stream (table AiirPages_CL); a log search alert rule on that table notifies
# your on-call action groups (never aiir's own, so a page cannot loop back into aiir).
# Created when paging_action_group_ids is not empty; otherwise AIIR_PAGE_TARGET is unset and
# the default playbook plans no page.

locals {
  paging      = length(var.paging_action_group_ids) > 0
  page_stream = "Custom-AiirPages_CL"
  page_columns = [
    { name = "TimeGenerated", type = "datetime" },
    { name = "IncidentId", type = "string" },
    { name = "StepId", type = "string" },
    { name = "Kind", type = "string" },
    { name = "Severity", type = "string" },
    { name = "Title", type = "string" },
    { name = "Source", type = "string" },
    { name = "Undo", type = "string" },
    { name = "Resources", type = "dynamic" },
    { name = "Atlas", type = "dynamic" },
  ]
  page_target = (local.paging
    ? "${azurerm_monitor_data_collection_endpoint.paging[0].logs_ingestion_endpoint}/dataCollectionRules/${azurerm_monitor_data_collection_rule.paging[0].immutable_id}/streams/${local.page_stream}"
  : null)
}

resource "azurerm_log_analytics_workspace_table_custom_log" "pages" {
  count        = local.paging ? 1 : 0
  name         = "AiirPages_CL"
  workspace_id = azurerm_log_analytics_workspace.this.id

  dynamic "column" {
    for_each = local.page_columns
    content {
      name = column.value.name
      type = column.value.type
    }
  }
}

resource "azurerm_monitor_data_collection_endpoint" "paging" {
  count                         = local.paging ? 1 : 0
  name                          = "${var.name}-paging"
  resource_group_name           = local.rg.name
  location                      = var.location
  public_network_access_enabled = true
  tags                          = local.tags
}

resource "azurerm_monitor_data_collection_rule" "paging" {
  count                       = local.paging ? 1 : 0
  name                        = "${var.name}-paging"
  resource_group_name         = local.rg.name
  location                    = var.location
  data_collection_endpoint_id = azurerm_monitor_data_collection_endpoint.paging[0].id
  tags                        = local.tags

  destinations {
    log_analytics {
      workspace_resource_id = azurerm_log_analytics_workspace.this.id
      name                  = "aiir"
    }
  }

  data_flow {
    streams       = [local.page_stream]
    destinations  = ["aiir"]
    output_stream = local.page_stream
    transform_kql = "source"
  }

  stream_declaration {
    stream_name = local.page_stream
    dynamic "column" {
      for_each = local.page_columns
      content {
        name = column.value.name
        type = column.value.type
      }
    }
  }

  depends_on = [azurerm_log_analytics_workspace_table_custom_log.pages]
}

# One alert per page (a redelivered step carries the same StepId), to on-call.
resource "azurerm_monitor_scheduled_query_rules_alert_v2" "page" {
  count                   = local.paging ? 1 : 0
  name                    = "${var.name}-page-on-call"
  resource_group_name     = local.rg.name
  location                = var.location
  scopes                  = [azurerm_log_analytics_workspace.this.id]
  description             = "aiir paged on-call (trigger-alert): a critical incident needs a human now."
  severity                = 0
  evaluation_frequency    = "PT1M"
  window_duration         = "PT5M"
  auto_mitigation_enabled = false

  criteria {
    query                   = <<-KQL
      AiirPages_CL
      | summarize arg_min(TimeGenerated, *) by StepId
    KQL
    time_aggregation_method = "Count"
    operator                = "GreaterThan"
    threshold               = 0

    dimension {
      name     = "IncidentId"
      operator = "Include"
      values   = ["*"]
    }

    failing_periods {
      number_of_evaluation_periods             = 1
      minimum_failing_periods_to_trigger_alert = 1
    }
  }

  action {
    action_groups = var.paging_action_group_ids
  }

  tags = local.tags
}
