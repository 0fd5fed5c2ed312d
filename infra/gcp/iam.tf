# Least privilege: one custom role per part of the code, with exactly the permissions that
# part declares (`required_permissions(kind)`, `state::REQUIRED_PERMISSIONS`,
# `audit::REQUIRED_PERMISSIONS`), bound to the responder's service account only on the
# resources that part acts on. Project-level bindings only where the resource type has no IAM
# policy of its own in the GA provider (Vertex AI endpoints, Cloud Armor policies).
# `functions/gcp/tests/least_privilege.rs` checks this file against the code.

locals {
  role_prefix = replace(var.name, "-", "_")
  responder   = "serviceAccount:${google_service_account.responder.email}"
}

# ---------------------------------------------------------------------------------------------
# State and audit buckets
# ---------------------------------------------------------------------------------------------

resource "google_project_iam_custom_role" "state" {
  project     = var.project
  role_id     = "${local.role_prefix}_state"
  title       = "aiir state store"
  description = "Objects of the aiir state bucket (generation-conditional writes)."
  permissions = [
    "storage.objects.create",
    "storage.objects.delete",
    "storage.objects.get",
    "storage.objects.list",
  ]
}

resource "google_storage_bucket_iam_member" "state" {
  bucket = google_storage_bucket.state.name
  role   = google_project_iam_custom_role.state.id
  member = local.responder
}

resource "google_project_iam_custom_role" "audit" {
  project     = var.project
  role_id     = "${local.role_prefix}_audit"
  title       = "aiir audit sink"
  description = "Create audit records (no read, no delete) in the retention-locked audit bucket."
  permissions = [
    "storage.objects.create",
  ]
}

resource "google_storage_bucket_iam_member" "audit" {
  bucket = google_storage_bucket.audit.name
  role   = google_project_iam_custom_role.audit.id
  member = local.responder
}

# ---------------------------------------------------------------------------------------------
# Protected buckets: lock-public-access, enforce-encryption, quarantine-data
# ---------------------------------------------------------------------------------------------

resource "google_project_iam_custom_role" "buckets" {
  project     = var.project
  role_id     = "${local.role_prefix}_buckets"
  title       = "aiir bucket settings"
  description = "lock-public-access and enforce-encryption: bucket metadata and IAM policy."
  permissions = [
    "storage.buckets.get",
    "storage.buckets.update",
    "storage.buckets.getIamPolicy",
    "storage.buckets.setIamPolicy",
  ]
}

resource "google_storage_bucket_iam_member" "buckets" {
  for_each = toset(var.protected_bucket_names)
  bucket   = each.value
  role     = google_project_iam_custom_role.buckets.id
  member   = local.responder
}

resource "google_project_iam_custom_role" "quarantine" {
  project     = var.project
  role_id     = "${local.role_prefix}_quarantine"
  title       = "aiir quarantine"
  description = "quarantine-data: copy an object to the quarantine bucket, delete the original (undo reverses it)."
  permissions = [
    "storage.objects.get",
    "storage.objects.create",
    "storage.objects.delete",
    "storage.objects.update",
  ]
}

resource "google_storage_bucket_iam_member" "quarantine" {
  for_each = toset(concat(var.protected_bucket_names, [google_storage_bucket.quarantine.name]))
  bucket   = each.value
  role     = google_project_iam_custom_role.quarantine.id
  member   = local.responder
}

# ---------------------------------------------------------------------------------------------
# block-prompt: the guardrail's blocklist object, the Cloud Armor policy
# ---------------------------------------------------------------------------------------------

resource "google_project_iam_custom_role" "blocklist" {
  project     = var.project
  role_id     = "${local.role_prefix}_blocklist"
  title       = "aiir blocklist"
  description = "block-prompt: rewrite the guardrail's blocklist object under a generation precondition."
  permissions = [
    "storage.objects.get",
    "storage.objects.create",
    "storage.objects.delete",
  ]
}

resource "google_storage_bucket_iam_member" "blocklist" {
  count  = local.blocklist_bucket == null ? 0 : 1
  bucket = local.blocklist_bucket
  role   = google_project_iam_custom_role.blocklist.id
  member = local.responder
}

resource "google_project_iam_custom_role" "cloud_armor" {
  project     = var.project
  role_id     = "${local.role_prefix}_cloud_armor"
  title       = "aiir Cloud Armor"
  description = "block-prompt: aiir's deny rule in the Cloud Armor policy, and the operation that applies it."
  permissions = [
    "compute.securityPolicies.get",
    "compute.securityPolicies.update",
    "compute.globalOperations.get",
  ]
}

# Security policies have no IAM policy of their own: the narrowest binding is the project.
resource "google_project_iam_member" "cloud_armor" {
  count   = var.cloud_armor_policy == null ? 0 : 1
  project = var.project
  role    = google_project_iam_custom_role.cloud_armor.id
  member  = local.responder
}

# ---------------------------------------------------------------------------------------------
# rotate-secret: each listed secret
# ---------------------------------------------------------------------------------------------

resource "google_project_iam_custom_role" "secrets" {
  project     = var.project
  role_id     = "${local.role_prefix}_secrets"
  title       = "aiir secret rotation"
  description = "rotate-secret: add a version, disable the old one (undo re-enables it)."
  permissions = [
    "secretmanager.secrets.get",
    "secretmanager.secrets.update",
    "secretmanager.versions.add",
    "secretmanager.versions.list",
    "secretmanager.versions.get",
    "secretmanager.versions.disable",
    "secretmanager.versions.enable",
  ]
}

resource "google_secret_manager_secret_iam_member" "secrets" {
  for_each  = toset(local.secret_ids)
  project   = var.project
  secret_id = each.value
  role      = google_project_iam_custom_role.secrets.id
  member    = local.responder
}

# ---------------------------------------------------------------------------------------------
# rollback-model, disable-endpoint: Vertex AI endpoints
# ---------------------------------------------------------------------------------------------

resource "google_project_iam_custom_role" "vertex" {
  project     = var.project
  role_id     = "${local.role_prefix}_vertex"
  title       = "aiir Vertex AI endpoints"
  description = "rollback-model and disable-endpoint: traffic split, undeploy and redeploy on endpoints."
  permissions = [
    "aiplatform.endpoints.get",
    "aiplatform.endpoints.update",
    "aiplatform.endpoints.deploy",
    "aiplatform.endpoints.undeploy",
  ]
}

# Endpoint IAM policies exist only in Vertex AI v1beta1 (google-beta provider): the narrowest
# GA binding is the project, and only when there are endpoints to protect.
resource "google_project_iam_member" "vertex" {
  count   = length(var.vertex_endpoints) == 0 ? 0 : 1
  project = var.project
  role    = google_project_iam_custom_role.vertex.id
  member  = local.responder
}

# ---------------------------------------------------------------------------------------------
# notify: the notification topic only
# ---------------------------------------------------------------------------------------------

resource "google_project_iam_custom_role" "notify" {
  project     = var.project
  role_id     = "${local.role_prefix}_notify"
  title       = "aiir notify"
  description = "notify: publish to the notification topic."
  permissions = [
    "pubsub.topics.publish",
  ]
}

resource "google_pubsub_topic_iam_member" "notify" {
  project = var.project
  topic   = local.notify_topic
  role    = google_project_iam_custom_role.notify.id
  member  = local.responder
}

# ---------------------------------------------------------------------------------------------
# trigger-alert: write the paging metric
# ---------------------------------------------------------------------------------------------

resource "google_project_iam_custom_role" "trigger_alert" {
  project     = var.project
  role_id     = "${local.role_prefix}_trigger_alert"
  title       = "aiir trigger-alert"
  description = "trigger-alert: write one point of custom.googleapis.com/aiir/incident."
  permissions = [
    "monitoring.timeSeries.create",
  ]
}

# Time series are written to a project: Cloud Monitoring has no narrower IAM resource.
resource "google_project_iam_member" "trigger_alert" {
  count   = local.paging ? 1 : 0
  project = var.project
  role    = google_project_iam_custom_role.trigger_alert.id
  member  = local.responder
}
