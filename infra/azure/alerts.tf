# The alerting rules that feed aiir (production-alerting practice). Every rule notifies the
# action group, which calls the `alerts` function with the common alert schema. Each rule
# states the aiir kind and severity it maps to: Azure severity Sev0/1/2 = aiir critical/
# high/medium (the intake's mapping), and custom properties `aiir:kind` / `aiir:severity`
# (which the intake reads first), `aiir:level` (critical / warning paging level).
# README "Alerting rules" has the table.

locals {
  a   = var.alerting
  sev = { critical = 0, high = 1, medium = 2, low = 3 }
  ep  = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"

  # Metric alerts: one entry per (rule, endpoint or deployment).
  metric_rules = merge(
    merge([for e, id in var.ml_online_endpoints : merge(
      {
        "${e}-latency-p99" = {
          level = "critical", kind = "availability", severity = "medium", scope = id
          what  = "P99 request latency of ${e} above ${local.a.latency_p99_seconds} s"
          ns    = local.ep, metric = "RequestLatency_P99", aggregation = "Average"
          # RequestLatency_P99 is in milliseconds.
          operator = "GreaterThan", threshold = local.a.latency_p99_seconds * 1000, dynamic = false
        }
        "${e}-unusual-traffic" = {
          level    = "warning", kind = "availability", severity = "medium", scope = id
          what     = "requests per minute of ${e} outside the learned band (dynamic threshold, ${local.a.traffic_sensitivity} sensitivity)"
          ns       = local.ep, metric = "RequestsPerMinute", aggregation = "Average"
          operator = "GreaterOrLessThan", threshold = null, dynamic = true
        }
      },
      local.a.requests_per_minute_quota == null ? {} : {
        "${e}-api-rate-limit" = {
          level    = "warning", kind = "availability", severity = "medium", scope = id
          what     = "requests per minute of ${e} above ${local.a.rate_limit_percent_of_quota} % of the ${local.a.requests_per_minute_quota}/min limit"
          ns       = local.ep, metric = "RequestsPerMinute", aggregation = "Average"
          operator = "GreaterThan", threshold = local.a.requests_per_minute_quota * local.a.rate_limit_percent_of_quota / 100, dynamic = false
        }
      },
    )]...),
    { for d, id in var.ml_online_deployments : "${d}-disk" => {
      level    = "warning", kind = "availability", severity = "medium", scope = id
      what     = "disk utilisation of ${d} above ${local.a.disk_percent} %"
      ns       = "${local.ep}/deployments", metric = "DiskUtilization", aggregation = "Maximum"
      operator = "GreaterThan", threshold = local.a.disk_percent, dynamic = false
    } },
  )

  # Log search alerts over the module's Log Analytics workspace.
  log_rules = merge(
    merge([for e, id in var.ml_online_endpoints : {
      "${e}-service-down" = {
        level  = "critical", kind = "availability", severity = "high"
        what   = "service down: every request to ${e} failed (5XX) for ${local.a.service_down_minutes} minutes"
        query  = <<-KQL
          AmlOnlineEndpointTrafficLog
          | where EndpointName == "${e}"
          | summarize total = count(), failed = countif(toint(ResponseCode) >= 500)
          | where total > 0 and failed == total
        KQL
        window = "PT${local.a.service_down_minutes}M", measure = null, aggregation = "Count", operator = "GreaterThan", threshold = 0
      }
      "${e}-error-rate" = {
        level  = "critical", kind = "availability", severity = "high"
        what   = "5XX error rate of ${e} above ${local.a.error_rate_percent} %"
        query  = <<-KQL
          AmlOnlineEndpointTrafficLog
          | where EndpointName == "${e}"
          | summarize total = count(), failed = countif(toint(ResponseCode) >= 500)
          | where total > 0
          | extend error_rate = 100.0 * failed / total
        KQL
        window = "PT5M", measure = "error_rate", aggregation = "Maximum", operator = "GreaterThan", threshold = local.a.error_rate_percent
      }
    }]...),
    {
      "dlp-secret-or-pii-in-output" = {
        level  = "critical", kind = "data-leakage", severity = "critical"
        what   = "secret or PII marker in a model output (${var.model_io_table}.${var.model_io_column})"
        query  = <<-KQL
          ${var.model_io_table}
          | where ${var.model_io_column} matches regex @"${replace(var.dlp_regex, "\"", "\"\"")}"
        KQL
        window = "PT5M", measure = null, aggregation = "Count", operator = "GreaterThanOrEqual", threshold = local.a.dlp_matches
      }
    },
  )

  custom_properties = {
    for k, r in merge(local.metric_rules, local.log_rules) : k => {
      "aiir:level"    = r.level
      "aiir:kind"     = r.kind
      "aiir:severity" = r.severity
    }
  }
}

resource "azurerm_monitor_metric_alert" "rule" {
  for_each            = local.metric_rules
  name                = "${var.name}-${each.key}"
  resource_group_name = local.rg.name
  scopes              = [each.value.scope]
  description         = "aiir alerting rule (${each.value.level}): ${each.value.what}. Maps to aiir kind=${each.value.kind} severity=${each.value.severity}."
  severity            = local.sev[each.value.severity]
  frequency           = "PT1M"
  window_size         = each.value.dynamic ? "PT15M" : "PT5M"
  auto_mitigate       = true

  dynamic "criteria" {
    for_each = each.value.dynamic ? [] : [each.value]
    content {
      metric_namespace = criteria.value.ns
      metric_name      = criteria.value.metric
      aggregation      = criteria.value.aggregation
      operator         = criteria.value.operator
      threshold        = criteria.value.threshold
    }
  }

  dynamic "dynamic_criteria" {
    for_each = each.value.dynamic ? [each.value] : []
    content {
      metric_namespace  = dynamic_criteria.value.ns
      metric_name       = dynamic_criteria.value.metric
      aggregation       = dynamic_criteria.value.aggregation
      operator          = dynamic_criteria.value.operator
      alert_sensitivity = local.a.traffic_sensitivity
    }
  }

  action {
    action_group_id    = azurerm_monitor_action_group.aiir.id
    webhook_properties = local.custom_properties[each.key]
  }

  tags = merge(local.tags, local.custom_properties[each.key])
}

resource "azurerm_monitor_scheduled_query_rules_alert_v2" "rule" {
  for_each                = local.log_rules
  name                    = "${var.name}-${each.key}"
  resource_group_name     = local.rg.name
  location                = var.location
  scopes                  = [azurerm_log_analytics_workspace.this.id]
  description             = "aiir alerting rule (${each.value.level}): ${each.value.what}. Maps to aiir kind=${each.value.kind} severity=${each.value.severity}."
  severity                = local.sev[each.value.severity]
  evaluation_frequency    = "PT1M"
  window_duration         = each.value.window
  auto_mitigation_enabled = true

  criteria {
    query                   = each.value.query
    metric_measure_column   = each.value.measure
    time_aggregation_method = each.value.aggregation
    operator                = each.value.operator
    threshold               = each.value.threshold

    failing_periods {
      number_of_evaluation_periods             = 1
      minimum_failing_periods_to_trigger_alert = 1
    }
  }

  action {
    action_groups     = [azurerm_monitor_action_group.aiir.id]
    custom_properties = local.custom_properties[each.key]
  }

  tags = merge(local.tags, local.custom_properties[each.key])
}

# Cost spike: forecast spend of the month above cost_spike_factor x the normal month. Budget
# notifications reach the action group in the common alert schema (no custom properties: the
# rule name contains "cost", which the default playbook classifies as kind cost).
resource "azurerm_consumption_budget_resource_group" "cost_spike" {
  count             = local.a.cost_normal_monthly == null ? 0 : 1
  name              = "${var.name}-cost-spike"
  resource_group_id = coalesce(local.a.cost_resource_group_id, local.rg.id)
  amount            = local.a.cost_normal_monthly
  time_grain        = "Monthly"

  time_period {
    start_date = formatdate("YYYY-MM-01'T'00:00:00Z", plantimestamp())
  }

  notification {
    enabled        = true
    threshold      = local.a.cost_spike_factor * 100
    operator       = "GreaterThan"
    threshold_type = "Forecasted"
    contact_groups = [azurerm_monitor_action_group.aiir.id]
  }

  lifecycle {
    ignore_changes = [time_period]
  }
}

# The responder's own health goes to people, never back into aiir: failed invocations.
resource "azurerm_monitor_scheduled_query_rules_alert_v2" "responder_errors" {
  name                 = "${var.name}-responder-errors"
  resource_group_name  = local.rg.name
  location             = var.location
  scopes               = [azurerm_application_insights.this.id]
  description          = "aiir responder invocations failed (see the function's logs in Application Insights)."
  severity             = 1
  evaluation_frequency = "PT5M"
  window_duration      = "PT5M"

  criteria {
    query                   = <<-KQL
      requests
      | where success == false
    KQL
    time_aggregation_method = "Count"
    operator                = "GreaterThanOrEqual"
    threshold               = 1

    failing_periods {
      number_of_evaluation_periods             = 1
      minimum_failing_periods_to_trigger_alert = 1
    }
  }

  dynamic "action" {
    for_each = var.operator_action_group_id == null ? [] : [var.operator_action_group_id]
    content {
      action_groups = [action.value]
    }
  }

  tags = local.tags
}
