//! CSV tables for the CLI and tests: a small RFC 4180 reader, pandas-like type inference
//! (float → numerical; integer → categorical when <= 10 distinct values, as Evidently's
//! `infer_column_type`; strings → categorical, or text when more than half are distinct) and
//! strict number parsing with file/row/column in every error.
use std::collections::BTreeMap;

use super::dataset::{ColumnInput, SkippedColumn};
use super::values::Values;
use super::{ColumnType, DriftError};

/// Header plus cells; `None` is an empty (missing) cell.
#[derive(Debug, Clone)]
pub struct Table {
    pub file: String,
    pub names: Vec<String>,
    /// Column-major cells.
    pub cells: Vec<Vec<Option<String>>>,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.cells.first().map_or(0, |c| c.len())
    }
    pub fn column(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}

fn split_record(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_q = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, in_q) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => in_q = false,
            ('"', false) if cur.is_empty() => in_q = true,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Parse CSV text with a header row.
pub fn parse_csv(file: &str, text: &str) -> Result<Table, DriftError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or_else(|| DriftError::Parse {
        file: file.into(),
        row: 0,
        column: String::new(),
        message: "empty file (no header row)".into(),
    })?;
    let names: Vec<String> = split_record(header.trim_end_matches('\r'))
        .into_iter()
        .map(|s| s.trim().to_string())
        .collect();
    let mut cells: Vec<Vec<Option<String>>> = vec![Vec::new(); names.len()];
    for (lineno, line) in lines {
        let rec = split_record(line.trim_end_matches('\r'));
        if rec.len() != names.len() {
            return Err(DriftError::Parse {
                file: file.into(),
                row: lineno + 1,
                column: String::new(),
                message: format!("expected {} fields, found {}", names.len(), rec.len()),
            });
        }
        for (i, v) in rec.into_iter().enumerate() {
            let t = v.trim();
            cells[i].push(if t.is_empty() {
                None
            } else {
                Some(t.to_string())
            });
        }
    }
    if cells.first().is_none_or(|c| c.is_empty()) {
        return Err(DriftError::Parse {
            file: file.into(),
            row: 1,
            column: String::new(),
            message: "no data rows".into(),
        });
    }
    Ok(Table {
        file: file.into(),
        names,
        cells,
    })
}

/// What pandas would make of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    Int,
    Float,
    Str,
}

fn is_nan_word(s: &str) -> bool {
    matches!(
        s.to_ascii_lowercase().as_str(),
        "nan" | "-nan" | "+nan" | "inf" | "-inf" | "+inf" | "infinity" | "-infinity"
    )
}

pub fn dtype(cells: &[Option<String>]) -> Dtype {
    let mut all_int = true;
    let mut any_missing = false;
    for c in cells {
        match c {
            None => any_missing = true,
            Some(s) => {
                if s.parse::<i64>().is_err() {
                    all_int = false;
                    if s.parse::<f64>().is_err() {
                        return Dtype::Str;
                    }
                }
            }
        }
    }
    // pandas turns an integer column with missing values into float64.
    if all_int && !any_missing {
        Dtype::Int
    } else {
        Dtype::Float
    }
}

/// Evidently's `infer_column_type` (None = text column, not testable here).
pub fn infer_type(cells: &[Option<String>]) -> Option<ColumnType> {
    let present: Vec<&String> = cells.iter().flatten().collect();
    let mut distinct = present.clone();
    distinct.sort();
    distinct.dedup();
    match dtype(cells) {
        Dtype::Float => Some(ColumnType::Numerical),
        Dtype::Int => {
            let mut v: Vec<i64> = present.iter().filter_map(|s| s.parse().ok()).collect();
            v.sort();
            v.dedup();
            Some(if v.len() <= 10 {
                ColumnType::Categorical
            } else {
                ColumnType::Numerical
            })
        }
        Dtype::Str => {
            if distinct.len() as f64 > present.len() as f64 * 0.5 {
                None
            } else {
                Some(ColumnType::Categorical)
            }
        }
    }
}

/// Values of one column with missing cells dropped; numbers are parsed strictly when the column
/// is numerical (non-numbers, NaN and infinities are errors naming file, row and column).
pub fn column_values(t: &Table, idx: usize, ctype: ColumnType) -> Result<Values, DriftError> {
    let cells = &t.cells[idx];
    let name = &t.names[idx];
    let numeric = match ctype {
        ColumnType::Numerical => true,
        ColumnType::Categorical => dtype(cells) != Dtype::Str,
    };
    if numeric {
        let mut v = Vec::with_capacity(cells.len());
        let mut integer = true;
        for (row, c) in cells.iter().enumerate() {
            let Some(s) = c else {
                integer = false;
                continue;
            };
            let err = |m: &str| DriftError::Parse {
                file: t.file.clone(),
                row: row + 2,
                column: name.clone(),
                message: m.to_string(),
            };
            if is_nan_word(s) {
                return Err(err(&format!("'{s}' is not a finite number")));
            }
            if s.parse::<i64>().is_err() {
                integer = false;
            }
            let x: f64 = s
                .parse()
                .map_err(|_| err(&format!("'{s}' is not a number (numerical column)")))?;
            if !x.is_finite() {
                return Err(err(&format!("'{s}' is not a finite number")));
            }
            v.push(x);
        }
        Ok(Values::Num { values: v, integer })
    } else {
        Ok(Values::Str {
            values: cells.iter().flatten().cloned().collect(),
        })
    }
}

/// Pair the columns of two tables: given types win, others are inferred from the current data
/// (as Evidently's data definition). Text columns are skipped with a reason.
pub fn pair_columns(
    reference: &Table,
    current: &Table,
    types: &BTreeMap<String, ColumnType>,
    only: Option<&[String]>,
) -> Result<(Vec<ColumnInput>, Vec<SkippedColumn>), DriftError> {
    for name in types.keys() {
        if reference.column(name).is_none() {
            return Err(DriftError::UnknownColumn(format!(
                "{name}' in '{}",
                reference.file
            )));
        }
    }
    let names: Vec<String> = match only {
        Some(o) => o.to_vec(),
        None => current.names.clone(),
    };
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for name in names {
        let ci = current
            .column(&name)
            .ok_or_else(|| DriftError::UnknownColumn(format!("{name}' in '{}", current.file)))?;
        let ri = reference
            .column(&name)
            .ok_or_else(|| DriftError::UnknownColumn(format!("{name}' in '{}", reference.file)))?;
        let ctype = match types.get(&name) {
            Some(t) => *t,
            None => match infer_type(&current.cells[ci]) {
                Some(t) => t,
                None => {
                    skipped.push(SkippedColumn {
                        column: name.clone(),
                        reason: "text column (more than half the values distinct): pass --column-type NAME=cat to test it as categorical".into(),
                    });
                    continue;
                }
            },
        };
        let mut r = column_values(reference, ri, ctype)?;
        let mut c = column_values(current, ci, ctype)?;
        // A categorical column numeric in one file and not the other compares as strings.
        if ctype == ColumnType::Categorical && (r.as_num().is_some() != c.as_num().is_some()) {
            r = Values::Str {
                values: reference.cells[ri].iter().flatten().cloned().collect(),
            };
            c = Values::Str {
                values: current.cells[ci].iter().flatten().cloned().collect(),
            };
        }
        out.push(ColumnInput {
            name,
            ctype,
            reference: r,
            current: c,
        });
    }
    Ok((out, skipped))
}
