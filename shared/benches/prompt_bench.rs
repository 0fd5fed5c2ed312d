//! Throughput of the prompt pipeline, model load time and peak memory, as JSON on stdout.
//! `cargo bench -p aiir-core --bench prompt_bench -- FILE.jsonl [FIELD]`; the Python peers are
//! run on the same file by tests/python/prompt/bench_compare.py (`make bench-prompt`).
use std::time::{Duration, Instant};

use aiir_core::detect::prompt::linear::LinearModel;
use aiir_core::detect::prompt::normalize;
use aiir_core::detect::prompt::rules::RuleSet;
use aiir_core::detect::prompt::toxicity::ToxicityDetector;
use aiir_core::detect::prompt::PromptDetector;
use serde_json::json;

fn peak_rss_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// CPU seconds used by this thread (user + system, 10 ms ticks): on a shared machine this is
/// what "per core" means, whatever else competes for the cores.
fn thread_cpu_s() -> f64 {
    let s = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Seconds per pass over all texts: wall clock and CPU time of this thread.
#[derive(Clone, Copy)]
struct Pass {
    wall: f64,
    cpu: f64,
}

/// Runs `f` over all texts repeatedly for at least `min` and returns the time per pass.
fn per_pass(texts: &[String], min: Duration, mut f: impl FnMut(&str) -> f64) -> Pass {
    let mut sink = 0.0;
    let mut passes = 0u32;
    let c0 = thread_cpu_s();
    let t0 = Instant::now();
    while t0.elapsed() < min || passes == 0 {
        for t in texts {
            sink += f(t);
        }
        passes += 1;
    }
    std::hint::black_box(sink);
    let wall = t0.elapsed().as_secs_f64() / passes as f64;
    let cpu = (thread_cpu_s() - c0) / passes as f64;
    Pass {
        wall,
        cpu: if cpu > 0.0 { cpu } else { wall },
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some(path) = args.first() else {
        eprintln!("usage: prompt_bench FILE.jsonl [FIELD]");
        std::process::exit(2);
    };
    let field = args.get(1).map(String::as_str).unwrap_or("text");
    let src = std::fs::read_to_string(path).expect("read input");
    let texts: Vec<String> = src
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get(field).and_then(|t| t.as_str()).map(str::to_string))
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();

    // Wall-clock rates, and rates per CPU-second of this thread (`cpu_*`, = per core).
    let stage = |p: Pass| {
        json!({"prompts_per_s": texts.len() as f64 / p.wall, "mb_per_s": bytes as f64 / p.wall / 1e6,
               "cpu_prompts_per_s": texts.len() as f64 / p.cpu, "cpu_mb_per_s": bytes as f64 / p.cpu / 1e6})
    };
    // `AIIR_BENCH_SECS=0 AIIR_BENCH_ONLY=full` loads once and runs one pass of the full
    // pipeline only: what a profiler (`valgrind --tool=callgrind`) needs.
    let secs = std::env::var("AIIR_BENCH_SECS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(3.0);
    let min = Duration::from_secs_f64(secs);
    if std::env::var("AIIR_BENCH_ONLY").is_ok_and(|v| v == "full") {
        let det = PromptDetector::builtin().expect("builtin detector");
        // Warm-up pass: compiles the lazily built regexes outside the measured pass.
        per_pass(&texts, Duration::ZERO, |t| det.scan(t).score);
        let full = per_pass(&texts, min, |t| det.scan(t).score);
        println!("{}", json!({"full_prompt_pipeline": stage(full)}));
        return;
    }
    // `AIIR_BENCH_ONLY=load` only loads the detector, 200 times: what a profiler of the cold
    // start needs.
    if std::env::var("AIIR_BENCH_ONLY").is_ok_and(|v| v == "load") {
        for _ in 0..200 {
            std::hint::black_box(PromptDetector::builtin().expect("builtin detector"));
        }
        return;
    }
    // Model load: best of several cold parses (rules compile + weights + MinHash corpus).
    let mut load = Vec::new();
    for _ in 0..10 {
        let t0 = Instant::now();
        let d = PromptDetector::builtin().expect("builtin detector");
        load.push(t0.elapsed().as_secs_f64());
        std::hint::black_box(&d);
    }
    load.sort_by(f64::total_cmp);
    let t0 = Instant::now();
    let w = LinearModel::from_bytes(aiir_core::detect::prompt::detector::BUILTIN_MODEL).unwrap();
    let weights_load = t0.elapsed().as_secs_f64();
    std::hint::black_box(&w);

    let det = PromptDetector::builtin().unwrap();
    let rules = RuleSet::builtin().unwrap();
    let tox = ToxicityDetector::builtin().unwrap();
    let full = per_pass(&texts, min, |t| det.scan(t).score);
    let norm = per_pass(&texts, min, |t| normalize(t).text.len() as f64);
    let normed: Vec<String> = texts.iter().map(|t| normalize(t).text).collect();
    let rules_only = per_pass(&normed, min, |t| rules.scan(t).len() as f64);
    let model_only = per_pass(&normed, min, |t| f64::from(det.model.raw(t)));
    let toxicity = per_pass(&texts, min, |t| tox.scan(t).score);
    println!(
        "{}",
        json!({
            "tool": "aiir",
            "texts": texts.len(),
            "bytes": bytes,
            "threads": 1,
            "full_prompt_pipeline": stage(full),
            "stages": {"normalize": stage(norm), "rules": stage(rules_only), "model": stage(model_only),
                       "toxicity_full": stage(toxicity)},
            "model_load_ms": {"min": load[0] * 1e3, "median": load[load.len() / 2] * 1e3,
                               "weights_only": weights_load * 1e3},
            "peak_rss_mb": peak_rss_kb().map(|k| k as f64 / 1024.0),
        })
    );
}
