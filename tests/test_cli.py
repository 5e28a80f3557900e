"""The ``rag`` console script, run as a real subprocess against the session seed index."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED_000 = "seeds/000_0be71c8bf9467bc8.txt"
DAOCHENG = "000_0be71c8bf9467bc8.txt"
QUESTION = "稻城县2014年审定贫困村多少个？"


def rag_cmd() -> list[str]:
    script = Path(sys.executable).parent / "rag"
    return [str(script)] if script.exists() else [sys.executable, "-m", "rag.cli"]


def run(args: list[str], index_dir: Path, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(RAG_INDEX_DIR=str(index_dir), PYTHONIOENCODING="utf-8", HF_HUB_OFFLINE="1")
    return subprocess.run(rag_cmd() + args, cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", timeout=timeout)


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout


def error_lines(proc: subprocess.CompletedProcess) -> list[str]:
    return [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]


@pytest.fixture(scope="module")
def index_dir(seed_index) -> Path:
    return Path(seed_index.index_dir)


@pytest.fixture(scope="module")
def name(seed_index) -> str:
    return seed_index.index_name


def test_search_json(index_dir, name):
    proc = run(["search", QUESTION, "--name", name, "--json", "-k", "5"], index_dir)
    assert proc.returncode == 0, proc.stderr
    no_traceback(proc)
    rows = json.loads(proc.stdout)
    assert isinstance(rows, list) and len(rows) == 5
    for row in rows:
        assert {"rank", "doc", "chunk_id", "section", "text", "score"} <= set(row)
        assert isinstance(row["score"], float) and row["score"] > 0
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
    top = rows[0]
    assert top["doc"] == DAOCHENG and "55" in top["text"] and "审定贫困村55个" in top["text"]
    assert top["section"].endswith("一、基本情况")


def test_search_plain_text(index_dir, name):
    proc = run(["search", "貧困縣精準識別貧困村42個", "--name", name, "-k", "2"], index_dir)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("[1] 001_b897b2bc94b4a626.txt")
    assert "[2] " in proc.stdout and "dense #" in proc.stdout and "bm25 #" in proc.stdout


def test_ask_json(index_dir, name):
    proc = run(["ask", QUESTION, "--name", name, "--json", "--passages"], index_dir)
    assert proc.returncode == 0, proc.stderr
    no_traceback(proc)
    ans = json.loads(proc.stdout)
    assert ans["question"] == QUESTION
    assert ans["refused"] is False
    assert "55" in ans["answer"]
    assert ans["citations"] and ans["citations"][0]["doc"] == DAOCHENG
    assert "55" in ans["citations"][0]["quote"]
    assert ans["grounded"] is True
    assert ans["retrieved"] and ans["retrieved"][0]["doc"] == DAOCHENG
    assert ans["timings"]["total_ms"] > 0


def test_chunk_json():
    proc = run(["chunk", SEED_000, "--json"], ROOT / "index")  # needs no index
    assert proc.returncode == 0, proc.stderr
    no_traceback(proc)
    rows = json.loads(proc.stdout)
    assert len(rows) >= 10
    text = (ROOT / SEED_000).read_text(encoding="utf-8")
    for r in rows:
        assert {"id", "source", "section", "page", "start", "end", "length", "text"} <= set(r)
        assert r["source"] == DAOCHENG and r["length"] == len(r["text"]) <= 1000
        assert text[r["start"]] == r["text"][0]
    assert len({r["id"] for r in rows}) == len(rows)
    hit = [r for r in rows if "贫困户1268户" in r["text"]]
    assert len(hit) == 1 and hit[0]["section"].endswith("一、基本情况")


def test_chunk_is_quiet_on_stderr():
    """BUG (rag/normalize.py _word_spans_boundary): it imports jieba without lexical._jieba()'s
    setLogLevel(WARNING), so `rag chunk` / `rag index` print jieba's DEBUG start-up chatter on stderr at
    default verbosity (twice: jieba's own handler and the root handler from logging.basicConfig)."""
    proc = run(["chunk", SEED_000, "--json"], ROOT / "index")
    assert proc.returncode == 0
    assert "DEBUG" not in proc.stderr, proc.stderr


def test_index_corrupt_pdf(tmp_path):
    bad = tmp_path / "corrupt.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nthis is not a real pdf\n%%EOF")
    proc = run(["index", str(bad), "--name", "cli", "-q"], tmp_path / "index", cwd=tmp_path)
    assert proc.returncode != 0
    no_traceback(proc)
    errs = error_lines(proc)
    assert errs and all("corrupt.pdf" in ln for ln in errs)
    assert "corrupt" in errs[0].lower()


def test_index_partial_run_reports_and_indexes_the_good_file(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "corrupt.pdf").write_bytes(b"%PDF-1.4\ngarbage\n%%EOF")
    (docs / "note.txt").write_text("稻城县简报\n\n2014年审定贫困村55个、贫困户1268户、贫困人口5614人。\n", encoding="utf-8")
    proc = run(["index", str(docs), "--name", "cli", "-q", "--json"], tmp_path / "index", cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr  # finished, but some files could not be loaded
    no_traceback(proc)
    report = json.loads(proc.stdout)
    assert report["added"] == ["note.txt"] and report["chunks"] >= 1
    assert len(report["errors"]) == 1 and "corrupt.pdf" in report["errors"][0]
    assert any("corrupt.pdf" in ln for ln in error_lines(proc))

    proc = run(["docs", "--name", "cli", "--json"], tmp_path / "index", cwd=tmp_path)
    assert proc.returncode == 0
    assert [d["source"] for d in json.loads(proc.stdout)] == ["note.txt"]


def test_search_missing_index(tmp_path):
    proc = run(["search", QUESTION, "--name", "no-such-index", "--json"], tmp_path / "index", cwd=tmp_path)
    assert proc.returncode != 0
    no_traceback(proc)
    assert proc.stdout.strip() == ""
    errs = error_lines(proc)
    assert len(errs) == 1
    assert "no index" in errs[0] and "no-such-index" in errs[0] and "rag index" in errs[0]


def test_search_empty_question(index_dir, name):
    proc = run(["search", "？？！", "--name", name], index_dir)
    assert proc.returncode == 1
    no_traceback(proc)
    assert error_lines(proc) and "empty" in error_lines(proc)[0]


def test_index_busy(tmp_path):
    from rag.indexer import index_lock

    doc = tmp_path / "note.txt"
    doc.write_text("稻城县2014年审定贫困村55个。\n", encoding="utf-8")
    with index_lock(tmp_path / "index" / "cli"):
        proc = run(["index", str(doc), "--name", "cli", "-q"], tmp_path / "index", cwd=tmp_path)
    assert proc.returncode == 1
    no_traceback(proc)
    errs = error_lines(proc)
    assert errs and "busy" in errs[0] and "'cli'" in errs[0]


def test_docs_lists_seed_documents(index_dir, name):
    proc = run(["docs", "--name", name, "--json"], index_dir)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert sorted(r["source"] for r in rows) == sorted(p.name for p in (ROOT / "seeds").glob("*.txt"))
    assert all(r["chunks"] > 0 and len(r["sha256"]) == 64 for r in rows)


def test_usage_error_exit_code():
    proc = run(["search"], ROOT / "index")
    assert proc.returncode == 2
    assert "usage" in proc.stderr.lower()
