#!/usr/bin/env python3
"""`terraform plan` + `apply` of the AWS module against moto, then a drill against what it made.

Run by `make infra-moto` (see mk/infra.mk). Steps:
  1. start the pinned moto server (.tools/venv-moto, with tests/moto_plugin) on a free port;
  2. `terraform init/plan/apply` infra/tests/moto (the module + a fixture AI deployment);
  3. `terraform output -json` -> <work>/outputs.json (what a drill reads);
  4. drill: `aiir-aws invoke --event events/aws/operator-drill.json` with the function's
     environment from the outputs and AWS_ENDPOINT_URL=moto; checks the report and that the
     resources Terraform created were used (blocklist item, audit record, state items);
  5. `terraform destroy`, stop moto.

Arguments: --terraform BIN --moto-python BIN --aiir-aws BIN --lambda-zip ZIP --work DIR.
Environment: TF_CLI_CONFIG_FILE (the offline provider mirror) is passed through.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "infra" / "tests" / "moto"
EVENT = ROOT / "events" / "aws" / "operator-drill.json"

# Off only here; the module's defaults stay on (README "What moto cannot do").
# moto serves plain HTTP only, and it evaluates bucket policies: the TLS-only deny would
# (correctly) refuse every audit write, so it is the one feature switched off for the run.
EMULATOR_OFF = {
    "deny_insecure_transport": "false",
}


# What `terraform destroy` must not take away (README: Deploy > Undo).
RETAINED = ["module.aiir.module.audit_bucket", "module.aiir.aws_kms_key.this", "module.aiir.aws_kms_alias.this"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto(python: str, work: Path):
    port = free_port()
    log = open(work / "moto.log", "w")
    proc = subprocess.Popen(
        [python, str(ROOT / "tests/moto_plugin/run_moto.py"), "--parent-pid", str(os.getpid()),
         "-H", "127.0.0.1", "-p", str(port)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"moto exited ({proc.returncode}); see {work / 'moto.log'}")
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    sys.exit("moto did not answer within 60 s")


def tf(args, terraform: str, work: Path, env: dict, check=True, capture=False):
    cmd = [terraform, f"-chdir={HARNESS}", *args]
    print("+", " ".join(cmd[1:]), flush=True)
    return subprocess.run(cmd, env=env, check=check, text=True,
                          stdout=subprocess.PIPE if capture else None)


def stub_zip(path: Path) -> Path:
    """moto stores the code and never runs it here: any zip with a `bootstrap` will do."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\necho 'aiir emulator stub: build the real zip with make package'\n")
    return path


def drill(aiir_aws: str, outputs: dict, url: str, work: Path) -> None:
    aiir = outputs["aiir"]["value"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AIIR_"))}
    env.update(aiir["environment"])
    env.update({
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    (work / "drill.env").write_text("".join(f"{k}={env[k]}\n" for k in sorted(aiir["environment"])))
    print(f"+ aiir-aws invoke --event {EVENT.relative_to(ROOT)}  (env: {work / 'drill.env'})", flush=True)
    run = subprocess.run([aiir_aws, "invoke", "--event", str(EVENT)], env=env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    (work / "drill-report.json").write_text(run.stdout)
    (work / "drill.log").write_text(run.stderr)
    if run.returncode != 0:
        sys.exit(f"drill failed ({run.returncode}):\n{run.stderr[-4000:]}")
    report = json.loads(run.stdout)
    incidents = report.get("incidents", [])
    if len(incidents) != 1:
        sys.exit(f"expected one incident from the drill, got {len(incidents)}")
    incident = incidents[0]
    steps = incident.get("steps", [])
    print(f"outcome: {incident.get('outcome')}; steps: "
          + ", ".join(f"{s['action']['type']}={s['status']}" for s in steps))
    if incident.get("outcome") != "contained":
        sys.exit("drill: the incident was not contained:\n" + json.dumps(steps, indent=1)[:4000])
    if any(s.get("status") == "failed" for s in steps):
        sys.exit("drill steps failed:\n" + json.dumps(steps, indent=1)[:4000])
    if "audit sink failed" in run.stderr:
        sys.exit("drill: audit records were not written to the audit bucket:\n" + run.stderr[-2000:])

    # The resources Terraform created were the ones used (boto3 comes with the moto venv).
    import boto3

    kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
              aws_secret_access_key="testing")
    ddb = boto3.client("dynamodb", **kw)
    s3 = boto3.client("s3", **kw)
    state_items = ddb.scan(TableName=aiir["state_table"])["Count"]
    blocked = ddb.scan(TableName=aiir["blocklist_table"])["Count"]
    audit = s3.list_objects_v2(Bucket=aiir["audit_bucket"]).get("KeyCount", 0)
    print(f"state items: {state_items}, blocklist items: {blocked}, audit records: {audit}")
    if state_items == 0 or audit == 0:
        sys.exit("the drill did not use the Terraform-created state table / audit bucket")
    if blocked == 0 and aiir["environment"].get("AIIR_DRY_RUN") != "true":
        sys.exit("block-prompt did not write to the blocklist table")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--terraform", required=True)
    p.add_argument("--moto-python", required=True)
    p.add_argument("--aiir-aws", required=True)
    p.add_argument("--lambda-zip", default="")
    p.add_argument("--work", required=True)
    p.add_argument("--keep", action="store_true", help="leave moto running and skip destroy")
    a = p.parse_args()

    work = Path(a.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    for old in ("terraform.tfstate", "terraform.tfstate.backup", "plan.tfplan", "outputs.json"):
        (work / old).unlink(missing_ok=True)  # a fresh moto has none of the old resources
    zip_path = Path(a.lambda_zip) if a.lambda_zip and Path(a.lambda_zip).exists() else stub_zip(work / "stub" / "bootstrap.zip")
    moto, url = start_moto(a.moto_python, work)
    env = dict(os.environ, TF_DATA_DIR=str(work / ".terraform"), TF_IN_AUTOMATION="1",
               TF_VAR_moto_url=url, TF_VAR_lambda_zip=str(zip_path))
    for k, v in EMULATOR_OFF.items():
        env[f"TF_VAR_{k}"] = v
    state = ["-state", str(work / "terraform.tfstate")]
    try:
        tf(["init", "-input=false", "-no-color", "-lockfile=readonly" if (HARNESS / ".terraform.lock.hcl").exists() else "-upgrade=false"], a.terraform, work, env)
        tf(["plan", "-input=false", "-no-color", "-out", str(work / "plan.tfplan"), *state], a.terraform, work, env)
        tf(["apply", "-input=false", "-no-color", "-auto-approve", *state[:0], "-state-out", str(work / "terraform.tfstate"), str(work / "plan.tfplan")], a.terraform, work, env)
        out = tf(["output", "-json", "-no-color", *state], a.terraform, work, env, capture=True)
        (work / "outputs.json").write_text(out.stdout)
        outputs = json.loads(out.stdout)
        print(f"outputs: {work / 'outputs.json'} ({len(outputs['aiir']['value']['alerting_rules'])} alerting rules)")
        drill(a.aiir_aws, outputs, url, work)
        if not a.keep:
            # The documented undo: the audit records (Object Lock COMPLIANCE) and the key they
            # are encrypted with outlive the deployment, so they leave the state first.
            for kept in RETAINED:
                tf(["state", "rm", "-no-color", *state, kept], a.terraform, work, env)
            tf(["destroy", "-input=false", "-no-color", "-auto-approve", *state], a.terraform, work, env)
        print("infra-moto: plan, apply, drill against the created resources, destroy: OK")
    finally:
        if not a.keep:
            moto.terminate()
            try:
                moto.wait(10)
            except subprocess.TimeoutExpired:
                moto.kill()


if __name__ == "__main__":
    main()
