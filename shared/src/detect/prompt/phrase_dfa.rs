//! A multi-pattern matcher for the rule phrases and anchors: the Aho–Corasick automaton compiled
//! straight into a dense DFA over byte classes.
//!
//! Why not `aho_corasick`'s own DFA: building it for the ~1 400 rule patterns took 13–17 ms, most
//! of the detector's cold start. Here each state's row is a copy of its failure state's row with
//! the trie edges written over it (breadth-first, so the failure row is already complete), which
//! builds the same automaton in about a millisecond. It reports every occurrence of every pattern
//! (overlapping), in the order `aho_corasick`'s overlapping search does: by end position, then the
//! state's own patterns in insertion order before those of its failure chain.

/// Marks a transition into a state that reports matches (the state index is premultiplied by
/// the stride, so it never reaches this bit for any automaton that fits in memory).
const MATCH_BIT: u32 = 1 << 31;

/// The compiled automaton.
#[derive(Debug, Clone)]
pub struct PhraseDfa {
    /// Byte → class (0 = a byte no pattern contains).
    classes: [u16; 256],
    stride: usize,
    /// `trans[state * stride + class]` = next state × stride, `| MATCH_BIT` if it reports.
    trans: Vec<u32>,
    /// Patterns reported in state `s`: `outputs[out_start[s]..out_start[s + 1]]`.
    out_start: Vec<u32>,
    outputs: Vec<u32>,
    pattern_len: Vec<u32>,
}

impl PhraseDfa {
    /// Compiles `patterns` (empty patterns are never reported).
    pub fn new<S: AsRef<[u8]>>(patterns: &[S]) -> Self {
        let mut classes = [0u16; 256];
        let mut n_classes = 1usize;
        for b in patterns.iter().flat_map(|p| p.as_ref().iter()) {
            if classes[*b as usize] == 0 {
                classes[*b as usize] = n_classes as u16;
                n_classes += 1;
            }
        }
        let stride = n_classes;
        const NONE: u32 = u32::MAX;
        // Trie: one row per state, NONE where there is no edge; own patterns per state. Sized
        // for the worst case (every byte a new state) so the table is never copied while growing.
        let max_states = 1 + patterns.iter().map(|p| p.as_ref().len()).sum::<usize>();
        let mut trans: Vec<u32> = Vec::with_capacity(max_states * stride);
        trans.resize(stride, NONE);
        let mut own: Vec<Vec<u32>> = vec![Vec::new()];
        for (pid, p) in patterns.iter().enumerate() {
            let p = p.as_ref();
            if p.is_empty() {
                continue;
            }
            let mut s = 0usize;
            for &b in p {
                let at = s * stride + classes[b as usize] as usize;
                if trans[at] == NONE {
                    let new = own.len();
                    own.push(Vec::new());
                    trans.extend(std::iter::repeat_n(NONE, stride));
                    trans[at] = new as u32;
                }
                s = trans[at] as usize;
            }
            own[s].push(pid as u32);
        }
        let n_states = own.len();
        // Breadth-first: complete each row from its failure state's row, and each state's
        // outputs = its own patterns, then its failure state's outputs.
        let mut fail = vec![0u32; n_states];
        let mut outs: Vec<Vec<u32>> = vec![Vec::new(); n_states];
        let mut queue = std::collections::VecDeque::with_capacity(n_states);
        for t in trans.iter_mut().take(stride) {
            match *t {
                NONE => *t = 0,
                child => queue.push_back(child),
            }
        }
        outs[0] = own[0].clone();
        while let Some(s) = queue.pop_front() {
            let s = s as usize;
            let f = fail[s] as usize;
            let mut o = std::mem::take(&mut own[s]);
            o.extend_from_slice(&outs[f]);
            outs[s] = o;
            for c in 0..stride {
                let t = trans[s * stride + c];
                let via_fail = trans[f * stride + c];
                if t == NONE {
                    trans[s * stride + c] = via_fail;
                } else {
                    fail[t as usize] = via_fail;
                    queue.push_back(t);
                }
            }
        }
        let mut out_start = Vec::with_capacity(n_states + 1);
        let mut outputs = Vec::new();
        for o in &outs {
            out_start.push(outputs.len() as u32);
            outputs.extend_from_slice(o);
        }
        out_start.push(outputs.len() as u32);
        for t in trans.iter_mut() {
            let next = *t as usize;
            let reports = out_start[next] != out_start[next + 1];
            *t = (next * stride) as u32 | if reports { MATCH_BIT } else { 0 };
        }
        Self {
            classes,
            stride,
            trans,
            out_start,
            outputs,
            pattern_len: patterns.iter().map(|p| p.as_ref().len() as u32).collect(),
        }
    }

    /// Number of patterns it was built from.
    pub fn patterns_len(&self) -> usize {
        self.pattern_len.len()
    }

    /// Calls `f(pattern, start, end)` for every occurrence of every pattern in `text`.
    #[inline]
    pub fn for_each_match(&self, text: &[u8], mut f: impl FnMut(usize, usize, usize)) {
        let mut s = 0usize;
        for (i, &b) in text.iter().enumerate() {
            let t = self.trans[s + self.classes[b as usize] as usize];
            s = (t & !MATCH_BIT) as usize;
            if t & MATCH_BIT != 0 {
                let st = s / self.stride;
                let (a, z) = (self.out_start[st], self.out_start[st + 1]);
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
