variable "subscription_id" {
  description = "Subscription to deploy into."
  type        = string
}

variable "name" {
  description = "Prefix of every resource (3-16 lower-case letters and digits)."
  type        = string
  default     = "aiir"
}

variable "resource_group_name" {
  description = "Existing resource group for aiir's own resources."
  type        = string
}

variable "location" {
  description = "Region."
  type        = string
}

variable "function_package" {
  description = "`make package-azure` output."
  type        = string
}

variable "dry_run" {
  description = "Rehearse everything (AIIR_DRY_RUN). Start with true."
  type        = bool
  default     = true
}

variable "protected_storage_account_ids" {
  description = "Storage accounts aiir may lock, encrypt and quarantine blobs in."
  type        = list(string)
  default     = []
}

variable "training_data_containers" {
  description = "Training-data containers watched for new blobs."
  type        = list(object({ storage_account_id = string, container = string }))
  default     = []
}

variable "encryption_key_id" {
  description = "Key Vault key for enforce-encryption."
  type        = string
  default     = null
}

variable "key_vault_secrets" {
  description = "Secrets aiir may rotate."
  type        = list(object({ key_vault_id = string, name = string }))
  default     = []
}

variable "tool_secret" {
  description = "The secret the prompt-injection rule rotates (secret URL)."
  type        = string
  default     = null
}

variable "ml_online_endpoints" {
  description = "Online endpoints, short name => ARM id."
  type        = map(string)
  default     = {}
}

variable "ml_online_deployments" {
  description = "Online deployments, short name => ARM id (disk rule)."
  type        = map(string)
  default     = {}
}

variable "ml_workspace_ids" {
  description = "Azure ML workspaces (drift events, traffic and console logs)."
  type        = list(string)
  default     = []
}

variable "protected_function_app_ids" {
  description = "Model-serving apps disable-endpoint may stop."
  type        = list(string)
  default     = []
}

variable "content_safety_account_id" {
  description = "Content Safety account of the guardrail blocklist."
  type        = string
  default     = null
}

variable "blocklist_url" {
  description = "The blocklist URL (AIIR_BLOCKLIST)."
  type        = string
  default     = null
}

variable "waf_policy_ids" {
  description = "WAF policies for attacking callers."
  type        = list(string)
  default     = []
}

variable "watched_resource_group_ids" {
  description = "Resource groups whose resource writes go to aiir."
  type        = list(string)
  default     = []
}

variable "operator_action_group_id" {
  description = "Your team's action group (responder failures)."
  type        = string
  default     = null
}

variable "paging_action_group_ids" {
  description = "On-call action groups aiir pages for critical incidents (trigger-alert)."
  type        = list(string)
  default     = []
}

variable "alerting" {
  description = "Alerting thresholds (module README)."
  type        = any
  default     = {}
}

variable "audit_policy_locked" {
  description = "Lock the audit immutability policy (irreversible). false only in a test subscription."
  type        = bool
  default     = true
}
