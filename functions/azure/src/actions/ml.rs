//! Azure Machine Learning managed online endpoints over Resource Manager, api-version
//! 2024-04-01 (shared by disable-endpoint and rollback-model).
//!
//! `PATCH` on an online endpoint only accepts `tags`, `identity`, `kind` and `sku`
//! (`PartialMinimalTrackedResourceWithIdentity`), so traffic and `publicNetworkAccess` are
//! changed with `PUT` (`OnlineEndpoints_CreateOrUpdate`) of the endpoint as read, read-only
//! fields removed: what the Azure CLI and SDKs do for `online-endpoint update`. The `PUT` is a
//! long-running operation; aiir polls `GET` until `provisioningState` is `Succeeded` and the
//! values read back as set.
use std::collections::BTreeMap;

use aiir_core::intake::azure::resource_id::ArmId;
use aiir_core::remediate::ActionError;
use reqwest::Method;
use serde_json::{json, Map, Value};

use super::{arm_url, Ctx, ML_API_VERSION};
use crate::credential::scopes;

pub const ENDPOINT_TYPE: &str = "microsoft.machinelearningservices/workspaces/onlineendpoints";

/// Traffic split: deployment name → percent.
pub type Traffic = BTreeMap<String, i64>;

/// Is `id` an online endpoint?
pub fn is_endpoint(id: &str) -> bool {
    ArmId::parse(id).is_some_and(|a| a.full_type() == ENDPOINT_TYPE)
}

/// What aiir reads from an endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub body: Value,
    pub traffic: Traffic,
    /// `Enabled` | `Disabled`; absent means the service default (`Enabled`).
    pub public_network_access: Option<String>,
    pub provisioning_state: Option<String>,
    pub tags: Map<String, Value>,
}

impl Endpoint {
    pub fn access(&self) -> &str {
        self.public_network_access.as_deref().unwrap_or("Enabled")
    }
}

pub fn traffic_of(body: &Value) -> Traffic {
    body.pointer("/properties/traffic")
        .and_then(Value::as_object)
        .map(|t| {
            t.iter()
                .map(|(k, v)| {
                    let pct = v
                        .as_i64()
                        .or_else(|| v.as_f64().map(|f| f.round() as i64))
                        .unwrap_or(0);
                    (k.clone(), pct)
                })
                .collect()
        })
        .unwrap_or_default()
}

pub async fn get(ctx: &Ctx<'_>, id: &str) -> Result<Endpoint, ActionError> {
    let reply = ctx
        .clients
        .call(
            "ml online endpoints: get",
            Method::GET,
            arm_url(ctx, id, ML_API_VERSION)?,
            scopes::ARM,
            &[],
            None,
        )
        .await?;
    let body = reply.body;
    let text = |p: &str| body.pointer(p).and_then(Value::as_str).map(str::to_string);
    Ok(Endpoint {
        traffic: traffic_of(&body),
        public_network_access: text("/properties/publicNetworkAccess"),
        provisioning_state: text("/properties/provisioningState"),
        tags: body
            .get("tags")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        body,
    })
}

/// The `PUT` body: the endpoint as read, read-only fields removed, with `traffic`,
/// `publicNetworkAccess` and `tags` as given.
pub fn put_body(
    read: &Value,
    traffic: &Traffic,
    public_network_access: &str,
    tags: &Map<String, Value>,
) -> Value {
    let mut body = read.clone();
    if let Some(o) = body.as_object_mut() {
        for k in ["id", "name", "type", "systemData"] {
            o.remove(k);
        }
        o.insert("tags".into(), Value::Object(tags.clone()));
    }
    if let Some(p) = body.get_mut("properties").and_then(Value::as_object_mut) {
        for k in ["provisioningState", "scoringUri", "swaggerUri"] {
            p.remove(k);
        }
        p.insert("traffic".into(), json!(traffic));
        p.insert("publicNetworkAccess".into(), json!(public_network_access));
    }
    if let Some(i) = body.get_mut("identity").and_then(Value::as_object_mut) {
        i.remove("principalId");
        i.remove("tenantId");
        if let Some(u) = i
            .get_mut("userAssignedIdentities")
            .and_then(Value::as_object_mut)
        {
            for v in u.values_mut() {
                *v = json!({});
            }
        }
    }
    body
}

/// `PUT` the endpoint with `traffic`, access and tags, then wait until it reads back so.
pub async fn set(
    ctx: &Ctx<'_>,
    id: &str,
    read: &Value,
    traffic: &Traffic,
    public_network_access: &str,
    tags: &Map<String, Value>,
) -> Result<Endpoint, ActionError> {
    let body = put_body(read, traffic, public_network_access, tags);
    ctx.clients
        .call(
            "ml online endpoints: create or update",
            Method::PUT,
            arm_url(ctx, id, ML_API_VERSION)?,
            scopes::ARM,
            &[],
            Some(&body),
        )
        .await?;
    ctx.wait
        .until(&format!("{id}: traffic and access"), || async {
            let now = get(ctx, id).await?;
            match now.provisioning_state.as_deref() {
                Some(s)
                    if s.eq_ignore_ascii_case("failed") || s.eq_ignore_ascii_case("canceled") =>
                {
                    return Err(ActionError::Verification(format!("{id}: update ended {s}")))
                }
                Some(s) if !s.eq_ignore_ascii_case("succeeded") => return Ok(None),
                _ => {}
            }
            let same_traffic = traffic
                .iter()
                .all(|(k, v)| now.traffic.get(k).copied().unwrap_or(0) == *v)
                && now
                    .traffic
                    .iter()
                    .all(|(k, v)| traffic.get(k).copied().unwrap_or(0) == *v);
            if same_traffic && now.access().eq_ignore_ascii_case(public_network_access) {
                Ok(Some(now))
            } else {
                Ok(None)
            }
        })
        .await
}

/// The endpoint's deployments: (name, created at), following `nextLink` pages.
pub async fn deployments(
    ctx: &Ctx<'_>,
    id: &str,
) -> Result<Vec<(String, Option<String>)>, ActionError> {
    let mut url = arm_url(ctx, &format!("{id}/deployments"), ML_API_VERSION)?;
    let mut out = Vec::new();
    for _ in 0..50 {
        let reply = ctx
            .clients
            .call(
                "ml online deployments: list",
                Method::GET,
                url,
                scopes::ARM,
                &[],
                None,
            )
            .await?;
        for d in reply
            .body
            .get("value")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = d.get("name").and_then(Value::as_str) {
                let created = d
                    .pointer("/systemData/createdAt")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                out.push((name.to_string(), created));
            }
        }
        match reply.body.get("nextLink").and_then(Value::as_str) {
            Some(next) => {
                url = crate::clients::Endpoints::rebase(
                    next,
                    Some(&ctx.clients.endpoints.arm_base()),
                )?
            }
            None => return Ok(out),
        }
    }
    Err(ActionError::Invalid(format!(
        "{id}: more than 50 pages of deployments"
    )))
}
