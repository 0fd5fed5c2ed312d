//! Personal data in model output: e-mail, phone, payment card (Luhn), IBAN (mod 97), and
//! national ids (US SSN, UK NINO, French NIR shape), for detection and redaction.
use regex::Regex;

use super::Hit;

pub struct Pii {
    email: Regex,
    phone: Regex,
    card: Regex,
    iban: Regex,
    ssn: Regex,
    nino: Regex,
}

impl std::fmt::Debug for Pii {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pii")
    }
}

/// Luhn checksum over the digits of `s`.
pub fn luhn(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// ISO 13616 mod-97 check.
pub fn iban_valid(s: &str) -> bool {
    let c: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
    if c.len() < 15 || c.len() > 34 {
        return false;
    }
    let mut rem: u32 = 0;
    for ch in c[4..].iter().chain(&c[..4]) {
        let v = match ch.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

impl Pii {
    pub fn new() -> Result<Self, regex::Error> {
        Ok(Self {
            email: Regex::new(
                r"\b[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})*\.[A-Za-z]{2,24}\b",
            )?,
            phone: Regex::new(
                r"(?:\+\d{1,3}[\s.\-]?)?(?:\(\d{1,4}\)[\s.\-]?)?\b\d{2,4}[\s.\-]\d{2,4}[\s.\-]\d{3,4}(?:[\s.\-]\d{2,4})?\b",
            )?,
            card: Regex::new(r"\b(?:\d[ \-]?){12,18}\d\b")?,
            iban: Regex::new(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")?,
            ssn: Regex::new(
                r"\b(?:00[1-9]|0[1-9]\d|[1-578]\d\d|6[0-57-9]\d|66[0-57-9])-(?:0[1-9]|[1-9]\d)-(?:000[1-9]|00[1-9]\d|0[1-9]\d\d|[1-9]\d{3})\b",
            )?,
            nino: Regex::new(
                r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b",
            )?,
        })
    }

    pub fn scan(&self, text: &str, out: &mut Vec<Hit>) {
        for m in self.email.find_iter(text) {
            out.push(Hit::new("pii", "email", m.start(), m.end()));
        }
        for m in self.iban.find_iter(text) {
            if iban_valid(m.as_str()) {
                out.push(Hit::new("pii", "iban", m.start(), m.end()));
            }
        }
        for m in self.card.find_iter(text) {
            let d: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
            let brand = matches!(d.as_bytes().first(), Some(b'2'..=b'6'));
            if brand && luhn(&d) && !overlaps(out, m.start(), m.end()) {
                out.push(Hit::new("pii", "payment-card", m.start(), m.end()));
            }
        }
        for m in self.ssn.find_iter(text) {
            if !overlaps(out, m.start(), m.end()) {
                out.push(Hit::new("pii", "us-ssn", m.start(), m.end()));
            }
        }
        for m in self.nino.find_iter(text) {
            out.push(Hit::new("pii", "uk-nino", m.start(), m.end()));
        }
        for m in self.phone.find_iter(text) {
            let digits = m.as_str().chars().filter(char::is_ascii_digit).count();
            if (9..=15).contains(&digits) && !overlaps(out, m.start(), m.end()) {
                out.push(Hit::new("pii", "phone", m.start(), m.end()));
            }
        }
    }
}

fn overlaps(hits: &[Hit], s: usize, e: usize) -> bool {
    hits.iter().any(|h| h.start < e && s < h.end)
}
