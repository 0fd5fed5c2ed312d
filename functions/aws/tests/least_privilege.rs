//! Least privilege, proven against the code.
//!
//! Reads the responder's IAM policy from `infra/aws/*.tf` (HCL, parsed with `hcl-rs`) and
//! compares it with what the code declares: `required_permissions(kind)` for every
//! [`ActionKind`], `state::REQUIRED_PERMISSIONS`, `audit::REQUIRED_PERMISSIONS`, plus the few
//! platform permissions listed below with their reason. It fails when
//! - a permission the code needs is not granted (by a statement serving that part of the code),
//! - a granted permission is used by no part the statement serves,
//! - an action is wildcarded, or a resource is `"*"` (or contains `*` beyond an object / log
//!   stream suffix) although the action supports resource-level permissions,
//! - the role gets permissions any other way (managed policy attachments, inline_policy).
//!
//! The negative tests run the same checker on edited copies of the Terraform.
use std::collections::{BTreeMap, BTreeSet};

use aiir_aws::{audit, capture, required_permissions, state};
use aiir_core::action::ActionKind;
use hcl::{Block, Body, Expression};

#[path = "../../../infra/tests/support/terraform_module.rs"]
#[allow(dead_code)]
mod terraform_module;
use terraform_module::{attr, labels, referenced, string_list, Module};

/// Statement `sid` → the parts of the code it serves.
const SIDS: &[(&str, &[&str])] = &[
    ("StateTable", &["state"]),
    ("AuditWrite", &["audit"]),
    ("FunctionLogs", &["platform"]),
    ("DeadLetter", &["platform"]),
    ("ModuleKeyUse", &["platform"]),
    ("Blocklist", &["block-prompt"]),
    ("WafIpSet", &["block-prompt"]),
    ("SecretsRotate", &["rotate-secret"]),
    ("SecretsRandomPasswordNoResourceType", &["rotate-secret"]),
    ("RotationFunctions", &["rotate-secret"]),
    (
        "SageMakerEndpoints",
        &["rollback-model", "disable-endpoint"],
    ),
    (
        "SageMakerEndpointConfigs",
        &["rollback-model", "disable-endpoint"],
    ),
    ("FunctionConcurrency", &["disable-endpoint"]),
    (
        "ProtectedBuckets",
        &["lock-public-access", "enforce-encryption"],
    ),
    ("EncryptionKey", &["enforce-encryption"]),
    ("QuarantineBuckets", &["quarantine-data"]),
    ("QuarantineObjects", &["quarantine-data"]),
    ("Notify", &["notify"]),
    ("PageAlarm", &["trigger-alert"]),
    ("DataCaptureRead", &["drift-capture"]),
    ("DataCaptureKey", &["drift-capture"]),
];

/// Needed by the deployment rather than by a code path, each with its reason.
const PLATFORM: &[(&str, &str)] = &[
    (
        "logs:CreateLogStream",
        "Lambda writes the function's log (and EMF metrics) with the execution role",
    ),
    ("logs:PutLogEvents", "same"),
    (
        "sqs:SendMessage",
        "the on-failure destination is sent with the execution role",
    ),
    (
        "kms:GenerateDataKey",
        "SSE-KMS (module key): audit/quarantine PutObject, Publish to the created notify topic, the dead-letter queue",
    ),
    (
        "kms:Decrypt",
        "SSE-KMS (module key): undo copies quarantined objects back; SNS/SQS producers of encrypted topics/queues",
    ),
];

/// Actions without a resource type in the Service Authorization Reference: only `"*"` works.
const NO_RESOURCE_TYPE: &[&str] = &["secretsmanager:GetRandomPassword"];

fn part_permissions() -> BTreeMap<String, BTreeSet<String>> {
    let mut parts = BTreeMap::new();
    let set = |perms: &[&str]| perms.iter().map(|p| p.to_string()).collect::<BTreeSet<_>>();
    for kind in ActionKind::ALL {
        parts.insert(kind.to_string(), set(required_permissions(kind)));
    }
    parts.insert("state".into(), set(state::REQUIRED_PERMISSIONS));
    parts.insert("audit".into(), set(audit::REQUIRED_PERMISSIONS));
    parts.insert(
        "drift-capture".into(),
        set(capture::REQUIRED_PERMISSIONS)
            .union(&set(capture::KMS_PERMISSIONS))
            .cloned()
            .collect(),
    );
    parts.insert(
        "platform".into(),
        PLATFORM.iter().map(|(p, _)| p.to_string()).collect(),
    );
    parts
}

#[derive(Debug, Clone)]
struct Statement {
    sid: String,
    effect: String,
    actions: Vec<String>,
    /// Each resource expression as HCL text (`"*"` for the literal star).
    resources: Vec<String>,
}

/// The module's top-level `.tf` files: (file name, text).
fn module_files() -> Vec<(String, String)> {
    Module::new(env!("CARGO_MANIFEST_DIR"), "aws").files("iam.tf")
}

fn statement(body: &Body, errors: &mut Vec<String>) -> Statement {
    let sid = match attr(body, "sid") {
        Some(Expression::String(s)) => s.clone(),
        other => {
            errors.push(format!("statement without a literal sid ({other:?})"));
            String::new()
        }
    };
    for forbidden in ["not_actions", "not_resources", "principals"] {
        if attr(body, forbidden).is_some() || body.blocks().any(|b| b.identifier() == forbidden) {
            errors.push(format!(
                "{sid}: `{forbidden}` is not allowed in the role policy"
            ));
        }
    }
    let effect = match attr(body, "effect") {
        Some(Expression::String(s)) => s.clone(),
        None => "Allow".into(),
        Some(other) => {
            errors.push(format!("{sid}: effect is not a literal: {other}"));
            other.to_string()
        }
    };
    let actions = string_list(attr(body, "actions"), &format!("{sid}.actions"), errors);
    let resources = match attr(body, "resources") {
        Some(Expression::Array(items)) => items
            .iter()
            .map(|e| match e {
                Expression::String(s) if s == "*" => "*".to_string(),
                other => other.to_string(),
            })
            .collect(),
        Some(other) => vec![other.to_string()],
        None => Vec::new(),
    };
    Statement {
        sid,
        effect,
        actions,
        resources,
    }
}

/// The statements of the policy attached to the responder's role, plus structural errors.
fn role_policy(files: &[(String, String)]) -> (Vec<Statement>, Vec<String>) {
    let mut errors = Vec::new();
    let mut blocks: Vec<Block> = Vec::new();
    for (name, text) in files {
        match hcl::parse(text) {
            Ok(body) => blocks.extend(body.into_blocks()),
            Err(e) => errors.push(format!("{name}: {e}")),
        }
    }
    let resources = |kind: &str| -> Vec<&Block> {
        blocks
            .iter()
            .filter(|b| b.identifier() == "resource" && labels(b).first() == Some(&kind))
            .collect()
    };

    let functions = resources("aws_lambda_function");
    if functions.len() != 1 {
        errors.push(format!(
            "expected one aws_lambda_function, found {}",
            functions.len()
        ));
        return (Vec::new(), errors);
    }
    let Some(role) = attr(functions[0].body(), "role").and_then(|e| referenced(e, "aws_iam_role"))
    else {
        errors.push("the function's role is not an aws_iam_role of this module".into());
        return (Vec::new(), errors);
    };
    let role_ref = format!("aws_iam_role.{role}.");

    for b in resources("aws_iam_role") {
        if labels(b).get(1) == Some(&role.as_str()) {
            for key in ["managed_policy_arns", "inline_policy"] {
                if attr(b.body(), key).is_some() || b.body().blocks().any(|x| x.identifier() == key)
                {
                    errors.push(format!(
                        "role {role}: `{key}` grants permissions outside the checked policy"
                    ));
                }
            }
        }
    }
    for kind in [
        "aws_iam_role_policy_attachment",
        "aws_iam_policy_attachment",
        "aws_iam_role_policy_attachments_exclusive",
    ] {
        for b in resources(kind) {
            if b.body()
                .attributes()
                .any(|a| a.expr().to_string().contains(&role_ref))
            {
                errors.push(format!(
                    "{kind}.{} attaches a policy to the responder role; only the checked inline policy may",
                    labels(b).get(1).unwrap_or(&"?")
                ));
            }
        }
    }

    let mut documents = Vec::new();
    for b in resources("aws_iam_role_policy") {
        let attached = attr(b.body(), "role").is_some_and(|e| e.to_string().contains(&role_ref));
        if !attached {
            continue;
        }
        match attr(b.body(), "policy").and_then(|e| referenced(e, "data.aws_iam_policy_document")) {
            Some(doc) => documents.push(doc),
            None => errors.push(format!(
                "aws_iam_role_policy.{}: policy must come from a data.aws_iam_policy_document",
                labels(b).get(1).unwrap_or(&"?")
            )),
        }
    }
    if documents.is_empty() {
        errors.push(format!(
            "no aws_iam_role_policy attached to aws_iam_role.{role}"
        ));
    }

    let mut statements = Vec::new();
    for doc in &documents {
        let Some(block) = blocks.iter().find(|b| {
            b.identifier() == "data" && labels(b) == ["aws_iam_policy_document", doc.as_str()]
        }) else {
            errors.push(format!("data.aws_iam_policy_document.{doc} not found"));
            continue;
        };
        for key in ["source_policy_documents", "override_policy_documents"] {
            if attr(block.body(), key).is_some() {
                errors.push(format!("{doc}: `{key}` merges unchecked policies"));
            }
        }
        for b in block.body().blocks() {
            match (b.identifier(), labels(b).as_slice()) {
                ("statement", _) => statements.push(statement(b.body(), &mut errors)),
                ("dynamic", ["statement"]) => {
                    match b.body().blocks().find(|c| c.identifier() == "content") {
                        Some(content) => statements.push(statement(content.body(), &mut errors)),
                        None => errors.push("dynamic statement without content".into()),
                    }
                }
                (other, _) => errors.push(format!("{doc}: unexpected block `{other}`")),
            }
        }
    }
    (statements, errors)
}

/// Every violation of least privilege in the module's Terraform (empty: proven).
fn violations(files: &[(String, String)]) -> Vec<String> {
    let (statements, mut errors) = role_policy(files);
    let parts = part_permissions();
    let sids: BTreeMap<&str, &[&str]> = SIDS.iter().copied().collect();
    let mut granted: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();

    for s in &statements {
        let Some(served) = sids.get(s.sid.as_str()) else {
            errors.push(format!(
                "statement `{}` serves no known part of the code (add it to SIDS)",
                s.sid
            ));
            continue;
        };
        if s.effect != "Allow" {
            continue;
        }
        let used: BTreeSet<&str> = served
            .iter()
            .flat_map(|p| parts[*p].iter().map(String::as_str))
            .collect();
        for a in &s.actions {
            if a.contains('*') || a.contains('?') {
                errors.push(format!("{}: wildcard action `{a}`", s.sid));
            } else if !used.contains(a.as_str()) {
                errors.push(format!(
                    "{}: `{a}` is granted but unused by {}",
                    s.sid,
                    served.join(", ")
                ));
            }
            for p in served.iter() {
                granted.entry(p).or_default().insert(a.as_str());
            }
        }
        if s.resources.is_empty() {
            errors.push(format!("{}: no resources", s.sid));
        }
        for r in &s.resources {
            if r == "*" {
                if let Some(a) = s
                    .actions
                    .iter()
                    .find(|a| !NO_RESOURCE_TYPE.contains(&a.as_str()))
                {
                    errors.push(format!(
                        "{}: Resource \"*\" but `{a}` supports resource-level permissions",
                        s.sid
                    ));
                }
                continue;
            }
            // Interpolations are ARNs of the protected resources; in the literal text of any
            // string in the expression only an object (`/*`) or log-stream (`:*`) suffix may
            // be a wildcard.
            for literal in string_literals(r) {
                if literal == "*" {
                    errors.push(format!("{}: Resource \"*\" inside {r}", s.sid));
                    continue;
                }
                let trimmed = literal
                    .strip_suffix("/*")
                    .or_else(|| literal.strip_suffix(":*"))
                    .unwrap_or(&literal);
                if trimmed.contains('*') {
                    errors.push(format!("{}: wildcard in resource {r}", s.sid));
                }
            }
        }
    }

    for (part, needed) in &parts {
        let have = granted.get(part.as_str()).cloned().unwrap_or_default();
        for p in needed {
            if !have.contains(p.as_str()) {
                errors.push(format!(
                    "{part} needs `{p}` but no statement serving it grants it"
                ));
            }
        }
    }
    errors
}

/// The quoted strings in an HCL expression's text, with `${...}` interpolations removed.
fn string_literals(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut literal = String::new();
        let mut depth = 0;
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '$' if depth == 0 && chars.peek() == Some(&'{') => {
                    chars.next();
                    depth = 1;
                }
                '{' if depth > 0 => depth += 1,
                '}' if depth > 0 => depth -= 1,
                '"' if depth == 0 => break,
                _ if depth == 0 => literal.push(c),
                _ => {}
            }
        }
        found.push(literal);
    }
    found
}

fn edited(file: &str, from: &str, to: &str) -> Vec<(String, String)> {
    terraform_module::edited(module_files(), file, from, to)
}

fn assert_violation(files: &[(String, String)], expected: &str) {
    let found = violations(files);
    assert!(
        found.iter().any(|v| v.contains(expected)),
        "expected a violation containing {expected:?}, got {found:#?}"
    );
}

#[test]
fn terraform_grants_exactly_what_the_code_declares() {
    let found = violations(&module_files());
    assert!(
        found.is_empty(),
        "least privilege violated:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn every_action_kind_has_a_statement() {
    let served: BTreeSet<&str> = SIDS.iter().flat_map(|(_, p)| p.iter().copied()).collect();
    for kind in ActionKind::ALL {
        assert!(
            served.contains(kind.as_str()),
            "{kind} is served by no statement"
        );
    }
}

#[test]
fn the_policy_is_read_from_the_terraform() {
    let (statements, errors) = role_policy(&module_files());
    assert!(errors.is_empty(), "{errors:#?}");
    let actions: BTreeSet<&str> = statements
        .iter()
        .flat_map(|s| s.actions.iter().map(String::as_str))
        .collect();
    for p in [
        "dynamodb:Query",
        "sagemaker:UpdateEndpoint",
        "sns:Publish",
        "s3:PutObject",
    ] {
        assert!(actions.contains(p), "{p} not parsed from iam.tf");
    }
}

#[test]
fn fails_when_a_needed_permission_is_removed() {
    let files = edited("iam.tf", "\"dynamodb:Query\"", "");
    assert_violation(&files, "state needs `dynamodb:Query`");
    let files = edited("iam.tf", "\"sns:Publish\"", "");
    assert_violation(&files, "notify needs `sns:Publish`");
    let files = edited("iam.tf", "\"sagemaker:DescribeEndpoint\",", "");
    assert_violation(&files, "rollback-model needs `sagemaker:DescribeEndpoint`");
    assert_violation(
        &files,
        "disable-endpoint needs `sagemaker:DescribeEndpoint`",
    );
    let files = edited("iam.tf", "\"s3:PutObject\"", "");
    assert_violation(&files, "audit needs `s3:PutObject`");
}

#[test]
fn fails_when_an_unused_permission_is_granted() {
    let files = edited(
        "iam.tf",
        "\"sns:Publish\"",
        "\"sns:Publish\", \"iam:PassRole\"",
    );
    assert_violation(&files, "Notify: `iam:PassRole` is granted but unused");
    // Used elsewhere in the code, but not by the part this statement serves.
    let files = edited(
        "iam.tf",
        "\"sns:Publish\"",
        "\"sns:Publish\", \"s3:DeleteObject\"",
    );
    assert_violation(&files, "Notify: `s3:DeleteObject` is granted but unused");
}

#[test]
fn fails_on_wildcards() {
    let files = edited("iam.tf", "\"sns:Publish\"", "\"sns:*\"");
    assert_violation(&files, "Notify: wildcard action `sns:*`");
    let files = edited(
        "iam.tf",
        "resources = [local.notify_topic]",
        "resources = [\"*\"]",
    );
    assert_violation(
        &files,
        "Notify: Resource \"*\" but `sns:GetTopicAttributes`",
    );
    let files = edited(
        "iam.tf",
        "resources = [local.notify_topic]",
        "resources = [\"arn:aws:sns:*:*:*\"]",
    );
    assert_violation(&files, "Notify: wildcard in resource");
}

#[test]
fn fails_when_permissions_arrive_another_way() {
    let mut files = module_files();
    files.push((
        "extra.tf".into(),
        r#"resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.responder.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}"#
        .into(),
    ));
    assert_violation(
        &files,
        "aws_iam_role_policy_attachment.admin attaches a policy",
    );
}

#[test]
fn fails_on_an_unknown_statement() {
    let files = edited(
        "iam.tf",
        "sid       = \"Notify\"",
        "sid       = \"Whatever\"",
    );
    assert_violation(&files, "statement `Whatever` serves no known part");
}

/// What the data-capture statements may grant: `s3:GetObject` on objects under the capture
/// prefix and on the one profile object (not the bucket, not another prefix, nothing written),
/// and `kms:Decrypt` on the capture key only.
fn data_capture_violations(files: &[(String, String)]) -> Vec<String> {
    let (statements, mut errors) = role_policy(files);
    let find = |sid: &str| statements.iter().find(|s| s.sid == sid);
    match find("DataCaptureRead") {
        None => errors.push("no DataCaptureRead statement".into()),
        Some(read) => {
            if read.actions != ["s3:GetObject"] {
                errors.push(format!("DataCaptureRead grants {:?}", read.actions));
            }
            let compact: Vec<String> = read.resources.iter().map(|r| r.replace(' ', "")).collect();
            let allowed = [
                "\"arn:${local.partition}:s3:::${local.capture_bucket}/${local.capture_prefix}*\"",
                "\"arn:${local.partition}:s3:::${local.profile_bucket}/${local.profile_key}\"",
            ];
            if compact != allowed {
                errors.push(format!(
                    "DataCaptureRead resources {compact:?}, expected {allowed:?}"
                ));
            }
        }
    }
    match find("DataCaptureKey") {
        None => errors.push("no DataCaptureKey statement".into()),
        Some(key) if key.actions != ["kms:Decrypt"] || key.resources != ["statement.value"] => {
            errors.push(format!(
                "DataCaptureKey grants {:?} on {:?}",
                key.actions, key.resources
            ))
        }
        Some(_) => {}
    }
    errors
}

#[test]
fn data_capture_reads_only_the_prefix_and_the_profile() {
    let found = data_capture_violations(&module_files());
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn fails_when_data_capture_reads_more() {
    for (from, to, expected) in [
        ("${local.capture_prefix}*", "*", "DataCaptureRead resources"),
        ("/${local.profile_key}", "/*", "DataCaptureRead resources"),
        (
            "actions = [\"s3:GetObject\"]",
            "actions = [\"s3:GetObject\", \"s3:PutObject\"]",
            "DataCaptureRead grants",
        ),
        (
            "actions   = [\"kms:Decrypt\"]",
            "actions   = [\"kms:Decrypt\", \"kms:Encrypt\"]",
            "DataCaptureKey grants",
        ),
    ] {
        let files = edited("iam.tf", from, to);
        let found = data_capture_violations(&files);
        assert!(
            found.iter().any(|v| v.contains(expected)),
            "{from} -> {to}: {found:#?}"
        );
    }
    let files = edited(
        "iam.tf",
        "actions = [\"s3:GetObject\"]",
        "actions = [\"s3:GetObject\", \"s3:PutObject\"]",
    );
    assert_violation(
        &files,
        "DataCaptureRead: `s3:PutObject` is granted but unused",
    );
}
