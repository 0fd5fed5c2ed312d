//! Canary-token leakage: a canary placed in the system prompt that shows up in the output means
//! the system prompt leaked. Also caught when the model spaces out, re-cases, homoglyphs or
//! base64-encodes it (the output is normalised and decoded first).
use crate::detect::prompt::normalize::Normalized;

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Canaries (as configured) found in `raw` or its normalised form.
pub fn leaked<'a>(canaries: &'a [String], raw: &str, norm: &Normalized) -> Vec<&'a str> {
    let sq = squash(&norm.text);
    canaries
        .iter()
        .filter(|c| !c.is_empty())
        .filter(|c| {
            let cs = squash(c);
            raw.contains(c.as_str()) || (cs.len() >= 6 && sq.contains(&cs))
        })
        .map(String::as_str)
        .collect()
}
