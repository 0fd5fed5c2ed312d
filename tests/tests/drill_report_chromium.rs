//! The drill report's `index.html` opened in headless Chromium (Debian `chromium`): the DOM the
//! browser builds has one summary row per scenario × cloud, a chart per run, and the attacker's
//! markup as text. `make test-report` installs Chromium first; without it this test fails.
#[path = "drill_report/fixture.rs"]
mod fixture;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use aiir_e2e::drill::report;
use aiir_e2e::drill::SCENARIOS;
use fixture::{all, CLOUDS, FAILING};

fn chromium() -> PathBuf {
    let path = PathBuf::from(
        std::env::var("AIIR_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
    );
    assert!(
        path.exists(),
        "Chromium not found at {}: run `make chromium` (installs Debian's chromium) or set \
         AIIR_CHROMIUM to a Chromium binary. This test does not skip.",
        path.display()
    );
    path
}

/// Runs headless Chromium on `page` with `extra` flags, a fresh profile, no network services.
fn run_chromium(page: &Path, profile: &Path, extra: &[String]) -> Vec<u8> {
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(format!("file://{}", page.display()))
    // Files, not pipes: the DOM is larger than a pipe's buffer, and an unread pipe would block
    // the browser while we wait for it.
    .stdout(std::fs::File::create(profile.with_extension("out")).expect("stdout file"))
    .stderr(std::fs::File::create(profile.with_extension("err")).expect("stderr file"));
    let mut child = cmd.spawn().expect("start chromium");
    // A hung browser must fail the test, not hang it.
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("wait for chromium").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = child.wait().expect("chromium status");
    let stderr = std::fs::read_to_string(profile.with_extension("err")).unwrap_or_default();
    assert!(status.success(), "chromium failed ({status}): {stderr}");
    std::fs::read(profile.with_extension("out")).expect("chromium stdout")
}

#[test]
fn chromium_renders_the_report() {
    let dir = fixture::temp_dir("report-chromium");
    let outcomes = all();
    report::write(&dir, &outcomes).unwrap();
    let page = dir.join("index.html");

    let dom = run_chromium(&page, &dir.join("profile-dom"), &["--dump-dom".into()]);
    let dom = String::from_utf8(dom).expect("DOM is UTF-8");
    assert!(
        dom.contains("<table id=\"summary-table\">"),
        "summary table in the DOM"
    );
    // Chromium re-parents misplaced table content; counting rows inside the tbody checks the
    // page parsed as written.
    let tbody = &dom[dom.find("<tbody>").unwrap()..dom.find("</tbody>").unwrap()];
    assert_eq!(tbody.matches("<tr class=\"run ").count(), 12, "{tbody}");
    for cloud in CLOUDS {
        for s in SCENARIOS {
            let result = if (s.name, cloud) == FAILING {
                "fail"
            } else {
                "pass"
            };
            let row = format!(
                "<tr class=\"run {result}\" data-scenario=\"{}\" data-cloud=\"{}\" data-result=\"{result}\">",
                s.name,
                cloud.as_str()
            );
            assert_eq!(tbody.matches(&row).count(), 1, "{row}");
        }
    }
    assert_eq!(dom.matches("<svg class=\"timeline-chart\"").count(), 12);
    assert_eq!(
        dom.matches("<rect ").count(),
        outcomes
            .iter()
            .map(|o| o.scenario.workflow.len())
            .sum::<usize>(),
        "one bar per action step"
    );
    // The attacker's markup stayed text: no script element, the text shown escaped.
    assert!(!dom.to_lowercase().contains("<script"), "no script element");
    assert!(dom.contains("&lt;script&gt;alert('pwned')&lt;/script&gt;"));

    let shot = std::env::temp_dir().join("aiir-drill-report.png");
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        &page,
        &dir.join("profile-shot"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2400".into(),
        ],
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    assert_eq!(width, 1280);
    // A blank page compresses to a few KB; tables, text and charts do not.
    assert!(png.len() > 40_000, "screenshot only {} bytes", png.len());
    println!("screenshot: {}", shot.display());
    std::fs::remove_dir_all(&dir).unwrap();
}
