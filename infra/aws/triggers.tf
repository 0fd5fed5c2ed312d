# Everything that invokes the responder: the alarm topic, EventBridge rules, the model-I/O
# log subscription, SageMaker data-capture files. Failed asynchronous deliveries end in the dead-letter queue.

# --- CloudWatch alarms -> SNS -> responder -------------------------------------------------------
resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.this.arn
  tags              = local.tags
}

data "aws_iam_policy_document" "alarms_topic" {
  statement {
    sid       = "CloudWatchAlarmsInThisAccount"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

resource "aws_sns_topic_subscription" "responder" {
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "lambda"
  endpoint  = aws_lambda_function.responder.arn
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
  })
}

resource "aws_lambda_permission" "sns" {
  statement_id  = "AlarmTopic"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.responder.function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.alarms.arn
}

# --- Notifications and escalations (when the user brings none) --------------------------------------
resource "aws_sns_topic" "notify" {
  count             = local.create_notify ? 1 : 0
  name              = "${var.name}-notify"
  kms_master_key_id = aws_kms_key.this.arn
  tags              = local.tags
}

# --- EventBridge: alarm state changes, GuardDuty, Security Hub -----------------------------------------
locals {
  event_rules = merge(
    length(var.watched_alarm_name_prefixes) == 0 ? {} : {
      alarms = {
        description = "State changes of existing CloudWatch alarms watched by aiir"
        pattern = {
          source        = ["aws.cloudwatch"]
          "detail-type" = ["CloudWatch Alarm State Change"]
          detail = {
            alarmName = [for p in var.watched_alarm_name_prefixes : { prefix = p }]
            state     = { value = ["ALARM", "OK"] }
          }
        }
      }
    },
    var.guardduty_min_severity == null ? {} : {
      guardduty = {
        description = "GuardDuty findings at or above severity ${var.guardduty_min_severity}"
        pattern = {
          source        = ["aws.guardduty"]
          "detail-type" = ["GuardDuty Finding"]
          detail        = { severity = [{ numeric = [">=", var.guardduty_min_severity] }] }
        }
      }
    },
    length(var.securityhub_severity_labels) == 0 ? {} : {
      securityhub = {
        description = "New Security Hub findings labelled ${join(", ", var.securityhub_severity_labels)}"
        pattern = {
          source        = ["aws.securityhub"]
          "detail-type" = ["Security Hub Findings - Imported"]
          detail = {
            findings = {
              Severity = { Label = var.securityhub_severity_labels }
              Workflow = { Status = ["NEW"] }
            }
          }
        }
      }
    },
    local.capture_trigger != "eventbridge" ? {} : {
      data-capture = {
        description = "SageMaker data-capture files written under ${try(var.data_capture.s3_uri, "")} (drift check)"
        pattern = {
          source        = ["aws.s3"]
          "detail-type" = ["Object Created"]
          detail = {
            bucket = { name = [local.capture_bucket] }
            object = { key = [{ prefix = local.capture_prefix }] }
          }
        }
      }
    },
  )
}

resource "aws_cloudwatch_event_rule" "this" {
  for_each      = local.event_rules
  name          = "${var.name}-${each.key}"
  description   = each.value.description
  event_pattern = jsonencode(each.value.pattern)
  tags          = local.tags
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = local.event_rules
  rule     = aws_cloudwatch_event_rule.this[each.key].name
  arn      = aws_lambda_function.responder.arn

  retry_policy {
    maximum_retry_attempts       = 8
    maximum_event_age_in_seconds = 3600
  }

  dead_letter_config {
    arn = aws_sqs_queue.dead_letter.arn
  }
}

resource "aws_lambda_permission" "events" {
  for_each      = local.event_rules
  statement_id  = "EventBridge-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.responder.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this[each.key].arn
}

# --- Model I/O logs -> responder (prompt and output scanners) --------------------------------------
locals {
  model_io_log_group_arn = "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${coalesce(var.model_io_log_group_name, "-")}"
}

resource "aws_lambda_permission" "logs" {
  count         = var.model_io_log_group_name == null ? 0 : 1
  statement_id  = "ModelIoLogs"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.responder.function_name
  principal     = "logs.${local.region}.amazonaws.com"
  source_arn    = "${local.model_io_log_group_arn}:*"
}

resource "aws_cloudwatch_log_subscription_filter" "model_io" {
  count           = var.model_io_log_group_name == null ? 0 : 1
  name            = "${var.name}-model-io"
  log_group_name  = var.model_io_log_group_name
  filter_pattern  = var.model_io_filter_pattern
  destination_arn = aws_lambda_function.responder.arn
  depends_on      = [aws_lambda_permission.logs]
}

# --- SageMaker data capture -> responder (drift check), as a bucket notification ------------------
# (With trigger = "eventbridge" the rule above delivers instead.) The function checks the bucket
# and prefix again and rejects anything else.
resource "aws_lambda_permission" "data_capture" {
  count          = local.capture_trigger == "s3-notification" ? 1 : 0
  statement_id   = "DataCaptureObjects"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.responder.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = "arn:${local.partition}:s3:::${local.capture_bucket}"
  source_account = local.account
}

# Owns the bucket's notification configuration (S3 keeps one per bucket).
resource "aws_s3_bucket_notification" "data_capture" {
  count  = local.capture_trigger == "s3-notification" ? 1 : 0
  bucket = local.capture_bucket

  lambda_function {
    id                  = "${var.name}-data-capture"
    lambda_function_arn = aws_lambda_function.responder.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = local.capture_prefix
    filter_suffix       = ".jsonl"
  }

  depends_on = [aws_lambda_permission.data_capture]
}
