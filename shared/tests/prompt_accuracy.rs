//! Accuracy of the shipped prompt-injection and toxicity models on the held-out split of the
//! shipped data (clusters of near-duplicates never straddle the split), robustness to
//! re-encoding, and reproducibility of training. These fail if the models regress.
use aiir_core::detect::prompt::dataset::{parse_jsonl, Example};
use aiir_core::detect::prompt::eval::{length_check, report, robustness, select, Split};
use aiir_core::detect::prompt::linear::TrainConfig;
use aiir_core::detect::prompt::toxicity::ToxicityDetector;
use aiir_core::detect::prompt::train::{train_task, Task};
use aiir_core::detect::prompt::PromptDetector;
use sha2::{Digest, Sha256};

const INJECTION_TRAIN_FILES: &[&str] = &[
    "jackhhao_jailbreak.jsonl",
    "promptshield.jsonl",
    "surge_as_benign.jsonl",
    "aiir_benign_train.jsonl",
    "aiir_generalise_train.jsonl",
];

const TOXICITY_TRAIN_FILES: &[&str] = &["surge_toxicity_en.jsonl", "prompts_as_nontoxic.jsonl"];

fn load(dir: &str, files: &[&str]) -> Vec<Example> {
    files
        .iter()
        .flat_map(|f| {
            let p = format!("{}/data/{dir}/{f}", env!("CARGO_MANIFEST_DIR"));
            let src = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"));
            parse_jsonl(&src, "text").unwrap_or_else(|e| panic!("{p}: {e}"))
        })
        .collect()
}

#[test]
fn prompt_injection_held_out_accuracy() {
    let rows = load("prompts", INJECTION_TRAIN_FILES);
    let test = select(&rows, Split::Test);
    assert!(test.len() > 1000, "test split too small: {}", test.len());
    let det = PromptDetector::builtin().unwrap();
    let scores: Vec<f64> = test.iter().map(|r| det.scan(&r.text).score).collect();
    let rep = report(&test, &scores, det.threshold);
    let m = &rep.overall;
    eprintln!("held-out overall: {m:?}");
    for (s, m) in &rep.per_source {
        eprintln!(
            "  {s}: bal_acc {:.3} fpr {:.3} recall {:.3} n {}",
            m.balanced_accuracy, m.false_positive_rate, m.recall, m.n
        );
    }
    assert!(
        m.balanced_accuracy >= 0.95,
        "balanced accuracy {:.3} < 0.95",
        m.balanced_accuracy
    );
    assert!(
        m.false_positive_rate <= 0.02,
        "false-positive rate {:.3} > 0.02",
        m.false_positive_rate
    );
    assert!(m.roc_auc.unwrap() >= 0.98);
    // Every sizeable source keeps a usable level, not just the mix.
    for (s, m) in rep.per_source.iter().filter(|(_, m)| m.n >= 100) {
        assert!(
            m.false_positive_rate <= 0.05,
            "{s}: fpr {:.3}",
            m.false_positive_rate
        );
        if m.tp + m.fn_ > 0 {
            assert!(
                m.balanced_accuracy >= 0.9,
                "{s}: bal_acc {:.3}",
                m.balanced_accuracy
            );
        }
    }
}

#[test]
fn jackhhao_length_shortcut_is_not_what_the_model_uses() {
    let rows = load("prompts", &["jackhhao_jailbreak.jsonl"]);
    let test = select(&rows, Split::Test);
    let det = PromptDetector::builtin().unwrap();
    let scores: Vec<f64> = test.iter().map(|r| det.scan(&r.text).score).collect();
    let lc = length_check(&test, &scores, det.threshold).unwrap();
    eprintln!(
        "length-only bal_acc {:.3}; detector in band {:?}: {:.3}",
        lc.length_only.balanced_accuracy, lc.band, lc.detector_in_band.balanced_accuracy
    );
    // Where length cannot separate the classes, the detector still does.
    assert!(lc.detector_in_band.balanced_accuracy >= 0.9);
    assert!(lc.detector_in_band.balanced_accuracy > lc.length_only.balanced_accuracy + 0.05);
}

#[test]
fn hard_benign_and_multilingual_hand_made_set() {
    let rows = load("prompts", &["aiir_handmade.jsonl"]);
    let det = PromptDetector::builtin().unwrap();
    let scores: Vec<f64> = rows.iter().map(|r| det.scan(&r.text).score).collect();
    let rep = report(&rows, &scores, det.threshold);
    for (s, m) in &rep.per_source {
        eprintln!(
            "{s}: recall {:.3} fpr {:.3} n {}",
            m.recall, m.false_positive_rate, m.n
        );
    }
    // Trigger words in benign context: this set was never trained on.
    let benign = &rep.per_source["aiir/handmade-hard-benign"];
    assert!(
        benign.false_positive_rate <= 0.10,
        "hard-benign fpr {:.3}",
        benign.false_positive_rate
    );
    assert!(rep.per_source["aiir/handmade-attacks"].recall >= 0.9);
}

#[test]
fn re_encoded_attacks_are_caught_at_the_same_rate() {
    let rows = load("prompts", INJECTION_TRAIN_FILES);
    let test = select(&rows, Split::Test);
    let det = PromptDetector::builtin().unwrap();
    let attacks: Vec<&str> = test
        .iter()
        .filter(|r| r.label == 1)
        .map(|r| r.text.as_str())
        .collect();
    let r = robustness(&attacks, det.threshold, |t| det.scan(t).score);
    eprintln!("robustness: {r:?}");
    for (how, rate, kept) in &r.encoded {
        assert!(
            *rate >= r.plain_rate - 0.05,
            "{how}: {rate:.3} vs plain {:.3}",
            r.plain_rate
        );
        assert!(
            *kept >= 0.93,
            "{how}: only {kept:.3} of caught attacks still caught"
        );
    }
}

#[test]
fn toxicity_held_out_accuracy() {
    let rows = load("toxicity", TOXICITY_TRAIN_FILES);
    let test = select(&rows, Split::Test);
    let det = ToxicityDetector::builtin().unwrap();
    let scores: Vec<f64> = test.iter().map(|r| det.scan(&r.text).score).collect();
    let rep = report(&test, &scores, det.threshold);
    eprintln!("toxicity held-out: {:?}", rep.overall);
    let surge = &rep.per_source["surge-ai/toxicity"];
    eprintln!("  surge: {surge:?}");
    assert!(
        surge.balanced_accuracy >= 0.8,
        "toxicity bal_acc {:.3}",
        surge.balanced_accuracy
    );
    assert!(rep.overall.balanced_accuracy >= 0.85);
    // Ordinary prompts are not toxic.
    let prompts = &rep.per_source["jackhhao/llm-warden (non-toxic prompts)"];
    assert!(prompts.false_positive_rate <= 0.02);
}

#[test]
fn training_is_reproducible_and_matches_the_shipped_weights() {
    let shipped = include_bytes!("../models/prompt_injection.bin");
    let rows = load("prompts", INJECTION_TRAIN_FILES);
    let t = train_task(&rows, Task::PromptInjection, true, &TrainConfig::default());
    let bytes = t.model.to_bytes();
    assert_eq!(
        hex::encode(Sha256::digest(&bytes)),
        hex::encode(Sha256::digest(shipped)),
        "retraining did not reproduce shared/models/prompt_injection.bin: run `make train-prompt`"
    );
    let tox = load("toxicity", TOXICITY_TRAIN_FILES);
    let t = train_task(&tox, Task::Toxicity, true, &TrainConfig::default());
    assert_eq!(
        t.model.to_bytes(),
        include_bytes!("../models/toxicity.bin").to_vec()
    );
}
