//! The Cloud Storage emulator for the GCP drill: gcp-storage-emulator (pinned, `make venv-gcs`)
//! started through aiir's launcher (`tests/emulators/gcs/launcher.py`, which adds generation
//! preconditions, IAM etags and the download headers the official client needs), in memory, on
//! 127.0.0.1 on a free port. Killed when dropped.
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::http;
use crate::moto::repo_root;

/// Overrides the interpreter that runs the emulator (default `<repo>/.tools/venv-gcs/bin/python`).
pub const PYTHON_ENV: &str = "AIIR_GCS_PYTHON";

pub struct GcsEmulator {
    child: Child,
    port: u16,
    log: PathBuf,
}

fn python() -> Result<PathBuf> {
    let python = std::env::var_os(PYTHON_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tools/venv-gcs/bin/python"));
    if !python.exists() {
        bail!(
            "the Cloud Storage emulator is not installed: {} does not exist. Run `make venv-gcs` \
             (gcp-storage-emulator pinned in tests/emulators/gcs/requirements.txt), or point \
             {PYTHON_ENV} at a Python that has it.",
            python.display()
        );
    }
    Ok(python)
}

impl GcsEmulator {
    /// Start the emulator and wait until it answers (at most 60 s).
    pub async fn start() -> Result<Self> {
        let python = python()?;
        let port = TcpListener::bind(("127.0.0.1", 0))
            .and_then(|l| l.local_addr())
            .context("no free port on 127.0.0.1")?
            .port();
        let log = std::env::temp_dir().join(format!("aiir-gcs-emulator-{port}.log"));
        let out =
            std::fs::File::create(&log).with_context(|| format!("create {}", log.display()))?;
        let err = out.try_clone()?;
        let child = Command::new(&python)
            .arg(repo_root().join("tests/emulators/gcs/launcher.py"))
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--in-memory",
            ])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("start the storage emulator with {}", python.display()))?;
        let mut emulator = Self { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = http::request(port, "GET", "/", &[], "").await {
                if r.status == 200 {
                    return Ok(emulator);
                }
            }
            if let Ok(Some(status)) = emulator.child.try_wait() {
                bail!(
                    "storage emulator exited with {status}; log:\n{}",
                    emulator.log_tail()
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "storage emulator did not answer on port {port} within 60 s; log:\n{}",
                    emulator.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for GcsEmulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
