//! Reading a Terraform module's HCL for the least-privilege tests of the three function crates
//! (`functions/*/tests/least_privilege.rs` include this file with `#[path]`; each keeps only
//! what is specific to its cloud's IAM model).
use std::path::{Path, PathBuf};

use hcl::{Block, Body, Expression};

/// A Terraform module under `infra/`, read as (file name, text) pairs of its top-level `.tf`
/// files, sorted by name.
pub struct Module {
    dir: PathBuf,
}

impl Module {
    /// `infra/<name>`, relative to a function crate's manifest directory.
    pub fn new(manifest_dir: &str, name: &str) -> Self {
        Self {
            dir: Path::new(manifest_dir).join("../../infra").join(name),
        }
    }

    /// The module's files; panics when `must_have` (the IAM file) is missing.
    pub fn files(&self, must_have: &str) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = std::fs::read_dir(&self.dir)
            .unwrap_or_else(|e| panic!("{}: {e}", self.dir.display()))
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "tf"))
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read_to_string(&p).unwrap(),
                )
            })
            .collect();
        files.sort();
        assert!(
            files.iter().any(|(n, _)| n == must_have),
            "{}/{must_have} not found",
            self.dir.display()
        );
        files
    }
}

/// A copy of `files` with the first `from` in `file` replaced by `to` (for negative tests).
pub fn edited(
    mut files: Vec<(String, String)>,
    file: &str,
    from: &str,
    to: &str,
) -> Vec<(String, String)> {
    let (_, text) = files
        .iter_mut()
        .find(|(n, _)| n == file)
        .unwrap_or_else(|| panic!("{file} not in the module"));
    assert!(text.contains(from), "{file} no longer contains {from:?}");
    *text = text.replacen(from, to, 1);
    files
}

pub fn labels(block: &Block) -> Vec<&str> {
    block.labels().iter().map(|l| l.as_str()).collect()
}

pub fn attr<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.attributes().find(|a| a.key() == key).map(|a| a.expr())
}

/// `aws_iam_role.responder.arn` → `responder` (for `kind = aws_iam_role`).
pub fn referenced(expr: &Expression, kind: &str) -> Option<String> {
    let text = expr.to_string();
    let rest = text.split(&format!("{kind}.")).nth(1)?;
    Some(
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .collect(),
    )
}

/// A literal list of strings; anything else is recorded in `errors` (the checker then fails).
pub fn string_list(expr: Option<&Expression>, what: &str, errors: &mut Vec<String>) -> Vec<String> {
    match expr {
        Some(Expression::Array(items)) => items
            .iter()
            .map(|e| match e {
                Expression::String(s) => s.clone(),
                other => {
                    errors.push(format!("{what}: not a literal string: {other}"));
                    other.to_string()
                }
            })
            .collect(),
        Some(other) => {
            errors.push(format!("{what}: not a literal list: {other}"));
            Vec::new()
        }
        None => Vec::new(),
    }
}
