//! Fast input: decimal numbers parsed exactly as `str::parse::<f64>` parses them, and files read
//! line by line through one reusable buffer (no copy of a whole file in memory).
use std::io::Read;

/// Powers of ten that are exact in f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `s.parse::<f64>().ok()`, bit for bit, with a fast path for plain decimals such as `-1.2345`.
///
/// The fast path (Clinger's): when the digits form an integer m < 2^53 and there are at most 22
/// of them after the point, both m and 10^k are exact doubles and one IEEE division rounds
/// m / 10^k correctly, which is what the standard library's correctly rounded parser returns.
/// Anything else (exponents, long mantissas, `inf`, `nan`, stray characters) goes to the
/// standard library.
pub fn parse_f64(s: &str) -> Option<f64> {
    plain_decimal(s).or_else(|| s.parse().ok())
}

/// The fast path alone: `Some` only for plain decimals (sign, digits, at most one point) that
/// it can parse exactly; such a value is always finite.
pub fn plain_decimal(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    // A sign, a point and 16 digits at most (more digits cannot stay below 2^53 unless they
    // are leading zeros, which the standard parser handles as well).
    if b.len() > 18 {
        return None;
    }
    let (negative, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let mut m: u64 = 0;
    let mut count = 0usize; // digits seen (at most 19 keep m within u64)
    let mut frac: Option<usize> = None; // digits after the point
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                count += 1;
                if count > 19 {
                    return None;
                }
                m = m * 10 + u64::from(c - b'0');
                if let Some(f) = frac.as_mut() {
                    *f += 1;
                }
            }
            b'.' if frac.is_none() => frac = Some(0),
            _ => return None,
        }
    }
    let k = frac.unwrap_or(0);
    if count == 0 || m > 1 << 53 || k >= POW10.len() {
        return None;
    }
    let x = m as f64 / POW10[k];
    Some(if negative { -x } else { x })
}

/// Calls `f(line_number, line)` for every line of `reader` (1-based numbers; `\n` or `\r\n`
/// endings; a last line without a newline counts), as `str::lines` would number them.
/// Stops at the first error `f` returns. Invalid UTF-8 is an `InvalidData` error.
pub fn for_each_line<R: Read, E: From<std::io::Error>>(
    mut reader: R,
    mut f: impl FnMut(usize, &str) -> Result<(), E>,
) -> Result<(), E> {
    let mut buf = vec![0u8; 1 << 20];
    let mut filled = 0; // bytes in buf: a partial line carried over, then new data
    let mut lineno = 0;
    loop {
        if filled == buf.len() {
            // One line longer than the buffer: grow it.
            buf.resize(buf.len() * 2, 0);
        }
        let got = match reader.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        let end_of_input = got == 0;
        filled += got;
        // Complete lines only, unless the input has ended.
        // Complete lines only (the newest newline is in the new data or there is none yet).
        let complete = if end_of_input {
            filled
        } else {
            match memchr::memrchr(b'\n', &buf[filled - got..filled]) {
                Some(i) => filled - got + i + 1,
                None => continue,
            }
        };
        let text = std::str::from_utf8(&buf[..complete]).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            )
        })?;
        let mut rest = text;
        while !rest.is_empty() {
            // As `str::lines`: "\r\n" ends a line, a lone "\r" at the very end stays.
            let (line, next) = match memchr::memchr(b'\n', rest.as_bytes()) {
                Some(i) => {
                    let l = &rest[..i];
                    (l.strip_suffix('\r').unwrap_or(l), &rest[i + 1..])
                }
                None => (rest, ""),
            };
            lineno += 1;
            f(lineno, line)?;
            rest = next;
        }
        buf.copy_within(complete..filled, 0);
        filled -= complete;
        if end_of_input {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_matches_std_bit_for_bit() {
        let fixed = [
            "0",
            "-0",
            "+0",
            "1",
            "-1",
            "1.",
            ".5",
            "-.5",
            "+.5",
            "0.1",
            "0.2",
            "0.3",
            "1.2345",
            "-1.2345",
            "123456789012345678",
            "9007199254740993",
            "9007199254740992",
            "0.0000000000000000000001",
            "0.00000000000000000000001",
            "1234567890.123456789",
            "3.141592653589793",
            "-0.13853818133658948",
            "1e5",
            "1E-3",
            "inf",
            "-inf",
            "NaN",
            "nan",
            "infinity",
            "",
            ".",
            "-",
            "+",
            "1.2.3",
            "1,5",
            " 1",
            "1 ",
            "0x10",
            "1_000",
            "00000000000000000001.5",
            "99999999999999999999",
            "4.9e-324",
            "1.7976931348623157e308",
        ];
        for s in fixed {
            assert_eq!(
                parse_f64(s).map(f64::to_bits),
                s.parse::<f64>().ok().map(f64::to_bits),
                "{s:?}"
            );
        }
        // Random decimals with 1 to 20 digits and the point anywhere.
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state >> 33
        };
        for _ in 0..200_000 {
            let n = 1 + (next() % 20) as usize;
            let mut s: String = (0..n)
                .map(|_| char::from(b'0' + (next() % 10) as u8))
                .collect();
            let dot = (next() % (n as u64 + 2)) as usize;
            if dot <= n {
                s.insert(dot, '.');
            }
            if next() % 3 == 0 {
                s.insert(0, '-');
            }
            assert_eq!(
                parse_f64(&s).map(f64::to_bits),
                s.parse::<f64>().ok().map(f64::to_bits),
                "{s:?}"
            );
        }
    }

    #[test]
    fn lines_are_numbered_like_str_lines() {
        let text = "a\r\nb\n\n c \nlast\r";
        let mut seen = Vec::new();
        for_each_line::<_, std::io::Error>(text.as_bytes(), |i, l| {
            seen.push((i, l.to_string()));
            Ok(())
        })
        .unwrap();
        let expected: Vec<(usize, String)> = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.to_string()))
            .collect();
        assert_eq!(seen, expected);
        let bad: &[u8] = b"1\n\xff\n";
        assert!(for_each_line::<_, std::io::Error>(bad, |_, _| Ok(())).is_err());
    }

    #[test]
    fn long_lines_and_small_reads() {
        // A reader that returns a few bytes at a time, and a line longer than the buffer.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(out.len()).min(4093);
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let long = "x".repeat(3 << 20);
        // (4093-byte reads: many reads per buffer, lines cut anywhere.)
        let text = format!("1.5\n{long}\n-2\n");
        let mut seen = Vec::new();
        for_each_line::<_, std::io::Error>(Trickle(text.as_bytes()), |i, l| {
            seen.push((i, l.len()));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![(1, 3), (2, 3 << 20), (3, 2)]);
    }
}
