//! The Azure Functions custom handler protocol: the host POSTs an invocation
//! (`{"Data": {binding: value}, "Metadata": {…}}`) to `/{FunctionName}` and expects
//! `{"Outputs": {binding: value}, "Logs": [..], "ReturnValue": ..}` back.
//!
//! What each trigger's binding carries: an HTTP trigger an object with `Method`, `Url`,
//! `Headers`, `Query` and `Body` (a string); an Event Grid trigger the event (an object); an
//! Event Hubs trigger with `cardinality: many` an array of event bodies (strings or objects); a
//! queue trigger the message (a string, or an object when it was JSON).
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A parsed invocation request.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Invocation {
    #[serde(rename = "Data", default)]
    pub data: Map<String, Value>,
    #[serde(rename = "Metadata", default)]
    pub metadata: Value,
}

/// The response the host expects.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct InvocationResponse {
    #[serde(rename = "Outputs")]
    pub outputs: Map<String, Value>,
    #[serde(rename = "Logs")]
    pub logs: Vec<String>,
    #[serde(rename = "ReturnValue")]
    pub return_value: Value,
}

/// What one invocation delivered, as payloads for the intake.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// HTTP trigger: the request body, and the request's method.
    Http { method: String, body: Vec<u8> },
    /// Any other trigger: one or more payloads (Event Hubs batches carry several).
    Events(Vec<Vec<u8>>),
}

/// Does this JSON look like an invocation envelope (rather than a raw payload)?
pub fn is_envelope(value: &Value) -> bool {
    value.as_object().is_some_and(|o| {
        o.get("Data").is_some_and(Value::is_object)
            && o.len() <= 2
            && o.keys().all(|k| k == "Data" || k == "Metadata")
    })
}

fn bytes_of(value: &Value) -> Vec<u8> {
    match value {
        Value::String(s) => s.as_bytes().to_vec(),
        other => other.to_string().into_bytes(),
    }
}

/// Take the trigger's payloads out of an invocation. The trigger binding is the one input
/// that is not `$return`; an HTTP request is recognised by its `Method`/`Body` shape.
pub fn delivery(inv: &Invocation) -> Result<Delivery, String> {
    let mut inputs = inv.data.iter().filter(|(k, _)| k.as_str() != "$return");
    let Some((name, value)) = inputs.next() else {
        return Err("the invocation has no input binding in Data".into());
    };
    if inputs.next().is_some() {
        return Err(format!(
            "the invocation has several input bindings; expected one (first: {name})"
        ));
    }
    if let Some(req) = value
        .as_object()
        .filter(|o| o.contains_key("Method") && (o.contains_key("Body") || o.contains_key("Url")))
    {
        let method = req
            .get("Method")
            .and_then(Value::as_str)
            .unwrap_or("POST")
            .to_ascii_uppercase();
        let body = match req.get("Body") {
            None | Some(Value::Null) => Vec::new(),
            Some(b) => bytes_of(b),
        };
        return Ok(Delivery::Http { method, body });
    }
    Ok(match value {
        Value::Array(items) => Delivery::Events(items.iter().map(bytes_of).collect()),
        other => Delivery::Events(vec![bytes_of(other)]),
    })
}

/// An HTTP output binding value (`res`): status, JSON body.
pub fn http_response(status: u16, body: &Value) -> Value {
    serde_json::json!({
        "statusCode": status,
        "headers": { "Content-Type": "application/json" },
        "body": body.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn http_and_event_deliveries() {
        let inv: Invocation = serde_json::from_value(json!({"Data": {"req": {"Url": "u", "Method": "post", "Body": "{\"a\":1}"}}, "Metadata": {}})).unwrap();
        assert_eq!(
            delivery(&inv).unwrap(),
            Delivery::Http {
                method: "POST".into(),
                body: b"{\"a\":1}".to_vec()
            }
        );
        let inv: Invocation =
            serde_json::from_value(json!({"Data": {"event": {"id": "1"}}})).unwrap();
        assert_eq!(
            delivery(&inv).unwrap(),
            Delivery::Events(vec![b"{\"id\":\"1\"}".to_vec()])
        );
        let inv: Invocation =
            serde_json::from_value(json!({"Data": {"records": ["x", {"y": 1}]}})).unwrap();
        assert_eq!(
            delivery(&inv).unwrap(),
            Delivery::Events(vec![b"x".to_vec(), b"{\"y\":1}".to_vec()])
        );
        let inv: Invocation = serde_json::from_value(json!({"Data": {}})).unwrap();
        assert!(delivery(&inv).is_err());
        assert!(is_envelope(&json!({"Data": {}, "Metadata": {}})));
        assert!(!is_envelope(&json!({"schemaId": "x", "data": {}})));
    }
}
