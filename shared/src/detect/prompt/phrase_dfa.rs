//! A multi-pattern matcher for the rule phrases and anchors: the Aho–Corasick automaton compiled
//! straight into a dense DFA over byte classes.
//!
//! Why not `aho_corasick`'s own DFA: building it for the ~1 400 rule patterns took 13–17 ms, most
//! of the detector's cold start. Here each state's row is a copy of its failure state's row with
//! the trie edges written over it (breadth-first, so the failure row is already complete and
//! each row is written once, final), which builds the same automaton in under a millisecond. It
//! reports every occurrence of every pattern (overlapping), in the order `aho_corasick`'s
//! overlapping search does: by end position, then the state's own patterns in insertion order
//! before those of its failure chain.
//!
//! Entries are 16 bits when the trie has fewer than 2^15 − 1 states (the shipped rules: 2 400
//! to 13 600), 32 bits otherwise: half the table is half the memory a cold start must fault in
//! and more of the rows a scan visits stay in cache.

/// A transition table entry: the next state's index, its top bit set when that state reports
/// matches; all ones (never a state) marks a missing trie edge while building.
trait Cell: Copy + PartialEq {
    const MATCH: u32;
    const NONE: Self;
    fn from_u32(v: u32) -> Self;
    fn to_u32(self) -> u32;
}

impl Cell for u16 {
    const MATCH: u32 = 1 << 15;
    const NONE: Self = u16::MAX;
    fn from_u32(v: u32) -> Self {
        v as u16
    }
    fn to_u32(self) -> u32 {
        u32::from(self)
    }
}

impl Cell for u32 {
    const MATCH: u32 = 1 << 31;
    const NONE: Self = u32::MAX;
    fn from_u32(v: u32) -> Self {
        v
    }
    fn to_u32(self) -> u32 {
        self
    }
}

/// `trans[state * stride + class]`, in the narrowest entry that holds every state.
#[derive(Debug, Clone)]
enum Table {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

/// The compiled automaton.
#[derive(Debug, Clone)]
pub struct PhraseDfa {
    /// Byte → class (0 = a byte no pattern contains).
    classes: [u16; 256],
    stride: usize,
    trans: Table,
    /// Patterns reported in state `s`: `outputs[out_range[s].0..out_range[s].1]`.
    out_range: Vec<(u32, u32)>,
    outputs: Vec<u32>,
    pattern_len: Vec<u32>,
}

/// What [`build`] makes besides the table.
struct Built<E> {
    trans: Vec<E>,
    out_range: Vec<(u32, u32)>,
    outputs: Vec<u32>,
}

/// Trie states of `patterns`: the root plus, over the distinct sorted patterns, each one's
/// bytes past the prefix it shares with the previous one.
fn trie_states(patterns: &[&[u8]]) -> usize {
    let mut sorted: Vec<&[u8]> = patterns.to_vec();
    sorted.sort_unstable();
    let mut prev: &[u8] = &[];
    let mut n = 1;
    for p in sorted {
        let common = p.iter().zip(prev).take_while(|(a, b)| a == b).count();
        n += p.len() - common;
        prev = p;
    }
    n
}

/// The automaton of `patterns` over `classes` with entries of type `E` (which must hold every
/// state index below its top bit).
fn build<E: Cell>(
    patterns: &[&[u8]],
    classes: &[u16; 256],
    stride: usize,
    states: usize,
) -> Built<E> {
    // Trie: one row per state, NONE where there is no edge; own patterns per state; each
    // state's parent edge (parent, class) in creation order.
    let mut trans: Vec<E> = Vec::with_capacity(states * stride);
    trans.resize(stride, E::NONE);
    let mut own: Vec<Vec<u32>> = vec![Vec::new()];
    let mut parent_edge: Vec<(u32, u32)> = vec![(0, 0)];
    for (pid, p) in patterns.iter().enumerate() {
        if p.is_empty() {
            continue;
        }
        let mut s = 0usize;
        for &b in p.iter() {
            let c = classes[b as usize] as usize;
            let at = s * stride + c;
            if trans[at] == E::NONE {
                let new = own.len();
                own.push(Vec::new());
                parent_edge.push((s as u32, c as u32));
                trans.extend(std::iter::repeat_n(E::NONE, stride));
                trans[at] = E::from_u32(new as u32);
            }
            s = trans[at].to_u32() as usize;
        }
        own[s].push(pid as u32);
    }
    let n_states = own.len();
    // Children of each state, grouped by parent (counting sort of the parent edges).
    let mut kid_start = vec![0u32; n_states + 1];
    for &(parent, _) in &parent_edge[1..] {
        kid_start[parent as usize + 1] += 1;
    }
    for i in 0..n_states {
        kid_start[i + 1] += kid_start[i];
    }
    let mut kids = vec![0u32; n_states - 1];
    let mut fill = kid_start.clone();
    for (child, &(parent, _)) in parent_edge.iter().enumerate().skip(1) {
        kids[fill[parent as usize] as usize] = child as u32;
        fill[parent as usize] += 1;
    }
    // Breadth first, each row final when written: a copy of the failure state's row (a
    // shallower state, already done) with the trie edges written over it. A child's failure
    // state and whether it reports are known when its parent's row is written, before any row
    // that leads to it. Outputs: a state's own patterns, then its failure state's.
    let mut fail = vec![0u32; n_states];
    let mut out_range = vec![(0u32, 0u32); n_states];
    let mut outputs: Vec<u32> = Vec::new();
    let mut queue: Vec<u32> = Vec::with_capacity(n_states);
    queue.push(0);
    let mut head = 0;
    while let Some(&s) = queue.get(head) {
        head += 1;
        let s = s as usize;
        let row = s * stride;
        let f = fail[s] as usize;
        let fail_row = f * stride;
        if s == 0 {
            trans[..stride].fill(E::from_u32(0));
        } else {
            trans.copy_within(fail_row..fail_row + stride, row);
        }
        let from = outputs.len() as u32;
        outputs.extend_from_slice(&own[s]);
        if s != 0 {
            let (a, z) = out_range[f];
            outputs.extend_from_within(a as usize..z as usize);
        }
        out_range[s] = (from, outputs.len() as u32);
        for &t in &kids[kid_start[s] as usize..kid_start[s + 1] as usize] {
            let c = parent_edge[t as usize].1 as usize;
            // The root's children fail to the root.
            let via_fail = if s == 0 {
                0
            } else {
                trans[fail_row + c].to_u32()
            };
            fail[t as usize] = via_fail & !E::MATCH;
            let reports = !own[t as usize].is_empty() || via_fail & E::MATCH != 0;
            trans[row + c] = E::from_u32(t | if reports { E::MATCH } else { 0 });
            queue.push(t);
        }
    }
    Built {
        trans,
        out_range,
        outputs,
    }
}

impl PhraseDfa {
    /// Compiles `patterns` (empty patterns are never reported).
    pub fn new<S: AsRef<[u8]>>(patterns: &[S]) -> Self {
        let patterns: Vec<&[u8]> = patterns.iter().map(AsRef::as_ref).collect();
        let mut classes = [0u16; 256];
        let mut n_classes = 1usize;
        for b in patterns.iter().flat_map(|p| p.iter()) {
            if classes[*b as usize] == 0 {
                classes[*b as usize] = n_classes as u16;
                n_classes += 1;
            }
        }
        let stride = n_classes;
        let states = trie_states(&patterns);
        let (trans, out_range, outputs) = if states < (1 << 15) - 1 {
            let b = build::<u16>(&patterns, &classes, stride, states);
            (Table::Narrow(b.trans), b.out_range, b.outputs)
        } else {
            let b = build::<u32>(&patterns, &classes, stride, states);
            (Table::Wide(b.trans), b.out_range, b.outputs)
        };
        Self {
            classes,
            stride,
            trans,
            out_range,
            outputs,
            pattern_len: patterns.iter().map(|p| p.len() as u32).collect(),
        }
    }

    /// Number of patterns it was built from.
    pub fn patterns_len(&self) -> usize {
        self.pattern_len.len()
    }

    /// Calls `f(pattern, start, end)` for every occurrence of every pattern in `text`.
    #[inline]
    pub fn for_each_match(&self, text: &[u8], f: impl FnMut(usize, usize, usize)) {
        match &self.trans {
            Table::Narrow(t) => self.scan(t, text, f),
            Table::Wide(t) => self.scan(t, text, f),
        }
    }

    #[inline]
    fn scan<E: Cell>(&self, trans: &[E], text: &[u8], mut f: impl FnMut(usize, usize, usize)) {
        let mut row = 0usize;
        for (i, &b) in text.iter().enumerate() {
            let t = trans[row + self.classes[b as usize] as usize].to_u32();
            let s = (t & !E::MATCH) as usize;
            row = s * self.stride;
            if t & E::MATCH != 0 {
                let (a, z) = self.out_range[s];
                for &p in &self.outputs[a as usize..z as usize] {
                    let end = i + 1;
                    f(p as usize, end - self.pattern_len[p as usize] as usize, end);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

    /// Every (pattern, start, end) of each text, in order, from `aho_corasick`'s overlapping
    /// search and from ours.
    fn both(pats: &[String], texts: &[String]) -> Vec<[Vec<(usize, usize, usize)>; 2]> {
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(pats)
            .unwrap();
        let dfa = PhraseDfa::new(pats);
        texts
            .iter()
            .map(|t| {
                let want = ac
                    .find_overlapping_iter(t)
                    .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                    .collect();
                let mut got = Vec::new();
                dfa.for_each_match(t.as_bytes(), |p, s, e| got.push((p, s, e)));
                [got, want]
            })
            .collect()
    }

    #[test]
    fn same_matches_in_the_same_order_as_aho_corasick() {
        let pats: Vec<String> = [
            "he", "she", "his", "hers", "e", "she", "ignore", "gnor", "忽略", "略",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let texts: Vec<String> = [
            "",
            "ushers",
            "she sells hers",
            "ignore忽略 略 shehe",
            "hhhhhe",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (t, [got, want]) in texts.iter().zip(both(&pats, &texts)) {
            assert_eq!(got, want, "{t:?}");
        }
        assert!(both(&[String::new()], &["abc".to_string()])[0][0].is_empty());
    }

    /// An automaton too large for 16-bit entries (2^15 states and more) takes 32-bit ones and
    /// still matches as `aho_corasick` does.
    #[test]
    fn wide_tables_match_too() {
        // 4 000 distinct 16-digit hex strings: about 50 000 states.
        let pats: Vec<String> = (1..=4000u64)
            .map(|i| format!("{:016x}", i.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
            .collect();
        let dfa = PhraseDfa::new(&pats);
        assert!(matches!(dfa.trans, Table::Wide(_)));
        let texts = vec![
            format!("{} {}", pats[0], &pats[1][..9]),
            format!("{}{}{}", pats[3999], pats[17], &pats[17][3..]),
            "none here".to_string(),
        ];
        let mut total = 0;
        for (t, [got, want]) in texts.iter().zip(both(&pats, &texts)) {
            total += want.len();
            assert_eq!(got, want, "{t:?}");
        }
        assert!(total >= 3, "{total}");
        assert!(matches!(
            PhraseDfa::new(&pats[..100]).trans,
            Table::Narrow(_)
        ));
    }

    #[test]
    fn trie_states_counts_shared_prefixes_once() {
        let pats: [&[u8]; 5] = [b"abc", b"abd", b"abc", b"b", b""];
        // root, a, ab, abc, abd, b
        assert_eq!(trie_states(&pats), 6);
    }

    /// The shipped rule phrases and anchors over real prompts: every match, in order.
    #[test]
    fn same_matches_as_aho_corasick_on_the_rule_patterns() {
        let rules: toml::Value = toml::from_str(super::super::rules::BUILTIN_RULES).unwrap();
        let mut pats = Vec::new();
        for r in rules["rule"].as_array().unwrap() {
            for k in ["phrases", "anchors"] {
                for p in r.get(k).and_then(|a| a.as_array()).into_iter().flatten() {
                    pats.push(p.as_str().unwrap().to_lowercase());
                }
            }
        }
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/prompts/");
        let mut texts = Vec::new();
        for f in ["aiir_handmade.jsonl", "aiir_generalise_train.jsonl"] {
            let src = std::fs::read_to_string(format!("{dir}{f}")).unwrap();
            for l in src.lines() {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                texts.push(super::super::normalize(v["text"].as_str().unwrap_or_default()).text);
            }
        }
        let mut total = 0;
        for (t, [got, want]) in texts.iter().zip(both(&pats, &texts)) {
            total += want.len();
            assert_eq!(got, want, "{t:?}");
        }
        assert!(total > 1000, "too few matches to compare: {total}");
    }
}
