output "function_app_name" {
  value = module.aiir.function_app_name
}

output "action_group_id" {
  description = "Add to an existing alert rule's actions to send it to aiir."
  value       = module.aiir.action_group_id
}

output "operator_url" {
  value     = module.aiir.operator_url
  sensitive = true
}

output "alerting_rules" {
  value = module.aiir.alerting_rules
}
