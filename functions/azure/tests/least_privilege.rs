//! Least privilege, proven against the code.
//!
//! Reads the managed identity's custom roles and role assignments from `infra/azure/*.tf`
//! (HCL, parsed with `hcl-rs`) and compares them with what the code declares:
//! `required_permissions(kind)` for every [`ActionKind`], `state::REQUIRED_PERMISSIONS`,
//! `audit::REQUIRED_PERMISSIONS`, plus the platform permissions listed below with their reason.
//! It fails when
//! - a permission the code needs is not granted by a role serving that part of the code,
//! - a granted permission is used by no part the role serves,
//! - a permission is wildcarded, or `not_actions` / `not_data_actions` are used,
//! - a data action is listed under `actions` (or a control-plane action under
//!   `data_actions`), where Azure would silently ignore it,
//! - a role is assigned anywhere but on the resources its part acts on (a resource group or
//!   the subscription in particular), or the identity gets a built-in role,
//! - the function runs with any identity other than the module's user-assigned one.
//!
//! The negative tests run the same checker on edited copies of the Terraform.
use std::collections::{BTreeMap, BTreeSet};

use aiir_azure::{audit, required_permissions, state};
use aiir_core::action::ActionKind;
use hcl::{Block, Body, Expression};

#[path = "../../../infra/tests/support/terraform_module.rs"]
#[allow(dead_code)]
mod terraform_module;
use terraform_module::{attr, labels, referenced, string_list, Module};

/// Custom role (`azurerm_role_definition` label) → the parts of the code it serves.
const ROLES: &[(&str, &[&str])] = &[
    ("state", &["state"]),
    ("audit", &["audit"]),
    (
        "storage_accounts",
        &["lock-public-access", "enforce-encryption"],
    ),
    ("quarantine", &["quarantine-data"]),
    ("key_vault_secrets", &["rotate-secret"]),
    ("ml_endpoints", &["rollback-model", "disable-endpoint"]),
    ("sites", &["disable-endpoint"]),
    ("waf_policies", &["block-prompt"]),
    ("content_safety", &["block-prompt"]),
    ("notify", &["notify"]),
    ("trigger_alert", &["trigger-alert"]),
    ("modelio", &["platform"]),
];

/// Where each role may be assigned: text the assignment's `for_each` / `count` must contain
/// (the list of protected resources), and text its `scope` itself must contain (that
/// resource, never a container of it).
const SCOPES: &[(&str, &[&str], &[&str])] = &[
    (
        "state",
        &[],
        &[
            "azurerm_storage_account.data.id",
            "/tableServices/default/tables/${azurerm_storage_table.state.name}",
        ],
    ),
    ("audit", &[], &["azurerm_storage_container.audit.id"]),
    (
        "storage_accounts",
        &["var.protected_storage_account_ids"],
        &["each.value"],
    ),
    (
        "quarantine",
        &["var.protected_storage_account_ids"],
        &["each.value"],
    ),
    (
        "key_vault_secrets",
        &["var.key_vault_secrets"],
        &["each.value.key_vault_id", "/secrets/${each.value.name}"],
    ),
    (
        "ml_endpoints",
        &["var.ml_online_endpoints"],
        &["each.value"],
    ),
    (
        "sites",
        &["var.protected_function_app_ids"],
        &["each.value"],
    ),
    ("waf_policies", &["var.waf_policy_ids"], &["each.value"]),
    ("content_safety", &[], &["var.content_safety_account_id"]),
    ("notify", &[], &["local.notify_topic_id"]),
    (
        "trigger_alert",
        &["local.paging"],
        &["azurerm_monitor_data_collection_rule.paging"],
    ),
    ("modelio", &[], &["var.modelio_event_hub.id"]),
];

/// Needed by the deployment rather than by a code path, each with its reason.
const PLATFORM: &[(&str, &str)] = &[(
    "Microsoft.EventHub/namespaces/messages/receive/action",
    "the modelio function's Event Hubs trigger connects with the managed identity (no connection string)",
)];

/// Scope text that means "more than the protected resource".
const BROAD_SCOPES: &[&str] = &[
    "subscription",
    "resource_group",
    "resourceGroups",
    "resourcegroups",
    "local.rg",
    "management_group",
];

/// Data-plane permissions (they belong in `data_actions`; under `actions` Azure ignores them).
fn is_data_action(p: &str) -> bool {
    const DATA: &[&str] = &[
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/",
        "Microsoft.Storage/storageAccounts/tableServices/tables/entities/",
        "Microsoft.Storage/storageAccounts/queueServices/queues/messages/",
        "Microsoft.KeyVault/vaults/secrets/",
        "Microsoft.KeyVault/vaults/keys/",
        "Microsoft.CognitiveServices/accounts/ContentSafety/",
        "Microsoft.EventGrid/topics/events/",
        "Microsoft.EventHub/namespaces/messages/",
        "Microsoft.Insights/Telemetry/",
    ];
    DATA.iter().any(|d| p.starts_with(d))
}

fn part_permissions() -> BTreeMap<String, BTreeSet<String>> {
    let mut parts = BTreeMap::new();
    let set = |perms: &[&str]| perms.iter().map(|p| p.to_string()).collect::<BTreeSet<_>>();
    for kind in ActionKind::ALL {
        parts.insert(kind.to_string(), set(required_permissions(kind)));
    }
    parts.insert("state".into(), set(state::REQUIRED_PERMISSIONS));
    parts.insert("audit".into(), set(audit::REQUIRED_PERMISSIONS));
    parts.insert(
        "platform".into(),
        PLATFORM.iter().map(|(p, _)| p.to_string()).collect(),
    );
    parts
}

#[derive(Debug, Clone)]
struct Role {
    label: String,
    actions: Vec<String>,
    data_actions: Vec<String>,
}

#[derive(Debug, Clone)]
struct Assignment {
    label: String,
    /// The `azurerm_role_definition` label it assigns.
    role: String,
    /// `for_each` / `count` expressions as HCL text.
    source_text: String,
    /// The `scope` expression as HCL text.
    scope_text: String,
}

/// The module's top-level `.tf` files: (file name, text).
fn module_files() -> Vec<(String, String)> {
    Module::new(env!("CARGO_MANIFEST_DIR"), "azure").files("rbac.tf")
}

fn non_empty_attr(body: &Body, key: &str) -> bool {
    match attr(body, key) {
        Some(Expression::Array(items)) => !items.is_empty(),
        Some(Expression::Null) | None => false,
        Some(_) => true,
    }
}

/// The identity's roles and assignments, plus structural errors.
fn identity_grants(files: &[(String, String)]) -> (Vec<Role>, Vec<Assignment>, Vec<String>) {
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

    // The function runs as the module's user-assigned identity, and only as it.
    let apps = resources("azurerm_linux_function_app");
    if apps.len() != 1 {
        errors.push(format!(
            "expected one azurerm_linux_function_app, found {}",
            apps.len()
        ));
    }
    for app in &apps {
        match app.body().blocks().find(|b| b.identifier() == "identity") {
            Some(identity) => {
                let ty = attr(identity.body(), "type").map(|e| e.to_string());
                if ty.as_deref() != Some("\"UserAssigned\"") {
                    errors.push(format!(
                        "the function's identity type is {ty:?}, not \"UserAssigned\""
                    ));
                }
                let ids: String = attr(identity.body(), "identity_ids")
                    .map(|e| e.to_string())
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect();
                if ids != "[azurerm_user_assigned_identity.responder.id]" {
                    errors.push(format!(
                        "the function's identity_ids are {ids}, not the module's responder identity"
                    ));
                }
            }
            None => errors.push("the function app has no identity block".into()),
        }
    }

    let principal_refs = [
        "local.principal",
        "azurerm_user_assigned_identity.responder.principal_id",
    ];
    let mut assignments = Vec::new();
    for b in resources("azurerm_role_assignment") {
        let label = labels(b).get(1).unwrap_or(&"?").to_string();
        let principal = attr(b.body(), "principal_id")
            .map(|e| e.to_string())
            .unwrap_or_default();
        if !principal_refs.iter().any(|r| principal.contains(r)) {
            continue;
        }
        if attr(b.body(), "role_definition_name").is_some() {
            errors.push(format!(
                "azurerm_role_assignment.{label}: a built-in role (role_definition_name) for the responder identity"
            ));
            continue;
        }
        let Some(role) = attr(b.body(), "role_definition_id")
            .and_then(|e| referenced(e, "azurerm_role_definition"))
        else {
            errors.push(format!(
                "azurerm_role_assignment.{label}: role_definition_id is not a custom role of this module"
            ));
            continue;
        };
        let source_text = ["for_each", "count"]
            .iter()
            .filter_map(|k| attr(b.body(), k).map(|e| format!("{k} = {e}")))
            .collect::<Vec<_>>()
            .join("; ");
        let scope_text = attr(b.body(), "scope")
            .map(|e| e.to_string())
            .unwrap_or_default();
        assignments.push(Assignment {
            label,
            role,
            source_text,
            scope_text,
        });
    }

    let mut roles = Vec::new();
    for b in resources("azurerm_role_definition") {
        let label = labels(b).get(1).unwrap_or(&"?").to_string();
        let mut role = Role {
            label: label.clone(),
            actions: Vec::new(),
            data_actions: Vec::new(),
        };
        let permissions: Vec<&Block> = b
            .body()
            .blocks()
            .filter(|x| x.identifier() == "permissions")
            .collect();
        if permissions.is_empty() {
            errors.push(format!("role {label}: no permissions block"));
        }
        for p in permissions {
            for forbidden in ["not_actions", "not_data_actions"] {
                if non_empty_attr(p.body(), forbidden) {
                    errors.push(format!("role {label}: `{forbidden}` is not allowed"));
                }
            }
            role.actions.extend(string_list(
                attr(p.body(), "actions"),
                &format!("{label}.actions"),
                &mut errors,
            ));
            role.data_actions.extend(string_list(
                attr(p.body(), "data_actions"),
                &format!("{label}.data_actions"),
                &mut errors,
            ));
        }
        roles.push(role);
    }
    (roles, assignments, errors)
}

/// Every violation of least privilege in the module's Terraform (empty: proven).
fn violations(files: &[(String, String)]) -> Vec<String> {
    let (roles, assignments, mut errors) = identity_grants(files);
    let parts = part_permissions();
    let served_by: BTreeMap<&str, &[&str]> = ROLES.iter().copied().collect();
    let scopes: BTreeMap<&str, (&[&str], &[&str])> = SCOPES
        .iter()
        .map(|(r, src, sc)| (*r, (*src, *sc)))
        .collect();
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
        let listed = r
            .actions
            .iter()
            .map(|a| (a, false))
            .chain(r.data_actions.iter().map(|a| (a, true)));
        for (a, as_data) in listed {
            if a.contains('*') {
                errors.push(format!("{}: wildcard permission `{a}`", r.label));
                continue;
            }
            if is_data_action(a) != as_data {
                let (is, listed) = if as_data {
                    ("a control-plane action", "data_actions")
                } else {
                    ("a data action", "actions")
                };
                errors.push(format!(
                    "{}: `{a}` is {is} but listed in {listed} (Azure ignores it there)",
                    r.label
                ));
                continue;
            }
            if !used.contains(a.as_str()) {
                errors.push(format!(
                    "{}: `{a}` is granted but unused by {}",
                    r.label,
                    served.join(", ")
                ));
            }
            // A role grants nothing until it is assigned.
            if assignments.iter().any(|x| x.role == r.label) {
                for p in served.iter() {
                    granted.entry(p).or_default().insert(a.as_str());
                }
            }
        }
    }

    for x in &assignments {
        if !served_by.contains_key(x.role.as_str()) {
            continue; // reported with the role
        }
        let all_text = format!("{}; scope = {}", x.source_text, x.scope_text);
        if let Some(broad) = BROAD_SCOPES.iter().find(|b| all_text.contains(*b)) {
            errors.push(format!(
                "azurerm_role_assignment.{}: scope names `{broad}`, broader than the protected resources ({all_text})",
                x.label
            ));
        }
        let (source, scope) = scopes.get(x.role.as_str()).copied().unwrap_or((&[], &[]));
        let fits = !scope.is_empty()
            && source.iter().all(|n| x.source_text.contains(n))
            && scope.iter().all(|n| x.scope_text.contains(n));
        if !fits {
            errors.push(format!(
                "azurerm_role_assignment.{}: role {} assigned on {all_text} instead of {source:?} / {scope:?}",
                x.label, x.role
            ));
        }
    }

    for (part, needed) in &parts {
        let have = granted.get(part.as_str()).cloned().unwrap_or_default();
        for p in needed {
            if !have.contains(p.as_str()) {
                errors.push(format!(
                    "{part} needs `{p}` but no assigned role serving it grants it"
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
    let (roles, assignments, errors) = identity_grants(&module_files());
    assert!(errors.is_empty(), "{errors:#?}");
    let all: BTreeSet<&str> = roles
        .iter()
        .flat_map(|r| r.actions.iter().chain(&r.data_actions).map(String::as_str))
        .collect();
    for p in [
        "Microsoft.Storage/storageAccounts/tableServices/tables/entities/read",
        "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write",
        "Microsoft.KeyVault/vaults/secrets/setSecret/action",
        "Microsoft.EventGrid/topics/events/send/action",
    ] {
        assert!(all.contains(p), "{p} not parsed from rbac.tf");
    }
    assert!(assignments.len() >= ROLES.len(), "{assignments:#?}");
}

#[test]
fn fails_when_a_needed_permission_is_removed() {
    let files = edited(
        "rbac.tf",
        "\"Microsoft.Storage/storageAccounts/tableServices/tables/entities/delete\",",
        "",
    );
    assert_violation(
        &files,
        "state needs `Microsoft.Storage/storageAccounts/tableServices/tables/entities/delete`",
    );
    let files = edited(
        "rbac.tf",
        "\"Microsoft.EventGrid/topics/events/send/action\",",
        "",
    );
    assert_violation(
        &files,
        "notify needs `Microsoft.EventGrid/topics/events/send/action`",
    );
    let files = edited(
        "rbac.tf",
        "\"Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read\",",
        "",
    );
    assert_violation(
        &files,
        "rollback-model needs `Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read`",
    );
    assert_violation(&files, "disable-endpoint needs `Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read`");
    // A role that is never assigned grants nothing.
    let files = edited(
        "rbac.tf",
        "role_definition_id = azurerm_role_definition.audit.role_definition_resource_id\n  principal_id       = local.principal",
        "role_definition_id = azurerm_role_definition.audit.role_definition_resource_id\n  principal_id       = \"someone-else\"",
    );
    assert_violation(
        &files,
        "audit needs `Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write`",
    );
}

#[test]
fn fails_when_an_unused_permission_is_granted() {
    let files = edited(
        "rbac.tf",
        "\"Microsoft.Web/sites/read\",",
        "\"Microsoft.Web/sites/read\", \"Microsoft.Authorization/roleAssignments/write\",",
    );
    assert_violation(
        &files,
        "sites: `Microsoft.Authorization/roleAssignments/write` is granted but unused",
    );
    // Used elsewhere in the code, but not by the part this role serves.
    let files = edited(
        "rbac.tf",
        "\"Microsoft.EventGrid/topics/events/send/action\",",
        "\"Microsoft.EventGrid/topics/events/send/action\", \"Microsoft.KeyVault/vaults/secrets/getSecret/action\",",
    );
    assert_violation(
        &files,
        "notify: `Microsoft.KeyVault/vaults/secrets/getSecret/action` is granted but unused",
    );
}

#[test]
fn fails_on_wildcards_and_misplaced_data_actions() {
    let files = edited(
        "rbac.tf",
        "\"Microsoft.Web/sites/read\",",
        "\"Microsoft.Web/sites/*\",",
    );
    assert_violation(&files, "sites: wildcard permission `Microsoft.Web/sites/*`");
    let files = edited(
        "rbac.tf",
        "actions = []\n    data_actions = [\n      \"Microsoft.EventGrid/topics/events/send/action\",\n    ]",
        "actions = [\n      \"Microsoft.EventGrid/topics/events/send/action\",\n    ]\n    data_actions = []",
    );
    assert_violation(
        &files,
        "notify: `Microsoft.EventGrid/topics/events/send/action` is a data action but listed in actions",
    );
    let files = edited(
        "rbac.tf",
        "data_actions = []\n  }\n}\n\nresource \"azurerm_role_assignment\" \"sites\"",
        "not_actions = [\"Microsoft.Web/sites/delete\"]\n    data_actions = []\n  }\n}\n\nresource \"azurerm_role_assignment\" \"sites\"",
    );
    assert_violation(&files, "role sites: `not_actions` is not allowed");
}

#[test]
fn fails_on_broad_scopes() {
    let files = edited(
        "rbac.tf",
        "scope              = local.notify_topic_id",
        "scope              = data.azurerm_subscription.current.id",
    );
    assert_violation(
        &files,
        "azurerm_role_assignment.notify: scope names `subscription`",
    );
    let files = edited(
        "rbac.tf",
        "scope              = \"${each.value.key_vault_id}/secrets/${each.value.name}\"",
        "scope              = each.value.key_vault_id",
    );
    assert_violation(
        &files,
        "azurerm_role_assignment.key_vault_secrets: role key_vault_secrets assigned on",
    );
    let files = edited(
        "rbac.tf",
        "scope              = azurerm_storage_container.audit.id",
        "scope              = local.rg.id",
    );
    assert_violation(&files, "azurerm_role_assignment.audit: scope names");
}

#[test]
fn fails_when_permissions_arrive_another_way() {
    let mut files = module_files();
    files.push((
        "extra.tf".into(),
        r#"resource "azurerm_role_assignment" "contributor" {
  scope                = var.protected_storage_account_ids[0]
  role_definition_name = "Contributor"
  principal_id         = azurerm_user_assigned_identity.responder.principal_id
}"#
        .into(),
    ));
    assert_violation(
        &files,
        "azurerm_role_assignment.contributor: a built-in role",
    );
    let files = edited(
        "main.tf",
        "type         = \"UserAssigned\"",
        "type         = \"SystemAssigned, UserAssigned\"",
    );
    assert_violation(&files, "the function's identity type is");
}

#[test]
fn fails_on_an_unknown_role() {
    let files = edited(
        "rbac.tf",
        "resource \"azurerm_role_definition\" \"sites\"",
        "resource \"azurerm_role_definition\" \"whatever\"",
    );
    assert_violation(&files, "role `whatever` serves no known part");
}
