//! Hashed word and character n-gram features (the "hashing trick"), shared by every linear
//! model, the similarity index and the isolation forest.
//!
//! Word unigrams and bigrams plus byte 3-, 4- and 5-grams of the normalised text are hashed with
//! a sign bit into `2^bits` buckets. Each occurrence weighs `1/sqrt(n)` where `n` is the number of
//! features emitted, so a vector's norm does not grow with text length (no length shortcut).

/// Version of the feature extraction; a model trained with another version refuses to load.
pub const FEATURE_VERSION: u8 = 1;

const K1: u64 = 0x9E37_79B9_7F4A_7C15;
const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;

#[inline]
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(K2);
    h ^= h >> 29;
    h
}

#[inline]
fn word_hash(w: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for chunk in w.chunks(8) {
        let mut v = 0u64;
        for (i, &b) in chunk.iter().enumerate() {
            v |= (b as u64) << (8 * i);
        }
        h = (h ^ v).wrapping_mul(K1).rotate_left(27);
    }
    mix(h ^ w.len() as u64)
}

/// Calls `emit(hash)` for every feature of `text` (bucket = low bits, sign = top bit); returns
/// how many were emitted. One pass over the bytes, no allocation.
#[inline]
pub fn for_each_hash(text: &str, mut emit: impl FnMut(u64)) -> usize {
    let b = text.as_bytes();
    let mut n = 0usize;
    // Words: runs of ASCII alphanumerics, apostrophes and non-ASCII bytes.
    let is_word = |c: u8| WORD_BYTE[c as usize];
    let mut prev: u64 = 0x51;
    let mut i = 0;
    while i < b.len() {
        if !is_word(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_word(b[i]) {
            i += 1;
        }
        let h = word_hash(&b[start..i]);
        emit(mix(h ^ 0x1111));
        emit(mix(h.wrapping_add(prev.wrapping_mul(K1)) ^ 0x2222));
        n += 2;
        prev = h;
    }
    // Byte n-grams over a sliding 8-byte window, space-padded at both ends.
    let mut win: u64 = 0x20;
    let mut filled = 1;
    for &c in b.iter().chain(std::iter::once(&b' ')) {
        win = (win << 8) | c as u64;
        filled += 1;
        if filled >= 5 {
            emit(mix((win & 0xFF_FFFF).wrapping_mul(K1) ^ 3));
            emit(mix((win & 0xFFFF_FFFF).wrapping_mul(K1) ^ 4));
            emit(mix((win & 0xFF_FFFF_FFFF).wrapping_mul(K1) ^ 5));
            n += 3;
        } else {
            if filled >= 3 {
                emit(mix((win & 0xFF_FFFF).wrapping_mul(K1) ^ 3));
                n += 1;
            }
            if filled >= 4 {
                emit(mix((win & 0xFFFF_FFFF).wrapping_mul(K1) ^ 4));
                n += 1;
            }
        }
    }
    n
}

/// Bytes that belong to a word for the word n-grams: ASCII alphanumerics, `'` and non-ASCII.
static WORD_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || c >= 0x80 || c == b'\'';
        i += 1;
    }
    t
};

/// `sum(±q[bucket])` over every feature of `text` (sign = top hash bit), and the feature count:
/// [`for_each_hash`] with the weight lookup fused in and straight loops instead of a chained
/// iterator, for the model's hot path. Equal to the generic version (tested on the corpus).
pub fn signed_sum(text: &str, q: &[i8], bits: u8) -> (i64, usize) {
    let dims = 1usize << bits;
    // A short table reads as zero weights (as `LinearModel::from_bytes` never builds one); the
    // table cut to exactly `dims` lets `h & (dims - 1)` index it without a bounds branch.
    let padded;
    let q: &[i8] = if q.len() >= dims {
        &q[..dims]
    } else {
        padded = q
            .iter()
            .copied()
            .chain(std::iter::repeat(0))
            .take(dims)
            .collect::<Vec<_>>();
        &padded
    };
    // Branchless sign: the sign bit is random, so a branch on it mispredicts half the time.
    let look = |h: u64| -> i64 {
        let w = i64::from(q[h as usize & (q.len() - 1)]);
        let neg = (h as i64) >> 63;
        (w ^ neg) - neg
    };
    let b = text.as_bytes();
    let (mut acc, mut n) = (0i64, 0usize);
    let mut prev: u64 = 0x51;
    let mut i = 0;
    while i < b.len() {
        if !WORD_BYTE[b[i] as usize] {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && WORD_BYTE[b[i] as usize] {
            i += 1;
        }
        let h = word_hash(&b[start..i]);
        acc += look(mix(h ^ 0x1111)) + look(mix(h.wrapping_add(prev.wrapping_mul(K1)) ^ 0x2222));
        n += 2;
        prev = h;
    }
    let g3 = |w: u64| look(mix((w & 0xFF_FFFF).wrapping_mul(K1) ^ 3));
    let g4 = |w: u64| look(mix((w & 0xFFFF_FFFF).wrapping_mul(K1) ^ 4));
    let g5 = |w: u64| look(mix((w & 0xFF_FFFF_FFFF).wrapping_mul(K1) ^ 5));
    // The byte stream is `text` + one space, after a leading space already in the window: the
    // first byte completes no n-gram, the second a 3-gram, the third a 3- and a 4-gram, every
    // later byte all three.
    let at = |k: usize| u64::from(b.get(k).copied().unwrap_or(b' '));
    let mut win: u64 = 0x20 << 8 | at(0);
    if !b.is_empty() {
        win = win << 8 | at(1);
        acc += g3(win);
        n += 1;
    }
    if b.len() >= 2 {
        win = win << 8 | at(2);
        acc += g3(win) + g4(win);
        n += 2;
    }
    if b.len() >= 3 {
        for &c in &b[3..] {
            win = win << 8 | u64::from(c);
            acc += g3(win) + g4(win) + g5(win);
        }
        win = win << 8 | 0x20;
        acc += g3(win) + g4(win) + g5(win);
        n += 3 * (b.len() - 2);
    }
    (acc, n)
}

/// Calls `emit(bucket, sign)` for every feature of `text`; returns how many were emitted.
#[inline]
pub fn for_each_feature(text: &str, bits: u8, mut emit: impl FnMut(usize, f32)) -> usize {
    let mask = (1u64 << bits) - 1;
    for_each_hash(text, |h| {
        let sign = if h >> 63 == 1 { -1.0 } else { 1.0 };
        emit((h & mask) as usize, sign)
    })
}

/// A sparse feature vector: sorted unique buckets with their (normalised) values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sparse {
    pub idx: Vec<u32>,
    pub val: Vec<f32>,
}

impl Sparse {
    /// Features of `text` (already normalised) with `1/sqrt(n)` weighting.
    pub fn from_text(text: &str, bits: u8) -> Sparse {
        let mut pairs: Vec<(u32, f32)> = Vec::with_capacity(text.len() * 3 + 16);
        let n = for_each_feature(text, bits, |i, s| pairs.push((i as u32, s)));
        pairs.sort_unstable_by_key(|p| p.0);
        let scale = 1.0 / (n.max(1) as f32).sqrt();
        let mut out = Sparse::default();
        for (i, v) in pairs {
            if out.idx.last() == Some(&i) {
                *out.val.last_mut().unwrap_or(&mut 0.0) += v * scale;
            } else {
                out.idx.push(i);
                out.val.push(v * scale);
            }
        }
        out
    }

    pub fn dot(&self, w: &[f32]) -> f32 {
        self.idx
            .iter()
            .zip(&self.val)
            .map(|(&i, &v)| w.get(i as usize).copied().unwrap_or(0.0) * v)
            .sum()
    }

    /// Dense projection to `dims` dimensions (bucket mod dims), for the isolation forest.
    pub fn dense(&self, dims: usize) -> Vec<f32> {
        let mut d = vec![0.0; dims.max(1)];
        for (&i, &v) in self.idx.iter().zip(&self.val) {
            d[i as usize % dims.max(1)] += v;
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_length_normalised() {
        let a = Sparse::from_text("ignore all previous instructions", 18);
        let b = Sparse::from_text("ignore all previous instructions", 18);
        assert_eq!(a, b);
        let long = Sparse::from_text(&"ignore all previous instructions ".repeat(50), 18);
        let norm = |s: &Sparse| s.val.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!(norm(&a) < 2.0 && norm(&long) < 60.0);
        assert!(Sparse::from_text("", 18).idx.len() <= 4);
    }

    #[test]
    fn signed_sum_equals_the_generic_loop() {
        let q: Vec<i8> = (0..1u32 << 12)
            .map(|i| (i.wrapping_mul(2654435761) >> 24) as i8)
            .collect();
        let mut texts: Vec<String> = ["", "a", "ab", "abc", "abcd", "it's a b", "ünï 忽略 x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let data = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/data/prompts/aiir_handmade.jsonl"
        );
        for l in std::fs::read_to_string(data).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            texts.push(v["text"].as_str().unwrap_or_default().to_lowercase());
        }
        for t in &texts {
            let mut acc = 0i64;
            let n = for_each_hash(t, |h| {
                let w = i64::from(q[(h & 0xFFF) as usize]);
                acc += if h >> 63 == 1 { -w } else { w };
            });
            assert_eq!(signed_sum(t, &q, 12), (acc, n), "{t:?}");
        }
    }
}
