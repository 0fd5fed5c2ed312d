//! Every dashboard query names a metric aiir emits (`aiir_core::metrics::METRICS`, namespace
//! `aiir`): the Grafana dashboards in `infra/dashboards/*.json` and the CloudWatch dashboard
//! template of the AWS module (`infra/aws/dashboard.json.tftpl`). A panel without a query, or
//! a query naming any other metric or namespace, fails the test.
use std::path::{Path, PathBuf};

use aiir_core::metrics::{METRICS, NAMESPACE};
use regex::Regex;
use serde_json::Value;

fn infra() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra")
}

fn emitted(name: &str) -> bool {
    METRICS.iter().any(|(n, _)| *n == name)
}

/// Problems in one Grafana dashboard (empty: every panel queries emitted metrics).
fn grafana_problems(dashboard: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut panels: Vec<&Value> = Vec::new();
    for p in dashboard["panels"].as_array().into_iter().flatten() {
        panels.push(p);
        // Collapsed rows keep their panels inside.
        panels.extend(p["panels"].as_array().into_iter().flatten());
    }
    if panels.is_empty() {
        problems.push("no panels".into());
    }
    for p in panels {
        let title = p["title"].as_str().unwrap_or("?");
        if matches!(p["type"].as_str(), Some("row" | "text")) {
            continue;
        }
        let targets = p["targets"].as_array().cloned().unwrap_or_default();
        if targets.is_empty() {
            problems.push(format!("panel {title:?} has no query"));
        }
        for t in targets {
            match (t["namespace"].as_str(), t["metricName"].as_str()) {
                (Some(NAMESPACE), Some(m)) if emitted(m) => {}
                (ns, m) => problems.push(format!(
                    "panel {title:?}: query {ns:?}/{m:?} is not a metric aiir emits"
                )),
            }
        }
    }
    problems
}

/// Problems in a CloudWatch dashboard body.
fn cloudwatch_problems(body: &Value) -> Vec<String> {
    let search = Regex::new(r#"SEARCH\(\s*'\{([^,}]+)[^}]*\}([^']*)'"#).unwrap();
    let metric_name = Regex::new(r#"MetricName\s*=\s*"([^"]+)""#).unwrap();
    let mut problems = Vec::new();
    for w in body["widgets"].as_array().into_iter().flatten() {
        if w["type"] != "metric" {
            continue;
        }
        let title = w["properties"]["title"].as_str().unwrap_or("?");
        let lines = w["properties"]["metrics"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if lines.is_empty() {
            problems.push(format!("widget {title:?} has no metrics"));
        }
        for line in lines {
            let items = line.as_array().cloned().unwrap_or_default();
            match items.first() {
                // ["aiir", "MetricName", dims...]
                Some(Value::String(ns)) => {
                    let m = items.get(1).and_then(Value::as_str).unwrap_or("");
                    if ns != NAMESPACE || !emitted(m) {
                        problems.push(format!(
                            "widget {title:?}: {ns}/{m} is not a metric aiir emits"
                        ));
                    }
                }
                // [{ "expression": "... SEARCH('{aiir,Cloud,Kind} MetricName=\"X\"', ...) ..." }]
                Some(Value::Object(o)) => {
                    let expr = o.get("expression").and_then(Value::as_str).unwrap_or("");
                    let searches: Vec<_> = search.captures_iter(expr).collect();
                    if searches.is_empty() {
                        problems.push(format!(
                            "widget {title:?}: expression names no metric: {expr}"
                        ));
                    }
                    for c in searches {
                        let names: Vec<_> = metric_name.captures_iter(&c[2]).collect();
                        if &c[1] != NAMESPACE || names.is_empty() {
                            problems.push(format!("widget {title:?}: search outside namespace aiir or without MetricName: {expr}"));
                        }
                        for n in names {
                            if !emitted(&n[1]) {
                                problems.push(format!(
                                    "widget {title:?}: {} is not a metric aiir emits",
                                    &n[1]
                                ));
                            }
                        }
                    }
                }
                _ => problems.push(format!("widget {title:?}: unreadable metric line {line}")),
            }
        }
    }
    problems
}

/// The module's template with its Terraform placeholders filled in.
fn cloudwatch_template() -> Value {
    let text = std::fs::read_to_string(infra().join("aws/dashboard.json.tftpl"))
        .expect("infra/aws/dashboard.json.tftpl");
    let text = text.replace("${alarms}", "[]");
    let text = Regex::new(r"\$\{(\w+)\}").unwrap().replace_all(&text, "$1");
    serde_json::from_str(&text).expect("dashboard template is JSON once filled in")
}

fn grafana_dashboards() -> Vec<(String, Value)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(infra().join("dashboards")).expect("infra/dashboards") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            let json =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            found.push((path.display().to_string(), json));
        }
    }
    assert!(
        !found.is_empty(),
        "no Grafana dashboards in infra/dashboards"
    );
    found
}

#[test]
fn grafana_panels_query_emitted_metrics() {
    for (path, dashboard) in grafana_dashboards() {
        let problems = grafana_problems(&dashboard);
        assert!(problems.is_empty(), "{path}:\n  {}", problems.join("\n  "));
    }
}

#[test]
fn grafana_dashboard_has_the_required_panels() {
    let (_, dashboard) = grafana_dashboards()
        .into_iter()
        .find(|(p, _)| p.ends_with("aiir-overview.json"))
        .expect("aiir-overview.json");
    let titles: Vec<String> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap_or("").to_lowercase())
        .collect();
    for needed in [
        "drift",
        "prompt-anomaly heatmap",
        "latency",
        "throughput",
        "guardrail",
        "ir alerts",
    ] {
        assert!(
            titles.iter().any(|t| t.contains(needed)),
            "no {needed} panel in {titles:?}"
        );
    }
}

#[test]
fn cloudwatch_dashboard_queries_emitted_metrics() {
    let problems = cloudwatch_problems(&cloudwatch_template());
    assert!(
        problems.is_empty(),
        "infra/aws/dashboard.json.tftpl:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn a_query_for_a_metric_aiir_does_not_emit_fails() {
    let (_, mut dashboard) = grafana_dashboards().remove(0);
    dashboard["panels"][0]["targets"][0]["metricName"] = "TokensPerSecond".into();
    assert!(grafana_problems(&dashboard)
        .iter()
        .any(|p| p.contains("TokensPerSecond")));

    let mut body = cloudwatch_template();
    let text = body.to_string().replace("IncidentsHandled", "ModelLatency");
    body = serde_json::from_str(&text).unwrap();
    assert!(cloudwatch_problems(&body)
        .iter()
        .any(|p| p.contains("ModelLatency")));

    let text = cloudwatch_template()
        .to_string()
        .replace("{aiir,", "{AWS/SageMaker,");
    assert!(!cloudwatch_problems(&serde_json::from_str(&text).unwrap()).is_empty());
}
