//! LSD radix sort by a 64-bit key, shared by the drift tests (million-value f64 columns) and the
//! known-attack index (25 000 band keys).

/// Sorts `v` by `key` ascending, equal keys in their original order (stable), with an LSD radix
/// sort of `BITS`-bit digits (`BITS` divides 64): all digit counts gathered in one read, digits
/// that every key shares skipped. `scratch` is a buffer the caller can reuse across sorts (each
/// fresh million-value buffer is 2 000 page faults). `v` must hold fewer than 2^32 items (the
/// counts are `u32`).
pub fn sort_by_u64_key<T: Copy + Default, const BITS: u32>(
    v: &mut [T],
    scratch: &mut Vec<T>,
    key: impl Fn(&T) -> u64,
) {
    let radix = 1usize << BITS;
    let passes = (64 / BITS) as usize;
    let digit = |k: u64, pass: usize| (k >> (pass as u32 * BITS)) as usize & (radix - 1);
    let n = v.len();
    debug_assert!(n <= u32::MAX as usize);
    let mut counts = vec![0u32; radix * passes];
    for x in v.iter() {
        let k = key(x);
        for (pass, c) in counts.chunks_exact_mut(radix).enumerate() {
            c[digit(k, pass)] += 1;
        }
    }
    scratch.clear();
    scratch.resize(n, T::default());
    let mut in_scratch = false; // where the items are now
    for (pass, count) in counts.chunks_exact_mut(radix).enumerate() {
        if count.contains(&(n as u32)) {
            continue; // all keys share this digit
        }
        let mut sum = 0;
        for c in count.iter_mut() {
            (*c, sum) = (sum, sum + *c);
        }
        let (src, dst): (&[T], &mut [T]) = if in_scratch {
            (scratch, v)
        } else {
            (v, scratch)
        };
        for x in src {
            let d = digit(key(x), pass);
            dst[count[d] as usize] = *x;
            count[d] += 1;
        }
        in_scratch = !in_scratch;
    }
    if in_scratch {
        v.copy_from_slice(scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_stably_by_key_with_any_digit_width() {
        let items: Vec<(u64, u32)> = (0..5000u32)
            .map(|i| {
                (
                    u64::from(i % 97).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (i % 5),
                    i,
                )
            })
            .chain([(0, 9000), (u64::MAX, 9001), (0, 9002)])
            .collect();
        let mut want = items.clone();
        want.sort_by_key(|e| e.0); // stable
        let mut scratch = Vec::new();
        let mut a = items.clone();
        sort_by_u64_key::<_, 8>(&mut a, &mut scratch, |e| e.0);
        assert_eq!(a, want);
        let mut b = items;
        sort_by_u64_key::<_, 16>(&mut b, &mut scratch, |e| e.0);
        assert_eq!(b, want);
        let mut empty: Vec<(u64, u32)> = Vec::new();
        sort_by_u64_key::<_, 8>(&mut empty, &mut scratch, |e| e.0);
        assert!(empty.is_empty());
    }
}
