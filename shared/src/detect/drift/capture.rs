//! SageMaker data capture (JSON Lines) → rows for [`super::check::check_data_drift`].
//!
//! Each line is one captured request:
//! `{"captureData": {"endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
//! "data": "…", "encoding": "CSV"}, "endpointOutput": {…}}, "eventMetadata": {"eventId": "…",
//! "inferenceTime": "…"}, "eventVersion": "0"}`. The features are the *input*; the output is
//! not read.
//!
//! `encoding` is `CSV` or `JSON` (the data is the request body as text) or `BASE64` (the body
//! encoded; `observedContentType` then says whether it is CSV, JSON or JSON Lines).
//!
//! Following SageMaker Model Monitor's conventions:
//! - CSV input has no header: its values are the profile's columns, in the profile's order
//!   (the order of the reference CSV the profile was built from). One request may hold several
//!   rows, one per line.
//! - JSON input is a record keyed by column name (`{"amount": 12.5, …}`), a list of them, or
//!   `{"instances": [...]}` whose instances are records, value lists (named by the profile's
//!   order) or `{"features": [...]}` (SageMaker built-in algorithms' format).
//!
//! Errors name the line and never quote captured values (they may be customer data). Lines
//! without an `endpointInput` (capture of outputs only) are counted, not rows; a capture with
//! no rows at all is an error.
use base64::Engine;
use serde_json::{Map, Value};

use super::profile::ReferenceProfile;
use super::ColumnType;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    #[error("{name}: line {line}: {reason}")]
    Line {
        name: String,
        line: usize,
        reason: String,
    },
    #[error("{name}: no usable rows: {reason}")]
    NoRows { name: String, reason: String },
}

/// The rows of one capture file and what was read to get them.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureBatch {
    /// One JSON object per row, keyed by the profile's column names.
    pub rows: Vec<Map<String, Value>>,
    /// Captured requests (non-empty lines).
    pub records: usize,
    /// Requests captured without their input (output-only capture).
    pub without_input: usize,
}

/// How a request body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Csv,
    Json,
    JsonLines,
}

/// Parse a capture file (`name` is used in errors, e.g. its `s3://` URI) into rows for the
/// profile's columns.
pub fn parse_data_capture(
    name: &str,
    text: &str,
    profile: &ReferenceProfile,
) -> Result<CaptureBatch, CaptureError> {
    let columns: Vec<(&str, ColumnType)> = profile
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.column_type))
        .collect();
    if columns.is_empty() {
        return Err(CaptureError::NoRows {
            name: name.to_string(),
            reason: "the reference profile has no columns".into(),
        });
    }
    let mut batch = CaptureBatch {
        rows: Vec::new(),
        records: 0,
        without_input: 0,
    };
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let err = |reason: String| CaptureError::Line {
            name: name.to_string(),
            line: i + 1,
            reason,
        };
        batch.records += 1;
        match input_of(line).map_err(err)? {
            None => batch.without_input += 1,
            Some((body, data)) => {
                let rows = rows_of(body, &data, &columns).map_err(err)?;
                batch.rows.extend(rows);
            }
        }
    }
    if batch.rows.is_empty() {
        let reason = if batch.records == 0 {
            "the object holds no captured requests".to_string()
        } else {
            format!(
                "{} captured request(s), {} without endpointInput (is input capture enabled?)",
                batch.records, batch.without_input
            )
        };
        return Err(CaptureError::NoRows {
            name: name.to_string(),
            reason,
        });
    }
    Ok(batch)
}

/// The decoded request body of one capture line, or `None` when the input was not captured.
fn input_of(line: &str) -> Result<Option<(Body, String)>, String> {
    let record: Value =
        serde_json::from_str(line).map_err(|e| format!("not a JSON capture record ({e})"))?;
    let capture = record
        .get("captureData")
        .and_then(Value::as_object)
        .ok_or("missing captureData object")?;
    let Some(input) = capture.get("endpointInput").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let input = input
        .as_object()
        .ok_or("captureData.endpointInput is not an object")?;
    let data = input
        .get("data")
        .and_then(Value::as_str)
        .ok_or("captureData.endpointInput.data is missing or not a string")?;
    let encoding = input
        .get("encoding")
        .and_then(Value::as_str)
        .ok_or("captureData.endpointInput.encoding is missing or not a string")?;
    let content_type = input
        .get("observedContentType")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    match encoding.trim().to_ascii_uppercase().as_str() {
        "CSV" => Ok(Some((Body::Csv, data.to_string()))),
        "JSON" => Ok(Some((Body::Json, data.to_string()))),
        "BASE64" => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data.trim())
                .map_err(|e| format!("endpointInput.data is not valid base64 ({e})"))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| "endpointInput.data decodes to bytes that are not UTF-8")?;
            let body = if content_type.contains("csv") {
                Body::Csv
            } else if content_type.contains("jsonlines") || content_type.contains("x-ndjson") {
                Body::JsonLines
            } else if content_type.contains("json") {
                Body::Json
            } else {
                return Err(format!(
                    "BASE64 input of content type {:?}: only CSV and JSON inputs can be checked for drift",
                    crate::intake::clip(&content_type, 60)
                ));
            };
            Ok(Some((body, text)))
        }
        other => Err(format!(
            "unknown endpointInput.encoding {:?} (expected CSV, JSON or BASE64)",
            crate::intake::clip(other, 20)
        )),
    }
}

fn rows_of(
    body: Body,
    data: &str,
    columns: &[(&str, ColumnType)],
) -> Result<Vec<Map<String, Value>>, String> {
    match body {
        Body::Csv => data
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| csv_row(l, columns))
            .collect(),
        Body::Json => {
            let value: Value = serde_json::from_str(data)
                .map_err(|e| format!("endpointInput.data is not JSON ({e})"))?;
            json_rows(&value, columns)
        }
        Body::JsonLines => {
            let mut rows = Vec::new();
            for l in data.lines().filter(|l| !l.trim().is_empty()) {
                let value: Value = serde_json::from_str(l)
                    .map_err(|e| format!("endpointInput.data has a line that is not JSON ({e})"))?;
                rows.extend(json_rows(&value, columns)?);
            }
            Ok(rows)
        }
    }
}

/// Split one CSV record (RFC 4180 quoting).
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.trim().is_empty() => {
                cur.clear();
                quoted = true;
            }
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn csv_row(line: &str, columns: &[(&str, ColumnType)]) -> Result<Map<String, Value>, String> {
    let cells = split_csv(line.trim_end_matches('\r'));
    if cells.len() != columns.len() {
        return Err(format!(
            "{} CSV values, but the reference profile has {} columns (CSV capture has no header: its values are the profile's columns in order)",
            cells.len(),
            columns.len()
        ));
    }
    let mut row = Map::new();
    for ((name, ctype), cell) in columns.iter().zip(cells) {
        let cell = cell.trim();
        let value = if cell.is_empty() {
            Value::Null
        } else if *ctype == ColumnType::Numerical {
            number(cell).ok_or_else(|| not_a_number(name))?
        } else {
            Value::String(cell.to_string())
        };
        row.insert((*name).to_string(), value);
    }
    Ok(row)
}

fn number(text: &str) -> Option<Value> {
    let x: f64 = text.trim().parse().ok().filter(|x: &f64| x.is_finite())?;
    serde_json::Number::from_f64(x).map(Value::Number)
}

fn not_a_number(column: &str) -> String {
    format!("column '{column}': value is not a finite number (numerical column)")
}

fn json_rows(
    value: &Value,
    columns: &[(&str, ColumnType)],
) -> Result<Vec<Map<String, Value>>, String> {
    match value {
        Value::Object(obj) => match obj.get("instances") {
            Some(Value::Array(items)) => items.iter().map(|v| instance(v, columns)).collect(),
            Some(_) => Err("\"instances\" is not a list".into()),
            None => Ok(vec![instance(value, columns)?]),
        },
        Value::Array(items) if items.iter().all(|v| v.is_object() || v.is_array()) => {
            items.iter().map(|v| instance(v, columns)).collect()
        }
        Value::Array(_) => Ok(vec![instance(value, columns)?]),
        _ => Err("JSON input is neither a record nor a list of records".into()),
    }
}

/// One instance: a record keyed by column, a value list, or `{"features": [...]}`.
fn instance(value: &Value, columns: &[(&str, ColumnType)]) -> Result<Map<String, Value>, String> {
    match value {
        Value::Object(obj) => match obj.get("features") {
            Some(Value::Array(values)) => positional(values, columns),
            Some(_) => Err("\"features\" is not a list".into()),
            None => keyed(obj, columns),
        },
        Value::Array(values) => positional(values, columns),
        _ => Err("an instance is neither a record nor a list of values".into()),
    }
}

fn positional(
    values: &[Value],
    columns: &[(&str, ColumnType)],
) -> Result<Map<String, Value>, String> {
    if values.len() != columns.len() {
        return Err(format!(
            "{} values in an instance, but the reference profile has {} columns (values are named by the profile's column order)",
            values.len(),
            columns.len()
        ));
    }
    let mut row = Map::new();
    for ((name, ctype), v) in columns.iter().zip(values) {
        row.insert((*name).to_string(), cell(name, *ctype, v)?);
    }
    Ok(row)
}

fn keyed(
    obj: &Map<String, Value>,
    columns: &[(&str, ColumnType)],
) -> Result<Map<String, Value>, String> {
    let mut row = Map::new();
    for (name, ctype) in columns {
        if let Some(v) = obj.get(*name) {
            row.insert((*name).to_string(), cell(name, *ctype, v)?);
        }
    }
    if row.is_empty() {
        let names: Vec<&str> = columns.iter().map(|(n, _)| *n).take(8).collect();
        return Err(format!(
            "the record has none of the reference profile's columns ({}{})",
            names.join(", "),
            if columns.len() > names.len() {
                ", …"
            } else {
                ""
            }
        ));
    }
    Ok(row)
}

fn cell(name: &str, ctype: ColumnType, value: &Value) -> Result<Value, String> {
    match (value, ctype) {
        (Value::Null, _) => Ok(Value::Null),
        (Value::Number(_), _) => Ok(value.clone()),
        (Value::String(s), ColumnType::Numerical) => number(s).ok_or_else(|| not_a_number(name)),
        (Value::String(_), ColumnType::Categorical) => Ok(value.clone()),
        (Value::Bool(_), ColumnType::Categorical) => Ok(value.clone()),
        (Value::Bool(_), ColumnType::Numerical) => Err(not_a_number(name)),
        (Value::Array(_) | Value::Object(_), _) => Err(format!(
            "column '{name}': nested value (a feature must be a number, string or boolean)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::drift::dataset::ColumnInput;
    use crate::detect::drift::Values;

    fn profile() -> ReferenceProfile {
        let col = |name: &str, ctype, reference| ColumnInput {
            name: name.into(),
            ctype,
            reference,
            current: Values::num(Vec::new()),
        };
        ReferenceProfile::build(
            &[
                col(
                    "amount",
                    ColumnType::Numerical,
                    Values::num(vec![1.0, 2.0, 3.0]),
                ),
                col(
                    "channel",
                    ColumnType::Categorical,
                    Values::strs(["web", "pos"]),
                ),
            ],
            100,
        )
        .unwrap()
    }

    fn line(encoding: &str, content_type: &str, data: &str) -> String {
        serde_json::json!({
            "captureData": {
                "endpointInput": {"observedContentType": content_type, "mode": "INPUT", "data": data, "encoding": encoding},
                "endpointOutput": {"observedContentType": "text/csv; charset=utf-8", "mode": "OUTPUT", "data": "0.02", "encoding": "CSV"}
            },
            "eventMetadata": {"eventId": "e", "inferenceTime": "2024-06-11T10:00:00Z"},
            "eventVersion": "0"
        })
        .to_string()
    }

    #[test]
    fn csv_json_and_base64_inputs() {
        let b64 = base64::engine::general_purpose::STANDARD.encode("7.5,pos\n");
        let jb64 = base64::engine::general_purpose::STANDARD
            .encode(r#"{"instances": [{"features": [8, "web"]}, [9, "pos"]]}"#);
        let text = [
            line("CSV", "text/csv", "1.5,web\n2.5,\"pos\"\n"),
            line(
                "JSON",
                "application/json",
                r#"{"amount": 3, "channel": "web", "other": 1}"#,
            ),
            line(
                "JSON",
                "application/json",
                r#"[{"amount": "4.5"}, {"channel": "pos"}]"#,
            ),
            line("BASE64", "text/csv", &b64),
            line("BASE64", "application/json", &jb64),
        ]
        .join("\n");
        let batch = parse_data_capture("cap", &text, &profile()).unwrap();
        assert_eq!(batch.records, 5);
        let amounts: Vec<Option<f64>> = batch
            .rows
            .iter()
            .map(|r| r.get("amount").and_then(Value::as_f64))
            .collect();
        assert_eq!(
            amounts,
            [
                Some(1.5),
                Some(2.5),
                Some(3.0),
                Some(4.5),
                None,
                Some(7.5),
                Some(8.0),
                Some(9.0)
            ]
        );
        assert_eq!(batch.rows[1]["channel"], "pos");
        assert!(!batch.rows[2].contains_key("other"));
    }

    #[test]
    fn bad_lines_name_the_line_without_quoting_data() {
        let good = line("CSV", "text/csv", "1,web");
        for (bad, expected) in [
            ("{not json".to_string(), "not a JSON capture record"),
            (
                r#"{"eventVersion": "0"}"#.to_string(),
                "missing captureData",
            ),
            (line("CSV", "text/csv", "1,web,extra"), "3 CSV values"),
            (line("CSV", "text/csv", "secret-ish,web"), "column 'amount'"),
            (
                line("XML", "text/xml", "<a/>"),
                "unknown endpointInput.encoding",
            ),
            (line("BASE64", "image/png", "AAAA"), "only CSV and JSON"),
            (line("BASE64", "text/csv", "%%%"), "not valid base64"),
            (
                line("JSON", "application/json", r#"{"x": 1}"#),
                "none of the reference profile's columns",
            ),
        ] {
            let text = format!("{good}\n\n{bad}\n");
            let e = parse_data_capture("s3://b/k", &text, &profile()).unwrap_err();
            let msg = e.to_string();
            assert!(msg.starts_with("s3://b/k: line 3: "), "{msg}");
            assert!(msg.contains(expected), "{msg}");
            assert!(!msg.contains("secret-ish"), "{msg}");
        }
    }

    #[test]
    fn no_usable_rows_is_an_error() {
        let e = parse_data_capture("k", "\n\n", &profile()).unwrap_err();
        assert!(matches!(e, CaptureError::NoRows { .. }), "{e}");
        let output_only = serde_json::json!({"captureData": {"endpointOutput": {"data": "1", "encoding": "CSV"}}}).to_string();
        let e = parse_data_capture("k", &output_only, &profile()).unwrap_err();
        assert!(e.to_string().contains("1 without endpointInput"), "{e}");
    }

    /// The two records of the SageMaker Developer Guide's data-capture example
    /// (`events/aws/sagemaker-data-capture.jsonl`): CSV input of 69 features with a trailing
    /// newline, CSV output.
    #[test]
    fn documented_capture_example() {
        let text = include_str!("../../../../events/aws/sagemaker-data-capture.jsonl");
        let inputs: Vec<ColumnInput> = (0..69)
            .map(|i| ColumnInput {
                name: format!("f{i}"),
                ctype: ColumnType::Numerical,
                reference: Values::num(vec![0.0, 1.0]),
                current: Values::num(Vec::new()),
            })
            .collect();
        let profile = ReferenceProfile::build(&inputs, 10).unwrap();
        let batch = parse_data_capture("doc", text, &profile).unwrap();
        assert_eq!(
            (batch.records, batch.without_input, batch.rows.len()),
            (2, 0, 2)
        );
        assert_eq!(batch.rows[0]["f0"].as_f64(), Some(69.0));
        assert_eq!(batch.rows[0]["f2"].as_f64(), Some(153.7));
        assert_eq!(batch.rows[1]["f1"].as_f64(), Some(23.0));
        assert_eq!(batch.rows[1]["f68"].as_f64(), Some(1.0));
        // The same records against a profile with one column too few: a clear error.
        let short = ReferenceProfile::build(&inputs[..68], 10).unwrap();
        let e = parse_data_capture("doc", text, &short).unwrap_err();
        assert!(e.to_string().contains("line 1: 69 CSV values"), "{e}");
    }
}
