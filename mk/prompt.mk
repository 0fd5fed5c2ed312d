# Prompt and output anomaly detection (issue 4). Included by the root Makefile.
PROMPT_DATA := shared/data/prompts
PROMPT_VENV := .tools/venv-prompt-bench
PROMPT_AIIR = cargo run --release -q -p aiir-core --bin aiir --
PROMPT_INJ_TRAIN := $(PROMPT_DATA)/jackhhao_jailbreak.jsonl $(PROMPT_DATA)/promptshield.jsonl \
	$(PROMPT_DATA)/surge_as_benign.jsonl $(PROMPT_DATA)/aiir_benign_train.jsonl \
	$(PROMPT_DATA)/aiir_generalise_train.jsonl
PROMPT_TOX_TRAIN := shared/data/toxicity/surge_toxicity_en.jsonl shared/data/toxicity/prompts_as_nontoxic.jsonl

.PHONY: test-prompt eval-prompt bench-prompt train-prompt

# Accuracy / robustness / reproducibility are asserted by plain cargo tests.
test-prompt:
	cargo test -p aiir-core --lib detect::prompt
	cargo test -p aiir-core --test prompt_accuracy --test prompt_logline --test prompt_tuning -- --nocapture

eval-prompt:
	@echo "== prompt injection, held-out split (all training sources)"
	$(PROMPT_AIIR) eval --detector prompt-injection --split test --full $(addprefix --input ,$(PROMPT_INJ_TRAIN))
	@echo "== prompt injection, jackhhao only (length shortcut check)"
	$(PROMPT_AIIR) eval --detector prompt-injection --split test --full --input $(PROMPT_DATA)/jackhhao_jailbreak.jsonl
	@echo "== prompt injection, hand-made hard-benign + multilingual attacks (never trained on)"
	$(PROMPT_AIIR) eval --detector prompt-injection --full --input $(PROMPT_DATA)/aiir_handmade.jsonl
	@echo "== toxicity, held-out split"
	$(PROMPT_AIIR) eval --detector toxicity --split test $(addprefix --input ,$(PROMPT_TOX_TRAIN))

# Reproducible: same data + seed = same bytes (checked by prompt_accuracy's retrain test).
train-prompt:
	$(PROMPT_AIIR) train prompt-injection $(addprefix --input ,$(PROMPT_INJ_TRAIN)) \
		--out shared/models/prompt_injection.bin --known-attacks shared/models/known_attacks.bin
	$(PROMPT_AIIR) train toxicity $(addprefix --input ,$(PROMPT_TOX_TRAIN)) --out shared/models/toxicity.bin

$(PROMPT_VENV)/.ok: tests/python/prompt/requirements.txt tests/python/prompt/requirements-nodeps.txt
	python3 -m venv $(PROMPT_VENV)
	$(PROMPT_VENV)/bin/pip install -q -r tests/python/prompt/requirements.txt
	$(PROMPT_VENV)/bin/pip install -q --no-deps -r tests/python/prompt/requirements-nodeps.txt
	touch $@

bench-prompt: $(PROMPT_VENV)/.ok
	mkdir -p target/prompt-bench
	python3 -c "import json,sys; [print(json.dumps({'text': json.loads(l)['text']}, ensure_ascii=False)) for f in sys.argv[1:] for l in open(f, encoding='utf-8') if l.strip()]" \
		$(PROMPT_DATA)/jackhhao_jailbreak.jsonl $(PROMPT_DATA)/promptshield.jsonl $(PROMPT_DATA)/aiir_handmade.jsonl > target/prompt-bench/prompts.jsonl
	# cargo runs benches from the package directory: give the input as an absolute path.
	cargo bench -q -p aiir-core --bench prompt_bench -- $(CURDIR)/target/prompt-bench/prompts.jsonl > target/prompt-bench/aiir.json
	$(PROMPT_VENV)/bin/python tests/python/prompt/bench_peers.py target/prompt-bench/prompts.jsonl 20 > target/prompt-bench/peers.jsonl
	python3 tests/python/prompt/bench_compare.py target/prompt-bench/aiir.json target/prompt-bench/peers.jsonl
