# Two commands on a fresh machine:  make run   |   make test
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp-setup
TEST_STAMP := $(VENV)/.stamp-test
HOST ?= 127.0.0.1
PORT ?= 7860
PYTEST_ARGS ?=

.PHONY: setup run serve index test eval bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# core install: no torch, nothing downloaded at run time
$(STAMP): pyproject.toml | $(BIN)/python
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
# and Debian's chromium for the browser tests (Playwright never downloads a browser here)
$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install -q -e '.[test,st,llm,milvus]'
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "note: install Debian's chromium (sudo apt-get install chromium) for the browser tests"; fi; fi
	@touch $@

test: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# every eval set (dev, test, external dev), the current reader beside the stock baseline: the committed
# baseline under eval/baseline/ (summary.md side by side). The external sets' indexes are built under
# index/ the first time (a few minutes), then only brought up to date.
eval: index
	$(BIN)/rag eval --all --reader current --reader baseline --out eval/baseline --records slim

bench: index
	$(BIN)/python benchmarks/bench_retrieval.py
	$(BIN)/python benchmarks/bench_scale.py --n 100000

clean:
	rm -rf $(VENV) index/*/ index/*.lock .pytest_cache
