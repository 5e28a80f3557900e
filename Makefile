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

.PHONY: setup run serve index test eval eval-tables train bench clean

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

# tests also need the optional backends (sentence-transformers on CPU torch 2.13.0, LLM client, Milvus Lite, OCR),
# Debian's chromium for the browser tests (Playwright never downloads a browser here)
# and Debian's fonts-noto-cjk to render the scanned test pages.
# One pip run installs the core and the extras (a superset of setup: its stamp is set too);
# nothing is reinstalled while pyproject.toml is unchanged.
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	@$(UNINSTALL_OLD)
	$(BIN)/pip install -q -e '.[test,st,llm,milvus,ocr]'
	@touch $(STAMP)
	@missing=""; [ -x /usr/bin/chromium ] || missing="chromium"; \
	  [ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing="$$missing fonts-noto-cjk"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	    else echo "note: install Debian's $$missing (sudo apt-get install $$missing) for the browser and OCR tests"; fi; fi
	@touch $@

test: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# every eval set (dev, test, external dev, tables, conversations), the current reader beside the stock
# baseline: the committed baseline under eval/baseline/ (summary.md side by side). The external and table
# sets' indexes are built under index/ the first time (a few minutes), then only brought up to date.
# The table set holds a scanned page, so this installs the OCR extra too.
eval: $(TEST_STAMP) index
	$(BIN)/rag eval --all --reader current --reader baseline --out eval/baseline --records slim

# only the table sets, after regenerating their documents (Word, PDF, Excel, CSV, web page, scan)
eval-tables: $(TEST_STAMP)
	$(BIN)/python eval/tables/make_docs.py
	$(BIN)/rag eval --set tables-dev --set tables-test --out eval/runs/tables

# retrain the offline reader (rag/data/reader_model.json.gz) from the external train splits and the
# project dev split; prints the dev metrics. Seeded: the same data gives the same model.
train: index
	$(BIN)/python eval/train_reader.py

bench: index
	$(BIN)/python benchmarks/bench_retrieval.py
	$(BIN)/python benchmarks/bench_scale.py --n 100000

clean:
	rm -rf $(VENV) index/*/ index/*.lock .pytest_cache
