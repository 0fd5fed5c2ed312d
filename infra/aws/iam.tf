# The responder's only policy. Every statement serves named parts of the code, and
# functions/aws/tests/least_privilege.rs proves it against `required_permissions()`:
# no action missing, none unused, no wildcard action, no "*" resource where the API has
# resource-level permissions. Keep one `sid` per statement: the test maps sids to the code.

locals {
  state_table_arn = aws_dynamodb_table.state.arn
  sagemaker_arn   = "arn:${local.partition}:sagemaker:${local.region}:${local.account}"
  # SageMaker lower-cases names in ARNs.
  endpoint_arns        = [for n in var.sagemaker_endpoint_names : "${local.sagemaker_arn}:endpoint/${lower(n)}"]
  endpoint_config_arns = [for n in var.sagemaker_endpoint_config_names : "${local.sagemaker_arn}:endpoint-config/${lower(n)}"]
  function_arns        = [for n in var.protected_function_names : "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${n}"]
  protected_buckets    = [for b in var.protected_bucket_names : "arn:${local.partition}:s3:::${b}"]
  quarantine_bucket    = "arn:${local.partition}:s3:::${module.quarantine_bucket.name}"
}

data "aws_iam_policy_document" "responder" {
  # --- state store (src/state.rs REQUIRED_PERMISSIONS) -----------------------------------
  statement {
    sid       = "StateTable"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:Query"]
    resources = [local.state_table_arn]
  }

  # --- audit sink (src/audit.rs REQUIRED_PERMISSIONS): write-only, under audit/ -------------
  statement {
    sid       = "AuditWrite"
    actions   = ["s3:PutObject"]
    resources = ["${module.audit_bucket.arn}/audit/*"]
  }

  # --- platform: what running as a Lambda with this module's encrypted resources needs -----
  statement {
    sid       = "FunctionLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function.arn}:*"]
  }

  statement {
    sid       = "DeadLetter"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]
  }

  # SSE-KMS with the module key: audit/quarantine writes (S3), publishing to the created
  # notify topic (SNS), the on-failure destination (SQS). Only through those services.
  statement {
    sid       = "ModuleKeyUse"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [aws_kms_key.this.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com", "sns.${local.region}.amazonaws.com", "sqs.${local.region}.amazonaws.com"]
    }
  }

  # --- block-prompt -------------------------------------------------------------------------
  statement {
    sid       = "Blocklist"
    actions   = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = [var.blocklist_table_arn]
  }

  dynamic "statement" {
    for_each = var.waf_ip_set_arn == null ? [] : [var.waf_ip_set_arn]
    content {
      sid       = "WafIpSet"
      actions   = ["wafv2:GetIPSet", "wafv2:UpdateIPSet"]
      resources = [statement.value]
    }
  }

  # --- rotate-secret --------------------------------------------------------------------------
  dynamic "statement" {
    for_each = length(var.secret_arns) == 0 ? [] : [var.secret_arns]
    content {
      sid = "SecretsRotate"
      actions = [
        "secretsmanager:DescribeSecret",
        "secretsmanager:RotateSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
      ]
      resources = statement.value
    }
  }

  # GetRandomPassword has no resource type (Service Authorization Reference: Secrets Manager),
  # so "*" is the only possible resource. It returns random bytes and touches no secret.
  dynamic "statement" {
    for_each = length(var.secret_arns) == 0 ? [] : [1]
    content {
      sid       = "SecretsRandomPasswordNoResourceType"
      actions   = ["secretsmanager:GetRandomPassword"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = length(var.rotation_function_arns) == 0 ? [] : [var.rotation_function_arns]
    content {
      sid       = "RotationFunctions"
      actions   = ["lambda:InvokeFunction"]
      resources = statement.value
    }
  }

  # --- rollback-model, disable-endpoint (SageMaker) ---------------------------------------------
  dynamic "statement" {
    for_each = length(local.endpoint_arns) == 0 ? [] : [local.endpoint_arns]
    content {
      sid = "SageMakerEndpoints"
      actions = [
        "sagemaker:DescribeEndpoint",
        "sagemaker:ListTags",
        "sagemaker:UpdateEndpoint",
        "sagemaker:DeleteEndpoint",
        "sagemaker:CreateEndpoint",
        "sagemaker:AddTags",
      ]
      resources = statement.value
    }
  }

  # UpdateEndpoint and CreateEndpoint are authorised on the endpoint config too.
  dynamic "statement" {
    for_each = length(local.endpoint_config_arns) == 0 ? [] : [local.endpoint_config_arns]
    content {
      sid       = "SageMakerEndpointConfigs"
      actions   = ["sagemaker:DescribeEndpointConfig", "sagemaker:UpdateEndpoint", "sagemaker:CreateEndpoint"]
      resources = statement.value
    }
  }

  # --- disable-endpoint (Lambda serving a model) ------------------------------------------------
  dynamic "statement" {
    for_each = length(local.function_arns) == 0 ? [] : [local.function_arns]
    content {
      sid       = "FunctionConcurrency"
      actions   = ["lambda:GetFunctionConcurrency", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency"]
      resources = statement.value
    }
  }

  # --- lock-public-access, enforce-encryption ---------------------------------------------------
  dynamic "statement" {
    for_each = length(local.protected_buckets) == 0 ? [] : [local.protected_buckets]
    content {
      sid = "ProtectedBuckets"
      actions = [
        "s3:GetBucketPublicAccessBlock",
        "s3:PutBucketPublicAccessBlock",
        "s3:GetBucketPolicy",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:GetEncryptionConfiguration",
        "s3:PutEncryptionConfiguration",
      ]
      resources = statement.value
    }
  }

  statement {
    sid       = "EncryptionKey"
    actions   = ["kms:DescribeKey", "kms:GenerateDataKey"]
    resources = [var.encryption_kms_key_arn]
  }

  # --- quarantine-data: protected buckets <-> the quarantine bucket (both ways, for undo) -------
  statement {
    sid       = "QuarantineBuckets"
    actions   = ["s3:ListBucket"]
    resources = concat(local.protected_buckets, [local.quarantine_bucket])
  }

  statement {
    sid = "QuarantineObjects"
    actions = [
      "s3:GetObject",
      "s3:GetObjectTagging",
      "s3:PutObject",
      "s3:PutObjectTagging",
      "s3:DeleteObject",
    ]
    resources = [for b in concat(local.protected_buckets, [local.quarantine_bucket]) : "${b}/*"]
  }

  # --- data-capture drift check (src/capture REQUIRED_PERMISSIONS): capture files under the --
  # --- prefix and the one profile object, read-only --------------------------------------------
  dynamic "statement" {
    for_each = local.capture_enabled ? [1] : []
    content {
      sid     = "DataCaptureRead"
      actions = ["s3:GetObject"]
      resources = [
        "arn:${local.partition}:s3:::${local.capture_bucket}/${local.capture_prefix}*",
        "arn:${local.partition}:s3:::${local.profile_bucket}/${local.profile_key}",
      ]
    }
  }

  # Capture files SageMaker encrypted with a customer key (DataCaptureConfig KmsKeyId).
  dynamic "statement" {
    for_each = try(var.data_capture.kms_key_arn, null) == null ? [] : [var.data_capture.kms_key_arn]
    content {
      sid       = "DataCaptureKey"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }

  # --- notify -------------------------------------------------------------------------------------
  statement {
    sid       = "Notify"
    actions   = ["sns:GetTopicAttributes", "sns:Publish"]
    resources = [local.notify_topic]
  }

  # --- trigger-alert: only the one alarm that pages on-call ------------------------------------
  dynamic "statement" {
    for_each = var.page_alarm_arn == null ? [] : [var.page_alarm_arn]
    content {
      sid       = "PageAlarm"
      actions   = ["cloudwatch:DescribeAlarms", "cloudwatch:SetAlarmState"]
      resources = [statement.value]
    }
  }
}
