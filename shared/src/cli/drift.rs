//! `aiir drift`, `aiir concept`, `aiir embedding-drift`.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Subcommand, ValueEnum};

use crate::detect::drift::columnar::{read_columnar, ColumnarTable};
use crate::detect::drift::concept::ConceptDetector;
use crate::detect::drift::dataset::{column_drift, summarise, DatasetDrift, DriftOptions};
use crate::detect::drift::embedding::{self, EmbeddingMethod};
use crate::detect::drift::numbers::{parse_f64, read_number_lines};
use crate::detect::drift::table::{
    pair_columns, pair_sources, parse_csv_owned, trim_cell, ColumnSource, Paired, Table,
};
use crate::detect::drift::{ColumnType, DriftError, StatTest};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Text,
    Html,
}

#[derive(Debug, Subcommand)]
pub enum DriftCommand {
    /// Data drift per column with Evidently's tests and defaults, plus the dataset verdict.
    Drift {
        /// Reference (training / baseline) CSV with a header row.
        #[arg(long)]
        reference: PathBuf,
        /// Current (production) CSV with the same columns.
        #[arg(long)]
        current: PathBuf,
        /// Column type, `COLUMN=num|cat` (repeatable); others are inferred like Evidently.
        #[arg(long = "column-type", value_name = "COLUMN=num|cat")]
        column_type: Vec<String>,
        /// Test by Evidently name, `COLUMN=NAME` or `NAME` for every column (repeatable).
        #[arg(long, value_name = "[COLUMN=]NAME")]
        stattest: Vec<String>,
        /// Threshold, `COLUMN=X` or `X` for every column (repeatable).
        #[arg(long, value_name = "[COLUMN=]X")]
        threshold: Vec<String>,
        /// Only these columns (repeatable; default: every column of the current file).
        #[arg(long)]
        column: Vec<String>,
        /// Share of drifted columns at which the dataset drifts.
        #[arg(long, default_value_t = 0.5)]
        drift_share: f64,
        /// Seed for empirical_mmd's permutations (numpy legacy generator).
        #[arg(long, default_value_t = 0)]
        mmd_seed: u32,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// Print parse and compute times and peak memory to stderr (for benchmarks).
        #[arg(long)]
        timings: bool,
    },
    /// Streaming concept drift over one value per line; prints `{"detections": [...]}`.
    Concept {
        /// adwin | page-hinkley | kswin | ddm | eddm | hddm-a | hddm-w
        #[arg(long)]
        detector: String,
        /// River parameter, `NAME=VALUE` (repeatable), e.g. `delta=0.01`.
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// One number per line, no header; `-` for stdin.
        #[arg(long)]
        input: String,
        /// Load detector state from this JSON file (if it exists) and save it back afterwards.
        #[arg(long)]
        state: Option<PathBuf>,
        /// Print parse and compute times and peak memory to stderr (for benchmarks).
        #[arg(long)]
        timings: bool,
    },
    /// Embedding drift between two CSVs whose rows are vectors (Evidently's methods).
    EmbeddingDrift {
        #[arg(long)]
        reference: PathBuf,
        #[arg(long)]
        current: PathBuf,
        /// model | distance | ratio | mmd | cosine
        #[arg(long, default_value = "model")]
        method: String,
        /// Method parameter, `NAME=VALUE` (repeatable), e.g. `dist=cosine`, `threshold=0.2`.
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Treat the first row as data, not a header.
        #[arg(long)]
        no_header: bool,
    },
}

pub fn run(cmd: DriftCommand) -> anyhow::Result<i32> {
    let res = match cmd {
        DriftCommand::Drift {
            reference,
            current,
            column_type,
            stattest,
            threshold,
            column,
            drift_share,
            mmd_seed,
            format,
            timings,
        } => run_drift(
            &reference,
            &current,
            &column_type,
            &stattest,
            &threshold,
            &column,
            drift_share,
            mmd_seed,
            format,
            timings,
        ),
        DriftCommand::Concept {
            detector,
            params,
            input,
            state,
            timings,
        } => run_concept(&detector, &params, &input, state.as_deref(), timings),
        DriftCommand::EmbeddingDrift {
            reference,
            current,
            method,
            params,
            no_header,
        } => run_embedding(&reference, &current, &method, &params, no_header),
    };
    match res {
        Ok(()) => Ok(0),
        Err(e) => {
            // Bad input is the caller's to fix: say what and where, exit 2.
            eprintln!("error: {e:#}");
            Ok(2)
        }
    }
}

/// This process's CPU seconds (user + system), for `--timings` (wall time on a shared machine
/// measures the neighbours too), to the nanosecond: the concept command times each batch it
/// hands to the detector, far shorter than /proc's 10 ms ticks.
#[cfg(target_os = "linux")]
fn cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec, which `t` is.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) } == 0;
    if ok {
        t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
    } else {
        0.0
    }
}

#[cfg(not(target_os = "linux"))]
fn cpu_seconds() -> f64 {
    0.0 // (timings are a benchmark aid; the benchmark runs on Linux)
}

/// Peak resident memory of this process (VmHWM, which `exec` resets — unlike a parent's
/// `wait4` figure, which keeps the forking process's own), 0 where unknown.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn read_table(path: &Path) -> anyhow::Result<Table> {
    Ok(parse_csv_owned(
        &path.display().to_string(),
        read_text(path)?,
    )?)
}

/// Both input files: read the fast way when they allow it (see `columnar`), else as tables.
enum Inputs {
    Fast(ColumnarTable, ColumnarTable),
    Tables(Table, Table),
}

impl Inputs {
    fn read(reference: &Path, current: &Path) -> anyhow::Result<Self> {
        let fast = |p: &Path| {
            let f = std::fs::File::open(p).ok()?;
            read_columnar(&p.display().to_string(), f)
        };
        if let (Some(r), Some(c)) = (fast(reference), fast(current)) {
            return Ok(Inputs::Fast(r, c));
        }
        Ok(Inputs::Tables(read_table(reference)?, read_table(current)?))
    }

    fn current(&self) -> (&str, &[String]) {
        match self {
            Inputs::Fast(_, c) => (c.file(), c.names()),
            Inputs::Tables(_, c) => (&c.file, &c.names),
        }
    }

    fn pair(
        self,
        (reference, current): (&Path, &Path),
        types: &BTreeMap<String, ColumnType>,
        only: Option<&[String]>,
    ) -> anyhow::Result<Paired> {
        let (rt, ct) = match self {
            Inputs::Fast(mut r, mut c) => {
                if let Some(paired) = pair_sources(&mut r, &mut c, types, only)? {
                    return Ok(paired);
                }
                drop((r, c));
                (read_table(reference)?, read_table(current)?)
            }
            Inputs::Tables(r, c) => (r, c),
        };
        Ok(pair_columns(&rt, &ct, types, only)?)
    }
}

fn kv(s: &str) -> Option<(&str, &str)> {
    s.split_once('=')
}

#[allow(clippy::too_many_arguments)]
fn run_drift(
    reference: &Path,
    current: &Path,
    column_type: &[String],
    stattest: &[String],
    threshold: &[String],
    only: &[String],
    drift_share: f64,
    mmd_seed: u32,
    format: Format,
    timings: bool,
) -> anyhow::Result<()> {
    let t0 = std::time::Instant::now();
    let c0 = cpu_seconds();
    let inputs = Inputs::read(reference, current)?;
    let mut types = BTreeMap::new();
    for s in column_type {
        let (c, t) =
            kv(s).with_context(|| format!("--column-type {s}: expected COLUMN=num|cat"))?;
        let t = match t {
            "num" | "numerical" => ColumnType::Numerical,
            "cat" | "categorical" => ColumnType::Categorical,
            _ => anyhow::bail!("--column-type {s}: type must be num or cat"),
        };
        types.insert(c.to_string(), t);
    }
    let mut opts = DriftOptions {
        drift_share: Some(drift_share),
        ..Default::default()
    };
    opts.test_options.mmd_seed = mmd_seed;
    for s in stattest {
        let (col, name) = match kv(s) {
            Some((c, n)) => (Some(c), n),
            None => (None, s.as_str()),
        };
        let t = StatTest::from_name(name).ok_or_else(|| {
            anyhow::anyhow!(
                "--stattest {s}: unknown test '{name}' (known: {})",
                StatTest::ALL.map(|t| t.name()).join(", ")
            )
        })?;
        match col {
            Some(c) => {
                opts.per_column_test.insert(c.to_string(), t);
            }
            None => opts.test = Some(t),
        }
    }
    for s in threshold {
        let (col, v) = match kv(s) {
            Some((c, v)) => (Some(c), v),
            None => (None, s.as_str()),
        };
        let x: f64 = v
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite())
            .with_context(|| format!("--threshold {s}: not a finite number"))?;
        match col {
            Some(c) => {
                opts.per_column_threshold.insert(c.to_string(), x);
            }
            None => opts.threshold = Some(x),
        }
    }
    for c in opts
        .per_column_test
        .keys()
        .chain(opts.per_column_threshold.keys())
    {
        let (file, names) = inputs.current();
        if !names.contains(c) {
            return Err(DriftError::UnknownColumn(format!("{c}' in '{file}")).into());
        }
    }
    let only = (!only.is_empty()).then_some(only);
    let (cols, skipped) = inputs.pair((reference, current), &types, only)?;
    let t1 = std::time::Instant::now();
    let c1 = cpu_seconds();
    let mut results = Vec::with_capacity(cols.len());
    for c in &cols {
        results.push(column_drift(
            &c.name,
            &c.reference,
            &c.current,
            c.ctype,
            &opts,
        )?);
    }
    let report = summarise(results, opts.drift_share(), skipped);
    if timings {
        eprintln!(
            "timings: parse_s={:.6} compute_s={:.6} cpu_parse_s={:.2} cpu_compute_s={:.2} peak_rss_mib={:.1}",
            (t1 - t0).as_secs_f64(),
            t1.elapsed().as_secs_f64(),
            c1 - c0,
            cpu_seconds() - c1,
            peak_rss_mib()
        );
    }
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Text => print!("{}", text_report(&report)),
        Format::Html => print!(
            "{}",
            crate::detect::drift::report::html_report(&report, &cols, reference, current)
        ),
    }
    Ok(())
}

fn text_report(r: &DatasetDrift) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "{:<28} {:<4} {:<17} {:>14} {:>12} {:>9}  drifted\n",
        "column", "type", "stattest", "statistic", "p_value", "threshold"
    ));
    let num = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.6}"));
    for c in &r.columns {
        s.push_str(&format!(
            "{:<28} {:<4} {:<17} {:>14} {:>12} {:>9}  {}\n",
            c.column,
            c.column_type.as_str(),
            c.stattest.name(),
            num(c.statistic),
            num(c.p_value),
            c.threshold,
            if c.drifted { "YES" } else { "no" }
        ));
    }
    for k in &r.skipped {
        s.push_str(&format!("skipped {}: {}\n", k.column, k.reason));
    }
    s.push_str(&format!(
        "dataset drift: {} ({} of {} columns drifted, share {:.3}, drift_share {})\n",
        if r.dataset_drift { "YES" } else { "no" },
        r.number_of_drifted_columns,
        r.number_of_columns,
        r.share_of_drifted_columns,
        r.drift_share
    ));
    s
}

/// One number per line (blank lines skipped), streamed through a fixed buffer and handed to
/// `consume` a buffer's worth at a time: a 10-million value file is never held in memory, as
/// text or as numbers. Returns how many values there were.
fn read_values(input: &str, consume: impl FnMut(&[f64])) -> anyhow::Result<usize> {
    let name = if input == "-" { "<stdin>" } else { input };
    let file = if input == "-" {
        None
    } else {
        Some(std::fs::File::open(input).with_context(|| format!("cannot read {input}"))?)
    };
    let parse_line = |i: usize, line: &str| -> Result<Option<f64>, ValuesError> {
        let Some(t) = trim_cell(line) else {
            return Ok(None);
        };
        let bad = |message: String| DriftError::Parse {
            file: name.to_string(),
            row: i,
            column: "value".into(),
            message,
        };
        let x = parse_f64(t).ok_or_else(|| bad(format!("'{t}' is not a number")))?;
        if !x.is_finite() {
            return Err(bad(format!("'{t}' is not a finite number")).into());
        }
        Ok(Some(x))
    };
    let res = match file {
        Some(f) => read_number_lines(f, parse_line, consume),
        None => read_number_lines(std::io::stdin().lock(), parse_line, consume),
    };
    let count = match res {
        Ok(n) => n,
        Err(ValuesError::Io(e)) => {
            return Err(anyhow::Error::new(e).context(format!("cannot read {name}")))
        }
        Err(ValuesError::Drift(e)) => return Err(e.into()),
    };
    if count == 0 {
        anyhow::bail!("{name}: no values (empty input)");
    }
    Ok(count)
}

/// Why reading a value file stopped.
#[derive(Debug)]
enum ValuesError {
    Io(std::io::Error),
    Drift(DriftError),
}

impl From<std::io::Error> for ValuesError {
    fn from(e: std::io::Error) -> Self {
        ValuesError::Io(e)
    }
}

impl From<DriftError> for ValuesError {
    fn from(e: DriftError) -> Self {
        ValuesError::Drift(e)
    }
}

fn parse_params(params: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut m = BTreeMap::new();
    for p in params {
        let (k, v) = kv(p).with_context(|| format!("--param {p}: expected NAME=VALUE"))?;
        m.insert(k.to_string(), v.to_string());
    }
    Ok(m)
}

/// State file: the detector plus how many values it has seen (so indices stay global).
#[derive(serde::Serialize, serde::Deserialize)]
struct ConceptState {
    seen: usize,
    detector: ConceptDetector,
}

fn run_concept(
    detector: &str,
    params: &[String],
    input: &str,
    state: Option<&Path>,
    timings: bool,
) -> anyhow::Result<()> {
    let t0 = std::time::Instant::now();
    let c0 = cpu_seconds();
    let params = parse_params(params)?;
    let mut st = match state {
        Some(p) if p.exists() => {
            let s: ConceptState = serde_json::from_str(&read_text(p)?)
                .with_context(|| format!("{}: not a detector state", p.display()))?;
            if s.detector.name() != detector {
                anyhow::bail!(
                    "{}: state is for '{}', not '{detector}'",
                    p.display(),
                    s.detector.name()
                );
            }
            s
        }
        _ => ConceptState {
            seen: 0,
            detector: ConceptDetector::from_name(detector, &params)?,
        },
    };
    // The detector takes the values batch by batch as they are read (its result does not
    // depend on the batches); the state file is written only once the whole input has read
    // cleanly, so bad input changes nothing.
    let mut detections = Vec::new();
    let mut seen = st.seen;
    let (mut compute_s, mut cpu_compute_s) = (0.0, 0.0);
    read_values(input, |batch| {
        let (t, c) = (std::time::Instant::now(), cpu_seconds());
        detections.extend(st.detector.run(batch, seen));
        seen += batch.len();
        compute_s += t.elapsed().as_secs_f64();
        cpu_compute_s += cpu_seconds() - c;
    })?;
    if timings {
        eprintln!(
            "timings: parse_s={:.6} compute_s={:.6} cpu_parse_s={:.2} cpu_compute_s={:.2} peak_rss_mib={:.1}",
            t0.elapsed().as_secs_f64() - compute_s,
            compute_s,
            cpu_seconds() - c0 - cpu_compute_s,
            cpu_compute_s,
            peak_rss_mib()
        );
    }
    st.seen = seen;
    if let Some(p) = state {
        std::fs::write(p, serde_json::to_string(&st)?)
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    println!("{}", serde_json::json!({ "detections": detections }));
    Ok(())
}

fn read_matrix(path: &Path, no_header: bool) -> anyhow::Result<Vec<Vec<f64>>> {
    let text = read_text(path)?;
    let file = path.display().to_string();
    let mut rows = Vec::new();
    let mut width = None;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || (i == 0 && !no_header) {
            continue;
        }
        let mut row = Vec::new();
        for (j, cell) in line.split(',').enumerate() {
            let t = cell.trim();
            let x: f64 = t
                .parse()
                .ok()
                .filter(|x: &f64| x.is_finite())
                .ok_or_else(|| DriftError::Parse {
                    file: file.clone(),
                    row: i + 1,
                    column: format!("{}", j + 1),
                    message: format!("'{t}' is not a finite number"),
                })?;
            row.push(x);
        }
        if *width.get_or_insert(row.len()) != row.len() {
            return Err(DriftError::Parse {
                file,
                row: i + 1,
                column: String::new(),
                message: format!(
                    "expected {} values, found {}",
                    width.unwrap_or(0),
                    row.len()
                ),
            }
            .into());
        }
        rows.push(row);
    }
    if rows.is_empty() {
        anyhow::bail!("{file}: no vectors (empty file)");
    }
    Ok(rows)
}

fn run_embedding(
    reference: &Path,
    current: &Path,
    method: &str,
    params: &[String],
    no_header: bool,
) -> anyhow::Result<()> {
    let r = read_matrix(reference, no_header)?;
    let c = read_matrix(current, no_header)?;
    let m = EmbeddingMethod::from_name(method, &parse_params(params)?)?;
    let res = embedding::embedding_drift(&r, &c, &m)?;
    println!("{}", serde_json::to_string_pretty(&res)?);
    Ok(())
}
