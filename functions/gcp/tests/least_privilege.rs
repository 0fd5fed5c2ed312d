//! Least privilege, proven against the code.
//!
//! Reads the responder service account's custom roles and IAM bindings from
//! `infra/gcp/*.tf` (HCL, parsed with `hcl-rs`) and compares them with what the code declares:
//! `required_permissions(kind)` for every [`ActionKind`], `state::REQUIRED_PERMISSIONS` and
//! `audit::REQUIRED_PERMISSIONS`. It fails when
//! - a permission the code needs is not granted by a bound role serving that part of the code,
//! - a granted permission is used by no part the role serves,
//! - a permission is wildcarded,
//! - a role is bound anywhere but on the resources its part acts on (project-level only for
//!   the roles listed in PROJECT_LEVEL, whose resources have no IAM policy of their own),
//! - the service account gets a predefined role, an authoritative binding, or a key,
//! - the service runs as any other account, or the responder's account is used to push.
//!
//! The negative tests run the same checker on edited copies of the Terraform.
use std::collections::{BTreeMap, BTreeSet};

use aiir_core::action::ActionKind;
use aiir_gcp::{audit, required_permissions, state};
use hcl::{Block, Body};

#[path = "../../../infra/tests/support/terraform_module.rs"]
#[allow(dead_code)]
mod terraform_module;
use terraform_module::{attr, labels, referenced, string_list, Module};

/// Custom role (`google_project_iam_custom_role` label) → the parts of the code it serves.
const ROLES: &[(&str, &[&str])] = &[
    ("state", &["state"]),
    ("audit", &["audit"]),
    ("buckets", &["lock-public-access", "enforce-encryption"]),
    ("quarantine", &["quarantine-data"]),
    ("blocklist", &["block-prompt"]),
    ("cloud_armor", &["block-prompt"]),
    ("secrets", &["rotate-secret"]),
    ("vertex", &["rollback-model", "disable-endpoint"]),
    ("notify", &["notify"]),
    ("trigger_alert", &["trigger-alert"]),
];

/// Where each role may be bound: the binding resource type, and text its `for_each` / `count`
/// and resource attribute must all contain (the protected resources of that part).
const SCOPES: &[(&str, &str, &[&str])] = &[
    (
        "state",
        "google_storage_bucket_iam_member",
        &["google_storage_bucket.state.name"],
    ),
    (
        "audit",
        "google_storage_bucket_iam_member",
        &["google_storage_bucket.audit.name"],
    ),
    (
        "buckets",
        "google_storage_bucket_iam_member",
        &["var.protected_bucket_names"],
    ),
    (
        "quarantine",
        "google_storage_bucket_iam_member",
        &["var.protected_bucket_names"],
    ),
    (
        "blocklist",
        "google_storage_bucket_iam_member",
        &["local.blocklist_bucket"],
    ),
    (
        "cloud_armor",
        "google_project_iam_member",
        &["var.cloud_armor_policy"],
    ),
    (
        "secrets",
        "google_secret_manager_secret_iam_member",
        &["local.secret_ids"],
    ),
    (
        "vertex",
        "google_project_iam_member",
        &["var.vertex_endpoints"],
    ),
    (
        "notify",
        "google_pubsub_topic_iam_member",
        &["local.notify_topic"],
    ),
    (
        "trigger_alert",
        "google_project_iam_member",
        &["local.paging"],
    ),
];

/// Roles that may be bound on the project, each with the reason no narrower binding exists.
const PROJECT_LEVEL: &[(&str, &str)] = &[
    (
        "cloud_armor",
        "Cloud Armor security policies have no IAM policy of their own; globalOperations.get is project-level",
    ),
    (
        "vertex",
        "Vertex AI endpoint IAM policies exist only in v1beta1 (google-beta provider); bound only when endpoints are listed",
    ),
    (
        "trigger_alert",
        "time series are written to a project; Cloud Monitoring has no narrower IAM resource",
    ),
];

/// The attribute naming the resource a binding type is on.
const BINDING_TYPES: &[(&str, &str)] = &[
    ("google_storage_bucket_iam_member", "bucket"),
    ("google_secret_manager_secret_iam_member", "secret_id"),
    ("google_pubsub_topic_iam_member", "topic"),
    ("google_project_iam_member", "project"),
];

const RESPONDER: &[&str] = &["local.responder", "google_service_account.responder"];

fn part_permissions() -> BTreeMap<String, BTreeSet<String>> {
    let mut parts = BTreeMap::new();
    let set = |perms: &[&str]| perms.iter().map(|p| p.to_string()).collect::<BTreeSet<_>>();
    for kind in ActionKind::ALL {
        parts.insert(kind.to_string(), set(required_permissions(kind)));
    }
    parts.insert("state".into(), set(state::REQUIRED_PERMISSIONS));
    parts.insert("audit".into(), set(audit::REQUIRED_PERMISSIONS));
    parts
}

#[derive(Debug, Clone)]
struct Role {
    label: String,
    permissions: Vec<String>,
}

#[derive(Debug, Clone)]
struct Binding {
    /// `type.label`.
    name: String,
    kind: String,
    role: String,
    scope_text: String,
}

/// The module's top-level `.tf` files: (file name, text).
fn module_files() -> Vec<(String, String)> {
    Module::new(env!("CARGO_MANIFEST_DIR"), "gcp").files("iam.tf")
}

/// Text of a block and all its nested blocks (to find where an identity is referenced).
fn block_text(body: &Body) -> String {
    let mut text = String::new();
    for a in body.attributes() {
        text.push_str(&format!("{} = {}\n", a.key(), a.expr()));
    }
    for b in body.blocks() {
        text.push_str(&format!(
            "{} {{\n{}}}\n",
            b.identifier(),
            block_text(b.body())
        ));
    }
    text
}

/// The service account's roles and bindings, plus structural errors.
fn account_grants(files: &[(String, String)]) -> (Vec<Role>, Vec<Binding>, Vec<String>) {
    let mut errors = Vec::new();
    let mut blocks: Vec<Block> = Vec::new();
    for (name, text) in files {
        match hcl::parse(text) {
            Ok(body) => blocks.extend(body.into_blocks()),
            Err(e) => errors.push(format!("{name}: {e}")),
        }
    }
    let resources: Vec<&Block> = blocks
        .iter()
        .filter(|b| b.identifier() == "resource")
        .collect();
    let of = |kind: &str| -> Vec<&Block> {
        resources
            .iter()
            .copied()
            .filter(|b| labels(b).first() == Some(&kind))
            .collect()
    };

    // The service runs as the responder account.
    let services = of("google_cloud_run_v2_service");
    if services.len() != 1 {
        errors.push(format!(
            "expected one google_cloud_run_v2_service, found {}",
            services.len()
        ));
    }
    for s in &services {
        let account = s
            .body()
            .blocks()
            .find(|b| b.identifier() == "template")
            .and_then(|t| attr(t.body(), "service_account"))
            .map(|e| e.to_string())
            .unwrap_or_default();
        if account != "google_service_account.responder.email" {
            errors.push(format!(
                "the service runs as `{account}`, not google_service_account.responder.email"
            ));
        }
    }

    let mut bindings = Vec::new();
    for b in &resources {
        let kind = labels(b).first().copied().unwrap_or("?").to_string();
        let name = format!("{kind}.{}", labels(b).get(1).unwrap_or(&"?"));
        let text = block_text(b.body());
        let mentions_responder = RESPONDER.iter().any(|r| text.contains(r));
        if kind == "google_service_account_key" && mentions_responder {
            errors.push(format!("{name}: a key for the responder's account"));
        }
        // Pushing (invoking) is the push account's job, never the responder's.
        if (kind == "google_pubsub_subscription" || kind == "google_eventarc_trigger")
            && mentions_responder
        {
            errors.push(format!("{name}: pushes with the responder's account"));
        }
        if !kind.starts_with("google_")
            || !(kind.ends_with("_iam_member")
                || kind.ends_with("_iam_binding")
                || kind.ends_with("_iam_policy"))
        {
            continue;
        }
        let member = ["member", "members", "policy_data"]
            .iter()
            .filter_map(|k| attr(b.body(), k).map(|e| e.to_string()))
            .collect::<Vec<_>>()
            .join(" ");
        if !RESPONDER.iter().any(|r| member.contains(r)) {
            continue;
        }
        if !kind.ends_with("_iam_member") {
            errors.push(format!(
                "{name}: authoritative {kind} for the responder's account (only *_iam_member)"
            ));
            continue;
        }
        let role_expr = attr(b.body(), "role");
        let Some(role) = role_expr.and_then(|e| referenced(e, "google_project_iam_custom_role"))
        else {
            errors.push(format!(
                "{name}: role {} is not a custom role of this module",
                role_expr.map(|e| e.to_string()).unwrap_or_default()
            ));
            continue;
        };
        let target = BINDING_TYPES
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, a)| *a);
        let Some(target) = target else {
            errors.push(format!("{name}: {kind} is not an allowed binding type"));
            continue;
        };
        let scope_text = ["for_each", "count", target]
            .iter()
            .filter_map(|k| attr(b.body(), k).map(|e| format!("{k} = {e}")))
            .collect::<Vec<_>>()
            .join("; ");
        bindings.push(Binding {
            name,
            kind,
            role,
            scope_text,
        });
    }

    let mut roles = Vec::new();
    for b in of("google_project_iam_custom_role") {
        let label = labels(b).get(1).unwrap_or(&"?").to_string();
        let permissions = string_list(
            attr(b.body(), "permissions"),
            &format!("{label}.permissions"),
            &mut errors,
        );
        roles.push(Role { label, permissions });
    }
    (roles, bindings, errors)
}

/// Every violation of least privilege in the module's Terraform (empty: proven).
fn violations(files: &[(String, String)]) -> Vec<String> {
    let (roles, bindings, mut errors) = account_grants(files);
    let parts = part_permissions();
    let served_by: BTreeMap<&str, &[&str]> = ROLES.iter().copied().collect();
    let mut granted: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();

    for r in &roles {
        let Some(served) = served_by.get(r.label.as_str()) else {
            errors.push(format!(
                "role `{}` serves no known part of the code (add it to ROLES)",
                r.label
            ));
            continue;
        };
        let used: BTreeSet<&str> = served
            .iter()
            .flat_map(|p| parts.get(*p).into_iter().flatten().map(String::as_str))
            .collect();
        for p in served.iter().filter(|p| !parts.contains_key(**p)) {
            errors.push(format!(
                "role `{}` serves `{p}`, which the code does not declare",
                r.label
            ));
        }
        for p in &r.permissions {
            if p.contains('*') {
                errors.push(format!("{}: wildcard permission `{p}`", r.label));
                continue;
            }
            if !used.contains(p.as_str()) {
                errors.push(format!(
                    "{}: `{p}` is granted but unused by {}",
                    r.label,
                    served.join(", ")
                ));
            }
            // A role grants nothing until it is bound.
            if bindings.iter().any(|b| b.role == r.label) {
                for part in served.iter() {
                    granted.entry(part).or_default().insert(p.as_str());
                }
            }
        }
    }

    for b in &bindings {
        if !served_by.contains_key(b.role.as_str()) {
            continue; // reported with the role
        }
        if b.kind == "google_project_iam_member" && !PROJECT_LEVEL.iter().any(|(r, _)| *r == b.role)
        {
            errors.push(format!(
                "{}: role {} bound on the whole project; bind it on the protected resources",
                b.name, b.role
            ));
            continue;
        }
        let allowed = SCOPES.iter().find(|(r, _, _)| *r == b.role);
        match allowed {
            Some((_, kind, needed))
                if *kind == b.kind && needed.iter().all(|n| b.scope_text.contains(n)) => {}
            _ => errors.push(format!(
                "{}: role {} bound on {} ({}) instead of {:?}",
                b.name,
                b.role,
                b.kind,
                b.scope_text,
                allowed.map(|(_, k, n)| (k, n))
            )),
        }
    }

    for (part, needed) in &parts {
        let have = granted.get(part.as_str()).cloned().unwrap_or_default();
        for p in needed {
            if !have.contains(p.as_str()) {
                errors.push(format!(
                    "{part} needs `{p}` but no bound role serving it grants it"
                ));
            }
        }
    }
    errors
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
fn every_part_has_a_role_and_a_scope() {
    let served: BTreeSet<&str> = ROLES.iter().flat_map(|(_, p)| p.iter().copied()).collect();
    for kind in ActionKind::ALL {
        assert!(
            served.contains(kind.as_str()),
            "{kind} is served by no role"
        );
    }
    for (role, _) in ROLES {
        assert!(
            SCOPES.iter().any(|(r, _, s)| r == role && !s.is_empty()),
            "role {role} has no allowed scope"
        );
    }
}

#[test]
fn the_roles_are_read_from_the_terraform() {
    let (roles, bindings, errors) = account_grants(&module_files());
    assert!(errors.is_empty(), "{errors:#?}");
    let all: BTreeSet<&str> = roles
        .iter()
        .flat_map(|r| r.permissions.iter().map(String::as_str))
        .collect();
    for p in [
        "storage.objects.list",
        "aiplatform.endpoints.undeploy",
        "secretmanager.versions.add",
        "pubsub.topics.publish",
    ] {
        assert!(all.contains(p), "{p} not parsed from iam.tf");
    }
    assert!(bindings.len() >= ROLES.len(), "{bindings:#?}");
}

#[test]
fn fails_when_a_needed_permission_is_removed() {
    let files = edited("iam.tf", "\"storage.objects.list\",", "");
    assert_violation(&files, "state needs `storage.objects.list`");
    let files = edited("iam.tf", "\"pubsub.topics.publish\",", "");
    assert_violation(&files, "notify needs `pubsub.topics.publish`");
    let files = edited("iam.tf", "\"aiplatform.endpoints.get\",", "");
    assert_violation(&files, "rollback-model needs `aiplatform.endpoints.get`");
    assert_violation(&files, "disable-endpoint needs `aiplatform.endpoints.get`");
    // A role that is never bound grants nothing.
    let files = edited(
        "iam.tf",
        "role   = google_project_iam_custom_role.audit.id\n  member = local.responder",
        "role   = google_project_iam_custom_role.audit.id\n  member = \"user:someone@example.com\"",
    );
    assert_violation(&files, "audit needs `storage.objects.create`");
}

#[test]
fn fails_when_an_unused_permission_is_granted() {
    let files = edited(
        "iam.tf",
        "\"pubsub.topics.publish\",",
        "\"pubsub.topics.publish\", \"iam.serviceAccounts.actAs\",",
    );
    assert_violation(
        &files,
        "notify: `iam.serviceAccounts.actAs` is granted but unused",
    );
    // Used elsewhere in the code, but not by the part this role serves.
    let files = edited(
        "iam.tf",
        "\"storage.objects.create\",\n  ]\n}\n\nresource \"google_storage_bucket_iam_member\" \"audit\"",
        "\"storage.objects.create\",\n    \"storage.objects.delete\",\n  ]\n}\n\nresource \"google_storage_bucket_iam_member\" \"audit\"",
    );
    assert_violation(
        &files,
        "audit: `storage.objects.delete` is granted but unused",
    );
}

#[test]
fn fails_on_wildcards() {
    let files = edited(
        "iam.tf",
        "\"pubsub.topics.publish\",",
        "\"pubsub.topics.*\",",
    );
    assert_violation(&files, "notify: wildcard permission `pubsub.topics.*`");
}

#[test]
fn fails_on_broad_bindings() {
    // The notify role on the whole project instead of the topic.
    let files = edited(
        "iam.tf",
        "resource \"google_pubsub_topic_iam_member\" \"notify\" {\n  project = var.project\n  topic   = local.notify_topic\n",
        "resource \"google_project_iam_member\" \"notify\" {\n  project = var.project\n",
    );
    assert_violation(
        &files,
        "google_project_iam_member.notify: role notify bound on the whole project",
    );
    // The state role on a protected bucket instead of the state bucket.
    let files = edited(
        "iam.tf",
        "bucket = google_storage_bucket.state.name",
        "bucket = var.protected_bucket_names[0]",
    );
    assert_violation(
        &files,
        "google_storage_bucket_iam_member.state: role state bound on",
    );
}

#[test]
fn fails_when_permissions_arrive_another_way() {
    let mut files = module_files();
    files.push((
        "extra.tf".into(),
        r#"resource "google_project_iam_member" "editor" {
  project = var.project
  role    = "roles/editor"
  member  = local.responder
}

resource "google_storage_bucket_iam_binding" "all" {
  bucket  = google_storage_bucket.state.name
  role    = google_project_iam_custom_role.state.id
  members = [local.responder]
}

resource "google_service_account_key" "k" {
  service_account_id = google_service_account.responder.name
}"#
        .into(),
    ));
    assert_violation(
        &files,
        "google_project_iam_member.editor: role \"roles/editor\" is not a custom role",
    );
    assert_violation(
        &files,
        "google_storage_bucket_iam_binding.all: authoritative",
    );
    assert_violation(&files, "google_service_account_key.k: a key");
    let files = edited(
        "main.tf",
        "service_account                  = google_service_account.responder.email",
        "service_account                  = google_service_account.push.email",
    );
    assert_violation(&files, "the service runs as");
    let files = edited(
        "triggers.tf",
        "service_account_email = google_service_account.push.email",
        "service_account_email = google_service_account.responder.email",
    );
    assert_violation(&files, "pushes with the responder's account");
}

#[test]
fn fails_on_an_unknown_role() {
    let files = edited(
        "iam.tf",
        "resource \"google_project_iam_custom_role\" \"notify\"",
        "resource \"google_project_iam_custom_role\" \"whatever\"",
    );
    assert_violation(&files, "role `whatever` serves no known part");
}
