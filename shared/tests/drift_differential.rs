//! Differential test against real Evidently 0.7.23 / River 0.26.1 answers.
//!
//! `make test-drift` installs the pinned tools, runs `tests/python/drift/reference_answers.py`
//! (which writes the data and Evidently's / River's answers under `.tools/drift-diff`), then runs
//! this test with `--ignored`. Without those answers the test fails, naming the command to run.
//! Tolerance: 1e-6 relative or 1e-9 absolute on every statistic and p-value; verdicts, default
//! tests, column types, dataset verdicts and detection indices must be equal.
use std::collections::BTreeMap;
use std::path::PathBuf;

use aiir_core::detect::drift::columnar::read_columnar;
use aiir_core::detect::drift::concept::ConceptDetector;
use aiir_core::detect::drift::dataset::{column_drift, summarise, DriftOptions};
use aiir_core::detect::drift::table::{infer_type, pair_columns, pair_sources, parse_csv};
use aiir_core::detect::drift::{ColumnType, StatTest};
use serde_json::Value;

fn diff_dir() -> PathBuf {
    if let Ok(d) = std::env::var("AIIR_DRIFT_DIFF_DIR") {
        return PathBuf::from(d);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools/drift-diff")
}

fn load_expected() -> Value {
    let p = diff_dir().join("expected.json");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run `make test-drift` (it installs pinned evidently/river into .tools/venv-drift and writes the reference answers)",
            p.display()
        )
    });
    serde_json::from_str(&text).expect("expected.json")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 || (a - b).abs() <= 1e-6 * b.abs()
}

fn check_num(what: &str, ours: Option<f64>, theirs: &Value, failures: &mut Vec<String>) {
    match (ours, theirs.as_f64()) {
        (None, None) => {}
        (Some(a), Some(b)) if close(a, b) => {}
        (a, _) => failures.push(format!("{what}: aiir {a:?} vs python {theirs}")),
    }
}

#[test]
#[ignore = "needs the Python reference answers: run `make test-drift`"]
fn data_drift_matches_evidently() {
    let exp = load_expected();
    let dir = diff_dir().join("data");
    let mut failures = Vec::new();
    let mut compared = 0usize;
    let mut mmd_tie_diffs = 0usize;
    let mut es_noise = 0usize;
    let mut fast_paired = 0usize;
    for (name, ds) in exp["datasets"].as_object().expect("datasets") {
        let read = |side: &str| {
            let p = dir.join(format!("{name}_{side}.csv"));
            parse_csv(
                &p.display().to_string(),
                &std::fs::read_to_string(&p).expect("csv"),
            )
            .expect("parse")
        };
        let (rt, ct) = (read("reference"), read("current"));
        // Column types: our inference must equal Evidently's.
        for (col, t) in ds["types"].as_object().unwrap() {
            let ours = infer_type(&ct.column_cells(ct.column(col).unwrap()))
                .map_or("text", |t| t.as_str());
            if ours != t.as_str().unwrap() {
                failures.push(format!("{name}.{col}: type aiir {ours} vs evidently {t}"));
            }
        }
        let (cols, _) = pair_columns(&rt, &ct, &BTreeMap::new(), None).expect("pair");
        // The CLI's streaming reader must give the same columns wherever it applies.
        let fast = |side: &str| {
            let p = dir.join(format!("{name}_{side}.csv"));
            read_columnar(
                &p.display().to_string(),
                std::fs::File::open(&p).expect("csv"),
            )
        };
        if let (Some(mut fr), Some(mut fc)) = (fast("reference"), fast("current")) {
            let paired = pair_sources(&mut fr, &mut fc, &BTreeMap::new(), None).expect("pair");
            if let Some((fast_cols, _)) = paired {
                fast_paired += 1;
                if format!("{fast_cols:?}") != format!("{cols:?}") {
                    failures.push(format!("{name}: the fast reader's columns differ"));
                }
            }
        }
        let mut defaults = Vec::new();
        for c in &cols {
            let e = &ds["columns"][&c.name];
            // Default test and its result.
            let d = column_drift(
                &c.name,
                &c.reference,
                &c.current,
                c.ctype,
                &DriftOptions::default(),
            );
            match d {
                Ok(d) => {
                    if d.stattest.name() != e["default"].as_str().unwrap() {
                        failures.push(format!(
                            "{name}.{}: default test aiir {} vs evidently {}",
                            c.name, d.stattest, e["default"]
                        ));
                    }
                    defaults.push(d);
                }
                Err(err) => failures.push(format!("{name}.{}: default test failed: {err}", c.name)),
            }
            for (tname, te) in e["tests"].as_object().unwrap() {
                let test = StatTest::from_name(tname).expect("test name");
                let opts = DriftOptions {
                    test: Some(test),
                    ..Default::default()
                };
                let ours = column_drift(&c.name, &c.reference, &c.current, c.ctype, &opts);
                let what = format!("{name}.{}.{tname}", c.name);
                compared += 1;
                // Where Evidently crashes on valid input (its exact CvM on tiny samples), compare
                // with scipy's own implementation instead.
                let fallback = te.get("scipy_fallback");
                let te = fallback.unwrap_or(te);
                match (ours, te.get("error")) {
                    (Err(_), Some(_)) => {}
                    (Err(err), None) => {
                        failures.push(format!("{what}: aiir error '{err}', evidently {te}"))
                    }
                    (Ok(o), Some(msg)) => failures.push(format!(
                        "{what}: aiir {:?} but evidently raised {msg}",
                        o.drift_score
                    )),
                    (Ok(o), None) if te["noise_dependent"].as_bool() == Some(true) => {
                        // scipy's Epps-Singleton kept a rounding-noise singular value (see
                        // reference_answers.py): its number is not reproducible; ours drops the
                        // noise. Counted and reported, not compared.
                        assert!(o.drift_score.is_some(), "{what}: no score");
                        es_noise += 1;
                    }
                    (Ok(o), None) => {
                        if matches!(test, StatTest::EmpiricalMmd | StatTest::Tvd) {
                            // Permutation p-values: on discrete data many permuted statistics
                            // equal the observed one exactly, and the summation order breaks
                            // those ties. For TVD Evidently sums over `set(...)` of the values,
                            // whose order follows Python's per-process string hash: its own
                            // answer on a string column moves with PYTHONHASHSEED (0.762, 0.777,
                            // 0.766 for seeds 0, 1, 2 on `exact_cvm.str_cat`). Allow two
                            // permutations in 100 either way; the verdict must still agree.
                            let (a, b) = (
                                o.drift_score.unwrap_or(f64::NAN),
                                te["drift_score"].as_f64().unwrap_or(f64::NAN),
                            );
                            if (a - b).abs() > 0.0201 {
                                failures.push(format!("{what} p-value: aiir {a} vs evidently {b}"));
                            }
                            if Some(o.drifted) != te["drifted"].as_bool() {
                                failures.push(format!(
                                    "{what}: drifted aiir {} vs evidently {}",
                                    o.drifted, te["drifted"]
                                ));
                            }
                            mmd_tie_diffs += usize::from(a != b);
                            continue;
                        }
                        check_num(
                            &format!("{what} drift_score"),
                            o.drift_score,
                            &te["drift_score"],
                            &mut failures,
                        );
                        if te["statistic"].is_number() {
                            check_num(
                                &format!("{what} statistic"),
                                o.statistic,
                                &te["statistic"],
                                &mut failures,
                            );
                        }
                        if Some(o.drifted) != te["drifted"].as_bool() {
                            failures.push(format!(
                                "{what}: drifted aiir {} vs evidently {}",
                                o.drifted, te["drifted"]
                            ));
                        }
                        if !close(o.threshold, te["threshold"].as_f64().unwrap()) {
                            failures.push(format!(
                                "{what}: threshold {} vs {}",
                                o.threshold, te["threshold"]
                            ));
                        }
                    }
                }
            }
        }
        if let Some(count) = ds["dataset"]["count"].as_f64() {
            let r = summarise(defaults, 0.5, Vec::new());
            if r.number_of_drifted_columns as f64 != count
                || !close(
                    r.share_of_drifted_columns,
                    ds["dataset"]["share"].as_f64().unwrap(),
                )
            {
                failures.push(format!(
                    "{name}: dataset drift aiir {}/{} vs evidently {}",
                    r.number_of_drifted_columns, r.share_of_drifted_columns, ds["dataset"]
                ));
            }
        }
    }
    assert!(compared > 100, "only {compared} comparisons");
    assert!(fast_paired > 0, "the fast reader read no data set");
    assert!(
        failures.is_empty(),
        "{} of {compared} comparisons differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("data drift: {compared} (column, test) results equal to Evidently's ({fast_paired} data sets also read by the streaming reader, same columns; {mmd_tie_diffs} empirical_mmd / TVD permutation p-values off by at most two permutations in 100; {es_noise} Epps-Singleton results on noise-rank covariances not comparable)");
}

#[test]
#[ignore = "needs the Python reference answers: run `make test-drift`"]
fn concept_drift_matches_river() {
    let exp = load_expected();
    let mut failures = Vec::new();
    let cases = exp["concept"].as_array().expect("concept");
    for case in cases {
        let det = case["detector"].as_str().unwrap();
        let stream = case["stream"].as_str().unwrap();
        let params: BTreeMap<String, String> = case["params"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    },
                )
            })
            .collect();
        let text =
            std::fs::read_to_string(diff_dir().join("streams").join(format!("{stream}.txt")))
                .expect("stream");
        let values: Vec<f64> = text.lines().map(|l| l.parse().unwrap()).collect();
        let mut d = ConceptDetector::from_name(det, &params).expect("detector");
        // Run in two batches through a serde round trip, as a stateless function would.
        let half = values.len() / 2;
        let mut got = d.run(&values[..half], 0);
        let mut d: ConceptDetector =
            serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        got.extend(d.run(&values[half..], half));
        let want: Vec<usize> = case["detections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        if got != want {
            failures.push(format!(
                "{det} {params:?} on {stream}: aiir {got:?}\n    river {want:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} detector runs differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!(
        "concept drift: {} detector runs equal to River's",
        cases.len()
    );
}

#[test]
fn column_type_names() {
    assert_eq!(ColumnType::Numerical.as_str(), "num");
}
