//! `aiir drill --target`: argument errors (exit 2, the flag and the fix, nothing sent), the
//! payloads in each cloud's shape (read back by aiir's own intake for that cloud, as the
//! deployed function reads them), and the HTTP path end to end against a local server that
//! answers like the Azure function: core intake → model-I/O scanner → responder → report.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

use aiir_core::action::Cloud;
use aiir_core::audit::{MemoryAuditSink, StepRecord};
use aiir_core::cli::drill::{check, deliveries, DrillArgs};
use aiir_core::detect::prompt::logline::{LogLineConfig, LogLineScanner};
use aiir_core::drill::deliver::Channel;
use aiir_core::drill::model_drift::{DEFAULT_SEED, TOXIC_REQUESTS};
use aiir_core::intake::aws::parse_aws;
use aiir_core::intake::azure::parse_azure;
use aiir_core::intake::gcp::parse_gcp;
use aiir_core::intake::Intake;
use aiir_core::modelio::scan_batch;
use aiir_core::operator::OperatorEvent;
use aiir_core::pipeline::{Request, Responder};
use aiir_core::playbook::{Mode, Playbook, DEFAULT_PLAYBOOK};
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest, Remediator};
use aiir_core::state::MemoryStateStore;
use async_trait::async_trait;
use serde_json::{json, Value};

const AZURE_ENDPOINT: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/ml/providers/Microsoft.MachineLearningServices/workspaces/fraud/onlineEndpoints/fraud-detector";

fn aiir(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aiir"));
    cmd.arg("drill").args(args);
    cmd.env_remove("AIIR_FUNCTION_KEY")
        .env_remove("AIIR_ID_TOKEN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn argument_errors_exit_2_with_the_flag_and_the_fix() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--target", "aws", "--function", "f"],
            "--scenario: is required",
        ),
        (
            &["--scenario", "nope", "--target", "aws", "--function", "f"],
            "--scenario: unknown scenario `nope`",
        ),
        (
            &[
                "--scenario",
                "data-leakage",
                "--target",
                "mars",
                "--function",
                "f",
            ],
            "--target: unknown cloud `mars`",
        ),
        (
            &["--scenario", "data-leakage", "--target", "aws"],
            "--function: is required",
        ),
        (
            &[
                "--scenario",
                "data-leakage",
                "--target",
                "aws",
                "--function",
                "https://x.example",
            ],
            "--function: `https://x.example` is a URL",
        ),
        (
            &[
                "--scenario",
                "data-leakage",
                "--target",
                "aws",
                "--function",
                "arn:aws:s3:::bucket",
            ],
            "is not a Lambda function ARN",
        ),
        (
            &[
                "--scenario",
                "data-leakage",
                "--target",
                "azure",
                "--function",
                "http://example.com",
            ],
            "--function: `http://example.com` is not an https:// URL",
        ),
        (
            &[
                "--scenario",
                "model-drift",
                "--target",
                "aws",
                "--function",
                "aiir-responder",
            ],
            "--endpoint: scenario model-drift needs",
        ),
        (
            &[
                "--scenario",
                "compromised-weights",
                "--target",
                "gcp",
                "--function",
                "https://a.run.app",
            ],
            "make drill",
        ),
    ];
    for (args, expected) in cases {
        let (code, stdout, stderr) = aiir(args, &[]);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(stderr.contains("fix:"), "{args:?}: {stderr}");
        assert!(!stdout.contains('→'), "{args:?} sent something: {stdout}");
    }
    // A missing credential is a setup error named with its fix, before anything is sent.
    let (code, stdout, stderr) = aiir(
        &[
            "--scenario",
            "data-leakage",
            "--target",
            "azure",
            "--function",
            "https://app.azurewebsites.net",
        ],
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("AIIR_FUNCTION_KEY is not set") && stderr.contains("fix:"),
        "{stderr}"
    );
    assert!(!stdout.contains('→'));
}

fn args(scenario: &str, target: &str, function: &str, endpoint: Option<&str>) -> DrillArgs {
    DrillArgs {
        scenario: Some(scenario.into()),
        target: Some(target.into()),
        function: Some(function.into()),
        endpoint: endpoint.map(str::to_string),
        dry_run: false,
        keep: false,
        seed: DEFAULT_SEED,
        region: None,
        account: None,
        report_dir: PathBuf::from("drill-report"),
    }
}

/// Lines flagged toxic among the alerts the function's scanner raises from one intake.
fn toxic_lines(intake: Intake) -> usize {
    let Intake::ModelIo(batch) = intake else {
        panic!("not model I/O: {intake:?}")
    };
    let scanner = LogLineScanner::new(LogLineConfig::default()).unwrap();
    scan_batch(&scanner, &batch)
        .iter()
        .filter(|a| a.labels.get("detector").map(String::as_str) == Some("toxic-output"))
        .map(|a| {
            a.evidence
                .iter()
                .filter(|e| e.label.starts_with("log:"))
                .count()
        })
        .sum()
}

fn drift_findings(intake: Intake) -> usize {
    match intake {
        Intake::Operator(OperatorEvent::Findings { findings, .. }) => findings
            .iter()
            .filter(|f| f.detector == "data-drift")
            .count(),
        other => panic!("not operator findings: {other:?}"),
    }
}

#[test]
fn payloads_in_each_clouds_shape_are_read_by_that_clouds_intake() {
    let bytes = |v: &Value| serde_json::to_vec(v).unwrap();
    // AWS: operator findings, then one CloudWatch Logs subscription event.
    let plan = check(&args(
        "model-drift",
        "aws",
        "arn:aws:lambda:eu-west-1:111122223333:function:aiir",
        Some("fraud-detector"),
    ))
    .unwrap();
    assert_eq!(plan.cloud, Cloud::Aws);
    assert_eq!(plan.account, "111122223333");
    let d = deliveries(&plan, "run1").unwrap();
    assert_eq!(
        d.iter().map(|d| d.channel).collect::<Vec<_>>(),
        [Channel::Operator, Channel::ModelIo]
    );
    assert_eq!(drift_findings(parse_aws(&bytes(&d[0].body)).unwrap()), 1);
    let logs = parse_aws(&bytes(&d[1].body)).unwrap();
    if let Intake::ModelIo(batch) = &logs {
        assert_eq!(batch.records.len(), 10);
        assert_eq!(batch.account.as_deref(), Some("111122223333"));
    }
    assert_eq!(toxic_lines(logs), TOXIC_REQUESTS.len());

    // Azure: diagnostic-log records to the webhook.
    let plan = check(&args(
        "model-drift",
        "azure",
        "https://aiir-func.azurewebsites.net/api/operator",
        Some(AZURE_ENDPOINT),
    ))
    .unwrap();
    assert_eq!(plan.account, "00000000-0000-0000-0000-000000000001");
    let d = deliveries(&plan, "run2").unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(drift_findings(parse_azure(&bytes(&d[0].body)).unwrap()), 1);
    assert_eq!(
        toxic_lines(parse_azure(&bytes(&d[1].body)).unwrap()),
        TOXIC_REQUESTS.len()
    );

    // GCP: one Pub/Sub push per line, each a LogEntry.
    let plan = check(&args(
        "model-drift",
        "gcp",
        "https://aiir-abc-ew.a.run.app",
        Some("projects/sandbox-1/locations/europe-west1/endpoints/42"),
    ))
    .unwrap();
    assert_eq!(plan.account, "sandbox-1");
    let d = deliveries(&plan, "run3").unwrap();
    assert_eq!(d.len(), 11);
    assert_eq!(drift_findings(parse_gcp(&bytes(&d[0].body)).unwrap()), 1);
    let toxic: usize = d[1..]
        .iter()
        .map(|d| toxic_lines(parse_gcp(&bytes(&d.body)).unwrap()))
        .sum();
    assert_eq!(toxic, TOXIC_REQUESTS.len());

    // Prompt injection needs no endpoint: the lines alone.
    let plan = check(&args("prompt-injection", "aws", "aiir", None)).unwrap();
    let d = deliveries(&plan, "run4").unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].channel, Channel::ModelIo);

    // Dry run: one operator event, wrapped, holding the drift and the locally scanned findings.
    let mut dry = args("model-drift", "aws", "aiir", Some("fraud-detector"));
    dry.dry_run = true;
    let d = deliveries(&check(&dry).unwrap(), "run5").unwrap();
    assert_eq!(d.len(), 1);
    match parse_aws(&bytes(&d[0].body)).unwrap() {
        Intake::Operator(OperatorEvent::DryRun { event }) => match *event {
            OperatorEvent::Findings { findings, .. } => {
                assert_eq!(
                    findings
                        .iter()
                        .filter(|f| f.detector == "data-drift")
                        .count(),
                    1
                );
                assert_eq!(
                    findings
                        .iter()
                        .filter(|f| f.detector == "toxic-output")
                        .count(),
                    TOXIC_REQUESTS.len()
                );
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

/// Changes nothing real; answers like a cloud action would (changed in enforce mode only).
#[derive(Default)]
struct FakeCloud {
    modes: Mutex<Vec<(String, Mode)>>,
}

#[async_trait]
impl Remediator for FakeCloud {
    fn cloud(&self) -> Cloud {
        Cloud::Azure
    }
    async fn apply(&self, r: &ActionRequest<'_>) -> Result<ActionOutcome, ActionError> {
        self.modes
            .lock()
            .unwrap()
            .push((r.action.kind().as_str().to_string(), r.mode));
        Ok(ActionOutcome {
            changed: true,
            prior_state: json!({ "deployment": "blue" }),
            new_state: json!({ "deployment": "green" }),
            details: vec![format!("{} {}", r.action.kind(), r.target.id)],
        })
    }
    async fn undo(&self, _: &StepRecord) -> Result<ActionOutcome, ActionError> {
        Ok(ActionOutcome {
            changed: true,
            ..Default::default()
        })
    }
}

struct Seen {
    path: String,
    key: Option<String>,
    body: Value,
}

/// A local HTTP/1.1 server answering like the Azure function's HTTP triggers.
fn serve(remediator: Arc<FakeCloud>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        let env = |name: &str| name.starts_with("AIIR_").then(|| format!("{name}-value"));
        let playbook = Arc::new(Playbook::load(DEFAULT_PLAYBOOK, &env).unwrap());
        let responder = Responder::new(
            playbook,
            remediator,
            Arc::new(MemoryStateStore::default()),
            Arc::new(MemoryAuditSink::default()),
        );
        let scanner = LogLineScanner::new(LogLineConfig::default()).unwrap();
        let rt = tokio::runtime::Runtime::new().unwrap();
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let (mut length, mut key) = (0, None);
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                if h.trim().is_empty() {
                    break;
                }
                let (name, value) = h.split_once(':').unwrap();
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap(),
                    "x-functions-key" => key = Some(value.trim().to_string()),
                    _ => {}
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let request = match parse_azure(&body).unwrap() {
                Intake::ModelIo(batch) => Request::Alerts(scan_batch(&scanner, &batch)),
                Intake::Alerts(alerts) => Request::Alerts(alerts),
                Intake::Operator(event) => Request::Operator(event),
            };
            let report = rt.block_on(responder.handle(request, false)).unwrap();
            log.lock().unwrap().push(Seen {
                path,
                key,
                body: serde_json::from_slice(&body).unwrap(),
            });
            let answer = serde_json::to_string(&report).unwrap();
            write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            )
            .unwrap();
        }
    });
    (url, seen)
}

#[test]
fn azure_http_path_end_to_end_contains_then_undoes() {
    let cloud = Arc::new(FakeCloud::default());
    let (url, seen) = serve(cloud.clone());
    let dir = tempdir("enforce");
    let (code, stdout, stderr) = aiir(
        &[
            "--scenario",
            "model-drift",
            "--target",
            "azure",
            "--function",
            &url,
            "--endpoint",
            AZURE_ENDPOINT,
            "--report-dir",
            dir.to_str().unwrap(),
        ],
        &[("AIIR_FUNCTION_KEY", "drill-key-123")],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        !stdout.contains("drill-key-123"),
        "the key must not be printed"
    );
    let seen = seen.lock().unwrap();
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        ["/api/operator", "/api/alerts", "/api/operator"],
        "{stdout}"
    );
    assert!(seen
        .iter()
        .all(|s| s.key.as_deref() == Some("drill-key-123")));
    assert_eq!(seen[0].body["aiir"], "findings");
    assert_eq!(seen[1].body["records"].as_array().unwrap().len(), 10);
    assert_eq!(seen[2].body["aiir"], "undo");
    let kinds: Vec<String> = cloud
        .modes
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.0.clone())
        .collect();
    assert_eq!(kinds, ["rollback-model", "notify"]);
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.join("drill-report.json")).unwrap()).unwrap();
    let checks = report[0]["checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["ok"] == true), "{checks:#?}");
    assert!(checks
        .iter()
        .any(|c| c["what"].as_str().unwrap().starts_with("undo of")));
    assert_eq!(report[0]["scenario"]["name"], "model-drift");
    assert_eq!(report[0]["cloud"], "azure");
    // The same three files `make drill` writes, with this run's row in the human-readable ones.
    let markdown = std::fs::read_to_string(dir.join("drill-report.md")).unwrap();
    assert!(markdown.contains("| model-drift | azure |"), "{markdown}");
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(
        html.contains("<svg") && html.contains("model-drift"),
        "{html}"
    );
}

#[test]
fn azure_dry_run_sends_one_rehearsal_and_changes_nothing() {
    let cloud = Arc::new(FakeCloud::default());
    let (url, seen) = serve(cloud.clone());
    let dir = tempdir("dry");
    let (code, stdout, stderr) = aiir(
        &[
            "--scenario",
            "model-drift",
            "--target",
            "azure",
            "--function",
            &url,
            "--endpoint",
            AZURE_ENDPOINT,
            "--dry-run",
            "--report-dir",
            dir.to_str().unwrap(),
        ],
        &[("AIIR_FUNCTION_KEY", "k")],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/api/operator");
    assert_eq!(seen[0].body["aiir"], "dry-run");
    let modes = cloud.modes.lock().unwrap();
    assert!(
        !modes.is_empty() && modes.iter().all(|m| m.1 == Mode::DryRun),
        "{modes:?}"
    );
}

#[test]
fn a_function_that_acts_on_nothing_fails_the_drill() {
    // The server answers every payload with an empty report: the drill must say FAIL (exit 1).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                if h.trim().is_empty() {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let answer = r#"{"incidents":[]}"#;
            write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            )
            .unwrap();
        }
    });
    let dir = tempdir("nothing");
    let (code, stdout, _) = aiir(
        &[
            "--scenario",
            "prompt-injection",
            "--target",
            "gcp",
            "--function",
            &url,
            "--report-dir",
            dir.to_str().unwrap(),
        ],
        &[("AIIR_ID_TOKEN", "t")],
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("[FAIL] block-prompt contained"), "{stdout}");
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aiir-drill-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
