data "google_project" "this" {
  project_id = var.project
}

locals {
  create_notify = var.notify_topic == null
  notify_topic  = local.create_notify ? google_pubsub_topic.notify[0].id : var.notify_topic
  blocklist_bucket = (var.blocklist == null ? null
  : regex("^gs://([^/]+)/.+$", var.blocklist)[0])
  secret_ids = [for s in var.secret_ids : startswith(s, "projects/") ? s : "projects/${var.project}/secrets/${s}"]

  env = merge(
    {
      AIIR_STATE_BUCKET      = google_storage_bucket.state.name
      AIIR_AUDIT_BUCKET      = google_storage_bucket.audit.name
      AIIR_QUARANTINE_BUCKET = google_storage_bucket.quarantine.name
      AIIR_NOTIFY_TOPIC      = local.notify_topic
      AIIR_DRY_RUN           = tostring(var.dry_run)
      AIIR_AUTH              = "cloud-run-iam"
      GOOGLE_CLOUD_PROJECT   = var.project
    },
    var.blocklist == null ? {} : { AIIR_BLOCKLIST = var.blocklist },
    var.cloud_armor_policy == null ? {} : { AIIR_WAF_IP_SET = var.cloud_armor_policy },
    var.tool_secret == null ? {} : { AIIR_TOOL_SECRET = var.tool_secret },
    var.encryption_kms_key == null ? {} : { AIIR_KMS_KEY = var.encryption_kms_key },
    var.playbook_path == null ? {} : { AIIR_PLAYBOOK = var.playbook_path },
    local.paging ? { AIIR_PAGE_TARGET = var.project } : {},
  )

  labels = merge({ app = "aiir", aiir-component = "responder" }, var.labels)
}

# ---------------------------------------------------------------------------------------------
# Identities: the responder (only the custom roles in iam.tf) and the one that pushes to it
# (Pub/Sub push subscriptions, Eventarc triggers, with roles/run.invoker on the service only).
# ---------------------------------------------------------------------------------------------

resource "google_service_account" "responder" {
  project      = var.project
  account_id   = "${var.name}-responder"
  display_name = "aiir responder (custom roles on protected resources only)"
}

resource "google_service_account" "push" {
  project      = var.project
  account_id   = "${var.name}-push"
  display_name = "aiir push: Pub/Sub and Eventarc deliveries to the responder"
}

# ---------------------------------------------------------------------------------------------
# The service: Cloud Run, no unauthenticated access (Cloud Run IAM verifies the OIDC token of
# each push: signature, audience = the service URL, expiry).
# ---------------------------------------------------------------------------------------------

resource "google_cloud_run_v2_service" "responder" {
  project             = var.project
  name                = "${var.name}-responder"
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = !var.force_destroy_buckets
  labels              = local.labels

  template {
    service_account                  = google_service_account.responder.email
    timeout                          = "${var.timeout_seconds}s"
    max_instance_request_concurrency = 8
    execution_environment            = "EXECUTION_ENVIRONMENT_GEN2"

    scaling {
      min_instance_count = 0
      max_instance_count = var.max_instances
    }

    containers {
      image = var.image

      resources {
        limits = {
          cpu    = "1"
          memory = "512Mi"
        }
        cpu_idle = true
      }

      dynamic "env" {
        for_each = local.env
        content {
          name  = env.key
          value = env.value
        }
      }

      startup_probe {
        http_get {
          path = "/healthz"
        }
      }
    }
  }

  lifecycle {
    # The default playbook reads ${AIIR_BLOCKLIST} and ${AIIR_KMS_KEY} without a fallback: the
    # service would refuse to start (it validates the playbook before anything else).
    precondition {
      condition     = var.playbook_path != null || (var.blocklist != null && var.encryption_kms_key != null)
      error_message = "The default playbook needs blocklist (AIIR_BLOCKLIST) and encryption_kms_key (AIIR_KMS_KEY); set them, or ship your own playbook (playbook_path)."
    }
  }
}

resource "google_cloud_run_v2_service_iam_member" "push_invoker" {
  project  = var.project
  location = var.region
  name     = google_cloud_run_v2_service.responder.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.push.email}"
}

# Eventarc delivers with the push identity: it must be allowed to receive events.
resource "google_project_iam_member" "push_receives_events" {
  project = var.project
  role    = "roles/eventarc.eventReceiver"
  member  = "serviceAccount:${google_service_account.push.email}"
}

# Pub/Sub mints the push OIDC tokens as the push identity.
resource "google_service_account_iam_member" "pubsub_token_creator" {
  service_account_id = google_service_account.push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}
