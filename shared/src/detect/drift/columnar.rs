//! The drift CLI's fast CSV path: one streaming pass through a reused buffer that parses each
//! cell straight into its column's numbers or label codes, so a million-row file is never
//! held as text and most numeric cells are read in a single scan of their bytes.
//!
//! It accepts only input whose meaning it can give exactly as [`super::table`] does: anything
//! else (quotes, a field-count mismatch, NaN or infinity words, a numeric column with a
//! word in it, invalid UTF-8, no data rows) makes it give up (`None`), and the caller parses
//! the file with [`super::table::parse_csv_owned`], which also reports the error with file,
//! row and column. A differential test checks the two paths pair columns identically.
use std::io::Read;

use super::numbers::{for_each_line, parse_f64, plain_decimal, scan_plain};
use super::table::{
    header_names, int_column_type, is_int, is_nan_word, str_column_type, trim_cell, ColumnSource,
};
use super::values::{LabelsBuilder, Values};
use super::{ColumnType, DriftError};

/// A CSV file parsed column by column.
#[derive(Debug)]
pub struct ColumnarTable {
    file: String,
    names: Vec<String>,
    columns: Vec<Column>,
}

#[derive(Debug)]
enum Column {
    /// Only missing cells so far.
    Empty { missing: usize },
    /// Every present cell a finite number; `all_int`: each written as an integer.
    Num {
        values: Vec<f64>,
        missing: usize,
        all_int: bool,
    },
    /// At least one cell is not a number: every present cell is a label.
    Str {
        labels: LabelsBuilder,
        missing: usize,
    },
    /// Handed to pairing already.
    Taken,
}

/// Why the fast path gave up (the caller falls back; the reason is not the user's concern).
struct GiveUp;

impl From<std::io::Error> for GiveUp {
    fn from(_: std::io::Error) -> Self {
        GiveUp
    }
}

/// What a present cell holds.
enum Cell {
    Number(f64, bool),
    Text,
}

/// Parses `reader` as [`super::table::parse_csv_owned`] would, or `None` when the input needs
/// the general parser.
pub fn read_columnar(file: &str, reader: impl Read) -> Option<ColumnarTable> {
    let mut table: Option<ColumnarTable> = None;
    let mut rows = 0usize;
    let mut bytes = 0usize;
    for_each_line(reader, |_, line| {
        bytes += line.len() + 1;
        // The general parser strips every trailing '\r' and refuses files past 4 GiB.
        if line.ends_with('\r') || bytes > u32::MAX as usize {
            return Err(GiveUp);
        }
        let blank = match line.as_bytes().first() {
            None => true,
            Some(b) => !b.is_ascii_graphic() && line.trim().is_empty(),
        };
        if blank {
            return Ok(());
        }
        match &mut table {
            None => {
                let names = header_names(line);
                let columns = names.iter().map(|_| Column::Empty { missing: 0 }).collect();
                table = Some(ColumnarTable {
                    file: file.to_string(),
                    names,
                    columns,
                });
            }
            Some(t) => {
                if memchr::memchr(b'"', line.as_bytes()).is_some() {
                    return Err(GiveUp);
                }
                t.push_line(line)?;
                rows += 1;
            }
        }
        Ok(())
    })
    .ok()?;
    table.filter(|_| rows > 0)
}

impl ColumnarTable {
    fn push_line(&mut self, line: &str) -> Result<(), GiveUp> {
        let b = line.as_bytes();
        let n = self.columns.len();
        let mut pos = 0;
        for (i, col) in self.columns.iter_mut().enumerate() {
            let last = i + 1 == n;
            // Most cells of a numeric column: one scan that finds the value and its end.
            let scanned = match col {
                Column::Num {
                    values, all_int, ..
                } => scan_plain(b, pos).map(|(x, int, end)| {
                    values.push(x);
                    *all_int &= int;
                    end
                }),
                _ => None,
            };
            let end = match scanned {
                Some(end) => end,
                None => {
                    let end = match memchr::memchr(b',', &b[pos..]) {
                        Some(k) if !last => pos + k,
                        None if last => b.len(),
                        _ => return Err(GiveUp), // field count differs from the header's
                    };
                    col.push(trim_cell(&line[pos..end]))?;
                    end
                }
            };
            if last != (end == b.len()) {
                return Err(GiveUp);
            }
            pos = end + 1;
        }
        Ok(())
    }
}

impl Column {
    fn push(&mut self, cell: Option<&str>) -> Result<(), GiveUp> {
        match (self, cell) {
            (Column::Empty { missing }, None)
            | (Column::Num { missing, .. }, None)
            | (Column::Str { missing, .. }, None) => *missing += 1,
            (Column::Str { labels, .. }, Some(s)) => labels.push(s),
            (
                Column::Num {
                    values, all_int, ..
                },
                Some(s),
            ) => match classify(s)? {
                Cell::Number(x, int) => {
                    values.push(x);
                    *all_int &= int;
                }
                // A word among numbers: pandas makes the column strings, and the numbers
                // before it were not kept as text.
                Cell::Text => return Err(GiveUp),
            },
            (col, Some(s)) => {
                let Column::Empty { missing } = *col else {
                    return Err(GiveUp); // taken already
                };
                *col = match classify(s)? {
                    Cell::Number(x, int) => Column::Num {
                        values: vec![x],
                        missing,
                        all_int: int,
                    },
                    Cell::Text => {
                        let mut labels = LabelsBuilder::default();
                        labels.push(s);
                        Column::Str { labels, missing }
                    }
                };
            }
            (Column::Taken, None) => return Err(GiveUp),
        }
        Ok(())
    }
}

/// A present cell of a column not known to hold text, read as `column_values` reads it.
/// Gives up on what only the general parser handles exactly: NaN and infinity words (an
/// error there, or a label if the column turns out to hold text) and integers too long for
/// an exact f64 (pandas counts their distinct int64 values).
fn classify(s: &str) -> Result<Cell, GiveUp> {
    if let Some(x) = plain_decimal(s) {
        return Ok(Cell::Number(x, is_int(s)));
    }
    if is_nan_word(s) || is_int(s) {
        return Err(GiveUp);
    }
    match parse_f64(s) {
        Some(x) if x.is_finite() => Ok(Cell::Number(x, false)),
        Some(_) => Err(GiveUp),
        None => Ok(Cell::Text),
    }
}

impl ColumnSource for ColumnarTable {
    fn file(&self) -> &str {
        &self.file
    }
    fn names(&self) -> &[String] {
        &self.names
    }
    fn inferred_type(&self, col: usize) -> Option<ColumnType> {
        match &self.columns[col] {
            // pandas: an integer column without missing values is int64, and Evidently
            // calls it categorical up to 10 distinct values; other numbers are floats.
            Column::Num {
                values,
                missing: 0,
                all_int: true,
            } => Some(int_column_type(values.iter().copied())),
            Column::Num { .. } | Column::Empty { .. } | Column::Taken => {
                Some(ColumnType::Numerical)
            }
            Column::Str { labels, .. } => str_column_type(labels.distinct(), labels.len()),
        }
    }
    fn values(&mut self, col: usize, ctype: ColumnType) -> Result<Option<Values>, DriftError> {
        let taken = std::mem::replace(&mut self.columns[col], Column::Taken);
        Ok(match (taken, ctype) {
            (Column::Empty { .. }, _) => Some(Values::Num {
                values: Vec::new(),
                integer: false,
            }),
            (
                Column::Num {
                    values,
                    missing,
                    all_int,
                },
                _,
            ) => Some(Values::Num {
                values,
                integer: all_int && missing == 0,
            }),
            (Column::Str { labels, .. }, ColumnType::Categorical) => Some(Values::Str {
                labels: labels.finish(),
            }),
            // Words in a numerical column (an error the general parser words exactly), or
            // a column asked for twice.
            (Column::Str { .. }, ColumnType::Numerical) | (Column::Taken, _) => None,
        })
    }
    fn strings(&mut self, _col: usize) -> Option<Values> {
        // Only for a column numeric in one file and not the other: the numbers' text was
        // not kept.
        None
    }
}

#[cfg(test)]
#[path = "columnar_tests.rs"]
mod tests;
