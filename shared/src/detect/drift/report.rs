//! Self-contained HTML drift report: a table like Evidently's and, per column, an inline SVG of
//! the reference and current distributions (histogram on shared Sturges edges, or value shares).
use std::fmt::Write;
use std::path::Path;

use super::binning::{histogram, sturges_edges};
use super::dataset::{ColumnInput, DatasetDrift};
use super::values::{joint_counts, Values};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn shares(c: &ColumnInput) -> (Vec<String>, Vec<f64>, Vec<f64>) {
    match (&c.reference, &c.current) {
        (Values::Num { values: r, .. }, Values::Num { values: k, .. })
            if c.reference.nunique() > 20 =>
        {
            let all: Vec<f64> = r.iter().chain(k.iter()).copied().collect();
            let edges = sturges_edges(&all, false);
            let hr = histogram(r, &edges);
            let hc = histogram(k, &edges);
            let labels = edges
                .windows(2)
                .map(|w| format!("{:.4}–{:.4}", w[0], w[1]))
                .collect();
            (
                labels,
                hr.iter().map(|&x| x as f64 / r.len() as f64).collect(),
                hc.iter().map(|&x| x as f64 / k.len() as f64).collect(),
            )
        }
        _ => {
            let cnt = joint_counts(&c.reference, &c.current);
            let (rn, cn) = (c.reference.len() as f64, c.current.len() as f64);
            (
                cnt.keys.iter().map(|k| k.to_string()).collect(),
                cnt.reference.iter().map(|&x| x as f64 / rn).collect(),
                cnt.current.iter().map(|&x| x as f64 / cn).collect(),
            )
        }
    }
}

fn svg(c: &ColumnInput) -> String {
    let (labels, r, k) = shares(c);
    let n = labels.len().max(1);
    let (w, h) = (640.0, 180.0);
    let max = r.iter().chain(k.iter()).copied().fold(1e-12, f64::max);
    let bw = w / n as f64;
    let mut s = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{}' role='img'>",
        h + 20.0
    );
    for (i, label) in labels.iter().enumerate() {
        let x = i as f64 * bw;
        let hr = r[i] / max * h;
        let hk = k[i] / max * h;
        let _ = write!(
            s,
            "<g><title>{}: reference {:.4}, current {:.4}</title><rect x='{:.1}' y='{:.1}' width='{:.1}' height='{:.1}' fill='#4c78a8'/><rect x='{:.1}' y='{:.1}' width='{:.1}' height='{:.1}' fill='#e45756'/></g>",
            esc(label), r[i], k[i], x + 1.0, h - hr, (bw / 2.0 - 1.0).max(0.5), hr, x + bw / 2.0, h - hk, (bw / 2.0 - 1.0).max(0.5), hk
        );
    }
    let _ = write!(s, "<text x='0' y='{}' font-size='11'>{}</text><text x='{}' y='{}' font-size='11' text-anchor='end'>{}</text></svg>", h + 15.0, esc(labels.first().map_or("", |x| x)), w, h + 15.0, esc(labels.last().map_or("", |x| x)));
    s
}

pub fn html_report(
    r: &DatasetDrift,
    cols: &[ColumnInput],
    reference: &Path,
    current: &Path,
) -> String {
    let mut s = String::from("<!doctype html><html><head><meta charset='utf-8'><title>aiir data drift report</title><style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.yes{color:#b00;font-weight:bold}.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}</style></head><body>");
    let _ = write!(
        s,
        "<h1>Data drift report</h1><p>Reference: <code>{}</code> — current: <code>{}</code></p><h2 class='{}'>Dataset drift: {} ({} of {} columns, share {:.3}, drift share {})</h2>",
        esc(&reference.display().to_string()), esc(&current.display().to_string()),
        if r.dataset_drift { "yes" } else { "no" },
        if r.dataset_drift { "DETECTED" } else { "not detected" },
        r.number_of_drifted_columns, r.number_of_columns, r.share_of_drifted_columns, r.drift_share
    );
    s.push_str("<table><tr><th>column</th><th>type</th><th>stattest</th><th>statistic</th><th>p_value</th><th>threshold</th><th>drifted</th></tr>");
    let num = |x: Option<f64>| x.map_or("–".to_string(), |v| format!("{v:.6}"));
    for c in &r.columns {
        let _ = write!(s, "<tr><td><a href='#c-{0}'>{0}</a></td><td>{1}</td><td>{2}</td><td>{3}</td><td>{4}</td><td>{5}</td><td class='{6}'>{6}</td></tr>",
            esc(&c.column), c.column_type.as_str(), esc(c.stattest.display_name()), num(c.statistic), num(c.p_value), c.threshold, if c.drifted { "yes" } else { "no" });
    }
    s.push_str("</table><p class='legend'><span style='background:#4c78a8'></span>reference<span style='background:#e45756'></span>current</p>");
    for (c, res) in cols.iter().zip(&r.columns) {
        let _ = write!(
            s,
            "<h3 id='c-{0}'>{0} — {1}</h3>{2}",
            esc(&c.name),
            if res.drifted {
                "drift detected"
            } else {
                "no drift"
            },
            svg(c)
        );
    }
    for k in &r.skipped {
        let _ = write!(
            s,
            "<p>Skipped <b>{}</b>: {}</p>",
            esc(&k.column),
            esc(&k.reason)
        );
    }
    s.push_str("</body></html>\n");
    s
}
