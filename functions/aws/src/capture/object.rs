//! Bounded S3 reads: the whole object, refused when it is larger than a limit (checked on the
//! event's size, on `Content-Length`, and while streaming), optionally pinned to an ETag.
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::get_object::GetObjectError;

use super::error::CaptureError;
use crate::error::{class_of, ErrorClass};

/// What a conditional read returned.
pub enum Fetched {
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
    },
    /// `If-None-Match` matched: the cached copy is current.
    NotModified,
}

/// A GetObject request.
pub struct Get<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub limit: u64,
    /// Read this write only (`If-Match`): a later overwrite fails with [`CaptureError::Changed`].
    pub if_match: Option<&'a str>,
    /// Skip the body when the object still has this ETag (`If-None-Match`).
    pub if_none_match: Option<&'a str>,
}

fn quoted(etag: &str) -> String {
    format!("\"{}\"", etag.trim_matches('"'))
}

pub async fn get(s3: &aws_sdk_s3::Client, req: Get<'_>) -> Result<Fetched, CaptureError> {
    let uri = format!("s3://{}/{}", req.bucket, req.key);
    let out = s3
        .get_object()
        .bucket(req.bucket)
        .key(req.key)
        .set_if_match(req.if_match.map(quoted))
        .set_if_none_match(req.if_none_match.map(quoted))
        .send()
        .await;
    let out = match out {
        Ok(out) => out,
        Err(e) => return not_read(&uri, &req, e),
    };
    let too_large = |size: u64| CaptureError::TooLarge {
        object: uri.clone(),
        size,
        limit: req.limit,
    };
    if let Some(len) = out.content_length().filter(|&l| l > 0) {
        if len as u64 > req.limit {
            return Err(too_large(len as u64));
        }
    }
    let etag = out.e_tag().map(|e| e.trim_matches('"').to_string());
    let mut body = out.body;
    let mut bytes = Vec::new();
    loop {
        match body.try_next().await {
            Ok(Some(chunk)) => {
                let size = (bytes.len() + chunk.len()) as u64;
                if size > req.limit {
                    return Err(too_large(size));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                return Err(CaptureError::Read {
                    what: format!("s3:GetObject {uri}"),
                    class: ErrorClass::Transient,
                    message: format!("reading the body failed: {e}"),
                })
            }
        }
    }
    Ok(Fetched::Body { bytes, etag })
}

fn not_read(
    uri: &str,
    req: &Get<'_>,
    e: SdkError<GetObjectError, aws_sdk_s3::config::http::HttpResponse>,
) -> Result<Fetched, CaptureError> {
    let status = e.raw_response().map(|r| r.status().as_u16());
    match (status, e.code()) {
        (Some(304), _) | (_, Some("NotModified")) if req.if_none_match.is_some() => {
            return Ok(Fetched::NotModified)
        }
        (Some(412), _) | (_, Some("PreconditionFailed")) if req.if_match.is_some() => {
            return Err(CaptureError::Changed {
                object: uri.to_string(),
                etag: req.if_match.unwrap_or_default().to_string(),
            })
        }
        _ => {}
    }
    Err(CaptureError::Read {
        what: format!("s3:GetObject {uri}"),
        class: class_of(&e),
        message: DisplayErrorContext(&e).to_string(),
    })
}
