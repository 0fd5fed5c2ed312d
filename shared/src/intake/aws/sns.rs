//! SNS deliveries to Lambda: `{"Records": [{"EventSource": "aws:sns", "Sns": {…}}]}`.
//!
//! Each record's `Sns.Message` is a string holding JSON. It is unwrapped and must be either a
//! CloudWatch alarm notification (`AlarmName`, `NewStateValue`, `StateChangeTime`, …; single
//! metric, metric math, anomaly detection or composite) or an EventBridge event forwarded to
//! SNS (GuardDuty, Security Hub, alarm state change). Several records give several alerts;
//! one bad record rejects the whole batch (nothing is changed).
//!
//! Operator events are *not* accepted through SNS: approve and undo must come by direct
//! invocation, so that publishing to an alarm topic does not grant approval rights.
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::intake::{IntakeError, ShapeSeen};
use crate::model::Alert;

use super::alarm::{self, AlarmChange, Child, MetricQuery};
use super::fields::{
    as_object, index_path, key_path, opt, opt_arr, opt_f64, opt_obj, opt_str, opt_text, parse_time,
    req_obj, req_str, seen_keys, Obj,
};

/// Is this a Lambda event record list from SNS (any record says `aws:sns`)?
pub(crate) fn record_source(record: &Value) -> Option<&str> {
    let obj = record.as_object()?;
    obj.get("EventSource")
        .or_else(|| obj.get("eventSource"))
        .and_then(Value::as_str)
}

pub(crate) fn parse_records(records: &[Value], path: &str) -> Result<Vec<Alert>, IntakeError> {
    if records.is_empty() {
        return Err(IntakeError::InvalidValue {
            path: path.to_string(),
            value: "[]".to_string(),
            reason: "no records".to_string(),
        });
    }
    let mut alerts = Vec::new();
    for (i, record) in records.iter().enumerate() {
        let rp = index_path(path, i);
        let rec = as_object(record, &rp)?;
        let source = record_source(record);
        if source.is_none_or(|s| s.trim() != "aws:sns") && !rec.contains_key("Sns") {
            return Err(IntakeError::UnknownShape(Box::new(ShapeSeen {
                path: rp,
                source: source.map(|s| crate::intake::clip(s, 64)),
                detail_type: None,
                keys: seen_keys(record),
            })));
        }
        let sns = req_obj(rec, &rp, "Sns")?;
        let sp = key_path(&rp, "Sns");
        let mp = key_path(&sp, "Message");
        let message = req_str(sns, &sp, "Message")?;
        let sns_time = opt_text(sns, &sp, "Timestamp")?
            .map(|t| parse_time(t, &key_path(&sp, "Timestamp")))
            .transpose()?;
        let value: Value =
            serde_json::from_str(message).map_err(|e| IntakeError::UnsupportedSnsMessage {
                path: mp.clone(),
                reason: format!("not JSON ({e})"),
            })?;
        let obj = value
            .as_object()
            .ok_or_else(|| IntakeError::UnsupportedSnsMessage {
                path: mp.clone(),
                reason: format!(
                    "JSON {} rather than an object",
                    super::fields::type_name(&value)
                ),
            })?;
        if crate::operator::is_operator_event(&value) {
            return Err(IntakeError::UnsupportedSnsMessage {
                path: mp,
                reason: "operator events are accepted by direct invocation only".to_string(),
            });
        }
        if is_alarm_message(obj) {
            alerts.push(parse_alarm_message(obj, &mp, sns_time)?);
        } else if obj.contains_key("detail-type") {
            alerts.extend(super::eventbridge(obj, &mp)?);
        } else {
            return Err(IntakeError::UnsupportedSnsMessage {
                path: mp,
                reason: format!(
                    "neither a CloudWatch alarm notification nor an EventBridge event (keys [{}])",
                    seen_keys(&value).join(", ")
                ),
            });
        }
    }
    Ok(alerts)
}

/// A CloudWatch alarm notification as SNS publishes it.
pub(crate) fn is_alarm_message(obj: &Obj) -> bool {
    obj.contains_key("AlarmName") && obj.contains_key("NewStateValue")
}

/// Parse the JSON SNS carries for a CloudWatch alarm. `fallback_time` (the SNS timestamp) is
/// used only when `StateChangeTime` is absent.
pub(crate) fn parse_alarm_message(
    msg: &Obj,
    path: &str,
    fallback_time: Option<DateTime<Utc>>,
) -> Result<Alert, IntakeError> {
    let name = req_str(msg, path, "AlarmName")?;
    let state_path = key_path(path, "NewStateValue");
    let state = alarm::state_value(req_str(msg, path, "NewStateValue")?);
    alarm::status(&state, &state_path)?;
    let timestamp = match opt_text(msg, path, "StateChangeTime")? {
        Some(t) => parse_time(t, &key_path(path, "StateChangeTime"))?,
        None => fallback_time.ok_or_else(|| IntakeError::Missing {
            path: key_path(path, "StateChangeTime"),
        })?,
    };
    let mut change = AlarmChange {
        delivery: "sns",
        alarm_name: name.to_string(),
        alarm_arn: None,
        account: None,
        region: None,
        description: opt_text(msg, path, "AlarmDescription")?.map(str::to_string),
        state,
        state_path,
        previous_state: opt_text(msg, path, "OldStateValue")?.map(alarm::state_value),
        reason: opt_text(msg, path, "NewStateReason")?.map(str::to_string),
        reason_data: opt_str(msg, path, "NewStateReasonData")?.map(str::to_string),
        timestamp,
        metrics: Vec::new(),
        threshold: None,
        comparison: None,
        threshold_metric_id: None,
        alarm_rule: opt_text(msg, path, "AlarmRule")?.map(str::to_string),
        children: Vec::new(),
        actions_suppressed_by: opt_text(msg, path, "ActionsSuppressedBy")?.map(str::to_string),
    };
    if let Some(trigger) = opt_obj(msg, path, "Trigger")? {
        let tp = key_path(path, "Trigger");
        change.threshold = opt_f64(trigger, &tp, "Threshold")?;
        change.comparison = opt_text(trigger, &tp, "ComparisonOperator")?.map(str::to_string);
        change.threshold_metric_id =
            opt_text(trigger, &tp, "ThresholdMetricId")?.map(str::to_string);
        match opt_arr(trigger, &tp, "Metrics")? {
            Some(list) if !list.is_empty() => {
                change.metrics = metrics_pascal(list, &key_path(&tp, "Metrics"))?;
            }
            _ => {
                let stat = opt_text(trigger, &tp, "Statistic")?.or(opt_text(
                    trigger,
                    &tp,
                    "ExtendedStatistic",
                )?);
                change.metrics = vec![MetricQuery {
                    namespace: opt_text(trigger, &tp, "Namespace")?.map(str::to_string),
                    name: opt_text(trigger, &tp, "MetricName")?.map(str::to_string),
                    dimensions: alarm::dimensions(
                        opt(trigger, "Dimensions"),
                        &key_path(&tp, "Dimensions"),
                    )?,
                    stat: stat.map(str::to_string),
                    period: opt_f64(trigger, &tp, "Period")?,
                    unit: opt_text(trigger, &tp, "Unit")?.map(str::to_string),
                    ..MetricQuery::default()
                }];
            }
        }
    }
    if let Some(children) = opt_arr(msg, path, "TriggeringChildren")? {
        let cp = key_path(path, "TriggeringChildren");
        for (i, c) in children.iter().enumerate() {
            let p = index_path(&cp, i);
            let c = as_object(c, &p)?;
            let arn = req_str(c, &p, "Arn")?;
            let state = opt_obj(c, &p, "State")?;
            let sp = key_path(&p, "State");
            change.children.push(Child {
                arn: super::arn::normalize(arn),
                state: match state {
                    Some(s) => opt_text(s, &sp, "Value")?.map(alarm::state_value),
                    None => None,
                },
                timestamp: match state {
                    Some(s) => opt_text(s, &sp, "Timestamp")?.map(str::to_string),
                    None => None,
                },
            });
        }
    }
    if change.children.is_empty() {
        change.children = alarm::children_from_reason_data(change.reason_data.as_deref());
    }
    change.set_identity(
        opt_text(msg, path, "AlarmArn")?,
        opt_text(msg, path, "AWSAccountId")?,
        opt_text(msg, path, "Region")?,
    );
    change.into_alert()
}

/// `Trigger.Metrics` of a metric-math or anomaly-detection alarm notification.
fn metrics_pascal(list: &[Value], path: &str) -> Result<Vec<MetricQuery>, IntakeError> {
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let p = index_path(path, i);
        let m = as_object(item, &p)?;
        let mut q = MetricQuery {
            id: opt_text(m, &p, "Id")?.map(str::to_string),
            expression: opt_text(m, &p, "Expression")?.map(str::to_string),
            label: opt_text(m, &p, "Label")?.map(str::to_string),
            return_data: super::fields::opt_bool(m, &p, "ReturnData")?,
            ..MetricQuery::default()
        };
        if let Some(stat) = opt_obj(m, &p, "MetricStat")? {
            let sp = key_path(&p, "MetricStat");
            q.stat = opt_text(stat, &sp, "Stat")?.map(str::to_string);
            q.period = opt_f64(stat, &sp, "Period")?;
            q.unit = opt_text(stat, &sp, "Unit")?.map(str::to_string);
            if let Some(metric) = opt_obj(stat, &sp, "Metric")? {
                let mp = key_path(&sp, "Metric");
                q.namespace = opt_text(metric, &mp, "Namespace")?.map(str::to_string);
                q.name = opt_text(metric, &mp, "MetricName")?.map(str::to_string);
                q.dimensions =
                    alarm::dimensions(opt(metric, "Dimensions"), &key_path(&mp, "Dimensions"))?;
            }
        }
        out.push(q);
    }
    Ok(out)
}
