"""The Python + boto3 baseline for the cold-start benchmark.

It does what `aiir-aws invoke --plan-only` does, the way a Python responder would: build the
SDK clients, load and check the playbook, parse one alert, classify it and plan the actions
(dry-run: no call to AWS). Prints one JSON line like the Rust binary's plan.
"""
import json
import os
import sys
import time
import tomllib

import boto3


def load_playbook(path):
    with open(path, "rb") as f:
        text = f.read().decode()
    # ${VAR} and ${VAR:-default} interpolation, as aiir does.
    out, i = [], 0
    while True:
        j = text.find("${", i)
        if j < 0:
            out.append(text[i:])
            break
        k = text.index("}", j)
        name, _, default = text[j + 2 : k].partition(":-")
        out.append(text[i:j])
        out.append(os.environ.get(name) or default)
        i = k + 1
    return tomllib.loads("".join(out))


def parse_alert(payload):
    if "Records" in payload:  # CloudWatch alarm through SNS
        message = json.loads(payload["Records"][0]["Sns"]["Message"])
        return {
            "title": message["AlarmName"],
            "status": {"ALARM": "firing", "OK": "resolved"}.get(message["NewStateValue"], "informational"),
            "labels": {"metric_name": message.get("Trigger", {}).get("MetricName", "")},
        }
    raise ValueError("unknown alert")


def glob(pattern, text):
    import fnmatch

    return fnmatch.fnmatchcase(text, pattern)


def plan(playbook, alert):
    kind, severity = playbook["defaults"]["kind"], playbook["defaults"]["severity"]
    for c in playbook.get("classify", []):
        m = c["match"]
        if "title" in m and not glob(m["title"], alert["title"]):
            continue
        if any(not glob(v, alert["labels"].get(k, "")) for k, v in m.get("labels", {}).items()):
            continue
        kind, severity = c["kind"], c["severity"]
        break
    order = ["critical", "high", "medium", "low"]
    steps = []
    for rule in playbook["rules"]:
        m = rule["match"]
        if m.get("kinds") and kind not in m["kinds"]:
            continue
        if "min_severity" in m and order.index(severity) > order.index(m["min_severity"]):
            continue
        steps += [{"rule": rule["name"], "type": a["type"], "mode": "dry-run"} for a in rule["actions"]]
    return kind, severity, steps


def main():
    event_path, playbook_path = sys.argv[1], sys.argv[2]
    session = boto3.session.Session(region_name=os.environ.get("AWS_REGION", "us-east-1"))
    clients = {name: session.client(name) for name in ("sagemaker", "wafv2", "secretsmanager", "s3", "dynamodb", "sns", "lambda")}
    playbook = load_playbook(playbook_path)
    with open(event_path) as f:
        alert = parse_alert(json.load(f))
    kind, severity, steps = plan(playbook, alert)
    print(json.dumps({"kind": kind, "severity": severity, "steps": steps, "clients": len(clients)}))


if __name__ == "__main__":
    main()
