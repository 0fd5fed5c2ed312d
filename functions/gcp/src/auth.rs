//! Authentication of push requests.
//!
//! **Choice: Cloud Run IAM by default** (`AIIR_AUTH=cloud-run-iam`). The service is deployed
//! with `--no-allow-unauthenticated`; the Pub/Sub push subscriptions and Eventarc triggers
//! push with an OIDC token of a service account that holds `roles/run.invoker` on it. Cloud
//! Run's front end verifies the token (Google signature, audience = the service URL, expiry)
//! and the invoker role before a request reaches the container. Why: Google verifies it at
//! the edge, so there is no key fetching or clock handling for aiir to get wrong, and an
//! unauthenticated request never starts an instance. Cloud Monitoring webhooks cannot send
//! OIDC tokens: route Monitoring through its Pub/Sub notification channel instead.
//!
//! **Optional in-process verification** (`AIIR_AUTH=oidc`), for deployments that must accept
//! unauthenticated traffic at the edge (behind a load balancer) or as defence in depth:
//! `Authorization: Bearer <JWT>` is verified with the official `google-cloud-auth` ID-token
//! verifier (signature against Google's JWKS, `iss` accounts.google.com, `aud` one of
//! `AIIR_PUSH_AUDIENCE`, `exp`), and `email` must be one of `AIIR_PUSH_SERVICE_ACCOUNTS`
//! (when set) with `email_verified`. Any failure is a 401 and nothing is parsed or changed.
use google_cloud_auth::credentials::idtoken::verifier::{Builder, Verifier};
use serde_json::Value;

#[derive(Debug, Clone)]
pub enum AuthMode {
    /// Cloud Run IAM verified the caller before the request arrived.
    CloudRunIam,
    Oidc {
        audiences: Vec<String>,
        /// Allowed `email` claims (push service accounts); empty: any verified token for the
        /// audience.
        service_accounts: Vec<String>,
        /// JWKS URL (default: Google's OAuth2 certs). Tests point it at a local key set.
        jwks_url: Option<String>,
    },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("missing bearer token")]
    Missing,
    #[error("invalid token: {0}")]
    Invalid(String),
    #[error("token email `{0}` is not an allowed push service account")]
    NotAllowed(String),
}

/// Checks requests according to an [`AuthMode`]; build once per process (the verifier caches
/// Google's keys).
pub struct PushAuth {
    mode: AuthMode,
    verifier: Option<Verifier>,
}

impl PushAuth {
    pub fn new(mode: AuthMode) -> Self {
        let verifier = match &mode {
            AuthMode::CloudRunIam => None,
            AuthMode::Oidc {
                audiences,
                jwks_url,
                ..
            } => {
                let mut b = Builder::new(audiences.clone());
                if let Some(url) = jwks_url {
                    b = b.with_jwks_url(url.clone());
                }
                Some(b.build())
            }
        };
        Self { mode, verifier }
    }

    pub fn mode(&self) -> &AuthMode {
        &self.mode
    }

    /// Verify the `Authorization` header value; returns the caller's email when known.
    pub async fn check(&self, authorization: Option<&str>) -> Result<Option<String>, AuthError> {
        let (
            Some(verifier),
            AuthMode::Oidc {
                service_accounts, ..
            },
        ) = (&self.verifier, &self.mode)
        else {
            return Ok(None);
        };
        let token = authorization
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::Missing)?;
        let claims = verifier
            .verify(token)
            .await
            .map_err(|e| AuthError::Invalid(crate::error::clip(&e.to_string(), 200)))?;
        let email = claims
            .get("email")
            .and_then(Value::as_str)
            .map(String::from);
        if !service_accounts.is_empty() {
            let verified = claims.get("email_verified").and_then(Value::as_bool) == Some(true);
            match &email {
                Some(e) if verified && service_accounts.iter().any(|s| s == e) => {}
                Some(e) => return Err(AuthError::NotAllowed(e.clone())),
                None => return Err(AuthError::NotAllowed("<none>".into())),
            }
        }
        Ok(email)
    }
}
