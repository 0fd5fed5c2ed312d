//! SDK error → [`ActionError`] / [`StateError`] / [`AuditError`] classification.
//!
//! One place decides what is worth another attempt (throttling, 5xx, WAF's optimistic lock,
//! network), what is a permission problem (retrying will not help), and what means the
//! resource is gone.
use aiir_core::audit::AuditError;
use aiir_core::remediate::ActionError;
use aiir_core::state::StateError;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// Error codes AWS services use for "slow down / try again".
const TRANSIENT_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "SlowDown",
    "PriorRequestNotComplete",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "InternalServiceError",
    "InternalServiceErrorException",
    "RequestTimeout",
    "RequestTimeoutException",
    "OperationAborted",
    // WAFv2: the lock token was stale (someone else changed the set) or the entity is busy.
    "WAFOptimisticLockException",
    "WAFUnavailableEntityException",
    "WAFInternalErrorException",
    // Lambda: the function is being updated.
    "ResourceConflictException",
    // Secrets Manager: a previous rotation is still in progress.
    "ConcurrentModificationException",
];

const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "AuthorizationError",
    "AuthorizationErrorException",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "WAFAccessDeniedException",
    "KMS.AccessDeniedException",
    "AllAccessDisabled",
];

const NOT_FOUND_CODES: &[&str] = &[
    "ResourceNotFoundException",
    "ResourceNotFound",
    "NotFound",
    "NotFoundException",
    "NoSuchBucket",
    "NoSuchKey",
    "NoSuchEntity",
    "WAFNonexistentItemException",
];

/// How an SDK failure should be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    Transient,
    Denied,
    NotFound,
    Invalid,
}

/// Classify any SDK error by transport failure, HTTP status and error code.
pub fn class_of<E>(err: &SdkError<E, HttpResponse>) -> ErrorClass
where
    E: ProvideErrorMetadata,
{
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            return ErrorClass::Transient
        }
        SdkError::ConstructionFailure(_) => return ErrorClass::Invalid,
        _ => {}
    }
    let status = err.raw_response().map(|r| r.status().as_u16());
    class_of_code(err.code(), err.message(), status)
}

/// Classification from the parts (also used for codes found in nested error structures).
pub fn class_of_code(code: Option<&str>, message: Option<&str>, status: Option<u16>) -> ErrorClass {
    let code = code.unwrap_or_default();
    if TRANSIENT_CODES.contains(&code) {
        return ErrorClass::Transient;
    }
    if DENIED_CODES.contains(&code) || status == Some(403) {
        return ErrorClass::Denied;
    }
    if NOT_FOUND_CODES.contains(&code) || status == Some(404) {
        return ErrorClass::NotFound;
    }
    // SageMaker reports missing endpoints and configs as ValidationException.
    if code == "ValidationException"
        && message.is_some_and(|m| m.contains("Could not find") || m.contains("does not exist"))
    {
        return ErrorClass::NotFound;
    }
    if status.is_some_and(|s| s >= 500) || status == Some(429) {
        return ErrorClass::Transient;
    }
    ErrorClass::Invalid
}

/// The error code, for callers that treat one specific code as a normal answer.
pub fn code_of<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Option<&str> {
    err.code()
}

/// `context` names the operation and resource, e.g. `"s3:GetBucketPolicy on my-bucket"`.
pub fn action_error<E>(context: &str, err: SdkError<E, HttpResponse>) -> ActionError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let text = format!("{context}: {}", DisplayErrorContext(&err));
    match class_of(&err) {
        ErrorClass::Transient => ActionError::Transient(text),
        ErrorClass::Denied => ActionError::Denied(text),
        ErrorClass::NotFound => ActionError::NotFound(text),
        ErrorClass::Invalid => ActionError::Invalid(text),
    }
}

pub fn state_error<E>(context: &str, err: SdkError<E, HttpResponse>) -> StateError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let text = format!("{context}: {}", DisplayErrorContext(&err));
    match class_of(&err) {
        ErrorClass::Denied => StateError::Denied(text),
        // A missing table or a malformed request will not heal by retrying, but it is a
        // deployment fault, not corrupt data: report it as unavailable so it is noticed and
        // redelivered once fixed.
        _ => StateError::Unavailable(text),
    }
}

pub fn audit_error<E>(context: &str, err: SdkError<E, HttpResponse>) -> AuditError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let text = format!("{context}: {}", DisplayErrorContext(&err));
    match class_of(&err) {
        ErrorClass::Denied => AuditError::Denied(text),
        _ => AuditError::Unavailable(text),
    }
}

/// Extension to turn SDK results into action results with context.
pub trait SdkResultExt<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T, ActionError>;
}

impl<T, E> SdkResultExt<T> for Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T, ActionError> {
        self.map_err(|e| action_error(&context(), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_classify() {
        assert_eq!(
            class_of_code(Some("ThrottlingException"), None, Some(400)),
            ErrorClass::Transient
        );
        assert_eq!(
            class_of_code(Some("WAFOptimisticLockException"), None, Some(400)),
            ErrorClass::Transient
        );
        assert_eq!(
            class_of_code(Some("AccessDenied"), None, Some(403)),
            ErrorClass::Denied
        );
        assert_eq!(class_of_code(None, None, Some(403)), ErrorClass::Denied);
        assert_eq!(
            class_of_code(Some("NoSuchBucket"), None, Some(404)),
            ErrorClass::NotFound
        );
        assert_eq!(
            class_of_code(Some("WAFNonexistentItemException"), None, Some(400)),
            ErrorClass::NotFound
        );
        assert_eq!(
            class_of_code(
                Some("ValidationException"),
                Some("Could not find endpoint \"x\"."),
                Some(400)
            ),
            ErrorClass::NotFound
        );
        assert_eq!(
            class_of_code(Some("ValidationException"), Some("bad"), Some(400)),
            ErrorClass::Invalid
        );
        assert_eq!(
            class_of_code(Some("Whatever"), None, Some(503)),
            ErrorClass::Transient
        );
        assert_eq!(class_of_code(None, None, Some(429)), ErrorClass::Transient);
    }
}
