# What feeds aiir: Pub/Sub (Cloud Monitoring incidents, budget and SCC notifications, model
# I/O logs) pushed with OIDC, and Eventarc (training-data objects, bucket IAM changes).

locals {
  service_url = google_cloud_run_v2_service.responder.uri
  pubsub_sa   = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  # Intake topics: alerts (Monitoring channel, budgets, SCC) and model I/O (log sink), each
  # with its own push subscription so a burst of logs cannot delay an alert.
  intake = merge(
    { alerts = "Cloud Monitoring incidents, budget and Security Command Center notifications for aiir" },
    var.model_io_log_filter == null ? {} : { model-io = "Model prompts and completions (log sink) for aiir's detectors" },
  )
}

resource "google_pubsub_topic" "intake" {
  #checkov:skip=CKV_GCP_83:Google-managed encryption: alert notifications carry no secrets, and a CMEK would put Cloud KMS on the alert path.
  for_each                   = local.intake
  project                    = var.project
  name                       = "${var.name}-${each.key}"
  labels                     = local.labels
  message_retention_duration = "86400s"
}

resource "google_pubsub_topic" "dead_letter" {
  #checkov:skip=CKV_GCP_83:Google-managed encryption, same as the intake topics it receives from.
  project = var.project
  name    = "${var.name}-dead-letter"
  labels  = local.labels
}

# Keeps dead letters for a week so people can read them.
resource "google_pubsub_subscription" "dead_letter" {
  project                    = var.project
  name                       = "${var.name}-dead-letter"
  topic                      = google_pubsub_topic.dead_letter.id
  message_retention_duration = "604800s"
  expiration_policy {
    ttl = ""
  }
  labels = local.labels
}

resource "google_pubsub_subscription" "push" {
  for_each             = google_pubsub_topic.intake
  project              = var.project
  name                 = "${var.name}-${each.key}-push"
  topic                = each.value.id
  ack_deadline_seconds = min(600, var.timeout_seconds)

  push_config {
    push_endpoint = local.service_url
    oidc_token {
      service_account_email = google_service_account.push.email
      audience              = local.service_url
    }
  }

  # 400 (rejected input) and repeated 503s end here instead of being retried forever.
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = 10
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  expiration_policy {
    ttl = ""
  }

  labels = local.labels
}

# Pub/Sub forwards undeliverable messages with its service agent.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  project = var.project
  topic   = google_pubsub_topic.dead_letter.id
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_sa
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each     = google_pubsub_subscription.push
  project      = var.project
  subscription = each.value.id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_sa
}

# ---------------------------------------------------------------------------------------------
# Cloud Monitoring → Pub/Sub notification channel (webhooks cannot carry OIDC tokens).
# ---------------------------------------------------------------------------------------------

resource "google_monitoring_notification_channel" "aiir" {
  project      = var.project
  display_name = "${var.name} responder"
  type         = "pubsub"
  labels = {
    topic = google_pubsub_topic.intake["alerts"].id
  }
  user_labels = local.labels
}

resource "google_pubsub_topic_iam_member" "monitoring_publisher" {
  project = var.project
  topic   = google_pubsub_topic.intake["alerts"].id
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-monitoring-notification.iam.gserviceaccount.com"
}

# ---------------------------------------------------------------------------------------------
# Model I/O: log sink → Pub/Sub → aiir's prompt and output detectors.
# ---------------------------------------------------------------------------------------------

resource "google_logging_project_sink" "model_io" {
  count                  = var.model_io_log_filter == null ? 0 : 1
  project                = var.project
  name                   = "${var.name}-model-io"
  destination            = "pubsub.googleapis.com/${google_pubsub_topic.intake["model-io"].id}"
  filter                 = var.model_io_log_filter
  unique_writer_identity = true
}

resource "google_pubsub_topic_iam_member" "model_io_sink" {
  count   = var.model_io_log_filter == null ? 0 : 1
  project = var.project
  topic   = google_pubsub_topic.intake["model-io"].id
  role    = "roles/pubsub.publisher"
  member  = google_logging_project_sink.model_io[0].writer_identity
}

# ---------------------------------------------------------------------------------------------
# Eventarc: objects finalized in a training-data bucket; IAM changes on one (audit log).
# ---------------------------------------------------------------------------------------------

data "google_storage_project_service_account" "gcs" {
  project = var.project
}

# Cloud Storage triggers publish through Pub/Sub with the Cloud Storage service agent.
resource "google_project_iam_member" "gcs_publisher" {
  count   = length(var.training_data_buckets) == 0 ? 0 : 1
  project = var.project
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

resource "google_eventarc_trigger" "object_finalized" {
  for_each        = toset(var.training_data_buckets)
  project         = var.project
  name            = "${var.name}-finalized-${substr(md5(each.value), 0, 8)}"
  location        = var.region
  service_account = google_service_account.push.email
  labels          = local.labels

  matching_criteria {
    attribute = "type"
    value     = "google.cloud.storage.object.v1.finalized"
  }
  matching_criteria {
    attribute = "bucket"
    value     = each.value
  }

  destination {
    cloud_run_service {
      service = google_cloud_run_v2_service.responder.name
      region  = var.region
      path    = "/"
    }
  }

  depends_on = [google_project_iam_member.gcs_publisher, google_project_iam_member.push_receives_events]
}

resource "google_eventarc_trigger" "bucket_iam_changed" {
  for_each        = toset(var.training_data_buckets)
  project         = var.project
  name            = "${var.name}-setiam-${substr(md5(each.value), 0, 8)}"
  location        = var.region
  service_account = google_service_account.push.email
  labels          = local.labels

  matching_criteria {
    attribute = "type"
    value     = "google.cloud.audit.log.v1.written"
  }
  matching_criteria {
    attribute = "serviceName"
    value     = "storage.googleapis.com"
  }
  matching_criteria {
    attribute = "methodName"
    value     = "storage.setIamPermissions"
  }
  matching_criteria {
    attribute = "resourceName"
    value     = "projects/_/buckets/${each.value}"
    operator  = "match-path-pattern"
  }

  destination {
    cloud_run_service {
      service = google_cloud_run_v2_service.responder.name
      region  = var.region
      path    = "/"
    }
  }

  depends_on = [google_project_iam_member.push_receives_events]
}

# Notifications and escalations for people (AIIR_NOTIFY_TOPIC), unless one is passed in.
resource "google_pubsub_topic" "notify" {
  #checkov:skip=CKV_GCP_83:Google-managed encryption: notifications summarise incidents and never carry secret values.
  count   = local.create_notify ? 1 : 0
  project = var.project
  name    = "${var.name}-notify"
  labels  = local.labels
}
