"""Conversation scoring over a small hand-written conversational gold file about two made-up counties."""
from __future__ import annotations

import doctest
import json

import pytest

import rag.eval_conversations
from rag.eval_conversations import load_conversations, reply_correct, rewrite_ok, run_conversations


def T(turn, kind, question, resolved=None, must_name=(), must_contain=(), doc="d.txt", **kw):
    return {"turn": turn, "kind": kind, "question": question, "resolved": resolved if resolved is not None else (None if kind == "unresolvable" else question),
            "must_name": list(must_name), "answers": list(must_contain), "must_contain": list(must_contain),
            "doc": None if kind == "unresolvable" else doc, "quote": None, "lang": "zh-Hans", **kw}


DIALOGUES = [
    {"id": "g1", "turns": [T(1, "first", "格桑县县城海拔多高？", must_name=["格桑县"], must_contain=["3480"]),
                           T(2, "pronoun", "它的面积是多少？", "格桑县的面积是多少？", ["格桑县", "面积"], ["5120"]),
                           T(3, "entity_swap", "那白玛县呢？", "白玛县的面积是多少？", ["白玛县", "面积"], ["3360"], must_not_name=["格桑"])]},
    {"id": "g2", "turns": [T(1, "first", "格桑县2021年新建桥梁多少座？", must_contain=["14"]),
                           T(2, "year_swap", "2020年呢？", "格桑县2020年新建桥梁多少座？", ["格桑县", "2020年"], ["9"]),
                           T(3, "unresolvable", "那个镇呢？")]},
    {"id": "g3", "turns": [T(1, "unresolvable", "它有几个乡？"),
                           T(2, "ellipsis", "格桑县。", "格桑县有几个乡？", ["格桑县", "乡"], ["9"])]},
    {"id": "g4", "turns": [T(1, "first", "白玛县2021年新建桥梁多少座？", must_contain=["6"]),
                           T(2, "year_swap", "2020年呢？", "白玛县2020年新建桥梁多少座？", ["白玛县", "2020年"], doc=None)]},  # the report does not say
]


@pytest.fixture()
def gold(tmp_path):
    p = tmp_path / "conversations.jsonl"
    p.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in DIALOGUES) + "\n", encoding="utf-8")
    return p


def test_doctests():
    assert doctest.testmod(rag.eval_conversations).failed == 0


def test_judgements():
    t = DIALOGUES[0]["turns"][2]
    assert rewrite_ok(t, "白玛县的面积是多少？") and not rewrite_ok(t, "格桑县和白玛县的面积")  # must_not_name
    assert reply_correct(t, {"answer": "全县面积3360平方公里[1]", "refused": False})
    assert not reply_correct(t, {"answer": "请问…", "refused": True, "clarification": "请问…"})
    unres = DIALOGUES[1]["turns"][2]
    assert reply_correct(unres, {"answer": "请问…", "refused": True, "clarification": "请问…"})
    assert not reply_correct(unres, {"answer": "文档中没有找到", "refused": True})  # a refusal is not a clarification
    assert reply_correct(DIALOGUES[3]["turns"][1], {"answer": "文档中没有找到", "refused": True})


def test_bad_files_say_where(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"id": "x", "turns": []}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.jsonl:1: a dialogue needs"):
        load_conversations(p)
    p.write_text('{"id": "x", "turns": [{"question": ""}]}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="turn 1 of x has no question"):
        load_conversations(p)


def test_every_turn_is_scored_in_context_and_alone(county_index, gold, tmp_path):
    from rag.qa import Assistant

    m = run_conversations(gold, tmp_path / "run", assistant=Assistant(county_index), progress=False)
    assert m["dialogues"] == 4 and m["n"] == 10
    assert m["n_followup_accuracy"] == 5 and m["n_clarification_rate"] == 2
    assert m["rewrite_accuracy"] == 1.0
    assert m["clarification_rate"] == 1.0 and m["false_clarification_rate"] == 0.0
    assert m["followup_accuracy"] == 1.0 and m["selfcontained_accuracy"] == 1.0 and m["followup_ratio"] == 1.0
    assert m["by_kind"]["year_swap"]["n"] == 2 and m["by_kind"]["year_swap"]["followup_accuracy"] == 1.0
    assert m["resolve_p95_ms"] is not None and m["resolve_p95_ms"] < 1000
    recs = [json.loads(x) for x in (tmp_path / "run" / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["turn"]) for r in recs][:3] == [("g1", 1), ("g1", 2), ("g1", 3)]
    r = recs[1]
    assert r["rewritten"] == "格桑县的面积是多少？" and r["correct"] and r["rewrite_ok"] and "5120" in r["single"]["answer"]
    assert recs[-1]["refused"] and recs[-1]["rewritten"] == "白玛县2020年新建桥梁多少座？"
    report = (tmp_path / "run" / "report.md").read_text(encoding="utf-8")
    assert "Ratio follow-up / self-contained | 1.000" in report and "| pronoun | 1 |" in report


def test_rag_eval_conversations_from_the_cli(county_index, gold, tmp_path, capsys):
    from rag.cli import main

    out = tmp_path / "cli-run"
    code = main(["eval", "--conversations", str(gold), "--out", str(out), "--name", county_index.index_name,
                 "--index-dir", str(county_index.index_dir), "-q"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "conversations: 4 dialogues, 10 turns" in printed
    assert "Ratio follow-up / self-contained" in printed and "Unresolvable turns answered with a clarifying question" in printed
    assert json.loads((out / "metrics.json").read_text(encoding="utf-8"))["clarification_rate"] == 1.0
    assert main(["eval", "--name", county_index.index_name, "--index-dir", str(county_index.index_dir)]) == 1  # nothing to evaluate: bad usage
