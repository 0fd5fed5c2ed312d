//! CSV tables for the CLI and tests: a small RFC 4180 reader, pandas-like type inference
//! (float → numerical; integer → categorical when <= 10 distinct values, as Evidently's
//! `infer_column_type`; strings → categorical, or text when more than half are distinct) and
//! strict number parsing with file/row/column in every error.
use std::collections::BTreeMap;

use super::dataset::{ColumnInput, SkippedColumn};
use super::numbers::{is_decimal, parse_f64, plain_decimal};
use super::values::Values;
use super::{ColumnType, DriftError};

/// Header plus cells. Cells are byte ranges into the file text (one allocation for the whole
/// file instead of one per cell: a million-row table parses in well under a second).
#[derive(Debug, Clone)]
pub struct Table {
    pub file: String,
    pub names: Vec<String>,
    text: String,
    /// Column-major (start, end) byte ranges; start == end is an empty (missing) cell.
    ranges: Vec<Vec<(u32, u32)>>,
    /// Cells that needed unquoting, stored aside (column, row) -> text.
    unquoted: std::collections::HashMap<(usize, usize), String>,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.ranges.first().map_or(0, |c| c.len())
    }
    pub fn column(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
    /// One cell, trimmed; `None` when empty.
    pub fn cell(&self, col: usize, row: usize) -> Option<&str> {
        if !self.unquoted.is_empty() {
            if let Some(s) = self.unquoted.get(&(col, row)) {
                return if s.is_empty() { None } else { Some(s.as_str()) };
            }
        }
        let (a, b) = self.ranges[col][row];
        trim_cell(&self.text[a as usize..b as usize])
    }
    /// All cells of a column.
    pub fn column_cells(&self, col: usize) -> Vec<Option<&str>> {
        (0..self.rows()).map(|r| self.cell(col, r)).collect()
    }
}

/// A cell as the tests see it: trimmed, `None` when empty (missing).
pub(crate) fn trim_cell(t: &str) -> Option<&str> {
    // Trimming is a no-op when both ends are visible ASCII (the usual case).
    let plain = matches!(
        (t.as_bytes().first(), t.as_bytes().last()),
        (Some(x), Some(y)) if x.is_ascii_graphic() && y.is_ascii_graphic()
    );
    let t = if plain { t } else { t.trim() };
    if t.is_empty() {
        None
    } else {
        Some(t)
    }
}

/// Column names of a header line, trimmed.
pub(super) fn header_names(line: &str) -> Vec<String> {
    split_record(line)
        .into_iter()
        .map(|s| s.trim().to_string())
        .collect()
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
    parse_csv_owned(file, text.to_string())
}

/// As [`parse_csv`], keeping the given text (no copy of a large file).
pub fn parse_csv_owned(file: &str, text: String) -> Result<Table, DriftError> {
    let mut lines = Vec::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1);
    let mut pos = 0usize;
    for (lineno, line) in text.split('\n').enumerate() {
        let start = pos;
        pos += line.len() + 1;
        let l = line.trim_end_matches('\r');
        if !l.trim().is_empty() {
            lines.push((lineno, start, l));
        }
    }
    let Some(&(_, _, header)) = lines.first() else {
        return Err(DriftError::Parse {
            file: file.into(),
            row: 0,
            column: String::new(),
            message: "empty file (no header row)".into(),
        });
    };
    let names = header_names(header);
    let ncol = names.len();
    // (not vec![..; ncol]: cloning an empty vector drops its capacity)
    let mut ranges: Vec<Vec<(u32, u32)>> =
        (0..ncol).map(|_| Vec::with_capacity(lines.len())).collect();
    let mut unquoted = std::collections::HashMap::new();
    for (row, &(lineno, start, line)) in lines.iter().enumerate().skip(1) {
        let row = row - 1;
        if memchr::memchr(b'"', line.as_bytes()).is_some() {
            let rec = split_record(line);
            if rec.len() != ncol {
                return Err(DriftError::Parse {
                    file: file.into(),
                    row: lineno + 1,
                    column: String::new(),
                    message: format!("expected {ncol} fields, found {}", rec.len()),
                });
            }
            for (i, v) in rec.into_iter().enumerate() {
                ranges[i].push((0, 0));
                unquoted.insert((i, row), v.trim().to_string());
            }
            continue;
        }
        let mut n = 0usize;
        let mut a = start;
        let ends = memchr::memchr_iter(b',', line.as_bytes()).chain([line.len()]);
        for end in ends.map(|e| start + e) {
            if n < ncol {
                ranges[n].push((a as u32, end as u32));
            }
            a = end + 1;
            n += 1;
        }
        if n != ncol {
            return Err(DriftError::Parse {
                file: file.into(),
                row: lineno + 1,
                column: String::new(),
                message: format!("expected {ncol} fields, found {n}"),
            });
        }
    }
    if text.len() > u32::MAX as usize {
        return Err(DriftError::InvalidInput(format!(
            "{file}: larger than 4 GiB"
        )));
    }
    if ranges.first().is_none_or(|c| c.is_empty()) {
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
        text,
        ranges,
        unquoted,
    })
}

/// What pandas would make of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    Int,
    Float,
    Str,
}

/// Cheap pre-check before `parse::<i64>()`: an optional sign then ASCII digits only.
fn looks_int(s: &str) -> bool {
    let b = s.as_bytes();
    let d = if matches!(b.first(), Some(b'-' | b'+')) {
        &b[1..]
    } else {
        b
    };
    !d.is_empty() && d.iter().all(u8::is_ascii_digit)
}

pub(super) fn is_int(s: &str) -> bool {
    looks_int(s) && s.parse::<i64>().is_ok()
}

pub(super) fn is_nan_word(s: &str) -> bool {
    [
        "nan",
        "-nan",
        "+nan",
        "inf",
        "-inf",
        "+inf",
        "infinity",
        "-infinity",
    ]
    .iter()
    .any(|w| s.eq_ignore_ascii_case(w))
}

pub fn dtype(cells: &[Option<&str>]) -> Dtype {
    let mut all_int = true;
    let mut any_missing = false;
    for c in cells {
        match c {
            None => any_missing = true,
            Some(s) => {
                if !is_int(s) {
                    all_int = false;
                    // (the syntax check first: the value itself is not needed here)
                    if !is_decimal(s) && parse_f64(s).is_none() {
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
pub fn infer_type(cells: &[Option<&str>]) -> Option<ColumnType> {
    let present: Vec<&str> = cells.iter().flatten().copied().collect();
    match dtype(cells) {
        Dtype::Float => Some(ColumnType::Numerical),
        Dtype::Int => Some(int_column_type(
            present.iter().filter_map(|s| s.parse::<i64>().ok()),
        )),
        Dtype::Str => str_column_type(distinct_strs(&present), present.len()),
    }
}

/// Evidently's type of an int64 column: categorical up to 10 distinct values.
pub(super) fn int_column_type<T: PartialEq>(values: impl IntoIterator<Item = T>) -> ColumnType {
    // Only "more than 10 distinct?" matters: stop counting at 11.
    let mut seen: Vec<T> = Vec::with_capacity(11);
    for x in values {
        if !seen.contains(&x) {
            seen.push(x);
            if seen.len() > 10 {
                return ColumnType::Numerical;
            }
        }
    }
    ColumnType::Categorical
}

/// Evidently's type of a string column: text (`None`) when more than half its values differ.
pub(super) fn str_column_type(distinct: usize, present: usize) -> Option<ColumnType> {
    (distinct as f64 <= present as f64 * 0.5).then_some(ColumnType::Categorical)
}

/// Number of distinct strings (a short list first: categorical columns have few values).
fn distinct_strs(v: &[&str]) -> usize {
    let mut few: Vec<&str> = Vec::new();
    for (i, &s) in v.iter().enumerate() {
        if few.iter().any(|&k| same_str(k, s)) {
            continue;
        }
        if few.len() == 64 {
            let mut all: std::collections::HashSet<&str> = few.into_iter().collect();
            all.extend(&v[i..]);
            return all.len();
        }
        few.push(s);
    }
    few.len()
}

/// String equality without a library call for short strings (most category labels).
pub(crate) fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len()
        && if a.len() <= 16 {
            a.iter().zip(b).all(|(x, y)| x == y)
        } else {
            a == b
        }
}

/// Values of one column with missing cells dropped; numbers are parsed strictly when the column
/// is numerical (non-numbers, NaN and infinities are errors naming file, row and column).
pub fn column_values(t: &Table, idx: usize, ctype: ColumnType) -> Result<Values, DriftError> {
    column_values_of(t, idx, &t.column_cells(idx), ctype)
}

/// As [`column_values`], given the column's cells (`t.column_cells(idx)`).
fn column_values_of(
    t: &Table,
    idx: usize,
    cells: &[Option<&str>],
    ctype: ColumnType,
) -> Result<Values, DriftError> {
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
            let s = *s;
            if let Some(x) = plain_decimal(s) {
                if integer && !is_int(s) {
                    integer = false;
                }
                v.push(x);
                continue;
            }
            let err = |m: &str| DriftError::Parse {
                file: t.file.clone(),
                row: row + 2,
                column: name.clone(),
                message: m.to_string(),
            };
            if is_nan_word(s) {
                return Err(err(&format!("'{s}' is not a finite number")));
            }
            if integer && !is_int(s) {
                integer = false;
            }
            let x = parse_f64(s)
                .ok_or_else(|| err(&format!("'{s}' is not a number (numerical column)")))?;
            if !x.is_finite() {
                return Err(err(&format!("'{s}' is not a finite number")));
            }
            v.push(x);
        }
        Ok(Values::Num { values: v, integer })
    } else {
        Ok(Values::strs(cells.iter().flatten()))
    }
}

/// What pairing needs from a parsed file: the slow-but-general [`Table`] and the CLI's
/// streaming [`super::columnar::ColumnarTable`] both provide it, so both pair by the same code.
pub trait ColumnSource {
    fn file(&self) -> &str;
    fn names(&self) -> &[String];
    /// Evidently's inferred type of a column (`None` = text, not testable).
    fn inferred_type(&self, col: usize) -> Option<ColumnType>;
    /// The column's values for a type. `Ok(None)`: this source cannot give them (the caller
    /// falls back to a [`Table`]); errors are the user's (a non-number in a numerical column).
    fn values(&mut self, col: usize, ctype: ColumnType) -> Result<Option<Values>, DriftError>;
    /// The column's values as strings (a categorical column numeric in one file only).
    fn strings(&mut self, col: usize) -> Option<Values>;
    fn column(&self, name: &str) -> Option<usize> {
        self.names().iter().position(|n| n == name)
    }
}

impl ColumnSource for &Table {
    fn file(&self) -> &str {
        &self.file
    }
    fn names(&self) -> &[String] {
        &self.names
    }
    fn inferred_type(&self, col: usize) -> Option<ColumnType> {
        infer_type(&self.column_cells(col))
    }
    fn values(&mut self, col: usize, ctype: ColumnType) -> Result<Option<Values>, DriftError> {
        column_values(self, col, ctype).map(Some)
    }
    fn strings(&mut self, col: usize) -> Option<Values> {
        Some(Values::strs(self.column_cells(col).into_iter().flatten()))
    }
}

/// Pair the columns of two tables: given types win, others are inferred from the current data
/// (as Evidently's data definition). Text columns are skipped with a reason.
pub fn pair_columns(
    reference: &Table,
    current: &Table,
    types: &BTreeMap<String, ColumnType>,
    only: Option<&[String]>,
) -> Result<Paired, DriftError> {
    pair_sources(&mut &*reference, &mut &*current, types, only)?.ok_or_else(|| {
        DriftError::InvalidInput("internal error: a parsed table could not give a column".into())
    })
}

/// Columns ready for testing, and the columns skipped with why.
pub type Paired = (Vec<ColumnInput>, Vec<SkippedColumn>);

/// Pairs two column sources; `Ok(None)` when one of them cannot give a column it holds.
pub fn pair_sources<S: ColumnSource>(
    reference: &mut S,
    current: &mut S,
    types: &BTreeMap<String, ColumnType>,
    only: Option<&[String]>,
) -> Result<Option<Paired>, DriftError> {
    for name in types.keys() {
        if reference.column(name).is_none() {
            return Err(DriftError::UnknownColumn(format!(
                "{name}' in '{}",
                reference.file()
            )));
        }
    }
    let names: Vec<String> = match only {
        Some(o) => o.to_vec(),
        None => current.names().to_vec(),
    };
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for name in names {
        let ci = current
            .column(&name)
            .ok_or_else(|| DriftError::UnknownColumn(format!("{name}' in '{}", current.file())))?;
        let ri = reference.column(&name).ok_or_else(|| {
            DriftError::UnknownColumn(format!("{name}' in '{}", reference.file()))
        })?;
        let ctype = match types.get(&name) {
            Some(t) => *t,
            None => match current.inferred_type(ci) {
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
        let Some(mut r) = reference.values(ri, ctype)? else {
            return Ok(None);
        };
        let Some(mut c) = current.values(ci, ctype)? else {
            return Ok(None);
        };
        // A categorical column numeric in one file and not the other compares as strings.
        if ctype == ColumnType::Categorical && (r.as_num().is_some() != c.as_num().is_some()) {
            let (Some(rs), Some(cs)) = (reference.strings(ri), current.strings(ci)) else {
                return Ok(None);
            };
            (r, c) = (rs, cs);
        }
        out.push(ColumnInput {
            name,
            ctype,
            reference: r,
            current: c,
        });
    }
    Ok(Some((out, skipped)))
}
