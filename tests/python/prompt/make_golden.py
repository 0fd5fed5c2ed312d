"""Regenerate shared/data/prompts/golden_verdicts.jsonl: the exact verdicts (bit patterns of score
and model score, label, reasons, signature) of a fixed sample - every hand-made prompt and every
20th jackhhao / promptshield prompt - that `verdicts_on_a_fixed_sample_are_unchanged` compares
against. Run it only after a deliberate, re-measured change of rules, model or combination.

Usage: python3 tests/python/prompt/make_golden.py PATH/TO/aiir [DATA_DIR]"""
import json
import os
import struct
import subprocess
import sys

SAMPLE = [("jackhhao_jailbreak.jsonl", 20), ("promptshield.jsonl", 20), ("aiir_handmade.jsonl", 1)]


def bits(x):
    # serde_json prints the shortest representation that parses back to the same f64.
    return str(struct.unpack("<Q", struct.pack("<d", float(x)))[0])


def main():
    aiir = sys.argv[1]
    data = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data", "prompts")
    out = []
    for name, every in SAMPLE:
        path = os.path.join(data, name)
        verdicts = subprocess.run([aiir, "scan", "--input", path], check=True, capture_output=True,
                                  text=True).stdout.splitlines()
        for v in map(json.loads, verdicts):
            if (v["line"] - 1) % every:
                continue
            out.append({"file": name, "line": v["line"], "score": v["score"], "model_score": v["model_score"],
                        "label": v["label"], "reasons": v["reasons"], "signature": v["signature"],
                        "score_bits": bits(v["score"]), "model_score_bits": bits(v["model_score"])})
    with open(os.path.join(data, "golden_verdicts.jsonl"), "w", encoding="utf-8") as f:
        for row in out:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(out)} verdicts written")


if __name__ == "__main__":
    main()
