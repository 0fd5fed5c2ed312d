//! AWS payloads: CloudWatch alarms (via SNS, EventBridge or a Lambda alarm action),
//! CloudWatch Logs subscriptions, GuardDuty and Security Hub findings (EventBridge),
//! SageMaker Model Monitor violations, and operator events. [`parse_aws`] recognises the
//! shape ([`detect`]) and hands it to the parser of its family; each module documents how its
//! family maps onto [`Alert`].
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::intake::{Intake, IntakeError, MAX_PAYLOAD_BYTES};
use crate::model::Alert;
use crate::operator::OperatorEvent;

pub mod alarm;
pub(crate) mod arn;
pub mod cloudwatch_logs;
mod detect;
pub mod eventbridge_alarm;
pub(crate) mod fields;
pub mod guardduty;
pub mod lambda_alarm_action;
pub mod model_monitor;
pub mod s3_object;
pub mod security_hub;
pub mod sns;

pub use detect::{detect, AwsShape};
pub use guardduty::{kind_for_type as guardduty_kind, severity_for_score as guardduty_severity};
pub use security_hub::kind_for_finding as security_hub_kind;

/// Parse any AWS payload aiir receives. Never panics; on error nothing should be acted on.
///
/// Limits: at most [`MAX_PAYLOAD_BYTES`] of input and
/// [`crate::intake::MAX_DECOMPRESSED_BYTES`] of decompressed CloudWatch Logs data; JSON
/// nesting is bounded by the JSON parser (128 levels). A leading UTF-8 byte-order mark and
/// surrounding whitespace are ignored.
pub fn parse_aws(payload: &[u8]) -> Result<Intake, IntakeError> {
    parse_aws_at(payload, Utc::now())
}

/// [`parse_aws`] with the clock given: `now` is used only for payloads that carry no time
/// (SageMaker Model Monitor violation files without an execution summary).
pub fn parse_aws_at(payload: &[u8], now: DateTime<Utc>) -> Result<Intake, IntakeError> {
    parse_value(&decode(payload)?, now)
}

/// The JSON of a payload, with [`parse_aws`]'s limits: at most [`MAX_PAYLOAD_BYTES`], a
/// leading byte-order mark and surrounding whitespace ignored, empty input an error. For
/// callers that look at the document before [`parse_value`] (S3 object events,
/// [`s3_object::parse`], need a cloud read before they become alerts).
pub fn decode(payload: &[u8]) -> Result<Value, IntakeError> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(IntakeError::TooLarge {
            size: payload.len(),
            limit: MAX_PAYLOAD_BYTES,
        });
    }
    let payload = payload.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(payload);
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Err(IntakeError::Empty);
    }
    serde_json::from_slice(payload).map_err(|e| IntakeError::NotJson {
        path: "$".to_string(),
        reason: e.to_string(),
    })
}

/// Parse an already-decoded JSON payload (same rules as [`parse_aws_at`], minus the size
/// limit).
pub fn parse_value(value: &Value, now: DateTime<Utc>) -> Result<Intake, IntakeError> {
    let path = "$";
    let shape = detect(value)?;
    let obj = fields::as_object(value, path)?;
    Ok(match shape {
        AwsShape::Operator => {
            let event: OperatorEvent =
                serde_json::from_value(value.clone()).map_err(|e| IntakeError::Operator {
                    path: path.to_string(),
                    reason: crate::intake::clip(&e.to_string(), 200),
                })?;
            Intake::Operator(event)
        }
        AwsShape::SnsRecords => Intake::Alerts(sns::parse_records(
            fields::req_arr(obj, path, "Records")?,
            &fields::key_path(path, "Records"),
        )?),
        AwsShape::CloudwatchLogs => Intake::ModelIo(cloudwatch_logs::parse(obj, path)?),
        AwsShape::EventBridgeAlarm | AwsShape::GuardDutyFinding | AwsShape::SecurityHubFindings => {
            Intake::Alerts(eventbridge(obj, path)?)
        }
        AwsShape::LambdaAlarmAction => Intake::Alerts(vec![lambda_alarm_action::parse(obj, path)?]),
        AwsShape::AlarmNotification => {
            Intake::Alerts(vec![sns::parse_alarm_message(obj, path, None)?])
        }
        AwsShape::ModelMonitorViolations => {
            Intake::Alerts(vec![model_monitor::parse(obj, path, now)?])
        }
    })
}

/// An EventBridge event (top level, or forwarded inside an SNS message) → alerts.
pub(crate) fn eventbridge(event: &fields::Obj, path: &str) -> Result<Vec<Alert>, IntakeError> {
    match detect::eventbridge_shape(event, path)? {
        AwsShape::GuardDutyFinding => Ok(vec![guardduty::parse(event, path)?]),
        AwsShape::SecurityHubFindings => security_hub::parse(event, path),
        _ => Ok(vec![eventbridge_alarm::parse(event, path)?]),
    }
}
