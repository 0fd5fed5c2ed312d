# ---------------------------------------------------------------------------------------------
# The function
# ---------------------------------------------------------------------------------------------

variable "name" {
  description = "Prefix for every resource this module creates (function, role, table, buckets, topics, alarms)."
  type        = string
  default     = "aiir"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name: 3-32 characters, lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "lambda_zip" {
  description = "Path to the deployment zip built by `make package` ($CARGO_TARGET_DIR/lambda/aiir-aws/bootstrap.zip)."
  type        = string
}

variable "architecture" {
  description = "Lambda architecture. Must match the zip: `make package` builds x86_64; arm64 needs `rustup target add aarch64-unknown-linux-gnu` and `make package ARCH=arm64`."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture: x86_64 or arm64."
  }
}

variable "memory_mb" {
  description = "Lambda memory. 256 MB gives the first SDK call (TLS handshake, credential load) enough CPU share to stay well under a second; the responder itself needs < 64 MB."
  type        = number
  default     = 256
}

variable "timeout_seconds" {
  description = "Lambda timeout. rollback-model and disable-endpoint wait up to 600 s for the endpoint to settle; 900 s (the Lambda maximum) leaves room for the audit write."
  type        = number
  default     = 900
}

variable "reserved_concurrency" {
  description = "Reserved concurrency: caps how many incidents are contained in parallel (blast radius) and guarantees capacity when the account is busy."
  type        = number
  default     = 10
}

variable "log_retention_days" {
  description = "Retention of the function's log group (structured logs + EMF metrics)."
  type        = number
  default     = 365
}

variable "log_level" {
  description = "AWS_LAMBDA_LOG_LEVEL for the function (error, warn, info, debug)."
  type        = string
  default     = "info"
}

variable "dry_run" {
  description = "AIIR_DRY_RUN: every action only describes what it would do (rehearsal deployments)."
  type        = bool
  default     = false
}

variable "playbook_path" {
  description = "AIIR_PLAYBOOK: path of a playbook file inside the deployment package; null uses the built-in default playbook."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------------------------
# Protected resources: the only resources the function's role may change.
# ---------------------------------------------------------------------------------------------

variable "blocklist_table_arn" {
  description = "ARN of the guardrail's DynamoDB blocklist table (hash key = prompt signature) that block-prompt writes to (AIIR_BLOCKLIST)."
  type        = string
}

variable "waf_ip_set_arn" {
  description = "ARN of the WAFv2 IP set block-prompt adds attacking callers to (AIIR_WAF_IP_SET); null: callers are not blocked at the firewall."
  type        = string
  default     = null
}

variable "page_alarm_arn" {
  description = "ARN of the CloudWatch alarm whose actions page on-call; trigger-alert sets it to ALARM for critical incidents (AIIR_PAGE_TARGET). null: paging is not configured."
  type        = string
  default     = null

  validation {
    condition     = var.page_alarm_arn == null || can(regex("^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:[0-9]{12}:alarm:.+$", var.page_alarm_arn))
    error_message = "page_alarm_arn must be a CloudWatch alarm ARN (arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME)."
  }
}

variable "sagemaker_endpoint_names" {
  description = "SageMaker endpoints aiir may roll back or disable; the alerting rules are created for each."
  type        = list(string)
  default     = []
}

variable "sagemaker_endpoint_config_names" {
  description = "Endpoint configs aiir may switch an endpoint to (known-good configs named by the `aiir:known-good-config` tag) or recreate a disabled endpoint with."
  type        = list(string)
  default     = []
}

variable "protected_function_names" {
  description = "Lambda functions serving a model that disable-endpoint may throttle (reserved concurrency 0)."
  type        = list(string)
  default     = []
}

variable "secret_arns" {
  description = "Secrets Manager secrets aiir may rotate (tool credentials, secrets found leaked)."
  type        = list(string)
  default     = []
}

variable "tool_secret_arn" {
  description = "The secret the prompt-injection rule rotates (AIIR_TOOL_SECRET); must be one of secret_arns. null: none."
  type        = string
  default     = null
}

variable "rotation_function_arns" {
  description = "Rotation Lambda functions of the secrets in secret_arns (RotateSecret is evaluated against them too)."
  type        = list(string)
  default     = []
}

variable "protected_bucket_names" {
  description = "S3 buckets aiir may lock (public access block, bucket policy), encrypt (default encryption) and quarantine objects from."
  type        = list(string)
  default     = []
}

variable "encryption_kms_key_arn" {
  description = "KMS key enforce-encryption sets as the default encryption of a protected bucket (AIIR_KMS_KEY)."
  type        = string
}

variable "create_notify_topic" {
  description = "Create an SNS topic for notifications and escalations; false: pass your own in notify_topic_arn."
  type        = bool
  default     = true
}

variable "notify_topic_arn" {
  description = "Your SNS topic for notifications and escalations (AIIR_NOTIFY_TOPIC), used when create_notify_topic = false."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------------------------
# Triggers
# ---------------------------------------------------------------------------------------------

variable "watched_alarm_name_prefixes" {
  description = "Existing CloudWatch alarms whose name starts with one of these are sent to aiir by an EventBridge rule on their state changes ([] : no rule)."
  type        = list(string)
  default     = []
}

variable "guardduty_min_severity" {
  description = "GuardDuty findings at or above this severity (1-8.9) are sent to aiir; null: no GuardDuty rule."
  type        = number
  default     = 7
}

variable "securityhub_severity_labels" {
  description = "Security Hub findings (workflow NEW) with one of these severity labels are sent to aiir; []: no Security Hub rule."
  type        = list(string)
  default     = ["HIGH", "CRITICAL"]
}

variable "model_io_log_group_name" {
  description = "CloudWatch Logs group of the model's prompts and completions; aiir scans it (subscription filter) and the DLP alerting rule counts secret/PII markers in it. null: neither."
  type        = string
  default     = null
}

variable "model_io_filter_pattern" {
  description = "Subscription filter pattern on the model-I/O log group (\"\" = every event)."
  type        = string
  default     = ""
}

variable "dlp_filter_pattern" {
  description = "Metric filter pattern counting secret/PII in model outputs (the DLP alerting rule)."
  type        = string
  default     = "?\"AKIA\" ?\"ASIA\" ?\"BEGIN RSA PRIVATE KEY\" ?\"BEGIN PRIVATE KEY\" ?\"BEGIN OPENSSH PRIVATE KEY\" ?\"xoxb-\" ?\"ghp_\""
}

variable "data_capture" {
  description = <<-EOT
    The function's own drift check on SageMaker data capture; null: off.
    s3_uri: the endpoints' DataCaptureConfig DestinationS3Uri (files arrive at {s3_uri}/{endpoint}/{variant}/yyyy/mm/dd/hh/*.jsonl).
    profile_s3_uri: the reference profile, `aiir profile build --reference baseline.csv --out profile.json`, uploaded.
    trigger: "s3-notification" (this module then owns the bucket's whole notification configuration) or "eventbridge" (a rule on the default bus; turn on EventBridge notifications on the bucket yourself).
    kms_key_arn: the KmsKeyId SageMaker encrypts capture files with, if any (the role gets kms:Decrypt on it through S3 only).
  EOT
  type = object({
    s3_uri         = string
    profile_s3_uri = string
    trigger        = optional(string, "s3-notification")
    kms_key_arn    = optional(string)
  })
  default = null

  validation {
    condition = var.data_capture == null || (
      can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$", try(var.data_capture.s3_uri, ""))) &&
      can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.*[^/]$", try(var.data_capture.profile_s3_uri, ""))) &&
      contains(["s3-notification", "eventbridge"], try(var.data_capture.trigger, ""))
    )
    error_message = "data_capture: s3_uri = s3://bucket[/prefix], profile_s3_uri = s3://bucket/key (an object), trigger = \"s3-notification\" or \"eventbridge\"."
  }
}

# ---------------------------------------------------------------------------------------------
# Alerting rules (see README "Alerting rules")
# ---------------------------------------------------------------------------------------------

variable "alerting" {
  description = "Thresholds of the alerting rules that feed aiir (README: Alerting rules)."
  type = object({
    latency_p99_seconds         = optional(number, 10)
    error_rate_percent          = optional(number, 1)
    service_down_minutes        = optional(number, 3)
    disk_percent                = optional(number, 80)
    traffic_band_stddev         = optional(number, 3)
    rate_limit_percent_of_quota = optional(number, 80)
    rate_limit_usage_dimensions = optional(map(string), { Service = "SageMaker", Type = "API", Resource = "InvokeEndpoint", Class = "None" })
    cost_normal_daily_usd       = optional(number)
    cost_spike_factor           = optional(number, 2)
    drift_monitoring_schedules  = optional(map(string), {})
    drift_metric_name           = optional(string, "feature_baseline_drift_total")
    drift_threshold             = optional(number, 0.3)
    dlp_matches                 = optional(number, 1)
  })
  default = {}
}

# ---------------------------------------------------------------------------------------------
# Storage
# ---------------------------------------------------------------------------------------------

variable "audit_retention_days" {
  description = "Object Lock (COMPLIANCE) retention of audit records, and their expiry afterwards."
  type        = number
  default     = 365
}

variable "audit_object_lock" {
  description = "Object Lock (COMPLIANCE) on the audit bucket. Keep true."
  type        = bool
  default     = true
}

variable "state_point_in_time_recovery" {
  description = "Point-in-time recovery on the state table. Keep true."
  type        = bool
  default     = true
}

variable "deny_insecure_transport" {
  description = "Bucket policies deny requests without TLS. Keep true in every real account; false only for an emulator that serves plain HTTP (moto)."
  type        = bool
  default     = true
}

variable "force_destroy_buckets" {
  description = "Let `terraform destroy` delete non-empty aiir buckets (never with Object Lock in COMPLIANCE mode). Emulator / test runs only."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
