//! trigger-alert: one record in a Log Analytics table through the Azure Monitor **Logs
//! Ingestion API**; a log search alert rule on that table pages on-call through its action
//! groups (the routing that already exists).
//!
//! `alert` is the stream's ingestion URL:
//! `https://{data-collection-endpoint}/dataCollectionRules/{dcr-immutable-id}/streams/{stream}`
//! (aiir adds `api-version=2023-01-01`). Token audience `https://monitor.azure.com`; the
//! identity needs the data action `Microsoft.Insights/Telemetry/Write` on that data collection
//! rule only (Monitoring Metrics Publisher).
//!
//! Why not Application Insights: its ingestion endpoint authenticates with the component's
//! instrumentation key (a shared secret in the connection string) unless local auth is turned
//! off, and custom events arrive in a schema aiir does not control. Logs Ingestion takes an
//! Entra ID token scoped to one rule, and the stream declares exactly the columns below, which
//! the alert rule queries.
//!
//! Stream columns: `TimeGenerated` (datetime), `IncidentId`, `StepId`, `Kind`, `Severity`,
//! `Title`, `Source`, `Undo` (string), `Resources`, `Atlas` (dynamic).
//!
//! The API is append-only and has no read: a dry-run checks the URL and describes the record;
//! verification is the `204` answer. The pipeline's de-duplication makes a redelivered alert
//! post once; the record carries the step id so an alert rule can count each page once
//! (`summarize arg_min(TimeGenerated, *) by StepId`). A page cannot be taken back: undo does
//! nothing.
use aiir_core::action::ActionDoc;
use aiir_core::action::ActionSpec;
use aiir_core::audit::StepRecord;
use aiir_core::remediate::{ActionError, ActionOutcome, ActionRequest};
use reqwest::Method;
use serde_json::{json, Value};
use url::Url;

use super::{dry_run, unchanged, Ctx};
use crate::clients::Endpoints;
use crate::credential::scopes;

pub const PERMISSIONS: &[&str] = &["Microsoft.Insights/Telemetry/Write"];

/// The Logs Ingestion API version (the fixture is its published example).
pub const LOGS_INGESTION_API_VERSION: &str = "2023-01-01";

pub fn required_permissions() -> &'static [&'static str] {
    PERMISSIONS
}

/// What this action calls and how undo restores the prior state (the cloud comparison
/// matrix in `docs/architecture.md` is generated from it: `make docs`).
pub const DOC: ActionDoc = ActionDoc {
    api: "Azure Monitor Logs Ingestion API (2023-01-01): one record into the data collection rule's stream; a log search alert rule on the table pages through its action group",
    undo: "none: a page cannot be taken back",
};

/// The parts of an ingestion URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    pub url: Url,
    pub rule: String,
    pub stream: String,
}

/// `https://{dce}/dataCollectionRules/{rule}/streams/{stream}`, nothing else.
pub fn parse_stream(alert: &str) -> Result<Stream, ActionError> {
    let bad = |why: &str| {
        ActionError::Invalid(format!(
            "trigger-alert `alert` must be a Logs Ingestion URL \
             (https://{{data-collection-endpoint}}/dataCollectionRules/{{dcr-immutable-id}}/streams/{{stream}}): {why}"
        ))
    };
    let url = Url::parse(alert.trim()).map_err(|_| bad("not a URL"))?;
    if url.scheme() != "https" {
        return Err(bad("not https"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("no query or fragment (aiir sets the api-version)"));
    }
    let segments: Vec<&str> = url.path_segments().map(|s| s.collect()).unwrap_or_default();
    match segments.as_slice() {
        ["dataCollectionRules", rule, "streams", stream]
            if !rule.is_empty() && !stream.is_empty() =>
        {
            Ok(Stream {
                url: url.clone(),
                rule: rule.to_string(),
                stream: stream.to_string(),
            })
        }
        _ => Err(bad(
            "the path is not /dataCollectionRules/{rule}/streams/{stream}",
        )),
    }
}

/// The one record posted: the columns the stream declares.
pub fn record(request: &ActionRequest<'_>, now: chrono::DateTime<chrono::Utc>) -> Value {
    let incident = request.incident;
    json!([{
        "TimeGenerated": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "IncidentId": incident.id,
        "StepId": request.step_id,
        "Kind": incident.kind,
        "Severity": incident.severity,
        "Title": incident.title,
        "Source": incident.source,
        "Resources": incident.resources.iter().map(|r| &r.id).collect::<Vec<_>>(),
        "Atlas": incident.atlas,
        "Undo": format!("{{\"aiir\":\"undo\",\"incident_id\":\"{}\",\"operator\":\"<name>\"}}", incident.id),
    }])
}

pub async fn apply(
    ctx: &Ctx<'_>,
    request: &ActionRequest<'_>,
) -> Result<ActionOutcome, ActionError> {
    let ActionSpec::TriggerAlert { alert } = request.action else {
        return Err(ActionError::Invalid("not a trigger-alert action".into()));
    };
    let stream = parse_stream(alert)?;
    let shown = format!(
        "stream {} of data collection rule {} at {}",
        stream.stream,
        stream.rule,
        stream.url.host_str().unwrap_or_default()
    );
    let state =
        json!({ "rule": stream.rule, "stream": stream.stream, "incident_id": request.incident.id });
    if dry_run(request) {
        return Ok(ActionOutcome {
            changed: true,
            prior_state: Value::Null,
            new_state: state,
            details: vec![format!(
                "would post the incident to {shown} (the Logs Ingestion API has no read: the URL was checked, not the rule)"
            )],
        });
    }
    let mut url = Endpoints::rebase(
        stream.url.as_str(),
        ctx.clients.endpoints.logs_ingestion.as_deref(),
    )?;
    url.query_pairs_mut()
        .append_pair("api-version", LOGS_INGESTION_API_VERSION);
    let body = record(request, chrono::Utc::now());
    let reply = ctx
        .clients
        .call(
            "logs ingestion: upload",
            Method::POST,
            url,
            scopes::MONITOR,
            &[],
            Some(&body),
        )
        .await?;
    // 204 No Content is the documented success; anything else 2xx is not what was asked.
    if reply.status != 204 {
        return Err(ActionError::Verification(format!(
            "logs ingestion answered {} instead of 204 for {shown}",
            reply.status
        )));
    }
    tracing::info!(incident_id = %request.incident.id, action = "trigger-alert", resource = %stream.rule, stream = %stream.stream, "incident posted for paging");
    Ok(ActionOutcome {
        changed: true,
        prior_state: Value::Null,
        new_state: state,
        details: vec![format!("posted the incident to {shown} (204)")],
    })
}

pub async fn undo(_ctx: &Ctx<'_>, record: &StepRecord) -> Result<ActionOutcome, ActionError> {
    Ok(unchanged(
        record.new_state.clone(),
        "a page cannot be taken back; the ingested record stays in the table".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ingestion_urls() {
        let s = parse_stream("https://dce-name.eastus-2.ingest.monitor.azure.com/dataCollectionRules/dcr-0123/streams/Custom-AiirIncidents_CL").unwrap();
        assert_eq!(s.rule, "dcr-0123");
        assert_eq!(s.stream, "Custom-AiirIncidents_CL");
        for bad in [
            "",
            "oncall",
            "http://dce/dataCollectionRules/dcr-1/streams/s",
            "https://dce/dataCollectionRules/dcr-1/streams/s?api-version=2023-01-01",
            "https://dce/dataCollectionRules/dcr-1",
            "https://dce/dataCollectionRules//streams/s",
            "https://dce/dataCollectionRules/dcr-1/streams/s/extra",
        ] {
            assert!(
                matches!(parse_stream(bad), Err(ActionError::Invalid(_))),
                "{bad}"
            );
        }
    }
}
