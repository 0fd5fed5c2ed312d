//! Vertex AI endpoints over the REST API (`aiplatform.googleapis.com/v1`,
//! `projects.locations.endpoints`): get, patch (`trafficSplit`), `deployModel`,
//! `undeployModel`. Shapes follow the v1 discovery document (`Endpoint`, `DeployedModel`,
//! `GoogleLongrunningOperation`).
use std::collections::BTreeMap;

use aiir_core::remediate::ActionError;
use reqwest::Method;
use serde_json::{json, Value};

use super::{api, Ctx};

/// `projects/P/locations/L/endpoints/E`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointName {
    pub name: String,
    pub location: String,
}

impl EndpointName {
    /// From a full or relative resource name (a bare id needs the project and a location,
    /// which the incident does not give: rejected).
    pub fn parse(id: &str) -> Result<Self, ActionError> {
        let id = id.trim().trim_start_matches("//");
        let id = id
            .split_once(".googleapis.com/")
            .map_or(id, |(_, rest)| rest);
        let parts: Vec<&str> = id.split('/').collect();
        if parts.len() >= 6
            && parts[0] == "projects"
            && parts[2] == "locations"
            && parts[4] == "endpoints"
            && parts[1..6].iter().all(|p| !p.is_empty())
        {
            return Ok(Self {
                name: parts[..6].join("/"),
                location: parts[3].to_string(),
            });
        }
        Err(ActionError::Invalid(format!(
            "`{id}` is not a Vertex AI endpoint (projects/P/locations/L/endpoints/E)"
        )))
    }
}

/// The endpoint's base URL and resource URL.
pub fn urls(ctx: &Ctx<'_>, endpoint: &EndpointName) -> (String, String) {
    let base = ctx.clients.endpoints.vertex_for(&endpoint.location);
    let url = format!("{base}/v1/{}", endpoint.name);
    (base, url)
}

pub async fn get(ctx: &Ctx<'_>, endpoint: &EndpointName) -> Result<Value, ActionError> {
    let (_, url) = urls(ctx, endpoint);
    ctx.clients
        .call(
            &format!("aiplatform.endpoints.get {}", endpoint.name),
            Method::GET,
            &url,
            None,
        )
        .await
        .map_err(api)
}

/// `deployedModels[]` of an endpoint.
pub fn deployed_models(endpoint: &Value) -> Vec<Value> {
    endpoint
        .get("deployedModels")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

pub fn deployed_id(model: &Value) -> Option<&str> {
    model.get("id").and_then(Value::as_str)
}

/// `trafficSplit` as a map (deployed model id → percent); entries at 0% are left out (the
/// service may or may not list them: both mean no traffic).
pub fn traffic_split(endpoint: &Value) -> BTreeMap<String, u64> {
    endpoint
        .get("trafficSplit")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_u64()
                            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                            .unwrap_or(0),
                    )
                })
                .filter(|(_, v)| *v > 0)
                .collect()
        })
        .unwrap_or_default()
}

/// `endpoints.patch` with `updateMask=trafficSplit`, conditional on the endpoint's `etag`.
pub async fn set_traffic(
    ctx: &Ctx<'_>,
    endpoint: &EndpointName,
    split: &BTreeMap<String, u64>,
    etag: Option<&str>,
) -> Result<Value, ActionError> {
    let (_, url) = urls(ctx, endpoint);
    let mut body = json!({ "trafficSplit": split });
    if let Some(etag) = etag {
        body["etag"] = json!(etag);
    }
    ctx.clients
        .call(
            &format!("aiplatform.endpoints.patch {}", endpoint.name),
            Method::PATCH,
            &format!("{url}?updateMask=trafficSplit"),
            Some(&body),
        )
        .await
        .map_err(api)
}

/// `endpoints.undeployModel`, waiting for the operation.
pub async fn undeploy(
    ctx: &Ctx<'_>,
    endpoint: &EndpointName,
    deployed_model_id: &str,
    remaining_split: &BTreeMap<String, u64>,
) -> Result<(), ActionError> {
    let (base, url) = urls(ctx, endpoint);
    let mut body = json!({ "deployedModelId": deployed_model_id });
    if !remaining_split.is_empty() {
        body["trafficSplit"] = json!(remaining_split);
    }
    let what = format!(
        "aiplatform.endpoints.undeployModel {} {deployed_model_id}",
        endpoint.name
    );
    let op = ctx
        .clients
        .call(
            &what,
            Method::POST,
            &format!("{url}:undeployModel"),
            Some(&body),
        )
        .await
        .map_err(api)?;
    ctx.wait_lro(&base, &op, &what).await?;
    Ok(())
}

/// Output-only fields of a `DeployedModel` that `deployModel` must not be sent.
const OUTPUT_ONLY: [&str; 4] = ["createTime", "privateEndpoints", "modelVersionId", "status"];

/// `endpoints.deployModel` of a recorded `DeployedModel` (same id), waiting for the
/// operation.
pub async fn deploy(
    ctx: &Ctx<'_>,
    endpoint: &EndpointName,
    deployed_model: &Value,
    split: &BTreeMap<String, u64>,
) -> Result<(), ActionError> {
    let (base, url) = urls(ctx, endpoint);
    let mut model = deployed_model.clone();
    if let Some(m) = model.as_object_mut() {
        for field in OUTPUT_ONLY {
            m.remove(field);
        }
    }
    let mut body = json!({ "deployedModel": model });
    if !split.is_empty() {
        // `DeployModelRequest.trafficSplit` names the model being deployed "0" (its id is
        // filled in by the service); the other keys must be deployed models already there.
        let id = deployed_id(deployed_model).unwrap_or("0");
        let split: BTreeMap<&str, u64> = split
            .iter()
            .map(|(k, v)| (if k == id { "0" } else { k.as_str() }, *v))
            .collect();
        body["trafficSplit"] = json!(split);
    }
    let what = format!("aiplatform.endpoints.deployModel {}", endpoint.name);
    let op = ctx
        .clients
        .call(
            &what,
            Method::POST,
            &format!("{url}:deployModel"),
            Some(&body),
        )
        .await
        .map_err(api)?;
    ctx.wait_lro(&base, &op, &what).await?;
    Ok(())
}
