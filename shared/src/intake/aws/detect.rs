//! Recognise which AWS payload family a JSON document is, before parsing it.
use serde_json::Value;

use crate::intake::{clip, IntakeError, ShapeSeen};

use super::fields::{seen_keys, Obj};
use super::{eventbridge_alarm, guardduty, model_monitor, security_hub, sns};

/// The payload families [`super::parse_aws`] understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsShape {
    /// `{"aiir": "drill" | "findings" | "approve" | "undo", …}`.
    Operator,
    /// Lambda SNS event (`Records[].Sns`).
    SnsRecords,
    /// CloudWatch Logs subscription (`awslogs.data`).
    CloudwatchLogs,
    /// EventBridge `CloudWatch Alarm State Change`.
    EventBridgeAlarm,
    /// EventBridge `GuardDuty Finding`.
    GuardDutyFinding,
    /// EventBridge `Security Hub Findings - Imported` / `- Custom Action`.
    SecurityHubFindings,
    /// CloudWatch alarm invoking Lambda directly (`alarmArn` + `alarmData`).
    LambdaAlarmAction,
    /// A bare CloudWatch alarm notification (the JSON SNS carries), e.g. SNS raw delivery.
    AlarmNotification,
    /// SageMaker Model Monitor `constraint_violations.json`.
    ModelMonitorViolations,
}

fn unknown(value: &Value, path: &str) -> IntakeError {
    let text = |k: &str| value.get(k).and_then(Value::as_str).map(|s| clip(s, 64));
    IntakeError::UnknownShape(Box::new(ShapeSeen {
        path: path.to_string(),
        source: text("source")
            .or_else(|| text("eventSource"))
            .or_else(|| text("EventSource")),
        detail_type: text("detail-type"),
        keys: seen_keys(value),
    }))
}

/// Which family `value` (found at `path`) belongs to.
pub fn detect_at(value: &Value, path: &str) -> Result<AwsShape, IntakeError> {
    let Some(obj) = value.as_object() else {
        return Err(unknown(value, path));
    };
    if crate::operator::is_operator_event(value) {
        return Ok(AwsShape::Operator);
    }
    if let Some(records) = obj.get("Records").and_then(Value::as_array) {
        let first = records.first();
        let is_sns = first.is_some_and(|r| {
            sns::record_source(r).is_some_and(|s| s.trim() == "aws:sns")
                || r.get("Sns").is_some_and(Value::is_object)
        });
        if is_sns {
            return Ok(AwsShape::SnsRecords);
        }
        return Err(match first {
            Some(r) => unknown(r, &format!("{path}.Records[0]")),
            None => unknown(value, path),
        });
    }
    if obj.get("awslogs").is_some_and(Value::is_object) {
        return Ok(AwsShape::CloudwatchLogs);
    }
    if obj.contains_key("detail-type") {
        return eventbridge_shape(obj, path);
    }
    if obj.contains_key("alarmData") && obj.contains_key("alarmArn") {
        return Ok(AwsShape::LambdaAlarmAction);
    }
    if sns::is_alarm_message(obj) {
        return Ok(AwsShape::AlarmNotification);
    }
    if model_monitor::is_violations(obj) {
        return Ok(AwsShape::ModelMonitorViolations);
    }
    Err(unknown(value, path))
}

/// Which EventBridge event an object with a `detail-type` is (routed by `source` and
/// `detail-type` together).
pub(crate) fn eventbridge_shape(obj: &Obj, path: &str) -> Result<AwsShape, IntakeError> {
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::trim);
    match (text("source"), text("detail-type")) {
        (Some("aws.cloudwatch"), Some(eventbridge_alarm::DETAIL_TYPE)) => {
            Ok(AwsShape::EventBridgeAlarm)
        }
        (Some("aws.guardduty"), Some(guardduty::DETAIL_TYPE)) => Ok(AwsShape::GuardDutyFinding),
        (Some("aws.securityhub"), Some(t)) if security_hub::DETAIL_TYPES.contains(&t) => {
            Ok(AwsShape::SecurityHubFindings)
        }
        _ => Err(IntakeError::UnknownShape(Box::new(ShapeSeen {
            path: path.to_string(),
            source: text("source").map(|s| clip(s, 64)),
            detail_type: text("detail-type").map(|s| clip(s, 64)),
            keys: obj
                .keys()
                .take(ShapeSeen::MAX_KEYS)
                .map(|k| clip(k, 40))
                .collect(),
        }))),
    }
}

/// Which family a top-level payload belongs to.
pub fn detect(value: &Value) -> Result<AwsShape, IntakeError> {
    detect_at(value, "$")
}
