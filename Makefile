# Two commands on a fresh machine:  make run   |   make test
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp-setup
TEST_STAMP := $(VENV)/.stamp-test
HOST ?= 127.0.0.1
PORT ?= 7860
# two workers (one test file each at a time: module fixtures are not built twice; the seed index is shared)
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: setup run serve index test eval bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# the distribution was called "rag" before it became "zhdocqa": a venv made then holds both
UNINSTALL_OLD = $(BIN)/pip uninstall -y -q rag >/dev/null 2>&1 || true

# core install: no torch, nothing downloaded at run time
$(STAMP): pyproject.toml | $(BIN)/python
	@$(UNINSTALL_OLD)
	$(BIN)/pip install -q -e .
	@touch $@

setup: $(STAMP)

# incremental: re-embeds only new or changed files; a no-op when seeds/ is unchanged
index: setup
	$(BIN)/rag index seeds/

run: index
	$(BIN)/rag serve --host $(HOST) --port $(PORT)

serve: run

# tests also need the optional backends (sentence-transformers on CPU torch 2.13.0, LLM client, Milvus Lite)
# and Debian's chromium for the browser tests (Playwright never downloads a browser here).
# One pip run installs the core and the extras (a superset of setup: its stamp is set too);
# nothing is reinstalled while pyproject.toml is unchanged.
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	@$(UNINSTALL_OLD)
	$(BIN)/pip install -q -e '.[test,st,llm,milvus]'
	@touch $(STAMP)
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "note: install Debian's chromium (sudo apt-get install chromium) for the browser tests"; fi; fi
	@touch $@

test: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# the gold-set evaluation; its report is the committed baseline under eval/baseline/
eval: index
	$(BIN)/rag eval --gold eval/gold.jsonl --out eval/baseline

bench: index
	$(BIN)/python benchmarks/bench_retrieval.py
	$(BIN)/python benchmarks/bench_scale.py --n 100000

clean:
	rm -rf $(VENV) index/*/ index/*.lock .pytest_cache
