//! Engine tests: the playbook decides, the responder enforces de-duplication, exclusions,
//! blast radius, approvals, retries and undo. The remediator here is a recording test double
//! of the *contract* (cloud behaviour is tested against emulators in `tests/`).
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aiir_core::action::{ActionKind, Cloud};
use aiir_core::audit::{MemoryAuditSink, StepRecord, StepStatus};
use aiir_core::model::{
    Alert, AlertSource, AlertStatus, IncidentKind, ResourceKind, ResourceRef, Severity,
};
use aiir_core::operator::OperatorEvent;
use aiir_core::pipeline::{Outcome, PipelineError, Request, Responder};
use aiir_core::playbook::{Mode, Playbook, PlaybookError, DEFAULT_PLAYBOOK};
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest, Remediator};
use aiir_core::state::{MemoryStateStore, StateStore};
use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use serde_json::json;

/// Keeps "resource → contained?" so repeats are no-ops and undo restores, like a real cloud.
#[derive(Default)]
struct RecordingRemediator {
    contained: Mutex<BTreeMap<String, bool>>,
    calls: Mutex<Vec<(ActionKind, String, Mode)>>,
    fail_transient: Mutex<u32>,
    fail_permanent: Mutex<bool>,
}

#[async_trait]
impl Remediator for RecordingRemediator {
    fn cloud(&self) -> Cloud {
        Cloud::Aws
    }

    async fn apply(&self, request: &ActionRequest<'_>) -> Result<ActionOutcome, ActionError> {
        let kind = request.action.kind();
        self.calls
            .lock()
            .unwrap()
            .push((kind, request.target.id.clone(), request.mode));
        {
            let mut left = self.fail_transient.lock().unwrap();
            if *left > 0 {
                *left -= 1;
                return Err(ActionError::Transient("throttled".into()));
            }
        }
        if *self.fail_permanent.lock().unwrap() && !kind.is_message() {
            return Err(ActionError::Denied("not allowed".into()));
        }
        let key = format!("{kind}:{}", request.target.id);
        let before = self
            .contained
            .lock()
            .unwrap()
            .get(&key)
            .copied()
            .unwrap_or(false);
        let changed = kind.is_message() || !before;
        if request.mode == Mode::Enforce && !kind.is_message() {
            self.contained.lock().unwrap().insert(key, true);
        }
        Ok(ActionOutcome {
            changed,
            prior_state: json!({ "contained": before }),
            new_state: json!({ "contained": request.mode == Mode::Enforce || before }),
            details: vec![format!("{kind} {}", request.target.id)],
        })
    }

    async fn undo(&self, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
        let key = format!("{}:{}", record.action.kind(), record.target.id);
        let prior = record.prior_state["contained"].as_bool().unwrap_or(false);
        self.contained.lock().unwrap().insert(key, prior);
        Ok(ActionOutcome {
            changed: true,
            prior_state: record.new_state.clone(),
            new_state: record.prior_state.clone(),
            details: vec!["restored".into()],
        })
    }
}

impl RecordingRemediator {
    fn is_contained(&self, kind: ActionKind, id: &str) -> bool {
        self.contained
            .lock()
            .unwrap()
            .get(&format!("{kind}:{id}"))
            .copied()
            .unwrap_or(false)
    }
    fn calls_of(&self, kind: ActionKind) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(k, _, m)| *k == kind && *m == Mode::Enforce)
            .count()
    }
}

fn env(name: &str) -> Option<String> {
    match name {
        "AIIR_BLOCKLIST" => Some("prompt-blocklist".into()),
        "AIIR_WAF_IP_SET" => Some("ipset-1".into()),
        "AIIR_QUARANTINE_BUCKET" => Some("quarantine".into()),
        "AIIR_KMS_KEY" => Some("key-1".into()),
        "AIIR_NOTIFY_TOPIC" => Some("topic-1".into()),
        _ => None,
    }
}

struct Harness {
    responder: Responder,
    remediator: Arc<RecordingRemediator>,
    state: Arc<MemoryStateStore>,
    audit: Arc<MemoryAuditSink>,
}

/// The same environment with paging configured (`AIIR_PAGE_TARGET`).
fn env_with_page(name: &str) -> Option<String> {
    match name {
        "AIIR_PAGE_TARGET" => Some("oncall-page".into()),
        other => env(other),
    }
}

fn harness_with(playbook: &str) -> Harness {
    harness_env(playbook, &env)
}

fn harness_env(playbook: &str, env: &dyn Fn(&str) -> Option<String>) -> Harness {
    let playbook = Arc::new(Playbook::load(playbook, env).expect("playbook loads"));
    let remediator = Arc::new(RecordingRemediator::default());
    let state = Arc::new(MemoryStateStore::new());
    let audit = Arc::new(MemoryAuditSink::default());
    let clock = Arc::new(|| Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap());
    let responder = Responder::new(playbook, remediator.clone(), state.clone(), audit.clone())
        .with_clock(clock)
        .with_retry_base(Duration::from_millis(1));
    Harness {
        responder,
        remediator,
        state,
        audit,
    }
}

/// Undo every step of an incident as operator `bob`; the kinds of the steps undone, in order.
async fn undo_kinds(h: &Harness, incident_id: &str) -> Vec<ActionKind> {
    let undo = OperatorEvent::Undo {
        incident_id: incident_id.to_string(),
        steps: vec![],
        operator: "bob".into(),
    };
    let undone = h
        .responder
        .handle(Request::Operator(undo), false)
        .await
        .unwrap();
    undone
        .operator_steps
        .iter()
        .map(|s| s.action.kind())
        .collect()
}

fn harness() -> Harness {
    harness_with(DEFAULT_PLAYBOOK)
}

fn leak_alert(occurrence: &str, bucket_tags: &[(&str, &str)]) -> Alert {
    let mut bucket = ResourceRef::new(ResourceKind::Bucket, "training-data");
    for (k, v) in bucket_tags {
        bucket = bucket.with_tag(*k, *v);
    }
    Alert {
        source: AlertSource::SecurityHub,
        source_id: "finding/s3-public".into(),
        occurrence: occurrence.into(),
        status: AlertStatus::Firing,
        title: "S3 bucket is publicly readable".into(),
        description: None,
        occurred_at: Utc.with_ymd_and_hms(2026, 11, 21, 11, 59, 58).unwrap(),
        account: None,
        region: None,
        kind: Some(IncidentKind::DataLeakage),
        severity: Some(Severity::High),
        resources: vec![
            bucket,
            ResourceRef::new(ResourceKind::Object, "training-data/train.csv"),
        ],
        evidence: vec![],
        labels: BTreeMap::new(),
    }
}

#[tokio::test]
async fn default_playbook_contains_a_data_leak_and_reports_timings() {
    let h = harness();
    let report = h
        .responder
        .handle(Request::Alerts(vec![leak_alert("t1", &[])]), false)
        .await
        .unwrap();
    let incident = &report.incidents[0];
    assert_eq!(incident.outcome, Outcome::Contained, "{incident:#?}");
    assert!(h
        .remediator
        .is_contained(ActionKind::LockPublicAccess, "training-data"));
    assert!(h
        .remediator
        .is_contained(ActionKind::QuarantineData, "training-data/train.csv"));
    assert_eq!(h.remediator.calls_of(ActionKind::Notify), 1);
    // 2 s between the alert and the (fixed) clock.
    assert_eq!(incident.alert_to_contained_ms, Some(2000));
    assert!(incident.incident.atlas.contains(&"AML.T0057".to_string()));
    assert_eq!(h.audit.records.lock().unwrap().len(), incident.steps.len());
}

#[tokio::test]
async fn redelivered_alert_acts_once() {
    let h = harness();
    let first = h
        .responder
        .handle(Request::Alerts(vec![leak_alert("t1", &[])]), false)
        .await
        .unwrap();
    let again = h
        .responder
        .handle(Request::Alerts(vec![leak_alert("t1", &[])]), false)
        .await
        .unwrap();
    assert_eq!(first.incidents[0].outcome, Outcome::Contained);
    assert_eq!(again.incidents[0].outcome, Outcome::Duplicate);
    assert_eq!(h.remediator.calls_of(ActionKind::LockPublicAccess), 1);
    assert_eq!(h.remediator.calls_of(ActionKind::Notify), 1);
}

#[tokio::test]
async fn dry_run_changes_nothing_and_does_not_suppress_the_real_alert() {
    let h = harness();
    let dry = h
        .responder
        .handle(Request::Alerts(vec![leak_alert("t1", &[])]), true)
        .await
        .unwrap();
    assert_eq!(dry.incidents[0].outcome, Outcome::DryRun);
    assert!(dry.incidents[0]
        .steps
        .iter()
        .all(|s| s.status == StepStatus::DryRun));
    assert!(!h
        .remediator
        .is_contained(ActionKind::LockPublicAccess, "training-data"));
    let real = h
        .responder
        .handle(Request::Alerts(vec![leak_alert("t1", &[])]), false)
        .await
        .unwrap();
    assert_eq!(real.incidents[0].outcome, Outcome::Contained);
}

#[tokio::test]
async fn resolved_alert_never_remediates() {
    let h = harness();
    let mut alert = leak_alert("t1", &[]);
    alert.status = AlertStatus::Resolved;
    let report = h
        .responder
        .handle(Request::Alerts(vec![alert]), false)
        .await
        .unwrap();
    assert_eq!(report.incidents[0].outcome, Outcome::Resolved);
    assert!(h.remediator.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn excluded_resource_is_untouched() {
    let h = harness();
    let report = h
        .responder
        .handle(
            Request::Alerts(vec![leak_alert("t1", &[("aiir:exempt", "true")])]),
            false,
        )
        .await
        .unwrap();
    let lock = report.incidents[0]
        .steps
        .iter()
        .find(|s| s.action.kind() == ActionKind::LockPublicAccess)
        .unwrap();
    assert_eq!(lock.status, StepStatus::Excluded);
    assert!(!h
        .remediator
        .is_contained(ActionKind::LockPublicAccess, "training-data"));
    // The object was not exempt, so it was still quarantined.
    assert!(h
        .remediator
        .is_contained(ActionKind::QuarantineData, "training-data/train.csv"));
}

#[tokio::test]
async fn blast_radius_stops_and_escalates() {
    let h = harness();
    // per_resource = 3 per hour: the fourth occurrence on the same bucket must stop.
    for i in 0..3 {
        let r = h
            .responder
            .handle(
                Request::Alerts(vec![leak_alert(&format!("t{i}"), &[])]),
                false,
            )
            .await
            .unwrap();
        assert_eq!(r.incidents[0].outcome, Outcome::Contained, "occurrence {i}");
    }
    let r = h
        .responder
        .handle(Request::Alerts(vec![leak_alert("t3", &[])]), false)
        .await
        .unwrap();
    let incident = &r.incidents[0];
    assert_eq!(incident.outcome, Outcome::Escalated);
    let lock = incident
        .steps
        .iter()
        .find(|s| s.action.kind() == ActionKind::LockPublicAccess)
        .unwrap();
    assert_eq!(lock.status, StepStatus::BlastRadiusExceeded);
    // Everything after the limit stops too ("stop and escalate"), and a human is told.
    assert!(incident
        .steps
        .iter()
        .filter(|s| s.action.kind() == ActionKind::QuarantineData)
        .all(|s| s.status == StepStatus::BlastRadiusExceeded));
    let escalation = incident
        .steps
        .iter()
        .find(|s| s.rule == "escalation")
        .expect("escalation step");
    assert_eq!(escalation.status, StepStatus::Applied);
    assert!(lock.details[0].contains("blast radius"));
}

#[tokio::test]
async fn approval_gated_action_waits_for_approve_and_acts_once() {
    let h = harness();
    let alert = Alert {
        source: AlertSource::CloudwatchAlarm,
        source_id: "arn:aws:cloudwatch:eu-west-1:1:alarm:errors".into(),
        occurrence: "2026-11-21T11:59:00Z".into(),
        status: AlertStatus::Firing,
        title: "endpoint errors".into(),
        description: None,
        occurred_at: Utc.with_ymd_and_hms(2026, 11, 21, 11, 59, 0).unwrap(),
        account: None,
        region: None,
        kind: None,
        severity: None,
        resources: vec![ResourceRef::new(ResourceKind::ModelEndpoint, "fraud-model")],
        evidence: vec![],
        labels: BTreeMap::from([("metric_name".to_string(), "Invocation5XXErrors".to_string())]),
    };
    let report = h
        .responder
        .handle(Request::Alerts(vec![alert]), false)
        .await
        .unwrap();
    let incident = &report.incidents[0];
    assert_eq!(
        incident.incident.kind,
        IncidentKind::Availability,
        "classified by the playbook"
    );
    assert_eq!(incident.outcome, Outcome::AwaitingApproval);
    let pending = incident
        .steps
        .iter()
        .find(|s| s.status == StepStatus::AwaitingApproval)
        .unwrap();
    assert_eq!(h.remediator.calls_of(ActionKind::RollbackModel), 0);

    let approve = OperatorEvent::Approve {
        approval_id: pending.step_id.clone(),
        approver: "alice".into(),
    };
    let done = h
        .responder
        .handle(Request::Operator(approve.clone()), false)
        .await
        .unwrap();
    assert_eq!(done.operator_steps[0].status, StepStatus::Applied);
    assert!(h
        .remediator
        .is_contained(ActionKind::RollbackModel, "fraud-model"));
    // A second approve (redelivered) is rejected, not executed again.
    let again = h.responder.handle(Request::Operator(approve), false).await;
    assert!(
        matches!(again, Err(PipelineError::Rejected(ref m)) if m.contains("no pending approval"))
    );
    assert_eq!(h.remediator.calls_of(ActionKind::RollbackModel), 1);
}

#[tokio::test]
async fn undo_restores_prior_state_in_reverse_and_is_idempotent() {
    let h = harness();
    let report = h
        .responder
        .handle(Request::Alerts(vec![leak_alert("t1", &[])]), false)
        .await
        .unwrap();
    let incident_id = report.incidents[0].incident.id.clone();
    let undo = OperatorEvent::Undo {
        incident_id: incident_id.clone(),
        steps: vec![],
        operator: "bob".into(),
    };
    let undone = h
        .responder
        .handle(Request::Operator(undo.clone()), false)
        .await
        .unwrap();
    let kinds: Vec<ActionKind> = undone
        .operator_steps
        .iter()
        .map(|s| s.action.kind())
        .collect();
    // Changes are restored last-first; a sent notification is not "undone".
    assert_eq!(
        kinds,
        vec![ActionKind::QuarantineData, ActionKind::LockPublicAccess]
    );
    assert!(undone
        .operator_steps
        .iter()
        .all(|s| s.status == StepStatus::Undone));
    assert!(!h
        .remediator
        .is_contained(ActionKind::LockPublicAccess, "training-data"));
    assert!(!h
        .remediator
        .is_contained(ActionKind::QuarantineData, "training-data/train.csv"));
    let twice = h
        .responder
        .handle(Request::Operator(undo), false)
        .await
        .unwrap();
    assert!(
        twice.operator_steps.is_empty(),
        "already undone: nothing to do"
    );
    let unknown = OperatorEvent::Undo {
        incident_id: "inc-nope".into(),
        steps: vec![],
        operator: "bob".into(),
    };
    assert!(matches!(
        h.responder.handle(Request::Operator(unknown), false).await,
        Err(PipelineError::Rejected(_))
    ));
}

#[tokio::test]
async fn transient_failures_are_retried_then_succeed() {
    let h = harness();
    *h.remediator.fail_transient.lock().unwrap() = 2; // attempts = 3
    let report = h
        .responder
        .handle(Request::Alerts(vec![leak_alert("t1", &[])]), false)
        .await
        .unwrap();
    assert_eq!(report.incidents[0].outcome, Outcome::Contained);
    assert_eq!(report.incidents[0].steps[0].attempts, 3);
}

#[tokio::test]
async fn exhausted_retries_release_the_claim_so_redelivery_acts() {
    let h = harness();
    *h.remediator.fail_transient.lock().unwrap() = 3;
    let err = h
        .responder
        .handle(Request::Alerts(vec![leak_alert("t1", &[])]), false)
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err}");
    // The platform redelivers: this time it works instead of being dropped as a duplicate.
    let report = h
        .responder
        .handle(Request::Alerts(vec![leak_alert("t1", &[])]), false)
        .await
        .unwrap();
    assert_eq!(report.incidents[0].outcome, Outcome::Contained);
}

#[tokio::test]
async fn permanent_failure_is_reported_and_escalated_not_dropped() {
    let h = harness();
    *h.remediator.fail_permanent.lock().unwrap() = true;
    let report = h
        .responder
        .handle(Request::Alerts(vec![leak_alert("t1", &[])]), false)
        .await
        .unwrap();
    let incident = &report.incidents[0];
    assert_eq!(incident.outcome, Outcome::Failed);
    let failed = incident
        .steps
        .iter()
        .find(|s| s.status == StepStatus::Failed)
        .unwrap();
    assert!(failed.error.as_deref().unwrap().contains("access denied"));
    assert!(incident
        .steps
        .iter()
        .any(|s| s.rule == "escalation" && s.status == StepStatus::Applied));
    assert!(h
        .audit
        .records
        .lock()
        .unwrap()
        .iter()
        .any(|r| r.step.status == StepStatus::Failed));
}

#[tokio::test]
async fn drill_event_goes_through_the_same_pipeline() {
    let h = harness();
    let drill: OperatorEvent = serde_json::from_value(json!({
        "aiir": "drill", "drill_id": "d1", "title": "prompt injection drill",
        "kind": "prompt-attack", "severity": "critical",
        "resources": [{"kind": "prompt", "id": "abc123"}, {"kind": "caller", "id": "203.0.113.9"}]
    }))
    .unwrap();
    let report = h
        .responder
        .handle(Request::Operator(drill), false)
        .await
        .unwrap();
    assert_eq!(report.incidents[0].outcome, Outcome::Contained);
    assert!(h.remediator.is_contained(ActionKind::BlockPrompt, "abc123"));
    assert!(h
        .remediator
        .is_contained(ActionKind::BlockPrompt, "203.0.113.9"));
    assert!(h
        .state
        .get(
            &format!("incident#{}", report.incidents[0].incident.id),
            "incident"
        )
        .await
        .unwrap()
        .is_some());
}

#[test]
fn playbook_errors_name_the_field_and_the_fix() {
    let bad = r#"
version = 2
[defaults]
dedup_ttl = "soon"
[[rules]]
name = "a"
match = {}
actions = []
[[rules]]
name = "a"
match = { kinds = ["cost"] }
  [[rules.actions]]
  type = "notify"
  topic = ""
"#;
    let Err(PlaybookError::Invalid(problems)) = Playbook::load(bad, &env) else {
        panic!("must be invalid")
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    for expected in [
        "version",
        "defaults.dedup_ttl",
        "rules[0].match",
        "rules[0].actions",
        "rules[1].name",
        "rules[1].actions[0].topic",
    ] {
        assert!(
            fields.contains(&expected),
            "missing {expected} in {fields:?}"
        );
    }
    assert!(problems.iter().all(|p| !p.fix.is_empty()));

    let typo = "version = 1\n[defaults]\nmod = \"dry-run\"\n";
    let Err(PlaybookError::Parse(message)) = Playbook::load(typo, &env) else {
        panic!("unknown field must fail")
    };
    assert!(message.contains("mod"), "{message}");

    let unknown_action = "version = 1\n[[rules]]\nname = \"x\"\nmatch = { any = true }\n[[rules.actions]]\ntype = \"delete-everything\"\n";
    let Err(PlaybookError::Parse(message)) = Playbook::load(unknown_action, &env) else {
        panic!("unknown action must fail")
    };
    assert!(message.contains("delete-everything"), "{message}");

    let missing_env = Playbook::load(DEFAULT_PLAYBOOK, &|_| None)
        .unwrap_err()
        .to_string();
    assert!(missing_env.contains("AIIR_NOTIFY_TOPIC"), "{missing_env}");
}

#[test]
fn per_action_dry_run_mode_is_honoured() {
    let text = r#"
version = 1
[[rules]]
name = "leak"
match = { kinds = ["data-leakage"] }
  [[rules.actions]]
  type = "lock-public-access"
  mode = "dry-run"
  [[rules.actions]]
  type = "notify"
  topic = "t"
"#;
    let playbook = Playbook::load(text, &env).unwrap();
    let (kind, severity) = aiir_core::plan::classify(&leak_alert("t1", &[]), &playbook);
    let incident = aiir_core::Incident::new(leak_alert("t1", &[]), kind, severity, Utc::now());
    let steps = aiir_core::plan::plan(&incident, &playbook, false);
    assert_eq!(steps[0].mode, Mode::DryRun);
    assert_eq!(steps[1].mode, Mode::Enforce);
    assert!(aiir_core::plan::plan(&incident, &playbook, true)
        .iter()
        .all(|s| s.mode == Mode::DryRun));
}

fn critical_leak(occurrence: &str) -> Alert {
    let mut alert = leak_alert(occurrence, &[]);
    alert.severity = Some(Severity::Critical);
    alert
}

#[tokio::test]
async fn critical_incident_pages_once_and_undo_leaves_the_page_alone() {
    let h = harness_env(DEFAULT_PLAYBOOK, &env_with_page);
    let report = h
        .responder
        .handle(Request::Alerts(vec![critical_leak("t1")]), false)
        .await
        .unwrap();
    let incident = &report.incidents[0];
    assert_eq!(incident.outcome, Outcome::Contained, "{incident:#?}");
    let page = incident
        .steps
        .iter()
        .find(|s| s.action.kind() == ActionKind::TriggerAlert)
        .expect("a trigger-alert step");
    assert_eq!(page.rule, "page-on-critical");
    assert_eq!(page.target.id, "oncall-page");
    assert_eq!(page.status, StepStatus::Applied);
    assert_eq!(h.remediator.calls_of(ActionKind::TriggerAlert), 1);

    // Redelivery: paged once.
    h.responder
        .handle(Request::Alerts(vec![critical_leak("t1")]), false)
        .await
        .unwrap();
    assert_eq!(h.remediator.calls_of(ActionKind::TriggerAlert), 1);

    // A page cannot be taken back: undo restores the changes and skips it.
    let kinds = undo_kinds(&h, &incident.incident.id).await;
    assert_eq!(
        kinds,
        vec![ActionKind::QuarantineData, ActionKind::LockPublicAccess]
    );
}

#[tokio::test]
async fn paging_is_not_planned_when_unconfigured_or_not_critical() {
    // The default environment has no AIIR_PAGE_TARGET: the playbook loads, nothing pages.
    let h = harness();
    let r = h
        .responder
        .handle(Request::Alerts(vec![critical_leak("t1")]), false)
        .await
        .unwrap();
    assert_eq!(r.incidents[0].outcome, Outcome::Contained);
    assert!(r.incidents[0]
        .steps
        .iter()
        .all(|s| s.action.kind() != ActionKind::TriggerAlert));
    // Configured, but a high (not critical) incident does not page.
    let h = harness_env(DEFAULT_PLAYBOOK, &env_with_page);
    let r = h
        .responder
        .handle(Request::Alerts(vec![leak_alert("t1", &[])]), false)
        .await
        .unwrap();
    assert_eq!(h.remediator.calls_of(ActionKind::TriggerAlert), 0);
    assert!(r.incidents[0]
        .steps
        .iter()
        .all(|s| s.action.kind() != ActionKind::TriggerAlert));
}

#[tokio::test]
async fn blast_radius_never_holds_back_a_page() {
    let h = harness_env(DEFAULT_PLAYBOOK, &env_with_page);
    for i in 0..3 {
        h.responder
            .handle(
                Request::Alerts(vec![critical_leak(&format!("t{i}"))]),
                false,
            )
            .await
            .unwrap();
    }
    let r = h
        .responder
        .handle(Request::Alerts(vec![critical_leak("t3")]), false)
        .await
        .unwrap();
    let incident = &r.incidents[0];
    assert_eq!(incident.outcome, Outcome::Escalated);
    let page = incident
        .steps
        .iter()
        .find(|s| s.action.kind() == ActionKind::TriggerAlert)
        .unwrap();
    assert_eq!(page.status, StepStatus::Applied, "{page:#?}");
    assert_eq!(h.remediator.calls_of(ActionKind::TriggerAlert), 4);
}

#[test]
fn trigger_alert_playbook_errors_name_the_field() {
    let text = |alert: &str| {
        format!(
            "version = 1\n[[rules]]\nname = \"page\"\nmatch = {{ min_severity = \"critical\" }}\n[[rules.actions]]\ntype = \"trigger-alert\"\nalert = \"{alert}\"\n"
        )
    };
    assert!(
        Playbook::load(&text(""), &env).is_ok(),
        "empty: not configured"
    );
    assert!(Playbook::load(&text("oncall"), &env).is_ok());
    for bad in ["   ", " oncall"] {
        let Err(PlaybookError::Invalid(problems)) = Playbook::load(&text(bad), &env) else {
            panic!("`{bad}` must be invalid")
        };
        assert_eq!(
            problems[0].field, "rules[0].actions[0].alert",
            "{problems:?}"
        );
        assert!(!problems[0].fix.is_empty());
    }
    let missing = "version = 1\n[[rules]]\nname = \"page\"\nmatch = { any = true }\n[[rules.actions]]\ntype = \"trigger-alert\"\n";
    let Err(PlaybookError::Parse(message)) = Playbook::load(missing, &env) else {
        panic!("a trigger-alert without `alert` must fail")
    };
    assert!(message.contains("alert"), "{message}");
}

fn env_with_tool_secret(name: &str) -> Option<String> {
    match name {
        "AIIR_TOOL_SECRET" => Some("tool-secret".into()),
        other => env(other),
    }
}

/// One prompt-injection line as the model-I/O scanner raises it: prompt signature + caller.
fn injection_line(occurrence: &str, signature: &str, caller: &str) -> Alert {
    let finding = aiir_core::model::Finding {
        detector: "prompt-injection".into(),
        kind: IncidentKind::PromptAttack,
        severity: Severity::High,
        score: 0.97,
        summary: "prompt injection".into(),
        resources: vec![
            ResourceRef::new(ResourceKind::Prompt, signature),
            ResourceRef::new(ResourceKind::Caller, caller),
        ],
        detail: json!({}),
    };
    let at = Utc.with_ymd_and_hms(2026, 11, 21, 11, 59, 0).unwrap();
    Alert::from_finding(&finding, "model-io-log", occurrence, at)
}

fn status_of(report: &aiir_core::pipeline::IncidentReport, kind: ActionKind) -> StepStatus {
    report
        .steps
        .iter()
        .find(|s| s.action.kind() == kind)
        .unwrap_or_else(|| panic!("no {kind} step in {report:#?}"))
        .status
}

#[tokio::test]
async fn one_callers_lines_delivered_one_by_one_share_their_steps() {
    let h = harness_env(DEFAULT_PLAYBOOK, &env_with_tool_secret);
    let send = |alert: Alert| {
        let responder = &h.responder;
        async move {
            let mut r = responder
                .handle(Request::Alerts(vec![alert]), false)
                .await
                .unwrap();
            r.incidents.remove(0)
        }
    };
    let first = send(injection_line("line-1", "sig-1", "203.0.113.7")).await;
    assert_eq!(first.outcome, Outcome::Contained);
    assert_eq!(
        status_of(&first, ActionKind::RotateSecret),
        StepStatus::Applied
    );

    // A second line from the same caller, a new prompt: block it, but do not rotate or page again.
    let second = send(injection_line("line-2", "sig-2", "203.0.113.7")).await;
    assert_ne!(second.incident.id, first.incident.id);
    assert_eq!(second.outcome, Outcome::Contained);
    assert_eq!(
        status_of(&second, ActionKind::BlockPrompt),
        StepStatus::Applied
    );
    for kind in [ActionKind::RotateSecret, ActionKind::Notify] {
        let step = second
            .steps
            .iter()
            .find(|s| s.action.kind() == kind)
            .unwrap();
        assert_eq!(step.status, StepStatus::Excluded, "{step:#?}");
        assert_eq!(
            step.details,
            [format!(
                "already done by {} (same caller within 15m)",
                first.incident.id
            )]
        );
    }
    assert!(second.incident.timeline.iter().any(|t| t
        .event
        .starts_with(&format!("correlated with {}", first.incident.id))));
    assert!(h.remediator.is_contained(ActionKind::BlockPrompt, "sig-2"));

    // The same prompt again (a new line): every step already taken, nothing called.
    let calls = h.remediator.calls.lock().unwrap().len();
    let third = send(injection_line("line-3", "sig-1", "203.0.113.7")).await;
    assert_eq!(third.outcome, Outcome::Correlated);
    assert_eq!(h.remediator.calls.lock().unwrap().len(), calls);

    // Another caller is another attack: its own rotation and page.
    // (The recording remediator reports a second rotation of one secret as no change.)
    let other = send(injection_line("line-4", "sig-3", "198.51.100.9")).await;
    assert_eq!(
        status_of(&other, ActionKind::RotateSecret),
        StepStatus::NoChange
    );
    assert_eq!(h.remediator.calls_of(ActionKind::RotateSecret), 2);
    assert_eq!(h.remediator.calls_of(ActionKind::Notify), 2);

    // Undo of the second incident reverts its own step only: the first incident's stay.
    let kinds = undo_kinds(&h, &second.incident.id).await;
    assert_eq!(kinds, [ActionKind::BlockPrompt]);
    assert!(!h.remediator.is_contained(ActionKind::BlockPrompt, "sig-2"));
    assert!(h.remediator.is_contained(ActionKind::BlockPrompt, "sig-1"));
    assert!(h
        .remediator
        .is_contained(ActionKind::RotateSecret, "tool-secret"));
}

#[tokio::test]
async fn correlation_off_or_dry_run_acts_per_line() {
    let off = DEFAULT_PLAYBOOK.replace(
        "correlation_window = \"15m\"",
        "correlation_window = \"0s\"",
    );
    assert_ne!(
        off, DEFAULT_PLAYBOOK,
        "the default playbook sets the window"
    );
    let h = harness_env(&off, &env_with_tool_secret);
    for line in ["line-1", "line-2"] {
        let r = h
            .responder
            .handle(
                Request::Alerts(vec![injection_line(line, line, "203.0.113.7")]),
                false,
            )
            .await
            .unwrap();
        assert_eq!(r.incidents[0].outcome, Outcome::Contained);
    }
    assert_eq!(h.remediator.calls_of(ActionKind::RotateSecret), 2);

    // A rehearsal neither joins nor starts a group: the real line after it acts in full.
    let h = harness_env(DEFAULT_PLAYBOOK, &env_with_tool_secret);
    let dry = h
        .responder
        .handle(
            Request::Alerts(vec![injection_line("line-1", "sig-1", "203.0.113.7")]),
            true,
        )
        .await
        .unwrap();
    assert_eq!(dry.incidents[0].outcome, Outcome::DryRun);
    let real = h
        .responder
        .handle(
            Request::Alerts(vec![injection_line("line-2", "sig-2", "203.0.113.7")]),
            false,
        )
        .await
        .unwrap();
    assert_eq!(
        status_of(&real.incidents[0], ActionKind::RotateSecret),
        StepStatus::Applied
    );
}

#[test]
fn correlation_window_errors_name_the_field() {
    let bad = DEFAULT_PLAYBOOK.replace(
        "correlation_window = \"15m\"",
        "correlation_window = \"soon\"",
    );
    let Err(PlaybookError::Invalid(problems)) = Playbook::load(&bad, &env_with_tool_secret) else {
        panic!("an unparsable window must be refused")
    };
    assert!(
        problems
            .iter()
            .any(|p| p.field == "defaults.correlation_window"),
        "{problems:?}"
    );
}
