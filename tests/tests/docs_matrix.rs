//! The cloud comparison matrix in `docs/architecture.md` is generated from the action registry;
//! these tests fail when the file and the code disagree, and show that the check does catch a
//! stale or broken file.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aiir_core::action::{ActionKind, Cloud};

const BIN: &str = env!("CARGO_BIN_EXE_aiir-docs");

fn architecture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/architecture.md")
}

fn docs(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run aiir-docs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A scratch copy of `text` in its own directory.
fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "aiir-docs-matrix-{}-{name}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("architecture.md");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn architecture_matrix_matches_the_code() {
    let path = architecture();
    let out = docs(&["matrix", "--check", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "docs/architecture.md is stale: run `make docs`\n{}",
        stderr(&out)
    );
}

/// Read independently of the generator: every action × cloud has its row, naming every
/// permission the code declares, so an empty or truncated table cannot pass.
#[test]
fn every_action_and_permission_is_in_the_document() {
    let text = std::fs::read_to_string(architecture()).unwrap();
    for kind in ActionKind::ALL {
        for (cloud, name) in [
            (Cloud::Aws, "AWS"),
            (Cloud::Azure, "Azure"),
            (Cloud::Gcp, "GCP"),
        ] {
            let prefix = format!("| `{kind}` | {name} | ");
            let row = text
                .lines()
                .find(|l| l.starts_with(&prefix))
                .unwrap_or_else(|| panic!("no matrix row for {kind} on {name}"));
            let permissions = match cloud {
                Cloud::Aws => aiir_aws::required_permissions(kind),
                Cloud::Azure => aiir_azure::required_permissions(kind),
                Cloud::Gcp => aiir_gcp::required_permissions(kind),
            };
            for p in permissions {
                assert!(
                    row.contains(&format!("`{p}`")),
                    "{kind} on {name}: {p} missing"
                );
            }
        }
    }
}

#[test]
fn a_stale_matrix_fails_the_check_and_write_repairs_it() {
    let original = std::fs::read_to_string(architecture()).unwrap();
    // Change one permission inside the generated section, as a hand edit or an old file would.
    let begin = original
        .find("<!-- BEGIN GENERATED: cloud-matrix -->")
        .unwrap();
    let section = &original[begin..];
    let perm = aiir_aws::required_permissions(ActionKind::RollbackModel)[0];
    let at = begin
        + section
            .find(&format!("`{perm}`"))
            .expect("permission in section");
    let mut stale = original.clone();
    stale.replace_range(at..at + perm.len() + 2, "`sagemaker:Nothing`");
    let path = scratch("stale", &stale);
    let arg = path.to_str().unwrap();

    let out = docs(&["matrix", "--check", arg]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(message.contains("stale"), "{message}");
    assert!(message.contains("sagemaker:Nothing"), "{message}");
    assert!(message.contains("make docs"), "{message}");
    // --check never writes.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), stale);

    let out = docs(&["matrix", "--write", arg]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
    assert!(docs(&["matrix", "--check", arg]).status.success());
}

#[test]
fn text_outside_the_markers_is_kept_and_bad_files_are_refused() {
    let generated = docs(&["matrix"]);
    assert!(generated.status.success(), "{}", stderr(&generated));
    let table = String::from_utf8(generated.stdout).unwrap();
    assert!(table.contains("| action | cloud | API used | permissions | undo |"));

    let doc = "# Title\n\nbefore\n\n<!-- BEGIN GENERATED: cloud-matrix -->\nold\n<!-- END GENERATED: cloud-matrix -->\n\nafter\n";
    let path = scratch("markers", doc);
    let out = docs(&["matrix", "--write", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.starts_with("# Title\n\nbefore\n\n<!-- BEGIN GENERATED: cloud-matrix -->\n"));
    assert!(written.ends_with("<!-- END GENERATED: cloud-matrix -->\n\nafter\n"));
    assert!(written.contains(&table));
    assert!(!written.contains("\nold\n"));

    for (name, bad) in [
        ("no-markers", "# Title\nno markers here\n"),
        (
            "reversed",
            "<!-- END GENERATED: cloud-matrix -->\n<!-- BEGIN GENERATED: cloud-matrix -->\n",
        ),
    ] {
        let path = scratch(name, bad);
        for mode in ["--write", "--check"] {
            let out = docs(&["matrix", mode, path.to_str().unwrap()]);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{name} {mode}: {}",
                stderr(&out)
            );
            assert_eq!(
                std::fs::read_to_string(&path).unwrap(),
                bad,
                "{name} unchanged"
            );
        }
    }
    assert_eq!(docs(&["matrix", "--bogus"]).status.code(), Some(2));
}
