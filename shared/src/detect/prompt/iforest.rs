//! Out-of-policy prompts: an isolation forest over prompt embeddings (the hashed n-gram vector
//! folded to a few hundred dimensions, or vectors the caller supplies), fitted on a baseline of
//! normal traffic. Seeded, serialisable (serde), scores new prompts as anomalous or not.
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::features::Sparse;
use super::normalize::normalize;
use super::PromptError;

/// Dimensions of the built-in text embedding.
pub const EMBED_DIMS: usize = 256;

/// The built-in embedding: hashed word/char n-grams of the normalised text, folded to
/// [`EMBED_DIMS`] dimensions.
pub fn embed(text: &str) -> Vec<f32> {
    Sparse::from_text(normalize(text).main(), 18).dense(EMBED_DIMS)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ForestConfig {
    pub trees: usize,
    pub sample_size: usize,
    /// Expected share of anomalies in the baseline; sets the decision threshold.
    pub contamination: f64,
    pub seed: u64,
}

impl Default for ForestConfig {
    fn default() -> Self {
        Self {
            trees: 100,
            sample_size: 256,
            contamination: 0.02,
            seed: 42,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
enum Node {
    Split {
        dim: u32,
        at: f32,
        left: u32,
        right: u32,
    },
    Leaf {
        size: u32,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Tree {
    nodes: Vec<Node>,
}

/// A fitted isolation forest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IsolationForest {
    pub config: ForestConfig,
    pub dims: usize,
    trees: Vec<Tree>,
    /// Scores at or above this are anomalous (the baseline's 1 - contamination quantile).
    pub threshold: f64,
    sample: usize,
}

/// Average path length of an unsuccessful BST search among `n` points.
fn c(n: f64) -> f64 {
    if n <= 1.0 {
        0.0
    } else if n <= 2.0 {
        1.0
    } else {
        2.0 * ((n - 1.0).ln() + 0.577_215_664_9) - 2.0 * (n - 1.0) / n
    }
}

fn build(
    data: &[&[f32]],
    idx: &mut [usize],
    depth: usize,
    limit: usize,
    rng: &mut ChaCha8Rng,
    nodes: &mut Vec<Node>,
) -> u32 {
    let me = nodes.len() as u32;
    nodes.push(Node::Leaf {
        size: idx.len() as u32,
    });
    if idx.len() <= 1 || depth >= limit {
        return me;
    }
    let dims = data[idx[0]].len();
    // Try a few dimensions for one with spread (hashed vectors are sparse).
    for _ in 0..8 {
        let dim = rng.gen_range(0..dims);
        let (lo, hi) = idx.iter().fold((f32::MAX, f32::MIN), |(lo, hi), &i| {
            (lo.min(data[i][dim]), hi.max(data[i][dim]))
        });
        if hi > lo {
            let at = rng.gen_range(lo..hi);
            let mut k = 0;
            for j in 0..idx.len() {
                if data[idx[j]][dim] < at {
                    idx.swap(j, k);
                    k += 1;
                }
            }
            let (l, r) = idx.split_at_mut(k);
            let left = build(data, l, depth + 1, limit, rng, nodes);
            let right = build(data, r, depth + 1, limit, rng, nodes);
            nodes[me as usize] = Node::Split {
                dim: dim as u32,
                at,
                left,
                right,
            };
            return me;
        }
    }
    me
}

impl IsolationForest {
    /// Fit on baseline vectors (all the same length).
    pub fn fit(data: &[Vec<f32>], config: ForestConfig) -> Result<Self, PromptError> {
        let dims = data.first().map(Vec::len).unwrap_or(0);
        if data.len() < 2 || dims == 0 || data.iter().any(|v| v.len() != dims) {
            return Err(PromptError::Config(
                "isolation forest needs >= 2 vectors of one non-zero length".into(),
            ));
        }
        if !(0.0..0.5).contains(&config.contamination) {
            return Err(PromptError::Config(
                "contamination must be in [0, 0.5)".into(),
            ));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let sample = config.sample_size.min(data.len()).max(2);
        let limit = (sample as f64).log2().ceil() as usize;
        let refs: Vec<&[f32]> = data.iter().map(Vec::as_slice).collect();
        let trees = (0..config.trees.max(1))
            .map(|_| {
                let mut idx: Vec<usize> =
                    rand::seq::index::sample(&mut rng, data.len(), sample).into_vec();
                let mut nodes = Vec::new();
                build(&refs, &mut idx, 0, limit, &mut rng, &mut nodes);
                Tree { nodes }
            })
            .collect();
        let mut f = Self {
            config,
            dims,
            trees,
            threshold: 1.0,
            sample,
        };
        let mut scores: Vec<f64> = data.iter().map(|v| f.score(v)).collect();
        scores.sort_by(f64::total_cmp);
        let q = ((1.0 - f.config.contamination) * (scores.len() - 1) as f64).round() as usize;
        f.threshold = scores[q.min(scores.len() - 1)];
        Ok(f)
    }

    /// Anomaly score in (0, 1]: ~0.5 ordinary, near 1 isolated quickly (anomalous).
    pub fn score(&self, x: &[f32]) -> f64 {
        let mut total = 0.0;
        for t in &self.trees {
            let mut i = 0usize;
            let mut depth = 0f64;
            loop {
                match &t.nodes[i] {
                    Node::Split {
                        dim,
                        at,
                        left,
                        right,
                    } => {
                        let v = x.get(*dim as usize).copied().unwrap_or(0.0);
                        i = if v < *at { *left } else { *right } as usize;
                        depth += 1.0;
                    }
                    Node::Leaf { size } => {
                        total += depth + c(*size as f64);
                        break;
                    }
                }
            }
        }
        let mean = total / self.trees.len() as f64;
        2f64.powf(-mean / c(self.sample as f64))
    }

    pub fn is_anomaly(&self, x: &[f32]) -> bool {
        self.score(x) > self.threshold
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(s: &str) -> Result<Self, PromptError> {
        serde_json::from_str(s).map_err(|e| PromptError::Model(format!("isolation forest: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_out_of_policy_prompts() {
        let topics = [
            "order",
            "refund",
            "delivery",
            "invoice",
            "account",
            "password reset",
            "shipping",
            "return",
        ];
        let baseline: Vec<Vec<f32>> = (0..400)
            .map(|i| {
                embed(&format!(
                    "Where is my {} number {}? I need help with my {}.",
                    topics[i % 8],
                    i,
                    topics[(i / 8) % 8]
                ))
            })
            .collect();
        let f = IsolationForest::fit(&baseline, ForestConfig::default()).unwrap();
        let normal = embed("Where is my refund number 77? I need help with my order.");
        let odd =
            embed("Write a sonnet about quantum chromodynamics and medieval falconry techniques");
        assert!(f.score(&odd) > f.score(&normal));
        assert!(f.is_anomaly(&odd) && !f.is_anomaly(&normal));
        let g = IsolationForest::from_json(&f.to_json()).unwrap();
        assert_eq!(g.score(&odd), f.score(&odd));
        let again = IsolationForest::fit(&baseline, ForestConfig::default()).unwrap();
        assert_eq!(again, f, "same seed, same forest");
        assert!(IsolationForest::fit(&[vec![1.0]], ForestConfig::default()).is_err());
    }
}
