//! The AWS function's own drift check against moto, through the real handler: a reference
//! profile and SageMaker data-capture objects in S3, S3 events (bucket notification and
//! EventBridge shapes) → drift check → incident → rollback of the moto SageMaker endpoint.
//! Needs the pinned moto: `make venv-moto`.
use aiir_aws::capture::{CaptureConfig, DriftCapture};
use aiir_aws::handler::{Handler, HandlerError, HandlerReport};
use aiir_core::audit::StepStatus;
use aiir_core::detect::prompt::logline::{LogLineConfig, LogLineScanner};
use aiir_core::drill::model_drift::{self, COLUMNS, DEFAULT_SEED};
use aiir_core::model::{fingerprint, AlertSource, IncidentKind, Severity};
use aiir_core::pipeline::Outcome;
use aiir_e2e::aws_seed::TEST_WAIT;
use aiir_e2e::aws_support::{aws_env, AwsEnv};
use anyhow::{Context, Result};
use aws_sdk_s3::primitives::ByteStream;
use serde_json::{json, Map, Value};

const CAPTURE_BUCKET: &str = "acme-ml-capture";
/// The endpoint's `DestinationS3Uri` has a space: S3 notifications carry it as `+`.
const PREFIX: &str = "fraud model/datacapture";
const PROFILE_KEY: &str = "profiles/fraud-detector.json";

struct Capture {
    env: AwsEnv,
}

impl Capture {
    async fn start() -> Result<Self> {
        let env = aws_env().await?;
        env.clients
            .s3
            .create_bucket()
            .bucket(CAPTURE_BUCKET)
            .send()
            .await
            .context("create capture bucket")?;
        let capture = Self { env };
        let profile = model_drift::reference_profile(DEFAULT_SEED)?;
        capture
            .put(PROFILE_KEY, serde_json::to_vec(&profile)?)
            .await?;
        Ok(capture)
    }

    fn config(&self) -> Result<CaptureConfig> {
        CaptureConfig::new(
            &format!("s3://{CAPTURE_BUCKET}/{PREFIX}"),
            &format!("s3://{CAPTURE_BUCKET}/{PROFILE_KEY}"),
        )
        .map_err(anyhow::Error::msg)
    }

    /// The production handler wiring (as `app::build` makes it) against moto.
    fn handler(&self, config: Option<CaptureConfig>) -> Result<Handler> {
        let env = &self.env;
        let handler = Handler::new(
            env.d
                .responder(&env.clients, env.d.playbook(None)?, TEST_WAIT),
            LogLineScanner::new(LogLineConfig::default())?,
            false,
        )
        .with_metrics_on_stderr();
        Ok(match config {
            Some(c) => handler.with_drift_capture(DriftCapture::new(env.clients.s3.clone(), c)),
            None => handler,
        })
    }

    /// Upload; returns the ETag S3 gave the write.
    async fn put(&self, key: &str, body: Vec<u8>) -> Result<String> {
        let out = self
            .env
            .clients
            .s3
            .put_object()
            .bucket(CAPTURE_BUCKET)
            .key(key)
            .body(ByteStream::from(body))
            .send()
            .await
            .with_context(|| format!("put {key}"))?;
        Ok(out
            .e_tag()
            .unwrap_or_default()
            .trim_matches('"')
            .to_string())
    }

    /// Upload a capture file; returns the bucket-notification event S3 would send.
    async fn put_capture(&self, file: &str, body: String, sequencer: &str) -> Result<Value> {
        let key = format!("{PREFIX}/fraud-detector/AllTraffic/2024/06/11/10/{file}");
        let size = body.len();
        let etag = self.put(&key, body.into_bytes()).await?;
        Ok(notification(&key, size, &etag, sequencer))
    }

    async fn endpoint_config(&self) -> Result<String> {
        self.env.endpoint_config().await?.context("endpoint gone")
    }
}

/// A bucket notification (shape of `events/aws/s3-data-capture-object-created.json`).
fn notification(key: &str, size: usize, etag: &str, sequencer: &str) -> Value {
    json!({"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2024-06-11T10:05:17.412Z",
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AROAEXAMPLE:sagemaker"},
        "requestParameters": {"sourceIPAddress": "192.0.2.10"},
        "responseElements": {"x-amz-request-id": "EXAMPLE123456789", "x-amz-id-2": "EXAMPLE"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "aiir-data-capture",
            "bucket": {"name": CAPTURE_BUCKET, "ownerIdentity": {"principalId": "EXAMPLE"}, "arn": format!("arn:aws:s3:::{CAPTURE_BUCKET}")},
            "object": {"key": form_encode(key), "size": size, "eTag": etag, "sequencer": sequencer}
        }
    }]})
}

/// The same write as an EventBridge `Object Created` event (keys are not encoded there).
fn eventbridge(notification: &Value) -> Value {
    let o = &notification["Records"][0]["s3"]["object"];
    let key = o["key"].as_str().unwrap_or_default().replace('+', " ");
    json!({
        "version": "0",
        "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2024-06-11T10:05:17Z",
        "region": "us-east-1",
        "resources": [format!("arn:aws:s3:::{CAPTURE_BUCKET}")],
        "detail": {
            "version": "0",
            "bucket": {"name": CAPTURE_BUCKET},
            "object": {"key": key, "size": o["size"], "etag": o["eTag"], "sequencer": o["sequencer"]},
            "request-id": "N4N7GDK58NMKJ12R",
            "requester": "123456789012",
            "source-ip-address": "192.0.2.10",
            "reason": "PutObject"
        }
    })
}

/// S3's key encoding in notifications: spaces as `+`, other reserved bytes as `%XX`.
fn form_encode(key: &str) -> String {
    key.bytes()
        .map(|b| match b {
            b' ' => "+".to_string(),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// SageMaker data capture of `rows`: one request per row, CSV input without a header in the
/// profile's column order; every fifth request sent as JSON instead.
fn capture_lines(rows: &[Map<String, Value>]) -> String {
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let (content_type, data, encoding) = if i % 5 == 4 {
            (
                "application/json",
                Value::Object(row.clone()).to_string(),
                "JSON",
            )
        } else {
            let cells: Vec<String> = COLUMNS
                .iter()
                .map(|(name, _)| match &row[*name] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            ("text/csv", format!("{}\n", cells.join(",")), "CSV")
        };
        let line = json!({
            "captureData": {
                "endpointInput": {"observedContentType": content_type, "mode": "INPUT", "data": data, "encoding": encoding},
                "endpointOutput": {"observedContentType": "text/csv; charset=utf-8", "mode": "OUTPUT", "data": "0.12", "encoding": "CSV"}
            },
            "eventMetadata": {"eventId": format!("00000000-0000-4000-8000-{i:012}"), "inferenceTime": "2024-06-11T10:04:59Z"},
            "eventVersion": "0"
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

async fn send(handler: &Handler, event: &Value) -> Result<HandlerReport, HandlerError> {
    handler.handle(event.to_string().as_bytes(), false).await
}

#[tokio::test]
async fn drifted_capture_rolls_the_endpoint_back_once() -> Result<()> {
    let c = Capture::start().await?;
    let handler = c.handler(Some(c.config()?))?;
    assert_eq!(c.endpoint_config().await?, c.env.d.bad_config);
    let drifted = capture_lines(&model_drift::current_rows(DEFAULT_SEED));
    let event = c
        .put_capture("05-17-412-drifted.jsonl", drifted, "0066681F3D6A1B2C3D")
        .await?;

    let first = send(&handler, &event).await?;
    assert_eq!(first.drift_checks.len(), 1);
    let check = &first.drift_checks[0];
    assert_eq!(
        (check.endpoint.as_str(), check.variant.as_str()),
        ("fraud-detector", "AllTraffic")
    );
    assert_eq!(
        (check.records, check.rows),
        (model_drift::CURRENT_ROWS, model_drift::CURRENT_ROWS)
    );
    assert!(check.dataset_drift, "{check:?}");
    assert!(
        !check.drifted_columns.contains(&"country".to_string()),
        "{check:?}"
    );
    assert_eq!(first.report.incidents.len(), 1);
    let incident = &first.report.incidents[0];
    assert_eq!(incident.incident.kind, IncidentKind::ModelDrift);
    assert_eq!(incident.incident.severity, Severity::High);
    assert_eq!(incident.outcome, Outcome::Contained, "{:?}", incident.steps);
    let steps: Vec<(String, StepStatus)> = incident
        .steps
        .iter()
        .map(|s| (format!("{} {}", s.action.kind(), s.target.id), s.status))
        .collect();
    assert_eq!(
        steps,
        [
            (
                "rollback-model fraud-detector".to_string(),
                StepStatus::Applied
            ),
            (format!("notify {}", c.env.d.topic_arn), StepStatus::Applied),
        ]
    );
    assert_eq!(c.endpoint_config().await?, c.env.d.good_config);
    // The incident's identity is the object and its write (ETag@sequencer).
    let etag = event["Records"][0]["s3"]["object"]["eTag"]
        .as_str()
        .unwrap_or_default();
    let source_id = format!(
        "data-capture/s3://{CAPTURE_BUCKET}/{PREFIX}/fraud-detector/AllTraffic/2024/06/11/10/05-17-412-drifted.jsonl"
    );
    assert_eq!(
        incident.incident.fingerprint,
        fingerprint(
            AlertSource::Detector,
            &source_id,
            &format!("{etag}@0066681F3D6A1B2C3D")
        )
    );
    assert_eq!(incident.incident.labels["endpoint_name"], "fraud-detector");

    // Redelivery of the same event: a duplicate, nothing acted again.
    let again = send(&handler, &event).await?;
    assert_eq!(again.report.incidents.len(), 1);
    assert_eq!(again.report.incidents[0].outcome, Outcome::Duplicate);
    assert!(again.report.incidents[0].steps.is_empty());
    assert_eq!(c.env.messages().await?.len(), 1);
    assert_eq!(c.env.audit_keys().await?.len(), 2);
    Ok(())
}

#[tokio::test]
async fn steady_capture_is_checked_without_an_incident() -> Result<()> {
    let c = Capture::start().await?;
    let handler = c.handler(Some(c.config()?))?;
    // Same traffic as the baseline, a fresh sample of it, delivered by EventBridge.
    let steady: Vec<_> = model_drift::reference_rows(DEFAULT_SEED + 1)
        .into_iter()
        .take(model_drift::CURRENT_ROWS)
        .collect();
    let event = c
        .put_capture(
            "06-00-000-steady.jsonl",
            capture_lines(&steady),
            "0066681F3D6A1B2C40",
        )
        .await?;
    let report = send(&handler, &eventbridge(&event)).await?;
    assert!(
        report.report.incidents.is_empty(),
        "{:?}",
        report.report.incidents
    );
    let check = &report.drift_checks[0];
    assert_eq!(check.rows, model_drift::CURRENT_ROWS);
    assert!(
        !check.dataset_drift && check.severity.is_none(),
        "{check:?}"
    );
    assert_eq!(c.endpoint_config().await?, c.env.d.bad_config);
    assert!(c.env.audit_keys().await?.is_empty());

    // A replaced profile (new ETag) is picked up by the warm handler on the next event: a
    // baseline of the drifted traffic makes the steady sample drift. Dry-run: nothing acts.
    let shifted = {
        let rows = model_drift::current_rows(DEFAULT_SEED);
        let inputs: Vec<_> = COLUMNS
            .iter()
            .map(
                |(name, ctype)| aiir_core::detect::drift::dataset::ColumnInput {
                    name: name.to_string(),
                    ctype: *ctype,
                    reference: column(&rows, name, *ctype),
                    current: aiir_core::detect::drift::Values::num(Vec::new()),
                },
            )
            .collect();
        aiir_core::detect::drift::profile::ReferenceProfile::build(&inputs, 5000)?
    };
    c.put(PROFILE_KEY, serde_json::to_vec(&shifted)?).await?;
    let rehearsal = handler
        .handle(eventbridge(&event).to_string().as_bytes(), true)
        .await?;
    assert!(
        rehearsal.drift_checks[0].dataset_drift,
        "{:?}",
        rehearsal.drift_checks
    );
    assert_eq!(rehearsal.report.incidents[0].outcome, Outcome::DryRun);
    assert_eq!(c.endpoint_config().await?, c.env.d.bad_config);
    Ok(())
}

fn column(
    rows: &[Map<String, Value>],
    name: &str,
    ctype: aiir_core::detect::drift::ColumnType,
) -> aiir_core::detect::drift::Values {
    use aiir_core::detect::drift::{ColumnType, Values};
    match ctype {
        ColumnType::Numerical => {
            Values::num(rows.iter().filter_map(|r| r[name].as_f64()).collect())
        }
        ColumnType::Categorical => Values::strs(rows.iter().filter_map(|r| r[name].as_str())),
    }
}

/// Each rejection is a clear error, and nothing changed: endpoint, audit, notifications.
#[tokio::test]
async fn bad_events_and_objects_are_rejected_and_change_nothing() -> Result<()> {
    let c = Capture::start().await?;
    let handler = c.handler(Some(c.config()?))?;
    let drifted = capture_lines(&model_drift::current_rows(DEFAULT_SEED));
    let event = c
        .put_capture(
            "07-00-000-drifted.jsonl",
            drifted.clone(),
            "0066681F3D6A1B2C41",
        )
        .await?;
    let mut failures = Vec::new();
    let mut expect =
        |what: &str, result: Result<HandlerReport, HandlerError>, text: &str| match result {
            Err(e) if e.to_string().contains(text) && !e.is_retryable() => {}
            other => failures.push(format!(
                "{what}: expected an error with {text:?}, got {:?}",
                other.map(|r| r.report.incidents.len())
            )),
        };

    // An object outside the configured prefix (same bucket, sibling folder).
    let outside_key = "fraud model/datacapture-old/fraud-detector/AllTraffic/2024/06/11/10/x.jsonl";
    let outside_etag = c.put(outside_key, drifted.clone().into_bytes()).await?;
    let outside = notification(outside_key, drifted.len(), &outside_etag, "01");
    expect(
        "outside the prefix",
        send(&handler, &outside).await,
        "outside the data-capture prefix",
    );

    // A malformed line (the third request) in an otherwise good capture file.
    let mut lines: Vec<&str> = drifted.lines().collect();
    lines[2] = "{\"captureData\": {\"endpointInput\": {\"data\": \"1,2\", \"encoding\": \"CSV\"}}}";
    let bad = c
        .put_capture(
            "07-01-000-bad.jsonl",
            lines.join("\n"),
            "0066681F3D6A1B2C42",
        )
        .await?;
    expect(
        "malformed line",
        send(&handler, &bad).await,
        "line 3: 2 CSV values",
    );

    // No usable rows: a capture of outputs only.
    let output_only = "{\"captureData\":{\"endpointOutput\":{\"observedContentType\":\"text/csv\",\"mode\":\"OUTPUT\",\"data\":\"0.1\",\"encoding\":\"CSV\"}},\"eventMetadata\":{\"eventId\":\"e\",\"inferenceTime\":\"2024-06-11T10:00:00Z\"},\"eventVersion\":\"0\"}\n";
    let empty = c
        .put_capture(
            "07-02-000-outputs.jsonl",
            output_only.to_string(),
            "0066681F3D6A1B2C43",
        )
        .await?;
    expect(
        "no usable rows",
        send(&handler, &empty).await,
        "no usable rows",
    );

    // The profile is missing.
    let mut missing = c.config()?;
    missing.profile.key = "profiles/nope.json".into();
    let no_profile = c.handler(Some(missing))?;
    expect(
        "missing profile",
        send(&no_profile, &event).await,
        "AIIR_DRIFT_PROFILE",
    );

    // The object is larger than the limit.
    let mut small = c.config()?;
    small.max_object_bytes = 1024;
    expect(
        "too large",
        send(&c.handler(Some(small))?, &event).await,
        "over the 1024-byte limit",
    );

    // The check is not configured at all.
    expect(
        "not configured",
        send(&c.handler(None)?, &event).await,
        "not configured",
    );

    // An S3 event other than a creation.
    let mut removed = event.clone();
    removed["Records"][0]["eventName"] = "ObjectRemoved:Delete".into();
    expect(
        "removal event",
        send(&handler, &removed).await,
        "$.Records[0].eventName",
    );

    // The object was overwritten after the event: the event's write is gone.
    let key = format!("{PREFIX}/fraud-detector/AllTraffic/2024/06/11/10/07-00-000-drifted.jsonl");
    c.put(&key, output_only.as_bytes().to_vec()).await?;
    expect(
        "changed object",
        send(&handler, &event).await,
        "changed since the event",
    );

    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(c.endpoint_config().await?, c.env.d.bad_config);
    assert!(c.env.audit_keys().await?.is_empty());
    assert!(c.env.messages().await?.is_empty());
    Ok(())
}
