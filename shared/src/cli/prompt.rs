//! `aiir scan`, `aiir eval`, `aiir train`.
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use clap::{Subcommand, ValueEnum};
use serde_json::json;

use crate::detect::prompt::dataset::{parse_jsonl, Example};
use crate::detect::prompt::eval::{length_check, report, robustness, select, Split};
use crate::detect::prompt::linear::{LinearModel, TrainConfig};
use crate::detect::prompt::output::{OutputConfig, OutputScanner};
use crate::detect::prompt::similarity::KnownAttacks;
use crate::detect::prompt::toxicity::ToxicityDetector;
use crate::detect::prompt::train::{train_task, Task};
use crate::detect::prompt::PromptDetector;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    Prompt,
    Output,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Detector {
    PromptInjection,
    Toxicity,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SplitArg {
    All,
    Train,
    Test,
}

#[derive(Debug, Subcommand)]
pub enum PromptCommand {
    /// Scan prompts or model outputs (JSONL) and print one JSON verdict per line.
    Scan {
        /// JSONL file (`-` for standard input).
        #[arg(long)]
        input: PathBuf,
        /// Field holding the text.
        #[arg(long, default_value = "text")]
        field: String,
        #[arg(long, value_enum, default_value = "prompt")]
        kind: Kind,
        /// Canary token placed in the system prompt (output scans; repeatable).
        #[arg(long)]
        canary: Vec<String>,
    },
    /// Evaluate a detector on labelled JSONL (`{"text", "label": 0|1, "source"}`).
    Eval {
        /// Labelled JSONL files (repeatable).
        #[arg(long, required = true)]
        input: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "prompt-injection")]
        detector: Detector,
        #[arg(long, default_value = "text")]
        field: String,
        /// Rows to evaluate: the held-out test split (as `aiir train` leaves out), or all.
        #[arg(long, value_enum, default_value = "all")]
        split: SplitArg,
        /// Model file instead of the shipped weights.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Also report the length shortcut and robustness to re-encoding.
        #[arg(long)]
        full: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Train a detector reproducibly from labelled JSONL.
    Train {
        #[arg(value_enum)]
        detector: Detector,
        #[arg(long, required = true)]
        input: Vec<PathBuf>,
        /// Where to write the model.
        #[arg(long)]
        out: PathBuf,
        /// Also write the known-attack MinHash corpus (prompt-injection).
        #[arg(long)]
        known_attacks: Option<PathBuf>,
        /// Train on every row (default: hold out the test split, as the shipped model does).
        #[arg(long)]
        no_holdout: bool,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, default_value = "text")]
        field: String,
        /// L2 penalty (default: the shipped models' value).
        #[arg(long)]
        l2: Option<f32>,
        /// Training epochs (default: the shipped models' value).
        #[arg(long)]
        epochs: Option<usize>,
    },
}

pub fn run(cmd: PromptCommand) -> anyhow::Result<i32> {
    match cmd {
        PromptCommand::Scan {
            input,
            field,
            kind,
            canary,
        } => scan(&input, &field, kind, canary),
        PromptCommand::Eval {
            input,
            detector,
            field,
            split,
            model,
            full,
            json,
        } => eval(
            &input,
            detector,
            &field,
            split,
            model.as_deref(),
            full,
            json,
        ),
        PromptCommand::Train {
            detector,
            input,
            out,
            known_attacks,
            no_holdout,
            seed,
            field,
            l2,
            epochs,
        } => {
            let d = TrainConfig::default();
            let cfg = TrainConfig {
                seed,
                l2: l2.unwrap_or(d.l2),
                epochs: epochs.unwrap_or(d.epochs),
                ..d
            };
            train(
                detector,
                &input,
                &out,
                known_attacks.as_deref(),
                !no_holdout,
                &cfg,
                &field,
            )
        }
    }
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin().read_to_end(&mut bytes)?;
    } else {
        bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
            bail!("{}: line {line}: invalid UTF-8", path.display())
        }
    }
}

fn load_rows(paths: &[PathBuf], field: &str) -> anyhow::Result<Vec<Example>> {
    let mut rows = Vec::new();
    for p in paths {
        let src = read_text(p)?;
        let mut r = parse_jsonl(&src, field).with_context(|| format!("{}", p.display()))?;
        let stem = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        for e in &mut r {
            if e.source.is_empty() {
                e.source = stem.clone();
            }
        }
        rows.extend(r);
    }
    Ok(rows)
}

fn scan(input: &Path, field: &str, kind: Kind, canaries: Vec<String>) -> anyhow::Result<i32> {
    let src = read_text(input)?;
    let det = PromptDetector::shared()?;
    let tox = ToxicityDetector::shared()?;
    let out_scanner = OutputScanner::new(OutputConfig {
        canaries,
        ..Default::default()
    })?;
    let stdout = std::io::stdout();
    let mut w = BufWriter::new(stdout.lock());
    for (i, line) in src.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line)
            .with_context(|| format!("{}: line {}: invalid JSON", input.display(), i + 1))?;
        let Some(text) = v.get(field).and_then(|t| t.as_str()) else {
            bail!(
                "{}: line {}: missing string field `{field}`",
                input.display(),
                i + 1
            );
        };
        let out = match kind {
            Kind::Prompt => {
                let v = det.scan(text);
                json!({"line": i + 1, "score": v.score, "label": v.label, "reasons": v.reasons,
                       "signature": v.signature, "model_score": v.model_score})
            }
            Kind::Output => {
                let o = out_scanner.scan(text, None);
                let t = tox.scan(text);
                let mut reasons: Vec<String> = o.findings.iter().map(|f| f.reason()).collect();
                reasons.extend(t.reasons.iter().map(|r| format!("toxicity:{r}")));
                let score = o.score.max(t.score);
                let label = if !o.findings.is_empty() || t.score >= tox.threshold {
                    "flagged"
                } else {
                    "ok"
                };
                json!({"line": i + 1, "score": score, "label": label, "reasons": reasons,
                       "toxicity": t.score, "redacted": o.redacted})
            }
        };
        writeln!(w, "{out}")?;
    }
    w.flush()?;
    Ok(0)
}

/// A detector as a scoring function.
type Scorer = Box<dyn Fn(&str) -> f64>;

fn scorer(detector: Detector, model: Option<&Path>) -> anyhow::Result<(Scorer, f64)> {
    let model = match model {
        Some(p) => Some(
            LinearModel::from_bytes(&std::fs::read(p).with_context(|| format!("{}", p.display()))?)
                .with_context(|| format!("{}", p.display()))?,
        ),
        None => None,
    };
    Ok(match detector {
        Detector::PromptInjection => {
            let mut d = PromptDetector::builtin()?;
            if let Some(m) = model {
                d.model = m;
                d.known = KnownAttacks::default();
            }
            let t = d.threshold;
            (Box::new(move |s: &str| d.scan(s).score), t)
        }
        Detector::Toxicity => {
            let d = match model {
                Some(m) => ToxicityDetector::with_model(m)?,
                None => ToxicityDetector::builtin()?,
            };
            let t = d.threshold;
            (Box::new(move |s: &str| d.scan(s).score), t)
        }
    })
}

fn eval(
    input: &[PathBuf],
    detector: Detector,
    field: &str,
    split: SplitArg,
    model: Option<&Path>,
    full: bool,
    as_json: bool,
) -> anyhow::Result<i32> {
    let rows = load_rows(input, field)?;
    let split = match split {
        SplitArg::All => Split::All,
        SplitArg::Train => Split::Train,
        SplitArg::Test => Split::Test,
    };
    let rows = select(&rows, split);
    if rows.is_empty() {
        bail!("no rows to evaluate");
    }
    let (score, threshold) = scorer(detector, model)?;
    let t0 = Instant::now();
    let scores: Vec<f64> = rows.iter().map(|r| score(&r.text)).collect();
    let secs = t0.elapsed().as_secs_f64();
    let rep = report(&rows, &scores, threshold);
    let lc = full
        .then(|| length_check(&rows, &scores, threshold))
        .flatten();
    let rob = full.then(|| {
        let attacks: Vec<&str> = rows
            .iter()
            .filter(|r| r.label == 1)
            .map(|r| r.text.as_str())
            .collect();
        robustness(&attacks, threshold, &score)
    });
    if as_json {
        println!(
            "{}",
            json!({"detector": format!("{detector:?}"), "split": format!("{split:?}"),
                   "report": rep, "length_check": lc, "robustness": rob, "seconds": secs})
        );
        return Ok(0);
    }
    let line = |name: &str, m: &crate::detect::prompt::metrics::Metrics| {
        println!(
            "{name:<34} n={:<5} prec={:.3} rec={:.3} f1={:.3} bal_acc={:.3} fpr={:.3} auc={} tp={} fp={} tn={} fn={}",
            m.n, m.precision, m.recall, m.f1, m.balanced_accuracy, m.false_positive_rate,
            m.roc_auc.map(|a| format!("{a:.3}")).unwrap_or_else(|| "n/a".into()),
            m.tp, m.fp, m.tn, m.fn_
        )
    };
    println!("detector {detector:?}, split {split:?}, threshold {threshold}");
    line("overall", &rep.overall);
    for (s, m) in &rep.per_source {
        line(s, m);
    }
    println!(
        "confusion matrix (rows = truth, cols = predicted):\n            pred 0  pred 1\n  true 0  {:>8} {:>7}\n  true 1  {:>8} {:>7}",
        rep.overall.tn, rep.overall.fp, rep.overall.fn_, rep.overall.tp
    );
    if let Some(lc) = lc {
        println!(
            "length shortcut: length-only classifier (len >= {}) bal_acc={:.3} fpr={:.3}; detector on rows with {}..={} chars:",
            lc.length_threshold, lc.length_only.balanced_accuracy, lc.length_only.false_positive_rate, lc.band.0, lc.band.1
        );
        line("  detector in length band", &lc.detector_in_band);
    }
    if let Some(r) = rob {
        println!(
            "robustness: {} attacks, caught as given {:.3}",
            r.attacks, r.plain_rate
        );
        for (how, rate, kept) in &r.encoded {
            println!(
                "  re-encoded {how:<11} caught {rate:.3} (of those caught as given: {kept:.3})"
            );
        }
    }
    println!(
        "scored {} texts in {:.3}s ({:.0} texts/s)",
        rows.len(),
        secs,
        rows.len() as f64 / secs.max(1e-9)
    );
    Ok(0)
}

fn train(
    detector: Detector,
    input: &[PathBuf],
    out: &Path,
    known: Option<&Path>,
    holdout: bool,
    cfg: &TrainConfig,
    field: &str,
) -> anyhow::Result<i32> {
    let rows = load_rows(input, field)?;
    if rows.is_empty() {
        bail!("no training rows");
    }
    let task = match detector {
        Detector::PromptInjection => Task::PromptInjection,
        Detector::Toxicity => Task::Toxicity,
    };
    let t0 = Instant::now();
    let t = train_task(&rows, task, holdout, cfg);
    let bytes = t.model.to_bytes();
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    if let Some(k) = known {
        std::fs::write(k, t.known.to_bytes())
            .with_context(|| format!("writing {}", k.display()))?;
    }
    eprintln!(
        "trained {} on {} rows ({} held out) in {:.1}s; wrote {} ({} bytes, sha256 {})",
        task.name(),
        t.train_rows,
        t.held_out_rows,
        t0.elapsed().as_secs_f64(),
        out.display(),
        bytes.len(),
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes))
    );
    Ok(0)
}
