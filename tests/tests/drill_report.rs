//! The drill report writers on constructed outcomes (real core types): the Markdown summary
//! table, the text table's columns, HTML escaping of attacker text, one chart per run.
#[path = "drill_report/fixture.rs"]
mod fixture;

use aiir_e2e::drill::report::{self, html, markdown, SUMMARY_COLUMNS};
use aiir_e2e::drill::SCENARIOS;
use fixture::{all, attack_at, CLOUDS, FAILING, HOSTILE_PROMPT};

fn table_rows(md: &str) -> Vec<Vec<String>> {
    // The summary table is the first table in the file: from its header to the first blank line.
    md.lines()
        .skip_while(|l| !l.starts_with("| scenario |"))
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn markdown_summary_has_one_row_per_run_with_measured_times() {
    let md = markdown::render(&all(), attack_at());
    let rows = table_rows(&md);
    assert_eq!(rows[0], SUMMARY_COLUMNS.map(String::from).to_vec());
    assert_eq!(rows.len(), 2 + 12, "header, separator, 12 runs:\n{md}");
    // Steps start 55 ms after the attack, take 30, 47, 64, 81 ms with 5 ms gaps; the incident
    // is classified at 40 ms.
    assert!(rows.contains(
        &["prompt-injection", "aws", "1", "3/3", "40", "206", "pass"]
            .map(String::from)
            .to_vec()
    ));
    assert!(rows.contains(
        &["model-drift", "azure", "1", "2/2", "40", "137", "pass"]
            .map(String::from)
            .to_vec()
    ));
    // The failing run: last step failed, so 3 of 4 contained and containment at the third.
    assert!(rows.contains(
        &[
            "compromised-weights",
            "gcp",
            "1",
            "3/4",
            "40",
            "206",
            "FAIL"
        ]
        .map(String::from)
        .to_vec()
    ));
    for cloud in CLOUDS {
        for s in SCENARIOS {
            let n = rows[2..]
                .iter()
                .filter(|r| r[0] == s.name && r[1] == cloud.as_str())
                .count();
            assert_eq!(n, 1, "{} on {}", s.name, cloud.as_str());
        }
    }
}

#[test]
fn markdown_details_per_run() {
    let md = markdown::render(&all(), attack_at());
    assert_eq!(
        md.matches("\n## ").count(),
        1 + 12,
        "summary + one section per run"
    );
    assert!(md.contains("## Compromised model weights on gcp — FAIL"));
    assert!(md.contains("### Remediation workflow (actions run)"));
    assert!(md.contains("PERMISSION_DENIED: caller lacks storage.buckets.update"));
    assert!(md.contains("- [ ] gcp state shows containment"));
    assert!(md.contains("- [x] undo restored every step"));
    assert!(md.contains("aws emulator on 127.0.0.1"));
    assert!(
        md.contains("| 85 | containment | block-prompt: applied |"),
        "{md}"
    );
}

#[test]
fn text_table_has_the_markdown_columns_and_values() {
    let outcomes = all();
    let text = report::text_table(&outcomes);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 12);
    let mut at = 0;
    for column in SUMMARY_COLUMNS {
        // Same columns, same order.
        at += lines[0][at..]
            .find(column)
            .unwrap_or_else(|| panic!("column {column} in {:?}", lines[0]));
    }
    let md_rows = table_rows(&markdown::render(&outcomes, attack_at()));
    for (line, md_row) in lines[1..].iter().zip(&md_rows[2..]) {
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells, md_row.iter().map(String::as_str).collect::<Vec<_>>());
    }
}

#[test]
fn attacker_text_is_escaped_everywhere() {
    let outcomes = all();
    let page = html::render(&outcomes, attack_at());
    assert!(
        !page.to_lowercase().contains("<script"),
        "no script reaches the page"
    );
    assert!(page.contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;"));
    assert!(page.contains("| exfiltrate &amp; &quot;dump&quot;"));
    let md = markdown::render(&outcomes, attack_at());
    assert!(!md.contains("<script"));
    assert!(md.contains("&lt;script&gt;alert('pwned')&lt;/script&gt; \\| exfiltrate &amp;"));
    assert!(
        HOSTILE_PROMPT.contains("<script>"),
        "the fixture carries markup"
    );
    assert_eq!(
        html::escape(r#"<a href='x'>&"</a>"#),
        "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
    );
    assert_eq!(markdown::cell("a|b\nc<d>"), "a\\|b c&lt;d&gt;");
}

#[test]
fn html_has_a_summary_row_and_a_chart_per_run() {
    let outcomes = all();
    let page = html::render(&outcomes, attack_at());
    assert_eq!(page.matches("<tr class=\"run ").count(), 12);
    assert_eq!(page.matches("<svg class=\"timeline-chart\"").count(), 12);
    for o in &outcomes {
        let (scenario, cloud) = (o.scenario.name, o.cloud.as_str());
        let fail = (scenario, o.cloud) == FAILING;
        let row = format!(
            "<tr class=\"run {0}\" data-scenario=\"{scenario}\" data-cloud=\"{cloud}\" data-result=\"{0}\">",
            if fail { "fail" } else { "pass" }
        );
        assert!(page.contains(&row), "{row}");
        // The run's section holds its chart with one bar per action step.
        let start = page
            .find(&format!(
                "<section class=\"card run-detail {}\" id=\"run-{scenario}-{cloud}\"",
                if fail { "fail" } else { "pass" }
            ))
            .unwrap_or_else(|| panic!("section for {scenario} on {cloud}"));
        let section = &page[start..start + page[start..].find("</section>").unwrap()];
        let chart = &section[section.find("<svg").unwrap()..section.find("</svg>").unwrap()];
        assert_eq!(chart.matches("<rect ").count(), o.scenario.workflow.len());
        assert!(chart.contains("attack 0 ms"));
        assert!(chart.contains("detected 40 ms"));
        assert!(chart.contains("contained "));
        assert!(
            section.contains("<span class=\"chip atlas\">AML.T"),
            "ATLAS ids shown"
        );
        assert!(
            section.contains("<span class=\"phase phase-detection-and-analysis\">"),
            "NIST phases shown"
        );
    }
    assert!(page.contains("tone-bad"), "the failed step is marked");
}

#[test]
fn html_is_self_contained() {
    let page = html::render(&all(), attack_at());
    for external in ["src=", "<link", "@import", "url(", "href=\"http", "<iframe"] {
        assert!(
            !page.contains(external),
            "page must not fetch: found {external}"
        );
    }
}

#[test]
fn write_produces_json_markdown_and_html() {
    let dir = fixture::temp_dir("report-write");
    let outcomes = all();
    report::write(&dir, &outcomes).unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("drill-report.json")).unwrap()).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 12);
    assert_eq!(json[0]["scenario"]["name"], "prompt-injection");
    let md = std::fs::read_to_string(dir.join("drill-report.md")).unwrap();
    assert_eq!(table_rows(&md).len(), 14);
    let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn write_reports_an_unwritable_directory() {
    let dir = fixture::temp_dir("report-blocked");
    let file = dir.join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = report::write(&file, &all()).unwrap_err();
    assert!(format!("{err:#}").contains("not-a-dir"), "{err:#}");
    std::fs::remove_dir_all(&dir).unwrap();
}
