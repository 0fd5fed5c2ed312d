//! Fast input: decimal numbers parsed exactly as `str::parse::<f64>` parses them, and files read
//! line by line through one reusable buffer (no copy of a whole file in memory).
use std::io::Read;

/// Powers of ten that are exact in f64.
pub(crate) const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `s.parse::<f64>().ok()`, bit for bit, faster.
///
/// `fast-float2` (Eisel–Lemire with Clinger's fast path first, both correctly rounded like
/// the standard library's parser, and quicker on 17-digit numbers such as Python's `repr`
/// output) parses, and its finite results are taken. Everything it rejects, and infinities
/// and NaNs (whose bits the standard library decides), goes to the standard library, so what
/// is accepted and what is returned stay the standard library's (tests below compare them).
pub fn parse_f64(s: &str) -> Option<f64> {
    fast_float2::parse::<f64, _>(s)
        .ok()
        .filter(|x| x.is_finite())
        .or_else(|| s.parse().ok())
}

/// Whether `s` is a plain decimal: an optional sign, then digits with at most one point and at
/// least one digit. The standard library parses every such string (a syntax check only, for
/// type inference, which needs no value).
pub fn is_decimal(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = match b.first() {
        Some(b'-' | b'+') => &b[1..],
        _ => b,
    };
    let mut point = false;
    let mut any = false;
    for &c in digits {
        match c {
            b'0'..=b'9' => any = true,
            b'.' if !point => point = true,
            _ => return false,
        }
    }
    any
}

/// Clinger's fast path alone: `Some` only for plain decimals (sign, digits, at most one
/// point) whose digits form an integer m < 2^53 with at most 22 of them after the point; then
/// m and 10^k are exact doubles and one IEEE division rounds m / 10^k correctly, which is what
/// the standard library's correctly rounded parser returns. Such a value is always finite.
pub fn plain_decimal(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    scan_plain(b, 0)
        .filter(|&(_, _, end)| end == b.len())
        .map(|(x, _, _)| x)
}

/// [`plain_decimal`] of the cell starting at `start` of a CSV line, fused with finding its
/// end: the value, whether it has no point, and the index of the ',' (or line end) after it.
/// `None` when the cell is anything else (the caller then reads it the general way).
pub(crate) fn scan_plain(b: &[u8], start: usize) -> Option<(f64, bool, usize)> {
    let mut i = start;
    let negative = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut m: u64 = 0;
    let digits = |i: &mut usize, m: &mut u64| {
        let from = *i;
        while let Some(&c) = b.get(*i) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            // (wrapping: a cell too long to be plain is refused below)
            *m = m.wrapping_mul(10).wrapping_add(u64::from(d));
            *i += 1;
        }
        *i - from
    };
    let whole = digits(&mut i, &mut m);
    let (int, k) = if b.get(i) == Some(&b'.') {
        i += 1;
        (false, digits(&mut i, &mut m))
    } else {
        (true, 0)
    };
    if !matches!(b.get(i), None | Some(b',')) {
        return None;
    }
    if i - start > 18 || whole + k == 0 || m > 1 << 53 || k >= POW10.len() {
        return None;
    }
    let x = m as f64 / POW10[k];
    Some((if negative { -x } else { x }, int, i))
}

/// Calls `f(line_number, line)` for every line of `reader` (1-based numbers; `\n` or `\r\n`
/// endings; a last line without a newline counts), as `str::lines` would number them.
/// Stops at the first error `f` returns. Invalid UTF-8 is an `InvalidData` error.
pub fn for_each_line<R: Read, E: From<std::io::Error>>(
    reader: R,
    mut f: impl FnMut(usize, &str) -> Result<(), E>,
) -> Result<(), E> {
    let mut lineno = 0;
    for_each_chunk(reader, |chunk| {
        let mut rest = utf8(chunk)?;
        while !rest.is_empty() {
            let (line, next) = split_line(rest);
            lineno += 1;
            f(lineno, line)?;
            rest = next;
        }
        Ok(())
    })
}

/// The values of a file of one number per line, as [`for_each_line`] would read them with
/// `general` for every line, handed to `consume` a read buffer's worth at a time; returns how
/// many there were. A line that is one number as `fast-float2` reads it and ends in `\n` is
/// converted in place — no line search, UTF-8 check or call per line — and every other line
/// (blank, spaced, `\r\n`-ended, not a number, not finite) goes to
/// `general(line_number, line)`, which returns its value, `None` to skip it, or an error.
pub fn read_number_lines<R: Read, E: From<std::io::Error>>(
    reader: R,
    mut general: impl FnMut(usize, &str) -> Result<Option<f64>, E>,
    mut consume: impl FnMut(&[f64]),
) -> Result<usize, E> {
    let mut lineno = 0;
    let mut count = 0;
    let mut out = Vec::new();
    for_each_chunk(reader, |chunk| -> Result<(), E> {
        let mut pos = 0;
        while pos < chunk.len() {
            lineno += 1;
            let rest = &chunk[pos..];
            if let Ok((x, n)) = fast_float2::parse_partial::<f64, _>(rest) {
                if n > 0 && rest.get(n) == Some(&b'\n') && x.is_finite() {
                    out.push(x);
                    pos += n + 1;
                    continue;
                }
            }
            let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
            let (line, _) = split_line(utf8(&rest[..end])?);
            if let Some(x) = general(lineno, line)? {
                out.push(x);
            }
            pos += end;
        }
        count += out.len();
        consume(&out);
        out.clear();
        Ok(())
    })?;
    Ok(count)
}

fn utf8(b: &[u8]) -> Result<&str, std::io::Error> {
    std::str::from_utf8(b).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

/// The first line of `text` and what follows it. As `str::lines`: "\r\n" ends a line, a lone
/// "\r" at the very end stays.
fn split_line(text: &str) -> (&str, &str) {
    match memchr::memchr(b'\n', text.as_bytes()) {
        Some(i) => {
            let l = &text[..i];
            (l.strip_suffix('\r').unwrap_or(l), &text[i + 1..])
        }
        None => (text, ""),
    }
}

/// Calls `f` with `reader`'s bytes in pieces that end at a line end (or at the end of the
/// input), through one reusable buffer grown only for a line longer than it.
fn for_each_chunk<R: Read, E: From<std::io::Error>>(
    mut reader: R,
    mut f: impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<(), E> {
    let mut buf = vec![0u8; 1 << 20];
    let mut filled = 0; // bytes in buf: a partial line carried over, then new data
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
        // Complete lines only (the newest newline is in the new data or there is none yet),
        // unless the input has ended.
        let complete = if end_of_input {
            filled
        } else {
            match memchr::memrchr(b'\n', &buf[filled - got..filled]) {
                Some(i) => filled - got + i + 1,
                None => continue,
            }
        };
        f(&buf[..complete])?;
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
            // exponent forms
            "1e0",
            "1e+5",
            "1E+05",
            "-2.5e-3",
            "1.e5",
            ".5e1",
            "5e",
            "5e+",
            "e5",
            ".e5",
            "1e5.0",
            "1e1000000",
            "1e-1000000",
            "1e400",
            "-1e400",
            "1e-400",
            "1.7976931348623159e308",
            // negative zero
            "-0.0",
            "-0e10",
            "-0.000",
            // 17 and more significant digits (Python repr, halfway cases, long inputs)
            "-0.13853818133658948",
            "0.30000000000000004",
            "9007199254740993.0",
            "9007199254740992.5",
            "123456789012345678901234567890",
            "1.00000000000000011102230246251565404236316680908203125",
            "1.000000000000000111022302462515654042363166809082031250001",
            "2.2250738585072011e-308",
            "2.2250738585072014e-308",
            // subnormals
            "5e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "1.23456789e-310",
            "-4.9406564584124654e-324",
            // inf / nan spellings (accepted by the parser, rejected as not finite by callers)
            "+inf",
            "INF",
            "Infinity",
            "-infinity",
            "+nan",
            "-nan",
            "nan(1)",
            "infinit",
            "infinityy",
        ];
        for s in fixed {
            assert_eq!(
                parse_f64(s).map(f64::to_bits),
                s.parse::<f64>().ok().map(f64::to_bits),
                "{s:?}"
            );
            plain_agrees(s);
        }
        // The fast path does take the usual short decimals.
        for s in [
            "0",
            "-0",
            "1.",
            ".5",
            "-1.2345",
            "+0.0001",
            "9007199254740992",
        ] {
            assert!(plain_decimal(s).is_some(), "{s:?}");
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
            plain_agrees(&s);
        }
    }

    /// Where Clinger's fast path answers, it answers as the standard library.
    fn plain_agrees(s: &str) {
        if let Some(x) = plain_decimal(s) {
            assert_eq!(
                Some(x.to_bits()),
                s.parse::<f64>().ok().map(f64::to_bits),
                "{s:?}"
            );
        }
    }

    /// Shortest round-trip representations (as Python's repr prints them) across the whole
    /// exponent range, and random strings over the characters numbers are made of: both
    /// what is accepted and the bits returned must be the standard library's.
    #[test]
    fn parse_matches_std_on_reprs_and_random_strings() {
        let mut state = 987654321u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state
        };
        let check = |s: &str| {
            assert_eq!(
                parse_f64(s).map(f64::to_bits),
                s.parse::<f64>().ok().map(f64::to_bits),
                "{s:?}"
            );
        };
        for _ in 0..200_000 {
            let x = f64::from_bits(next());
            if x.is_finite() {
                check(&format!("{x:?}"));
                check(&format!("{x:e}"));
                check(&format!("{:.3e}", x));
            }
            // values near 1 with 15 to 19 digits
            let y = (next() >> 11) as f64 / (1u64 << 53) as f64 * 10.0;
            check(&format!("{y:.15}"));
            check(&format!("{y:.19}"));
        }
        let alphabet = b"0123456789012345678901234567899.-+eEinfatyINFx_ ";
        for _ in 0..300_000 {
            let n = 1 + (next() >> 60) as usize;
            let s: String = (0..n)
                .map(|_| char::from(alphabet[(next() >> 33) as usize % alphabet.len()]))
                .collect();
            check(&s);
            plain_agrees(&s);
            assert!(!is_decimal(&s) || s.parse::<f64>().is_ok(), "{s:?}");
            assert_eq!(is_decimal(&s), plain_syntax(&s), "{s:?}");
        }
    }

    /// The grammar of `is_decimal`, spelled out differently.
    fn plain_syntax(s: &str) -> bool {
        let body = s.strip_prefix(['-', '+']).unwrap_or(s);
        body.matches('.').count() <= 1
            && body.chars().all(|c| c == '.' || c.is_ascii_digit())
            && body.chars().any(|c| c.is_ascii_digit())
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

    /// What reading a file of values by [`for_each_line`] gives: the values, or the number of
    /// the line the general reader refused.
    fn by_lines(text: &[u8]) -> Result<Vec<u64>, String> {
        let mut out = Vec::new();
        for_each_line(text, |i, l| {
            if let Some(x) = general(i, l)? {
                out.push(x.to_bits());
            }
            Ok::<_, std::io::Error>(())
        })
        .map_err(|e| e.to_string())?;
        Ok(out)
    }

    fn general(i: usize, l: &str) -> Result<Option<f64>, std::io::Error> {
        let t = l.trim();
        if t.is_empty() {
            return Ok(None);
        }
        match parse_f64(t).filter(|x| x.is_finite()) {
            Some(x) => Ok(Some(x)),
            None => Err(std::io::Error::other(format!("line {i}: {t}"))),
        }
    }

    #[test]
    fn number_lines_read_as_line_by_line() {
        use rand::{Rng, SeedableRng};
        let pool = [
            "1.5",
            "-0.13853818133658948",
            "1e5",
            "-2.5E-3",
            "0",
            "-0.0",
            "+3",
            ".5",
            "7.",
            "",
            " ",
            " 2.5",
            "2.5 ",
            "\t7",
            "inf",
            "nan",
            "x",
            "1.5x",
            "1,5",
            "1e400",
            "é",
        ];
        let ends = ["\n", "\n", "\n", "\r\n", "\n\n"];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        for case in 0..3000 {
            let mut text = String::new();
            for _ in 0..rng.gen_range(0..12) {
                // mostly numbers, so that many files read through to the end
                let cell = if rng.gen_bool(0.9) {
                    pool[rng.gen_range(0..5)]
                } else {
                    pool[rng.gen_range(0..pool.len())]
                };
                text.push_str(cell);
                text.push_str(ends[rng.gen_range(0..ends.len())]);
            }
            if rng.gen_bool(0.3) {
                text.pop(); // no final newline (or a lone '\r' left)
            }
            let mut out = Vec::new();
            let fused = read_number_lines(text.as_bytes(), general, |v| {
                out.extend(v.iter().map(|x| x.to_bits()))
            })
            .map_err(|e| e.to_string());
            if let Ok(n) = fused {
                assert_eq!(n, out.len(), "case {case}: the count");
            }
            assert_eq!(
                fused.map(|_| out),
                by_lines(text.as_bytes()),
                "case {case}: {text:?}"
            );
        }
        assert!(read_number_lines(&b"1\n\xff\n"[..], general, |_| ()).is_err());
    }
}
