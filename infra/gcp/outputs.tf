output "service_url" {
  description = "URL of the responder (Cloud Run IAM: callers need roles/run.invoker and an ID token with this audience). `aiir drill --target gcp --function URL`."
  value       = google_cloud_run_v2_service.responder.uri
}

output "service_name" {
  description = "The Cloud Run service."
  value       = google_cloud_run_v2_service.responder.name
}

output "service_account" {
  description = "The responder's service account (custom roles on protected resources only)."
  value       = google_service_account.responder.email
}

output "push_service_account" {
  description = "Identity of the Pub/Sub push subscriptions and Eventarc triggers (roles/run.invoker on the service)."
  value       = google_service_account.push.email
}

output "notification_channel" {
  description = "Add this notification channel to an existing alert policy to send it to aiir."
  value       = google_monitoring_notification_channel.aiir.id
}

output "alerts_topic" {
  description = "Pub/Sub topic pushed to aiir: point Security Command Center notification configs (or anything that publishes alerts) here."
  value       = google_pubsub_topic.intake["alerts"].id
}

output "dead_letter_subscription" {
  description = "Messages aiir could not handle (rejected input, repeated failures)."
  value       = google_pubsub_subscription.dead_letter.id
}

output "custom_roles" {
  description = "The custom roles (one per part of the code)."
  value = {
    state       = google_project_iam_custom_role.state.id
    audit       = google_project_iam_custom_role.audit.id
    buckets     = google_project_iam_custom_role.buckets.id
    quarantine  = google_project_iam_custom_role.quarantine.id
    blocklist   = google_project_iam_custom_role.blocklist.id
    cloud_armor = google_project_iam_custom_role.cloud_armor.id
    secrets     = google_project_iam_custom_role.secrets.id
    vertex      = google_project_iam_custom_role.vertex.id
    notify      = google_project_iam_custom_role.notify.id
    trigger     = google_project_iam_custom_role.trigger_alert.id
  }
}

output "state_bucket" {
  description = "AIIR_STATE_BUCKET."
  value       = google_storage_bucket.state.name
}

output "audit_bucket" {
  description = "AIIR_AUDIT_BUCKET (retention policy)."
  value       = google_storage_bucket.audit.name
}

output "quarantine_bucket" {
  description = "AIIR_QUARANTINE_BUCKET."
  value       = google_storage_bucket.quarantine.name
}

output "notify_topic" {
  description = "Where notifications and escalations go (AIIR_NOTIFY_TOPIC)."
  value       = local.notify_topic
}

output "dashboard_id" {
  description = "The Cloud Monitoring dashboard."
  value       = google_monitoring_dashboard.this.id
}

output "alerting_rules" {
  description = "Alert policy => level, aiir kind, aiir severity."
  value = { for k, l in local.rule_labels : "${var.name}-${k}" => {
    level    = l["aiir-level"]
    kind     = l["aiir-kind"]
    severity = l["severity"]
  } }
}

output "environment" {
  description = "The service's environment (for a local `aiir-gcp invoke` against the deployment)."
  value       = local.env
}
