# Test harness only: the AWS example's module applied against a local moto server
# (`make infra-moto`). Not for real accounts: the provider is pointed at the emulator, and
# the buckets' TLS-only policy is off because moto has no TLS (README "What moto cannot do").
terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40.0, < 6.0.0"
    }
  }
}

variable "moto_url" {
  type = string
}

variable "lambda_zip" {
  type = string
}

# moto serves plain HTTP, so the buckets' TLS-only policy must be off for this run only.
variable "deny_insecure_transport" {
  type    = bool
  default = true
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true

  endpoints {
    cloudwatch     = var.moto_url
    cloudwatchlogs = var.moto_url
    dynamodb       = var.moto_url
    eventbridge    = var.moto_url
    iam            = var.moto_url
    kms            = var.moto_url
    lambda         = var.moto_url
    s3             = var.moto_url
    sagemaker      = var.moto_url
    secretsmanager = var.moto_url
    sns            = var.moto_url
    sqs            = var.moto_url
    sts            = var.moto_url
    wafv2          = var.moto_url
  }
}

# --- The protected AI deployment (what a user already has) ---------------------------------------
resource "aws_dynamodb_table" "blocklist" {
  #checkov:skip=CKV_AWS_28:Emulator fixture (the guardrail's own table), not part of the module.
  #checkov:skip=CKV_AWS_119:Emulator fixture (the guardrail's own table), not part of the module.
  #checkov:skip=CKV2_AWS_16:Emulator fixture (the guardrail's own table), not part of the module.
  name         = "guardrail-blocklist"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "signature"
  attribute {
    name = "signature"
    type = "S"
  }
}

resource "aws_wafv2_ip_set" "blocked" {
  name               = "llm-blocked-callers"
  scope              = "REGIONAL"
  ip_address_version = "IPV4"
  addresses          = []
}

resource "aws_secretsmanager_secret" "tool" {
  #checkov:skip=CKV_AWS_149:Emulator fixture: the protected app's secret, not part of the module.
  #checkov:skip=CKV2_AWS_57:Emulator fixture: rotation is what aiir triggers in the drill.
  name = "support-bot/tool-api-key"
}

resource "aws_secretsmanager_secret_version" "tool" {
  secret_id     = aws_secretsmanager_secret.tool.id
  secret_string = jsonencode({ username = "bot", password = "drill-initial-value" })
}

resource "aws_kms_key" "data" {
  #checkov:skip=CKV2_AWS_64:Emulator fixture: the protected app's key, not part of the module.
  description         = "support-bot data key (fixture)"
  enable_key_rotation = true
}

resource "aws_sns_topic" "notify" {
  #checkov:skip=CKV_AWS_26:Emulator fixture: the on-call topic a user brings.
  name = "support-bot-oncall"
}

resource "aws_cloudwatch_log_group" "model_io" {
  #checkov:skip=CKV_AWS_158:Emulator fixture: the app's model-I/O log group.
  #checkov:skip=CKV_AWS_338:Emulator fixture: the app's model-I/O log group.
  name              = "/support-bot/model-io"
  retention_in_days = 7
}

module "aiir" {
  source = "../../aws"

  name       = "aiir-drill"
  lambda_zip = var.lambda_zip

  blocklist_table_arn             = aws_dynamodb_table.blocklist.arn
  waf_ip_set_arn                  = aws_wafv2_ip_set.blocked.arn
  sagemaker_endpoint_names        = ["support-bot"]
  sagemaker_endpoint_config_names = ["support-bot-v41", "support-bot-v42"]
  protected_function_names        = ["support-bot-tools"]
  secret_arns                     = [aws_secretsmanager_secret.tool.arn]
  tool_secret_arn                 = aws_secretsmanager_secret.tool.arn
  protected_bucket_names          = ["support-bot-training-data"]
  encryption_kms_key_arn          = aws_kms_key.data.arn
  create_notify_topic             = false
  notify_topic_arn                = aws_sns_topic.notify.arn
  model_io_log_group_name         = aws_cloudwatch_log_group.model_io.name
  watched_alarm_name_prefixes     = ["support-bot-"]
  alerting = {
    drift_monitoring_schedules = { "support-bot" = "support-bot-data-quality" }
  }
  # The drift check on data capture, delivered by EventBridge (no bucket needed for the rule).
  data_capture = {
    s3_uri         = "s3://support-bot-capture/datacapture"
    profile_s3_uri = "s3://support-bot-capture/profiles/support-bot.json"
    trigger        = "eventbridge"
  }

  deny_insecure_transport = var.deny_insecure_transport
  force_destroy_buckets   = true
}

output "aiir" {
  value = {
    function_name   = module.aiir.function_name
    role_arn        = module.aiir.role_arn
    alarm_topic_arn = module.aiir.alarm_topic_arn
    state_table     = module.aiir.state_table
    audit_bucket    = module.aiir.audit_bucket
    blocklist_table = aws_dynamodb_table.blocklist.name
    event_rules     = module.aiir.event_rules
    alerting_rules  = module.aiir.alerting_rules
    environment     = module.aiir.environment
  }
}
