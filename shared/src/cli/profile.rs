//! `aiir profile build`: the reference profile a function's drift check loads
//! (`AIIR_DRIFT_PROFILE`), from the training / baseline CSV.
//!
//! Every column is kept, in the file's order: SageMaker captures CSV requests without a header,
//! so the profile's column order is what names their values. Drop columns the endpoint is not
//! sent (the label) with `--drop`.
use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use crate::detect::drift::dataset::ColumnInput;
use crate::detect::drift::profile::{ReferenceProfile, DEFAULT_MAX_SAMPLE};
use crate::detect::drift::table::{column_values, infer_type, parse_csv};
use crate::detect::drift::{ColumnType, Values};

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Reference profile commands.
    #[command(subcommand)]
    Profile(ProfileAction),
}

#[derive(Debug, Subcommand)]
pub enum ProfileAction {
    /// Build a reference profile (JSON) from a baseline CSV with a header row.
    Build {
        /// Baseline CSV: the features the endpoint receives, in request order, with a header.
        #[arg(long)]
        reference: PathBuf,
        /// Where to write the profile (`-` for stdout).
        #[arg(long)]
        out: String,
        /// Column type, `COLUMN=num|cat` (repeatable); others are inferred like Evidently.
        #[arg(long = "column-type", value_name = "COLUMN=num|cat")]
        column_type: Vec<String>,
        /// A column the endpoint is not sent, e.g. the label (repeatable).
        #[arg(long)]
        drop: Vec<String>,
        /// Numerical values kept per column (a seeded sample beyond this).
        #[arg(long, default_value_t = DEFAULT_MAX_SAMPLE)]
        max_sample: usize,
    },
}

pub fn run(cmd: ProfileCommand) -> anyhow::Result<i32> {
    let ProfileCommand::Profile(ProfileAction::Build {
        reference,
        out,
        column_type,
        drop,
        max_sample,
    }) = cmd;
    match build(&reference, &out, &column_type, &drop, max_sample) {
        Ok(()) => Ok(0),
        Err(e) => {
            eprintln!("error: {e:#}");
            Ok(2)
        }
    }
}

fn build(
    reference: &std::path::Path,
    out: &str,
    column_type: &[String],
    drop: &[String],
    max_sample: usize,
) -> anyhow::Result<()> {
    if max_sample == 0 {
        anyhow::bail!("--max-sample must be at least 1");
    }
    let text = std::fs::read_to_string(reference)
        .with_context(|| format!("cannot read {}", reference.display()))?;
    let table = parse_csv(&reference.display().to_string(), &text)?;
    let mut types = BTreeMap::new();
    for s in column_type {
        let (c, t) = s
            .split_once('=')
            .with_context(|| format!("--column-type {s}: expected COLUMN=num|cat"))?;
        let t = match t {
            "num" | "numerical" => ColumnType::Numerical,
            "cat" | "categorical" => ColumnType::Categorical,
            _ => anyhow::bail!("--column-type {s}: type must be num or cat"),
        };
        types.insert(c.to_string(), t);
    }
    for name in types.keys().chain(drop) {
        if table.column(name).is_none() {
            anyhow::bail!("{}: no column '{name}'", table.file);
        }
    }
    let mut inputs = Vec::new();
    for (i, name) in table.names.iter().enumerate() {
        if drop.contains(name) {
            continue;
        }
        let ctype = match types.get(name) {
            Some(t) => *t,
            None => infer_type(&table.column_cells(i)).with_context(|| {
                format!(
                    "column '{name}' looks like free text (more than half the values distinct): pass --column-type {name}=cat to keep it, or --drop {name}"
                )
            })?,
        };
        inputs.push(ColumnInput {
            name: name.clone(),
            ctype,
            reference: column_values(&table, i, ctype)?,
            current: Values::num(Vec::new()),
        });
    }
    if inputs.is_empty() {
        anyhow::bail!("{}: no columns left to profile", table.file);
    }
    let profile = ReferenceProfile::build(&inputs, max_sample)?;
    let json = serde_json::to_string(&profile)?;
    let order: Vec<String> = profile
        .columns
        .iter()
        .map(|c| format!("{} ({})", c.name, c.column_type.as_str()))
        .collect();
    if out == "-" {
        println!("{json}");
    } else {
        std::fs::write(out, &json).with_context(|| format!("cannot write {out}"))?;
    }
    eprintln!(
        "profile: {} rows, columns in capture order: {}",
        table.rows(),
        order.join(", ")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_in_file_order_and_explains_text_columns() {
        let dir = std::env::temp_dir().join(format!("aiir-profile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("baseline.csv");
        std::fs::write(
            &csv,
            "amount,channel,label\n1.5,web,0\n2.5,pos,1\n3.0,web,0\n",
        )
        .unwrap();
        let out = dir.join("profile.json");
        let out_s = out.display().to_string();

        let e = build(&csv, &out_s, &[], &["label".into()], 10).unwrap_err();
        assert!(e.to_string().contains("--column-type channel=cat"), "{e}");
        assert!(!out.exists(), "nothing written on error");
        let e = build(&csv, &out_s, &[], &["nope".into()], 10).unwrap_err();
        assert!(e.to_string().contains("no column 'nope'"), "{e}");

        build(&csv, &out_s, &["channel=cat".into()], &["label".into()], 10).unwrap();
        let profile: ReferenceProfile =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let columns: Vec<(&str, ColumnType, usize)> = profile
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.column_type, c.rows))
            .collect();
        assert_eq!(
            columns,
            [
                ("amount", ColumnType::Numerical, 3),
                ("channel", ColumnType::Categorical, 3)
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
