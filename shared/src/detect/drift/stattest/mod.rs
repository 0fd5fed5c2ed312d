//! Evidently's column drift tests ("stattests"): names, default thresholds, allowed column
//! types, drift direction, and the computation, family by family.
mod binned;
mod categorical;
mod decimal_cdf;
mod distance;
mod es;
pub mod ks;
mod mmd;
mod rank;

use serde::{Deserialize, Serialize};

use super::values::Values;
use super::{ColumnType, DriftError};

/// Every test Evidently 0.7 registers for tabular columns, under Evidently's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StatTest {
    #[serde(rename = "ks")]
    Ks,
    #[serde(rename = "chisquare")]
    ChiSquare,
    #[serde(rename = "z")]
    Z,
    #[serde(rename = "wasserstein")]
    Wasserstein,
    #[serde(rename = "jensenshannon")]
    JensenShannon,
    #[serde(rename = "psi")]
    Psi,
    #[serde(rename = "kl_div")]
    KlDiv,
    #[serde(rename = "hellinger")]
    Hellinger,
    #[serde(rename = "anderson")]
    Anderson,
    #[serde(rename = "cramer_von_mises")]
    CramerVonMises,
    #[serde(rename = "ed")]
    EnergyDistance,
    #[serde(rename = "t_test")]
    TTest,
    #[serde(rename = "mannw")]
    MannWhitney,
    #[serde(rename = "empirical_mmd")]
    EmpiricalMmd,
    #[serde(rename = "TVD")]
    Tvd,
    #[serde(rename = "g_test")]
    GTest,
    #[serde(rename = "fisher_exact")]
    FisherExact,
    #[serde(rename = "es")]
    EppsSingleton,
}

/// How the drift score is compared with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// p-value: drift when p < threshold.
    PBelow,
    /// p-value: drift when p <= threshold (Evidently's `ks` and `cramer_von_mises`).
    PAtMost,
    /// distance: drift when d >= threshold.
    DistAtLeast,
    /// distance: drift when d > threshold (Evidently's `ed`).
    DistAbove,
}

impl StatTest {
    pub const ALL: [StatTest; 18] = [
        Self::Ks,
        Self::ChiSquare,
        Self::Z,
        Self::Wasserstein,
        Self::JensenShannon,
        Self::Psi,
        Self::KlDiv,
        Self::Hellinger,
        Self::Anderson,
        Self::CramerVonMises,
        Self::EnergyDistance,
        Self::TTest,
        Self::MannWhitney,
        Self::EmpiricalMmd,
        Self::Tvd,
        Self::GTest,
        Self::FisherExact,
        Self::EppsSingleton,
    ];

    /// Evidently's registered name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ks => "ks",
            Self::ChiSquare => "chisquare",
            Self::Z => "z",
            Self::Wasserstein => "wasserstein",
            Self::JensenShannon => "jensenshannon",
            Self::Psi => "psi",
            Self::KlDiv => "kl_div",
            Self::Hellinger => "hellinger",
            Self::Anderson => "anderson",
            Self::CramerVonMises => "cramer_von_mises",
            Self::EnergyDistance => "ed",
            Self::TTest => "t_test",
            Self::MannWhitney => "mannw",
            Self::EmpiricalMmd => "empirical_mmd",
            Self::Tvd => "TVD",
            Self::GTest => "g_test",
            Self::FisherExact => "fisher_exact",
            Self::EppsSingleton => "es",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Evidently's `display_name`.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Ks => "K-S p_value",
            Self::ChiSquare => "chi-square p_value",
            Self::Z => "Z-test p_value",
            Self::Wasserstein => "Wasserstein distance (normed)",
            Self::JensenShannon => "Jensen-Shannon distance",
            Self::Psi => "PSI",
            Self::KlDiv => "Kullback-Leibler divergence",
            Self::Hellinger => "Hellinger distance",
            Self::Anderson => "Anderson-Darling",
            Self::CramerVonMises => "Cramer-von Mises",
            Self::EnergyDistance => "Energy-distance",
            Self::TTest => "t_test",
            Self::MannWhitney => "Mann-Whitney U-rank test",
            Self::EmpiricalMmd => "empirical_mmd",
            Self::Tvd => "Total-Variation-Distance",
            Self::GTest => "g_test",
            Self::FisherExact => "Fisher's Exact test",
            Self::EppsSingleton => "Epps-Singleton",
        }
    }

    pub fn default_threshold(self) -> f64 {
        match self {
            Self::Ks | Self::ChiSquare | Self::Z | Self::TTest | Self::MannWhitney => 0.05,
            Self::EppsSingleton => 0.05,
            _ => 0.1,
        }
    }

    pub fn direction(self) -> Direction {
        match self {
            Self::Ks | Self::CramerVonMises => Direction::PAtMost,
            Self::Wasserstein | Self::JensenShannon | Self::Psi | Self::KlDiv | Self::Hellinger => {
                Direction::DistAtLeast
            }
            Self::EnergyDistance => Direction::DistAbove,
            _ => Direction::PBelow,
        }
    }

    /// Whether the drift score is a p-value (small = drift) rather than a distance.
    pub fn is_p_value(self) -> bool {
        matches!(self.direction(), Direction::PBelow | Direction::PAtMost)
    }

    /// Column types Evidently allows when the test is asked for by name.
    pub fn allows(self, ctype: ColumnType) -> bool {
        match self {
            Self::JensenShannon | Self::Psi | Self::KlDiv | Self::Hellinger => true,
            Self::ChiSquare | Self::Z | Self::Tvd | Self::GTest | Self::FisherExact => {
                ctype == ColumnType::Categorical
            }
            _ => ctype == ColumnType::Numerical,
        }
    }
}

impl std::fmt::Display for StatTest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Options that only some tests use.
#[derive(Debug, Clone, Copy, Default)]
pub struct TestOptions {
    /// Seed of numpy's legacy generator for `empirical_mmd` (Evidently leaves the global
    /// generator unseeded; `np.random.seed(seed)` before the call reproduces ours).
    pub mmd_seed: u32,
}

/// What one test says about one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestOutcome {
    /// The test statistic (scipy's `statistic` for p-value tests; the distance otherwise).
    pub statistic: Option<f64>,
    /// The p-value, for tests that have one.
    pub p_value: Option<f64>,
    /// What Evidently reports as `drift_score`: the p-value or the distance.
    pub drift_score: f64,
    pub drifted: bool,
}

fn verdict(test: StatTest, score: f64, threshold: f64) -> bool {
    // NaN compares false in every direction, as in numpy.
    match test.direction() {
        Direction::PBelow => score < threshold,
        Direction::PAtMost => score <= threshold,
        Direction::DistAtLeast => score >= threshold,
        Direction::DistAbove => score > threshold,
    }
}

fn need_num(test: StatTest, v: &Values) -> Result<&[f64], DriftError> {
    v.as_num().ok_or_else(|| {
        DriftError::InvalidInput(format!("test '{}' needs numeric values", test.name()))
    })
}

/// Run one test on cleaned (no missing values) reference and current samples.
pub fn run(
    test: StatTest,
    reference: &Values,
    current: &Values,
    ctype: ColumnType,
    threshold: f64,
    opts: &TestOptions,
) -> Result<TestOutcome, DriftError> {
    if reference.is_empty() || current.is_empty() {
        return Err(DriftError::InvalidInput("empty sample".into()));
    }
    let (statistic, p_value): (Option<f64>, Option<f64>) = match test {
        Self_::Ks => {
            let (a, b) = sorted_pair(test, reference, current)?;
            let (d, p) = ks::ks_2samp_sorted(&a, &b);
            (Some(d), Some(p))
        }
        Self_::ChiSquare => {
            let (s, p) = categorical::chisquare(reference, current);
            (Some(s), Some(p))
        }
        Self_::Z => {
            let (s, p) = categorical::z_test(reference, current);
            (s, Some(p))
        }
        Self_::GTest => {
            let (s, p) = categorical::g_test(reference, current)?;
            (Some(s), Some(p))
        }
        Self_::FisherExact => {
            let (s, p) = categorical::fisher_exact(reference, current)?;
            (Some(s), Some(p))
        }
        Self_::Tvd => {
            let (s, p) = categorical::tvd_test(reference, current);
            (Some(s), Some(p))
        }
        Self_::Wasserstein => {
            let r = need_num(test, reference)?;
            let c = need_num(test, current)?;
            (Some(distance::wasserstein_norm(r, c)), None)
        }
        Self_::EnergyDistance => {
            let r = need_num(test, reference)?;
            let c = need_num(test, current)?;
            (Some(distance::energy_distance(r, c)), None)
        }
        Self_::JensenShannon => (Some(binned::jensenshannon(reference, current, ctype)), None),
        Self_::Psi => (Some(binned::psi(reference, current, ctype)), None),
        Self_::KlDiv => (Some(binned::kl_div(reference, current, ctype)), None),
        Self_::Hellinger => (Some(binned::hellinger(reference, current, ctype)), None),
        Self_::Anderson => {
            let (a, b) = sorted_pair(test, reference, current)?;
            let (s, p) = rank::anderson_ksamp(&a, &b)?;
            (Some(s), Some(p))
        }
        Self_::CramerVonMises => {
            let (a, b) = sorted_pair(test, reference, current)?;
            let (s, p) = rank::cramer_von_mises(&a, &b)?;
            (Some(s), Some(p))
        }
        Self_::TTest => {
            let (s, p) = rank::t_test(need_num(test, reference)?, need_num(test, current)?);
            (Some(s), Some(p))
        }
        Self_::MannWhitney => {
            let (s, p) =
                rank::mann_whitney_less(need_num(test, reference)?, need_num(test, current)?);
            (Some(s), Some(p))
        }
        Self_::EmpiricalMmd => {
            let (r, c) = (need_num(test, reference)?, need_num(test, current)?);
            if r.len() < 2 || c.len() < 2 || r.len() + c.len() > mmd::MMD_MAX_N {
                return Err(DriftError::InvalidInput(format!(
                    "empirical_mmd needs 2..={} values in total, at least 2 per sample (its kernel matrix is N x N)",
                    mmd::MMD_MAX_N
                )));
            }
            let (s, p) = mmd::mmd_test(r, c, opts.mmd_seed);
            (Some(s), Some(p))
        }
        Self_::EppsSingleton => {
            let (s, p) = es::epps_singleton(need_num(test, reference)?, need_num(test, current)?)?;
            (Some(s), Some(p))
        }
    };
    let drift_score = if test.is_p_value() {
        p_value.unwrap_or(f64::NAN)
    } else {
        statistic.unwrap_or(f64::NAN)
    };
    Ok(TestOutcome {
        statistic,
        p_value,
        drift_score,
        drifted: verdict(test, drift_score, threshold),
    })
}

use StatTest as Self_;

fn sorted_pair(
    test: StatTest,
    reference: &Values,
    current: &Values,
) -> Result<(Vec<f64>, Vec<f64>), DriftError> {
    let mut a = need_num(test, reference)?.to_vec();
    let mut b = need_num(test, current)?.to_vec();
    let mut scratch = Vec::new();
    super::special::sort_f64_with(&mut a, &mut scratch);
    super::special::sort_f64_with(&mut b, &mut scratch);
    Ok((a, b))
}
