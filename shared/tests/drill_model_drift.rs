//! The model-drift scenario's data: the drifted batch really drifts (per aiir's own drift
//! check), the default playbook maps the finding to rollback + notify, and the function's
//! model-I/O scanner flags exactly the toxic outputs.
use aiir_core::action::ActionKind;
use aiir_core::detect::prompt::logline::{LogLineConfig, LogLineScanner};
use aiir_core::drill::model_drift::{self, DEFAULT_SEED, TOXIC_REQUESTS};
use aiir_core::model::{Alert, Incident};
use aiir_core::operator::OperatorEvent;
use aiir_core::plan::{classify, plan, Decision};
use aiir_core::playbook::{Playbook, DEFAULT_PLAYBOOK};
use aiir_core::{IncidentKind, ResourceKind, ResourceRef, Severity};
use chrono::Utc;

fn endpoint() -> ResourceRef {
    ResourceRef::new(ResourceKind::ModelEndpoint, "fraud-detector")
}

fn playbook() -> Playbook {
    let env = |name: &str| match name {
        "AIIR_NOTIFY_TOPIC" => Some("arn:aws:sns:us-east-1:123456789012:aiir-alerts".into()),
        n if n.starts_with("AIIR_") => Some(format!("{n}-value")),
        _ => None,
    };
    Playbook::load(DEFAULT_PLAYBOOK, &env).expect("default playbook loads")
}

#[test]
fn drifted_batch_raises_one_high_model_drift_finding_on_the_endpoint() {
    let findings = model_drift::findings(&endpoint(), DEFAULT_SEED).unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f.detector, "data-drift");
    assert_eq!(f.kind, IncidentKind::ModelDrift);
    assert_eq!(f.severity, Severity::High, "{}", f.summary);
    assert_eq!(f.resources, vec![endpoint()]);
    // Every column the scam wave changes drifted; the unchanged country mix did not.
    let columns = f.detail["columns"].as_array().unwrap();
    for c in columns {
        let name = c["column"].as_str().unwrap();
        assert_eq!(
            c["drifted"].as_bool().unwrap(),
            name != "country",
            "{name}: {c}"
        );
    }
    assert_eq!(columns.len(), model_drift::COLUMNS.len());
    assert!(
        f.summary.starts_with("dataset data drift: 5 of 6"),
        "{}",
        f.summary
    );
}

#[test]
fn the_baseline_against_itself_raises_nothing() {
    // A fresh sample of the same distribution is not drift: the check can say "no".
    let profile = model_drift::reference_profile(DEFAULT_SEED).unwrap();
    let same = model_drift::reference_rows(DEFAULT_SEED + 1);
    let (report, findings) = aiir_core::detect::drift::check::check_data_drift(
        &profile,
        &same[..1000],
        &Default::default(),
        &[endpoint()],
    )
    .unwrap();
    assert!(findings.is_empty(), "{report:#?}");
}

#[test]
fn generation_is_seeded() {
    assert_eq!(
        model_drift::current_rows(7),
        model_drift::current_rows(7),
        "same seed, same batch"
    );
    assert_ne!(model_drift::current_rows(7), model_drift::current_rows(8));
    let a = model_drift::findings(&endpoint(), 7).unwrap();
    let b = model_drift::findings(&endpoint(), 7).unwrap();
    assert_eq!(a, b);
}

#[test]
fn default_playbook_rolls_back_and_notifies_on_the_drift_finding() {
    let findings = model_drift::findings(&endpoint(), DEFAULT_SEED).unwrap();
    let event = OperatorEvent::Findings {
        batch_id: "drift-test".into(),
        findings,
    };
    let playbook = playbook();
    let alerts: Vec<Alert> = event.alerts(Utc::now());
    assert_eq!(alerts.len(), 1);
    let (kind, severity) = classify(&alerts[0], &playbook);
    let incident = Incident::new(alerts[0].clone(), kind, severity, Utc::now());
    let steps = plan(&incident, &playbook, false);
    let actions: Vec<ActionKind> = steps.iter().map(|s| s.action.kind()).collect();
    assert_eq!(
        actions,
        vec![ActionKind::RollbackModel, ActionKind::Notify],
        "{steps:#?}"
    );
    assert!(steps.iter().all(|s| s.decision == Decision::Execute));
    assert_eq!(steps[0].target, endpoint());
    assert_eq!(steps[0].rule, "recover-from-drift");
}

#[test]
fn the_scanner_flags_exactly_the_toxic_outputs() {
    let scanner = LogLineScanner::new(LogLineConfig::default()).unwrap();
    let lines = model_drift::model_io_lines(None);
    assert_eq!(lines.len(), 10);
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        let id = v["request_id"].as_str().unwrap();
        let findings = scanner.scan_line(line);
        let toxic = findings.iter().any(|f| f.detector == "toxic-output");
        assert_eq!(toxic, TOXIC_REQUESTS.contains(&id), "{id}: {findings:#?}");
        // Harmful outputs only: no injection, leak or policy finding muddles the scenario
        // (hallucination risk is a low-severity signal on any unsourced answer).
        let others: Vec<&str> = findings
            .iter()
            .map(|f| f.detector.as_str())
            .filter(|d| *d != "toxic-output" && *d != "hallucination-risk")
            .collect();
        assert!(others.is_empty(), "{id}: {others:?}");
    }
}

#[test]
fn model_io_lines_name_the_target_endpoint() {
    let lines = model_drift::model_io_lines(Some("projects/p/locations/l/endpoints/42"));
    let scanner = LogLineScanner::new(LogLineConfig::default()).unwrap();
    let line = lines
        .iter()
        .find(|l| l.contains(TOXIC_REQUESTS[0]))
        .unwrap();
    let findings = scanner.scan_line(line);
    assert!(findings.iter().any(|f| f
        .resources
        .iter()
        .any(|r| r.kind == ResourceKind::ModelEndpoint
            && r.id == "projects/p/locations/l/endpoints/42")));
}
