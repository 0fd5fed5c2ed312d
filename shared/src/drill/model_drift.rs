//! Model drift leading to harmful outputs, as data.
//!
//! A card-payments fraud model's inference traffic drifts away from its training baseline (a
//! gift-card scam wave: larger amounts, brand-new accounts, night-time web purchases of gift
//! cards and electronics), and the assistant in front of it starts insulting customers.
//!
//! - [`reference_rows`] / [`current_rows`]: seeded inference data with realistic columns; the
//!   current batch is what an hour of SageMaker data capture / Azure ML data collection /
//!   Vertex AI request-response logging would hold.
//! - [`findings`]: that batch through aiir's own drift check ([`check_data_drift`]) against
//!   the reference profile → a `data-drift` finding (kind model-drift, severity high) on the
//!   endpoint, which the default playbook's `recover-from-drift` rule maps to
//!   `rollback-model` + `notify`. Deliver it as `OperatorEvent::Findings`, the way a drift job
//!   posts it.
//! - [`model_io_lines`]: `events/drills/model-drift/model-io.jsonl`, model outputs whose
//!   toxicity rises; deliver them on the cloud's model-I/O log stream and the function's own
//!   scanner raises `toxic-output` findings.
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};

use crate::detect::drift::check::check_data_drift;
use crate::detect::drift::dataset::ColumnInput;
use crate::detect::drift::profile::{ReferenceProfile, DEFAULT_MAX_SAMPLE};
use crate::detect::drift::{ColumnType, DriftError, DriftOptions, Values};
use crate::{Finding, ResourceRef};

/// The seed the drills use unless told otherwise.
pub const DEFAULT_SEED: u64 = 20_240_611;
/// Rows in the training baseline. Above 1 000, Evidently (and aiir) test numerical columns with
/// the normed Wasserstein distance and categorical ones with Jensen–Shannon, threshold 0.1.
pub const REFERENCE_ROWS: usize = 5_000;
/// Rows in the drifted batch (about an hour of captured requests).
pub const CURRENT_ROWS: usize = 1_000;

/// Repository path of the model-I/O lines (also compiled into the binary, so `aiir drill`
/// works from anywhere).
pub const MODEL_IO_PATH: &str = "events/drills/model-drift/model-io.jsonl";
const MODEL_IO: &str = include_str!("../../../events/drills/model-drift/model-io.jsonl");

/// The columns and how each is typed for the drift check.
pub const COLUMNS: &[(&str, ColumnType)] = &[
    ("transaction_amount", ColumnType::Numerical),
    ("account_age_days", ColumnType::Numerical),
    ("hour_of_day", ColumnType::Numerical),
    ("merchant_category", ColumnType::Categorical),
    ("channel", ColumnType::Categorical),
    ("country", ColumnType::Categorical),
];

/// Everything that differs between the baseline and the drifted batch.
struct Mix {
    amount_log_mean: f64,
    amount_log_sd: f64,
    /// Share of brand-new accounts (days since opening ~ exponential, mean 20).
    new_accounts: f64,
    /// Share of purchases at night (00:00–05:59).
    night: f64,
    merchant: &'static [(&'static str, f64)],
    channel: &'static [(&'static str, f64)],
}

const BASELINE: Mix = Mix {
    amount_log_mean: 3.6,
    amount_log_sd: 0.9,
    new_accounts: 0.03,
    night: 0.06,
    merchant: &[
        ("grocery", 0.30),
        ("restaurants", 0.18),
        ("fuel", 0.15),
        ("travel", 0.12),
        ("online_retail", 0.12),
        ("electronics", 0.10),
        ("gift_cards", 0.03),
    ],
    channel: &[
        ("pos", 0.55),
        ("mobile_app", 0.28),
        ("web", 0.15),
        ("phone", 0.02),
    ],
};

const DRIFTED: Mix = Mix {
    amount_log_mean: 4.4,
    amount_log_sd: 1.0,
    new_accounts: 0.45,
    night: 0.35,
    merchant: &[
        ("gift_cards", 0.24),
        ("electronics", 0.20),
        ("online_retail", 0.18),
        ("grocery", 0.15),
        ("restaurants", 0.10),
        ("fuel", 0.08),
        ("travel", 0.05),
    ],
    channel: &[
        ("web", 0.46),
        ("mobile_app", 0.30),
        ("pos", 0.21),
        ("phone", 0.03),
    ],
};

/// Unchanged between baseline and drifted batch: a column that must not be flagged.
const COUNTRY: &[(&str, f64)] = &[
    ("US", 0.78),
    ("CA", 0.07),
    ("GB", 0.05),
    ("MX", 0.04),
    ("DE", 0.03),
    ("FR", 0.03),
];

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller; 1 - u keeps the logarithm finite.
    let u: f64 = 1.0 - rng.gen::<f64>();
    let v: f64 = rng.gen::<f64>();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

fn pick(rng: &mut ChaCha8Rng, weights: &[(&'static str, f64)]) -> &'static str {
    let total: f64 = weights.iter().map(|w| w.1).sum();
    let mut x = rng.gen::<f64>() * total;
    for (name, w) in weights {
        if x < *w {
            return name;
        }
        x -= w;
    }
    weights[weights.len() - 1].0
}

fn rows(mix: &Mix, n: usize, seed: u64) -> Vec<Map<String, Value>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let amount = (mix.amount_log_mean + mix.amount_log_sd * normal(&mut rng)).exp();
            let age = if rng.gen::<f64>() < mix.new_accounts {
                -20.0 * (1.0 - rng.gen::<f64>()).ln()
            } else {
                -1100.0 * (1.0 - rng.gen::<f64>()).ln() + 30.0
            };
            let hour = if rng.gen::<f64>() < mix.night {
                rng.gen_range(0..6)
            } else {
                // Daytime traffic, peaking around noon and early evening.
                (13.0 + 3.5 * normal(&mut rng)).round().clamp(6.0, 23.0) as i64
            };
            let mut row = Map::new();
            row.insert(
                "transaction_amount".into(),
                Value::from((amount * 100.0).round() / 100.0),
            );
            row.insert("account_age_days".into(), Value::from(age.floor() as i64));
            row.insert("hour_of_day".into(), Value::from(hour));
            row.insert(
                "merchant_category".into(),
                Value::from(pick(&mut rng, mix.merchant)),
            );
            row.insert("channel".into(), Value::from(pick(&mut rng, mix.channel)));
            row.insert("country".into(), Value::from(pick(&mut rng, COUNTRY)));
            row
        })
        .collect()
}

/// The training baseline: [`REFERENCE_ROWS`] rows.
pub fn reference_rows(seed: u64) -> Vec<Map<String, Value>> {
    rows(&BASELINE, REFERENCE_ROWS, seed)
}

/// The drifted batch: [`CURRENT_ROWS`] rows (its own stream, so it never repeats the baseline).
pub fn current_rows(seed: u64) -> Vec<Map<String, Value>> {
    rows(&DRIFTED, CURRENT_ROWS, seed ^ 0x9e37_79b9_7f4a_7c15)
}

fn column(rows: &[Map<String, Value>], name: &str, ctype: ColumnType) -> Values {
    match ctype {
        ColumnType::Numerical => Values::num(
            rows.iter()
                .filter_map(|r| r.get(name).and_then(Value::as_f64))
                .collect(),
        ),
        _ => Values::strs(
            rows.iter()
                .filter_map(|r| r.get(name).and_then(Value::as_str)),
        ),
    }
}

/// The reference profile a function would load (built from [`reference_rows`]).
pub fn reference_profile(seed: u64) -> Result<ReferenceProfile, DriftError> {
    let reference = reference_rows(seed);
    let inputs: Vec<ColumnInput> = COLUMNS
        .iter()
        .map(|(name, ctype)| ColumnInput {
            name: (*name).to_string(),
            ctype: *ctype,
            reference: column(&reference, name, *ctype),
            current: Values::num(Vec::new()),
        })
        .collect();
    ReferenceProfile::build(&inputs, DEFAULT_MAX_SAMPLE)
}

/// The model-drift findings for `endpoint`: the drifted batch through aiir's drift check
/// against the reference profile, with Evidently's default tests and thresholds.
pub fn findings(endpoint: &ResourceRef, seed: u64) -> Result<Vec<Finding>, DriftError> {
    let profile = reference_profile(seed)?;
    let (_, findings) = check_data_drift(
        &profile,
        &current_rows(seed),
        &DriftOptions::default(),
        std::slice::from_ref(endpoint),
    )?;
    Ok(findings)
}

/// The model-I/O lines (JSON, one per line) with rising toxicity. With `endpoint`, each line's
/// `endpoint` field names it instead of the sample's `fraud-detector`.
pub fn model_io_lines(endpoint: Option<&str>) -> Vec<String> {
    MODEL_IO
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| match endpoint {
            None => line.to_string(),
            Some(name) => match serde_json::from_str::<Map<String, Value>>(line) {
                Ok(mut obj) => {
                    obj.insert("endpoint".into(), Value::from(name));
                    Value::Object(obj).to_string()
                }
                // The file is checked by the tests; a bad line is passed on unchanged.
                Err(_) => line.to_string(),
            },
        })
        .collect()
}

/// Request ids of the lines whose responses are toxic (what the function must flag). The
/// merely curt `req-md-004` before them is below the detector's threshold, as it should be.
pub const TOXIC_REQUESTS: &[&str] = &["req-md-005", "req-md-006", "req-md-007", "req-md-008"];
