//! CloudWatch Embedded Metric Format: one JSON line on stdout per incident, which Lambda's
//! log pipeline turns into metrics without a PutMetricData call on the hot path.
use aiir_core::metrics::{Sample, Unit, NAMESPACE};
use serde_json::{json, Map, Value};

pub fn line(samples: &[Sample], kind: &str, now_ms: i64) -> String {
    let definitions: Vec<Value> = samples
        .iter()
        .map(|s| {
            json!({ "Name": s.name, "Unit": match s.unit { Unit::Count => "Count", Unit::Milliseconds => "Milliseconds" } })
        })
        .collect();
    let mut root = Map::new();
    root.insert(
        "_aws".into(),
        json!({
            "Timestamp": now_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Cloud", "Kind"]],
                "Metrics": definitions,
            }]
        }),
    );
    root.insert("Cloud".into(), json!("aws"));
    root.insert("Kind".into(), json!(kind));
    for s in samples {
        root.insert(s.name.into(), json!(s.value));
    }
    Value::Object(root).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiir_core::metrics::rejected_sample;

    #[test]
    fn emf_line_declares_every_metric_it_carries() {
        let text = line(&[rejected_sample()], "unknown", 1_700_000_000_000);
        let v: Value = serde_json::from_str(&text).unwrap();
        let declared = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(declared["Namespace"], "aiir");
        assert_eq!(declared["Metrics"][0]["Name"], "AlertsRejected");
        assert_eq!(v["AlertsRejected"], 1.0);
        assert_eq!(v["Cloud"], "aws");
        assert_eq!(v["_aws"]["Timestamp"], 1_700_000_000_000i64);
    }
}
