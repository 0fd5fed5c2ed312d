output "aiir" {
  description = "Everything the module exposes; `terraform output -json aiir > aiir-outputs.json` feeds a drill."
  value = {
    function_name         = module.aiir.function_name
    function_arn          = module.aiir.function_arn
    role_arn              = module.aiir.role_arn
    alarm_topic_arn       = module.aiir.alarm_topic_arn
    notify_topic_arn      = module.aiir.notify_topic_arn
    state_table           = module.aiir.state_table
    audit_bucket          = module.aiir.audit_bucket
    quarantine_bucket     = module.aiir.quarantine_bucket
    dead_letter_queue_url = module.aiir.dead_letter_queue_url
    dashboard_name        = module.aiir.dashboard_name
    event_rules           = module.aiir.event_rules
    alerting_rules        = module.aiir.alerting_rules
    environment           = module.aiir.environment
  }
}
