//! `aiir drift` and `aiir concept` as a user runs them: bad input exits 2 naming file, row and
//! column, and the streaming reader and the general one (quoted CSV) give the same report.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aiir-drift-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn write(d: &Path, name: &str, text: &str) -> String {
    let p = d.join(name);
    std::fs::write(&p, text).expect("write");
    p.display().to_string()
}

fn aiir(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aiir"))
        .args(args)
        .output()
        .expect("run aiir")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A table of `rows` rows: x numerical (shifted by `shift`), n small integers, c labels.
fn table(rows: usize, shift: f64, quoted: bool) -> String {
    let mut s = String::from("x,n,c\n");
    for i in 0..rows {
        let x = ((i * 7919) % 1000) as f64 / 100.0 + shift;
        let c = ["a", "b", "c"][(i + (shift as usize)) % 3];
        if quoted {
            s.push_str(&format!("\"{x:.2}\",{},\"{c}\"\n", i % 4));
        } else {
            s.push_str(&format!("{x:.2},{},{c}\n", i % 4));
        }
    }
    s
}

#[test]
fn streaming_and_general_readers_give_the_same_report() {
    let d = dir("same");
    let mut reports = Vec::new();
    for quoted in [false, true] {
        let r = write(&d, &format!("r{quoted}.csv"), &table(3000, 0.0, quoted));
        let c = write(&d, &format!("c{quoted}.csv"), &table(2500, 0.4, quoted));
        let o = aiir(&[
            "drift",
            "--reference",
            &r,
            "--current",
            &c,
            "--format",
            "json",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: Value = serde_json::from_slice(&o.stdout).expect("json report");
        reports.push(v);
    }
    let columns = |v: &Value| v["columns"].to_string();
    assert_eq!(columns(&reports[0]), columns(&reports[1]));
    assert_eq!(
        reports[0]["number_of_drifted_columns"],
        reports[1]["number_of_drifted_columns"]
    );
    let x = reports[0]["columns"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["column"] == "x"))
        .expect("column x");
    assert_eq!(x["drifted"], true, "{x}");
}

#[test]
fn bad_tables_exit_2_with_file_row_and_column() {
    let d = dir("bad");
    let good = write(&d, "good.csv", &table(50, 0.0, false));
    let cases: [(&str, &str, &[&str], &str); 5] = [
        (
            "word.csv",
            "x,n,c\n1.5,1,a\n2.5,oops,b\n",
            &["--column-type", "n=num"],
            "row 3, column 'n': 'oops' is not a number",
        ),
        (
            "nan.csv",
            "x,n,c\n1.5,1,a\nNaN,2,b\n",
            &[],
            "row 3, column 'x': 'NaN' is not a finite number",
        ),
        ("ragged.csv", "x,n,c\n1.5,1,a\n2.5,2\n", &[], "row 3"),
        ("empty.csv", "", &[], "empty file"),
        ("header.csv", "x,n,c\n", &[], "no data rows"),
    ];
    for (name, text, extra, expected) in cases {
        let cur = write(&d, name, text);
        let mut args = vec!["drift", "--reference", &good, "--current", &cur];
        args.extend_from_slice(extra);
        let o = aiir(&args);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(&cur), "{name}: {err}");
        assert!(err.contains(expected), "{name}: {err}");
        assert!(o.stdout.is_empty(), "{name}: no report on bad input");
    }
    let o = aiir(&[
        "drift",
        "--reference",
        &good,
        "--current",
        &good,
        "--stattest",
        "nope=ks",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope"), "{}", stderr(&o));
}

/// `n` values around `levels.0`, then around `levels.1` from index `at` on.
fn stream(n: usize, at: usize, levels: (f64, f64)) -> Vec<String> {
    (0..n)
        .map(|i| {
            let level = if i < at { levels.0 } else { levels.1 };
            format!("{}", level + (i % 7) as f64 * 0.01)
        })
        .collect()
}

#[test]
fn concept_reads_crlf_and_blank_lines_alike_and_names_a_bad_line() {
    let d = dir("concept");
    let values = stream(3000, 1500, (0.1, 0.9));
    let lf = write(&d, "lf.txt", &(values.join("\n") + "\n"));
    let crlf = write(&d, "crlf.txt", &(values.join("\r\n\r\n") + "\r\n"));
    let run = |p: &str| aiir(&["concept", "--detector", "adwin", "--input", p]);
    let (a, b) = (run(&lf), run(&crlf));
    assert!(a.status.success() && b.status.success(), "{}", stderr(&a));
    assert_eq!(a.stdout, b.stdout);
    let v: Value = serde_json::from_slice(&a.stdout).expect("json");
    assert!(!v["detections"].as_array().expect("detections").is_empty());

    let bad = write(&d, "bad.txt", "0.5\n0.25\n\n1.5x\n0.75\n");
    let o = run(&bad);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("row 4, column 'value': '1.5x' is not a number"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn concept_state_resumes_across_runs_and_bad_input_leaves_it_alone() {
    let d = dir("state");
    let values = stream(4000, 2500, (0.2, 0.8));
    let whole = write(&d, "whole.txt", &values.join("\n"));
    let first = write(&d, "first.txt", &values[..2000].join("\n"));
    let second = write(&d, "second.txt", &values[2000..].join("\n"));
    let state = d.join("adwin.json").display().to_string();
    let run = |input: &str, state: Option<&str>| {
        let mut args = vec!["concept", "--detector", "adwin", "--input", input];
        if let Some(s) = state {
            args.extend(["--state", s]);
        }
        aiir(&args)
    };
    let all = run(&whole, None);
    assert!(all.status.success(), "{}", stderr(&all));
    let _ = std::fs::remove_file(&state);
    assert!(run(&first, Some(&state)).status.success());
    let saved = std::fs::read(&state).expect("state written");
    let bad = write(&d, "bad.txt", "0.5\nNaN\n");
    assert_eq!(run(&bad, Some(&state)).status.code(), Some(2));
    assert_eq!(
        std::fs::read(&state).expect("state"),
        saved,
        "bad input changed the state"
    );
    let rest = run(&second, Some(&state));
    assert!(rest.status.success(), "{}", stderr(&rest));
    // Detections carry global indices: the second half's are the whole run's.
    assert_eq!(rest.stdout, all.stdout);
}
