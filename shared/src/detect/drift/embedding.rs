//! Embedding drift, Evidently's methods: distance between mean embeddings (euclidean, cosine,
//! cityblock, chebyshev; optional bootstrap), share of drifted components (ratio), MMD (optional
//! bootstrap), domain-classifier ROC AUC (model) — plus plain cosine similarity of centroids.
// Small dense linear algebra reads clearer with explicit indices.
#![allow(clippy::needless_range_loop)]
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rng::Mt19937;
use super::stattest::{self, StatTest, TestOptions};
use super::values::Values;
use super::{ColumnType, DriftError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum EmbeddingMethod {
    /// Evidently `distance(dist, threshold=0.2, bootstrap, quantile_probability=0.95)`.
    Distance {
        dist: String,
        threshold: f64,
        bootstrap: bool,
        quantile_probability: f64,
    },
    /// Evidently `ratio(component_stattest="wasserstein", component_stattest_threshold=0.1, threshold=0.2)`.
    Ratio {
        component_stattest: StatTest,
        component_stattest_threshold: f64,
        threshold: f64,
    },
    /// Evidently `mmd(threshold=0.015, bootstrap, quantile_probability=0.05)`.
    Mmd {
        threshold: f64,
        bootstrap: bool,
        quantile_probability: f64,
    },
    /// Evidently `model(threshold=0.55)`: ROC AUC of a reference-vs-current classifier.
    Model { threshold: f64 },
    /// Cosine similarity of the two centroids; drift when it falls below `threshold`.
    Cosine { threshold: f64 },
}

impl EmbeddingMethod {
    pub fn from_name(name: &str, p: &BTreeMap<String, String>) -> Result<Self, DriftError> {
        let f = |k: &str, d: f64| -> Result<f64, DriftError> {
            p.get(k).map_or(Ok(d), |v| {
                v.parse()
                    .ok()
                    .filter(|x: &f64| x.is_finite())
                    .ok_or_else(|| DriftError::Param(format!("{k}={v}")))
            })
        };
        let b = |k: &str| p.get(k).is_some_and(|v| v == "true" || v == "1");
        let known: &[&str] = match name {
            "distance" => &["dist", "threshold", "bootstrap", "quantile_probability"],
            "ratio" => &[
                "component_stattest",
                "component_stattest_threshold",
                "threshold",
            ],
            "mmd" => &["threshold", "bootstrap", "quantile_probability"],
            "model" | "cosine" => &["threshold"],
            other => {
                return Err(DriftError::Param(format!(
                    "unknown method '{other}' (known: model, distance, ratio, mmd, cosine)"
                )))
            }
        };
        if let Some(k) = p.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(DriftError::Param(format!(
                "unknown parameter '{k}' for {name} (known: {})",
                known.join(", ")
            )));
        }
        Ok(match name {
            "distance" => {
                let dist = p.get("dist").cloned().unwrap_or_else(|| "euclidean".into());
                if !["euclidean", "cosine", "cityblock", "chebyshev"].contains(&dist.as_str()) {
                    return Err(DriftError::Param(format!(
                        "dist={dist}: euclidean, cosine, cityblock or chebyshev"
                    )));
                }
                Self::Distance {
                    dist,
                    threshold: f("threshold", 0.2)?,
                    bootstrap: b("bootstrap"),
                    quantile_probability: f("quantile_probability", 0.95)?,
                }
            }
            "ratio" => {
                let t = p
                    .get("component_stattest")
                    .map_or("wasserstein", |s| s.as_str());
                let t = StatTest::from_name(t).ok_or_else(|| DriftError::UnknownTest(t.into()))?;
                Self::Ratio {
                    component_stattest: t,
                    component_stattest_threshold: f("component_stattest_threshold", 0.1)?,
                    threshold: f("threshold", 0.2)?,
                }
            }
            "mmd" => Self::Mmd {
                threshold: f("threshold", 0.015)?,
                bootstrap: b("bootstrap"),
                quantile_probability: f("quantile_probability", 0.05)?,
            },
            "model" => Self::Model {
                threshold: f("threshold", 0.55)?,
            },
            _ => Self::Cosine {
                threshold: f("threshold", 0.9)?,
            },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingDrift {
    pub method: String,
    /// Distance, share of drifted components, MMD², ROC AUC or cosine similarity.
    pub score: f64,
    /// Threshold the score was compared with (the bootstrap quantile when bootstrapping).
    pub threshold: f64,
    pub drifted: bool,
    pub reference_rows: usize,
    pub current_rows: usize,
    pub dimensions: usize,
}

fn mean_rows(x: &[Vec<f64>], idx: Option<&[usize]>) -> Vec<f64> {
    let d = x[0].len();
    let mut m = vec![0.0; d];
    let rows: Box<dyn Iterator<Item = &Vec<f64>>> = match idx {
        Some(ix) => Box::new(ix.iter().map(|&i| &x[i])),
        None => Box::new(x.iter()),
    };
    let mut n = 0.0;
    for r in rows {
        for (a, b) in m.iter_mut().zip(r) {
            *a += b;
        }
        n += 1.0;
    }
    m.iter_mut().for_each(|a| *a /= n);
    m
}

fn dist(kind: &str, a: &[f64], b: &[f64]) -> f64 {
    match kind {
        "cosine" => {
            let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            let na = a.iter().map(|x| x * x).sum::<f64>().sqrt();
            let nb = b.iter().map(|x| x * x).sum::<f64>().sqrt();
            1.0 - dot / (na * nb)
        }
        "cityblock" => a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum(),
        "chebyshev" => a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max),
        _ => a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f64>()
            .sqrt(),
    }
}

/// numpy's linear percentile.
fn percentile(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let pos = (s.len() - 1) as f64 * q / 100.0;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(s.len() - 1);
    s[lo] + (s[hi] - s[lo]) * (pos - lo as f64)
}

/// `np.random.choice(n, size)` with replacement after `np.random.seed(seed)`.
fn choice_with_replacement(rng: &mut Mt19937, n: usize, size: usize) -> Vec<usize> {
    (0..size)
        .map(|_| rng.interval(n as u64 - 1) as usize)
        .collect()
}

fn sq_euclid_matrix(x: &[Vec<f64>], y: &[Vec<f64>]) -> Vec<f64> {
    // sklearn's euclidean_distances: -2 x.y + |x|² + |y|², clipped at 0.
    let xx: Vec<f64> = x.iter().map(|r| r.iter().map(|v| v * v).sum()).collect();
    let yy: Vec<f64> = y.iter().map(|r| r.iter().map(|v| v * v).sum()).collect();
    let mut out = Vec::with_capacity(x.len() * y.len());
    for (i, a) in x.iter().enumerate() {
        for (j, b) in y.iter().enumerate() {
            let dot: f64 = a.iter().zip(b).map(|(p, q)| p * q).sum();
            out.push(((-2.0 * dot + xx[i]) + yy[j]).max(0.0));
        }
    }
    out
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn mmd2u(k: &[f64], n_all: usize, xi: &[usize], yi: &[usize]) -> f64 {
    let (m, n) = (xi.len() as f64, yi.len() as f64);
    let block = |a: &[usize], b: &[usize], skip_diag: bool| -> f64 {
        let mut s = 0.0;
        for (p, &i) in a.iter().enumerate() {
            for (q, &j) in b.iter().enumerate() {
                if !(skip_diag && p == q) {
                    s += k[i * n_all + j];
                }
            }
        }
        s
    };
    1.0 / (m * (m - 1.0)) * block(xi, xi, true) + 1.0 / (n * (n - 1.0)) * block(yi, yi, true)
        - 2.0 / (m * n) * block(xi, yi, false)
}

/// Largest reference + current row count for the O(N²) MMD kernel.
pub const MMD_MAX_ROWS: usize = 4000;

pub fn embedding_drift(
    reference: &[Vec<f64>],
    current: &[Vec<f64>],
    method: &EmbeddingMethod,
) -> Result<EmbeddingDrift, DriftError> {
    if reference.len() < 2 || current.len() < 2 {
        return Err(DriftError::InvalidInput(
            "embedding drift needs at least 2 vectors in each set".into(),
        ));
    }
    let d = reference[0].len();
    if d == 0
        || current
            .iter()
            .chain(reference)
            .any(|r| r.len() != d || r.iter().any(|v| !v.is_finite()))
    {
        return Err(DriftError::InvalidInput(
            "all vectors must have the same non-zero dimension and finite values".into(),
        ));
    }
    let (m, n) = (reference.len(), current.len());
    let (name, score, threshold, drifted) = match method {
        EmbeddingMethod::Distance {
            dist: kind,
            threshold,
            bootstrap,
            quantile_probability,
        } => {
            let res = dist(kind, &mean_rows(reference, None), &mean_rows(current, None));
            if *bootstrap {
                let b_ref = m * m / (m + n);
                let b_cur = n * m / (m + n);
                let mut vals = Vec::with_capacity(100);
                for i in 0..100u32 {
                    let mut rng = Mt19937::numpy(i);
                    let ri = choice_with_replacement(&mut rng, m, b_ref);
                    let ci = choice_with_replacement(&mut rng, m, b_cur);
                    vals.push(dist(
                        kind,
                        &mean_rows(reference, Some(&ri)),
                        &mean_rows(reference, Some(&ci)),
                    ));
                }
                let perc = percentile(&vals, 100.0 * quantile_probability);
                ("distance", res, perc, res > perc)
            } else {
                ("distance", res, *threshold, res > *threshold)
            }
        }
        EmbeddingMethod::Ratio {
            component_stattest,
            component_stattest_threshold,
            threshold,
        } => {
            let mut drifted = 0;
            for j in 0..d {
                let r = Values::num(reference.iter().map(|row| row[j]).collect());
                let c = Values::num(current.iter().map(|row| row[j]).collect());
                let out = stattest::run(
                    *component_stattest,
                    &r,
                    &c,
                    ColumnType::Numerical,
                    *component_stattest_threshold,
                    &TestOptions::default(),
                )?;
                if out.drifted {
                    drifted += 1;
                }
            }
            let share = drifted as f64 / d as f64;
            ("ratio", share, *threshold, share > *threshold)
        }
        EmbeddingMethod::Mmd {
            threshold,
            bootstrap,
            quantile_probability,
        } => {
            if m + n > MMD_MAX_ROWS {
                return Err(DriftError::InvalidInput(format!(
                    "mmd builds an N x N kernel: at most {MMD_MAX_ROWS} vectors in total"
                )));
            }
            let sample = |x: &[Vec<f64>]| -> Vec<Vec<f64>> {
                // pandas .sample(min(len, 1000), random_state=0)
                let mut rng = Mt19937::numpy(0);
                let k = x.len().min(1000);
                rng.permutation(x.len())[..k]
                    .iter()
                    .map(|&i| x[i].clone())
                    .collect()
            };
            let mut pd: Vec<f64> = sq_euclid_matrix(&sample(reference), &sample(current))
                .into_iter()
                .map(f64::sqrt)
                .collect();
            let med = median(&mut pd);
            let gamma = 1.0 / (med * med);
            let all: Vec<Vec<f64>> = reference.iter().chain(current).cloned().collect();
            let k: Vec<f64> = sq_euclid_matrix(&all, &all)
                .into_iter()
                .map(|s| (-gamma * s).exp())
                .collect();
            let xi: Vec<usize> = (0..m).collect();
            let yi: Vec<usize> = (m..m + n).collect();
            let stat = mmd2u(&k, m + n, &xi, &yi);
            if *bootstrap {
                let mut pdx: Vec<f64> = {
                    let s = sample(reference);
                    sq_euclid_matrix(&s, &s)
                }
                .into_iter()
                .map(f64::sqrt)
                .collect();
                let medx = median(&mut pdx);
                let gx = 1.0 / (medx * medx);
                let kx: Vec<f64> = sq_euclid_matrix(reference, reference)
                    .into_iter()
                    .map(|s| (-gx * s).exp())
                    .collect();
                let xs = (m * m / (m + n)).max(1);
                let ys = (m * n / (m + n)).max(1);
                let mut vals = Vec::with_capacity(100);
                for i in 0..100u32 {
                    let mut rng = Mt19937::numpy(i);
                    let a = choice_with_replacement(&mut rng, m, xs);
                    let b = choice_with_replacement(&mut rng, m, ys);
                    vals.push(mmd2u(&kx, m, &a, &b));
                }
                let perc = percentile(&vals, 100.0 * quantile_probability);
                ("mmd", stat.max(0.0), perc, stat > perc)
            } else {
                ("mmd", stat.max(0.0), *threshold, stat > *threshold)
            }
        }
        EmbeddingMethod::Model { threshold } => {
            let auc = domain_classifier_auc(reference, current);
            ("model", auc, *threshold, auc > *threshold)
        }
        EmbeddingMethod::Cosine { threshold } => {
            let sim = 1.0
                - dist(
                    "cosine",
                    &mean_rows(reference, None),
                    &mean_rows(current, None),
                );
            ("cosine", sim, *threshold, sim < *threshold)
        }
    };
    Ok(EmbeddingDrift {
        method: name.into(),
        score,
        threshold,
        drifted,
        reference_rows: m,
        current_rows: n,
        dimensions: d,
    })
}

/// Reference (1) vs current (0) logistic regression on a seeded 50/50 split, ROC AUC on the
/// held-out half. Same design as Evidently's `model` method; the fitted weights are not
/// bit-identical to scikit-learn's SGDClassifier, so AUCs agree only approximately.
fn domain_classifier_auc(reference: &[Vec<f64>], current: &[Vec<f64>]) -> f64 {
    let d = reference[0].len();
    let mut data: Vec<(&Vec<f64>, f64)> = reference
        .iter()
        .map(|r| (r, 1.0))
        .chain(current.iter().map(|r| (r, 0.0)))
        .collect();
    let mut rng = Mt19937::numpy(42);
    let perm = rng.permutation(data.len());
    data = perm.iter().map(|&i| data[i]).collect();
    let n_test = data.len().div_ceil(2);
    let (test, train) = data.split_at(n_test);
    // Standardise with training statistics.
    let mut mu = vec![0.0; d];
    let mut sd = vec![0.0; d];
    for (x, _) in train {
        for j in 0..d {
            mu[j] += x[j];
        }
    }
    mu.iter_mut().for_each(|v| *v /= train.len() as f64);
    for (x, _) in train {
        for j in 0..d {
            sd[j] += (x[j] - mu[j]).powi(2);
        }
    }
    sd.iter_mut()
        .for_each(|v| *v = (*v / train.len() as f64).sqrt().max(1e-12));
    let z = |x: &[f64], j: usize| (x[j] - mu[j]) / sd[j];
    let mut w = vec![0.0; d];
    let mut b = 0.0;
    let lr = 0.1;
    for _ in 0..200 {
        let mut gw = vec![0.0; d];
        let mut gb = 0.0;
        for (x, y) in train {
            let s: f64 = b + (0..d).map(|j| w[j] * z(x, j)).sum::<f64>();
            let p = 1.0 / (1.0 + (-s).exp());
            let e = p - y;
            for j in 0..d {
                gw[j] += e * z(x, j);
            }
            gb += e;
        }
        let nt = train.len() as f64;
        for j in 0..d {
            w[j] -= lr * (gw[j] / nt + 1e-4 * w[j]);
        }
        b -= lr * gb / nt;
    }
    let mut scored: Vec<(f64, f64)> = test
        .iter()
        .map(|(x, y)| (b + (0..d).map(|j| w[j] * z(x, j)).sum::<f64>(), *y))
        .collect();
    roc_auc(&mut scored)
}

/// ROC AUC with ties counted half (Mann–Whitney form).
pub fn roc_auc(scored: &mut [(f64, f64)]) -> f64 {
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut pos, mut neg) = (0.0, 0.0);
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < scored.len() {
        let mut j = i;
        while j < scored.len() && scored[j].0 == scored[i].0 {
            j += 1;
        }
        let avg = (i + 1 + j) as f64 / 2.0;
        for s in &scored[i..j] {
            if s.1 > 0.5 {
                rank_sum += avg;
                pos += 1.0;
            } else {
                neg += 1.0;
            }
        }
        i = j;
    }
    if pos == 0.0 || neg == 0.0 {
        return 0.5;
    }
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}
