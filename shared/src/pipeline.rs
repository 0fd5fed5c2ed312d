//! The responder: alert → incident → plan → (dedup, approvals, blast radius) → actions →
//! audit. The same code runs on every cloud; only the remediator, state store and audit
//! sink differ.
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tracing::{info, warn};

use crate::action::ActionSpec;
use crate::audit::{AuditRecord, AuditSink, StepRecord, StepStatus};
use crate::correlate::{self, CorrelationKey};
use crate::model::{Alert, AlertStatus, Incident, NistPhase, ResourceKind, ResourceRef};
use crate::operator::OperatorEvent;
use crate::plan::{classify, plan, Decision, PlannedStep};
use crate::playbook::{parse_duration, Mode, Playbook};
use crate::remediate::{ActionError, ActionRequest, Remediator};
use crate::state::{StateError, StateStore};

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What a responder was asked to handle.
#[derive(Debug, Clone)]
pub enum Request {
    Alerts(Vec<Alert>),
    Operator(OperatorEvent),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Same fingerprint seen before: nothing done again.
    Duplicate,
    /// The alert resolved (OK / Resolved / closed): recorded, nothing remediated.
    Resolved,
    /// Not a state change that calls for action.
    Informational,
    NoMatchingRule,
    DryRun,
    Contained,
    AwaitingApproval,
    /// The blast-radius limit stopped actions; a human decides.
    Escalated,
    /// At least one action failed (reported, escalated).
    Failed,
    /// Part of an open incident for the same caller (within `defaults.correlation_window`)
    /// that had already taken every step this one planned.
    Correlated,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IncidentReport {
    pub incident: Incident,
    pub outcome: Outcome,
    pub steps: Vec<StepRecord>,
    /// Alert time to the last containing step, when every enforced step contained.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert_to_contained_ms: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    pub incidents: Vec<IncidentReport>,
    /// Steps run by `approve` or `undo`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operator_steps: Vec<StepRecord>,
}

impl Report {
    pub fn count(&self, status: StepStatus) -> usize {
        self.incidents
            .iter()
            .flat_map(|i| &i.steps)
            .chain(&self.operator_steps)
            .filter(|s| s.status == status)
            .count()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Something transient failed after in-process retries; the platform should redeliver
    /// (no de-duplication claim is kept, and every action is idempotent).
    #[error("retryable: {0}")]
    Retryable(String),
    /// The request cannot succeed as sent (unknown approval id, unknown incident).
    #[error("{0}")]
    Rejected(String),
    #[error("state store: {0}")]
    State(#[from] StateError),
}

impl PipelineError {
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Retryable(_) => true,
            Self::Rejected(_) => false,
            Self::State(e) => e.is_retryable(),
        }
    }
}

pub struct Responder {
    playbook: Arc<Playbook>,
    remediator: Arc<dyn Remediator>,
    state: Arc<dyn StateStore>,
    audit: Arc<dyn AuditSink>,
    clock: Clock,
    retry_base: Duration,
    dedup_ttl: Duration,
    approval_ttl: Duration,
    window: Duration,
    /// Alerts of one kind from one caller within this window share their steps (0: off).
    correlation_window: Duration,
    /// Steps and incidents are kept this long for undo.
    record_ttl: Duration,
}

#[derive(Serialize, Deserialize)]
struct PendingApproval {
    incident: Incident,
    step: PlannedStep,
}

const INCIDENT_SK: &str = "incident";

/// The incident's correlation group, and the group's first incident when it is not this one.
struct Correlation {
    key: CorrelationKey,
    first: Option<String>,
}

fn incident_pk(id: &str) -> String {
    format!("incident#{id}")
}

impl Responder {
    pub fn new(
        playbook: Arc<Playbook>,
        remediator: Arc<dyn Remediator>,
        state: Arc<dyn StateStore>,
        audit: Arc<dyn AuditSink>,
    ) -> Self {
        // The playbook was validated on load, so its durations parse.
        let duration = |text: &str| parse_duration(text).unwrap_or(Duration::from_secs(3600));
        Self {
            dedup_ttl: duration(&playbook.defaults.dedup_ttl),
            approval_ttl: duration(&playbook.defaults.approval_ttl),
            window: duration(&playbook.blast_radius.window),
            correlation_window: duration(&playbook.defaults.correlation_window),
            record_ttl: Duration::from_secs(90 * 86_400),
            playbook,
            remediator,
            state,
            audit,
            clock: Arc::new(Utc::now),
            retry_base: Duration::from_millis(200),
        }
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Base delay of the exponential backoff between attempts of a failing action.
    pub fn with_retry_base(mut self, base: Duration) -> Self {
        self.retry_base = base;
        self
    }

    pub fn playbook(&self) -> &Playbook {
        &self.playbook
    }

    fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    pub async fn handle(&self, request: Request, dry_run: bool) -> Result<Report, PipelineError> {
        let mut report = Report::default();
        // `dry-run` wraps another operator event: handle that one with every step dry-run.
        let (request, dry_run) = match request {
            Request::Operator(OperatorEvent::DryRun { mut event }) => {
                while let OperatorEvent::DryRun { event: inner } = *event {
                    event = inner;
                }
                (Request::Operator(*event), true)
            }
            other => (other, dry_run),
        };
        match request {
            Request::Alerts(alerts) => {
                for alert in alerts {
                    report.incidents.push(self.respond(alert, dry_run).await?);
                }
            }
            Request::Operator(OperatorEvent::Approve {
                approval_id,
                approver,
            }) => report
                .operator_steps
                .push(self.approve(&approval_id, &approver, dry_run).await?),
            Request::Operator(OperatorEvent::Undo {
                incident_id,
                steps,
                operator,
            }) => {
                report.operator_steps = self.undo(&incident_id, &steps, &operator, dry_run).await?
            }
            Request::Operator(event) => {
                for alert in event.alerts(self.now()) {
                    report.incidents.push(self.respond(alert, dry_run).await?);
                }
            }
        }
        Ok(report)
    }

    async fn respond(&self, alert: Alert, dry_run: bool) -> Result<IncidentReport, PipelineError> {
        let (kind, severity) = classify(&alert, &self.playbook);
        let mut incident = Incident::new(alert, kind, severity, self.now());
        let span = tracing::info_span!("incident", incident_id = %incident.id, kind = %kind, severity = %severity);
        let _guard = span.enter();
        let finish = |incident: Incident, outcome, steps| IncidentReport {
            incident,
            outcome,
            steps,
            alert_to_contained_ms: None,
        };
        match incident.status {
            AlertStatus::Resolved => {
                incident.record(
                    self.now(),
                    NistPhase::Recovery,
                    "alert resolved: no remediation",
                );
                info!(outcome = "resolved", "alert resolved; nothing to remediate");
                return Ok(finish(incident, Outcome::Resolved, Vec::new()));
            }
            AlertStatus::Informational => {
                return Ok(finish(incident, Outcome::Informational, Vec::new()));
            }
            AlertStatus::Firing => {}
        }
        let steps = plan(&incident, &self.playbook, dry_run);
        if steps.is_empty() {
            info!(outcome = "no-matching-rule", "no playbook rule matches");
            return Ok(finish(incident, Outcome::NoMatchingRule, Vec::new()));
        }
        let enforcing = steps.iter().any(|s| s.mode == Mode::Enforce);
        // Dry-runs never claim the fingerprint: a rehearsal must not suppress the real alert.
        let dedup_pk = format!("dedup#{}", incident.fingerprint);
        if enforcing {
            let claim = json!({ "incident_id": incident.id, "claimed_at": self.now() });
            if !self
                .state
                .put_if_absent(&dedup_pk, "claim", &claim, self.dedup_ttl)
                .await?
            {
                info!(
                    outcome = "duplicate",
                    "fingerprint already handled; acting once"
                );
                return Ok(finish(incident, Outcome::Duplicate, Vec::new()));
            }
        }
        let correlation = if enforcing {
            self.correlate(&mut incident).await?
        } else {
            None
        };
        if enforcing {
            self.state
                .put(
                    &incident_pk(&incident.id),
                    INCIDENT_SK,
                    &to_value(&incident),
                    self.record_ttl,
                )
                .await?;
        }
        let result = self
            .execute_plan(&mut incident, steps, correlation.as_ref())
            .await;
        match result {
            Ok(report) => Ok(report),
            Err(error) => {
                if enforcing && error.is_retryable() {
                    // Let the redelivery act: every step is idempotent.
                    if let Err(e) = self.state.delete(&dedup_pk, "claim").await {
                        warn!(error = %e, "could not release de-duplication claim");
                    }
                }
                Err(error)
            }
        }
    }

    /// Joins the incident to its caller's group (first incident of the group within the
    /// window, or a later one). `None` when correlation is off or the incident has no caller.
    async fn correlate(
        &self,
        incident: &mut Incident,
    ) -> Result<Option<Correlation>, PipelineError> {
        let Some(key) = CorrelationKey::of(incident, self.correlation_window) else {
            return Ok(None);
        };
        let claim = correlate::claim(&incident.id);
        let first = if self
            .state
            .put_if_absent(
                &key.pk,
                CorrelationKey::FIRST_SK,
                &claim,
                self.correlation_window,
            )
            .await?
        {
            None
        } else {
            self.state
                .get(&key.pk, CorrelationKey::FIRST_SK)
                .await?
                .and_then(|v| correlate::other_incident(&v, &incident.id))
        };
        if let Some(first) = &first {
            incident.record(
                self.now(),
                NistPhase::DetectionAndAnalysis,
                format!(
                    "correlated with {first}: same {} from caller {} within {}; steps it already took are not repeated",
                    incident.kind,
                    key.caller(),
                    correlate::window_text(self.correlation_window)
                ),
            );
            info!(correlated_with = %first, caller = %key.caller(), "incident joins an open group");
        }
        Ok(Some(Correlation { key, first }))
    }

    /// The incident of the group that already took this step, if another one did.
    async fn done_by_group(
        &self,
        correlation: Option<&Correlation>,
        incident: &Incident,
        step: &PlannedStep,
    ) -> Result<Option<String>, PipelineError> {
        let Some(c) = correlation.filter(|_| step.mode == Mode::Enforce) else {
            return Ok(None);
        };
        Ok(self
            .state
            .get(&c.key.pk, &CorrelationKey::done_sk(step))
            .await?
            .and_then(|v| correlate::other_incident(&v, &incident.id)))
    }

    async fn execute_plan(
        &self,
        incident: &mut Incident,
        steps: Vec<PlannedStep>,
        correlation: Option<&Correlation>,
    ) -> Result<IncidentReport, PipelineError> {
        let mut records: Vec<StepRecord> = Vec::new();
        let mut summary: Vec<String> = Vec::new();
        let mut escalation: Option<String> = None;
        let mut retryable_failure: Option<String> = None;
        for (seq, step) in steps.iter().enumerate() {
            let record = match &step.decision {
                Decision::Excluded { reason } => {
                    self.skipped(incident, step, StepStatus::Excluded, reason)
                }
                Decision::AwaitApproval => {
                    let pending = PendingApproval {
                        incident: incident.clone(),
                        step: step.clone(),
                    };
                    self.state
                        .put(
                            &format!("approval#{}", step.step_id),
                            "pending",
                            &to_value(&pending),
                            self.approval_ttl,
                        )
                        .await?;
                    let note = format!("waiting for approval: send {{\"aiir\":\"approve\",\"approval_id\":\"{}\",\"approver\":\"<name>\"}}", step.step_id);
                    self.skipped(incident, step, StepStatus::AwaitingApproval, &note)
                }
                Decision::Execute => {
                    if let Some(other) = self.done_by_group(correlation, incident, step).await? {
                        let note = format!(
                            "already done by {other} (same caller within {})",
                            correlate::window_text(self.correlation_window)
                        );
                        let record = self.skipped(incident, step, StepStatus::Excluded, &note);
                        summary.push(format!(
                            "{} {} on {}: done by {other}",
                            step.rule,
                            step.action.kind(),
                            step.target.id
                        ));
                        incident.record(
                            record.finished_at,
                            step.action.kind().phase(),
                            format!("{} on {}: {note}", step.action.kind(), step.target.id),
                        );
                        self.write_audit(incident, &record, "respond", None).await;
                        records.push(record);
                        continue;
                    }
                    let limited = step.mode == Mode::Enforce && !step.action.kind().is_message();
                    if limited && escalation.is_none() {
                        escalation = self.blast_radius_exceeded(step).await?;
                    }
                    match (&escalation, limited) {
                        (Some(reason), true) => {
                            self.skipped(incident, step, StepStatus::BlastRadiusExceeded, reason)
                        }
                        _ => {
                            let (record, error) = self.run_step(incident, step, &summary).await;
                            if let Some(error) = error.filter(ActionError::is_retryable) {
                                retryable_failure.get_or_insert_with(|| error.to_string());
                            }
                            record
                        }
                    }
                }
            };
            summary.push(format!(
                "{} {} on {}: {:?}",
                step.rule,
                step.action.kind(),
                step.target.id,
                record.status
            ));
            incident.record(
                record.finished_at,
                step.action.kind().phase(),
                format!(
                    "{}{} on {}: {}",
                    step.action.kind(),
                    if step.mode == Mode::DryRun {
                        " (dry-run)"
                    } else {
                        ""
                    },
                    step.target.id,
                    serde_json::to_value(record.status)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default()
                ),
            );
            if step.mode == Mode::Enforce {
                self.state
                    .put(
                        &incident_pk(&incident.id),
                        &format!("step#{seq:03}#{}", step.step_id),
                        &to_value(&record),
                        self.record_ttl,
                    )
                    .await?;
                if let (Some(c), StepStatus::Applied | StepStatus::NoChange) =
                    (correlation, record.status)
                {
                    self.state
                        .put(
                            &c.key.pk,
                            &CorrelationKey::done_sk(step),
                            &correlate::claim(&incident.id),
                            self.correlation_window,
                        )
                        .await?;
                }
            }
            self.write_audit(incident, &record, "respond", None).await;
            records.push(record);
        }
        let failed = records.iter().any(|r| r.status == StepStatus::Failed);
        if escalation.is_some() || failed {
            let reason = escalation
                .clone()
                .unwrap_or_else(|| "an action failed".to_string());
            if let Some(record) = self.escalate(incident, &reason, &summary).await {
                records.push(record);
            }
        }
        let outcome = if failed {
            Outcome::Failed
        } else if escalation.is_some() {
            Outcome::Escalated
        } else if records
            .iter()
            .any(|r| r.status == StepStatus::AwaitingApproval)
        {
            Outcome::AwaitingApproval
        } else if correlation.is_some_and(|c| c.first.is_some())
            && records
                .iter()
                .all(|r| r.mode == Mode::Enforce && r.status == StepStatus::Excluded)
        {
            Outcome::Correlated
        } else if records
            .iter()
            .all(|r| r.mode == Mode::DryRun || r.status == StepStatus::Excluded)
        {
            Outcome::DryRun
        } else {
            Outcome::Contained
        };
        let enforced: Vec<&StepRecord> = records
            .iter()
            .filter(|r| r.mode == Mode::Enforce && r.status != StepStatus::Excluded)
            .collect();
        let alert_to_contained_ms = (outcome == Outcome::Contained && !enforced.is_empty())
            .then(|| enforced.iter().map(|r| r.finished_at).max())
            .flatten()
            .map(|end| (end - incident.detected_at).num_milliseconds());
        if outcome == Outcome::Contained {
            incident.record(self.now(), NistPhase::Containment, "incident contained");
        }
        info!(outcome = ?outcome, steps = records.len(), alert_to_contained_ms, "incident handled");
        if let Some(error) = retryable_failure {
            return Err(PipelineError::Retryable(error));
        }
        Ok(IncidentReport {
            incident: incident.clone(),
            outcome,
            steps: records,
            alert_to_contained_ms,
        })
    }

    /// Counts this step against both limits; `Some(reason)` when either is exceeded.
    async fn blast_radius_exceeded(
        &self,
        step: &PlannedStep,
    ) -> Result<Option<String>, PipelineError> {
        let limits = &self.playbook.blast_radius;
        let window_secs = self.window.as_secs().max(1);
        let bucket = (self.now().timestamp().max(0) as u64) / window_secs;
        let ttl = self.window * 2;
        let per_resource = self
            .state
            .increment(
                &format!("blast#resource#{}", step.target.id),
                &bucket.to_string(),
                ttl,
            )
            .await?;
        let per_action = self
            .state
            .increment(
                &format!("blast#action#{}", step.action.kind()),
                &bucket.to_string(),
                ttl,
            )
            .await?;
        Ok(if per_resource > u64::from(limits.per_resource) {
            Some(format!(
                "blast radius: {per_resource} actions on {} within {} (limit {})",
                step.target.id, limits.window, limits.per_resource
            ))
        } else if per_action > u64::from(limits.per_action) {
            Some(format!(
                "blast radius: {per_action} {} actions within {} (limit {})",
                step.action.kind(),
                limits.window,
                limits.per_action
            ))
        } else {
            None
        })
    }

    /// Runs one step with retries. The error, if any, is returned beside the record so the
    /// caller can tell "retry the whole delivery" from "report and move on".
    async fn run_step(
        &self,
        incident: &Incident,
        step: &PlannedStep,
        summary: &[String],
    ) -> (StepRecord, Option<ActionError>) {
        let started_at = self.now();
        let request = ActionRequest {
            incident,
            step_id: &step.step_id,
            action: &step.action,
            target: &step.target,
            mode: step.mode,
            summary,
        };
        let span = tracing::info_span!("action", action = %step.action.kind(), resource = %step.target.id, mode = ?step.mode);
        let _guard = span.enter();
        let (result, attempts) = self.with_retries(|| self.remediator.apply(&request)).await;
        let mut record = self.skipped(incident, step, StepStatus::Failed, "");
        record.details.clear();
        record.started_at = started_at;
        record.attempts = attempts;
        match result {
            Ok(outcome) => {
                record.status = match (step.mode, outcome.changed) {
                    (Mode::DryRun, _) => StepStatus::DryRun,
                    (Mode::Enforce, true) => StepStatus::Applied,
                    (Mode::Enforce, false) => StepStatus::NoChange,
                };
                record.prior_state = outcome.prior_state;
                record.new_state = outcome.new_state;
                record.details = outcome.details;
                info!(status = ?record.status, "action finished");
            }
            Err(error) => {
                warn!(error = %error, attempts, "action failed");
                record.error = Some(error.to_string());
                record.finished_at = self.now();
                return (record, Some(error));
            }
        }
        record.finished_at = self.now();
        (record, None)
    }

    async fn with_retries<'a, F, Fut, T>(&self, mut call: F) -> (Result<T, ActionError>, u32)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, ActionError>> + 'a,
    {
        let max = self.playbook.defaults.attempts.max(1);
        let mut attempt = 1;
        loop {
            match call().await {
                Err(e) if e.is_retryable() && attempt < max => {
                    let delay = self.retry_base * 2u32.saturating_pow(attempt - 1);
                    warn!(error = %e, attempt, delay_ms = delay.as_millis() as u64, "retrying");
                    tokio_sleep(delay).await;
                    attempt += 1;
                }
                other => return (other, attempt),
            }
        }
    }

    fn skipped(
        &self,
        incident: &Incident,
        step: &PlannedStep,
        status: StepStatus,
        note: &str,
    ) -> StepRecord {
        let now = self.now();
        StepRecord {
            incident_id: incident.id.clone(),
            step_id: step.step_id.clone(),
            rule: step.rule.clone(),
            action: step.action.clone(),
            target: step.target.clone(),
            mode: step.mode,
            status,
            prior_state: Value::Null,
            new_state: Value::Null,
            details: if note.is_empty() {
                Vec::new()
            } else {
                vec![note.to_string()]
            },
            error: None,
            attempts: 0,
            started_at: now,
            finished_at: now,
        }
    }

    /// Tell a human when aiir stopped itself or failed. Without an escalation topic the
    /// report, audit record and logs still carry it.
    async fn escalate(
        &self,
        incident: &Incident,
        reason: &str,
        summary: &[String],
    ) -> Option<StepRecord> {
        let topic = self.playbook.defaults.escalation_topic.clone()?;
        let step = PlannedStep {
            step_id: format!("{}-escalation", incident.id),
            rule: "escalation".into(),
            action: ActionSpec::Notify {
                topic: topic.clone(),
            },
            target: ResourceRef::new(ResourceKind::Other, topic),
            mode: Mode::Enforce,
            decision: Decision::Execute,
        };
        let mut lines = vec![format!("ESCALATION: {reason}")];
        lines.extend_from_slice(summary);
        let (record, _) = self.run_step(incident, &step, &lines).await;
        self.write_audit(incident, &record, "escalate", None).await;
        Some(record)
    }

    async fn approve(
        &self,
        approval_id: &str,
        approver: &str,
        dry_run: bool,
    ) -> Result<StepRecord, PipelineError> {
        let pk = format!("approval#{approval_id}");
        // Dry-run peeks; enforce takes, so two concurrent approvals act once.
        let stored = if dry_run {
            self.state.get(&pk, "pending").await?
        } else {
            self.state.take(&pk, "pending").await?
        };
        let Some(value) = stored else {
            return Err(PipelineError::Rejected(format!(
                "no pending approval `{approval_id}`: it was already approved, expired, or never requested"
            )));
        };
        let pending: PendingApproval = serde_json::from_value(value).map_err(|e| {
            PipelineError::State(StateError::Corrupt {
                key: pk.clone(),
                message: e.to_string(),
            })
        })?;
        let mut step = pending.step;
        let incident = pending.incident;
        step.mode = if dry_run { Mode::DryRun } else { Mode::Enforce };
        info!(incident_id = %incident.id, approval_id, approver, "approved");
        let (record, error) = match self.blast_radius_exceeded(&step).await? {
            Some(reason) if !dry_run => (
                self.skipped(&incident, &step, StepStatus::BlastRadiusExceeded, &reason),
                None,
            ),
            _ => {
                self.run_step(&incident, &step, &[format!("approved by {approver}")])
                    .await
            }
        };
        if !dry_run {
            self.state
                .put(
                    &incident_pk(&incident.id),
                    &format!("step#approved#{}", step.step_id),
                    &to_value(&record),
                    self.record_ttl,
                )
                .await?;
        }
        self.write_audit(&incident, &record, "approve", Some(approver))
            .await;
        if let Some(error) = error.filter(ActionError::is_retryable) {
            if !dry_run {
                // Put the approval back so the redelivered `approve` can act.
                let pending = PendingApproval { incident, step };
                self.state
                    .put(&pk, "pending", &to_value(&pending), self.approval_ttl)
                    .await?;
            }
            return Err(PipelineError::Retryable(error.to_string()));
        }
        Ok(record)
    }

    async fn undo(
        &self,
        incident_id: &str,
        only: &[String],
        operator: &str,
        dry_run: bool,
    ) -> Result<Vec<StepRecord>, PipelineError> {
        let pk = incident_pk(incident_id);
        let items = self.state.query(&pk).await?;
        let incident: Incident = items
            .iter()
            .find(|(sk, _)| sk == INCIDENT_SK)
            .and_then(|(_, v)| serde_json::from_value(v.clone()).ok())
            .ok_or_else(|| {
                PipelineError::Rejected(format!(
                    "no recorded incident `{incident_id}` (expired, or it only ran in dry-run)"
                ))
            })?;
        let mut steps: Vec<(String, StepRecord)> = items
            .into_iter()
            .filter(|(sk, _)| sk.starts_with("step#"))
            .filter_map(|(sk, v)| serde_json::from_value(v).ok().map(|r| (sk, r)))
            .filter(|(_, r): &(String, StepRecord)| only.is_empty() || only.contains(&r.step_id))
            .collect();
        // Undo in reverse order of execution.
        steps.reverse();
        let mut results = Vec::new();
        for (sk, record) in steps {
            // Nothing was changed (or it was already undone); a sent message or page cannot be
            // taken back.
            if record.status != StepStatus::Applied || !record.action.kind().is_reversible() {
                continue;
            }
            let started_at = self.now();
            let mut undone = record.clone();
            undone.started_at = started_at;
            if dry_run {
                undone.status = StepStatus::DryRun;
                undone.mode = Mode::DryRun;
                undone.details = vec![format!(
                    "would restore {} on {} to: {}",
                    record.action.kind(),
                    record.target.id,
                    record.prior_state
                )];
                undone.finished_at = self.now();
                results.push(undone);
                continue;
            }
            let span = tracing::info_span!("undo", incident_id, action = %record.action.kind(), resource = %record.target.id);
            let _guard = span.enter();
            let (result, attempts) = self.with_retries(|| self.remediator.undo(&record)).await;
            undone.attempts = attempts;
            match result {
                Ok(outcome) => {
                    undone.status = StepStatus::Undone;
                    undone.details = outcome.details;
                    undone.new_state = outcome.new_state;
                }
                Err(error) => {
                    undone.status = StepStatus::UndoFailed;
                    undone.error = Some(error.to_string());
                }
            }
            undone.finished_at = self.now();
            if undone.status == StepStatus::Undone {
                // Keep the original prior state so the record still explains what happened.
                self.state
                    .put(&pk, &sk, &to_value(&undone), self.record_ttl)
                    .await?;
            }
            self.write_audit(&incident, &undone, "undo", Some(operator))
                .await;
            results.push(undone);
        }
        Ok(results)
    }

    async fn write_audit(
        &self,
        incident: &Incident,
        step: &StepRecord,
        trigger: &str,
        operator: Option<&str>,
    ) {
        let record = AuditRecord {
            cloud: self.remediator.cloud(),
            incident_id: incident.id.clone(),
            fingerprint: incident.fingerprint.clone(),
            kind: incident.kind,
            severity: incident.severity,
            trigger: trigger.to_string(),
            operator: operator.map(String::from),
            step: step.clone(),
        };
        info!(
            incident_id = %incident.id,
            action = %step.action.kind(),
            resource = %step.target.id,
            status = ?step.status,
            trigger,
            "audit"
        );
        // The structured log line above is the fallback record; a sink failure is loud, not fatal.
        if let Err(error) = self.audit.write(&record).await {
            warn!(error = %error, incident_id = %incident.id, "audit sink failed; record kept in the log only");
        }
    }
}

fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

async fn tokio_sleep(duration: Duration) {
    tokio::time::sleep(duration).await;
}
