variable "project" {
  description = "Project to deploy into."
  type        = string
}

variable "region" {
  description = "Region (Cloud Run, buckets, Eventarc; the training-data buckets must be in it)."
  type        = string
}

variable "name" {
  description = "Prefix of every resource."
  type        = string
  default     = "aiir"
}

variable "image" {
  description = "aiir-gcp image in Artifact Registry (from `make package-gcp`)."
  type        = string
}

variable "dry_run" {
  description = "Rehearse everything (AIIR_DRY_RUN). Start with true."
  type        = bool
  default     = true
}

variable "protected_bucket_names" {
  description = "Buckets aiir may lock, encrypt and quarantine from."
  type        = list(string)
  default     = []
}

variable "training_data_buckets" {
  description = "Training-data buckets watched for new objects and IAM changes."
  type        = list(string)
  default     = []
}

variable "encryption_kms_key" {
  description = "Cloud KMS key for enforce-encryption."
  type        = string
  default     = null
}

variable "blocklist" {
  description = "gs://BUCKET/OBJECT.json of the guardrail blocklist."
  type        = string
  default     = null
}

variable "cloud_armor_policy" {
  description = "Cloud Armor policy for attacking callers."
  type        = string
  default     = null
}

variable "secret_ids" {
  description = "Secrets aiir may rotate."
  type        = list(string)
  default     = []
}

variable "tool_secret" {
  description = "The secret the prompt-injection rule rotates."
  type        = string
  default     = null
}

variable "vertex_endpoints" {
  description = "Vertex AI endpoints, short name => endpoint id."
  type        = map(string)
  default     = {}
}

variable "model_io_log_filter" {
  description = "Cloud Logging filter of the model's prompts and completions."
  type        = string
  default     = null
}

variable "operator_notification_channels" {
  description = "Your team's notification channels (responder failures)."
  type        = list(string)
  default     = []
}

variable "paging_notification_channels" {
  description = "On-call notification channels aiir pages for critical incidents (trigger-alert)."
  type        = list(string)
  default     = []
}

variable "alerting" {
  description = "Alerting thresholds (module README)."
  type        = any
  default     = {}
}

variable "audit_retention_locked" {
  description = "Lock the audit retention policy (irreversible). false only in a test project."
  type        = bool
  default     = true
}
