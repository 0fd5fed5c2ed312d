//! Mersenne Twister MT19937 seeded the way numpy's legacy `np.random.seed(int)` and Python's
//! `random.Random(int)` seed it, so permutation tests (Evidently's TVD / empirical MMD) and
//! KSWIN's window sampling (River) draw exactly the same numbers as the Python tools.
use serde::{Deserialize, Serialize};

const N: usize = 624;
const M: usize = 397;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mt19937 {
    mt: Vec<u32>,
    idx: usize,
}

impl Mt19937 {
    /// numpy legacy seeding (`init_genrand`).
    pub fn numpy(seed: u32) -> Self {
        let mut mt = vec![0u32; N];
        mt[0] = seed;
        for i in 1..N {
            mt[i] = 1_812_433_253u32
                .wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        Self { mt, idx: N }
    }

    /// Python `random.Random(seed)` seeding (`init_by_array` over the 32-bit words of |seed|).
    pub fn python(seed: u64) -> Self {
        let mut key: Vec<u32> = Vec::new();
        let mut s = seed;
        while s > 0 {
            key.push((s & 0xffff_ffff) as u32);
            s >>= 32;
        }
        if key.is_empty() {
            key.push(0);
        }
        let mut g = Self::numpy(19_650_218);
        let mt = &mut g.mt;
        let (mut i, mut j) = (1usize, 0usize);
        let mut k = N.max(key.len());
        while k > 0 {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
            k -= 1;
        }
        k = N - 1;
        while k > 0 {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
            k -= 1;
        }
        mt[0] = 0x8000_0000;
        g.idx = N;
        g
    }

    fn generate(&mut self) {
        for i in 0..N {
            let y = (self.mt[i] & 0x8000_0000) | (self.mt[(i + 1) % N] & 0x7fff_ffff);
            let mut v = self.mt[(i + M) % N] ^ (y >> 1);
            if y & 1 != 0 {
                v ^= 0x9908_b0df;
            }
            self.mt[i] = v;
        }
        self.idx = 0;
    }

    pub fn next_u32(&mut self) -> u32 {
        if self.idx >= N {
            self.generate();
        }
        let mut y = self.mt[self.idx];
        self.idx += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    /// numpy `random_interval(max)`: uniform in [0, max] by masked rejection.
    pub fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for s in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> s;
        }
        if max <= 0xffff_ffff {
            loop {
                let v = (self.next_u32() as u64) & mask;
                if v <= max {
                    return v;
                }
            }
        } else {
            loop {
                let hi = self.next_u32() as u64;
                let lo = self.next_u32() as u64;
                let v = ((hi << 32) | lo) & mask;
                if v <= max {
                    return v;
                }
            }
        }
    }

    /// `np.random.permutation(n)` (legacy Fisher–Yates from the end).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut a: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.interval(i as u64) as usize;
            a.swap(i, j);
        }
        a
    }

    /// Python `getrandbits(k)` for k <= 32.
    fn getrandbits(&mut self, k: u32) -> u32 {
        self.next_u32() >> (32 - k)
    }

    /// Python `_randbelow_with_getrandbits(n)`.
    pub fn py_randbelow(&mut self, n: usize) -> usize {
        let k = usize::BITS - n.leading_zeros();
        loop {
            let r = self.getrandbits(k) as usize;
            if r < n {
                return r;
            }
        }
    }

    /// Python `random.sample(range(n), k)` (the pool branch, used while n <= its set-size limit;
    /// KSWIN's windows are always far below that limit, see `py_sample_uses_pool`).
    pub fn py_sample_range(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut pool: Vec<usize> = (0..n).collect();
        let mut out = Vec::with_capacity(k);
        for i in 0..k {
            let j = self.py_randbelow(n - i);
            out.push(pool[j]);
            pool[j] = pool[n - i - 1];
        }
        out
    }
}

/// Whether Python's `random.sample(population of n, k)` takes the pool branch (true) or the
/// set-based branch.
pub fn py_sample_uses_pool(n: usize, k: usize) -> bool {
    let mut setsize = 21usize;
    if k > 5 {
        let e = ((k as f64 * 3.0).ln() / 4f64.ln()).ceil() as u32;
        setsize += 4usize.pow(e);
    }
    n <= setsize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_legacy_permutation() {
        let mut r = Mt19937::numpy(0);
        assert_eq!(r.permutation(10), vec![2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
        let mut r = Mt19937::numpy(5);
        assert_eq!(r.permutation(300)[..5], [66, 239, 250, 224, 24]);
    }

    #[test]
    fn python_random() {
        let mut r = Mt19937::python(0);
        assert_eq!(r.next_u32(), 3_626_764_237);
        assert_eq!(r.next_u32(), 1_654_615_998);
        let mut r = Mt19937::python(7);
        assert_eq!(r.py_sample_range(70, 5), vec![41, 19, 50, 6, 9]);
    }
}
