//! Function-side drift checks (provider-agnostic): a reference profile plus a batch of current
//! rows (SageMaker data capture, an alert's evidence …) in, [`Finding`]s out. The AWS / Azure /
//! GCP functions call these; nothing here touches a cloud.
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::concept::ConceptDetector;
use super::dataset::{column_drift_for_rows, summarise, DatasetDrift, DriftOptions, SkippedColumn};
use super::embedding::{embedding_drift, EmbeddingMethod};
use super::profile::ReferenceProfile;
use super::values::Values;
use super::{ColumnType, DriftError};
use crate::{Finding, IncidentKind, ResourceRef, Severity};

/// How far past its threshold a column is: distance / threshold, or threshold / p-value.
fn excess(c: &super::ColumnDrift) -> f64 {
    let Some(score) = c.drift_score else {
        return f64::INFINITY;
    };
    if c.stattest.is_p_value() {
        if score <= 0.0 {
            f64::INFINITY
        } else {
            c.threshold / score
        }
    } else if c.threshold <= 0.0 {
        f64::INFINITY
    } else {
        score / c.threshold
    }
}

/// Severity from how far past the threshold things are: Low (some columns drifted, no dataset
/// drift), Medium (dataset drift), High (dataset drift and the worst column >= 10x past its
/// threshold or >= 75% of columns drifted), Critical (worst column >= 1000x past).
pub fn data_drift_severity(r: &DatasetDrift) -> Option<Severity> {
    let worst = r
        .columns
        .iter()
        .filter(|c| c.drifted)
        .map(excess)
        .fold(0.0, f64::max);
    if r.number_of_drifted_columns == 0 {
        return None;
    }
    if !r.dataset_drift {
        return Some(Severity::Low);
    }
    Some(if worst >= 1000.0 {
        Severity::Critical
    } else if worst >= 10.0 || r.share_of_drifted_columns >= 0.75 {
        Severity::High
    } else {
        Severity::Medium
    })
}

fn cell_values(
    rows: &[Map<String, Value>],
    col: &str,
    ctype: ColumnType,
) -> Result<Values, DriftError> {
    let mut nums = Vec::new();
    let mut strs = Vec::new();
    let mut all_num = true;
    for (i, r) in rows.iter().enumerate() {
        match r.get(col) {
            None | Some(Value::Null) => {}
            Some(Value::Number(n)) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                nums.push(x);
                strs.push(n.to_string());
            }
            Some(Value::Bool(b)) => {
                all_num = false;
                strs.push(b.to_string());
            }
            Some(Value::String(s)) => {
                match s.trim().parse::<f64>() {
                    Ok(x) if x.is_finite() => nums.push(x),
                    _ => {
                        if ctype == ColumnType::Numerical {
                            return Err(DriftError::Parse {
                                file: "current batch".into(),
                                row: i,
                                column: col.into(),
                                message: format!("'{s}' is not a finite number"),
                            });
                        }
                        all_num = false;
                    }
                }
                strs.push(s.clone());
            }
            Some(other) => {
                return Err(DriftError::Parse {
                    file: "current batch".into(),
                    row: i,
                    column: col.into(),
                    message: format!("unsupported value {other}"),
                });
            }
        }
    }
    if ctype == ColumnType::Numerical || all_num {
        Ok(Values::num(nums))
    } else {
        Ok(Values::strs(strs))
    }
}

/// Data drift of a batch of rows (JSON objects keyed by column) against a profile.
/// Columns missing from every row are skipped (and listed); an empty batch is an error.
pub fn check_data_drift(
    profile: &ReferenceProfile,
    rows: &[Map<String, Value>],
    opts: &DriftOptions,
    resources: &[ResourceRef],
) -> Result<(DatasetDrift, Vec<Finding>), DriftError> {
    if rows.is_empty() {
        return Err(DriftError::InvalidInput(
            "empty batch of current rows".into(),
        ));
    }
    let mut cols = Vec::new();
    let mut skipped = Vec::new();
    for cp in &profile.columns {
        let cur = cell_values(rows, &cp.name, cp.column_type)?;
        if cur.is_empty() {
            skipped.push(SkippedColumn {
                column: cp.name.clone(),
                reason: "no values in the current batch".into(),
            });
            continue;
        }
        let reference = profile.reference_values(cp);
        // Evidently chooses the test by the full reference size, which the profile remembers.
        cols.push(column_drift_for_rows(
            &cp.name,
            cp.rows,
            &reference,
            &cur,
            cp.column_type,
            opts,
        )?);
    }
    let report = summarise(cols, opts.drift_share(), skipped);
    let mut findings = Vec::new();
    if let Some(sev) = data_drift_severity(&report) {
        let drifted: Vec<&str> = report
            .columns
            .iter()
            .filter(|c| c.drifted)
            .map(|c| c.column.as_str())
            .collect();
        findings.push(Finding {
            detector: "data-drift".into(),
            kind: IncidentKind::ModelDrift,
            severity: sev,
            score: report.share_of_drifted_columns,
            summary: format!(
                "{}data drift: {} of {} columns drifted ({})",
                if report.dataset_drift {
                    "dataset "
                } else {
                    "column "
                },
                report.number_of_drifted_columns,
                report.number_of_columns,
                drifted.join(", ")
            ),
            resources: resources.to_vec(),
            detail: serde_json::to_value(&report)?,
        });
    }
    Ok((report, findings))
}

/// Result of feeding a batch to a stored concept detector.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConceptCheck {
    /// Global indices (counting every value the detector has seen) where drift was detected.
    pub detections: Vec<usize>,
    pub seen: usize,
}

/// Feed a batch (e.g. per-request errors 0/1, or a model score) to a stored detector; `seen`
/// is how many values it had consumed before. One High finding when drift is detected.
pub fn check_concept_drift(
    detector: &mut ConceptDetector,
    seen: usize,
    values: &[f64],
    resources: &[ResourceRef],
) -> Result<(ConceptCheck, Vec<Finding>), DriftError> {
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(DriftError::InvalidInput(format!(
            "value {i} is not a finite number"
        )));
    }
    let detections = detector.run(values, seen);
    let res = ConceptCheck {
        detections,
        seen: seen + values.len(),
    };
    let mut findings = Vec::new();
    if !res.detections.is_empty() {
        findings.push(Finding {
            detector: "concept-drift".into(),
            kind: IncidentKind::ModelDrift,
            severity: if res.detections.len() > 1 { Severity::High } else { Severity::Medium },
            score: res.detections.len() as f64,
            summary: format!("concept drift detected by {} at {:?}", detector.name(), res.detections),
            resources: resources.to_vec(),
            detail: serde_json::json!({ "detector": detector.name(), "detections": res.detections, "seen": res.seen }),
        });
    }
    Ok((res, findings))
}

/// Embedding drift of a batch of vectors against reference vectors.
pub fn check_embedding_drift(
    reference: &[Vec<f64>],
    current: &[Vec<f64>],
    method: &EmbeddingMethod,
    resources: &[ResourceRef],
) -> Result<Vec<Finding>, DriftError> {
    let r = embedding_drift(reference, current, method)?;
    if !r.drifted {
        return Ok(Vec::new());
    }
    Ok(vec![Finding {
        detector: "embedding-drift".into(),
        kind: IncidentKind::ModelDrift,
        severity: Severity::Medium,
        score: r.score,
        summary: format!(
            "embedding drift ({}): score {:.4} vs threshold {:.4}",
            r.method, r.score, r.threshold
        ),
        resources: resources.to_vec(),
        detail: serde_json::to_value(&r)?,
    }])
}
