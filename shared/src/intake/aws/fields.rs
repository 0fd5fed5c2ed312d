//! Path-aware JSON field access, timestamps and identifiers shared by the AWS parsers.
//!
//! Every accessor reports the JSON path of what was missing or ill-typed. `null` counts as
//! missing (AWS omits and nulls optional fields interchangeably).
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

use crate::intake::{clip, IntakeError};

pub(crate) type Obj = Map<String, Value>;

/// Longest value quoted in an error message.
const QUOTE_MAX: usize = 80;

pub(crate) fn key_path(parent: &str, key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("{parent}.{key}")
    } else {
        format!("{parent}[{:?}]", clip(key, QUOTE_MAX))
    }
}

pub(crate) fn index_path(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn wrong_type(path: &str, expected: &'static str, found: &Value) -> IntakeError {
    IntakeError::WrongType {
        path: path.to_string(),
        expected,
        found: type_name(found),
    }
}

pub(crate) fn invalid(path: &str, value: &str, reason: impl Into<String>) -> IntakeError {
    IntakeError::InvalidValue {
        path: path.to_string(),
        value: clip(value, QUOTE_MAX),
        reason: reason.into(),
    }
}

pub(crate) fn as_object<'a>(value: &'a Value, path: &str) -> Result<&'a Obj, IntakeError> {
    value
        .as_object()
        .ok_or_else(|| wrong_type(path, "an object", value))
}

/// The field, `None` when absent or `null`.
pub(crate) fn opt<'a>(obj: &'a Obj, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

pub(crate) fn req<'a>(obj: &'a Obj, path: &str, key: &str) -> Result<&'a Value, IntakeError> {
    opt(obj, key).ok_or_else(|| IntakeError::Missing {
        path: key_path(path, key),
    })
}

pub(crate) fn opt_str<'a>(
    obj: &'a Obj,
    path: &str,
    key: &str,
) -> Result<Option<&'a str>, IntakeError> {
    match opt(obj, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(other) => Err(wrong_type(&key_path(path, key), "a string", other)),
    }
}

/// A required string, trimmed; empty after trimming is an error.
pub(crate) fn req_str<'a>(obj: &'a Obj, path: &str, key: &str) -> Result<&'a str, IntakeError> {
    match req(obj, path, key)? {
        Value::String(s) if !s.trim().is_empty() => Ok(s.trim()),
        Value::String(s) => Err(invalid(&key_path(path, key), s, "must not be empty")),
        other => Err(wrong_type(&key_path(path, key), "a string", other)),
    }
}

/// An optional string, trimmed; empty counts as absent.
pub(crate) fn opt_text<'a>(
    obj: &'a Obj,
    path: &str,
    key: &str,
) -> Result<Option<&'a str>, IntakeError> {
    Ok(opt_str(obj, path, key)?
        .map(str::trim)
        .filter(|s| !s.is_empty()))
}

pub(crate) fn opt_obj<'a>(
    obj: &'a Obj,
    path: &str,
    key: &str,
) -> Result<Option<&'a Obj>, IntakeError> {
    match opt(obj, key) {
        None => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(other) => Err(wrong_type(&key_path(path, key), "an object", other)),
    }
}

pub(crate) fn req_obj<'a>(obj: &'a Obj, path: &str, key: &str) -> Result<&'a Obj, IntakeError> {
    let value = req(obj, path, key)?;
    as_object(value, &key_path(path, key))
}

pub(crate) fn opt_arr<'a>(
    obj: &'a Obj,
    path: &str,
    key: &str,
) -> Result<Option<&'a [Value]>, IntakeError> {
    match opt(obj, key) {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a.as_slice())),
        Some(other) => Err(wrong_type(&key_path(path, key), "an array", other)),
    }
}

pub(crate) fn req_arr<'a>(obj: &'a Obj, path: &str, key: &str) -> Result<&'a [Value], IntakeError> {
    match req(obj, path, key)? {
        Value::Array(a) => Ok(a.as_slice()),
        other => Err(wrong_type(&key_path(path, key), "an array", other)),
    }
}

/// A number; a numeric string is accepted too (some producers quote numbers).
pub(crate) fn opt_f64(obj: &Obj, path: &str, key: &str) -> Result<Option<f64>, IntakeError> {
    match opt(obj, key) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or_else(|| invalid(&key_path(path, key), &n.to_string(), "not a finite number")),
        Some(Value::String(s)) => match s.trim().parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Some(f)),
            _ => Err(invalid(&key_path(path, key), s, "not a number")),
        },
        Some(other) => Err(wrong_type(&key_path(path, key), "a number", other)),
    }
}

pub(crate) fn opt_bool(obj: &Obj, path: &str, key: &str) -> Result<Option<bool>, IntakeError> {
    match opt(obj, key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(wrong_type(&key_path(path, key), "a boolean", other)),
    }
}

/// Any scalar as text (for labels and evidence summaries); objects and arrays give `None`.
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Parse an AWS timestamp. Accepts RFC 3339 (`2019-10-02T17:04:40Z`), CloudWatch's
/// `2019-10-02T17:04:40.989+0000`, a missing offset (taken as UTC), a space instead of `T`,
/// and stray whitespace around `:` (as in the published Lambda alarm-action sample).
pub(crate) fn parse_time(text: &str, path: &str) -> Result<DateTime<Utc>, IntakeError> {
    let cleaned = squeeze_colons(text.trim());
    let candidates = [cleaned.clone(), cleaned.replacen(' ', "T", 1)];
    for candidate in &candidates {
        if let Ok(t) = DateTime::parse_from_rfc3339(candidate) {
            return Ok(t.with_timezone(&Utc));
        }
        if let Ok(t) = DateTime::parse_from_str(candidate, "%Y-%m-%dT%H:%M:%S%.f%z") {
            return Ok(t.with_timezone(&Utc));
        }
        if let Ok(t) = NaiveDateTime::parse_from_str(candidate, "%Y-%m-%dT%H:%M:%S%.f") {
            return Ok(t.and_utc());
        }
    }
    Err(invalid(path, text, "not a recognised timestamp"))
}

/// The canonical text of a timestamp, used for occurrences so that the same instant spelled
/// differently by different delivery paths gives the same fingerprint.
pub(crate) fn canonical_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Remove whitespace directly before or after a `:`.
fn squeeze_colons(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' {
            while out.ends_with(char::is_whitespace) {
                out.pop();
            }
            out.push(c);
            while chars.peek().is_some_and(|n| n.is_whitespace()) {
                chars.next();
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `us-east-1`, `us-gov-west-1`, `cn-north-1` …
pub(crate) fn is_region_code(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
}

/// A 12-digit AWS account id.
pub(crate) fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// A region code, or `None` for anything else (SNS alarm messages carry a display name
/// such as `US East (N. Virginia)`; samples carry placeholders).
pub(crate) fn region_code(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| is_region_code(t))
        .map(str::to_string)
}

pub(crate) fn account_id(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| is_account_id(t))
        .map(str::to_string)
}

/// Keys of an object for an error message: sorted, at most `ShapeSeen::MAX_KEYS`, clipped.
pub(crate) fn seen_keys(value: &Value) -> Vec<String> {
    match value {
        Value::Object(obj) => {
            let max = crate::intake::ShapeSeen::MAX_KEYS;
            let mut keys: Vec<String> = obj.keys().take(max).map(|k| clip(k, 40)).collect();
            if obj.len() > max {
                keys.push(format!("… ({} more)", obj.len() - max));
            }
            keys
        }
        other => vec![format!("<{}>", type_name(other))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let want = "2023-08-04T12:36:15.490Z";
        for text in [
            "2023-08-04T12: 36: 15.490+0000",
            "2023-08-04T12:36:15.490+0000",
            "2023-08-04T12:36:15.490Z",
            "2023-08-04T12:36:15.490+00:00",
            "2023-08-04T12:36:15.490",
            "2023-08-04 12:36:15.490",
            " 2023-08-04T12 : 36 : 15.490Z ",
        ] {
            let t = parse_time(text, "$").unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(canonical_time(t), want, "{text}");
        }
        assert!(parse_time("yesterday", "$.time").is_err());
        assert!(parse_time("", "$.time").is_err());
    }

    #[test]
    fn regions_and_accounts() {
        assert!(is_region_code("us-east-1"));
        assert!(is_region_code("us-gov-west-1"));
        assert!(!is_region_code("REGION"));
        assert!(!is_region_code("US East (N. Virginia)"));
        assert!(is_account_id("123456789012"));
        assert!(!is_account_id("ACCOUNT_NUMBER"));
    }
}
