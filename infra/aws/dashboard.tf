resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = templatefile("${path.module}/dashboard.json.tftpl", {
    name     = var.name
    region   = local.region
    function = local.function_name
    alarms = jsonencode(concat(
      [for a in aws_cloudwatch_metric_alarm.rule : a.arn],
      [aws_cloudwatch_metric_alarm.responder_errors.arn, aws_cloudwatch_metric_alarm.dead_letters.arn],
    ))
  })
}
