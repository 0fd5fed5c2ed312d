"""Write the generalisation data of the prompt-injection detector from the hand-written rows in
generalise/:

- shared/data/prompts/aiir_generalise_train.jsonl: training rows (benign prompt-engineering talk,
  quoted / meta text, documents with trigger words, role-play, device jailbreaking, benign
  multilingual; attacks: indirect, multilingual, polite extraction, tool hijack, hypothetical
  framings, paraphrased overrides, personas, markdown exfiltration, many-shot);
- shared/data/prompts/aiir_dev_generalise.jsonl: a development set in the same categories,
  worded separately, never trained on;
- shared/data/prompts/aiir_dev2_generalise.jsonl: a second development set, written after the
  rules were adjusted on the first one's errors and measured once at the end.

Deterministic (no randomness). Fails if a development row is a near-copy of a training row.
Usage: python3 tests/python/prompt/make_generalise_data.py [OUT_DIR]"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generalise import (  # noqa: E402
    dev2_rows,
    dev_rows,
    train_attack_direct,
    train_attack_indirect,
    train_attack_more,
    train_attack_multilingual,
    train_benign_documents,
    train_benign_games,
    train_benign_llmdev,
    train_benign_more,
    train_benign_multilingual,
    train_benign_quoted,
    train_benign_roleplay,
)

TRAIN = [
    ("aiir/gen-benign-llmdev", 0, train_benign_llmdev.ROWS + train_benign_more.LLMDEV),
    ("aiir/gen-benign-quoted", 0, train_benign_quoted.ROWS + train_benign_more.QUOTED),
    ("aiir/gen-benign-documents", 0, train_benign_documents.ROWS + train_benign_more.DOCS),
    ("aiir/gen-benign-roleplay", 0, train_benign_roleplay.ROLEPLAY + train_benign_roleplay.DEVICES + train_benign_games.ROWS),
    ("aiir/gen-benign-multilingual", 0, train_benign_multilingual.ROWS),
    ("aiir/gen-attack-indirect", 1, train_attack_indirect.ROWS + train_attack_more.INDIRECT),
    ("aiir/gen-attack-multilingual", 1, train_attack_multilingual.ROWS + train_attack_more.MULTILINGUAL),
    ("aiir/gen-attack-direct", 1, train_attack_direct.ROWS + train_attack_more.DIRECT),
]


def shingles(text, k=5):
    s = "".join(c for c in text.lower() if c.isalnum())
    return {s[i:i + k] for i in range(max(1, len(s) - k + 1))}


def write(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for text, label, source in rows:
            f.write(json.dumps({"text": text, "label": label, "source": source}, ensure_ascii=False) + "\n")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data", "prompts")
    train = [(t, label, src) for src, label, ts in TRAIN for t in ts]
    dev = [(t, 0, f"aiir/dev-benign-{k}") for k, ts in dev_rows.BENIGN.items() for t in ts]
    dev += [(t, 1, f"aiir/dev-attack-{k}") for k, ts in dev_rows.ATTACK.items() for t in ts]
    dev2 = [(t, 0, f"aiir/dev2-benign-{k}") for k, ts in dev2_rows.BENIGN.items() for t in ts]
    dev2 += [(t, 1, f"aiir/dev2-attack-{k}") for k, ts in dev2_rows.ATTACK.items() for t in ts]
    seen = {}
    for t, _, _ in train + dev + dev2:
        if t in seen:
            sys.exit(f"duplicate row: {t!r}")
        seen[t] = True
    train_sh = [shingles(t) for t, _, _ in train]
    for t, _, _ in dev + dev2:
        s = shingles(t)
        for (u, _, _), su in zip(train, train_sh):
            j = len(s & su) / max(1, len(s | su))
            if j >= 0.5:
                sys.exit(f"dev row too close to a training row (Jaccard {j:.2f}):\n  {t!r}\n  {u!r}")
    write(os.path.join(out, "aiir_generalise_train.jsonl"), train)
    write(os.path.join(out, "aiir_dev_generalise.jsonl"), dev)
    write(os.path.join(out, "aiir_dev2_generalise.jsonl"), dev2)
    print(f"train: {sum(1 for r in train if r[1] == 0)} benign / {sum(1 for r in train if r[1] == 1)} attacks; "
          f"dev: {sum(1 for r in dev if r[1] == 0)} benign / {sum(1 for r in dev if r[1] == 1)} attacks; "
          f"dev2: {sum(1 for r in dev2 if r[1] == 0)} benign / {sum(1 for r in dev2 if r[1] == 1)} attacks")


if __name__ == "__main__":
    main()
