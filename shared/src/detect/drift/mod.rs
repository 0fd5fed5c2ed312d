//! Data, concept and embedding drift (Evidently / River compatible).
//!
//! * [`stattest`] — Evidently 0.7's column drift tests with the same statistics, p-values,
//!   thresholds and drift direction; [`dataset`] — its default test choice and dataset verdict.
//! * [`concept`] — River's streaming detectors (ADWIN, Page–Hinkley, KSWIN, DDM, EDDM, HDDM_A,
//!   HDDM_W), serialisable so a stateless function can resume them.
//! * [`embedding`] — Evidently's embedding drift methods and centroid cosine similarity.
//! * [`profile`] — a compact reference profile; [`check`] — the function-side entry point that
//!   turns a profile plus a batch of rows into [`crate::Finding`]s.
//! * [`table`] — CSV tables with pandas' type inference and errors naming file, row and column;
//!   [`columnar`] — the CLI's streaming reader, exact where it applies, the table otherwise.
pub mod binning;
pub mod capture;
pub mod check;
pub mod columnar;
pub mod concept;
pub mod dataset;
pub mod embedding;
pub mod numbers;
pub mod profile;
pub mod report;
pub mod rng;
pub mod special;
pub mod stattest;
pub mod table;
pub mod values;

use serde::{Deserialize, Serialize};

pub use dataset::{column_drift, dataset_drift, ColumnDrift, DatasetDrift, DriftOptions};
pub use stattest::{StatTest, TestOutcome};
pub use values::Values;

/// Column type as Evidently uses it for drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    #[serde(rename = "num")]
    Numerical,
    #[serde(rename = "cat")]
    Categorical,
}

impl ColumnType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Numerical => "num",
            Self::Categorical => "cat",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DriftError {
    /// The data cannot be tested (empty, wrong type, too small for the test …).
    #[error("{0}")]
    InvalidInput(String),
    /// A test was asked for a column type Evidently does not allow it on.
    #[error("stattest {test} isn't applicable to feature of type {ctype}")]
    InvalidType { test: String, ctype: &'static str },
    #[error("unknown stattest '{0}'")]
    UnknownTest(String),
    #[error("unknown column '{0}'")]
    UnknownColumn(String),
    /// Malformed input file: where and what.
    #[error("{file}: row {row}, column '{column}': {message}")]
    Parse {
        file: String,
        row: usize,
        column: String,
        message: String,
    },
    #[error("invalid parameter: {0}")]
    Param(String),
    #[error("{0}")]
    Serde(#[from] serde_json::Error),
}
