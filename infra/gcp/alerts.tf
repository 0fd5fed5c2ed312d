# The alerting rules that feed aiir (production-alerting practice). Every policy notifies the
# Pub/Sub channel, which pushes to the responder. Each rule states the aiir kind and severity
# it maps to: the policy severity (CRITICAL / ERROR / WARNING = aiir critical / high /
# medium, the intake's mapping) and user labels `aiir-kind`, `severity`, `aiir-level`
# (which the intake reads). README "Alerting rules" has the table.

locals {
  a       = var.alerting
  gcp_sev = { critical = "CRITICAL", high = "ERROR", medium = "WARNING" }
  vertex  = "resource.type = \"aiplatform.googleapis.com/Endpoint\""
  resp    = "metric.type = \"aiplatform.googleapis.com/prediction/online/response_count\""
  down_pc = -100 * local.a.traffic_change_percent / (100 + local.a.traffic_change_percent)

  endpoint_rules = merge([for e, id in var.vertex_endpoints : {
    "${e}-service-down" = {
      level = "critical", kind = "availability", severity = "high"
      what  = "service down: every request to ${e} failed (5XX) for ${local.a.service_down_minutes} minutes"
      conditions = [{
        filter      = "${local.vertex} AND resource.label.endpoint_id = \"${id}\" AND ${local.resp} AND metric.label.response_code = monitoring.regex.full_match(\"5.*\")"
        denominator = "${local.vertex} AND resource.label.endpoint_id = \"${id}\" AND ${local.resp}"
        aligner     = "ALIGN_RATE", reducer = "REDUCE_SUM", period = 60
        comparison  = "COMPARISON_GT", threshold = 0.99, duration = local.a.service_down_minutes * 60
      }]
    }
    "${e}-latency-p99" = {
      level = "critical", kind = "availability", severity = "medium"
      what  = "P99 prediction latency of ${e} above ${local.a.latency_p99_seconds} s"
      conditions = [{
        # prediction_latencies is a distribution in milliseconds.
        filter      = "${local.vertex} AND resource.label.endpoint_id = \"${id}\" AND metric.type = \"aiplatform.googleapis.com/prediction/online/prediction_latencies\""
        denominator = null
        aligner     = "ALIGN_PERCENTILE_99", reducer = "REDUCE_MAX", period = 60
        comparison  = "COMPARISON_GT", threshold = local.a.latency_p99_seconds * 1000, duration = 180
      }]
    }
    "${e}-error-rate" = {
      level = "critical", kind = "availability", severity = "high"
      what  = "5XX error rate of ${e} above ${local.a.error_rate_percent} %"
      conditions = [{
        filter      = "${local.vertex} AND resource.label.endpoint_id = \"${id}\" AND ${local.resp} AND metric.label.response_code = monitoring.regex.full_match(\"5.*\")"
        denominator = "${local.vertex} AND resource.label.endpoint_id = \"${id}\" AND ${local.resp}"
        aligner     = "ALIGN_RATE", reducer = "REDUCE_SUM", period = 60
        comparison  = "COMPARISON_GT", threshold = local.a.error_rate_percent / 100, duration = 180
      }]
    }
    "${e}-unusual-traffic" = {
      level = "warning", kind = "availability", severity = "medium"
      what  = "requests to ${e} changed by more than +${local.a.traffic_change_percent} % / ${floor(local.down_pc)} % within 10 minutes"
      conditions = [for c in [["COMPARISON_GT", local.a.traffic_change_percent], ["COMPARISON_LT", local.down_pc]] : {
        filter      = "${local.vertex} AND resource.label.endpoint_id = \"${id}\" AND ${local.resp}"
        denominator = null
        aligner     = "ALIGN_PERCENT_CHANGE", reducer = "REDUCE_SUM", period = 600
        comparison  = c[0], threshold = c[1], duration = 600
      }]
    }
  }]...)

  project_rules = merge(
    {
      "disk" = {
        level = "warning", kind = "availability", severity = "medium"
        what  = "disk of a model-serving VM above ${local.a.disk_percent} % (Ops Agent)"
        conditions = [{
          filter      = join(" AND ", compact(["resource.type = \"gce_instance\"", "metric.type = \"agent.googleapis.com/disk/percent_used\"", "metric.label.state = \"used\"", local.a.disk_instance_filter]))
          denominator = null
          aligner     = "ALIGN_MAX", reducer = "REDUCE_NONE", period = 300
          comparison  = "COMPARISON_GT", threshold = local.a.disk_percent, duration = 600
        }]
      }
    },
    local.a.drift_metric_type == null ? {} : {
      "model-drift" = {
        level = "warning", kind = "model-drift", severity = "high"
        what  = "${local.a.drift_metric_type} above ${local.a.drift_threshold}"
        conditions = [{
          filter      = "metric.type = \"${local.a.drift_metric_type}\""
          denominator = null
          aligner     = "ALIGN_MAX", reducer = "REDUCE_MAX", period = 3600
          comparison  = "COMPARISON_GT", threshold = local.a.drift_threshold, duration = 0
        }]
      }
    },
    var.model_io_log_filter == null ? {} : {
      "dlp-secret-or-pii-in-output" = {
        level = "critical", kind = "data-leakage", severity = "critical"
        what  = "secret or PII marker in a model output (log-based metric ${var.name}_dlp_matches)"
        conditions = [{
          filter      = "metric.type = \"logging.googleapis.com/user/${var.name}_dlp_matches\""
          denominator = null
          aligner     = "ALIGN_SUM", reducer = "REDUCE_SUM", period = 60
          comparison  = "COMPARISON_GT", threshold = local.a.dlp_matches - 0.5, duration = 0
        }]
      }
    },
  )

  threshold_rules = merge(local.endpoint_rules, local.project_rules)

  # Rules with their own condition shape.
  drift_log_rule = local.a.drift_metric_type != null ? {} : {
    "model-drift" = {
      level = "warning", kind = "model-drift", severity = "high"
      what  = "Vertex AI Model Monitoring logged a drift / skew anomaly"
    }
  }
  rate_limit_rule = {
    "api-rate-limit" = {
      level = "warning", kind = "availability", severity = "medium"
      what  = "${local.a.rate_limit_service} per-minute quota usage above ${local.a.rate_limit_percent_of_quota} %"
    }
  }

  all_rules = merge(local.threshold_rules, local.drift_log_rule, local.rate_limit_rule)
  rule_labels = { for k, r in local.all_rules : k => {
    "aiir-level" = r.level
    "aiir-kind"  = r.kind
    "severity"   = r.severity
  } }
}

resource "google_monitoring_alert_policy" "threshold" {
  for_each              = local.threshold_rules
  project               = var.project
  display_name          = "${var.name}-${each.key}"
  combiner              = "OR"
  severity              = local.gcp_sev[each.value.severity]
  notification_channels = [google_monitoring_notification_channel.aiir.id]
  user_labels           = merge(local.labels, local.rule_labels[each.key])

  documentation {
    content   = "aiir alerting rule (${each.value.level}): ${each.value.what}. Maps to aiir kind=${each.value.kind} severity=${each.value.severity}."
    mime_type = "text/markdown"
  }

  dynamic "conditions" {
    for_each = each.value.conditions
    content {
      display_name = "${each.key} ${conditions.value.comparison}"
      condition_threshold {
        filter                  = conditions.value.filter
        denominator_filter      = conditions.value.denominator
        comparison              = conditions.value.comparison
        threshold_value         = conditions.value.threshold
        duration                = "${conditions.value.duration}s"
        evaluation_missing_data = "EVALUATION_MISSING_DATA_INACTIVE"

        aggregations {
          alignment_period     = "${conditions.value.period}s"
          per_series_aligner   = conditions.value.aligner
          cross_series_reducer = conditions.value.reducer
        }

        dynamic "denominator_aggregations" {
          for_each = conditions.value.denominator == null ? [] : [1]
          content {
            alignment_period     = "${conditions.value.period}s"
            per_series_aligner   = conditions.value.aligner
            cross_series_reducer = conditions.value.reducer
          }
        }
      }
    }
  }

  depends_on = [google_logging_metric.dlp]
}

# Model drift without a drift metric of your own: Vertex AI Model Monitoring's anomaly log.
resource "google_monitoring_alert_policy" "model_drift_log" {
  for_each              = local.drift_log_rule
  project               = var.project
  display_name          = "${var.name}-${each.key}"
  combiner              = "OR"
  severity              = local.gcp_sev[each.value.severity]
  notification_channels = [google_monitoring_notification_channel.aiir.id]
  user_labels           = merge(local.labels, local.rule_labels[each.key])

  documentation {
    content   = "aiir alerting rule (${each.value.level}): ${each.value.what}. Maps to aiir kind=${each.value.kind} severity=${each.value.severity}."
    mime_type = "text/markdown"
  }

  conditions {
    display_name = "model monitoring anomaly"
    condition_matched_log {
      filter = "logName = \"projects/${var.project}/logs/aiplatform.googleapis.com%2Fmodel_monitoring_anomaly\""
    }
  }

  alert_strategy {
    notification_rate_limit {
      period = "3600s"
    }
    auto_close = "86400s"
  }
}

# API rate limit approaching: per-minute quota usage / quota limit (PromQL over
# consumer_quota, the documented quota metrics).
resource "google_monitoring_alert_policy" "rate_limit" {
  for_each              = local.rate_limit_rule
  project               = var.project
  display_name          = "${var.name}-${each.key}"
  combiner              = "OR"
  severity              = local.gcp_sev[each.value.severity]
  notification_channels = [google_monitoring_notification_channel.aiir.id]
  user_labels           = merge(local.labels, local.rule_labels[each.key])

  documentation {
    content   = "aiir alerting rule (${each.value.level}): ${each.value.what}. Maps to aiir kind=${each.value.kind} severity=${each.value.severity}."
    mime_type = "text/markdown"
  }

  conditions {
    display_name = "quota usage ratio"
    condition_prometheus_query_language {
      query               = <<-PROMQL
        sum by (quota_metric, location) (rate(serviceruntime_googleapis_com:quota_rate_net_usage{monitored_resource="consumer_quota", service="${local.a.rate_limit_service}"}[1m])) * 60
        / max by (quota_metric, location) (serviceruntime_googleapis_com:quota_limit{monitored_resource="consumer_quota", service="${local.a.rate_limit_service}", limit_name=~".*PerMinute.*"})
        > ${local.a.rate_limit_percent_of_quota / 100}
      PROMQL
      duration            = "300s"
      evaluation_interval = "60s"
    }
  }
}

# DLP: secret / PII markers in the model's outputs, counted by a log-based metric.
resource "google_logging_metric" "dlp" {
  count   = var.model_io_log_filter == null ? 0 : 1
  project = var.project
  name    = "${var.name}_dlp_matches"
  filter = join(" AND ", [
    "(${var.model_io_log_filter})",
    "(${join(" OR ", [for f in ["textPayload", "jsonPayload.output", "jsonPayload.response", "jsonPayload.message", "jsonPayload.text", "jsonPayload.content"] : "${f} =~ \"${replace(var.dlp_regex, "\"", "\\\"")}\""])})",
  ])
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
  }
}

# Cost spike: forecast spend above cost_spike_factor x the normal month, to the aiir channel.
resource "google_billing_budget" "cost_spike" {
  count           = local.a.cost_normal_monthly == null || local.a.billing_account == null ? 0 : 1
  billing_account = local.a.billing_account
  display_name    = "${var.name}-cost-spike"

  budget_filter {
    projects = ["projects/${data.google_project.this.number}"]
  }

  amount {
    specified_amount {
      currency_code = local.a.cost_currency
      units         = tostring(local.a.cost_normal_monthly)
    }
  }

  threshold_rules {
    threshold_percent = local.a.cost_spike_factor
    spend_basis       = "FORECASTED_SPEND"
  }

  all_updates_rule {
    monitoring_notification_channels = [google_monitoring_notification_channel.aiir.id]
    disable_default_iam_recipients   = false
  }
}

# The responder's own health goes to people (the notify topic's subscribers), never back into
# aiir: 5XX replies of the service (failed or retried deliveries).
resource "google_monitoring_alert_policy" "responder_errors" {
  project      = var.project
  display_name = "${var.name}-responder-errors"
  combiner     = "OR"
  severity     = "ERROR"
  user_labels  = local.labels
  # People, never the aiir channel.
  notification_channels = var.operator_notification_channels

  documentation {
    content   = "aiir responder requests failed (5XX); see the service's logs and the dead-letter subscription ${google_pubsub_subscription.dead_letter.name}."
    mime_type = "text/markdown"
  }

  conditions {
    display_name = "responder 5XX"
    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND resource.label.service_name = \"${google_cloud_run_v2_service.responder.name}\" AND metric.type = \"run.googleapis.com/request_count\" AND metric.label.response_code_class = \"5xx\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }
}
