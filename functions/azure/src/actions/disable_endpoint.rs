//! disable-endpoint: take a compromised serving endpoint out of service, keeping its
//! configuration for undo.
//!
//! - Azure Machine Learning managed online endpoint
//!   (`…/Microsoft.MachineLearningServices/workspaces/{ws}/onlineEndpoints/{name}`), Resource
//!   Manager api-version 2024-04-01: `GET` the endpoint, `PUT` it back with every deployment's
//!   traffic at 0 and `publicNetworkAccess: Disabled` (see [`super::ml`] for why `PUT`), then
//!   poll `GET` until it reads back so. Deployments are not deleted: undo puts the recorded
//!   traffic split and access back.
//! - Function / App Service app (`…/Microsoft.Web/sites/{name}`), api-version 2023-12-01:
//!   `GET` the site (`properties.state`), `POST {site}/stop`, poll `GET` until `Stopped`; undo
//!   `POST {site}/start` when it was running.
use aiir_core::action::ActionDoc;
use aiir_core::audit::StepRecord;
use aiir_core::intake::azure::resource_id::ArmId;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::ml::{self, Traffic};
use super::{arm_url, dry_run, json, prior, unchanged, Ctx, WEB_API_VERSION};
use crate::credential::scopes;

pub const PERMISSIONS: &[&str] = &[
    "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read",
    "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write",
    "Microsoft.Web/sites/read",
    "Microsoft.Web/sites/stop/action",
    "Microsoft.Web/sites/start/action",
];

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "Azure ML online endpoint: `PUT` with every deployment's traffic 0 and `publicNetworkAccess = Disabled` (deployments kept); Function / App Service app: `POST …/stop`",
    undo: "`PUT` the recorded traffic split and network access back; app: `POST …/start` when it was running",
};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Prior {
    /// An Azure ML online endpoint: its traffic split and public network access before.
    MlEndpoint {
        endpoint_id: String,
        traffic: Traffic,
        #[serde(default)]
        public_network_access: Option<String>,
    },
    /// A Function / App Service app: its `state` before (`Running`, `Stopped`).
    Site { site_id: String, state: String },
}

enum Target {
    Ml(String),
    Site(String),
}

fn target(id: &str) -> Result<Target, ActionError> {
    let id = id.trim().trim_end_matches('/').to_string();
    if ml::is_endpoint(&id) {
        return Ok(Target::Ml(id));
    }
    match ArmId::parse(&id).map(|a| a.full_type()) {
        Some(t) if t == "microsoft.web/sites" => Ok(Target::Site(id)),
        _ => Err(ActionError::Invalid(format!(
            "{id}: disable-endpoint needs an Azure ML online endpoint or a Microsoft.Web/sites ARM id"
        ))),
    }
}

fn all_off(t: &Traffic) -> Traffic {
    t.keys().map(|k| (k.clone(), 0)).collect()
}

fn show(t: &Traffic) -> String {
    if t.is_empty() {
        return "no traffic".into();
    }
    t.iter()
        .map(|(k, v)| format!("{k}={v}%"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn site_state(ctx: &Ctx<'_>, id: &str) -> Result<String, ActionError> {
    let reply = ctx
        .clients
        .call(
            "web apps: get",
            Method::GET,
            arm_url(ctx, id, WEB_API_VERSION)?,
            scopes::ARM,
            &[],
            None,
        )
        .await?;
    Ok(reply
        .body
        .pointer("/properties/state")
        .and_then(Value::as_str)
        .unwrap_or("Unknown")
        .to_string())
}

async fn site_action(ctx: &Ctx<'_>, id: &str, verb: &str, want: &str) -> Result<(), ActionError> {
    ctx.clients
        .call(
            &format!("web apps: {verb}"),
            Method::POST,
            arm_url(ctx, &format!("{id}/{verb}"), WEB_API_VERSION)?,
            scopes::ARM,
            &[],
            None,
        )
        .await?;
    ctx.wait
        .until(&format!("{id}: state {want}"), || async {
            let s = site_state(ctx, id).await?;
            Ok(s.eq_ignore_ascii_case(want).then_some(()))
        })
        .await
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    match target(&request.target.id)? {
        Target::Ml(id) => {
            let now = ml::get(ctx, &id).await?;
            let p = Prior::MlEndpoint {
                endpoint_id: id.clone(),
                traffic: now.traffic.clone(),
                public_network_access: now.public_network_access.clone(),
            };
            let off = all_off(&now.traffic);
            if now.traffic == off && now.access().eq_ignore_ascii_case("Disabled") {
                return Ok(unchanged(
                    json(&p),
                    format!("{id} already takes no traffic and has public network access disabled"),
                ));
            }
            let detail = format!(
                "set traffic of {id} to {} (was {}) and publicNetworkAccess to Disabled (was {})",
                show(&off),
                show(&now.traffic),
                now.access()
            );
            if dry_run(request) {
                return Ok(ActionOutcome {
                    changed: true,
                    prior_state: json(&p),
                    new_state: Value::Null,
                    details: vec![format!("would {detail}")],
                });
            }
            let after = ml::set(ctx, &id, &now.body, &off, "Disabled", &now.tags).await?;
            Ok(ActionOutcome {
                changed: true,
                prior_state: json(&p),
                new_state: json(
                    &json!({ "traffic": after.traffic, "public_network_access": after.access() }),
                ),
                details: vec![detail],
            })
        }
        Target::Site(id) => {
            let state = site_state(ctx, &id).await?;
            let p = Prior::Site {
                site_id: id.clone(),
                state: state.clone(),
            };
            if state.eq_ignore_ascii_case("Stopped") {
                return Ok(unchanged(json(&p), format!("{id} is already stopped")));
            }
            let detail = format!("stop app {id} (was {state})");
            if dry_run(request) {
                return Ok(ActionOutcome {
                    changed: true,
                    prior_state: json(&p),
                    new_state: Value::Null,
                    details: vec![format!("would {detail}")],
                });
            }
            site_action(ctx, &id, "stop", "Stopped").await?;
            Ok(ActionOutcome {
                changed: true,
                prior_state: json(&p),
                new_state: json(&json!({ "state": "Stopped" })),
                details: vec![detail],
            })
        }
    }
}

pub async fn undo(ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    match prior::<Prior>(record)? {
        Prior::MlEndpoint {
            endpoint_id,
            traffic,
            public_network_access,
        } => {
            let access = public_network_access.as_deref().unwrap_or("Enabled");
            let now = ml::get(ctx, &endpoint_id).await?;
            if now.traffic == traffic && now.access().eq_ignore_ascii_case(access) {
                return Ok(unchanged(
                    record.prior_state.clone(),
                    format!("{endpoint_id} already has its recorded traffic and access"),
                ));
            }
            ml::set(ctx, &endpoint_id, &now.body, &traffic, access, &now.tags).await?;
            Ok(ActionOutcome {
                changed: true,
                prior_state: record.new_state.clone(),
                new_state: record.prior_state.clone(),
                details: vec![format!(
                    "restored traffic of {endpoint_id} to {} and publicNetworkAccess to {access}",
                    show(&traffic)
                )],
            })
        }
        Prior::Site { site_id, state } => {
            let now = site_state(ctx, &site_id).await?;
            if !state.eq_ignore_ascii_case("Running") || now.eq_ignore_ascii_case("Running") {
                return Ok(unchanged(
                    record.prior_state.clone(),
                    format!("{site_id} is {now}; recorded state was {state}: nothing to start"),
                ));
            }
            site_action(ctx, &site_id, "start", "Running").await?;
            Ok(ActionOutcome {
                changed: true,
                prior_state: record.new_state.clone(),
                new_state: record.prior_state.clone(),
                details: vec![format!("started app {site_id} again")],
            })
        }
    }
}
