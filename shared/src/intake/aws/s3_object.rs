//! "An object was written" events from Amazon S3: bucket event notifications delivered to
//! Lambda (`{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3":
//! {...}}]}`) and EventBridge events (`"source": "aws.s3", "detail-type": "Object Created"`).
//!
//! These are not alerts: the function reads the object (SageMaker data capture) and checks it
//! for drift, so this module only says *which object, which write*. [`parse`] returns `None`
//! for every other payload, so callers can try it before [`super::parse_value`].
//!
//! - Keys in bucket notifications are URL-encoded as in an HTML form (`red flower.jpg` arrives
//!   as `red+flower.jpg`); they are decoded here. EventBridge carries the key as written.
//! - Only object creation is accepted; any other S3 event (removal, restore, test event) is
//!   an error naming it, so nothing is acted on.
//! - [`CreatedObject::occurrence`] identifies one write (ETag plus sequencer or version): a
//!   redelivered event repeats it, a new write of the same key changes it.
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::intake::{clip, IntakeError};

use super::fields::{
    account_id, index_path, invalid, key_path, opt_f64, opt_text, parse_time, region_code, req_obj,
    req_str, Obj,
};

/// EventBridge `detail-type` of an S3 object creation.
pub const EVENTBRIDGE_DETAIL_TYPE: &str = "Object Created";

/// How the event reached the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Delivery {
    /// A bucket event notification with a Lambda destination.
    S3Notification,
    /// An EventBridge rule on `aws.s3` / `Object Created`.
    EventBridge,
}

/// One object creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatedObject {
    pub bucket: String,
    /// The key as stored in S3 (URL-decoded for bucket notifications).
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Without surrounding quotes, as the events carry it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequencer: Option<String>,
    pub event_time: DateTime<Utc>,
    /// `ObjectCreated:Put` (notification) or the EventBridge `reason` (`PutObject`, …).
    pub event_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub delivery: Delivery,
}

impl CreatedObject {
    /// `s3://bucket/key`.
    pub fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    /// Identity of this write, stable across redeliveries of its event: the ETag plus the
    /// sequencer (or version id) S3 assigned to the write; the event time when neither is
    /// present.
    pub fn occurrence(&self) -> String {
        let write = self
            .sequencer
            .as_deref()
            .or(self.version_id.as_deref())
            .map(str::to_string)
            .unwrap_or_else(|| super::fields::canonical_time(self.event_time));
        format!("{}@{write}", self.etag.as_deref().unwrap_or("no-etag"))
    }
}

/// The object events in `value`, or `None` when it is not an S3 object event at all.
/// An S3 event of another kind (removal, restore …) or a malformed one is an error.
pub fn parse(value: &Value) -> Option<Result<Vec<CreatedObject>, IntakeError>> {
    let obj = value.as_object()?;
    if let Some(records) = obj.get("Records").and_then(Value::as_array) {
        let first_is_s3 = records
            .first()
            .and_then(|r| r.get("eventSource"))
            .and_then(Value::as_str)
            .is_some_and(|s| s.trim() == "aws:s3");
        return first_is_s3.then(|| parse_records(records, "$.Records"));
    }
    let is_s3_event = obj.get("source").and_then(Value::as_str).map(str::trim) == Some("aws.s3")
        && obj.contains_key("detail-type");
    is_s3_event.then(|| parse_eventbridge(obj, "$").map(|o| vec![o]))
}

fn parse_records(records: &[Value], path: &str) -> Result<Vec<CreatedObject>, IntakeError> {
    if records.is_empty() {
        return Err(invalid(path, "[]", "no records"));
    }
    records
        .iter()
        .enumerate()
        .map(|(i, record)| {
            let p = index_path(path, i);
            let record = super::fields::as_object(record, &p)?;
            parse_record(record, &p)
        })
        .collect()
}

fn parse_record(record: &Obj, path: &str) -> Result<CreatedObject, IntakeError> {
    let source = req_str(record, path, "eventSource")?;
    if source != "aws:s3" {
        return Err(invalid(
            &key_path(path, "eventSource"),
            source,
            "a batch of S3 records must hold S3 records only",
        ));
    }
    let event_name = req_str(record, path, "eventName")?;
    if !event_name.starts_with("ObjectCreated:") {
        return Err(invalid(
            &key_path(path, "eventName"),
            event_name,
            "only ObjectCreated:* events are handled (data capture writes new objects)",
        ));
    }
    let time_path = key_path(path, "eventTime");
    let event_time = parse_time(req_str(record, path, "eventTime")?, &time_path)?;
    let s3_path = key_path(path, "s3");
    let s3 = req_obj(record, path, "s3")?;
    let bucket_path = key_path(&s3_path, "bucket");
    let bucket = req_str(req_obj(s3, &s3_path, "bucket")?, &bucket_path, "name")?;
    let object_path = key_path(&s3_path, "object");
    let object = req_obj(s3, &s3_path, "object")?;
    let raw_key = req_str(object, &object_path, "key")?;
    let key = form_decode(raw_key)
        .map_err(|reason| invalid(&key_path(&object_path, "key"), raw_key, reason))?;
    Ok(CreatedObject {
        bucket: bucket.to_string(),
        key,
        size: size(object, &object_path, "size")?,
        etag: opt_text(object, &object_path, "eTag")?.map(unquote),
        version_id: opt_text(object, &object_path, "versionId")?.map(str::to_string),
        sequencer: opt_text(object, &object_path, "sequencer")?.map(str::to_string),
        event_time,
        event_name: event_name.to_string(),
        region: region_code(opt_text(record, path, "awsRegion")?),
        account: None,
        delivery: Delivery::S3Notification,
    })
}

fn parse_eventbridge(event: &Obj, path: &str) -> Result<CreatedObject, IntakeError> {
    let detail_type = req_str(event, path, "detail-type")?;
    if detail_type != EVENTBRIDGE_DETAIL_TYPE {
        return Err(invalid(
            &key_path(path, "detail-type"),
            detail_type,
            "only \"Object Created\" events are handled (data capture writes new objects)",
        ));
    }
    let time_path = key_path(path, "time");
    let event_time = parse_time(req_str(event, path, "time")?, &time_path)?;
    let detail_path = key_path(path, "detail");
    let detail = req_obj(event, path, "detail")?;
    let bucket_path = key_path(&detail_path, "bucket");
    let bucket = req_str(
        req_obj(detail, &detail_path, "bucket")?,
        &bucket_path,
        "name",
    )?;
    let object_path = key_path(&detail_path, "object");
    let object = req_obj(detail, &detail_path, "object")?;
    let key = req_str(object, &object_path, "key")?;
    let reason = opt_text(detail, &detail_path, "reason")?.unwrap_or(EVENTBRIDGE_DETAIL_TYPE);
    Ok(CreatedObject {
        bucket: bucket.to_string(),
        key: key.to_string(),
        size: size(object, &object_path, "size")?,
        etag: opt_text(object, &object_path, "etag")?.map(unquote),
        version_id: opt_text(object, &object_path, "version-id")?.map(str::to_string),
        sequencer: opt_text(object, &object_path, "sequencer")?.map(str::to_string),
        event_time,
        event_name: reason.to_string(),
        region: region_code(opt_text(event, path, "region")?),
        account: account_id(opt_text(event, path, "account")?),
        delivery: Delivery::EventBridge,
    })
}

fn size(obj: &Obj, path: &str, key: &str) -> Result<Option<u64>, IntakeError> {
    match opt_f64(obj, path, key)? {
        None => Ok(None),
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= u64::MAX as f64 => Ok(Some(n as u64)),
        Some(n) => Err(invalid(
            &key_path(path, key),
            &n.to_string(),
            "not a byte count",
        )),
    }
}

fn unquote(etag: &str) -> String {
    etag.trim_matches('"').to_string()
}

/// Decode `application/x-www-form-urlencoded` text: `+` is a space, `%XX` a byte; the result
/// must be UTF-8 (S3 keys are).
pub fn form_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("bad percent-escape at byte {i}"))?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "decodes to bytes that are not UTF-8".to_string())
}

/// A one-line description of an object event for logs (never the object's content).
pub fn describe(objects: &[CreatedObject]) -> String {
    let uris: Vec<String> = objects.iter().map(|o| clip(&o.uri(), 200)).collect();
    uris.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        assert_eq!(form_decode("red+flower.jpg").unwrap(), "red flower.jpg");
        assert_eq!(form_decode("Happy%20Face.jpg").unwrap(), "Happy Face.jpg");
        assert_eq!(form_decode("a%2Bb%3D1").unwrap(), "a+b=1");
        assert_eq!(form_decode("caf%C3%A9").unwrap(), "café");
        assert!(form_decode("bad%2").is_err());
        assert!(form_decode("bad%zz").is_err());
        assert!(form_decode("%FF").is_err());
    }

    #[test]
    fn not_an_object_event_is_none() {
        assert!(parse(&serde_json::json!({"Records": [{"EventSource": "aws:sns"}]})).is_none());
        assert!(
            parse(&serde_json::json!({"source": "aws.cloudwatch", "detail-type": "x"})).is_none()
        );
        assert!(parse(&serde_json::json!([1, 2])).is_none());
    }

    #[test]
    fn occurrence_changes_with_the_write_not_the_delivery() {
        let value = serde_json::json!({"Records": [{
            "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
            "eventTime": "2024-06-11T10:00:00.000Z",
            "s3": {"bucket": {"name": "b"}, "object": {"key": "k", "eTag": "e1", "sequencer": "0A"}}
        }]});
        let a = parse(&value).unwrap().unwrap();
        let b = parse(&value).unwrap().unwrap();
        assert_eq!(a[0].occurrence(), b[0].occurrence());
        let mut other = value.clone();
        other["Records"][0]["s3"]["object"]["sequencer"] = "0B".into();
        let c = parse(&other).unwrap().unwrap();
        assert_ne!(a[0].occurrence(), c[0].occurrence());
    }

    fn fixture(name: &str) -> Value {
        let text = match name {
            "s3" => include_str!("../../../../events/aws/s3-notification-object-created.json"),
            "eventbridge" => {
                include_str!("../../../../events/aws/eventbridge-s3-object-created.json")
            }
            _ => include_str!("../../../../events/aws/s3-data-capture-object-created.json"),
        };
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn documented_bucket_notification() {
        let objects = parse(&fixture("s3")).unwrap().unwrap();
        assert_eq!(objects.len(), 1);
        let o = &objects[0];
        assert_eq!(
            (o.bucket.as_str(), o.key.as_str()),
            ("sourcebucket", "Happy Face.jpg")
        );
        assert_eq!(o.size, Some(1024));
        assert_eq!(o.etag.as_deref(), Some("d41d8cd98f00b204e9800998ecf8427e"));
        assert_eq!(o.sequencer.as_deref(), Some("Happy Sequencer"));
        assert_eq!(o.version_id.as_deref(), Some("version"));
        assert_eq!(o.region.as_deref(), Some("us-east-1"));
        assert_eq!(o.event_name, "ObjectCreated:Put");
        assert_eq!(o.delivery, Delivery::S3Notification);
        assert_eq!(o.event_time.timestamp_millis(), 123);
    }

    #[test]
    fn documented_eventbridge_event() {
        let objects = parse(&fixture("eventbridge")).unwrap().unwrap();
        let o = &objects[0];
        assert_eq!(
            (o.bucket.as_str(), o.key.as_str()),
            ("amzn-s3-demo-bucket1", "example-key")
        );
        assert_eq!(o.size, Some(5));
        assert_eq!(o.etag.as_deref(), Some("b1946ac92492d2347c6235b4d2611184"));
        assert_eq!(
            o.version_id.as_deref(),
            Some("IYV3p45BT0ac8hjHg1houSdS1a.Mro8e")
        );
        assert_eq!(o.sequencer.as_deref(), Some("617f08299329d189"));
        assert_eq!(o.account.as_deref(), Some("111122223333"));
        assert_eq!(o.region.as_deref(), Some("ca-central-1"));
        assert_eq!(o.event_name, "PutObject");
        assert_eq!(o.delivery, Delivery::EventBridge);
    }

    #[test]
    fn plus_in_a_notification_key_is_a_space() {
        let objects = parse(&fixture("capture")).unwrap().unwrap();
        assert!(
            objects[0]
                .key
                .starts_with("fraud model/datacapture/fraud-detector/AllTraffic/2024/"),
            "{}",
            objects[0].key
        );
    }

    #[test]
    fn other_s3_events_are_errors_naming_the_field() {
        let mut removed = fixture("s3");
        removed["Records"][0]["eventName"] = "ObjectRemoved:Delete".into();
        let e = parse(&removed).unwrap().unwrap_err().to_string();
        assert!(
            e.contains("$.Records[0].eventName") && e.contains("ObjectCreated"),
            "{e}"
        );

        let mut deleted = fixture("eventbridge");
        deleted["detail-type"] = "Object Deleted".into();
        let e = parse(&deleted).unwrap().unwrap_err().to_string();
        assert!(e.contains("detail-type"), "{e}");

        let mut no_key = fixture("s3");
        no_key["Records"][0]["s3"]["object"]
            .as_object_mut()
            .unwrap()
            .remove("key");
        let e = parse(&no_key).unwrap().unwrap_err().to_string();
        assert!(e.contains("$.Records[0].s3.object.key"), "{e}");

        let mut mixed = fixture("s3");
        let sns = serde_json::json!({"EventSource": "aws:sns", "eventSource": "aws:sns"});
        mixed["Records"].as_array_mut().unwrap().push(sns);
        let e = parse(&mixed).unwrap().unwrap_err().to_string();
        assert!(e.contains("$.Records[1].eventSource"), "{e}");

        let mut bad_key = fixture("s3");
        bad_key["Records"][0]["s3"]["object"]["key"] = "a%zz".into();
        assert!(parse(&bad_key).unwrap().is_err());
    }
}
