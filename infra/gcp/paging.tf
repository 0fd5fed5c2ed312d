# trigger-alert: aiir pages on-call through Cloud Monitoring. It writes one point of the
# custom metric custom.googleapis.com/aiir/incident (labels incident_id, kind, severity); an
# alert policy on that metric notifies your on-call channels (never aiir's own channel, so a
# page cannot loop back into aiir). Created when paging_notification_channels is not empty;
# otherwise AIIR_PAGE_TARGET is unset and the default playbook plans no page.

locals {
  paging      = length(var.paging_notification_channels) > 0
  page_metric = "custom.googleapis.com/aiir/incident"
}

# Declared up front so the policy below can refer to it before the first page.
resource "google_monitoring_metric_descriptor" "incident" {
  count        = local.paging ? 1 : 0
  project      = var.project
  type         = local.page_metric
  display_name = "aiir incident page"
  description  = "One point per incident aiir pages on-call for (trigger-alert)."
  metric_kind  = "GAUGE"
  value_type   = "INT64"
  unit         = "1"

  labels {
    key        = "incident_id"
    value_type = "STRING"
  }
  labels {
    key        = "kind"
    value_type = "STRING"
  }
  labels {
    key        = "severity"
    value_type = "STRING"
  }
}

resource "google_monitoring_alert_policy" "page" {
  count                 = local.paging ? 1 : 0
  project               = var.project
  display_name          = "${var.name}-page-on-call"
  combiner              = "OR"
  severity              = "CRITICAL"
  notification_channels = var.paging_notification_channels
  user_labels           = local.labels

  documentation {
    content   = "aiir paged on-call (trigger-alert): a critical incident needs a human now. One alert per incident (series label incident_id)."
    mime_type = "text/markdown"
  }

  conditions {
    display_name = "aiir incident page"
    condition_threshold {
      filter          = "resource.type = \"global\" AND metric.type = \"${local.page_metric}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  alert_strategy {
    auto_close = "86400s"
  }

  depends_on = [google_monitoring_metric_descriptor.incident]
}
