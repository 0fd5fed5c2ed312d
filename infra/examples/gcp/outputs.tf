output "service_url" {
  value = module.aiir.service_url
}

output "notification_channel" {
  description = "Add to an existing alert policy to send it to aiir."
  value       = module.aiir.notification_channel
}

output "alerts_topic" {
  value = module.aiir.alerts_topic
}

output "alerting_rules" {
  value = module.aiir.alerting_rules
}
