output "function_name" {
  description = "The responder Lambda function."
  value       = aws_lambda_function.responder.function_name
}

output "function_arn" {
  description = "ARN of the responder (alarm actions may target it directly)."
  value       = aws_lambda_function.responder.arn
}

output "role_arn" {
  description = "The responder's execution role."
  value       = aws_iam_role.responder.arn
}

output "alarm_topic_arn" {
  description = "Add this SNS topic to an existing CloudWatch alarm's actions to send it to aiir."
  value       = aws_sns_topic.alarms.arn
}

output "notify_topic_arn" {
  description = "Where notifications and escalations go (AIIR_NOTIFY_TOPIC)."
  value       = local.notify_topic
}

output "state_table" {
  description = "DynamoDB state table (AIIR_STATE_TABLE)."
  value       = aws_dynamodb_table.state.name
}

output "audit_bucket" {
  description = "S3 audit bucket (AIIR_AUDIT_BUCKET)."
  value       = module.audit_bucket.name
}

output "quarantine_bucket" {
  description = "S3 quarantine bucket (AIIR_QUARANTINE_BUCKET)."
  value       = module.quarantine_bucket.name
}

output "dead_letter_queue_url" {
  description = "Events the responder could not handle (on-failure destination, EventBridge and SNS dead letters)."
  value       = aws_sqs_queue.dead_letter.id
}

output "kms_key_arn" {
  description = "The module's key (audit and quarantine buckets, topics, logs, dead-letter queue)."
  value       = aws_kms_key.this.arn
}

output "log_group" {
  description = "The responder's log group (structured logs and EMF metrics)."
  value       = aws_cloudwatch_log_group.function.name
}

output "dashboard_name" {
  description = "CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "event_rules" {
  description = "EventBridge rules invoking the responder, by source."
  value       = { for k, r in aws_cloudwatch_event_rule.this : k => r.name }
}

output "alerting_rules" {
  description = "The alerting rules: alarm name, production level, and the aiir kind/severity it maps to."
  value = {
    for k, r in local.alerting_rules : aws_cloudwatch_metric_alarm.rule[k].alarm_name => {
      level    = r.level
      kind     = r.kind
      severity = r.severity
      what     = r.what
    }
  }
}

output "environment" {
  description = "The function's environment: run `aiir-aws invoke` locally with it for a drill against the deployment."
  value       = local.environment
}
