# aiir's metrics on GCP: the service logs one JSON line per metric set
# (`jsonPayload.message = "aiir metrics"`, `jsonPayload.metrics` = `{"cloud": "gcp", "kind":
# INCIDENT_KIND, "namespace": "aiir", "samples": [{"name": N, "unit": U, "value": V}, …]}`,
# as the service logs it: checked against `aiir-gcp serve` output).
# One log-based distribution metric per aiir metric name (label `kind`) turns them into time
# series; the dashboard charts them with the same panels as the Grafana dashboard.

locals {
  aiir_metrics = [
    "IncidentsHandled", "ActionsApplied", "ActionsFailed", "ActionsDryRun",
    "ActionsAwaitingApproval", "Escalations", "DuplicateAlerts", "AlertToContainedMs",
    "AlertsRejected", "DetectorFindings",
  ]
  promql_metric = { for m in local.aiir_metrics : m => "logging_googleapis_com:user_${var.name}_${m}" }
  sum_by = {
    for m in local.aiir_metrics : m => "sum by (kind) (increase(${local.promql_metric[m]}_sum[5m]))"
  }

  panels = [
    { title = "Drift: detector findings and drift incidents", queries = [local.sum_by["DetectorFindings"], "sum(increase(${local.promql_metric["IncidentsHandled"]}_sum{kind=\"model-drift\"}[5m]))"] },
    { title = "Prompt anomalies: prompt-attack incidents", queries = ["sum(increase(${local.promql_metric["IncidentsHandled"]}_sum{kind=\"prompt-attack\"}[1h]))"] },
    { title = "Latency: alert to contained (ms, p50 / p99)", queries = [for q in ["0.5", "0.99"] : "histogram_quantile(${q}, sum by (le) (rate(${local.promql_metric["AlertToContainedMs"]}_bucket[15m])))"] },
    { title = "Throughput: incidents handled by kind", queries = [local.sum_by["IncidentsHandled"]] },
    { title = "Guardrail violations: actions on prompt-attack and data-leakage", queries = [for m in ["ActionsApplied", "ActionsDryRun"] : "sum by (kind) (increase(${local.promql_metric[m]}_sum{kind=~\"prompt-attack|data-leakage\"}[5m]))"] },
    { title = "IR alerts: escalations, failures, duplicates, rejected, awaiting approval", queries = [for m in ["Escalations", "ActionsFailed", "DuplicateAlerts", "AlertsRejected", "ActionsAwaitingApproval"] : "sum(increase(${local.promql_metric[m]}_sum[5m]))"] },
  ]

  dashboard = {
    displayName = "aiir (${var.name})"
    mosaicLayout = {
      columns = 12
      tiles = [for i, p in local.panels : {
        xPos   = (i % 2) * 6
        yPos   = floor(i / 2) * 4
        width  = 6
        height = 4
        widget = {
          title = p.title
          xyChart = {
            dataSets = [for q in p.queries : {
              plotType        = "LINE"
              timeSeriesQuery = { prometheusQuery = q }
            }]
          }
        }
      }]
    }
  }
}

resource "google_logging_metric" "aiir" {
  for_each = toset(local.aiir_metrics)
  project  = var.project
  name     = "${var.name}_${each.value}"
  filter = join(" AND ", [
    "resource.type = \"cloud_run_revision\"",
    "resource.labels.service_name = \"${var.name}-responder\"",
    "jsonPayload.message = \"aiir metrics\"",
    "jsonPayload.metrics =~ \"\\\"name\\\":\\\"${each.value}\\\"\"",
  ])
  # Sample keys are serialised in order name, unit, value: take the value after the name.
  value_extractor = "REGEXP_EXTRACT(jsonPayload.metrics, \"\\\"name\\\":\\\"${each.value}\\\"[^}]*\\\"value\\\":([0-9.eE+-]+)\")"

  label_extractors = {
    kind = "REGEXP_EXTRACT(jsonPayload.metrics, \"\\\"kind\\\":\\\"([a-z-]+)\\\"\")"
  }

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "DISTRIBUTION"
    unit        = each.value == "AlertToContainedMs" ? "ms" : "1"
    labels {
      key        = "kind"
      value_type = "STRING"
    }
  }

  bucket_options {
    exponential_buckets {
      num_finite_buckets = 32
      growth_factor      = 2
      scale              = 1
    }
  }
}

resource "google_monitoring_dashboard" "this" {
  project        = var.project
  dashboard_json = jsonencode(local.dashboard)
  depends_on     = [google_logging_metric.aiir]
}
