//! AWS alert intake: every fixture payload parses to the expected alert(s) or to a clear
//! error, and no input (truncated, mutated, ill-typed, deeply nested, huge, gzip bomb) panics.
//!
//! Fixtures live in `tests/fixtures/aws` (see `tests/fixtures/SOURCES.md` for origins).
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use aiir_core::intake::{
    parse_aws, parse_aws_at, Intake, IntakeError, MAX_DECOMPRESSED_BYTES, MAX_PAYLOAD_BYTES,
};
use aiir_core::model::{
    fingerprint, Alert, AlertSource, AlertStatus, IncidentKind, ResourceKind, Severity,
};
use aiir_core::operator::OperatorEvent;
use aiir_core::plan::classify;
use aiir_core::playbook::{Playbook, DEFAULT_PLAYBOOK};
use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/aws")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn all_fixtures() -> Vec<(String, Vec<u8>)> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("fixture dir")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let bytes = fixture(&n);
            (n, bytes)
        })
        .collect()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap()
}

fn parse(name: &str) -> Result<Intake, IntakeError> {
    parse_aws_at(&fixture(name), now())
}

fn alerts(name: &str) -> Vec<Alert> {
    match parse(name) {
        Ok(Intake::Alerts(a)) => a,
        other => panic!("{name}: expected alerts, got {other:?}"),
    }
}

fn one(name: &str) -> Alert {
    let mut a = alerts(name);
    assert_eq!(a.len(), 1, "{name}: one alert");
    a.remove(0)
}

fn err(payload: &[u8]) -> IntakeError {
    match parse_aws_at(payload, now()) {
        Err(e) => e,
        Ok(other) => panic!("expected an error, got {other:?}"),
    }
}

fn label<'a>(a: &'a Alert, key: &str) -> Option<&'a str> {
    a.labels.get(key).map(String::as_str)
}

fn has(a: &Alert, kind: ResourceKind, id: &str) -> bool {
    a.resources.iter().any(|r| r.kind == kind && r.id == id)
}

fn playbook() -> Playbook {
    Playbook::load(DEFAULT_PLAYBOOK, &|_| Some("x".to_string())).expect("default playbook")
}

fn fp(a: &Alert) -> String {
    fingerprint(a.source, &a.source_id, &a.occurrence)
}

// ---------------------------------------------------------------- CloudWatch alarms

#[test]
fn sns_single_metric_alarm_sample() {
    let a = one("cloudwatch-alarm-via-sns-to-lambda-single-metric.json");
    assert_eq!(a.source, AlertSource::CloudwatchAlarm);
    assert_eq!(a.status, AlertStatus::Firing);
    assert_eq!(a.title, "EXAMPLE");
    assert_eq!(a.description.as_deref(), Some("EXAMPLE"));
    assert_eq!(
        a.source_id,
        "arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE"
    );
    assert_eq!(a.occurrence, "2015-06-03T17:43:27.123Z");
    assert_eq!(
        a.occurred_at,
        Utc.with_ymd_and_hms(2015, 6, 3, 17, 43, 27).unwrap() + chrono::Duration::milliseconds(123)
    );
    assert_eq!(a.account.as_deref(), Some("123456789012"));
    // "EXAMPLE" / "REGION" are placeholders, not region codes.
    assert_eq!(a.region, None);
    assert_eq!((a.kind, a.severity), (None, None));
    assert_eq!(label(&a, "alarm_name"), Some("EXAMPLE"));
    assert_eq!(label(&a, "metric_name"), Some("NetworkOut"));
    assert_eq!(label(&a, "namespace"), Some("AWS/EC2"));
    assert_eq!(label(&a, "alarm_type"), Some("metric"));
    assert_eq!(label(&a, "state"), Some("ALARM"));
    assert_eq!(label(&a, "previous_state"), Some("INSUFFICIENT_DATA"));
    assert_eq!(label(&a, "delivery"), Some("sns"));
    assert!(has(
        &a,
        ResourceKind::Other,
        "arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE"
    ));
    let metric = a
        .evidence
        .iter()
        .find(|e| e.label == "metric")
        .expect("metric evidence");
    assert_eq!(metric.detail["dimensions"]["InstanceId"], "TestInstance");
    assert!(
        metric.summary.contains("AWS/EC2 NetworkOut"),
        "{}",
        metric.summary
    );
    let state = a
        .evidence
        .iter()
        .find(|e| e.label == "alarm-state")
        .unwrap();
    assert_eq!(state.detail["threshold"], 0.0);
    assert!(state.summary.contains("Threshold Crossed"));
}

#[test]
fn lambda_alarm_action_sample_with_stray_spaces() {
    let a = one("cloudwatch-alarm-lambda-action-metric.json");
    assert_eq!(a.source, AlertSource::CloudwatchAlarm);
    assert_eq!(a.status, AlertStatus::Firing);
    assert_eq!(a.title, "lambda-demo-metric-alarm");
    assert_eq!(
        a.description.as_deref(),
        Some("Metric Alarm to test Lambda actions")
    );
    assert_eq!(
        a.source_id,
        "arn:aws:cloudwatch:us-east-1:444455556666:alarm:lambda-demo-metric-alarm"
    );
    assert_eq!(a.occurrence, "2023-08-04T12:36:15.490Z");
    assert_eq!(a.account.as_deref(), Some("444455556666"));
    assert_eq!(a.region.as_deref(), Some("us-east-1"));
    assert_eq!(label(&a, "metric_name"), Some("CallCount"));
    assert_eq!(label(&a, "namespace"), Some("AWS/Logs"));
    assert_eq!(label(&a, "delivery"), Some("lambda-alarm-action"));
    assert_eq!(label(&a, "previous_state"), Some("INSUFFICIENT_DATA"));
    assert_eq!(a.resources[0].kind, ResourceKind::Other);
    assert_eq!(a.resources[0].region.as_deref(), Some("us-east-1"));
}

#[test]
fn eventbridge_single_metric_sample() {
    let a = one("eventbridge-cloudwatch-alarm-state-change-single-metric.json");
    assert_eq!(a.source, AlertSource::CloudwatchAlarm);
    assert_eq!(a.status, AlertStatus::Firing);
    assert_eq!(a.title, "ServerCpuTooHigh");
    assert_eq!(
        a.source_id,
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh"
    );
    assert_eq!(a.occurrence, "2019-10-02T17:04:40.989Z");
    assert_eq!(a.account.as_deref(), Some("123456789012"));
    assert_eq!(a.region.as_deref(), Some("us-east-1"));
    assert_eq!(label(&a, "metric_name"), Some("CPUUtilization"));
    assert_eq!(label(&a, "previous_state"), Some("OK"));
    assert_eq!(label(&a, "delivery"), Some("eventbridge"));
    let state = a
        .evidence
        .iter()
        .find(|e| e.label == "alarm-state")
        .unwrap();
    // reasonData is decoded into evidence.
    assert_eq!(
        state.detail["reason_data"]["recentDatapoints"][0],
        99.50160229693434
    );
    assert_eq!(
        a.resources.len(),
        1,
        "an EC2 instance dimension is evidence, not a target"
    );
}

#[test]
fn metric_math_alarm_on_sagemaker_endpoint() {
    let a = one("constructed-eventbridge-alarm-metric-math-sagemaker-error-rate.json");
    assert_eq!(a.status, AlertStatus::Firing);
    assert_eq!(label(&a, "alarm_type"), Some("metric-math"));
    assert_eq!(label(&a, "metric_name"), Some("Invocation5XXErrors"));
    assert_eq!(label(&a, "namespace"), Some("AWS/SageMaker"));
    assert_eq!(
        label(&a, "metric_names"),
        Some("Invocation5XXErrors,Invocations")
    );
    assert_eq!(label(&a, "expression"), Some("100 * m1 / m2"));
    assert_eq!(label(&a, "endpoint_name"), Some("fraud-model"));
    assert!(has(&a, ResourceKind::ModelEndpoint, "fraud-model"));
    assert_eq!(
        a.resources
            .iter()
            .filter(|r| r.kind == ResourceKind::ModelEndpoint)
            .count(),
        1
    );
    assert_eq!(a.evidence.iter().filter(|e| e.label == "metric").count(), 3);
    // The playbook's classify decides kind/severity for alarms.
    assert_eq!(
        classify(&a, &playbook()),
        (IncidentKind::Availability, Severity::High)
    );
}

#[test]
fn anomaly_detection_alarm() {
    let a = one("constructed-eventbridge-alarm-anomaly-detection-model-latency.json");
    assert_eq!(a.title, "fraud-model latency anomaly");
    assert_eq!(
        a.source_id,
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:fraud-model latency anomaly"
    );
    assert_eq!(label(&a, "alarm_type"), Some("anomaly-detection"));
    assert_eq!(label(&a, "metric_name"), Some("ModelLatency"));
    assert!(has(&a, ResourceKind::ModelEndpoint, "fraud-model"));
    assert_eq!(
        classify(&a, &playbook()),
        (IncidentKind::Availability, Severity::Medium)
    );

    let s = one("constructed-sns-alarm-anomaly-detection.json");
    assert_eq!(label(&s, "alarm_type"), Some("anomaly-detection"));
    assert_eq!(label(&s, "metric_name"), Some("ModelLatency"));
    assert_eq!(
        s.region.as_deref(),
        Some("us-east-1"),
        "region from the ARN, not 'US East (N. Virginia)'"
    );
    assert_eq!(
        fp(&s),
        fp(&a),
        "SNS and EventBridge deliveries of one transition share a fingerprint"
    );
}

#[test]
fn composite_alarm_every_delivery() {
    let eb = one("constructed-eventbridge-alarm-composite.json");
    assert_eq!(eb.status, AlertStatus::Firing);
    assert_eq!(label(&eb, "alarm_type"), Some("composite"));
    assert_eq!(
        eb.evidence
            .iter()
            .filter(|e| e.label == "triggering-alarm")
            .count(),
        2
    );
    assert!(has(
        &eb,
        ResourceKind::Other,
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:fraud-model-5xx-rate"
    ));
    assert!(has(
        &eb,
        ResourceKind::Other,
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:fraud-model latency anomaly"
    ));
    let state = eb
        .evidence
        .iter()
        .find(|e| e.label == "alarm-state")
        .unwrap();
    assert!(state.detail["alarm_rule"]
        .as_str()
        .unwrap()
        .starts_with("ALARM("));

    let sns = one("constructed-sns-composite-alarm.json");
    assert_eq!(label(&sns, "alarm_type"), Some("composite"));
    assert_eq!(
        sns.evidence
            .iter()
            .filter(|e| e.label == "triggering-alarm")
            .count(),
        2
    );
    let lambda = one("constructed-lambda-alarm-action-composite.json");
    assert_eq!(label(&lambda, "alarm_type"), Some("composite"));
    assert_eq!(fp(&eb), fp(&sns));
    assert_eq!(fp(&eb), fp(&lambda));

    let suppressed = one("constructed-eventbridge-alarm-composite-suppressed.json");
    assert_eq!(
        suppressed.status,
        AlertStatus::Informational,
        "suppressed actions must not remediate"
    );
    assert_eq!(label(&suppressed, "actions_suppressed_by"), Some("Alarm"));
}

#[test]
fn ok_transition_resolves() {
    let a = one("constructed-eventbridge-alarm-ok.json");
    assert_eq!(a.status, AlertStatus::Resolved);
    assert_eq!(label(&a, "state"), Some("OK"));
    assert_eq!(label(&a, "previous_state"), Some("ALARM"));
    assert_eq!(a.occurrence, "2024-05-14T09:41:07.554Z");

    let batch = alerts("constructed-sns-batch-metric-math-alarm-and-ok.json");
    assert_eq!(batch.len(), 2);
    assert_eq!(batch[0].status, AlertStatus::Firing);
    assert_eq!(label(&batch[0], "alarm_type"), Some("metric-math"));
    assert_eq!(label(&batch[0], "expression"), Some("100 * m1 / m2"));
    assert!(has(&batch[0], ResourceKind::ModelEndpoint, "fraud-model"));
    assert_eq!(batch[1].status, AlertStatus::Resolved);
    assert_eq!(batch[1].title, "fraud-model-5xx");
    assert_eq!(batch[1].description, None, "null AlarmDescription");
    assert_eq!(label(&batch[1], "metric_name"), Some("Invocation5XXErrors"));
    // The same transition via EventBridge and via SNS.
    assert_eq!(fp(&batch[1]), fp(&a));
    let eb = one("constructed-eventbridge-alarm-metric-math-sagemaker-error-rate.json");
    assert_eq!(fp(&batch[0]), fp(&eb));
}

#[test]
fn insufficient_data_is_informational() {
    let a = one("constructed-eventbridge-alarm-insufficient-data.json");
    assert_eq!(a.status, AlertStatus::Informational);
    assert!(has(&a, ResourceKind::Function, "chat-inference"));
    assert_eq!(label(&a, "function_name"), Some("chat-inference"));
    assert_eq!(label(&a, "metric_name"), Some("Errors"));
}

// ---------------------------------------------------------------- SNS

#[test]
fn sns_text_message_is_a_clear_error() {
    let e = parse("sns-lambda-event-generic.json").unwrap_err();
    match &e {
        IntakeError::UnsupportedSnsMessage { path, reason } => {
            assert_eq!(path, "$.Records[0].Sns.Message");
            assert!(reason.contains("not JSON"), "{reason}");
        }
        other => panic!("wrong error {other:?}"),
    }
    assert!(e.to_string().contains("$.Records[0].Sns.Message"));
}

#[test]
fn sns_forwarded_eventbridge_event() {
    let via_sns = one("constructed-sns-eventbridge-guardduty.json");
    let direct = one("constructed-guardduty-high-severity-s3-exfiltration.json");
    assert_eq!(via_sns, direct);
}

#[test]
fn sns_batch_with_one_bad_record_is_rejected_whole() {
    let mut v: Value = serde_json::from_slice(&fixture(
        "constructed-sns-batch-metric-math-alarm-and-ok.json",
    ))
    .unwrap();
    v["Records"][1]["Sns"]["Message"] = json!("{\"AlarmName\":\"x\",\"NewStateValue\":\"MAYBE\",\"StateChangeTime\":\"2024-05-14T09:41:07.554+0000\"}");
    match err(v.to_string().as_bytes()) {
        IntakeError::InvalidValue { path, value, .. } => {
            assert_eq!(path, "$.Records[1].Sns.Message.NewStateValue");
            assert_eq!(value, "MAYBE");
        }
        other => panic!("wrong error {other:?}"),
    }
}

#[test]
fn operator_events_are_not_accepted_through_sns() {
    let mut v: Value = serde_json::from_slice(&fixture(
        "cloudwatch-alarm-via-sns-to-lambda-single-metric.json",
    ))
    .unwrap();
    v["Records"][0]["Sns"]["Message"] =
        json!(String::from_utf8(fixture("constructed-operator-approve.json")).unwrap());
    match err(v.to_string().as_bytes()) {
        IntakeError::UnsupportedSnsMessage { reason, .. } => {
            assert!(reason.contains("direct invocation"), "{reason}")
        }
        other => panic!("wrong error {other:?}"),
    }
}

// ---------------------------------------------------------------- GuardDuty

#[test]
fn guardduty_sample() {
    let a = one("guardduty-finding-eventbridge-iam-tor-api-call.json");
    assert_eq!(a.source, AlertSource::Guardduty);
    assert_eq!(a.status, AlertStatus::Firing);
    assert_eq!(a.source_id, "36b01b60fc22bb4edb19d62d9899e953");
    assert_eq!(a.occurrence, "2017-12-08T15:32:49.862Z");
    assert_eq!(
        a.title,
        "API GeneratedFindingAPIName was invoked from a Tor exit node."
    );
    assert_eq!(a.severity, Some(Severity::Medium));
    assert_eq!(a.kind, None);
    assert_eq!(
        a.account.as_deref(),
        Some("883606788610"),
        "the finding's account, not the envelope's"
    );
    assert_eq!(a.region.as_deref(), Some("us-east-1"));
    assert_eq!(
        label(&a, "finding_type"),
        Some("UnauthorizedAccess:IAMUser/TorIPCaller")
    );
    assert_eq!(label(&a, "threat_purpose"), Some("UnauthorizedAccess"));
    assert_eq!(label(&a, "resource_type"), Some("AccessKey"));
    assert_eq!(label(&a, "sample"), Some("true"));
    assert_eq!(
        label(&a, "detector_id"),
        Some("c0b018e3eb2130078632d999e41d4f02")
    );
    assert!(has(&a, ResourceKind::Other, "GeneratedFindingAccessKeyId"));
    assert!(has(&a, ResourceKind::Caller, "198.51.100.0"));
    assert_eq!(a.evidence[0].label, "guardduty-finding");
}

#[test]
fn guardduty_low_high_and_archived() {
    let low = one("constructed-guardduty-low-severity-s3-discovery.json");
    assert_eq!(low.severity, Some(Severity::Low));
    assert_eq!(low.kind, None);
    assert_eq!(low.status, AlertStatus::Firing);
    let bucket = low
        .resources
        .iter()
        .find(|r| r.kind == ResourceKind::Bucket)
        .expect("bucket");
    assert_eq!(bucket.id, "training-data-prod");
    assert_eq!(bucket.tags.get("team").map(String::as_str), Some("ml"));
    assert!(has(&low, ResourceKind::Caller, "203.0.113.7"));

    let high = one("constructed-guardduty-high-severity-s3-exfiltration.json");
    assert_eq!(high.severity, Some(Severity::High));
    assert_eq!(high.kind, Some(IncidentKind::DataLeakage));
    assert_eq!(high.occurrence, "2024-05-14T07:30:00.000Z");

    let archived = one("constructed-guardduty-archived-s3-public-access.json");
    assert_eq!(archived.status, AlertStatus::Resolved);
    assert_eq!(archived.severity, Some(Severity::Critical));
    assert_eq!(archived.kind, Some(IncidentKind::Exposure));
    assert!(!archived
        .resources
        .iter()
        .any(|r| r.kind == ResourceKind::Caller));
}

#[test]
fn guardduty_severity_bands() {
    use aiir_core::intake::aws::guardduty_severity as s;
    assert_eq!(s(1.0), Severity::Low);
    assert_eq!(s(3.9), Severity::Low);
    assert_eq!(s(4.0), Severity::Medium);
    assert_eq!(s(6.9), Severity::Medium);
    assert_eq!(s(7.0), Severity::High);
    assert_eq!(s(8.9), Severity::High);
    assert_eq!(s(9.0), Severity::Critical);
    assert_eq!(s(10.0), Severity::Critical);
}

// ---------------------------------------------------------------- Security Hub

#[test]
fn security_hub_sample_informational() {
    let a = one("securityhub-findings-imported-afsbp-ec2-7.json");
    assert_eq!(a.source, AlertSource::SecurityHub);
    assert_eq!(a.status, AlertStatus::Informational);
    assert_eq!(a.severity, Some(Severity::Low));
    assert_eq!(a.kind, None);
    assert_eq!(a.title, "EC2.7 EBS default encryption should be enabled");
    assert_eq!(
        a.source_id,
        "arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/EC2.7/finding/0003b335-cf3f-4f93-a025-6b1a7baced06"
    );
    assert_eq!(a.occurrence, "2021-02-17T14:56:09.063Z");
    assert_eq!(a.account.as_deref(), Some("111111111111"));
    assert_eq!(label(&a, "control_id"), Some("EC2.7"));
    assert_eq!(label(&a, "severity_label"), Some("INFORMATIONAL"));
    assert_eq!(label(&a, "product_name"), Some("Security Hub"));
    assert_eq!(
        label(&a, "rule_name"),
        Some("securityhub-ec2-ebs-encryption-by-default-d60ccae6")
    );
    assert_eq!(label(&a, "compliance_status"), Some("FAILED"));
    assert_eq!(label(&a, "workflow_status"), Some("NEW"));
    assert!(has(&a, ResourceKind::Other, "AWS::::Account:111111111111"));
}

#[test]
fn security_hub_several_findings() {
    let a = alerts("constructed-securityhub-findings-imported-multiple.json");
    assert_eq!(a.len(), 4);
    // CRITICAL S3 public access.
    assert_eq!(a[0].status, AlertStatus::Firing);
    assert_eq!(a[0].severity, Some(Severity::Critical));
    assert_eq!(a[0].kind, Some(IncidentKind::Exposure));
    let bucket = a[0]
        .resources
        .iter()
        .find(|r| r.kind == ResourceKind::Bucket)
        .unwrap();
    assert_eq!(bucket.id, "training-data-prod");
    assert_eq!(bucket.tags.get("team").map(String::as_str), Some("ml"));
    assert_eq!(bucket.region.as_deref(), Some("us-east-1"));
    assert_eq!(label(&a[0], "control_id"), Some("S3.8"));
    // HIGH Macie credentials in an object.
    assert_eq!(a[1].severity, Some(Severity::High));
    assert_eq!(a[1].kind, Some(IncidentKind::DataLeakage));
    assert!(has(&a[1], ResourceKind::Bucket, "model-artifacts"));
    assert!(has(
        &a[1],
        ResourceKind::Object,
        "model-artifacts/exports/keys.csv"
    ));
    assert_eq!(label(&a[1], "product_name"), Some("Macie"));
    // RESOLVED / PASSED.
    assert_eq!(a[2].status, AlertStatus::Resolved);
    assert_eq!(a[2].severity, Some(Severity::Medium));
    assert!(has(
        &a[2],
        ResourceKind::Function,
        "arn:aws:lambda:us-east-1:123456789012:function:chat-inference"
    ));
    // SUPPRESSED.
    assert_eq!(a[3].status, AlertStatus::Informational);
    assert!(has(
        &a[3],
        ResourceKind::Secret,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:openai-key-AbCdEf"
    ));
    assert_eq!(a[3].kind, None);
    // Distinct findings, distinct fingerprints.
    let mut fps: Vec<String> = a.iter().map(fp).collect();
    fps.dedup();
    assert_eq!(fps.len(), 4);
}

// ---------------------------------------------------------------- CloudWatch Logs

#[test]
fn cloudwatch_logs_sample_decodes() {
    let Intake::ModelIo(batch) = parse("cloudwatch-logs-subscription-lambda-event.json").unwrap()
    else {
        panic!("expected model I/O")
    };
    assert_eq!(batch.source, AlertSource::CloudwatchLogs);
    assert_eq!(batch.source_id, "testLogGroup");
    assert_eq!(batch.account.as_deref(), Some("123456789123"));
    assert_eq!(batch.records.len(), 2);
    assert_eq!(batch.records[0].id, "eventId1");
    assert_eq!(batch.records[0].message, "[ERROR] First test message");
    assert_eq!(batch.records[0].timestamp.timestamp_millis(), 1440442987000);
    assert_eq!(batch.records[1].id, "eventId2");
    assert_eq!(batch.records[1].message, "[ERROR] Second test message");
    assert_eq!(batch.records[1].timestamp.timestamp_millis(), 1440442987001);
    assert_eq!(
        batch.records[0].labels.get("log_group").map(String::as_str),
        Some("testLogGroup")
    );
    assert_eq!(
        batch.records[0]
            .labels
            .get("log_stream")
            .map(String::as_str),
        Some("testLogStream")
    );
}

#[test]
fn cloudwatch_logs_model_io_and_control_message() {
    let Intake::ModelIo(batch) = parse("constructed-cloudwatch-logs-model-io.json").unwrap() else {
        panic!("expected model I/O")
    };
    assert_eq!(batch.source_id, "/aws/lambda/chat-inference");
    assert_eq!(batch.records.len(), 3);
    let line: Value = serde_json::from_str(&batch.records[1].message).unwrap();
    assert!(line["input"]
        .as_str()
        .unwrap()
        .contains("Ignore all previous instructions"));

    let Intake::ModelIo(control) =
        parse("constructed-cloudwatch-logs-control-message.json").unwrap()
    else {
        panic!("expected model I/O")
    };
    assert!(control.records.is_empty());
}

fn awslogs(raw: &[u8]) -> Vec<u8> {
    let data = base64::engine::general_purpose::STANDARD.encode(raw);
    json!({ "awslogs": { "data": data } })
        .to_string()
        .into_bytes()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn cloudwatch_logs_errors() {
    match err(br#"{"awslogs":{"data":"not base64!"}}"#) {
        IntakeError::Base64 { path, .. } => assert_eq!(path, "$.awslogs.data"),
        other => panic!("wrong error {other:?}"),
    }
    match err(&awslogs(b"plain text, not gzip")) {
        IntakeError::Gzip { path, .. } => assert_eq!(path, "$.awslogs.data"),
        other => panic!("wrong error {other:?}"),
    }
    match err(&awslogs(&gzip(b"not json"))) {
        IntakeError::NotJson { path, .. } => assert!(path.starts_with("$.awslogs.data"), "{path}"),
        other => panic!("wrong error {other:?}"),
    }
    let doc = json!({"messageType": "DATA_MESSAGE", "owner": "1", "logGroup": "g", "logStream": "s",
                     "logEvents": [{"id": "1", "timestamp": "soon", "message": "m"}]});
    match err(&awslogs(&gzip(doc.to_string().as_bytes()))) {
        IntakeError::InvalidValue { path, .. } => {
            assert!(path.ends_with(".logEvents[0].timestamp"), "{path}")
        }
        other => panic!("wrong error {other:?}"),
    }
    // Gzip bomb: 64 MiB of zeros compress to ~64 KiB.
    let bomb = gzip(&vec![0u8; 64 * 1024 * 1024]);
    assert!(bomb.len() < 1024 * 1024);
    match err(&awslogs(&bomb)) {
        IntakeError::DecompressedTooLarge { limit, .. } => {
            assert_eq!(limit, MAX_DECOMPRESSED_BYTES)
        }
        other => panic!("wrong error {other:?}"),
    }
}

// ---------------------------------------------------------------- SageMaker Model Monitor

#[test]
fn model_monitor_sample() {
    let a = one("sagemaker-model-monitor-bias-drift-constraint-violations.json");
    assert_eq!(a.source, AlertSource::SagemakerModelMonitor);
    assert_eq!(a.status, AlertStatus::Firing);
    assert_eq!(a.kind, Some(IncidentKind::ModelDrift));
    assert_eq!(a.severity, None);
    assert!(a.title.contains("drift"), "{}", a.title);
    assert!(a.title.contains("2 constraint violations"), "{}", a.title);
    assert_eq!(label(&a, "constraint_check_type"), Some("bias_drift_check"));
    assert_eq!(label(&a, "features"), Some("Age=40"));
    assert_eq!(label(&a, "violation_count"), Some("2"));
    assert_eq!(
        a.evidence
            .iter()
            .filter(|e| e.label == "constraint-violation")
            .count(),
        2
    );
    assert_eq!(a.occurred_at, now(), "no time in the file: the parse time");
    assert!(a.occurrence.starts_with("sha256:"));
    assert_eq!(
        one("sagemaker-model-monitor-bias-drift-constraint-violations.json").occurrence,
        a.occurrence
    );
    assert_eq!(a.source_id, "sagemaker-model-monitor/unknown");
    assert!(a.resources.is_empty());
    assert_eq!(
        classify(&a, &playbook()),
        (IncidentKind::ModelDrift, Severity::High)
    );
}

#[test]
fn model_monitor_with_execution_summary() {
    let a = one("constructed-sagemaker-model-monitor-data-quality-with-execution-summary.json");
    assert_eq!(
        a.source_id,
        "sagemaker-model-monitor/fraud-model-data-quality"
    );
    assert!(a
        .occurrence
        .starts_with("arn:aws:sagemaker:us-east-1:123456789012:processing-job/"));
    assert_eq!(
        a.occurred_at,
        Utc.with_ymd_and_hms(2024, 5, 14, 9, 0, 0).unwrap()
    );
    assert_eq!(a.region.as_deref(), Some("us-east-1"));
    assert_eq!(a.account.as_deref(), Some("123456789012"));
    assert!(has(&a, ResourceKind::ModelEndpoint, "fraud-model"));
    assert_eq!(label(&a, "endpoint_name"), Some("fraud-model"));
    assert_eq!(label(&a, "monitoring_type"), Some("DataQuality"));
    assert_eq!(
        label(&a, "constraint_check_type"),
        Some("baseline_drift_check,categorical_values_check,completeness_check")
    );
    assert_eq!(
        label(&a, "features"),
        Some("transaction_amount,merchant_category,card_age_days")
    );
    assert!(
        a.title.contains("3 constraint violations on fraud-model"),
        "{}",
        a.title
    );

    let empty = parse_aws_at(br#"{"violations": []}"#, now()).unwrap();
    let Intake::Alerts(empty) = empty else {
        panic!()
    };
    assert_eq!(empty[0].status, AlertStatus::Resolved);
}

// ---------------------------------------------------------------- operator events

#[test]
fn operator_events() {
    match parse("constructed-operator-drill.json").unwrap() {
        Intake::Operator(OperatorEvent::Drill { drill_id, kind, .. }) => {
            assert_eq!(drill_id, "drill-2024-05-14-01");
            assert_eq!(kind, IncidentKind::PromptAttack);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse("constructed-operator-approve.json").unwrap(),
        Intake::Operator(OperatorEvent::Approve { .. })
    ));
    assert!(matches!(
        parse("constructed-operator-undo.json").unwrap(),
        Intake::Operator(OperatorEvent::Undo { .. })
    ));
    for bad in [
        br#"{"aiir": "approve"}"#.as_slice(),
        br#"{"aiir": "launch-missiles"}"#,
        br#"{"aiir": "approve", "approval_id": "a", "approver": "b", "extra": 1}"#,
    ] {
        match err(bad) {
            IntakeError::Operator { path, reason } => {
                assert_eq!(path, "$");
                assert!(!reason.is_empty());
            }
            other => panic!("wrong error {other:?}"),
        }
    }
}

// ---------------------------------------------------------------- errors

#[test]
fn unknown_and_malformed_payloads() {
    assert_eq!(err(b""), IntakeError::Empty);
    assert_eq!(err(b" \n\t "), IntakeError::Empty);
    assert!(matches!(err(b"{not json"), IntakeError::NotJson { .. }));
    assert!(matches!(err(b"\xff\xfe"), IntakeError::NotJson { .. }));
    let big = vec![b' '; MAX_PAYLOAD_BYTES + 1];
    assert_eq!(
        err(&big),
        IntakeError::TooLarge {
            size: MAX_PAYLOAD_BYTES + 1,
            limit: MAX_PAYLOAD_BYTES
        }
    );

    for (payload, want_source, want_detail_type, want_key) in [
        (json!([1, 2]), None, None, Some("<an array>")),
        (json!({"hello": "world"}), None, None, Some("hello")),
        (
            json!({"source": "aws.ec2", "detail-type": "EC2 Instance State-change Notification", "detail": {}}),
            Some("aws.ec2"),
            Some("EC2 Instance State-change Notification"),
            None,
        ),
        (
            json!({"source": "aws.securityhub", "detail-type": "Security Hub Insight Results", "detail": {}}),
            Some("aws.securityhub"),
            Some("Security Hub Insight Results"),
            None,
        ),
        (
            json!({"source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm Configuration Change", "detail": {}}),
            Some("aws.cloudwatch"),
            Some("CloudWatch Alarm Configuration Change"),
            None,
        ),
        (
            json!({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]}),
            Some("aws:sqs"),
            None,
            Some("body"),
        ),
    ] {
        match err(payload.to_string().as_bytes()) {
            IntakeError::UnknownShape(seen) => {
                assert_eq!(seen.source.as_deref(), want_source, "{payload}");
                assert_eq!(seen.detail_type.as_deref(), want_detail_type, "{payload}");
                if let Some(k) = want_key {
                    assert!(
                        seen.keys.iter().any(|x| x == k),
                        "{payload}: {:?}",
                        seen.keys
                    );
                }
                let msg = IntakeError::UnknownShape(seen.clone()).to_string();
                if let Some(dt) = want_detail_type {
                    assert!(msg.contains(dt), "{msg}");
                }
            }
            other => panic!("{payload}: wrong error {other:?}"),
        }
    }
}

fn eventbridge_alarm() -> Value {
    serde_json::from_slice(&fixture(
        "eventbridge-cloudwatch-alarm-state-change-single-metric.json",
    ))
    .unwrap()
}

#[test]
fn missing_and_ill_typed_fields_name_their_path() {
    let mut v = eventbridge_alarm();
    v["detail"].as_object_mut().unwrap().remove("state");
    assert_eq!(
        err(v.to_string().as_bytes()),
        IntakeError::Missing {
            path: "$.detail.state".into()
        }
    );

    let mut v = eventbridge_alarm();
    v["detail"]["state"]["value"] = json!(5);
    let e = err(v.to_string().as_bytes());
    assert_eq!(
        e,
        IntakeError::WrongType {
            path: "$.detail.state.value".into(),
            expected: "a string",
            found: "a number"
        }
    );
    assert_eq!(
        e.to_string(),
        "$.detail.state.value should be a string, found a number"
    );

    let mut v = eventbridge_alarm();
    v["detail"]["state"]["value"] = json!("FIRING");
    match err(v.to_string().as_bytes()) {
        IntakeError::InvalidValue {
            path,
            value,
            reason,
        } => {
            assert_eq!(path, "$.detail.state.value");
            assert_eq!(value, "FIRING");
            assert!(reason.contains("ALARM, OK or INSUFFICIENT_DATA"));
        }
        other => panic!("wrong error {other:?}"),
    }

    let mut v = eventbridge_alarm();
    v["detail"]["state"]["timestamp"] = json!("last tuesday");
    match err(v.to_string().as_bytes()) {
        IntakeError::InvalidValue { path, .. } => assert_eq!(path, "$.detail.state.timestamp"),
        other => panic!("wrong error {other:?}"),
    }

    let mut v = eventbridge_alarm();
    v["detail"]["configuration"]["metrics"][0]["metricStat"]["metric"]["dimensions"] =
        json!("InstanceId=i-1");
    match err(v.to_string().as_bytes()) {
        IntakeError::WrongType { path, .. } => {
            assert_eq!(
                path,
                "$.detail.configuration.metrics[0].metricStat.metric.dimensions"
            )
        }
        other => panic!("wrong error {other:?}"),
    }

    let mut g: Value = serde_json::from_slice(&fixture(
        "guardduty-finding-eventbridge-iam-tor-api-call.json",
    ))
    .unwrap();
    g["detail"]["severity"] = json!(11);
    assert!(
        matches!(err(g.to_string().as_bytes()), IntakeError::InvalidValue { path, .. } if path == "$.detail.severity")
    );
    g["detail"]["severity"] = json!(null);
    assert_eq!(
        err(g.to_string().as_bytes()),
        IntakeError::Missing {
            path: "$.detail.severity".into()
        }
    );

    let mut s: Value =
        serde_json::from_slice(&fixture("securityhub-findings-imported-afsbp-ec2-7.json")).unwrap();
    s["detail"]["findings"][0]["Severity"]["Label"] = json!("SEVERE");
    assert!(matches!(
        err(s.to_string().as_bytes()),
        IntakeError::InvalidValue { path, .. } if path == "$.detail.findings[0].Severity.Label"
    ));
    s["detail"]["findings"] = json!([]);
    assert!(
        matches!(err(s.to_string().as_bytes()), IntakeError::InvalidValue { path, .. } if path == "$.detail.findings")
    );
    s["detail"]["findings"] = json!({});
    assert!(
        matches!(err(s.to_string().as_bytes()), IntakeError::WrongType { path, .. } if path == "$.detail.findings")
    );
}

#[test]
fn tolerant_where_safe() {
    // Byte-order mark and surrounding whitespace.
    let mut bytes = b"\xEF\xBB\xBF \n".to_vec();
    bytes.extend(fixture(
        "eventbridge-cloudwatch-alarm-state-change-single-metric.json",
    ));
    bytes.extend(b"\n\n");
    assert_eq!(
        parse_aws_at(&bytes, now()).unwrap(),
        parse("eventbridge-cloudwatch-alarm-state-change-single-metric.json").unwrap()
    );
    // Lower-case state values and padded names.
    let mut v = eventbridge_alarm();
    v["detail"]["state"]["value"] = json!(" ok ");
    v["detail"]["alarmName"] = json!("  ServerCpuTooHigh ");
    let Intake::Alerts(a) = parse_aws_at(v.to_string().as_bytes(), now()).unwrap() else {
        panic!()
    };
    assert_eq!(a[0].status, AlertStatus::Resolved);
    assert_eq!(a[0].title, "ServerCpuTooHigh");
    // parse_aws (wall clock) agrees with parse_aws_at for payloads that carry their time.
    assert_eq!(
        parse_aws(&fixture("constructed-eventbridge-alarm-ok.json")).unwrap(),
        parse("constructed-eventbridge-alarm-ok.json").unwrap()
    );
}

#[test]
fn every_fixture_parses_or_fails_clearly() {
    let fixtures = all_fixtures();
    assert!(fixtures.len() >= 29, "fixtures: {}", fixtures.len());
    for (name, bytes) in &fixtures {
        match parse_aws_at(bytes, now()) {
            Ok(Intake::Alerts(a)) => {
                assert!(!a.is_empty(), "{name}");
                for alert in a {
                    assert!(
                        !alert.source_id.is_empty()
                            && !alert.occurrence.is_empty()
                            && !alert.title.is_empty(),
                        "{name}"
                    );
                }
            }
            Ok(_) => {}
            Err(e) => assert_eq!(name, "sns-lambda-event-generic.json", "{name}: {e}"),
        }
    }
}

// ---------------------------------------------------------------- fuzz

/// Call the parser and turn a panic into a test failure that names the case.
fn no_panic(case: &str, payload: &[u8]) {
    let result = catch_unwind(AssertUnwindSafe(|| parse_aws_at(payload, now())));
    if result.is_err() {
        let shown = String::from_utf8_lossy(&payload[..payload.len().min(300)]).into_owned();
        panic!("parse_aws panicked on {case}: {shown}");
    }
}

fn random_value(rng: &mut ChaCha8Rng, depth: u32) -> Value {
    match rng.gen_range(0..if depth > 3 { 7 } else { 9 }) {
        0 => Value::Null,
        1 => json!(rng.gen::<bool>()),
        2 => json!(rng.gen::<i64>()),
        3 => json!(rng.gen::<f64>() * 1e12 - 5e11),
        4 => json!(""),
        5 => {
            let words = [
                "ALARM",
                "OK",
                "INSUFFICIENT_DATA",
                "arn:aws:s3:::b/k",
                "2024-13-45T99:99:99Z",
                "aws:sns",
                "\u{0}",
                "é漢字🙂",
                "CONTROL_MESSAGE",
                "DATA_MESSAGE",
                "H4sI",
                "  ",
            ];
            json!(words[rng.gen_range(0..words.len())])
        }
        6 => json!(u64::MAX),
        7 => Value::Array(
            (0..rng.gen_range(0..4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "Records",
                "Sns",
                "Message",
                "detail",
                "state",
                "value",
                "awslogs",
                "data",
                "violations",
                "alarmData",
                "alarmArn",
                "detail-type",
                "source",
                "findings",
                "aiir",
                "x",
            ];
            Value::Object(
                (0..rng.gen_range(0..4))
                    .map(|_| {
                        (
                            keys[rng.gen_range(0..keys.len())].to_string(),
                            random_value(rng, depth + 1),
                        )
                    })
                    .collect(),
            )
        }
    }
}

/// Replace one random node of `v` with a random (usually wrong-typed) value.
fn mutate(v: &mut Value, rng: &mut ChaCha8Rng) {
    let mut node = v;
    loop {
        let children = match node {
            Value::Object(m) => m.len(),
            Value::Array(a) => a.len(),
            _ => 0,
        };
        if children == 0 || rng.gen_bool(0.25) {
            break;
        }
        let i = rng.gen_range(0..children);
        node = match node {
            Value::Object(m) => m.values_mut().nth(i).unwrap(),
            Value::Array(a) => &mut a[i],
            _ => unreachable!(),
        };
    }
    *node = if rng.gen_bool(0.1) {
        Value::Null
    } else {
        random_value(rng, 0)
    };
}

/// Inner payloads (SNS messages, decoded CloudWatch Logs data) as their own fuzz targets.
fn rewrap(name: &str, bytes: &[u8], inner: &[u8]) -> Option<Vec<u8>> {
    let mut v: Value = serde_json::from_slice(bytes).ok()?;
    if v.get("Records").is_some() {
        v["Records"][0]["Sns"]["Message"] =
            Value::String(String::from_utf8_lossy(inner).into_owned());
        Some(v.to_string().into_bytes())
    } else if v.get("awslogs").is_some() {
        let _ = name;
        Some(awslogs(&gzip(inner)))
    } else {
        None
    }
}

fn inner_of(bytes: &[u8]) -> Option<Vec<u8>> {
    let v: Value = serde_json::from_slice(bytes).ok()?;
    if let Some(m) = v.pointer("/Records/0/Sns/Message").and_then(Value::as_str) {
        return Some(m.as_bytes().to_vec());
    }
    let data = v.pointer("/awslogs/data").and_then(Value::as_str)?;
    let gz = base64::engine::general_purpose::STANDARD
        .decode(data)
        .ok()?;
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz.as_slice()), &mut out).ok()?;
    Some(out)
}

#[test]
fn fuzz_truncations_never_panic() {
    let mut cases = 0usize;
    for (name, bytes) in all_fixtures() {
        for len in 0..=bytes.len() {
            no_panic(&format!("{name} truncated to {len}"), &bytes[..len]);
            cases += 1;
        }
        // Truncate the payload inside the envelope too (SNS message, gzip stream, decoded logs).
        if let Some(inner) = inner_of(&bytes) {
            let step = (inner.len() / 400).max(1);
            for len in (0..=inner.len()).step_by(step) {
                if let Some(p) = rewrap(&name, &bytes, &inner[..len]) {
                    no_panic(&format!("{name} inner truncated to {len}"), &p);
                    cases += 1;
                }
            }
        }
        if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
            if let Some(data) = v.pointer("/awslogs/data").and_then(Value::as_str) {
                let gz = base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .unwrap();
                for len in 0..=gz.len() {
                    no_panic(
                        &format!("{name} gzip truncated to {len}"),
                        &awslogs(&gz[..len]),
                    );
                    cases += 1;
                }
            }
        }
    }
    assert!(cases > 10_000, "{cases}");
}

#[test]
fn fuzz_byte_flips_and_wrong_types_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x00A1_1C0D);
    let mut cases = 0usize;
    for (name, bytes) in all_fixtures() {
        for i in 0..300 {
            let mut b = bytes.clone();
            for _ in 0..rng.gen_range(1..=8) {
                if b.is_empty() {
                    break;
                }
                let at = rng.gen_range(0..b.len());
                b[at] = match rng.gen_range(0..4) {
                    0 => rng.gen(),
                    1 => b[at] ^ (1 << rng.gen_range(0..8)),
                    2 => b"{}[]\",:0\\ "[rng.gen_range(0..10)],
                    _ => 0xff,
                };
            }
            no_panic(&format!("{name} flip #{i}"), &b);
            cases += 1;
        }
        let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
            continue;
        };
        let inner = inner_of(&bytes).and_then(|i| serde_json::from_slice::<Value>(&i).ok());
        for i in 0..300 {
            let mut v = value.clone();
            for _ in 0..rng.gen_range(1..=3) {
                mutate(&mut v, &mut rng);
            }
            no_panic(
                &format!("{name} wrong types #{i}"),
                v.to_string().as_bytes(),
            );
            cases += 1;
            if let Some(inner) = &inner {
                let mut iv = inner.clone();
                mutate(&mut iv, &mut rng);
                if let Some(p) = rewrap(&name, &bytes, iv.to_string().as_bytes()) {
                    no_panic(&format!("{name} inner wrong types #{i}"), &p);
                    cases += 1;
                }
            }
        }
    }
    for i in 0..2000 {
        let v = random_value(&mut rng, 0);
        no_panic(&format!("random JSON #{i}"), v.to_string().as_bytes());
        let bytes: Vec<u8> = (0..rng.gen_range(0..256)).map(|_| rng.gen()).collect();
        no_panic(&format!("random bytes #{i}"), &bytes);
        cases += 2;
    }
    assert!(cases > 10_000, "{cases}");
}

#[test]
fn fuzz_deep_nesting_and_huge_inputs() {
    // Deeply nested JSON: the parser's depth limit turns it into an error, not a stack overflow.
    for depth in [127usize, 128, 129, 1_000, 100_000] {
        let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        no_panic(&format!("arrays {depth}"), arrays.as_bytes());
        let objects = format!("{}1{}", "{\"detail\":".repeat(depth), "}".repeat(depth));
        no_panic(&format!("objects {depth}"), objects.as_bytes());
        let msg = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let sns = json!({"Records": [{"EventSource": "aws:sns", "Sns": {"Message": msg}}]});
        no_panic(
            &format!("sns message nesting {depth}"),
            sns.to_string().as_bytes(),
        );
        let doc = format!("{{\"messageType\":\"DATA_MESSAGE\",\"logGroup\":\"g\",\"logStream\":\"s\",\"logEvents\":{}{}}}",
                          "[".repeat(depth), "]".repeat(depth));
        no_panic(
            &format!("logs nesting {depth}"),
            &awslogs(&gzip(doc.as_bytes())),
        );
    }
    let deep = "[".repeat(100_000);
    assert!(matches!(err(deep.as_bytes()), IntakeError::NotJson { .. }));

    // Huge strings just under the payload limit are accepted and parsed.
    let mut v = eventbridge_alarm();
    v["detail"]["alarmName"] = json!("A".repeat(MAX_PAYLOAD_BYTES - 8 * 1024));
    let Intake::Alerts(a) = parse_aws_at(v.to_string().as_bytes(), now()).unwrap() else {
        panic!()
    };
    assert_eq!(a[0].title.len(), MAX_PAYLOAD_BYTES - 8 * 1024);
    // … and error messages quoting huge values stay short.
    let mut v = eventbridge_alarm();
    v["detail"]["state"]["value"] = json!("Z".repeat(1024 * 1024));
    let msg = err(v.to_string().as_bytes()).to_string();
    assert!(msg.len() < 400, "{}", msg.len());
    let mut keys = serde_json::Map::new();
    for i in 0..10_000 {
        keys.insert(format!("{}{i}", "k".repeat(100)), json!(i));
    }
    let msg = err(Value::Object(keys).to_string().as_bytes()).to_string();
    assert!(msg.len() < 2_000, "{}", msg.len());
    // Many log events, many findings, many violations.
    let events: Vec<Value> = (0..20_000)
        .map(|i| json!({"id": i.to_string(), "timestamp": i, "message": "m"}))
        .collect();
    let doc = json!({"messageType": "DATA_MESSAGE", "logGroup": "g", "logStream": "s", "logEvents": events});
    let Intake::ModelIo(batch) =
        parse_aws_at(&awslogs(&gzip(doc.to_string().as_bytes())), now()).unwrap()
    else {
        panic!()
    };
    assert_eq!(batch.records.len(), 20_000);
    let violations: Vec<Value> = (0..5_000)
        .map(|i| json!({"feature_name": format!("f{i}"), "constraint_check_type": "data_type_check", "description": "d"}))
        .collect();
    no_panic(
        "many violations",
        json!({"violations": violations}).to_string().as_bytes(),
    );
    // Extreme numbers.
    for sev in [
        "1e308",
        "-1e308",
        "18446744073709551615",
        "-0",
        "\"NaN\"",
        "\"inf\"",
    ] {
        let mut g = String::from_utf8(fixture(
            "guardduty-finding-eventbridge-iam-tor-api-call.json",
        ))
        .unwrap();
        g = g.replacen("\"severity\": 5", &format!("\"severity\": {sev}"), 1);
        no_panic(&format!("severity {sev}"), g.as_bytes());
    }
    for ts in ["9223372036854775807", "-9223372036854775808", "1e30", "-1"] {
        let doc = format!("{{\"messageType\":\"DATA_MESSAGE\",\"logGroup\":\"g\",\"logStream\":\"s\",\"logEvents\":[{{\"id\":\"1\",\"timestamp\":{ts},\"message\":\"m\"}}]}}");
        no_panic(
            &format!("log timestamp {ts}"),
            &awslogs(&gzip(doc.as_bytes())),
        );
    }
}
