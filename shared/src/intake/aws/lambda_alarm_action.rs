//! A CloudWatch alarm invoking a Lambda function directly (alarm action): `source`
//! `aws.cloudwatch`, `alarmArn`, `accountId`, `region`, `time` and `alarmData` (the same
//! shape as the EventBridge event's `detail`). See [`super::alarm`] for the mapping.
//!
//! The published sample has stray spaces inside ARNs and timestamps
//! (`us-east-1: 444455556666`, `12: 36: 15.490`): both are normalised.
use crate::intake::IntakeError;
use crate::model::Alert;

use super::alarm::AlarmChange;
use super::eventbridge_alarm::event_time;
use super::fields::{key_path, opt_text, req_obj, Obj};

pub(crate) fn parse(event: &Obj, path: &str) -> Result<Alert, IntakeError> {
    let time = event_time(event, path)?;
    let data = req_obj(event, path, "alarmData")?;
    let mut change = AlarmChange::from_camel(
        "lambda-alarm-action",
        data,
        &key_path(path, "alarmData"),
        time,
    )?;
    change.set_identity(
        opt_text(event, path, "alarmArn")?,
        opt_text(event, path, "accountId")?,
        opt_text(event, path, "region")?,
    );
    change.into_alert()
}
