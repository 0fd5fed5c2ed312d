//! Every AWS action against moto: dry-run (nothing changes, details say what would), enforce
//! (changed, verified, prior state recorded), repeat (no change), undo (prior state back).
//! Needs the pinned moto: `make venv-moto`.
use aiir_core::action::ActionSpec;
use aiir_core::model::{IncidentKind, ResourceKind, ResourceRef};
use aiir_core::playbook::Mode;
use aiir_e2e::aws_support::{aws_env, incident, AwsEnv};
use anyhow::{ensure, Result};

fn joined(details: &[String]) -> String {
    details.join("\n")
}

// ------------------------------------------------------------------------- rollback-model

fn rollback() -> ActionSpec {
    ActionSpec::RollbackModel {
        endpoint: None,
        to: None,
    }
}

fn endpoint(env: &AwsEnv) -> ResourceRef {
    ResourceRef::new(ResourceKind::ModelEndpoint, env.d.endpoint_arn.clone())
}

#[tokio::test]
async fn rollback_model_dry_run() -> Result<()> {
    let env = aws_env().await?;
    let target = endpoint(&env);
    let inc = incident(IncidentKind::ModelDrift, vec![target.clone()]);
    let out = env.apply(&inc, &rollback(), &target, Mode::DryRun).await?;
    assert!(out.changed);
    let text = joined(&out.details);
    assert!(text.contains("would update endpoint fraud-detector from config fraud-config-v2 to known-good config fraud-config-v1"), "{text}");
    assert_eq!(
        env.endpoint_config().await?.as_deref(),
        Some("fraud-config-v2")
    );
    Ok(())
}

#[tokio::test]
async fn rollback_model_enforce() -> Result<()> {
    let env = aws_env().await?;
    let target = endpoint(&env);
    let inc = incident(IncidentKind::ModelDrift, vec![target.clone()]);
    let out = env.apply(&inc, &rollback(), &target, Mode::Enforce).await?;
    assert!(out.changed);
    assert_eq!(out.prior_state["endpoint_config_name"], "fraud-config-v2");
    assert_eq!(out.new_state["endpoint_config_name"], "fraud-config-v1");
    assert_eq!(out.new_state["status"], "InService");
    assert_eq!(
        env.endpoint_config().await?.as_deref(),
        Some("fraud-config-v1")
    );
    // Pinned target wins over the tag.
    let pinned = ActionSpec::RollbackModel {
        endpoint: None,
        to: Some("fraud-config-v2".into()),
    };
    let out = env.apply(&inc, &pinned, &target, Mode::Enforce).await?;
    assert!(out.changed && joined(&out.details).contains("pinned"));
    assert_eq!(
        env.endpoint_config().await?.as_deref(),
        Some("fraud-config-v2")
    );
    Ok(())
}

#[tokio::test]
async fn rollback_model_repeat_is_noop() -> Result<()> {
    let env = aws_env().await?;
    let target = endpoint(&env);
    let inc = incident(IncidentKind::ModelDrift, vec![target.clone()]);
    assert!(
        env.apply(&inc, &rollback(), &target, Mode::Enforce)
            .await?
            .changed
    );
    let again = env.apply(&inc, &rollback(), &target, Mode::Enforce).await?;
    assert!(!again.changed, "{:?}", again.details);
    assert_eq!(
        env.endpoint_config().await?.as_deref(),
        Some("fraud-config-v1")
    );
    Ok(())
}

#[tokio::test]
async fn rollback_model_undo() -> Result<()> {
    let env = aws_env().await?;
    let target = endpoint(&env);
    let inc = incident(IncidentKind::ModelDrift, vec![target.clone()]);
    let out = env.apply(&inc, &rollback(), &target, Mode::Enforce).await?;
    let record = AwsEnv::record(&inc, &rollback(), &target, &out);
    let undone = env.undo(&record).await?;
    assert!(undone.changed);
    assert_eq!(
        env.endpoint_config().await?.as_deref(),
        Some("fraud-config-v2")
    );
    assert!(!env.undo(&record).await?.changed, "undo is idempotent");
    Ok(())
}

// ------------------------------------------------------------------------ disable-endpoint

fn disable() -> ActionSpec {
    ActionSpec::DisableEndpoint { endpoint: None }
}

fn function(env: &AwsEnv) -> ResourceRef {
    ResourceRef::new(ResourceKind::Function, env.d.function_arn.clone())
}

#[tokio::test]
async fn disable_endpoint_dry_run() -> Result<()> {
    let env = aws_env().await?;
    let (ep, func) = (endpoint(&env), function(&env));
    let inc = incident(IncidentKind::ModelIntegrity, vec![ep.clone(), func.clone()]);
    let out = env.apply(&inc, &disable(), &ep, Mode::DryRun).await?;
    assert!(joined(&out.details).contains("would delete endpoint fraud-detector (status InService), keeping its endpoint config fraud-config-v2"));
    let out = env.apply(&inc, &disable(), &func, Mode::DryRun).await?;
    assert!(joined(&out.details).contains(
        "would set reserved concurrency of function chat-inference to 0 (now reserved 50)"
    ));
    assert_eq!(
        env.endpoint_config().await?.as_deref(),
        Some("fraud-config-v2")
    );
    assert_eq!(env.function_concurrency().await?, Some(50));
    Ok(())
}

#[tokio::test]
async fn disable_endpoint_enforce() -> Result<()> {
    let env = aws_env().await?;
    let (ep, func) = (endpoint(&env), function(&env));
    let inc = incident(IncidentKind::ModelIntegrity, vec![ep.clone(), func.clone()]);
    let out = env.apply(&inc, &disable(), &ep, Mode::Enforce).await?;
    assert!(out.changed);
    assert_eq!(out.prior_state["endpoint_config_name"], "fraud-config-v2");
    assert_eq!(env.endpoint_config().await?, None, "endpoint deleted");
    env.clients
        .sagemaker
        .describe_endpoint_config()
        .endpoint_config_name("fraud-config-v2")
        .send()
        .await?;
    let out = env.apply(&inc, &disable(), &func, Mode::Enforce).await?;
    assert!(out.changed);
    assert_eq!(out.prior_state["reserved_concurrency"], 50);
    assert_eq!(env.function_concurrency().await?, Some(0));
    Ok(())
}

#[tokio::test]
async fn disable_endpoint_repeat_is_noop() -> Result<()> {
    let env = aws_env().await?;
    let (ep, func) = (endpoint(&env), function(&env));
    let inc = incident(IncidentKind::ModelIntegrity, vec![ep.clone(), func.clone()]);
    for target in [&ep, &func] {
        assert!(
            env.apply(&inc, &disable(), target, Mode::Enforce)
                .await?
                .changed
        );
        assert!(
            !env.apply(&inc, &disable(), target, Mode::Enforce)
                .await?
                .changed
        );
    }
    assert_eq!(env.endpoint_config().await?, None);
    assert_eq!(env.function_concurrency().await?, Some(0));
    Ok(())
}

#[tokio::test]
async fn disable_endpoint_undo() -> Result<()> {
    let env = aws_env().await?;
    let (ep, func) = (endpoint(&env), function(&env));
    let inc = incident(IncidentKind::ModelIntegrity, vec![ep.clone(), func.clone()]);
    for target in [&ep, &func] {
        let out = env.apply(&inc, &disable(), target, Mode::Enforce).await?;
        let record = AwsEnv::record(&inc, &disable(), target, &out);
        assert!(env.undo(&record).await?.changed);
        assert!(!env.undo(&record).await?.changed, "undo is idempotent");
    }
    assert_eq!(
        env.endpoint_config().await?.as_deref(),
        Some("fraud-config-v2")
    );
    let tags = env
        .clients
        .sagemaker
        .list_tags()
        .resource_arn(&env.d.endpoint_arn)
        .send()
        .await?;
    ensure!(
        tags.tags()
            .iter()
            .any(|t| t.key() == Some("aiir:known-good-config")),
        "tags restored"
    );
    assert_eq!(env.function_concurrency().await?, Some(50));
    Ok(())
}

// ---------------------------------------------------------------------------- block-prompt

const SIGNATURE: &str = "9f2c1e0b7a5d4c3b2a1908f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3a";
const CALLER: &str = "203.0.113.7";

fn block(env: &AwsEnv) -> ActionSpec {
    ActionSpec::BlockPrompt {
        blocklist: env.d.blocklist_table.clone(),
        ip_set: Some(env.d.ip_set_arn.clone()),
    }
}

fn prompt_targets() -> [ResourceRef; 2] {
    [
        ResourceRef::new(ResourceKind::Prompt, SIGNATURE),
        ResourceRef::new(ResourceKind::Caller, CALLER),
    ]
}

#[tokio::test]
async fn block_prompt_dry_run() -> Result<()> {
    let env = aws_env().await?;
    let inc = incident(IncidentKind::PromptAttack, prompt_targets().to_vec());
    let [sig, ip] = prompt_targets();
    let before = env.ip_set_addresses().await?;
    let out = env.apply(&inc, &block(&env), &sig, Mode::DryRun).await?;
    assert!(joined(&out.details).contains(&format!("would add prompt signature {SIGNATURE} to blocklist table guardrail-blocklist (key `signature`)")));
    let out = env.apply(&inc, &block(&env), &ip, Mode::DryRun).await?;
    assert!(joined(&out.details)
        .contains("would add 203.0.113.7/32 to WAF IP set aiir-blocked-callers (1 → 2 addresses)"));
    assert!(!env.blocklisted(SIGNATURE).await?);
    assert_eq!(env.ip_set_addresses().await?, before);
    Ok(())
}

#[tokio::test]
async fn block_prompt_enforce() -> Result<()> {
    let env = aws_env().await?;
    let inc = incident(IncidentKind::PromptAttack, prompt_targets().to_vec());
    let [sig, ip] = prompt_targets();
    let out = env.apply(&inc, &block(&env), &sig, Mode::Enforce).await?;
    assert!(out.changed && out.prior_state["present"] == false);
    assert!(env.blocklisted(SIGNATURE).await?);
    let out = env.apply(&inc, &block(&env), &ip, Mode::Enforce).await?;
    assert!(out.changed && out.prior_state["addresses_before"] == 1);
    assert_eq!(
        env.ip_set_addresses().await?,
        vec!["198.51.100.0/24".to_string(), "203.0.113.7/32".into()]
    );
    // Without an IP set the caller is reported, not blocked, and nothing fails.
    let no_waf = ActionSpec::BlockPrompt {
        blocklist: env.d.blocklist_table.clone(),
        ip_set: Some(String::new()),
    };
    let out = env
        .apply(
            &inc,
            &no_waf,
            &ResourceRef::new(ResourceKind::Caller, "192.0.2.1"),
            Mode::Enforce,
        )
        .await?;
    assert!(!out.changed && joined(&out.details).contains("no WAF IP set configured"));
    Ok(())
}

#[tokio::test]
async fn block_prompt_repeat_is_noop() -> Result<()> {
    let env = aws_env().await?;
    let inc = incident(IncidentKind::PromptAttack, prompt_targets().to_vec());
    for target in prompt_targets() {
        assert!(
            env.apply(&inc, &block(&env), &target, Mode::Enforce)
                .await?
                .changed
        );
        assert!(
            !env.apply(&inc, &block(&env), &target, Mode::Enforce)
                .await?
                .changed
        );
    }
    assert_eq!(env.ip_set_addresses().await?.len(), 2);
    Ok(())
}

#[tokio::test]
async fn block_prompt_undo() -> Result<()> {
    let env = aws_env().await?;
    let inc = incident(IncidentKind::PromptAttack, prompt_targets().to_vec());
    for target in prompt_targets() {
        let out = env
            .apply(&inc, &block(&env), &target, Mode::Enforce)
            .await?;
        let record = AwsEnv::record(&inc, &block(&env), &target, &out);
        assert!(env.undo(&record).await?.changed);
        assert!(!env.undo(&record).await?.changed, "undo is idempotent");
    }
    assert!(!env.blocklisted(SIGNATURE).await?);
    // Only what aiir added is removed: the pre-existing range stays.
    assert_eq!(
        env.ip_set_addresses().await?,
        vec!["198.51.100.0/24".to_string()]
    );
    Ok(())
}

// --------------------------------------------------------------------------- rotate-secret

fn rotate() -> ActionSpec {
    ActionSpec::RotateSecret {
        secrets: Vec::new(),
    }
}

fn secrets(env: &AwsEnv) -> [ResourceRef; 2] {
    [
        ResourceRef::new(ResourceKind::Secret, env.d.plain_secret.clone()),
        ResourceRef::new(ResourceKind::Secret, env.d.rotating_secret.clone()),
    ]
}

fn no_secret_values(out: &aiir_core::remediate::ActionOutcome) {
    let text = format!(
        "{} {} {}",
        out.prior_state,
        out.new_state,
        joined(&out.details)
    );
    assert!(
        !text.contains("original"),
        "secret value leaked into the outcome: {text}"
    );
    assert!(
        !text.contains("password\""),
        "secret value leaked into the outcome: {text}"
    );
}

#[tokio::test]
async fn rotate_secret_dry_run() -> Result<()> {
    let env = aws_env().await?;
    let inc = incident(IncidentKind::DataLeakage, secrets(&env).to_vec());
    let [plain, rotating] = secrets(&env);
    let before = (
        env.secret_versions(&plain.id).await?,
        env.secret_versions(&rotating.id).await?,
    );
    let out = env.apply(&inc, &rotate(), &plain, Mode::DryRun).await?;
    assert!(joined(&out.details).contains("would generate a new value for prod/chat/tool-api-key"));
    no_secret_values(&out);
    let out = env.apply(&inc, &rotate(), &rotating, Mode::DryRun).await?;
    assert!(joined(&out.details).contains("would call RotateSecret on prod/db/credentials (rotation function arn:aws:lambda:us-east-1:123456789012:function:secret-rotator)"));
    assert_eq!(
        (
            env.secret_versions(&plain.id).await?,
            env.secret_versions(&rotating.id).await?
        ),
        before
    );
    Ok(())
}

#[tokio::test]
async fn rotate_secret_enforce() -> Result<()> {
    let env = aws_env().await?;
    let inc = incident(IncidentKind::DataLeakage, secrets(&env).to_vec());
    for target in secrets(&env) {
        let (before, old_current) = env.secret_versions(&target.id).await?;
        let old_value = env.secret_value_digest(&target.id).await?;
        let out = env.apply(&inc, &rotate(), &target, Mode::Enforce).await?;
        assert!(out.changed);
        no_secret_values(&out);
        assert_eq!(out.prior_state["current_version"], old_current.as_str());
        let (after, new_current) = env.secret_versions(&target.id).await?;
        assert_ne!(new_current, old_current, "{before:?} -> {after:?}");
        assert!(
            after.contains(&(new_current.clone(), vec!["AWSCURRENT".to_string()])),
            "{after:?}"
        );
        assert!(
            after.contains(&(old_current.clone(), vec!["AWSPREVIOUS".to_string()])),
            "{after:?}"
        );
        assert_ne!(
            env.secret_value_digest(&target.id).await?,
            old_value,
            "value changed"
        );
    }
    // The JSON secret kept its shape.
    let value = env
        .clients
        .secrets
        .get_secret_value()
        .secret_id(&env.d.rotating_secret)
        .send()
        .await?;
    let json: serde_json::Value = serde_json::from_str(value.secret_string().unwrap_or_default())?;
    assert_eq!(json["username"], "app");
    Ok(())
}

#[tokio::test]
async fn rotate_secret_repeat_is_noop() -> Result<()> {
    let env = aws_env().await?;
    let inc = incident(IncidentKind::DataLeakage, secrets(&env).to_vec());
    for target in secrets(&env) {
        assert!(
            env.apply(&inc, &rotate(), &target, Mode::Enforce)
                .await?
                .changed
        );
        let state = env.secret_versions(&target.id).await?;
        let again = env.apply(&inc, &rotate(), &target, Mode::Enforce).await?;
        assert!(!again.changed, "{:?}", again.details);
        assert_eq!(env.secret_versions(&target.id).await?, state);
    }
    Ok(())
}

#[tokio::test]
async fn rotate_secret_undo() -> Result<()> {
    let env = aws_env().await?;
    let inc = incident(IncidentKind::DataLeakage, secrets(&env).to_vec());
    for target in secrets(&env) {
        let (_, old_current) = env.secret_versions(&target.id).await?;
        let old_value = env.secret_value_digest(&target.id).await?;
        let out = env.apply(&inc, &rotate(), &target, Mode::Enforce).await?;
        let record = AwsEnv::record(&inc, &rotate(), &target, &out);
        let undone = env.undo(&record).await?;
        assert!(undone.changed);
        no_secret_values(&undone);
        assert_eq!(env.secret_versions(&target.id).await?.1, old_current);
        assert_eq!(env.secret_value_digest(&target.id).await?, old_value);
        assert!(!env.undo(&record).await?.changed, "undo is idempotent");
    }
    Ok(())
}

// ---------------------------------------------------------------------- lock-public-access

fn lock() -> ActionSpec {
    ActionSpec::LockPublicAccess { bucket: None }
}

fn training(env: &AwsEnv) -> ResourceRef {
    ResourceRef::new(
        ResourceKind::Bucket,
        format!("arn:aws:s3:::{}", env.d.training_bucket),
    )
}

#[tokio::test]
async fn lock_public_access_dry_run() -> Result<()> {
    let env = aws_env().await?;
    let bucket = training(&env);
    let inc = incident(IncidentKind::Exposure, vec![bucket.clone()]);
    let before = env.bucket_access(&env.d.training_bucket).await?;
    let out = env.apply(&inc, &lock(), &bucket, Mode::DryRun).await?;
    let text = joined(&out.details);
    assert!(text.contains("would remove 2 public statement(s) `PublicReadForDemo`, `PublicList` from the policy of bucket acme-training-data"), "{text}");
    assert!(text.contains("would turn on all four Block Public Access settings of bucket acme-training-data (now not configured)"), "{text}");
    assert_eq!(env.bucket_access(&env.d.training_bucket).await?, before);
    Ok(())
}

#[tokio::test]
async fn lock_public_access_enforce() -> Result<()> {
    let env = aws_env().await?;
    let bucket = training(&env);
    let inc = incident(IncidentKind::Exposure, vec![bucket.clone()]);
    let out = env.apply(&inc, &lock(), &bucket, Mode::Enforce).await?;
    assert!(out.changed);
    assert_eq!(
        out.prior_state["policy"].as_str(),
        Some(env.d.training_policy.as_str())
    );
    assert!(out.prior_state["public_access_block"].is_null());
    let (pab, policy) = env.bucket_access(&env.d.training_bucket).await?;
    assert_eq!(pab, Some([true; 4]));
    let sids: Vec<_> = policy
        .as_ref()
        .and_then(|p| p["Statement"].as_array())
        .map(|s| s.iter().filter_map(|s| s["Sid"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(sids, ["TrainingRole"], "private statement kept");
    Ok(())
}

#[tokio::test]
async fn lock_public_access_repeat_is_noop() -> Result<()> {
    let env = aws_env().await?;
    let bucket = training(&env);
    let inc = incident(IncidentKind::Exposure, vec![bucket.clone()]);
    assert!(
        env.apply(&inc, &lock(), &bucket, Mode::Enforce)
            .await?
            .changed
    );
    let state = env.bucket_access(&env.d.training_bucket).await?;
    assert!(
        !env.apply(&inc, &lock(), &bucket, Mode::Enforce)
            .await?
            .changed
    );
    assert_eq!(env.bucket_access(&env.d.training_bucket).await?, state);
    Ok(())
}

#[tokio::test]
async fn lock_public_access_undo() -> Result<()> {
    let env = aws_env().await?;
    let bucket = training(&env);
    let inc = incident(IncidentKind::Exposure, vec![bucket.clone()]);
    let before = env.bucket_access(&env.d.training_bucket).await?;
    let out = env.apply(&inc, &lock(), &bucket, Mode::Enforce).await?;
    let record = AwsEnv::record(&inc, &lock(), &bucket, &out);
    assert!(env.undo(&record).await?.changed);
    assert_eq!(env.bucket_access(&env.d.training_bucket).await?, before);
    assert!(!env.undo(&record).await?.changed, "undo is idempotent");
    Ok(())
}

// ---------------------------------------------------------------------- enforce-encryption

fn encrypt(env: &AwsEnv) -> ActionSpec {
    ActionSpec::EnforceEncryption {
        kms_key: env.d.kms_key_arn.clone(),
        bucket: None,
    }
}

#[tokio::test]
async fn enforce_encryption_dry_run() -> Result<()> {
    let env = aws_env().await?;
    let bucket = training(&env);
    let inc = incident(IncidentKind::ModelIntegrity, vec![bucket.clone()]);
    let before = env.bucket_encryption(&env.d.training_bucket).await?;
    let out = env
        .apply(&inc, &encrypt(&env), &bucket, Mode::DryRun)
        .await?;
    let text = joined(&out.details);
    assert!(text.contains(&format!("would set default encryption of bucket acme-training-data to SSE-KMS with key {} and S3 Bucket Key on", env.d.kms_key_arn)), "{text}");
    assert_eq!(env.bucket_encryption(&env.d.training_bucket).await?, before);
    Ok(())
}

#[tokio::test]
async fn enforce_encryption_enforce() -> Result<()> {
    let env = aws_env().await?;
    let bucket = training(&env);
    let inc = incident(IncidentKind::ModelIntegrity, vec![bucket.clone()]);
    let out = env
        .apply(&inc, &encrypt(&env), &bucket, Mode::Enforce)
        .await?;
    assert!(out.changed);
    assert!(out.prior_state.get("rules").is_some());
    assert_eq!(
        env.bucket_encryption(&env.d.training_bucket).await?,
        Some(("aws:kms".to_string(), Some(env.d.kms_key_arn.clone())))
    );
    Ok(())
}

#[tokio::test]
async fn enforce_encryption_repeat_is_noop() -> Result<()> {
    let env = aws_env().await?;
    let bucket = training(&env);
    let inc = incident(IncidentKind::ModelIntegrity, vec![bucket.clone()]);
    assert!(
        env.apply(&inc, &encrypt(&env), &bucket, Mode::Enforce)
            .await?
            .changed
    );
    assert!(
        !env.apply(&inc, &encrypt(&env), &bucket, Mode::Enforce)
            .await?
            .changed
    );
    Ok(())
}

#[tokio::test]
async fn enforce_encryption_undo() -> Result<()> {
    let env = aws_env().await?;
    let bucket = training(&env);
    let inc = incident(IncidentKind::ModelIntegrity, vec![bucket.clone()]);
    let before = env.bucket_encryption(&env.d.training_bucket).await?;
    let out = env
        .apply(&inc, &encrypt(&env), &bucket, Mode::Enforce)
        .await?;
    let record = AwsEnv::record(&inc, &encrypt(&env), &bucket, &out);
    assert!(env.undo(&record).await?.changed);
    assert_eq!(env.bucket_encryption(&env.d.training_bucket).await?, before);
    assert!(!env.undo(&record).await?.changed, "undo is idempotent");
    Ok(())
}

// ------------------------------------------------------------------------- quarantine-data

fn quarantine(env: &AwsEnv) -> ActionSpec {
    ActionSpec::QuarantineData {
        quarantine_bucket: env.d.quarantine_bucket.clone(),
    }
}

fn leaked(env: &AwsEnv) -> (ResourceRef, String) {
    let key = env.d.training_objects[0].clone();
    (
        ResourceRef::new(
            ResourceKind::Object,
            format!("{}/{key}", env.d.training_bucket),
        ),
        key,
    )
}

#[tokio::test]
async fn quarantine_data_dry_run() -> Result<()> {
    let env = aws_env().await?;
    let (object, key) = leaked(&env);
    let inc = incident(IncidentKind::DataLeakage, vec![object.clone()]);
    let out = env
        .apply(&inc, &quarantine(&env), &object, Mode::DryRun)
        .await?;
    let text = joined(&out.details);
    assert!(
        text.contains(&format!("would copy s3://acme-training-data/{key}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("to s3://aiir-quarantine/acme-training-data/{key}")),
        "{text}"
    );
    assert!(text.contains("then delete the original"), "{text}");
    assert!(env.object(&env.d.training_bucket, &key).await?.is_some());
    assert!(env
        .object(
            &env.d.quarantine_bucket,
            &format!("acme-training-data/{key}")
        )
        .await?
        .is_none());
    Ok(())
}

#[tokio::test]
async fn quarantine_data_enforce() -> Result<()> {
    let env = aws_env().await?;
    let (object, key) = leaked(&env);
    let inc = incident(IncidentKind::DataLeakage, vec![object.clone()]);
    let (body, _) = env
        .object(&env.d.training_bucket, &key)
        .await?
        .unwrap_or_default();
    let out = env
        .apply(&inc, &quarantine(&env), &object, Mode::Enforce)
        .await?;
    assert!(out.changed);
    assert_eq!(out.prior_state["origin"]["key"], key.as_str());
    assert!(
        env.object(&env.d.training_bucket, &key).await?.is_none(),
        "original removed"
    );
    let copy = env
        .object(
            &env.d.quarantine_bucket,
            &format!("acme-training-data/{key}"),
        )
        .await?;
    let (copy_body, tags) = copy.unwrap_or_default();
    assert_eq!(copy_body, body, "nothing lost");
    for tag in [
        ("aiir:origin-bucket", "acme-training-data"),
        ("aiir:origin-key", key.as_str()),
        ("aiir:incident", inc.id.as_str()),
        ("classification", "confidential"),
    ] {
        assert!(
            tags.contains(&(tag.0.to_string(), tag.1.to_string())),
            "{tag:?} not in {tags:?}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn quarantine_data_repeat_is_noop() -> Result<()> {
    let env = aws_env().await?;
    let (object, key) = leaked(&env);
    let inc = incident(IncidentKind::DataLeakage, vec![object.clone()]);
    assert!(
        env.apply(&inc, &quarantine(&env), &object, Mode::Enforce)
            .await?
            .changed
    );
    let again = env
        .apply(&inc, &quarantine(&env), &object, Mode::Enforce)
        .await?;
    assert!(!again.changed, "{:?}", again.details);
    assert!(env
        .object(
            &env.d.quarantine_bucket,
            &format!("acme-training-data/{key}")
        )
        .await?
        .is_some());
    Ok(())
}

#[tokio::test]
async fn quarantine_data_undo() -> Result<()> {
    let env = aws_env().await?;
    let (object, key) = leaked(&env);
    let inc = incident(IncidentKind::DataLeakage, vec![object.clone()]);
    let before = env.object(&env.d.training_bucket, &key).await?;
    let out = env
        .apply(&inc, &quarantine(&env), &object, Mode::Enforce)
        .await?;
    let record = AwsEnv::record(&inc, &quarantine(&env), &object, &out);
    assert!(env.undo(&record).await?.changed);
    assert_eq!(
        env.object(&env.d.training_bucket, &key).await?,
        before,
        "body and tags restored"
    );
    assert!(env
        .object(
            &env.d.quarantine_bucket,
            &format!("acme-training-data/{key}")
        )
        .await?
        .is_none());
    assert!(!env.undo(&record).await?.changed, "undo is idempotent");
    Ok(())
}

// ---------------------------------------------------------------------------------- notify

fn notify(env: &AwsEnv) -> ActionSpec {
    ActionSpec::Notify {
        topic: env.d.topic_arn.clone(),
    }
}

fn topic(env: &AwsEnv) -> ResourceRef {
    ResourceRef::new(ResourceKind::Other, env.d.topic_arn.clone())
}

#[tokio::test]
async fn notify_dry_run() -> Result<()> {
    let env = aws_env().await?;
    let inc = incident(
        IncidentKind::PromptAttack,
        vec![ResourceRef::new(ResourceKind::Caller, CALLER)],
    );
    let out = env
        .apply(&inc, &notify(&env), &topic(&env), Mode::DryRun)
        .await?;
    assert!(
        joined(&out.details).contains(&format!(
            "would publish to {}: \"[aiir] high prompt-attack: e2e prompt-attack\"",
            env.d.topic_arn
        )),
        "{:?}",
        out.details
    );
    assert!(env.messages().await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn notify_enforce() -> Result<()> {
    let env = aws_env().await?;
    let inc = incident(
        IncidentKind::PromptAttack,
        vec![ResourceRef::new(ResourceKind::Caller, CALLER)],
    );
    let out = env
        .apply(&inc, &notify(&env), &topic(&env), Mode::Enforce)
        .await?;
    assert!(out.changed && out.new_state["message_id"].is_string());
    let messages = env.messages().await?;
    assert_eq!(messages.len(), 1);
    let (subject, body) = &messages[0];
    assert_eq!(
        subject.as_deref(),
        Some("[aiir] high prompt-attack: e2e prompt-attack")
    );
    assert!(
        body.contains(&inc.id) && body.contains("e2e: earlier step") && body.contains(CALLER),
        "{body}"
    );
    Ok(())
}

/// SNS standard topics cannot de-duplicate: a repeated apply publishes again (reported as a
/// change). The pipeline's de-duplication is what makes a redelivered alert notify once (see
/// `aws_pipeline::redelivered_alert_acts_once`).
#[tokio::test]
async fn notify_repeat_publishes_again() -> Result<()> {
    let env = aws_env().await?;
    let inc = incident(IncidentKind::PromptAttack, Vec::new());
    env.apply(&inc, &notify(&env), &topic(&env), Mode::Enforce)
        .await?;
    let again = env
        .apply(&inc, &notify(&env), &topic(&env), Mode::Enforce)
        .await?;
    assert!(again.changed);
    assert_eq!(env.messages().await?.len(), 2);
    Ok(())
}

#[tokio::test]
async fn notify_undo_is_noop() -> Result<()> {
    let env = aws_env().await?;
    let inc = incident(IncidentKind::PromptAttack, Vec::new());
    let out = env
        .apply(&inc, &notify(&env), &topic(&env), Mode::Enforce)
        .await?;
    let record = AwsEnv::record(&inc, &notify(&env), &topic(&env), &out);
    let undone = env.undo(&record).await?;
    assert!(!undone.changed && joined(&undone.details).contains("cannot be recalled"));
    assert_eq!(env.messages().await?.len(), 1);
    Ok(())
}

// ------------------------------------------------------------------------- error handling

#[tokio::test]
async fn missing_resources_are_not_found_and_rollback_needs_a_known_good_config() -> Result<()> {
    use aiir_core::remediate::ActionError;
    let env = aws_env().await?;
    let inc = incident(IncidentKind::ModelDrift, Vec::new());
    let missing = ResourceRef::new(ResourceKind::ModelEndpoint, "no-such-endpoint");
    let err = env
        .apply(&inc, &rollback(), &missing, Mode::Enforce)
        .await
        .err();
    assert!(matches!(err, Some(ActionError::NotFound(_))), "{err:?}");
    let err = env
        .apply(
            &inc,
            &lock(),
            &ResourceRef::new(ResourceKind::Bucket, "no-such-bucket"),
            Mode::Enforce,
        )
        .await
        .err();
    assert!(matches!(err, Some(ActionError::NotFound(_))), "{err:?}");
    // Untagged endpoint, nothing pinned: refuse instead of guessing.
    env.clients
        .sagemaker
        .delete_tags()
        .resource_arn(&env.d.endpoint_arn)
        .tag_keys("aiir:known-good-config")
        .send()
        .await?;
    let err = env
        .apply(&inc, &rollback(), &endpoint(&env), Mode::DryRun)
        .await
        .err();
    assert!(
        matches!(&err, Some(ActionError::Invalid(m)) if m.contains("no known-good config")),
        "{err:?}"
    );
    Ok(())
}

// --------------------------------------------------------------------------- trigger-alert

fn page(alert: &str) -> ActionSpec {
    ActionSpec::TriggerAlert {
        alert: alert.into(),
    }
}

/// The paging alarm's state and reason, read from moto directly.
async fn alarm_state(env: &AwsEnv) -> Result<(String, String)> {
    let out = env
        .clients
        .cloudwatch
        .describe_alarms()
        .alarm_names(&env.d.page_alarm)
        .send()
        .await?;
    let alarm = out
        .metric_alarms()
        .first()
        .ok_or_else(|| anyhow::anyhow!("paging alarm missing"))?;
    Ok((
        alarm
            .state_value()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        alarm.state_reason().unwrap_or_default().to_string(),
    ))
}

#[tokio::test]
async fn trigger_alert_dry_run_enforce_repeat_undo() -> Result<()> {
    let env = aws_env().await?;
    let action = page(&env.d.page_alarm_arn);
    let target = ResourceRef::new(ResourceKind::Other, env.d.page_alarm_arn.clone());
    let inc = incident(IncidentKind::DataLeakage, vec![target.clone()]);
    let (before, _) = alarm_state(&env).await?;
    ensure!(before != "ALARM", "seeded alarm starts quiet, got {before}");

    // Dry-run: reads the alarm, says what it would do, changes nothing.
    let out = env.apply(&inc, &action, &target, Mode::DryRun).await?;
    assert!(out.changed);
    let text = joined(&out.details);
    assert!(
        text.contains(&format!(
            "would set alarm aiir-page-oncall from {before} to ALARM (1 alarm action(s))"
        )),
        "{text}"
    );
    assert_eq!(alarm_state(&env).await?.0, before);

    // Enforce: ALARM, with the incident and the step in the reason.
    let out = env.apply(&inc, &action, &target, Mode::Enforce).await?;
    assert!(out.changed, "{out:?}");
    assert_eq!(out.prior_state["state"], before.as_str());
    let (state, reason) = alarm_state(&env).await?;
    assert_eq!(state, "ALARM");
    assert!(reason.contains(&inc.id), "{reason}");
    assert!(reason.contains("[aiir step "), "{reason}");
    assert_eq!(out.new_state["state"], "ALARM");

    // Repeat (a redelivered step): already raised, not set again.
    let again = env.apply(&inc, &action, &target, Mode::Enforce).await?;
    assert!(!again.changed);
    assert!(joined(&again.details).contains("already in ALARM for this step"));
    assert_eq!(alarm_state(&env).await?.1, reason, "reason untouched");

    // Another incident while the alarm is still in ALARM: on-call was paged; left alone.
    let other = incident(IncidentKind::ModelDrift, vec![target.clone()]);
    let request = aiir_core::remediate::ActionRequest {
        incident: &other,
        step_id: "step-e2e-another-incident",
        action: &action,
        target: &target,
        mode: Mode::Enforce,
        summary: &[],
    };
    let out = aiir_core::remediate::Remediator::apply(&env.remediator, &request).await?;
    assert!(
        !out.changed && joined(&out.details).contains("not raised again"),
        "{out:?}"
    );
    assert_eq!(alarm_state(&env).await?.1, reason, "reason untouched");

    // Undo: a page cannot be taken back; the alarm is not touched.
    let record = AwsEnv::record(&inc, &action, &target, &out);
    let undone = env.undo(&record).await?;
    assert!(!undone.changed);
    assert_eq!(alarm_state(&env).await?.0, "ALARM");
    Ok(())
}

#[tokio::test]
async fn trigger_alert_missing_alarm_is_a_clear_error() -> Result<()> {
    let env = aws_env().await?;
    let action = page("no-such-alarm");
    let target = ResourceRef::new(ResourceKind::Other, "no-such-alarm");
    let inc = incident(IncidentKind::DataLeakage, vec![target.clone()]);
    for mode in [Mode::DryRun, Mode::Enforce] {
        let err = env.apply(&inc, &action, &target, mode).await.unwrap_err();
        assert!(
            matches!(&err, aiir_core::remediate::ActionError::NotFound(m) if m.contains("no-such-alarm")),
            "{err:?}"
        );
    }
    assert_ne!(alarm_state(&env).await?.0, "ALARM");
    Ok(())
}
