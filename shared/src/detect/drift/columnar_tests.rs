//! The fast path against the general parser: wherever it does not give up, pairing its
//! columns must give exactly what pairing [`Table`]s gives, errors included.
use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::detect::drift::table::{pair_columns, pair_sources, parse_csv};

/// Cells chosen to sit on every boundary the two parsers must agree on.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "+3",
    "1.",
    ".5",
    "-.5",
    "0.1234",
    "-12.75",
    "00001",
    "7",
    "12345678901234567",
    "123456789012345678",
    "1234567890123456789",
    "9007199254740992",
    "9007199254740993",
    "1e5",
    "-2.5E-3",
    "0.30000000000000004",
    "1.2345678901234567890",
    "3",
    "4",
];
const WORDS: &[&str] = &[
    "a",
    "b",
    "c",
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    "x y",
    "é",
    "١",
    "-",
    ".",
    "+.",
    "1.2.3",
    "0x10",
    "1_0",
    "true",
];
const ODD: &[&str] = &[
    "", " ", " 2.5", "2.5 ", "\t7", "\u{a0}3", "\"q\"", "a\"b", "1,2",
];

fn cell(rng: &mut ChaCha8Rng, kind: u8, tidy: bool) -> String {
    let pick = |rng: &mut ChaCha8Rng, v: &[&str]| v[rng.gen_range(0..v.len())].to_string();
    let roll = rng.gen_range(0..100);
    match kind {
        // mostly small integers (categorical by inference), sometimes more
        0 if roll < 45 => rng.gen_range(0..6).to_string(),
        0 if roll < 90 => rng.gen_range(0..12).to_string(), // near the 10-distinct boundary
        1 if roll < 90 => format!("{:.3}", rng.gen_range(-50.0..50.0)),
        2 if roll < 90 => pick(rng, &WORDS[..3]),
        3 if roll < 60 => pick(rng, NUMBERS),
        3 if roll < 90 => pick(rng, WORDS),
        _ if roll < 97 || tidy => String::new(),
        _ => pick(rng, ODD),
    }
}

/// A CSV of `rows` rows with the given column kinds; `tidy`: no odd cells or line endings.
fn random_csv(rng: &mut ChaCha8Rng, kinds: &[u8], rows: usize, tidy: bool) -> String {
    let mut s = String::new();
    if rng.gen_range(0..10) == 0 {
        s.push_str("\n  \n");
    }
    let names: Vec<String> = (0..kinds.len()).map(|i| format!("c{i}")).collect();
    s.push_str(&names.join(","));
    s.push('\n');
    for _ in 0..rows {
        let line: Vec<String> = kinds.iter().map(|&k| cell(rng, k, tidy)).collect();
        s.push_str(&line.join(","));
        let ending = match if tidy { 99 } else { rng.gen_range(0..200) } {
            0 => "\n\n",
            1 => "\r\n",
            2 => ",\n", // one field too many
            3 => "\n \t\n",
            _ => "\n",
        };
        s.push_str(ending);
    }
    if rng.gen_range(0..4) == 0 {
        s.pop(); // no final newline
    }
    s
}

fn pair_both(
    reference: &str,
    current: &str,
    types: &BTreeMap<String, ColumnType>,
    only: Option<&[String]>,
) -> (String, Option<String>) {
    let slow = match (
        parse_csv("ref.csv", reference),
        parse_csv("cur.csv", current),
    ) {
        (Ok(r), Ok(c)) => format!("{:?}", pair_columns(&r, &c, types, only)),
        (Err(e), _) | (_, Err(e)) => format!("{:?}", Err::<(), _>(e)),
    };
    let fast = match (
        read_columnar("ref.csv", reference.as_bytes()),
        read_columnar("cur.csv", current.as_bytes()),
    ) {
        (Some(mut r), Some(mut c)) => match pair_sources(&mut r, &mut c, types, only) {
            Ok(Some(p)) => Some(format!("{:?}", Ok::<_, DriftError>(p))),
            Ok(None) => None,
            Err(e) => Some(format!("{:?}", Err::<(), _>(e))),
        },
        _ => None,
    };
    (slow, fast)
}

#[test]
fn pairs_exactly_as_the_general_parser_or_gives_up() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (mut fast, mut gave_up) = (0, 0);
    for case in 0..3000 {
        let ncol = rng.gen_range(1..5);
        // Mostly clean columns, so that many cases take the fast path.
        let kinds: Vec<u8> = (0..ncol)
            .map(|_| {
                if rng.gen_range(0..3) == 0 {
                    rng.gen_range(0..4)
                } else {
                    rng.gen_range(0..3)
                }
            })
            .collect();
        let dirty = rng.gen_range(0..3) == 0;
        // (few rows: distinct shares near the text-column boundary of one half)
        let most = if rng.gen_bool(0.5) { 8 } else { 40 };
        let rows = rng.gen_range(1..most);
        let (r, c) = if dirty {
            (
                random_csv(&mut rng, &kinds, rows, false),
                random_csv(&mut rng, &kinds, rows, false),
            )
        } else {
            let clean: Vec<u8> = kinds.iter().map(|&k| k.min(2)).collect();
            (
                random_csv(&mut rng, &clean, rows, false),
                random_csv(&mut rng, &clean, rows + 3, false),
            )
        };
        let mut types = BTreeMap::new();
        if rng.gen_range(0..4) == 0 {
            let t = if rng.gen_bool(0.5) {
                ColumnType::Numerical
            } else {
                ColumnType::Categorical
            };
            types.insert(format!("c{}", rng.gen_range(0..ncol + 1)), t);
        }
        let only: Option<Vec<String>> =
            (rng.gen_range(0..5) == 0).then(|| vec![format!("c{}", rng.gen_range(0..ncol + 1))]);
        let (slow, quick) = pair_both(&r, &c, &types, only.as_deref());
        match quick {
            Some(q) => {
                fast += 1;
                assert_eq!(q, slow, "case {case}\nreference:\n{r}\ncurrent:\n{c}");
            }
            None => gave_up += 1,
        }
    }
    // Both paths must actually be exercised.
    assert!(fast > 1000, "fast path taken {fast} times");
    assert!(gave_up > 200, "fast path gave up {gave_up} times");
}

#[test]
fn every_numeric_cell_scans_as_plain_decimal_reads_it() {
    for s in NUMBERS
        .iter()
        .chain(WORDS)
        .chain(ODD)
        .filter(|s| !s.contains(','))
    {
        for line in [s.to_string(), format!("{s},9")] {
            let scanned = scan_plain(line.as_bytes(), 0);
            let expected = plain_decimal(s).map(|x| (x.to_bits(), is_int(s), s.len()));
            assert_eq!(
                scanned.map(|(x, int, end)| (x.to_bits(), int, end)),
                expected,
                "{line:?}"
            );
        }
    }
}

#[test]
fn a_large_file_crossing_read_buffers_pairs_the_same() {
    // Past the 1 MiB read buffer, so lines are carried over between reads.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let r = random_csv(&mut rng, &[1, 1, 2, 0], 100_000, true);
    let c = random_csv(&mut rng, &[1, 1, 2, 0], 100_000, true);
    assert!(r.len() > 1 << 20);
    let (slow, fast) = pair_both(&r, &c, &BTreeMap::new(), None);
    assert_eq!(fast.as_deref(), Some(slow.as_str()));
}

#[test]
fn quoted_or_ragged_input_goes_to_the_general_parser() {
    for text in [
        "a,b\n\"1\",2\n",
        "a,b\n1,2,3\n",
        "a,b\n1\n",
        "a,b\n",
        "",
        "a\nnan\n",
        "a\n1\n2\nx\n",
    ] {
        assert!(
            read_columnar("f.csv", text.as_bytes()).is_none(),
            "{text:?}"
        );
    }
    assert!(read_columnar("f.csv", &b"a\n\xff\n"[..]).is_none());
}
