//! `aiir playbook check`: the cold-start validation, offline, with the field and the fix.
use std::process::Command;

fn aiir(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_aiir"))
        .args(args)
        .env_clear()
        .output()
        .expect("run aiir");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const REQUIRED: &[&str] = &[
    "--env",
    "AIIR_BLOCKLIST=guardrail-blocklist",
    "--env",
    "AIIR_QUARANTINE_BUCKET=quarantine",
    "--env",
    "AIIR_KMS_KEY=arn:aws:kms:eu-west-1:111122223333:key/1234",
    "--env",
    "AIIR_NOTIFY_TOPIC=arn:aws:sns:eu-west-1:111122223333:oncall",
];

#[test]
fn default_playbook_with_its_settings_is_valid() {
    let mut args = vec!["playbook", "check", "-"];
    args.extend_from_slice(REQUIRED);
    let (code, stdout, stderr) = aiir(&args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("valid"), "{stdout}");
    assert!(stdout.contains("rule(s)"), "{stdout}");
}

#[test]
fn a_missing_setting_is_named_with_its_fix() {
    let (code, _, stderr) = aiir(&["playbook", "check"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("AIIR_NOTIFY_TOPIC"), "{stderr}");
    assert!(stderr.contains("fix:"), "{stderr}");
}

#[test]
fn a_bad_file_names_the_field() {
    let dir = std::env::temp_dir().join(format!("aiir-playbook-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(
        &path,
        "version = 1\n[[rules]]\nname = \"r\"\nmatch = { kinds = [\"model-drift\"] }\n  [[rules.actions]]\n  type = \"reboot-universe\"\n",
    )
    .unwrap();
    let (code, _, stderr) = aiir(&["playbook", "check", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("reboot-universe"), "{stderr}");
    let (code, _, stderr) = aiir(&["playbook", "check", "--env", "NOEQUALS"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("NAME=VALUE"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}
