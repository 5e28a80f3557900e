"""The ``rag`` command line: its output, one clear error line per failure, and its exit codes.

A few tests run the installed console script in a subprocess (what a user runs); the error
cases call ``rag.cli.main`` in this process with ``--index-dir`` (same code path, no interpreter
start-up per case). Exit codes: 0 done, 1 bad usage or input, 2 nothing found, 3 partly failed.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rag.cli import build_parser, main
from rag.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
SEED_000 = "seeds/000_0be71c8bf9467bc8.txt"
DAOCHENG = "000_0be71c8bf9467bc8.txt"
QUESTION = "稻城县2014年审定贫困村多少个？"


def rag_cmd() -> list[str]:
    script = Path(sys.executable).parent / "rag"
    return [str(script)] if script.exists() else [sys.executable, "-m", "rag.cli"]


def run(args: list[str], index_dir: Path, cwd: Path = ROOT, timeout: float = 300, **env_extra) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(RAG_INDEX_DIR=str(index_dir), PYTHONIOENCODING="utf-8", HF_HUB_OFFLINE="1", **env_extra)
    return subprocess.run(rag_cmd() + args, cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", timeout=timeout)


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout


def error_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith("error:")]


@pytest.fixture(scope="module")
def index_dir(seed_index) -> Path:
    return Path(seed_index.index_dir)


@pytest.fixture(scope="module")
def name(seed_index) -> str:
    return seed_index.index_name


@pytest.fixture()
def cli(capsys, monkeypatch):
    """``rag ...`` in this process: returns (exit code, stdout, stderr). The environment is read afresh."""
    for var in [v for v in os.environ if v.startswith("RAG_")]:
        monkeypatch.delenv(var)

    def call(*args: str, **env: str):
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        get_settings.cache_clear()
        try:
            code = main(list(args))
        except SystemExit as e:  # argparse: usage errors and --help
            code = e.code
        out, err = capsys.readouterr()
        assert "Traceback" not in err and "Traceback" not in out, err
        return code, out, err

    yield call
    get_settings.cache_clear()


def one_error(err: str) -> str:
    """The one error line of a failed command (log lines aside)."""
    lines = error_lines(err)
    assert len(lines) == 1, err
    return lines[0]


# ---------------------------------------------------------------- the console script


def test_search_json(index_dir, name):
    proc = run(["search", QUESTION, "--name", name, "--json", "-k", "5"], index_dir)
    assert proc.returncode == 0, proc.stderr
    no_traceback(proc)
    rows = json.loads(proc.stdout)
    assert isinstance(rows, list) and len(rows) == 5
    for row in rows:
        assert {"rank", "doc", "chunk_id", "section", "text", "score"} <= set(row)
        assert isinstance(row["score"], float)
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
    top = rows[0]
    assert top["doc"] == DAOCHENG and "审定贫困村55个" in top["text"]
    assert top["section"].endswith("一、基本情况")


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
    assert set(ans["timings"]) >= {"retrieve_ms", "total_ms"}


def test_chunk_json():
    proc = run(["chunk", SEED_000, "--json"], ROOT / "index")  # needs no index
    assert proc.returncode == 0, proc.stderr
    no_traceback(proc)
    assert "DEBUG" not in proc.stderr, proc.stderr  # jieba's start-up chatter stays quiet at default verbosity
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


def test_index_partial_run_reports_and_indexes_the_good_file(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "corrupt.pdf").write_bytes(b"%PDF-1.4\ngarbage\n%%EOF")
    (docs / "note.txt").write_text("稻城县简报\n\n2014年审定贫困村55个、贫困户1268户、贫困人口5614人。\n", encoding="utf-8")
    proc = run(["index", str(docs), "--name", "cli", "-q", "--json"], tmp_path / "index", cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr  # something indexed, something failed
    no_traceback(proc)
    report = json.loads(proc.stdout)
    assert report["added"] == ["note.txt"] and report["chunks"] == 1
    assert len(report["errors"]) == 1 and "corrupt.pdf" in report["errors"][0]
    assert [ln for ln in error_lines(proc.stderr)] == [f"error: {report['errors'][0]}"]

    proc = run(["docs", "--name", "cli", "--json"], tmp_path / "index", cwd=tmp_path)
    assert proc.returncode == 0
    assert [d["source"] for d in json.loads(proc.stdout)] == ["note.txt"]


def test_usage_error_is_one_line_and_exit_1():
    proc = run(["search"], ROOT / "index")
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == ["error: the following arguments are required: question (see: rag search --help)"]


# ---------------------------------------------------------------- every error: one line, the documented code


def test_search_plain_text(cli, index_dir, name):
    code, out, err = cli("search", "貧困縣精準識別貧困村42個", "--index-dir", str(index_dir), "--name", name, "-k", "2")
    assert code == 0, err
    assert out.startswith("[1] 001_b897b2bc94b4a626.txt")
    assert "[2] " in out and "[3] " not in out and "dense #" in out and "bm25 #" in out


@pytest.mark.parametrize("k", ["-5", "0", "abc"])
def test_bad_k_is_a_usage_error(cli, index_dir, name, k):
    code, out, err = cli("search", "测试", "-k", k, "--index-dir", str(index_dir), "--name", name)
    assert code == 1 and out == ""
    assert "-k/--k" in one_error(err)


@pytest.mark.parametrize("question", ["", "？？！", "\x01\x02\x1b[31m"])
def test_empty_question_is_bad_input(cli, index_dir, name, question):
    for cmd in ("ask", "search"):
        code, out, err = cli(cmd, question, "--index-dir", str(index_dir), "--name", name)
        assert code == 1 and out == "", (cmd, out)
        assert one_error(err) == "error: invalid question: the question is empty (no words or characters to search for)"


def test_long_question_is_answered_with_a_warning(cli, index_dir, name, seed_index):
    long_q = QUESTION + "请结合文档详细说明有关情况。" * 300
    code, out, err = cli("ask", long_q, "--index-dir", str(index_dir), "--name", name, "--json")
    assert code == 0, err
    ans = json.loads(out)
    assert f"question truncated to its first {seed_index.max_question_chars} characters" in ans["warnings"]
    assert "55" in ans["answer"]


def test_an_answer_not_in_the_documents_exits_2(cli, index_dir, name):
    code, out, err = cli("ask", "月球背面有多少座环形山？", "--index-dir", str(index_dir), "--name", name)
    assert code == 2
    assert out.startswith("文档中没有找到")
    assert error_lines(err) == []  # the refusal is the answer, not an error


def test_missing_index_exits_2_and_creates_nothing(cli, tmp_path):
    index_dir = tmp_path / "index"
    for args in (["search", QUESTION], ["ask", QUESTION], ["docs"], ["remove", "x.txt"]):
        code, out, err = cli(*args, "--index-dir", str(index_dir), "--name", "typo")
        assert code == 2 and out == "", (args, out)
        line = one_error(err)
        assert "no index 'typo'" in line and "rag index" in line, line
    assert not index_dir.exists()


def test_index_of_nothing_creates_nothing(cli, tmp_path):
    index_dir = tmp_path / "index"
    code, out, err = cli("index", str(tmp_path / "nonexistent"), "--index-dir", str(index_dir), "--name", "p", "-q")
    assert code == 1
    assert one_error(err) == f"error: {tmp_path / 'nonexistent'}: no such file or directory"
    assert "nothing indexed" in out
    bad = tmp_path / "corrupt.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nthis is not a real pdf\n%%EOF")
    code, out, err = cli("index", str(bad), "--index-dir", str(index_dir), "--name", "p", "-q")
    assert code == 1  # nothing was indexed: not "partly failed"
    assert "corrupt.pdf" in one_error(err) and "corrupt" in one_error(err).lower()
    assert not index_dir.exists()  # no index, no lock file, no directory


def test_index_without_paths_indexes_nothing(cli, tmp_path):
    code, out, err = cli("index", "--index-dir", str(tmp_path / "index"), "-q")
    assert code == 1 and out == ""
    assert "name the files or folders" in one_error(err)
    assert not (tmp_path / "index").exists()


def test_remove_of_an_unknown_document_exits_2(cli, index_dir, name):
    code, out, err = cli("remove", "no-such-file.txt", "--index-dir", str(index_dir), "--name", name)
    assert code == 2
    assert "no-such-file.txt" in one_error(err) and "rag docs" in one_error(err)


def test_busy_index(cli, tmp_path):
    from rag.indexer import index_lock

    doc = tmp_path / "note.txt"
    doc.write_text("稻城县2014年审定贫困村55个。\n", encoding="utf-8")
    with index_lock(tmp_path / "index" / "cli"):
        code, out, err = cli("index", str(doc), "--index-dir", str(tmp_path / "index"), "--name", "cli", "-q")
    assert code == 1
    assert "busy" in one_error(err) and "'cli'" in one_error(err)


def test_damaged_index_is_one_line(cli, seed_index, tmp_path):
    shutil.copytree(seed_index.index_path, tmp_path / "dmg")
    version = (tmp_path / "dmg" / "CURRENT").read_text().strip()
    faiss_file = tmp_path / "dmg" / version / "dense.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    code, out, err = cli("search", QUESTION, "--index-dir", str(tmp_path), "--name", "dmg")
    assert code == 1 and out == ""
    line = one_error(err)
    assert "index 'dmg'" in line and "damaged" in line and "dense.faiss" in line and "--rebuild" in line


def test_unreachable_milvus_server_is_one_line(cli, tmp_path):
    pytest.importorskip("pymilvus")
    code, out, err = cli("search", QUESTION, "--index-dir", str(tmp_path), RAG_STORE="milvus", RAG_MILVUS_URI="http://127.0.0.1:1")
    assert code == 1
    line = one_error(err)
    assert "cannot reach the Milvus server at http://127.0.0.1:1" in line and "RAG_MILVUS_URI" in line


def test_eval_out_pointing_at_a_file_is_one_line(cli, index_dir, name, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "g1", "question": QUESTION, "answers": ["55个"]}, ensure_ascii=False) + "\n", encoding="utf-8")
    afile = tmp_path / "afile"
    afile.write_text("x")
    code, out, err = cli("eval", "--gold", str(gold), "--out", str(afile), "-q", "--index-dir", str(index_dir), "--name", name)
    assert code == 1
    assert str(afile) in one_error(err) and "directory" in one_error(err)


def test_unknown_rag_variables_are_warned_about(index_dir, name):
    proc = run(["docs", "--name", name], index_dir, RAG_TOPK="5", RAG_MILVUS_TOKN="x")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        "WARNING rag.settings: RAG_MILVUS_TOKN is not a setting, it is ignored; did you mean RAG_MILVUS_TOKEN?",
        "WARNING rag.settings: RAG_TOPK is not a setting, it is ignored; did you mean RAG_TOP_K?",
    ]


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_anywhere(cli, index_dir, name, where):
    args = ["search", QUESTION, "-k", "1", "--index-dir", str(index_dir), "--name", name]
    code, out, err = cli(*(["-v", *args] if where == "before" else [*args, "-v"]))
    assert code == 0 and out.startswith("[1] ")
    args = build_parser().parse_args(["-v", "search", "x", "-vv"])
    assert args.verbose + args.verbose_sub == 3


def test_every_option_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    missing = []
    for cmd, sp in sub.choices.items():
        if cmd == "eval":  # its options belong to the eval subcommand's owner (rag/evaluate.py); see the report
            continue
        for action in sp._actions:
            if action.help in (None, "") and action.dest != "help":
                missing.append(f"rag {cmd} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []
    assert "exit codes" in parser.format_help()
