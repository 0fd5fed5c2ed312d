//! Every dashboard query names a metric aiir emits (`aiir_core::metrics::METRICS`, namespace
//! `aiir`): the Grafana dashboards in `infra/dashboards/*.json` and the CloudWatch dashboard
//! template of the AWS module (`infra/aws/dashboard.json.tftpl`), the Azure workbook
//! (`infra/azure/workbook.tf`) and the GCP Monitoring dashboard (`infra/gcp/dashboard.tf`, whose
//! charts must select log-based metrics the module defines from aiir metric lines). A dashboard
//! without panels, a panel without a query, or a query naming any other metric or namespace,
//! fails the test.
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

// ---- Terraform-built dashboards (Azure workbook, GCP Monitoring dashboard) ----
//
// Both are `jsonencode(...)` of locals in the module. The test evaluates the module's HCL
// (locals, variable defaults, resource references as placeholders) with the few Terraform
// functions those locals use, so it checks the JSON Terraform would deploy.

/// The module's `.tf` files (or one edited file in place of its original), parsed.
fn module(dir: &str, edited: Option<(&str, &str)>) -> Vec<hcl::Body> {
    let mut bodies = Vec::new();
    for entry in std::fs::read_dir(infra().join(dir)).expect("module directory") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "tf") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = match edited {
            Some((file, text)) if file == name => text.to_string(),
            _ => std::fs::read_to_string(&path).unwrap(),
        };
        bodies.push(hcl::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
    }
    bodies
}

fn tf_func(name: &str, args: hcl::eval::FuncArgs) -> Result<hcl::Value, String> {
    use hcl::Value;
    let args = args.into_values();
    match (name, args.as_slice()) {
        ("jsonencode", [v]) => serde_json::to_string(v)
            .map(Value::from)
            .map_err(|e| e.to_string()),
        ("join", [Value::String(sep), Value::Array(items)]) => Ok(items
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or("join of a non-string"))
            .collect::<Result<Vec<_>, _>>()?
            .join(sep)
            .into()),
        ("floor", [Value::Number(n)]) => Ok(n.as_f64().unwrap_or(0.0).floor().into()),
        ("toset", [Value::Array(items)]) => {
            let mut set: Vec<Value> = Vec::new();
            for i in items {
                if !set.contains(i) {
                    set.push(i.clone());
                }
            }
            Ok(Value::Array(set))
        }
        ("lower", [Value::String(s)]) => Ok(s.to_lowercase().into()),
        ("concat", lists) => {
            let mut all = Vec::new();
            for l in lists {
                all.extend(l.as_array().ok_or("concat of a non-list")?.iter().cloned());
            }
            Ok(Value::Array(all))
        }
        _ => Err(format!("{name}: unsupported call")),
    }
}

/// Evaluation context: Terraform functions, `var` (defaults, else the variable's name),
/// `local` (every local that evaluates) and `TYPE.NAME.{id,name}` placeholders per resource.
fn tf_context(bodies: &[hcl::Body]) -> (hcl::eval::Context<'static>, Vec<String>) {
    use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
    use hcl::{Map, Value};
    fn func(f: hcl::eval::Func) -> FuncDef {
        FuncDef::builder().variadic_param(ParamType::Any).build(f)
    }
    let mut base = Context::new();
    base.declare_func("jsonencode", func(|a: FuncArgs| tf_func("jsonencode", a)));
    base.declare_func("join", func(|a: FuncArgs| tf_func("join", a)));
    base.declare_func("floor", func(|a: FuncArgs| tf_func("floor", a)));
    base.declare_func("toset", func(|a: FuncArgs| tf_func("toset", a)));
    base.declare_func("lower", func(|a: FuncArgs| tf_func("lower", a)));
    base.declare_func("concat", func(|a: FuncArgs| tf_func("concat", a)));

    let blocks = || bodies.iter().flat_map(|b| b.blocks());
    let mut vars = Map::new();
    let mut resources: Map<String, Value> = Map::new();
    let mut pending = Vec::new();
    for b in blocks() {
        let labels: Vec<&str> = b.labels().iter().map(|l| l.as_str()).collect();
        match (b.identifier(), labels.as_slice()) {
            ("variable", [name]) => {
                let default = b
                    .body()
                    .attributes()
                    .find(|a| a.key() == "default")
                    .and_then(|a| a.expr().evaluate(&base).ok())
                    .filter(|v| !v.is_null())
                    .unwrap_or_else(|| Value::from(*name));
                vars.insert(name.to_string(), default);
            }
            ("resource", [kind, name]) => {
                let mut attrs = Map::new();
                attrs.insert("id".into(), Value::from(format!("{kind}.{name}.id")));
                attrs.insert("name".into(), Value::from(format!("{kind}.{name}.name")));
                if let Some(Value::Object(o)) = resources
                    .entry(kind.to_string())
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .map(|o| Value::Object(std::mem::take(o)))
                    .map(|mut v| {
                        v.as_object_mut()
                            .unwrap()
                            .insert(name.to_string(), Value::Object(attrs));
                        v
                    })
                {
                    resources.insert(kind.to_string(), Value::Object(o));
                }
            }
            ("locals", []) => pending.extend(b.body().attributes()),
            _ => {}
        }
    }
    base.declare_var("var", Value::Object(vars));
    for (kind, value) in resources {
        base.declare_var(kind, value);
    }
    // Locals refer to each other: evaluate in rounds until no more resolve.
    let mut locals = Map::new();
    loop {
        let mut ctx = base.clone();
        ctx.declare_var("local", Value::Object(locals.clone()));
        let before = pending.len();
        let mut unresolved = Vec::new();
        pending.retain(|a| match a.expr().evaluate(&ctx) {
            Ok(v) => {
                locals.insert(a.key().to_string(), v);
                false
            }
            Err(e) => {
                unresolved.push(format!("local.{}: {e}", a.key()));
                true
            }
        });
        if pending.len() == before {
            base.declare_var("local", Value::Object(locals));
            return (base, unresolved);
        }
    }
}

/// The JSON a resource attribute holds once evaluated (`data_json`, `dashboard_json`).
fn tf_json(bodies: &[hcl::Body], kind: &str, attr: &str) -> Value {
    use hcl::eval::Evaluate;
    let (ctx, unresolved) = tf_context(bodies);
    let block = bodies
        .iter()
        .flat_map(|b| b.blocks())
        .find(|b| b.identifier() == "resource" && b.labels()[0].as_str() == kind)
        .unwrap_or_else(|| panic!("no {kind} resource"));
    let expr = block
        .body()
        .attributes()
        .find(|a| a.key() == attr)
        .unwrap_or_else(|| panic!("{kind} has no {attr}"))
        .expr();
    let text = expr
        .evaluate(&ctx)
        .unwrap_or_else(|e| panic!("{kind}.{attr}: {e}\n  {}", unresolved.join("\n  ")));
    serde_json::from_str(text.as_str().expect("a JSON string")).expect("valid JSON")
}

fn azure_workbook(edited: Option<(&str, &str)>) -> Value {
    tf_json(
        &module("azure", edited),
        "azurerm_application_insights_workbook",
        "data_json",
    )
}

/// The aiir metric names a KQL query over the metric lines selects
/// (`metric == "X"`, `metric in ("X", "Y")`, `metric` being `tostring(m.aiir_metric)`).
fn kql_metrics(query: &str) -> Vec<String> {
    let eq = Regex::new(r#"\bmetric\s*==\s*"([^"]*)""#).unwrap();
    let within = Regex::new(r#"\bmetric\s+in\s*\(([^)]*)\)"#).unwrap();
    let quoted = Regex::new(r#""([^"]*)""#).unwrap();
    let mut names: Vec<String> = eq.captures_iter(query).map(|c| c[1].to_string()).collect();
    for c in within.captures_iter(query) {
        names.extend(quoted.captures_iter(&c[1]).map(|q| q[1].to_string()));
    }
    names
}

/// Problems in a workbook (`Notebook/1.0`): every query item reads aiir's metric lines and
/// names only metrics aiir emits.
fn workbook_problems(workbook: &Value) -> Vec<String> {
    fn walk<'a>(items: &'a Value, out: &mut Vec<&'a Value>) {
        for i in items.as_array().into_iter().flatten() {
            out.push(i);
            // Group items (type 12) hold their own items.
            walk(&i["content"]["items"], out);
        }
    }
    let mut items = Vec::new();
    walk(&workbook["items"], &mut items);
    let mut problems = Vec::new();
    let mut panels = 0;
    for item in items {
        let name = item["name"].as_str().unwrap_or("?");
        match item["type"].as_i64() {
            // Text and groups carry no query of their own.
            Some(1 | 12) => continue,
            Some(3) => {}
            t => {
                problems.push(format!("item {name:?}: type {t:?} is not a KQL query item"));
                continue;
            }
        }
        panels += 1;
        let query = item["content"]["query"].as_str().unwrap_or("");
        if !query.contains("aiir_metric") {
            problems.push(format!("item {name:?} does not read aiir metric lines"));
        }
        let names = kql_metrics(query);
        if names.is_empty() {
            problems.push(format!("item {name:?}: query names no metric"));
        }
        for n in names.iter().filter(|n| !emitted(n)) {
            problems.push(format!("item {name:?}: {n} is not a metric aiir emits"));
        }
    }
    if panels == 0 {
        problems.push("no query items".into());
    }
    problems
}

/// `google_logging_metric` names the module defines from an aiir metric line, with that
/// metric: the filter selects samples named X and the value extractor reads X's value.
fn gcp_log_metrics(bodies: &[hcl::Body]) -> Vec<(String, String)> {
    use hcl::eval::Evaluate;
    use hcl::{Map, Value};
    let (ctx, _) = tf_context(bodies);
    let sample = Regex::new(r#"\\"name\\":\\"([A-Za-z0-9_]+)\\""#).unwrap();
    let mut found = Vec::new();
    for b in bodies.iter().flat_map(|b| b.blocks()) {
        if b.identifier() != "resource" || b.labels()[0].as_str() != "google_logging_metric" {
            continue;
        }
        let attr = |ctx: &hcl::eval::Context, key: &str| {
            b.body()
                .attributes()
                .find(|a| a.key() == key)
                .and_then(|a| a.expr().evaluate(ctx).ok())
        };
        let each: Vec<Value> = match attr(&ctx, "for_each") {
            Some(Value::Array(items)) => items,
            Some(Value::Object(o)) => o.keys().map(|k| Value::from(k.as_str())).collect(),
            _ => vec![Value::Null],
        };
        for key in each {
            let mut ctx = ctx.clone();
            let mut e = Map::new();
            e.insert("key".into(), key.clone());
            e.insert("value".into(), key);
            ctx.declare_var("each", Value::Object(e));
            let text = |k: &str| attr(&ctx, k).and_then(|v| v.as_str().map(str::to_string));
            let (Some(name), Some(filter), Some(value)) =
                (text("name"), text("filter"), text("value_extractor"))
            else {
                continue;
            };
            let names = |s: &str| -> Vec<String> {
                sample.captures_iter(s).map(|c| c[1].to_string()).collect()
            };
            if let ([from], [read]) = (names(&filter).as_slice(), names(&value).as_slice()) {
                if from == read && emitted(from) && filter.contains(r#""aiir metrics""#) {
                    found.push((name, from.clone()));
                }
            }
        }
    }
    found
}

/// Metric names a PromQL query selects: identifiers that are not functions, keywords,
/// labels (inside `{}` or grouping clauses) or ranges.
fn promql_metrics(query: &str) -> Vec<String> {
    let strip = [
        Regex::new(r#""(?:[^"\\]|\\.)*""#).unwrap(),
        Regex::new(r"\{[^}]*\}").unwrap(),
        Regex::new(r"\[[^\]]*\]").unwrap(),
        Regex::new(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)").unwrap(),
    ];
    let mut q = query.to_string();
    for re in &strip {
        q = re.replace_all(&q, " ").into_owned();
    }
    let ident = Regex::new(r"(?:^|[^A-Za-z0-9_.:])([A-Za-z_:][A-Za-z0-9_:]*)\s*(\(?)").unwrap();
    ident
        .captures_iter(&q)
        .filter(|c| c[2].is_empty())
        .map(|c| c[1].to_string())
        .filter(|n| {
            !matches!(
                n.as_str(),
                "by" | "without" | "bool" | "and" | "or" | "unless" | "offset" | "inf" | "nan"
            )
        })
        .collect()
}

/// Problems in a Cloud Monitoring dashboard: every tile's queries select log-based metrics
/// the module defines from aiir metrics (`log_metrics`).
fn monitoring_problems(dashboard: &Value, log_metrics: &[(String, String)]) -> Vec<String> {
    let user = Regex::new(r"^logging_googleapis_com:user_(\w+?)(?:_(sum|count|bucket))?$").unwrap();
    let metric_type = Regex::new(r#"metric\.type\s*=\s*"([^"]*)""#).unwrap();
    let defined = |n: &str| log_metrics.iter().any(|(l, _)| l == n);
    let mut problems = Vec::new();
    let mut tiles: Vec<&Value> = Vec::new();
    for layout in ["mosaicLayout", "gridLayout", "rowLayout", "columnLayout"] {
        let l = &dashboard[layout];
        tiles.extend(
            l["tiles"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| &t["widget"]),
        );
        tiles.extend(l["widgets"].as_array().into_iter().flatten());
        for part in ["rows", "columns"] {
            for r in l[part].as_array().into_iter().flatten() {
                tiles.extend(r["widgets"].as_array().into_iter().flatten());
            }
        }
    }
    if tiles.is_empty() {
        problems.push("no tiles".into());
    }
    for w in tiles {
        let title = w["title"].as_str().unwrap_or("?");
        if w.get("text").is_some() || w.get("sectionHeader").is_some() {
            continue;
        }
        let sets = w["xyChart"]["dataSets"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let queries: Vec<Value> = if sets.is_empty() {
            vec![
                w["scorecard"].clone(),
                w["timeSeriesTable"]["dataSets"][0].clone(),
            ]
            .into_iter()
            .filter(|v| !v.is_null())
            .collect()
        } else {
            sets
        };
        if queries.is_empty() {
            problems.push(format!("tile {title:?} has no query"));
        }
        for set in queries {
            let q = &set["timeSeriesQuery"];
            let mut names = Vec::new();
            if let Some(p) = q["prometheusQuery"].as_str() {
                for m in promql_metrics(p) {
                    // Distributions come as NAME_sum/_count/_bucket; NAME itself may end so.
                    let log_metric = user.captures(&m).map(|c| {
                        let full = m.trim_start_matches("logging_googleapis_com:user_");
                        if defined(full) {
                            full.to_string()
                        } else {
                            c[1].to_string()
                        }
                    });
                    names.push((m.clone(), log_metric));
                }
            } else if let Some(f) = q["timeSeriesFilter"]["filter"].as_str() {
                for c in metric_type.captures_iter(f) {
                    let log = c[1].strip_prefix("logging.googleapis.com/user/");
                    names.push((c[1].to_string(), log.map(str::to_string)));
                }
            } else {
                problems.push(format!("tile {title:?}: unsupported query {q}"));
                continue;
            }
            if names.is_empty() {
                problems.push(format!("tile {title:?}: query names no metric: {q}"));
            }
            for (m, log) in names {
                if !log.is_some_and(|l| defined(&l)) {
                    problems.push(format!(
                        "tile {title:?}: {m} is not a log-based metric defined from an aiir metric"
                    ));
                }
            }
        }
    }
    problems
}

fn gcp_dashboard(edited: Option<(&str, &str)>) -> (Value, Vec<(String, String)>) {
    let bodies = module("gcp", edited);
    let dashboard = tf_json(&bodies, "google_monitoring_dashboard", "dashboard_json");
    (dashboard, gcp_log_metrics(&bodies))
}

#[test]
fn azure_workbook_queries_emitted_metrics() {
    let workbook = azure_workbook(None);
    let problems = workbook_problems(&workbook);
    assert!(
        problems.is_empty(),
        "infra/azure/workbook.tf:\n  {}",
        problems.join("\n  ")
    );
    // Same panels as the Grafana dashboard.
    let titles = workbook.to_string().to_lowercase();
    for needed in [
        "drift",
        "prompt anomal",
        "latency",
        "throughput",
        "guardrail",
        "ir alerts",
    ] {
        assert!(titles.contains(needed), "no {needed} item in the workbook");
    }
}

#[test]
fn gcp_dashboard_queries_log_metrics_of_emitted_metrics() {
    let (dashboard, log_metrics) = gcp_dashboard(None);
    // Every aiir metric has its log-based metric, so any of them can be charted.
    for (m, _) in METRICS {
        assert!(
            log_metrics.iter().any(|(_, from)| from == m),
            "no log-based metric for {m} in {log_metrics:?}"
        );
    }
    let problems = monitoring_problems(&dashboard, &log_metrics);
    assert!(
        problems.is_empty(),
        "infra/gcp/dashboard.tf:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn azure_and_gcp_checkers_report_unknown_metrics_and_empty_dashboards() {
    // Workbook: a panel over a made-up metric, then no query items at all.
    let text = std::fs::read_to_string(infra().join("azure/workbook.tf")).unwrap();
    let edited = text.replace(
        r#"metrics = ["AlertToContainedMs"]"#,
        r#"metrics = ["TokensPerSecond"]"#,
    );
    assert_ne!(edited, text);
    let problems = workbook_problems(&azure_workbook(Some(("workbook.tf", &edited))));
    assert!(
        problems.iter().any(|p| p.contains("TokensPerSecond")),
        "{problems:?}"
    );
    let mut workbook = azure_workbook(None);
    workbook["items"] = serde_json::json!([workbook["items"][0]]);
    assert!(workbook_problems(&workbook)
        .iter()
        .any(|p| p.contains("no query items")));

    // GCP: a log-based metric for a made-up aiir metric is defined but is not an aiir metric;
    // a chart over it, or over the DLP log metric (not an aiir metric line), is reported.
    let text = std::fs::read_to_string(infra().join("gcp/dashboard.tf")).unwrap();
    let edited = text.replace(
        r#""AlertsRejected", "DetectorFindings","#,
        r#""AlertsRejected", "DetectorFindings", "TokensPerSecond","#,
    );
    assert_ne!(edited, text);
    let (dashboard, log_metrics) = gcp_dashboard(Some(("dashboard.tf", &edited)));
    assert!(!log_metrics
        .iter()
        .any(|(l, _)| l.contains("TokensPerSecond")));
    for made_up in ["TokensPerSecond_sum", "dlp_matches"] {
        let json = dashboard.to_string().replace("Escalations_sum", made_up);
        let problems = monitoring_problems(&serde_json::from_str(&json).unwrap(), &log_metrics);
        assert!(
            problems.iter().any(|p| p.contains(made_up)),
            "{made_up}: {problems:?}"
        );
    }
    let mut empty = dashboard.clone();
    empty["mosaicLayout"]["tiles"] = serde_json::json!([]);
    assert!(monitoring_problems(&empty, &log_metrics)
        .iter()
        .any(|p| p.contains("no tiles")));
}
