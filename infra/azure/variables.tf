# ---------------------------------------------------------------------------------------------
# The function
# ---------------------------------------------------------------------------------------------

variable "name" {
  description = "Prefix for every resource this module creates (function app, identity, roles, storage, alert rules)."
  type        = string
  default     = "aiir"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,14}[a-z0-9]$", var.name))
    error_message = "name: 3-16 lower-case letters and digits, starting with a letter (storage account names allow nothing else)."
  }
}

variable "resource_group_name" {
  description = "Existing resource group the module's own resources go into."
  type        = string
}

variable "location" {
  description = "Azure region of the module's resources (e.g. westeurope)."
  type        = string
}

variable "function_package" {
  description = "Path to the Functions zip built by `make package-azure` ($CARGO_TARGET_DIR/azure/aiir-azure-functions.zip)."
  type        = string
}

variable "service_plan_sku" {
  description = "App Service plan SKU of the function app. Y1 (Consumption) suits alert-driven traffic; EP1 (Elastic Premium) removes cold starts."
  type        = string
  default     = "Y1"
}

variable "function_timeout" {
  description = "functionTimeout of the host (hh:mm:ss). rollback-model and disable-endpoint wait up to 600 s for an endpoint to settle; Consumption allows at most 00:10:00."
  type        = string
  default     = "00:10:00"
}

variable "log_retention_days" {
  description = "Retention of the Log Analytics workspace behind Application Insights (function logs, aiir metric lines, model-I/O and endpoint traffic logs)."
  type        = number
  default     = 365
}

variable "dry_run" {
  description = "AIIR_DRY_RUN: every action only describes what it would do (rehearsal deployments)."
  type        = bool
  default     = false
}

variable "playbook_path" {
  description = "AIIR_PLAYBOOK: path of a playbook file inside the package; null uses the built-in default playbook."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------------------------
# Protected resources: the only scopes the managed identity gets roles on.
# ---------------------------------------------------------------------------------------------

variable "protected_storage_account_ids" {
  description = "Storage accounts aiir may lock (public access), encrypt (customer-managed key) and quarantine blobs in (ARM ids)."
  type        = list(string)
  default     = []
}

variable "training_data_containers" {
  description = "Blob containers holding training data: a blob created in one is sent to aiir (Event Grid). The account must be in protected_storage_account_ids."
  type = list(object({
    storage_account_id = string
    container          = string
  }))
  default = []
}

variable "quarantine_container" {
  description = "AIIR_QUARANTINE_BUCKET: the container (created by aiir, private) quarantined blobs are moved to, in the source blob's account; or `account/container`."
  type        = string
  default     = "aiir-quarantine"
}

variable "encryption_key_id" {
  description = "AIIR_KMS_KEY: Key Vault key enforce-encryption sets on a storage account (`https://{vault}.vault.azure.net/keys/{name}`); the account's own identity needs access to it."
  type        = string
  default     = null
}

variable "key_vault_secrets" {
  description = "Key Vault secrets aiir may rotate (vault with RBAC authorization). Roles are assigned on each secret, not on the vault."
  type = list(object({
    key_vault_id = string
    name         = string
  }))
  default = []
}

variable "tool_secret" {
  description = "AIIR_TOOL_SECRET: the secret the prompt-injection rule rotates (`https://{vault}.vault.azure.net/secrets/{name}`); must be one of key_vault_secrets. null: none."
  type        = string
  default     = null
}

variable "ml_online_endpoints" {
  description = "Azure ML online endpoints aiir may roll back or disable, short name => ARM id; the alerting rules are created for each."
  type        = map(string)
  default     = {}
}

variable "ml_online_deployments" {
  description = "Online deployments (short name => ARM id) watched by the disk rule (the DiskUtilization metric is per deployment)."
  type        = map(string)
  default     = {}
}

variable "ml_workspace_ids" {
  description = "Azure ML workspaces whose dataset-drift events go to aiir, and whose endpoint traffic and console logs go to the module's Log Analytics workspace (error-rate, service-down and DLP rules)."
  type        = list(string)
  default     = []
}

variable "protected_function_app_ids" {
  description = "Function / App Service apps serving a model that disable-endpoint may stop."
  type        = list(string)
  default     = []
}

variable "content_safety_account_id" {
  description = "Azure AI Content Safety account holding the guardrail blocklist (block-prompt). null: prompts are not blocked."
  type        = string
  default     = null
}

variable "blocklist_url" {
  description = "AIIR_BLOCKLIST: `https://{account}.cognitiveservices.azure.com/contentsafety/text/blocklists/{name}` of that account."
  type        = string
  default     = null
}

variable "waf_policy_ids" {
  description = "Front Door or Application Gateway WAF policies block-prompt may add aiir's custom rule to. The first is AIIR_WAF_IP_SET."
  type        = list(string)
  default     = []
}

variable "notify_topic_id" {
  description = "Event Grid custom topic (ARM id) notifications and escalations are published to; null: the module creates one."
  type        = string
  default     = null
}

variable "notify_topic_endpoint" {
  description = "AIIR_NOTIFY_TOPIC: the endpoint of notify_topic_id (`https://{topic}.{region}-1.eventgrid.azure.net/api/events`). Required when notify_topic_id is set."
  type        = string
  default     = null
}

variable "modelio_event_hub" {
  description = "Event Hub the model's diagnostic logs (prompts and completions) are streamed to; the `modelio` function reads it with the managed identity. null: model I/O is not scanned."
  type = object({
    namespace_fqdn = string # e.g. support-bot-logs.servicebus.windows.net
    name           = string
    id             = string # ARM id of the event hub (role scope)
  })
  default = null
}

# ---------------------------------------------------------------------------------------------
# Triggers
# ---------------------------------------------------------------------------------------------

variable "watched_resource_group_ids" {
  description = "Resource groups whose resource write events (ResourceWriteSuccess) go to aiir (e.g. a role assignment or network rule changed on a model resource)."
  type        = list(string)
  default     = []
}

variable "model_io_table" {
  description = "Log Analytics table with the model's outputs, searched by the DLP rule."
  type        = string
  default     = "AmlOnlineEndpointConsoleLog"
}

variable "model_io_column" {
  description = "Column of model_io_table holding the output text."
  type        = string
  default     = "Message"
}

variable "dlp_regex" {
  description = "RE2 pattern of secret / PII markers in a model output (the DLP rule)."
  type        = string
  default     = "AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|xox[bp]-[0-9A-Za-z-]{10,}|ghp_[0-9A-Za-z]{36}|AccountKey=[0-9A-Za-z+/=]{20,}|\\b[0-9]{3}-[0-9]{2}-[0-9]{4}\\b"
}

# ---------------------------------------------------------------------------------------------
# Alerting rules (README "Alerting rules")
# ---------------------------------------------------------------------------------------------

variable "alerting" {
  description = "Thresholds of the alerting rules that feed aiir (README: Alerting rules)."
  type = object({
    latency_p99_seconds         = optional(number, 10)
    error_rate_percent          = optional(number, 1)
    service_down_minutes        = optional(number, 5)
    disk_percent                = optional(number, 80)
    traffic_sensitivity         = optional(string, "Medium")
    requests_per_minute_quota   = optional(number)
    rate_limit_percent_of_quota = optional(number, 80)
    cost_resource_group_id      = optional(string)
    cost_normal_monthly         = optional(number)
    cost_spike_factor           = optional(number, 2)
    dlp_matches                 = optional(number, 1)
  })
  default = {}
}

# ---------------------------------------------------------------------------------------------
# Storage
# ---------------------------------------------------------------------------------------------

variable "audit_retention_days" {
  description = "Time-based retention (immutability policy) of audit records."
  type        = number
  default     = 365
}

variable "audit_policy_locked" {
  description = "Lock the audit container's immutability policy (irreversible WORM, like S3 Object Lock COMPLIANCE). Keep true outside of test subscriptions."
  type        = bool
  default     = true
}

variable "storage_replication" {
  description = "Replication of the module's data account (state table, audit container)."
  type        = string
  default     = "GRS"
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}

variable "paging_action_group_ids" {
  description = "On-call action groups trigger-alert pages (critical incidents under the default playbook): the module creates the AiirPages_CL stream and a log alert rule notifying these. []: no paging."
  type        = list(string)
  default     = []
}

variable "operator_action_group_id" {
  description = "Action group of the people who run aiir: the responder's own failures go there (never back into aiir). null: the rule only shows in the portal."
  type        = string
  default     = null
}
