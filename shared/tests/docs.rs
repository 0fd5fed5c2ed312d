//! The IR runbooks and the AI incident-response playbook name aiir's actions, playbook rules,
//! incident kinds and MITRE ATLAS ids. A responder follows them under pressure, so every name
//! must exist: this test reads the documents and checks each reference against the code
//! (`ActionKind`, `IncidentKind`, `Severity`), the default playbook and the ATLAS data in
//! `docs/frameworks/ATLAS.yaml`.
//!
//! Notation in the documents (backticks optional for the checker, used for readability):
//! `action:block-prompt`, `rule:contain-prompt-injection`, `kind:prompt-attack`, and ATLAS ids
//! as written by MITRE (`AML.T0051.000`, `AML.M0015`).
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use aiir_core::action::ActionKind;
use aiir_core::model::atlas::techniques_for;
use aiir_core::{IncidentKind, Severity};
use regex::Regex;

/// The runbooks, one per drill scenario (`aiir_core::drill::SCENARIOS`).
const RUNBOOKS: [&str; 4] = [
    "prompt-injection",
    "data-leakage",
    "model-drift",
    "compromised-weights",
];
const SECTIONS: [&str; 5] = [
    "Detection",
    "Containment",
    "Eradication",
    "Recovery",
    "Lessons learned",
];
const AI_RMF: [&str; 4] = ["GOVERN", "MAP", "MEASURE", "MANAGE"];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn read(rel: &str) -> String {
    let path = repo().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// ATLAS objects by id, with their `object-type` (tactic, technique, mitigation, case-study).
///
/// ATLAS.yaml lists every object as a list item starting `- id: AML.…` whose fields sit two
/// columns further in; references to techniques (in mitigations and case studies) are items
/// without an `object-type` field, so they are not taken for definitions.
fn atlas_objects(yaml: &str) -> BTreeMap<String, String> {
    let item = Regex::new(r"^( *)- id: (AML\.[A-Z]+\d{4}(?:\.\d{3})?)\s*$").unwrap();
    let mut objects = BTreeMap::new();
    let mut open: Option<(usize, String)> = None;
    for line in yaml.lines() {
        let indent = line.len() - line.trim_start().len();
        if let Some(c) = item.captures(line) {
            open = Some((c[1].len(), c[2].to_string()));
            continue;
        }
        let Some((item_indent, id)) = &open else {
            continue;
        };
        if !line.trim().is_empty() && indent <= *item_indent {
            open = None;
            continue;
        }
        if indent == item_indent + 2 {
            if let Some(kind) = line.trim().strip_prefix("object-type: ") {
                objects.insert(id.clone(), kind.to_string());
            }
        }
    }
    objects
}

struct Known {
    actions: BTreeSet<String>,
    /// Rule name → the action types it runs.
    rules: BTreeMap<String, BTreeSet<String>>,
    kinds: BTreeSet<String>,
    atlas: BTreeMap<String, String>,
}

impl Known {
    fn load() -> Self {
        let playbook: toml::Value = read("shared/playbooks/default.toml").parse().unwrap();
        let rules = playbook["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|rule| {
                let actions = rule["actions"]
                    .as_array()
                    .expect("actions")
                    .iter()
                    .map(|a| a["type"].as_str().expect("type").to_string())
                    .collect();
                (rule["name"].as_str().expect("name").to_string(), actions)
            })
            .collect();
        Self {
            actions: ActionKind::ALL
                .iter()
                .map(|k| k.as_str().to_string())
                .collect(),
            rules,
            kinds: IncidentKind::ALL
                .iter()
                .map(|k| k.as_str().to_string())
                .collect(),
            atlas: atlas_objects(&read("docs/frameworks/ATLAS.yaml")),
        }
    }
}

/// Every problem with the references in one document, as `doc:line: message`.
fn check_references(doc: &str, text: &str, known: &Known) -> Vec<String> {
    let action = Regex::new(r"\baction:([a-z0-9-]+)").unwrap();
    let rule = Regex::new(r"\brule:([a-z0-9-]+)").unwrap();
    let kind = Regex::new(r"\bkind:([a-z0-9-]+)").unwrap();
    let atlas = Regex::new(r"\bAML\.[A-Z]+\d{4}(?:\.\d{3})?").unwrap();
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = format!("{doc}:{}", n + 1);
        let actions: Vec<&str> = action
            .captures_iter(line)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        let rules: Vec<&str> = rule
            .captures_iter(line)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        for a in &actions {
            if !known.actions.contains(*a) {
                problems.push(format!("{at}: action `{a}` is not an ActionKind"));
            }
        }
        for r in &rules {
            if !known.rules.contains_key(*r) {
                problems.push(format!(
                    "{at}: rule `{r}` is not in shared/playbooks/default.toml"
                ));
            }
        }
        // A step that names both says "this rule carries out this action": it must.
        if rules.iter().any(|r| known.rules.contains_key(*r)) {
            for a in &actions {
                let carried = rules
                    .iter()
                    .any(|r| known.rules.get(*r).is_some_and(|set| set.contains(*a)));
                if known.actions.contains(*a) && !carried {
                    problems.push(format!(
                        "{at}: action `{a}` is not run by rule(s) {rules:?} in the default playbook"
                    ));
                }
            }
        }
        for c in kind.captures_iter(line) {
            if !known.kinds.contains(&c[1]) {
                problems.push(format!("{at}: kind `{}` is not an IncidentKind", &c[1]));
            }
        }
        for m in atlas.find_iter(line) {
            if !known.atlas.contains_key(m.as_str()) {
                problems.push(format!("{at}: `{}` is not in ATLAS 5.6.0", m.as_str()));
            }
        }
    }
    problems
}

/// Where a document maps an incident kind to ATLAS, it must carry every technique the code maps
/// it to (what the incident timeline will show the responder): a table row naming a kind and
/// ATLAS ids lists all of the kind's techniques, and the kinds of a runbook's `| incident kind`
/// row are covered somewhere in the runbook.
fn check_kind_coverage(doc: &str, text: &str) -> Vec<String> {
    let kind = Regex::new(r"\bkind:([a-z0-9-]+)").unwrap();
    let atlas = Regex::new(r"\bAML\.[A-Z]+\d{4}(?:\.\d{3})?").unwrap();
    let ids = |hay: &str| -> BTreeSet<String> {
        atlas
            .find_iter(hay)
            .map(|m| m.as_str().to_string())
            .collect()
    };
    let in_document = ids(text);
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let header = line.starts_with("| incident kind");
        let mapping_row = line.starts_with('|') && line.contains("AML.T");
        if !header && !mapping_row {
            continue;
        }
        let (scope, place) = if header {
            (in_document.clone(), "the document")
        } else {
            (ids(line), "the same row")
        };
        for c in kind.captures_iter(line) {
            let Some(k) = IncidentKind::ALL.into_iter().find(|k| k.as_str() == &c[1]) else {
                continue;
            };
            for id in techniques_for(k) {
                if !scope.contains(*id) {
                    problems.push(format!(
                        "{doc}:{}: kind:{k} without its ATLAS technique {id} in {place} (model/atlas.rs)",
                        n + 1
                    ));
                }
            }
        }
    }
    problems
}

fn headings(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(str::trim)
        .collect()
}

fn documents() -> Vec<(String, String)> {
    let mut docs: Vec<(String, String)> = RUNBOOKS
        .iter()
        .map(|r| format!("docs/ir_runbooks/{r}.md"))
        .chain([
            "docs/ir_runbooks/README.md".to_string(),
            "docs/ai_incident_response_playbook.md".to_string(),
            "docs/architecture.md".to_string(),
        ])
        .map(|p| {
            let text = read(&p);
            (p, text)
        })
        .collect();
    docs.sort();
    docs
}

#[test]
fn atlas_data_parses_completely() {
    let known = Known::load();
    let yaml = read("docs/frameworks/ATLAS.yaml");
    let count = |t: &str| known.atlas.values().filter(|v| v.as_str() == t).count();
    // Every definition in the file is found (the scan cannot silently miss a block).
    for t in ["tactic", "technique", "mitigation", "case-study"] {
        let declared = yaml
            .lines()
            .filter(|l| l.trim() == format!("object-type: {t}"))
            .count();
        assert!(declared > 0, "no {t} in ATLAS.yaml");
        assert_eq!(count(t), declared, "{t}s found vs declared");
    }
    assert!(yaml.contains("version: 5.6.0"));
    assert_eq!(
        known.atlas.get("AML.T0051.000").map(String::as_str),
        Some("technique")
    );
    assert_eq!(
        known.atlas.get("AML.M0015").map(String::as_str),
        Some("mitigation")
    );
    // Ids that only occur as references, or not at all, are not definitions.
    for missing in ["AML.T0051.009", "AML.T9999", "AML.T0022", "AML.M0099"] {
        assert!(!known.atlas.contains_key(missing), "{missing}");
    }
}

#[test]
fn code_atlas_mapping_uses_real_techniques() {
    let known = Known::load();
    for kind in IncidentKind::ALL {
        let ids = techniques_for(kind);
        assert!(!ids.is_empty(), "{kind} has no technique");
        for id in ids {
            assert_eq!(
                known.atlas.get(*id).map(String::as_str),
                Some("technique"),
                "model/atlas.rs maps {kind} to {id}, which is not an ATLAS 5.6.0 technique"
            );
        }
    }
}

#[test]
fn every_reference_in_the_docs_exists() {
    let known = Known::load();
    let mut problems = Vec::new();
    for (doc, text) in documents() {
        problems.extend(check_references(&doc, &text, &known));
        problems.extend(check_kind_coverage(&doc, &text));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_rejects_wrong_names() {
    let known = Known::load();
    let bad = "\
| step | `action:block-promt` by `rule:contain-prompt-injection` |
| step | `action:rollback-model` by `rule:contain-prompt-injection` |
| step | `action:notify` by `rule:contain-everything` |
| map | `kind:prompt-atack`, AML.T0051.009, AML.T9999 |
";
    let problems = check_references("bad.md", bad, &known);
    let expect = [
        "bad.md:1: action `block-promt` is not an ActionKind",
        "bad.md:2: action `rollback-model` is not run by rule(s)",
        "bad.md:3: rule `contain-everything` is not in",
        "bad.md:4: kind `prompt-atack` is not an IncidentKind",
        "bad.md:4: `AML.T0051.009` is not in ATLAS",
        "bad.md:4: `AML.T9999` is not in ATLAS",
    ];
    for e in expect {
        assert!(
            problems.iter().any(|p| p.starts_with(e)),
            "expected `{e}` in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expect.len(), "{problems:#?}");
    // The good form of the same lines passes.
    let good = "`action:block-prompt` by `rule:contain-prompt-injection`, AML.T0051.000";
    assert!(check_references("good.md", good, &known).is_empty());
    // A document that names a kind must carry the kind's techniques.
    let partial = "| `kind:prompt-attack` | AML.T0051.000 only |";
    assert!(!check_kind_coverage("partial.md", partial).is_empty());
}

#[test]
fn runbooks_have_the_five_phases_and_every_mapping() {
    let known = Known::load();
    // The drill's scenario catalogue (not the `events/drills/` folders: git keeps no empty
    // folder, and a scenario may generate all of its data).
    let scenarios: BTreeSet<String> = aiir_core::drill::SCENARIOS
        .iter()
        .map(|s| s.name.to_string())
        .collect();
    let listed: BTreeSet<String> = RUNBOOKS.iter().map(|s| s.to_string()).collect();
    assert_eq!(scenarios, listed, "one runbook per drill scenario");
    let index = read("docs/ir_runbooks/README.md");
    let techniques = Regex::new(r"\bAML\.T\d{4}(?:\.\d{3})?").unwrap();
    for name in RUNBOOKS {
        let doc = format!("docs/ir_runbooks/{name}.md");
        let text = read(&doc);
        assert!(index.contains(&format!("({name}.md)")), "index links {doc}");
        let found = headings(&text);
        let order: Vec<&str> = found
            .iter()
            .copied()
            .filter(|h| SECTIONS.contains(h))
            .collect();
        assert_eq!(order, SECTIONS, "{doc}: the five sections, in order");
        for section in SECTIONS {
            let body = section_body(&text, section);
            assert!(
                body.trim().len() > 200,
                "{doc}: section {section} is nearly empty"
            );
        }
        // Containment is carried out by aiir: it must name the rule and its actions.
        // Every action the drill expects for the scenario is in its runbook.
        let scenario = aiir_core::drill::scenario(name).expect("scenario");
        for action in scenario.workflow {
            assert!(
                text.contains(&format!("action:{action}")),
                "{doc}: the drill's workflow runs {action}; the runbook does not say where"
            );
        }
        let containment = section_body(&text, "Containment");
        assert!(
            containment.contains("rule:"),
            "{doc}: containment names no rule"
        );
        assert!(
            containment.contains("action:"),
            "{doc}: containment names no action"
        );
        assert!(text.contains("kind:"), "{doc}: names no incident kind");
        for f in AI_RMF {
            assert!(
                text.contains(f),
                "{doc}: NIST AI RMF function {f} not mapped"
            );
        }
        for cloud in ["AWS", "Azure", "GCP"] {
            assert!(text.contains(cloud), "{doc}: no {cloud} notes");
        }
        assert!(
            techniques
                .find_iter(&text)
                .any(|m| known.atlas.get(m.as_str()).map(String::as_str) == Some("technique")),
            "{doc}: maps to no ATLAS technique"
        );
    }
}

fn section_body<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = text
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("no section {heading}"))
        + heading.len()
        + 5;
    let rest = &text[start..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

#[test]
fn playbook_doc_matches_the_code() {
    let known = Known::load();
    let text = read("docs/ai_incident_response_playbook.md");
    // Severity table rows: | `critical` | < 15 min | …
    let row = Regex::new(r"(?m)^\| `(critical|high|medium|low)` \| < (\d+) (min|h) \|").unwrap();
    let mut seen = BTreeSet::new();
    for c in row.captures_iter(&text) {
        let severity: Severity = serde_json::from_value(serde_json::json!(&c[1])).unwrap();
        let n: u64 = c[2].parse().unwrap();
        let secs = if &c[3] == "min" { n * 60 } else { n * 3600 };
        assert_eq!(
            severity.response_target().as_secs(),
            secs,
            "response target for {severity} in the playbook doc vs Severity::response_target"
        );
        seen.insert(c[1].to_string());
    }
    assert_eq!(seen.len(), 4, "severity table rows found: {seen:?}");
    // Every action and every default rule is described for the responder.
    for a in &known.actions {
        assert!(
            text.contains(&format!("action:{a}")),
            "playbook doc: action {a} not described"
        );
    }
    for r in known.rules.keys() {
        assert!(
            text.contains(&format!("rule:{r}")),
            "playbook doc: rule {r} not described"
        );
    }
    for k in &known.kinds {
        assert!(
            text.contains(&format!("kind:{k}")),
            "playbook doc: kind {k} not described"
        );
    }
    // OWASP Top 10 for LLM applications, 2025.
    for (id, name) in [
        ("LLM01", "Prompt Injection"),
        ("LLM02", "Sensitive Information Disclosure"),
        ("LLM03", "Supply Chain"),
        ("LLM04", "Data and Model Poisoning"),
        ("LLM05", "Improper Output Handling"),
        ("LLM06", "Excessive Agency"),
        ("LLM07", "System Prompt Leakage"),
        ("LLM08", "Vector and Embedding Weaknesses"),
        ("LLM09", "Misinformation"),
        ("LLM10", "Unbounded Consumption"),
    ] {
        assert!(
            text.contains(&format!("{id}:2025 {name}")),
            "playbook doc: OWASP {id}:2025 {name}"
        );
    }
    assert!(text.contains("72 hours"), "GDPR Art. 33 notice deadline");
}
