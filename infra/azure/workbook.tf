# Azure Monitor workbook over the metric lines aiir logs (`{"aiir_metric": NAME, "value": V,
# "unit": U, "cloud": "azure", "kind": INCIDENT_KIND}` in AppTraces), the same panels as the
# Grafana dashboard (infra/dashboards/aiir-overview.json).

locals {
  # One KQL query per panel: the named aiir metrics, summed per bin, split by `split`.
  wb_query = { for k, p in local.wb_panels : k => join("\n", [
    "AppTraces",
    "| where Message has \"aiir_metric\"",
    "| extend m = parse_json(Message)",
    "| extend metric = tostring(m.aiir_metric), kind = tostring(m.kind), value = todouble(m.value)",
    "| where metric in (${join(", ", [for n in p.metrics : "\"${n}\""])})${p.filter}",
    p.summary,
  ]) }

  wb_panels = {
    drift = {
      title   = "Drift: detector findings and drift incidents", metrics = ["DetectorFindings", "IncidentsHandled"]
      filter  = " and (metric == \"DetectorFindings\" or kind == \"model-drift\")", viz = "timechart"
      summary = "| summarize value = sum(value) by bin(TimeGenerated, 5m), metric"
    }
    prompt = {
      title   = "Prompt anomalies: prompt-attack incidents per hour", metrics = ["IncidentsHandled"]
      filter  = " and kind == \"prompt-attack\"", viz = "barchart"
      summary = "| summarize value = sum(value) by bin(TimeGenerated, 1h)"
    }
    latency = {
      title   = "Latency: alert to contained (ms)", metrics = ["AlertToContainedMs"], filter = "", viz = "timechart"
      summary = "| summarize p50 = percentile(value, 50), p99 = percentile(value, 99) by bin(TimeGenerated, 15m)"
    }
    throughput = {
      title   = "Throughput: incidents handled by kind", metrics = ["IncidentsHandled"], filter = "", viz = "timechart"
      summary = "| summarize value = sum(value) by bin(TimeGenerated, 15m), kind"
    }
    guardrail = {
      title   = "Guardrail violations: prompt-attack and data-leakage actions", metrics = ["ActionsApplied", "ActionsDryRun"]
      filter  = " and kind in (\"prompt-attack\", \"data-leakage\")", viz = "timechart"
      summary = "| summarize value = sum(value) by bin(TimeGenerated, 15m), metric, kind"
    }
    ir = {
      title   = "IR alerts: escalations, failures, duplicates, rejected, awaiting approval"
      metrics = ["Escalations", "ActionsFailed", "DuplicateAlerts", "AlertsRejected", "ActionsAwaitingApproval"]
      filter  = "", viz = "timechart"
      summary = "| summarize value = sum(value) by bin(TimeGenerated, 15m), metric"
    }
  }

  workbook = {
    version = "Notebook/1.0"
    items = concat(
      [{ type = 1, name = "intro", content = { json = "## aiir (${var.name})\nMetrics the responder logs per handled incident (AppTraces, `aiir_metric`)." } }],
      [for k in ["drift", "prompt", "latency", "throughput", "guardrail", "ir"] : {
        type = 3
        name = k
        content = {
          version       = "KqlItem/1.0"
          title         = local.wb_panels[k].title
          query         = local.wb_query[k]
          size          = 0
          timeContext   = { durationMs = 86400000 }
          queryType     = 0
          resourceType  = "microsoft.operationalinsights/workspaces"
          visualization = local.wb_panels[k].viz
        }
      }],
    )
    fallbackResourceIds = [azurerm_log_analytics_workspace.this.id]
    "$schema"           = "https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json"
  }
}

resource "azurerm_application_insights_workbook" "this" {
  name                = uuidv5("url", "https://aiir/${local.rg.id}/${var.name}/workbook")
  resource_group_name = local.rg.name
  location            = var.location
  display_name        = "aiir (${var.name})"
  source_id           = lower(azurerm_log_analytics_workspace.this.id)
  data_json           = jsonencode(local.workbook)
  tags                = local.tags
}
