//! Secrets and credentials in model output: provider key formats, private keys, JWTs, password
//! assignments, and high-entropy tokens.
use regex::Regex;

use super::Hit;

/// (id, pattern). The id is reported and used in the redaction marker.
const PATTERNS: &[(&str, &str)] = &[
    (
        "aws-access-key-id",
        r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b",
    ),
    (
        "aws-secret-access-key",
        r#"(?i)aws.{0,25}(?:secret|private).{0,25}?[=:"'\s]\s*["']?([A-Za-z0-9/+]{40})\b"#,
    ),
    (
        "github-token",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b",
    ),
    ("gitlab-token", r"\bglpat-[A-Za-z0-9_\-]{20,}\b"),
    ("slack-token", r"\bxox[abprs]-[A-Za-z0-9\-]{10,}\b"),
    (
        "slack-webhook",
        r"https://hooks\.slack\.com/services/[A-Za-z0-9/_\-]{20,}",
    ),
    ("google-api-key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    (
        "gcp-service-account",
        r#""private_key_id"\s*:\s*"[0-9a-f]{20,}""#,
    ),
    ("azure-storage-key", r"AccountKey=[A-Za-z0-9+/=]{40,}"),
    ("azure-sas-token", r"[?&]sig=[A-Za-z0-9%+/=]{30,}"),
    ("stripe-key", r"\b[rs]k_(?:live|test)_[0-9a-zA-Z]{20,}\b"),
    (
        "openai-key",
        r"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_\-]{32,}\b",
    ),
    ("anthropic-key", r"\bsk-ant-[A-Za-z0-9_\-]{20,}\b"),
    ("huggingface-token", r"\bhf_[A-Za-z0-9]{30,}\b"),
    ("twilio-key", r"\bSK[0-9a-fA-F]{32}\b"),
    (
        "sendgrid-key",
        r"\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}\b",
    ),
    (
        "private-key",
        r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----",
    ),
    (
        "jwt",
        r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
    ),
    (
        "basic-auth-url",
        r"\b[a-z][a-z0-9+.\-]*://[^\s:/@]{1,64}:[^\s:/@]{3,64}@[^\s/]+",
    ),
    (
        "password-assignment",
        r#"(?i)\b(?:password|passwd|pwd|secret|api[_\-]?key|access[_\-]?token|auth[_\-]?token)\b["']?\s*[:=]\s*["']?([^\s"',;]{8,})"#,
    ),
];

pub struct Secrets {
    res: Vec<(&'static str, Regex)>,
    token: Regex,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets")
    }
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

impl Secrets {
    pub fn new() -> Result<Self, regex::Error> {
        let res = PATTERNS
            .iter()
            .map(|(id, p)| Ok((*id, Regex::new(p)?)))
            .collect::<Result<Vec<_>, regex::Error>>()?;
        Ok(Self {
            res,
            token: Regex::new(r"[A-Za-z0-9+/_\-]{24,}={0,2}")?,
        })
    }

    pub fn scan(&self, text: &str, out: &mut Vec<Hit>) {
        for (id, re) in &self.res {
            for m in re.find_iter(text) {
                out.push(Hit::new("secret", id, m.start(), m.end()));
            }
        }
        // High-entropy tokens not already covered: mixed letters and digits, >= 4.5 bits/char.
        // Pure hex (hashes, ids) tops out at 4 bits/char and is deliberately not flagged.
        for m in self.token.find_iter(text) {
            let t = m.as_str();
            if out
                .iter()
                .any(|h| h.start <= m.start() && m.end() <= h.end.max(h.start))
            {
                continue;
            }
            let has_digit = t.bytes().any(|b| b.is_ascii_digit());
            let has_upper = t.bytes().any(|b| b.is_ascii_uppercase());
            let has_lower = t.bytes().any(|b| b.is_ascii_lowercase());
            if has_digit && has_upper && has_lower && entropy(t) >= 4.5 {
                out.push(Hit::new(
                    "secret",
                    "high-entropy-string",
                    m.start(),
                    m.end(),
                ));
            }
        }
    }
}
