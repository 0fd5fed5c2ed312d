//! The custom handler's HTTP server: the Functions host POSTs each invocation to
//! `http://127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT/{FunctionName}` and reads the response.
//! hyper (http1 only), bound to the loopback address only.
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;
use tracing::{error, warn};

use crate::envelope::Invocation;
use crate::handler::{Handler, MAX_PAYLOAD_BYTES};

/// The environment variable the Functions host sets for the custom handler's port.
pub const PORT_ENV: &str = "FUNCTIONS_CUSTOMHANDLER_PORT";

/// Functions this handler serves (the folder names under `app/`).
pub const FUNCTIONS: &[&str] = &["alerts", "events", "modelio", "operator"];

fn reply(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut rsp = Response::new(Full::new(Bytes::from(body)));
    *rsp.status_mut() = status;
    rsp.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/json"),
    );
    rsp
}

/// Answer one request from the host.
pub async fn route(handler: &Handler, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let function = req.uri().path().trim_matches('/').to_string();
    if req.method() != hyper::Method::POST || !FUNCTIONS.contains(&function.as_str()) {
        return reply(
            StatusCode::NOT_FOUND,
            json!({ "error": format!("no function {function:?}") }).to_string(),
        );
    }
    let body = match Limited::new(req.into_body(), MAX_PAYLOAD_BYTES * 2)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            return reply(
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({ "error": e.to_string() }).to_string(),
            )
        }
    };
    let inv: Invocation = match serde_json::from_slice(&body) {
        Ok(inv) => inv,
        Err(e) => {
            return reply(
                StatusCode::BAD_REQUEST,
                json!({ "error": format!("not an invocation: {e}") }).to_string(),
            )
        }
    };
    match handler.invoke(&function, &inv, false).await {
        Ok(response) => reply(
            StatusCode::OK,
            serde_json::to_string(&response).unwrap_or_default(),
        ),
        Err(e) => {
            // A non-2xx answer fails the invocation: the host's retry policy applies.
            error!(function = %function, error = %e, retryable = e.is_retryable(), "invocation failed");
            let status = if e.is_retryable() {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::BAD_REQUEST
            };
            reply(
                status,
                json!({ "Outputs": {}, "Logs": [e.to_string()], "ReturnValue": null }).to_string(),
            )
        }
    }
}

/// Serve until the process is stopped.
pub async fn serve(handler: Arc<Handler>, listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let handler = handler.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let handler = handler.clone();
                async move { Ok::<_, Infallible>(route(&handler, req).await) }
            });
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                warn!(error = %e, "connection ended with an error");
            }
        });
    }
}

/// Bind 127.0.0.1 on `$FUNCTIONS_CUSTOMHANDLER_PORT` (7071 when unset, for local runs).
pub async fn bind_from_env() -> std::io::Result<TcpListener> {
    let port = std::env::var(PORT_ENV)
        .ok()
        .and_then(|p| p.trim().parse::<u16>().ok())
        .unwrap_or(7071);
    TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await
}
