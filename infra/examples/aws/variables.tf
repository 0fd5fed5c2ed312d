variable "region" {
  type    = string
  default = "us-east-1"
}

variable "name" {
  type    = string
  default = "aiir"
}

variable "lambda_zip" {
  description = "Built by `make package`: $CARGO_TARGET_DIR/lambda/aiir-aws/bootstrap.zip"
  type        = string
}

variable "architecture" {
  type    = string
  default = "x86_64"
}

variable "dry_run" {
  description = "Start with true: aiir describes what it would do; switch to false once the drill reports look right."
  type        = bool
  default     = true
}

variable "blocklist_table_arn" {
  type = string
}

variable "waf_ip_set_arn" {
  type    = string
  default = null
}

variable "sagemaker_endpoint_names" {
  type    = list(string)
  default = []
}

variable "sagemaker_endpoint_config_names" {
  type    = list(string)
  default = []
}

variable "protected_function_names" {
  type    = list(string)
  default = []
}

variable "secret_arns" {
  type    = list(string)
  default = []
}

variable "tool_secret_arn" {
  type    = string
  default = null
}

variable "rotation_function_arns" {
  type    = list(string)
  default = []
}

variable "protected_bucket_names" {
  type    = list(string)
  default = []
}

variable "encryption_kms_key_arn" {
  type = string
}

variable "notify_topic_arn" {
  type    = string
  default = null
}

variable "model_io_log_group_name" {
  type    = string
  default = null
}

variable "watched_alarm_name_prefixes" {
  type    = list(string)
  default = []
}

variable "alerting" {
  type    = any
  default = {}
}

variable "audit_object_lock" {
  description = "Keep true. false only for emulators without S3 Object Lock."
  type        = bool
  default     = true
}

variable "state_point_in_time_recovery" {
  description = "Keep true. false only for emulators without DynamoDB PITR."
  type        = bool
  default     = true
}

variable "force_destroy_buckets" {
  type    = bool
  default = false
}
