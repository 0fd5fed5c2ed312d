//! EventBridge `CloudWatch Alarm State Change` events: single metric, metric math, anomaly
//! detection and composite alarms. See [`super::alarm`] for the mapping.
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::intake::IntakeError;
use crate::model::Alert;

use super::alarm::AlarmChange;
use super::fields::{key_path, opt_arr, opt_text, parse_time, req_obj, Obj};

pub(crate) const DETAIL_TYPE: &str = "CloudWatch Alarm State Change";

/// `event` is the whole EventBridge event at `path`.
pub(crate) fn parse(event: &Obj, path: &str) -> Result<Alert, IntakeError> {
    let time = event_time(event, path)?;
    let detail = req_obj(event, path, "detail")?;
    let mut change =
        AlarmChange::from_camel("eventbridge", detail, &key_path(path, "detail"), time)?;
    // `resources` holds the alarm ARN.
    let arn = opt_arr(event, path, "resources")?
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .find(|r| r.contains(":alarm:"));
    change.set_identity(
        arn,
        opt_text(event, path, "account")?,
        opt_text(event, path, "region")?,
    );
    change.into_alert()
}

/// The envelope's `time`, when present.
pub(crate) fn event_time(event: &Obj, path: &str) -> Result<Option<DateTime<Utc>>, IntakeError> {
    opt_text(event, path, "time")?
        .map(|t| parse_time(t, &key_path(path, "time")))
        .transpose()
}
