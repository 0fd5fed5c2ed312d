# The alerting rules that feed aiir (production-alerting practice). Every alarm notifies the
# alarm topic, which invokes the responder; the alarm name is what the playbook classifies
# on (`[[classify]]` title / metric_name), and each rule states the aiir kind and severity it
# maps to under the default playbook. README "Alerting rules" has the table.

locals {
  a       = var.alerting
  sm_dims = { for e in var.sagemaker_endpoint_names : e => { EndpointName = e, VariantName = "AllTraffic" } }

  # One entry per (rule, endpoint). `metrics` are metric queries; the first one with
  # `return_data` is what the alarm evaluates.
  endpoint_rules = merge([
    for e, dims in local.sm_dims : {
      "${e}-service-down" = {
        level = "critical", kind = "availability", severity = "high"
        what  = "service down: every request to ${e} failed (5XX) for ${local.a.service_down_minutes} consecutive minutes"
        metrics = {
          err  = { metric = "Invocation5XXErrors", namespace = "AWS/SageMaker", stat = "Sum", period = 60, dims = tomap(dims), expression = null, label = null, ret = false }
          inv  = { metric = "Invocations", namespace = "AWS/SageMaker", stat = "Sum", period = 60, dims = tomap(dims), expression = null, label = null, ret = false }
          down = { metric = null, namespace = null, stat = null, period = null, dims = null, expression = "IF(inv > 0 AND err >= inv, 1, 0)", label = "all requests failing", ret = true }
        }
        threshold = 1, comparison = "GreaterThanOrEqualToThreshold", periods = local.a.service_down_minutes
      }
      "${e}-latency-p99" = {
        level = "critical", kind = "availability", severity = "medium"
        what  = "P99 model latency of ${e} above ${local.a.latency_p99_seconds} s"
        metrics = {
          p99 = { metric = "ModelLatency", namespace = "AWS/SageMaker", stat = "p99", period = 60, dims = tomap(dims), expression = null, label = null, ret = false }
        }
        # ModelLatency is in microseconds.
        threshold = local.a.latency_p99_seconds * 1000000, comparison = "GreaterThanThreshold", periods = 3
      }
      "${e}-error-rate" = {
        level = "critical", kind = "availability", severity = "high"
        what  = "5XX error rate of ${e} above ${local.a.error_rate_percent} %"
        metrics = {
          err  = { metric = "Invocation5XXErrors", namespace = "AWS/SageMaker", stat = "Sum", period = 60, dims = tomap(dims), expression = null, label = null, ret = false }
          inv  = { metric = "Invocations", namespace = "AWS/SageMaker", stat = "Sum", period = 60, dims = tomap(dims), expression = null, label = null, ret = false }
          rate = { metric = null, namespace = null, stat = null, period = null, dims = null, expression = "IF(inv > 0, 100 * err / inv, 0)", label = "5XX error rate (%)", ret = true }
        }
        threshold = local.a.error_rate_percent, comparison = "GreaterThanThreshold", periods = 3
      }
      "${e}-unusual-traffic" = {
        level = "warning", kind = "availability", severity = "medium"
        what  = "invocations of ${e} outside the ${local.a.traffic_band_stddev}-sigma anomaly band"
        metrics = {
          inv  = { metric = "Invocations", namespace = "AWS/SageMaker", stat = "Sum", period = 300, dims = tomap(dims), expression = null, label = null, ret = true }
          band = { metric = null, namespace = null, stat = null, period = null, dims = null, expression = "ANOMALY_DETECTION_BAND(inv, ${local.a.traffic_band_stddev})", label = "expected invocations", ret = true }
        }
        threshold = null, comparison = "LessThanLowerOrGreaterThanUpperThreshold", periods = 3
      }
      "${e}-disk" = {
        level = "warning", kind = "availability", severity = "medium"
        what  = "disk utilisation of ${e} above ${local.a.disk_percent} %"
        metrics = {
          disk = { metric = "DiskUtilization", namespace = "/aws/sagemaker/Endpoints", stat = "Maximum", period = 300, dims = tomap(dims), expression = null, label = null, ret = false }
        }
        threshold = local.a.disk_percent, comparison = "GreaterThanThreshold", periods = 2
      }
    }
  ]...)

  drift_rules = {
    for e, schedule in local.a.drift_monitoring_schedules : "${e}-model-drift" => {
      level = "warning", kind = "model-drift", severity = "high"
      what  = "Model Monitor ${local.a.drift_metric_name} of ${e} above ${local.a.drift_threshold}"
      metrics = {
        drift = { metric = local.a.drift_metric_name, namespace = "aws/sagemaker/Endpoints/data-metrics", stat = "Maximum", period = 3600, dims = tomap({ Endpoint = e, MonitoringSchedule = schedule }), expression = null, label = null, ret = false }
      }
      threshold = local.a.drift_threshold, comparison = "GreaterThanThreshold", periods = 1
    }
  }

  account_rules = merge(
    {
      "api-rate-limit" = {
        level = "warning", kind = "availability", severity = "medium"
        what  = "${local.a.rate_limit_usage_dimensions["Service"]} ${local.a.rate_limit_usage_dimensions["Resource"]} calls above ${local.a.rate_limit_percent_of_quota} % of the service quota"
        metrics = {
          calls = { metric = "CallCount", namespace = "AWS/Usage", stat = "Sum", period = 60, dims = tomap(local.a.rate_limit_usage_dimensions), expression = null, label = null, ret = false }
          usage = { metric = null, namespace = null, stat = null, period = null, dims = null, expression = "100 * calls / SERVICE_QUOTA(calls)", label = "percent of quota", ret = true }
        }
        threshold = local.a.rate_limit_percent_of_quota, comparison = "GreaterThanThreshold", periods = 5
      }
    },
    var.model_io_log_group_name == null ? {} : {
      "dlp-secret-or-pii-in-output" = {
        level = "critical", kind = "data-leakage", severity = "critical"
        what  = "secret or PII marker in a model output (${var.model_io_log_group_name})"
        metrics = {
          dlp = { metric = "DlpMatches", namespace = "${var.name}/model-io", stat = "Sum", period = 60, dims = null, expression = null, label = null, ret = false }
        }
        threshold = local.a.dlp_matches, comparison = "GreaterThanOrEqualToThreshold", periods = 1
      }
    },
    local.a.cost_normal_daily_usd == null ? {} : {
      "cost-spike" = {
        level = "critical", kind = "cost", severity = "high"
        what  = "spend rate above ${local.a.cost_spike_factor}x the normal ${local.a.cost_normal_daily_usd} USD/day"
        metrics = {
          charges = { metric = "EstimatedCharges", namespace = "AWS/Billing", stat = "Maximum", period = 21600, dims = tomap({ Currency = "USD" }), expression = null, label = null, ret = false }
          daily   = { metric = null, namespace = null, stat = null, period = null, dims = null, expression = "RATE(charges) * 86400", label = "USD per day", ret = true }
        }
        threshold = local.a.cost_spike_factor * coalesce(local.a.cost_normal_daily_usd, 0), comparison = "GreaterThanThreshold", periods = 1
      }
    },
  )

  alerting_rules = merge(local.endpoint_rules, local.drift_rules, local.account_rules)
}

resource "aws_cloudwatch_log_metric_filter" "dlp" {
  count          = var.model_io_log_group_name == null ? 0 : 1
  name           = "${var.name}-dlp"
  log_group_name = var.model_io_log_group_name
  pattern        = var.dlp_filter_pattern

  metric_transformation {
    name          = "DlpMatches"
    namespace     = "${var.name}/model-io"
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "rule" {
  for_each = local.alerting_rules

  alarm_name = "${var.name}-${each.key}"
  alarm_description = join(" ", [
    "aiir alerting rule (${each.value.level}): ${each.value.what}.",
    "Maps to aiir kind=${each.value.kind} severity=${each.value.severity}.",
  ])
  comparison_operator = each.value.comparison
  evaluation_periods  = each.value.periods
  datapoints_to_alarm = each.value.periods
  threshold           = each.value.threshold
  threshold_metric_id = each.value.threshold == null ? "band" : null
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  dynamic "metric_query" {
    for_each = each.value.metrics
    content {
      id          = metric_query.key
      expression  = metric_query.value.expression
      label       = metric_query.value.label
      return_data = metric_query.value.ret || length(each.value.metrics) == 1
      dynamic "metric" {
        for_each = metric_query.value.metric == null ? [] : [metric_query.value]
        content {
          metric_name = metric.value.metric
          namespace   = metric.value.namespace
          period      = metric.value.period
          stat        = metric.value.stat
          dimensions  = metric.value.dims
        }
      }
    }
  }

  tags = merge(local.tags, {
    "aiir:level"    = each.value.level
    "aiir:kind"     = each.value.kind
    "aiir:severity" = each.value.severity
  })

  lifecycle {
    precondition {
      condition     = each.key != "cost-spike" || local.region == "us-east-1"
      error_message = "The cost-spike rule reads AWS/Billing, which exists only in us-east-1: deploy there or leave alerting.cost_normal_daily_usd unset."
    }
  }
}

# The responder's own health goes to people (the notify topic), never back into aiir.
resource "aws_cloudwatch_metric_alarm" "responder_errors" {
  alarm_name          = "${var.name}-responder-errors"
  alarm_description   = "aiir responder invocations failed (see the dead-letter queue and the function log)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.responder.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.notify_topic]
  tags                = local.tags
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${var.name}-dead-letters"
  alarm_description   = "aiir events that could not be handled are waiting in ${aws_sqs_queue.dead_letter.name}."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dead_letter.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.notify_topic]
  tags                = local.tags
}
