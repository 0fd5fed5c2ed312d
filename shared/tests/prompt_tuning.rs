//! The model-only penalty and the frame penalty are chosen on training data only (out-of-fold
//! scores of the training split, see `detect::prompt::tune`); this checks the shipped values are
//! the ones the stated rule picks, and prints the table they were chosen from.
use aiir_core::detect::prompt::dataset::{parse_jsonl, Example};
use aiir_core::detect::prompt::detector::{FRAME_PENALTY, MODEL_ONLY_PENALTY};
use aiir_core::detect::prompt::linear::TrainConfig;
use aiir_core::detect::prompt::tune::penalty_table;
use aiir_core::detect::prompt::PromptDetector;

const FILES: &[&str] = &[
    "jackhhao_jailbreak.jsonl",
    "promptshield.jsonl",
    "surge_as_benign.jsonl",
    "aiir_benign_train.jsonl",
    "aiir_generalise_train.jsonl",
];

#[test]
fn shipped_model_only_penalty_is_the_one_chosen_on_training_data() {
    let rows: Vec<Example> = FILES
        .iter()
        .flat_map(|f| {
            let p = format!("{}/data/prompts/{f}", env!("CARGO_MANIFEST_DIR"));
            parse_jsonl(&std::fs::read_to_string(&p).unwrap(), "text").unwrap()
        })
        .collect();
    let det = PromptDetector::builtin().unwrap();
    let grid: Vec<(f32, f32)> = (0..=10)
        .flat_map(|i| (0..=6).map(move |j| (i as f32 * 0.5, j as f32 * 0.5)))
        .collect();
    let table = penalty_table(&rows, &det, &TrainConfig::default(), &grid);
    for c in &table {
        let hard = &c.per_source["aiir/benign-train-augment"];
        eprintln!(
            "penalty {:.1} frame {:.1}: bal_acc {:.4} fpr {:.4} recall {:.4} | trigger-word benign fpr {:.3} (n {})",
            c.penalty,
            c.frame_penalty,
            c.overall.balanced_accuracy,
            c.overall.false_positive_rate,
            c.overall.recall,
            hard.false_positive_rate,
            hard.n
        );
    }
    // The rule, fixed before looking at any test figure: the best out-of-fold balanced accuracy
    // among penalties that keep the training FPR <= 1 % (half the 2 % budget, a margin for
    // unseen benign traffic) and the trigger-word benign FPR <= 5 %; among equals, the first in
    // grid order (the smallest model-only penalty, then the smallest frame penalty).
    let chosen = table
        .iter()
        .filter(|c| {
            c.overall.false_positive_rate <= 0.01
                && c.per_source["aiir/benign-train-augment"].false_positive_rate <= 0.05
        })
        .fold(
            None::<&aiir_core::detect::prompt::tune::Candidate>,
            |best, c| match best {
                Some(b) if b.overall.balanced_accuracy >= c.overall.balanced_accuracy => Some(b),
                _ => Some(c),
            },
        )
        .expect("some penalty meets the constraints");
    assert_eq!(
        (chosen.penalty, chosen.frame_penalty),
        (MODEL_ONLY_PENALTY, FRAME_PENALTY),
        "retune: {chosen:?}"
    );
}
