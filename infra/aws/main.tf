data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name

  function_name = "${var.name}-responder"
  create_notify = var.create_notify_topic
  notify_topic  = local.create_notify ? aws_sns_topic.notify[0].arn : var.notify_topic_arn

  environment = merge(
    {
      AIIR_STATE_TABLE       = aws_dynamodb_table.state.name
      AIIR_AUDIT_BUCKET      = module.audit_bucket.name
      AIIR_DRY_RUN           = tostring(var.dry_run)
      AIIR_BLOCKLIST         = var.blocklist_table_arn
      AIIR_QUARANTINE_BUCKET = module.quarantine_bucket.name
      AIIR_KMS_KEY           = var.encryption_kms_key_arn
      AIIR_NOTIFY_TOPIC      = local.notify_topic
      AWS_LAMBDA_LOG_LEVEL   = var.log_level
    },
    var.waf_ip_set_arn == null ? {} : { AIIR_WAF_IP_SET = var.waf_ip_set_arn },
    var.page_alarm_arn == null ? {} : { AIIR_PAGE_TARGET = var.page_alarm_arn },
    var.tool_secret_arn == null ? {} : { AIIR_TOOL_SECRET = var.tool_secret_arn },
    var.playbook_path == null ? {} : { AIIR_PLAYBOOK = var.playbook_path },
    local.capture_enabled ? {
      AIIR_DATA_CAPTURE_PREFIX = "s3://${local.capture_bucket}/${local.capture_prefix}"
      AIIR_DRIFT_PROFILE       = var.data_capture.profile_s3_uri
    } : {},
  )

  tags = merge({ "app" = "aiir", "aiir:component" = "responder" }, var.tags)
}

# --- SageMaker data capture (var.data_capture): where capture files and the profile are ----------
locals {
  capture_enabled = var.data_capture != null
  capture_trigger = local.capture_enabled ? var.data_capture.trigger : "none"
  # s3://bucket/prefix -> bucket, prefix as a folder ("" for the whole bucket).
  capture_parts  = regex("^s3://([^/]+)/?(.*)$", try(var.data_capture.s3_uri, "s3://-"))
  capture_bucket = local.capture_parts[0]
  capture_prefix = local.capture_parts[1] == "" ? "" : "${trimsuffix(local.capture_parts[1], "/")}/"
  profile_parts  = regex("^s3://([^/]+)/(.*)$", try(var.data_capture.profile_s3_uri, "s3://-/-"))
  profile_bucket = local.profile_parts[0]
  profile_key    = local.profile_parts[1]
}

# ---------------------------------------------------------------------------------------------
# The module's own key: audit and quarantine buckets, topics, logs, dead-letter queue.
# ---------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "key" {
  # A key policy's Resource "*" means "this key"; it can name nothing else.
  #checkov:skip=CKV_AWS_109:Key policy: Resource "*" is this key only; administration stays with the account root (the default key policy), so IAM policies decide who manages it.
  #checkov:skip=CKV_AWS_111:Key policy: Resource "*" is this key only; service principals are limited to this account by aws:SourceAccount / the logs encryption context.
  #checkov:skip=CKV_AWS_356:Key policy: Resource "*" is the only valid resource in a key policy and means this key.
  # Key administration stays with the account (IAM policies decide who administers it).
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy "*" means this key
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account}:root"]
    }
  }

  # CloudWatch alarms publish to the encrypted alarm topic.
  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]
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

  # EventBridge rule targets and SNS subscriptions dead-letter into the encrypted queue.
  statement {
    sid       = "EventsAndSnsDeadLetter"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "sns.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }

  # The function's and the model-I/O metric log groups.
  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account}:log-group:*"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "aiir ${var.name}: audit and quarantine buckets, topics, logs, dead-letter queue"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
  tags                    = local.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

# ---------------------------------------------------------------------------------------------
# The function
# ---------------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "function" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = local.tags
}

resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name}-dead-letter"
  message_retention_seconds = 1209600 # 14 days, the maximum: time to replay after an outage
  kms_master_key_id         = aws_kms_key.this.arn
  tags                      = local.tags
}

data "aws_iam_policy_document" "dead_letter" {
  statement {
    sid       = "EventBridgeAndSnsDeadLetter"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "sns.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values = concat(
        [aws_sns_topic.alarms.arn],
        [for r in aws_cloudwatch_event_rule.this : r.arn],
      )
    }
  }
}

resource "aws_sqs_queue_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id
  policy    = data.aws_iam_policy_document.dead_letter.json
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "responder" {
  name               = "${var.name}-responder"
  description        = "aiir responder: only the actions its code declares, only on the protected resources"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = local.tags
}

resource "aws_iam_role_policy" "responder" {
  name   = "least-privilege"
  role   = aws_iam_role.responder.id
  policy = data.aws_iam_policy_document.responder.json
}

resource "aws_lambda_function" "responder" {
  #checkov:skip=CKV_AWS_50:X-Ray: the Rust runtime emits no trace segments; tracing would only add xray:Put* on Resource "*" to the role. Observability is EMF metrics + structured logs.
  #checkov:skip=CKV_AWS_117:No VPC: the function only calls public AWS APIs; a VPC would need NAT or seven interface endpoints and adds cold-start latency to containment.
  #checkov:skip=CKV_AWS_173:Environment variables hold resource names and ARNs only (no secrets); Lambda encrypts them at rest with its service key. A CMK would add a KMS dependency to every cold start.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the user owns; the zip is built reproducibly by `make package` and its hash pinned by source_code_hash.
  #checkov:skip=CKV_AWS_116:Failed asynchronous invocations go to the on-failure destination (aws_lambda_function_event_invoke_config.responder), which records the error as well as the event; a DLQ too would duplicate every message.
  function_name                  = local.function_name
  description                    = "aiir: contains failures and attacks on AI systems"
  role                           = aws_iam_role.responder.arn
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [var.architecture]
  filename                       = var.lambda_zip
  source_code_hash               = filebase64sha256(var.lambda_zip)
  memory_size                    = var.memory_mb
  timeout                        = var.timeout_seconds
  reserved_concurrent_executions = var.reserved_concurrency

  environment {
    variables = local.environment
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function.name
  }

  tags       = local.tags
  depends_on = [aws_iam_role_policy.responder]

  lifecycle {
    precondition {
      condition     = var.create_notify_topic || var.notify_topic_arn != null
      error_message = "Set notify_topic_arn when create_notify_topic = false."
    }
  }
}

resource "aws_lambda_function_event_invoke_config" "responder" {
  function_name                = aws_lambda_function.responder.function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 3600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.dead_letter.arn
    }
  }
}
