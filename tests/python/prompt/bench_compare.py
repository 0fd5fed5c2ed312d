"""Side-by-side benchmark (`make bench-prompt`): aiir's prompt pipeline and the Python peers on
the same prompts, in one run, one core each. Prints a table with the throughput ratio.

Usage: bench_compare.py AIIR_BENCH_JSON PEERS_JSONL"""
import json
import sys

aiir = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
peers = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{\"tool\"")]
full = aiir["full_prompt_pipeline"]
print(f"data: {aiir['texts']} prompts, {aiir['bytes'] / 1e6:.2f} MB (same file for every tool), 1 thread each")
print(f"{'tool':<34}{'prompts/s':>12}{'MB/s/core':>11}{'load ms':>10}{'peak RSS MB':>13}{'aiir is x faster':>18}")
print(f"{'aiir full prompt pipeline':<34}{full['prompts_per_s']:>12.0f}{full['mb_per_s']:>11.2f}"
      f"{aiir['model_load_ms']['median']:>10.2f}{aiir['peak_rss_mb'] or 0:>13.1f}{'':>18}")
for stage, v in aiir["stages"].items():
    print(f"{'  aiir stage: ' + stage:<34}{v['prompts_per_s']:>12.0f}{v['mb_per_s']:>11.2f}")
for p in peers:
    ratio = full["mb_per_s"] / p["mb_per_s"] if p["mb_per_s"] > 0 else float("inf")
    print(f"{p['tool']:<34}{p['prompts_per_s']:>12.2f}{p['mb_per_s']:>11.4f}{p['load_ms']:>10.1f}"
          f"{p['peak_rss_mb']:>13.1f}{ratio:>17.0f}x")
