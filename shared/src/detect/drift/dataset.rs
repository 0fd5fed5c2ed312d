//! Evidently's column drift flow: default test choice by column type, distinct-value count and
//! reference size; per-column threshold; dataset drift when the share of drifted columns
//! reaches `drift_share` (0.5 by default).
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::stattest::{self, StatTest, TestOptions};
use super::table::same_str;
use super::values::{as_labels, Labels, Values};
use super::{ColumnType, DriftError};

/// Distinct values of `a ∪ b`, counting no further than `limit + 1` (the default choice only
/// asks "<= 2", "<= 5"; binning asks "> 20"), so a million-row column costs one pass.
pub fn distinct_capped(a: &Values, b: Option<&Values>, limit: usize) -> usize {
    match (a, b) {
        (Values::Num { values: x, .. }, Some(Values::Num { values: y, .. })) => {
            distinct_num(x.iter().chain(y.iter()), limit)
        }
        (Values::Num { values: x, .. }, None) => distinct_num(x.iter(), limit),
        (Values::Str { labels: x }, None) => x.counts().len().min(limit + 1),
        _ => {
            // Strings, or a string/number mix (numbers count by their text, as strings): the
            // distinct labels of each side, then of their union.
            let a = as_labels(a);
            let b = b.map(as_labels);
            fn names(l: &Labels) -> Vec<&str> {
                l.counts().into_iter().map(|(s, _)| s).collect()
            }
            let mut all = names(&a);
            if let Some(b) = &b {
                all.extend(names(b));
            }
            distinct_str(all.into_iter(), limit)
        }
    }
}

/// Distinct strings, counting no further than `limit + 1` (a short list: limits are small).
fn distinct_str<'a>(it: impl Iterator<Item = &'a str>, limit: usize) -> usize {
    let mut seen: Vec<&str> = Vec::with_capacity(limit + 1);
    let mut last = "";
    for s in it {
        if (!seen.is_empty() && same_str(s, last)) || seen.iter().any(|&k| same_str(k, s)) {
            last = s;
            continue;
        }
        seen.push(s);
        last = s;
        if seen.len() > limit {
            return limit + 1;
        }
    }
    seen.len()
}

fn distinct_num<'a>(it: impl Iterator<Item = &'a f64>, limit: usize) -> usize {
    let mut seen: Vec<f64> = Vec::with_capacity(limit + 1);
    for &x in it {
        let x = if x == 0.0 { 0.0 } else { x };
        if !seen.contains(&x) {
            seen.push(x);
            if seen.len() > limit {
                return limit + 1;
            }
        }
    }
    seen.len()
}

/// Evidently's `_get_default_stattest` for numerical and categorical columns.
pub fn default_stattest(reference: &Values, current: &Values, ctype: ColumnType) -> StatTest {
    default_stattest_for_rows(reference.len(), reference, current, ctype)
}

/// As [`default_stattest`], with the reference row count given separately (a profile keeps a
/// sample of the reference but remembers how many rows it summarises).
pub fn default_stattest_for_rows(
    reference_rows: usize,
    reference: &Values,
    current: &Values,
    ctype: ColumnType,
) -> StatTest {
    let n_values = distinct_capped(reference, Some(current), 5);
    let small = reference_rows <= 1000;
    match (small, ctype) {
        (true, ColumnType::Numerical) if n_values <= 5 => {
            if n_values > 2 {
                StatTest::ChiSquare
            } else {
                StatTest::Z
            }
        }
        (true, ColumnType::Numerical) => StatTest::Ks,
        (true, ColumnType::Categorical) => {
            if n_values > 2 {
                StatTest::ChiSquare
            } else {
                StatTest::Z
            }
        }
        (false, ColumnType::Numerical) if n_values <= 5 => StatTest::JensenShannon,
        (false, ColumnType::Numerical) => StatTest::Wasserstein,
        (false, ColumnType::Categorical) => StatTest::JensenShannon,
    }
}

/// Per-run choices, mirroring Evidently's `DataDriftOptions` / `DriftedColumnsCount` knobs.
#[derive(Debug, Clone, Default)]
pub struct DriftOptions {
    /// Share of drifted columns at which the dataset counts as drifted (default 0.5).
    pub drift_share: Option<f64>,
    /// Test for every column (Evidently `method`), overridden per column by `per_column_test`.
    pub test: Option<StatTest>,
    pub per_column_test: BTreeMap<String, StatTest>,
    /// Threshold for every column, overridden per column.
    pub threshold: Option<f64>,
    pub per_column_threshold: BTreeMap<String, f64>,
    pub test_options: TestOptions,
}

impl DriftOptions {
    pub fn drift_share(&self) -> f64 {
        self.drift_share.unwrap_or(0.5)
    }
}

/// One column's result. JSON field names are part of the CLI contract (see the README).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDrift {
    pub column: String,
    pub column_type: ColumnType,
    /// Evidently's test name (`ks`, `wasserstein`, …).
    pub stattest: StatTest,
    pub stattest_display_name: String,
    /// Test statistic; `null` when undefined (e.g. z-test on one shared value).
    pub statistic: Option<f64>,
    /// p-value for tests that have one, else absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// Evidently's `drift_score`: the p-value for p-value tests, the distance otherwise.
    pub drift_score: Option<f64>,
    pub threshold: f64,
    /// `p_value` tests drift below the threshold, distances at or above it.
    pub score_kind: ScoreKind,
    pub drifted: bool,
    pub reference_rows: usize,
    pub current_rows: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreKind {
    PValue,
    Distance,
}

fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

/// Drift of one column (missing values already dropped).
pub fn column_drift(
    name: &str,
    reference: &Values,
    current: &Values,
    ctype: ColumnType,
    opts: &DriftOptions,
) -> Result<ColumnDrift, DriftError> {
    column_drift_for_rows(name, reference.len(), reference, current, ctype, opts)
}

/// As [`column_drift`], choosing the default test by `reference_rows` (for profiles whose
/// reference is a sample).
pub fn column_drift_for_rows(
    name: &str,
    reference_rows: usize,
    reference: &Values,
    current: &Values,
    ctype: ColumnType,
    opts: &DriftOptions,
) -> Result<ColumnDrift, DriftError> {
    if reference.is_empty() {
        return Err(DriftError::InvalidInput(format!(
            "An empty column '{name}' was provided for drift calculation in the reference dataset."
        )));
    }
    if current.is_empty() {
        return Err(DriftError::InvalidInput(format!(
            "An empty column '{name}' was provided for drift calculation in the current dataset."
        )));
    }
    if ctype == ColumnType::Numerical
        && (reference.as_num().is_none() || current.as_num().is_none())
    {
        return Err(DriftError::InvalidInput(format!(
            "Column '{name}' should contain numerical values only."
        )));
    }
    let explicit = opts.per_column_test.get(name).copied().or(opts.test);
    let test = match explicit {
        Some(t) => {
            if !t.allows(ctype) {
                return Err(DriftError::InvalidType {
                    test: t.name().to_string(),
                    ctype: ctype.as_str(),
                });
            }
            t
        }
        None => default_stattest_for_rows(reference_rows, reference, current, ctype),
    };
    let threshold = opts
        .per_column_threshold
        .get(name)
        .copied()
        .or(opts.threshold)
        .unwrap_or_else(|| test.default_threshold());
    let out = stattest::run(
        test,
        reference,
        current,
        ctype,
        threshold,
        &opts.test_options,
    )
    .map_err(|e| match e {
        DriftError::InvalidInput(m) => DriftError::InvalidInput(format!("column '{name}': {m}")),
        other => other,
    })?;
    // Infinite distances (e.g. chi-square with a value absent from the reference) stay in
    // `drifted`; JSON gets null for non-finite numbers.
    Ok(ColumnDrift {
        column: name.to_string(),
        column_type: ctype,
        stattest: test,
        stattest_display_name: test.display_name().to_string(),
        statistic: finite(out.statistic),
        p_value: if test.is_p_value() {
            Some(out.p_value.unwrap_or(f64::NAN)).filter(|p| p.is_finite())
        } else {
            None
        },
        drift_score: finite(Some(out.drift_score)),
        threshold,
        score_kind: if test.is_p_value() {
            ScoreKind::PValue
        } else {
            ScoreKind::Distance
        },
        drifted: out.drifted,
        reference_rows: reference.len(),
        current_rows: current.len(),
    })
}

/// Dataset verdict over several columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetDrift {
    pub columns: Vec<ColumnDrift>,
    pub number_of_columns: usize,
    pub number_of_drifted_columns: usize,
    pub share_of_drifted_columns: f64,
    pub drift_share: f64,
    pub dataset_drift: bool,
    /// Columns left out and why (e.g. text columns, which need Evidently's text drift model).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedColumn>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedColumn {
    pub column: String,
    pub reason: String,
}

/// A column ready for testing.
#[derive(Debug, Clone)]
pub struct ColumnInput {
    pub name: String,
    pub ctype: ColumnType,
    pub reference: Values,
    pub current: Values,
}

/// Test every column and give Evidently's `DatasetDriftMetric` verdict.
pub fn dataset_drift(
    columns: &[ColumnInput],
    opts: &DriftOptions,
) -> Result<DatasetDrift, DriftError> {
    if columns.is_empty() {
        return Err(DriftError::InvalidInput("no columns to test".into()));
    }
    let mut out = Vec::with_capacity(columns.len());
    for c in columns {
        out.push(column_drift(
            &c.name,
            &c.reference,
            &c.current,
            c.ctype,
            opts,
        )?);
    }
    Ok(summarise(out, opts.drift_share(), Vec::new()))
}

/// Share and verdict (`share >= drift_share`).
pub fn summarise(
    columns: Vec<ColumnDrift>,
    drift_share: f64,
    skipped: Vec<SkippedColumn>,
) -> DatasetDrift {
    let n = columns.len();
    let drifted = columns.iter().filter(|c| c.drifted).count();
    let share = if n == 0 {
        0.0
    } else {
        drifted as f64 / n as f64
    };
    DatasetDrift {
        number_of_columns: n,
        number_of_drifted_columns: drifted,
        share_of_drifted_columns: share,
        drift_share,
        dataset_drift: n > 0 && share >= drift_share,
        columns,
        skipped,
    }
}
