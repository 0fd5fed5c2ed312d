//! Optional external classifier (a hosted Prompt Guard on SageMaker, Azure AI Content Safety
//! Prompt Shields, GCP Model Armor, Bedrock Guardrails …) behind a trait, with a timeout and a
//! fallback to the local score. Off by default. The core crate has no HTTP client: the cloud
//! crates implement [`ExternalClassifier`].
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ExternalError {
    #[error("external classifier failed: {0}")]
    Failed(String),
    #[error("external classifier timed out after {0:?}")]
    Timeout(Duration),
}

/// A hosted classifier: probability in [0, 1] that `text` is an attack.
#[async_trait]
pub trait ExternalClassifier: Send + Sync {
    fn name(&self) -> &str;
    async fn classify(&self, text: &str) -> Result<f64, ExternalError>;
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExternalConfig {
    /// Off by default: the local detector is the default path.
    pub enabled: bool,
    pub timeout: Duration,
}

impl Default for ExternalConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            timeout: Duration::from_millis(300),
        }
    }
}

/// The score used and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CombinedScore {
    /// max(local, external) when the external call answered; the local score otherwise.
    pub score: f64,
    pub local: f64,
    pub external: Option<f64>,
    /// Why the local score was used alone (`disabled`, `timeout`, error text).
    pub fallback: Option<String>,
}

/// A runtime-agnostic sleep: a thread wakes the task when the deadline passes, so this works
/// under any executor (Lambda's tokio, a test's runtime) without the core depending on one.
struct Deadline {
    state: Arc<Mutex<(bool, Option<Waker>)>>,
    started: bool,
    after: Duration,
}

impl Future for Deadline {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Ok(mut st) = self.state.lock() else {
            return Poll::Ready(());
        };
        if st.0 {
            return Poll::Ready(());
        }
        st.1 = Some(cx.waker().clone());
        drop(st);
        if !self.started {
            self.started = true;
            let state = Arc::clone(&self.state);
            let after = self.after;
            std::thread::spawn(move || {
                std::thread::sleep(after);
                if let Ok(mut st) = state.lock() {
                    st.0 = true;
                    if let Some(w) = st.1.take() {
                        w.wake();
                    }
                }
            });
        }
        Poll::Pending
    }
}

/// Ask the external classifier within `cfg.timeout`; on timeout, error or when disabled, use
/// the local score.
pub async fn score_with_fallback(
    ext: Option<&dyn ExternalClassifier>,
    cfg: &ExternalConfig,
    text: &str,
    local: f64,
) -> CombinedScore {
    let fallback = |why: String| CombinedScore {
        score: local,
        local,
        external: None,
        fallback: Some(why),
    };
    let ext = match ext {
        Some(e) if cfg.enabled => e,
        _ => return fallback("disabled".into()),
    };
    let mut call = ext.classify(text);
    let mut deadline = Deadline {
        state: Arc::new(Mutex::new((false, None))),
        started: false,
        after: cfg.timeout,
    };
    let res = std::future::poll_fn(|cx| {
        if let Poll::Ready(r) = call.as_mut().poll(cx) {
            return Poll::Ready(r);
        }
        match Pin::new(&mut deadline).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(ExternalError::Timeout(cfg.timeout))),
            Poll::Pending => Poll::Pending,
        }
    })
    .await;
    match res {
        Ok(s) if s.is_finite() => {
            let s = s.clamp(0.0, 1.0);
            CombinedScore {
                score: local.max(s),
                local,
                external: Some(s),
                fallback: None,
            }
        }
        Ok(_) => fallback(format!("{}: non-finite score", ext.name())),
        Err(e) => fallback(format!("{}: {e}", ext.name())),
    }
}
