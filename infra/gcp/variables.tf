# ---------------------------------------------------------------------------------------------
# The service
# ---------------------------------------------------------------------------------------------

variable "name" {
  description = "Prefix for every resource this module creates (service, service accounts, roles, buckets, topics, policies)."
  type        = string
  default     = "aiir"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name))
    error_message = "name: 3-20 lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "project" {
  description = "Project the module deploys into (and whose resources it protects)."
  type        = string
}

variable "region" {
  description = "Region of the Cloud Run service, buckets and Eventarc triggers."
  type        = string
}

variable "image" {
  description = "Container image of aiir-gcp: `make package-gcp` builds dist/aiir-gcp-oci.tar; push it to Artifact Registry (e.g. with skopeo or crane) and pass REGION-docker.pkg.dev/PROJECT/REPO/aiir-gcp@sha256:…"
  type        = string
}

variable "max_instances" {
  description = "Most Cloud Run instances: caps how many incidents are contained in parallel (blast radius)."
  type        = number
  default     = 10
}

variable "timeout_seconds" {
  description = "Request timeout. rollback-model and disable-endpoint wait up to 600 s for the endpoint; the push subscription's ack deadline is set to the same (max 600)."
  type        = number
  default     = 600
}

variable "dry_run" {
  description = "AIIR_DRY_RUN: every action only describes what it would do (rehearsal deployments)."
  type        = bool
  default     = false
}

variable "playbook_path" {
  description = "AIIR_PLAYBOOK: path of a playbook file inside the image; null uses the built-in default playbook."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------------------------
# Protected resources: the only resources the service account gets the custom roles on.
# ---------------------------------------------------------------------------------------------

variable "protected_bucket_names" {
  description = "Buckets aiir may lock (public access), encrypt (default KMS key) and quarantine objects from."
  type        = list(string)
  default     = []
}

variable "training_data_buckets" {
  description = "Buckets holding training data: an object finalized in one, or an IAM change on it, goes to aiir (Eventarc). Should be in protected_bucket_names."
  type        = list(string)
  default     = []
}

variable "encryption_kms_key" {
  description = "AIIR_KMS_KEY: `projects/P/locations/L/keyRings/R/cryptoKeys/K` enforce-encryption sets as a protected bucket's default key (the Cloud Storage service agent needs encrypter/decrypter on it)."
  type        = string
  default     = null
}

variable "blocklist" {
  description = "AIIR_BLOCKLIST: the guardrail's blocklist object, `gs://BUCKET/OBJECT.json`; aiir gets object access on that bucket only. null: prompts are not blocked."
  type        = string
  default     = null
}

variable "cloud_armor_policy" {
  description = "AIIR_WAF_IP_SET: Cloud Armor security policy (name) block-prompt adds attacking callers to. null: callers are not blocked."
  type        = string
  default     = null
}

variable "secret_ids" {
  description = "Secret Manager secrets aiir may rotate (`projects/P/secrets/S` or short names in this project)."
  type        = list(string)
  default     = []
}

variable "tool_secret" {
  description = "AIIR_TOOL_SECRET: the secret the prompt-injection rule rotates; must be one of secret_ids. null: none."
  type        = string
  default     = null
}

variable "vertex_endpoints" {
  description = "Vertex AI endpoints aiir may roll back or disable, short name => endpoint id (numeric); the alerting rules are created for each."
  type        = map(string)
  default     = {}
}

variable "notify_topic" {
  description = "Pub/Sub topic id (`projects/P/topics/T`) for notifications and escalations; null: the module creates one."
  type        = string
  default     = null
}

# ---------------------------------------------------------------------------------------------
# Triggers
# ---------------------------------------------------------------------------------------------

variable "model_io_log_filter" {
  description = "Cloud Logging filter selecting the model's prompts and completions: a log sink sends them to aiir, and the DLP rule counts secret / PII markers in them. null: neither."
  type        = string
  default     = null
}

variable "dlp_regex" {
  description = "RE2 pattern of secret / PII markers in a model output (the DLP rule's log-based metric)."
  type        = string
  default     = "AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|xox[bp]-[0-9A-Za-z-]{10,}|ghp_[0-9A-Za-z]{36}|AIza[0-9A-Za-z_-]{35}|[0-9]{3}-[0-9]{2}-[0-9]{4}"
}

variable "alerting" {
  description = "Thresholds of the alerting rules that feed aiir (README: Alerting rules)."
  type = object({
    latency_p99_seconds         = optional(number, 10)
    error_rate_percent          = optional(number, 1)
    service_down_minutes        = optional(number, 3)
    disk_percent                = optional(number, 80)
    disk_instance_filter        = optional(string)
    traffic_change_percent      = optional(number, 200)
    rate_limit_percent_of_quota = optional(number, 80)
    rate_limit_service          = optional(string, "aiplatform.googleapis.com")
    drift_metric_type           = optional(string)
    drift_threshold             = optional(number, 0.3)
    billing_account             = optional(string)
    cost_normal_monthly         = optional(number)
    cost_currency               = optional(string, "USD")
    cost_spike_factor           = optional(number, 2)
    dlp_matches                 = optional(number, 1)
  })
  default = {}
}

# ---------------------------------------------------------------------------------------------
# Storage
# ---------------------------------------------------------------------------------------------

variable "audit_retention_days" {
  description = "Retention policy of the audit bucket (objects cannot be deleted or replaced before)."
  type        = number
  default     = 365
}

variable "audit_retention_locked" {
  description = "Lock the audit bucket's retention policy (irreversible). Keep true outside of test projects."
  type        = bool
  default     = true
}

variable "state_expiry_days" {
  description = "Lifecycle deletion of state objects (longer than every TTL in the playbook; the default playbook's longest is 24 h, undo records 90 days)."
  type        = number
  default     = 90
}

variable "force_destroy_buckets" {
  description = "Let terraform destroy non-empty buckets (test projects only)."
  type        = bool
  default     = false
}

variable "labels" {
  description = "Labels on every resource."
  type        = map(string)
  default     = {}
}

variable "paging_notification_channels" {
  description = "On-call notification channels trigger-alert pages (critical incidents under the default playbook): the module creates the paging metric and an alert policy notifying these. []: no paging."
  type        = list(string)
  default     = []
}

variable "operator_notification_channels" {
  description = "Monitoring notification channels of the people who run aiir: the responder's own failures go there (never back into aiir)."
  type        = list(string)
  default     = []
}
