"""eval/train_reader.py's hold-out split and outcome counts (the training itself is a benchmark-sized run,
not a unit test: see eval/README.md)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "eval" / "train_reader.py"


@pytest.fixture(scope="module")
def tr():
    spec = importlib.util.spec_from_file_location("train_reader", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def gold(i: str, answers=("12个",), quote="新建大棚12个", kind="numeric") -> dict:
    return {"id": i, "question": "新建大棚多少个？", "answers": list(answers), "must_contain": list(answers)[:1],
            "quote": quote, "type": kind, "doc": "a.txt"}


def test_hold_out_splits_by_id_and_rejects_bad_patterns(tr):
    rows = [(gold(i), []) for i in ("q001", "n021", "n022", "n061", "x003", "h010", "e011")]
    kept, held = tr.hold_out(rows, r"^(n0(2[2-9]|[3-6][0-9])|x[0-9]|h[0-9])")
    assert [g["id"] for g, _ in held] == ["n022", "n061", "x003", "h010"]
    assert [g["id"] for g, _ in kept] == ["q001", "n021", "e011"]
    with pytest.raises(SystemExit, match="not a regular expression"):
        tr.hold_out(rows, "(")
    with pytest.raises(SystemExit, match="no seeds-dev id matches"):
        tr.hold_out(rows, "^z")


def test_outcomes_count_right_refused_and_wrong_answers(tr):
    rows = [(gold("a"), []), (gold("b"), []), (gold("c"), []), (gold("d", (), "", "unanswerable"), []), (gold("e", (), "", "unanswerable"), [])]
    recs = [{"answer": "12个[1]", "refused": False}, {"answer": "文档中没有找到能回答这个问题的内容。", "refused": True},
            {"answer": "21个[1]", "refused": False}, {"answer": "没有", "refused": True}, {"answer": "3000元[1]", "refused": False}]
    assert tr.outcomes(rows, recs) == {"answerable": 3, "right": 1, "wrongly_refused": 1, "wrong": 1,
                                       "unanswerable": 2, "refused": 1, "answered": 1}
