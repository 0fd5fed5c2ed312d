//! The batched ADWIN against a straightforward value-by-value transcription of River's
//! algorithm (the implementation this one replaced): same detections, same saved state.
use super::Adwin;
use serde::{Deserialize, Serialize};

/// River's ADWIN, one value at a time, every boundary tested exactly.
#[derive(Serialize, Deserialize)]
struct Reference {
    delta: f64,
    clock: u32,
    max_buckets: usize,
    min_window_length: u32,
    grace_period: u32,
    total: f64,
    variance: f64,
    width: f64,
    tick: u64,
    rows: Vec<RefRow>,
    drift_detected: bool,
}

#[derive(Serialize, Deserialize)]
struct RefRow {
    totals: Vec<f64>,
    variances: Vec<f64>,
}

impl Reference {
    fn new(delta: f64, clock: u32, max_buckets: usize, mwl: u32, grace: u32) -> Self {
        Reference {
            delta,
            clock,
            max_buckets,
            min_window_length: mwl,
            grace_period: grace,
            total: 0.0,
            variance: 0.0,
            width: 0.0,
            tick: 0,
            rows: vec![RefRow {
                totals: vec![],
                variances: vec![],
            }],
            drift_detected: false,
        }
    }

    fn update(&mut self, x: f64) -> bool {
        if self.drift_detected {
            *self = Self::new(
                self.delta,
                self.clock,
                self.max_buckets,
                self.min_window_length,
                self.grace_period,
            );
        }
        self.rows[0].totals.push(x);
        self.rows[0].variances.push(0.0);
        self.width += 1.0;
        let mut inc = 0.0;
        if self.width > 1.0 {
            let d = x - self.total / (self.width - 1.0);
            inc = (self.width - 1.0) * d * d / self.width;
        }
        self.variance += inc;
        self.total += x;
        let mut i = 0;
        while self.rows[i].totals.len() == self.max_buckets + 1 {
            let n1 = (1u64 << i) as f64;
            let (t0, t1) = (self.rows[i].totals[0], self.rows[i].totals[1]);
            let (v0, v1) = (self.rows[i].variances[0], self.rows[i].variances[1]);
            let (m0, m1) = (t0 / n1, t1 / n1);
            let v = v0 + v1 + n1 * 0.5 * (m0 - m1) * (m0 - m1);
            if i + 1 == self.rows.len() {
                self.rows.push(RefRow {
                    totals: vec![],
                    variances: vec![],
                });
            }
            self.rows[i + 1].totals.push(t0 + t1);
            self.rows[i + 1].variances.push(v);
            self.rows[i].totals.drain(..2);
            self.rows[i].variances.drain(..2);
            if self.rows[i + 1].totals.len() <= self.max_buckets {
                break;
            }
            i += 1;
        }
        self.drift_detected = self.detect();
        self.drift_detected
    }

    fn detect(&mut self) -> bool {
        self.tick += 1;
        if self.tick % self.clock as u64 != 0 || self.width <= self.grace_period as f64 {
            return false;
        }
        let mwl = self.min_window_length as f64;
        let mut detected = false;
        'again: loop {
            let (mut n0, mut n1, mut u0, mut u1) = (0.0, self.width, 0.0, self.total);
            for i in (0..self.rows.len()).rev() {
                let size = (1u64 << i) as f64;
                let len = self.rows[i].totals.len();
                for k in 0..len {
                    n0 += size;
                    n1 -= size;
                    u0 += self.rows[i].totals[k];
                    u1 -= self.rows[i].totals[k];
                    if i == 0 && k == len - 1 {
                        break 'again;
                    }
                    let dm = u0 / n0 - u1 / n1;
                    let dp = (2.0 * self.width.ln() / self.delta).ln();
                    let m = 1.0 / (n0 - mwl + 1.0) + 1.0 / (n1 - mwl + 1.0);
                    let eps =
                        (2.0 * m * (self.variance / self.width) * dp).sqrt() + 2.0 / 3.0 * dp * m;
                    if n1 >= mwl && n0 >= mwl && dm.abs() > eps {
                        detected = true;
                        self.delete_oldest();
                        continue 'again;
                    }
                }
            }
            break;
        }
        detected
    }

    fn delete_oldest(&mut self) {
        let last = self.rows.len() - 1;
        let n = (1u64 << last) as f64;
        let (u, v) = (self.rows[last].totals[0], self.rows[last].variances[0]);
        let mu = u / n;
        self.width -= n;
        self.total -= u;
        let mu_w = self.total / self.width;
        self.variance -= v + n * self.width * (mu - mu_w) * (mu - mu_w) / (n + self.width);
        self.rows[last].totals.remove(0);
        self.rows[last].variances.remove(0);
        if self.rows[last].totals.is_empty() {
            self.rows.pop();
        }
    }
}

/// Small deterministic generator (tests only).
struct Lcg(u64);
impl Lcg {
    fn unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (a, b) = (self.unit().max(1e-300), self.unit());
        (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos()
    }
}

/// Streams with mean shifts at several scales and offsets (cancellation), 0/1 errors and
/// rounded integers; parameters from River's defaults to very sensitive settings.
#[test]
fn detections_and_state_match_river_order_reference() {
    let mut rng = Lcg(7);
    let mut detections = 0;
    for case in 0..72 {
        let n = 3000 + (rng.unit() * 12_000.0) as usize;
        let kind = case % 6;
        let (scale, offset) = [
            (1.0, 0.0),
            (1e-3, 5.0),
            (1e6, 1e7),
            (1e-8, 0.0),
            (1.0, 0.0),
            (1.0, 0.0),
        ][kind];
        let mut mean = 0.0;
        let values: Vec<f64> = (0..n)
            .map(|i| {
                if rng.unit() < 0.001 {
                    mean += rng.normal() * 2.0;
                }
                match kind {
                    4 => f64::from(u8::from(rng.unit() < 0.3 + 0.4 * ((i / 2000) % 2) as f64)),
                    5 => (rng.normal() * 3.0).round(),
                    _ => offset + scale * (mean + rng.normal()),
                }
            })
            .collect();
        let delta = [0.002, 0.05, 0.5, 1e-6, 0.2, 0.9][(case / 6) % 6];
        let clock = [32u32, 1, 8, 5][(case / 3) % 4];
        let max_buckets = [5usize, 2, 3, 10][(case / 5) % 4];
        let mwl = [5u32, 0, 1, 30][(case / 7) % 4];
        let grace = [10u32, 0, 50][(case / 11) % 3];
        let mut reference = Reference::new(delta, clock, max_buckets, mwl, grace);
        let expected: Vec<usize> = values
            .iter()
            .enumerate()
            .filter_map(|(i, &x)| reference.update(x).then_some(i))
            .collect();
        let mut ours = Adwin::new(delta, clock, max_buckets, mwl, grace);
        let mut got = Vec::new();
        let mut i = 0;
        while i < n {
            let k = (1 + (rng.unit() * 700.0) as usize).min(n - i);
            got.extend(ours.run(&values[i..i + k], i));
            if rng.unit() < 0.3 {
                let saved = serde_json::to_string(&ours).unwrap();
                ours = serde_json::from_str(&saved).unwrap();
            }
            i += k;
        }
        assert_eq!(got, expected, "case {case}: delta {delta} clock {clock} max_buckets {max_buckets} mwl {mwl} grace {grace}");
        assert_eq!(
            serde_json::to_value(&ours).unwrap(),
            serde_json::to_value(&reference).unwrap(),
            "case {case}: saved state differs"
        );
        detections += got.len();
    }
    assert!(
        detections > 100,
        "the streams should drift: {detections} detections"
    );
}

#[test]
fn update_and_run_agree() {
    let mut rng = Lcg(3);
    let values: Vec<f64> = (0..20_000)
        .map(|i| rng.normal() + if i > 9000 { 1.0 } else { 0.0 })
        .collect();
    let mut a = Adwin::default();
    let mut b = Adwin::default();
    let one_by_one: Vec<usize> = values
        .iter()
        .enumerate()
        .filter_map(|(i, &x)| a.update(x).then_some(i))
        .collect();
    assert_eq!(one_by_one, b.run(&values, 0));
    assert!(!one_by_one.is_empty());
}

#[test]
fn bad_states_are_errors_not_panics() {
    let mut d = Adwin::default();
    d.run(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], 0);
    let good = serde_json::to_value(&d).unwrap();
    let edits: [(&str, serde_json::Value); 6] = [
        ("clock", 0.into()),
        ("max_buckets", 0.into()),
        ("max_buckets", (1u64 << 40).into()),
        ("rows", serde_json::json!([])),
        (
            "rows",
            serde_json::json!([{"totals": [1.0], "variances": [2.0]}]),
        ),
        (
            "rows",
            serde_json::json!([{"totals": [1.0], "variances": []}]),
        ),
    ];
    for (field, value) in edits {
        let mut bad = good.clone();
        bad[field] = value;
        assert!(
            serde_json::from_value::<Adwin>(bad).is_err(),
            "{field} edit should be refused"
        );
    }
    let mut trailing = good.clone();
    trailing["rows"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"totals": [], "variances": []}));
    assert!(serde_json::from_value::<Adwin>(trailing).is_err());
}

/// River's own ADWIN panics with max_buckets = 1 once it deletes; this one keeps going.
#[test]
fn one_bucket_per_row_does_not_panic() {
    let mut rng = Lcg(5);
    let values: Vec<f64> = (0..5000)
        .map(|i| rng.normal() + if i > 2500 { 3.0 } else { 0.0 })
        .collect();
    let mut d = Adwin::new(0.5, 1, 1, 0, 0);
    assert!(!d.run(&values, 0).is_empty());
}

/// Feed `values` to the reference and (in uneven batches, with save/load round trips) to the
/// batched ADWIN; detections and the final state must agree.
fn agrees_with_reference(values: &[f64], params: (f64, u32, usize, u32, u32), seed: u64) -> usize {
    let (delta, clock, max_buckets, mwl, grace) = params;
    let mut reference = Reference::new(delta, clock, max_buckets, mwl, grace);
    let expected: Vec<usize> = values
        .iter()
        .enumerate()
        .filter_map(|(i, &x)| reference.update(x).then_some(i))
        .collect();
    let mut rng = Lcg(seed);
    let mut ours = Adwin::new(delta, clock, max_buckets, mwl, grace);
    let mut got = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let k = (1 + (rng.unit() * 5000.0) as usize).min(values.len() - i);
        got.extend(ours.run(&values[i..i + k], i));
        if rng.unit() < 0.05 {
            ours = serde_json::from_str(&serde_json::to_string(&ours).unwrap()).unwrap();
        }
        i += k;
    }
    assert_eq!(got, expected, "{params:?}");
    assert_eq!(
        serde_json::to_value(&ours).unwrap(),
        serde_json::to_value(&reference).unwrap(),
        "{params:?}: saved state differs"
    );
    got.len()
}

/// Long windows (many rows, so the carried-over row bounds and their ranges of means do the
/// work), slow and abrupt mean changes, a variance change, and parameters beyond the defaults.
#[test]
fn long_streams_match_reference() {
    let mut rng = Lcg(11);
    let n = 400_000;
    let values: Vec<f64> = (0..n)
        .map(|i| {
            let level = match i {
                0..=149_999 => 0.0,
                150_000..=249_999 => 0.002 * ((i - 150_000) as f64).sqrt(),
                _ => 0.3,
            };
            let spread = if i > 330_000 { 0.4 } else { 1.0 };
            level + spread * rng.normal()
        })
        .collect();
    let mut detections = 0;
    for (params, seed) in [
        ((0.002, 32, 5, 5, 10), 1),
        ((0.05, 7, 3, 1, 0), 2),
        ((0.002, 32, 40, 0, 10), 3),
        ((1e-5, 100, 5, 30, 50), 4),
    ] {
        detections += agrees_with_reference(&values, params, seed);
    }
    assert!(detections >= 4, "{detections} detections");
}

/// Values whose magnitude or spread leaves the ranges where the bounds are used (every
/// boundary then gets River's exact test), constant stretches (zero variance) and values
/// with a large offset (cancellation in the means).
#[test]
fn extreme_values_match_reference() {
    let mut rng = Lcg(13);
    for (scale, offset) in [
        (1e200, 0.0),
        (1e-200, 0.0),
        (1e-60, 1e-50),
        (1.0, 1e12),
        (0.0, 3.0),
    ] {
        let values: Vec<f64> = (0..20_000)
            .map(|i| {
                let shift = if (i / 4000) % 2 == 1 { 3.0 } else { 0.0 };
                let x = offset + scale * (shift + rng.normal());
                if i % 5000 < 1000 {
                    offset
                } else {
                    x
                }
            })
            .collect();
        agrees_with_reference(&values, (0.002, 32, 5, 5, 10), 5);
        agrees_with_reference(&values, (0.1, 1, 2, 0, 0), 6);
    }
}
