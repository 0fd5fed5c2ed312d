//! The responder on AWS against moto: DynamoDB state, S3 audit, AWS remediator and the default
//! playbook (environment from the seeded deployment). Needs the pinned moto: `make venv-moto`.
use aiir_aws::S3AuditSink;
use aiir_core::audit::{AuditRecord, StepStatus};
use aiir_core::model::{IncidentKind, ResourceKind, ResourceRef, Severity};
use aiir_core::operator::OperatorEvent;
use aiir_core::pipeline::{Outcome, Report, Request, Responder};
use aiir_e2e::aws_seed::TEST_WAIT;
use aiir_e2e::aws_support::{aws_env, AwsEnv};
use anyhow::{Context, Result};

fn drill(id: &str, title: &str, kind: IncidentKind, resources: Vec<ResourceRef>) -> Request {
    Request::Operator(OperatorEvent::Drill {
        drill_id: id.into(),
        title: title.into(),
        kind,
        severity: Severity::High,
        resources,
        labels: Default::default(),
    })
}

fn responder(env: &AwsEnv) -> Result<Responder> {
    Ok(env
        .d
        .responder(&env.clients, env.d.playbook(None)?, TEST_WAIT))
}

fn statuses(report: &Report) -> Vec<(String, StepStatus)> {
    report
        .incidents
        .iter()
        .flat_map(|i| &i.steps)
        .map(|s| (format!("{} {}", s.action.kind(), s.target.id), s.status))
        .collect()
}

const SIGNATURE: &str = "4d1c9a7e0f3b2a6c8d5e7f9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c";
const CALLER: &str = "203.0.113.66";

fn prompt_attack() -> Vec<ResourceRef> {
    vec![
        ResourceRef::new(ResourceKind::Prompt, SIGNATURE),
        ResourceRef::new(ResourceKind::Caller, CALLER),
    ]
}

async fn audit_records(env: &AwsEnv) -> Result<Vec<(String, AuditRecord, String)>> {
    let mut out = Vec::new();
    for key in env.audit_keys().await? {
        let object = env
            .clients
            .s3
            .get_object()
            .bucket(&env.d.audit_bucket)
            .key(&key)
            .send()
            .await?;
        let text = String::from_utf8(object.body.collect().await?.into_bytes().to_vec())?;
        let record: AuditRecord =
            serde_json::from_str(&text).with_context(|| format!("audit object {key}"))?;
        out.push((key, record, text));
    }
    Ok(out)
}

#[tokio::test]
async fn redelivered_alert_acts_once() -> Result<()> {
    let env = aws_env().await?;
    let responder = responder(&env)?;
    let alert = || {
        drill(
            "prompt-injection-1",
            "Prompt injection on chat",
            IncidentKind::PromptAttack,
            prompt_attack(),
        )
    };
    let (versions_before, _) = env.secret_versions(&env.d.plain_secret).await?;

    let first = responder.handle(alert(), false).await?;
    assert_eq!(
        first.incidents[0].outcome,
        Outcome::Contained,
        "{:?}",
        statuses(&first)
    );
    let steps = statuses(&first);
    assert_eq!(steps.len(), 4, "{steps:?}");
    assert!(
        steps.iter().all(|(_, s)| *s == StepStatus::Applied),
        "{steps:?}"
    );
    assert!(first.incidents[0].alert_to_contained_ms.is_some());

    let second = responder.handle(alert(), false).await?;
    assert_eq!(second.incidents[0].outcome, Outcome::Duplicate);
    assert!(second.incidents[0].steps.is_empty());

    // Acted exactly once.
    assert!(env.blocklisted(SIGNATURE).await?);
    assert_eq!(
        env.ip_set_addresses().await?,
        vec!["198.51.100.0/24".to_string(), "203.0.113.66/32".into()]
    );
    let (versions_after, _) = env.secret_versions(&env.d.plain_secret).await?;
    assert_eq!(
        versions_after.len(),
        versions_before.len() + 1,
        "rotated once: {versions_after:?}"
    );
    let messages = env.messages().await?;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].1.contains("block-prompt"), "{}", messages[0].1);

    // One audit object per step, in the documented layout, without secret values.
    let records = audit_records(&env).await?;
    assert_eq!(records.len(), 4);
    let incident_id = &first.incidents[0].incident.id;
    for (key, record, text) in &records {
        let expected = S3AuditSink::key_for(record);
        assert_eq!(key, &expected);
        assert!(
            key.starts_with("audit/")
                && key.contains(&format!("/{incident_id}/"))
                && key.contains("-respond-"),
            "{key}"
        );
        assert_eq!(record.step.status, StepStatus::Applied);
        assert!(
            !text.contains("sk-live"),
            "secret value in audit record {key}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn excluded_resource_is_untouched() -> Result<()> {
    let env = aws_env().await?;
    let responder = responder(&env)?;
    let key = env.d.training_objects[1].clone();
    let bucket = ResourceRef::new(ResourceKind::Bucket, env.d.training_bucket.clone())
        .with_tag("aiir:exempt", "true");
    let object = ResourceRef::new(
        ResourceKind::Object,
        format!("{}/{key}", env.d.training_bucket),
    )
    .with_tag("aiir:exempt", "true");
    let access_before = env.bucket_access(&env.d.training_bucket).await?;
    let object_before = env.object(&env.d.training_bucket, &key).await?;

    let report = responder
        .handle(
            drill(
                "leak-exempt",
                "Training data exposed",
                IncidentKind::DataLeakage,
                vec![bucket, object],
            ),
            false,
        )
        .await?;
    let steps = statuses(&report);
    let excluded: Vec<_> = steps
        .iter()
        .filter(|(_, s)| *s == StepStatus::Excluded)
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(excluded.len(), 2, "{steps:?}");
    assert!(
        excluded.iter().any(|n| n.starts_with("lock-public-access"))
            && excluded.iter().any(|n| n.starts_with("quarantine-data"))
    );
    assert_eq!(
        env.bucket_access(&env.d.training_bucket).await?,
        access_before
    );
    assert_eq!(
        env.object(&env.d.training_bucket, &key).await?,
        object_before
    );
    Ok(())
}

#[tokio::test]
async fn blast_radius_limit_stops_and_escalates() -> Result<()> {
    let env = aws_env().await?;
    let responder = responder(&env)?;
    let endpoint = ResourceRef::new(ResourceKind::ModelEndpoint, env.d.endpoint_arn.clone());
    let drift = |n: u32| {
        drill(
            &format!("drift-{n}"),
            "Feature drift high on fraud-detector",
            IncidentKind::ModelDrift,
            vec![endpoint.clone()],
        )
    };
    // per_resource = 3 per hour in the default playbook.
    let first = responder.handle(drift(1), false).await?;
    assert_eq!(first.incidents[0].steps[0].status, StepStatus::Applied);
    for n in 2..=3 {
        let report = responder.handle(drift(n), false).await?;
        assert_eq!(
            report.incidents[0].steps[0].status,
            StepStatus::NoChange,
            "{:?}",
            statuses(&report)
        );
    }
    // The bad config comes back (a pipeline redeploys it); the fourth action is one too many.
    env.clients
        .sagemaker
        .update_endpoint()
        .endpoint_name(&env.d.endpoint_name)
        .endpoint_config_name(&env.d.bad_config)
        .send()
        .await?;
    aiir_e2e::aws_seed::wait_in_service(&env.clients, &env.d.endpoint_name).await?;
    let fourth = responder.handle(drift(4), false).await?;
    assert_eq!(
        fourth.incidents[0].outcome,
        Outcome::Escalated,
        "{:?}",
        statuses(&fourth)
    );
    let stopped = &fourth.incidents[0].steps[0];
    assert_eq!(stopped.status, StepStatus::BlastRadiusExceeded);
    assert!(
        stopped.details.join(" ").contains("limit 3"),
        "{:?}",
        stopped.details
    );
    assert_eq!(
        env.endpoint_config().await?.as_deref(),
        Some(env.d.bad_config.as_str()),
        "stopped: untouched"
    );
    let escalation = fourth.incidents[0]
        .steps
        .iter()
        .find(|s| s.rule == "escalation")
        .context("no escalation step")?;
    assert_eq!(escalation.status, StepStatus::Applied);
    let messages = env.messages().await?;
    assert!(
        messages
            .iter()
            .any(|(_, m)| m.contains("ESCALATION: blast radius")
                && m.contains(&fourth.incidents[0].incident.id)),
        "{messages:?}"
    );
    Ok(())
}

#[tokio::test]
async fn approval_gated_action_waits_for_approve() -> Result<()> {
    let env = aws_env().await?;
    let responder = responder(&env)?;
    let endpoint = ResourceRef::new(ResourceKind::ModelEndpoint, env.d.endpoint_name.clone());
    let report = responder
        .handle(
            drill(
                "5xx-1",
                "Invocation errors on fraud-detector",
                IncidentKind::Availability,
                vec![endpoint],
            ),
            false,
        )
        .await?;
    assert_eq!(
        report.incidents[0].outcome,
        Outcome::AwaitingApproval,
        "{:?}",
        statuses(&report)
    );
    let waiting = report.incidents[0]
        .steps
        .iter()
        .find(|s| s.status == StepStatus::AwaitingApproval)
        .context("no step awaits approval")?;
    assert_eq!(
        env.endpoint_config().await?.as_deref(),
        Some(env.d.bad_config.as_str()),
        "nothing before approve"
    );

    let approve = || {
        Request::Operator(OperatorEvent::Approve {
            approval_id: waiting.step_id.clone(),
            approver: "oncall@acme".into(),
        })
    };
    let approved = responder.handle(approve(), false).await?;
    assert_eq!(
        approved.operator_steps[0].status,
        StepStatus::Applied,
        "{:?}",
        approved.operator_steps
    );
    assert_eq!(
        env.endpoint_config().await?.as_deref(),
        Some(env.d.good_config.as_str())
    );
    // An approval acts once.
    assert!(responder.handle(approve(), false).await.is_err());
    let records = audit_records(&env).await?;
    assert!(records
        .iter()
        .any(|(k, r, _)| k.contains("-approve-") && r.operator.as_deref() == Some("oncall@acme")));
    Ok(())
}

#[tokio::test]
async fn undo_restores_prior_state() -> Result<()> {
    let env = aws_env().await?;
    let responder = responder(&env)?;
    let key = env.d.training_objects[0].clone();
    let resources = vec![
        ResourceRef::new(ResourceKind::Bucket, env.d.training_bucket.clone()),
        ResourceRef::new(
            ResourceKind::Object,
            format!("{}/{key}", env.d.training_bucket),
        ),
        ResourceRef::new(ResourceKind::Secret, env.d.plain_secret.clone()),
    ];
    let access_before = env.bucket_access(&env.d.training_bucket).await?;
    let object_before = env.object(&env.d.training_bucket, &key).await?;
    let (_, secret_before) = env.secret_versions(&env.d.plain_secret).await?;

    let report = responder
        .handle(
            drill(
                "leak-1",
                "Training data exposed publicly",
                IncidentKind::DataLeakage,
                resources,
            ),
            false,
        )
        .await?;
    assert_eq!(
        report.incidents[0].outcome,
        Outcome::Contained,
        "{:?}",
        statuses(&report)
    );
    assert_ne!(
        env.bucket_access(&env.d.training_bucket).await?,
        access_before
    );
    assert!(env.object(&env.d.training_bucket, &key).await?.is_none());
    assert_ne!(
        env.secret_versions(&env.d.plain_secret).await?.1,
        secret_before
    );

    let incident_id = report.incidents[0].incident.id.clone();
    let undo = Request::Operator(OperatorEvent::Undo {
        incident_id,
        steps: Vec::new(),
        operator: "ir-lead".into(),
    });
    let undone = responder.handle(undo, false).await?;
    assert!(
        undone
            .operator_steps
            .iter()
            .all(|s| s.status == StepStatus::Undone),
        "{:?}",
        undone.operator_steps
    );
    let undone_steps: Vec<_> = undone
        .operator_steps
        .iter()
        .map(|s| format!("{} {}", s.action.kind(), s.target.id))
        .collect();
    // Every step that changed a resource is undone (a sent notification has nothing to undo).
    for (step, _) in statuses(&report)
        .iter()
        .filter(|(n, _)| !n.starts_with("notify"))
    {
        assert!(
            undone_steps.contains(step),
            "{step} not undone: {undone_steps:?}"
        );
    }
    assert_eq!(
        env.bucket_access(&env.d.training_bucket).await?,
        access_before
    );
    assert_eq!(
        env.object(&env.d.training_bucket, &key).await?,
        object_before
    );
    assert_eq!(
        env.secret_versions(&env.d.plain_secret).await?.1,
        secret_before
    );
    let records = audit_records(&env).await?;
    let undo_keys: Vec<_> = records
        .iter()
        .map(|(k, _, _)| k)
        .filter(|k| k.contains("-undo-"))
        .collect();
    assert_eq!(undo_keys.len(), undone_steps.len(), "{undo_keys:#?}");
    Ok(())
}

#[tokio::test]
async fn dry_run_changes_nothing_and_does_not_suppress_the_real_alert() -> Result<()> {
    let env = aws_env().await?;
    let responder = responder(&env)?;
    let key = env.d.training_objects[2].clone();
    let resources = vec![
        ResourceRef::new(ResourceKind::Bucket, env.d.training_bucket.clone()),
        ResourceRef::new(
            ResourceKind::Object,
            format!("{}/{key}", env.d.training_bucket),
        ),
    ];
    let alert = || {
        drill(
            "leak-dry",
            "Training data exposed",
            IncidentKind::Exposure,
            resources.clone(),
        )
    };
    let access_before = env.bucket_access(&env.d.training_bucket).await?;
    let rehearsal = responder.handle(alert(), true).await?;
    assert_eq!(rehearsal.incidents[0].outcome, Outcome::DryRun);
    for step in &rehearsal.incidents[0].steps {
        assert_eq!(step.status, StepStatus::DryRun);
        assert!(
            step.details.iter().all(|d| d.starts_with("would")),
            "{:?}",
            step.details
        );
    }
    assert_eq!(
        env.bucket_access(&env.d.training_bucket).await?,
        access_before
    );
    assert!(env.object(&env.d.training_bucket, &key).await?.is_some());
    assert!(env.messages().await?.is_empty());
    let real = responder.handle(alert(), false).await?;
    assert_eq!(
        real.incidents[0].outcome,
        Outcome::Contained,
        "{:?}",
        statuses(&real)
    );
    Ok(())
}
