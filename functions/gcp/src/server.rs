//! The Cloud Run HTTP server: `POST` (any path) takes a Pub/Sub push body, a CloudEvent
//! (structured, or binary mode with `ce-*` headers), a Cloud Monitoring webhook
//! notification or an operator request; `GET /healthz` answers 200. Listens on `$PORT`,
//! stops accepting on SIGTERM and lets requests in flight finish (Cloud Run allows 10 s).
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use serde_json::{json, Map, Value};
use tracing::{info, warn};

use crate::auth::PushAuth;
use crate::handler::{Handler, MAX_BODY_BYTES};

pub struct AppState {
    pub handler: Handler,
    pub auth: PushAuth,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .fallback(receive)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

fn json_response(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert("retry-after", axum::http::HeaderValue::from_static("10"));
    }
    response
}

/// A binary-mode CloudEvent (`ce-*` headers, body = data) as a structured one.
pub fn structured_cloudevent(headers: &HeaderMap, body: &[u8]) -> Option<Vec<u8>> {
    headers.get("ce-specversion")?;
    let mut event = Map::new();
    for (name, value) in headers {
        if let Some(attr) = name.as_str().strip_prefix("ce-") {
            if let Ok(v) = value.to_str() {
                event.insert(attr.to_string(), Value::String(v.to_string()));
            }
        }
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(data) => event.insert("data".into(), data),
        Err(_) => event.insert(
            "data_base64".into(),
            Value::String(base64::engine::general_purpose::STANDARD.encode(body)),
        ),
    };
    serde_json::to_vec(&Value::Object(event)).ok()
}

async fn receive(
    State(state): State<Arc<AppState>>,
    method: axum::http::Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method != axum::http::Method::POST {
        return json_response(
            405,
            json!({ "error": "POST a Pub/Sub push body, a CloudEvent, a Monitoring notification or an operator request" }),
        );
    }
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok());
    match state.auth.check(authorization).await {
        Ok(caller) => {
            if let Some(caller) = caller {
                info!(caller, "push request authenticated");
            }
        }
        Err(e) => {
            warn!(error = %e, "push request rejected: not authenticated");
            return json_response(401, json!({ "error": e.to_string() }));
        }
    }
    let dry_run = headers
        .get("x-aiir-dry-run")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    let payload = structured_cloudevent(&headers, &body).unwrap_or_else(|| body.to_vec());
    match state.handler.handle(&payload, dry_run).await {
        Ok(report) => json_response(200, serde_json::to_value(&report).unwrap_or(Value::Null)),
        Err(e) => {
            let status = e.http_status();
            json_response(
                status,
                json!({ "error": e.to_string(), "retryable": e.is_retryable() }),
            )
        }
    }
}

/// Resolves on SIGTERM (Cloud Run's stop signal) or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    info!("shutdown signal received: finishing requests in flight");
}

/// Serve until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Bind `0.0.0.0:port` (Cloud Run) and serve until SIGTERM.
pub async fn run(port: u16, state: Arc<AppState>) -> std::io::Result<()> {
    let addr = SocketAddr::from(([0, 0, 0, 0], port));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    info!(%addr, "aiir-gcp listening");
    serve(listener, state, shutdown_signal()).await
}
