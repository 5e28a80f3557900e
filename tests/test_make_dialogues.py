"""eval/make_dialogues.py: two-turn follow-ups generated from an invented single-turn gold file over two made-up counties."""
from __future__ import annotations

import doctest
import importlib.util
import json
from pathlib import Path

import pytest

from helpers import BAIMA, GESANG

from rag.entities import Lexicon, parse

ROOT = Path(__file__).resolve().parent.parent


def _module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


md = _module("make_dialogues", ROOT / "eval" / "make_dialogues.py")
vc = _module("validate_conversations", ROOT / "eval" / "validate_conversations.py")

GA, BA = "格桑县2021年发展报告.txt", "白玛县工作总结.txt"


def G(id_, question, answers, doc=GA, quote=None, lang="zh-Hans"):
    return {"id": id_, "question": question, "answers": answers, "must_contain": [answers[0].rstrip("座米个公里平方人万")] if answers else [],
            "doc": doc if answers else None, "quote": quote, "type": "numeric", "lang": lang}


GOLD = [
    G("a1", "格桑县2021年新建桥梁多少座？", ["14座"], quote="格桑县2021年新建桥梁14座"),
    G("a2", "格桑县县城海拔多高？", ["3480米"], quote="县城海拔3480米，全县面积5120平方公里"),
    G("a3", "格桑县的面积是多少？", ["5120平方公里"], quote="县城海拔3480米，全县面积5120平方公里"),
    G("a4", "格桑县2021年改造农村公路多少公里？", ["86公里"], quote="改造农村公路86公里。2020年"),
    G("b1", "白玛县2021年改造农村公路多少公里？", ["52公里"], doc=BA, quote="白玛县2021年新建桥梁6座，改造农村公路52公里"),
    G("b2", "白玛县的面积是多少？", ["3360平方公里"], doc=BA, quote="白玛县县城海拔2890米，全县面积3360平方公里"),
    G("b3", "白玛县县城海拔多高？", ["2890米"], doc=BA, quote="白玛县县城海拔2890米，全县面积3360平方公里"),
    G("e1", "How many bridges did Gesang County build in 2021?", ["14"], quote="格桑县2021年新建桥梁14座", lang="en"),
    G("e2", "What is the altitude of the county town in Gesang County?", ["3480"], quote="县城海拔3480米，全县面积5120平方公里", lang="en"),
    G("u1", "白玛县2019年新建桥梁多少座？", []),  # unanswerable: no dialogue ends on it
]


@pytest.fixture(scope="module")
def lex():
    lx = Lexicon.from_texts([GESANG, BAIMA])
    lx.docs = {n: {"x"} for n in lx.names}
    return lx


def test_doctests():
    assert doctest.testmod(md).failed == 0


def test_the_last_turn_is_the_gold_question_and_keeps_its_gold(lex):
    ds = md.make(GOLD, lex, seed=3)
    assert ds and {d["turns"][1]["kind"] for d in ds} == {"entity_swap", "year_swap", "pronoun", "missing_subject", "ellipsis"}
    by_id = {g["id"]: g for g in GOLD}
    for d in ds:
        t1, t2 = d["turns"]
        g = by_id[d["source"]]
        assert t2["resolved"] == g["question"] and t2["question"] != g["question"]
        assert all(t2[f] == g[f] for f in ("answers", "must_contain", "doc", "quote"))
        assert t1["scored"] is False and t1["answers"] == [] and t1["doc"] is None and "scored" not in t2
        assert all(w in t2["resolved"] for w in t2["must_name"])
        assert not any(w in t2["resolved"] for w in t2.get("must_not_name", []))
        assert d["split"] == md.split_of(g["id"])
    assert "u1" not in {d["source"] for d in ds}


def test_deterministic_and_seeded(lex):
    assert md.make(GOLD, lex, seed=3) == md.make(GOLD, lex, seed=3)
    a = {d["id"]: d for d in md.make(GOLD, lex, seed=3)}
    b = {d["id"]: d for d in md.make(GOLD, lex, seed=4)}
    assert any(a[k]["turns"] != b[k]["turns"] for k in a.keys() & b.keys())


def test_each_kind_says_what_a_person_would(lex):
    g = GOLD[0]
    es = md.entity_swap(g, lex, seed=3)
    assert es["turns"][0]["question"] == "白玛县2021年新建桥梁多少座？" and es["turns"][1]["question"] in ("那格桑县呢？", "格桑县呢？")
    assert es["turns"][1]["must_not_name"] == ["白玛县"]
    ys = md.year_swap(g, lex, seed=3)
    assert ys["turns"][0]["question"] in {f"格桑县{y}年新建桥梁多少座？" for y in (2019, 2020, 2022, 2023)}
    assert ys["turns"][1]["question"] in ("2021年呢？", "那2021年呢？") and "2021" in ys["turns"][1]["must_name"]
    pr = md.pronoun(GOLD[2], GOLD, lex, seed=3)  # 格桑县的面积是多少？
    assert pr["turns"][1]["question"] in ("它的面积是多少？", "其面积是多少？") and "格桑县" in pr["turns"][0]["question"]
    pr = md.pronoun(g, GOLD, lex, seed=3)
    assert pr["turns"][1]["question"] in ("该县2021年新建桥梁多少座？", "这个县2021年新建桥梁多少座？")
    ms = md.missing_subject(GOLD[2], GOLD, lex, seed=3)
    assert ms["turns"][1]["question"] == "面积是多少？" and not parse(ms["turns"][1]["question"], lex).subjects
    qs = md.quantity_swap(GOLD[3], GOLD, lex, seed=3)  # 格桑县2021年改造农村公路多少公里？ ← 新建桥梁 of the same report
    assert qs["turns"][1]["question"] == "农村公路呢？" and "农村公路" not in qs["turns"][0]["question"]


def test_english_items_get_english_follow_ups(lex):
    es = md.entity_swap(GOLD[7], lex, seed=3)
    assert es["turns"][0]["question"].startswith("How many bridges did Baima County build")
    assert es["turns"][1]["question"] in ("What about Gesang County?", "And Gesang County?")
    assert md.year_swap(GOLD[7], lex, seed=3)["turns"][1]["question"] in ("What about 2021?", "And in 2021?")
    pr = md.pronoun(GOLD[8], GOLD, lex, seed=3)
    assert pr["turns"][1]["question"] == "What is the altitude of the county town there?"
    ms = md.missing_subject(GOLD[8], GOLD, lex, seed=3)
    assert ms["turns"][1]["question"] == "What is the altitude of the county town?"


def test_split_by_source_id():
    ids = [f"x{i}" for i in range(200)]
    halves = [md.split_of(i) for i in ids]
    assert 60 < halves.count("tune") < 140 and set(halves) == {"tune", "held"}
    assert [md.split_of(i) for i in ids] == halves


def test_written_file_validates_and_scores_only_follow_ups(county_index, tmp_path):
    """The whole path: gold file → generator over a real index → validator → rag's conversation scorer (turn 1 not scored)."""
    from rag.eval_conversations import run_conversations
    from rag.qa import Assistant

    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in GOLD), encoding="utf-8")
    out = tmp_path / "conversations_synth_dev.jsonl"
    assert md.main(["--gold", str(gold), "--out", str(out), "--index", county_index.index_name, "--index-dir", str(county_index.index_dir)]) == 0
    seeds = tmp_path / "docs"
    seeds.mkdir()
    (seeds / GA).write_text(GESANG, encoding="utf-8")
    (seeds / BA).write_text(BAIMA, encoding="utf-8")
    assert vc.validate(out, seeds) == []
    n = sum(1 for _ in out.open(encoding="utf-8"))
    m = run_conversations(out, tmp_path / "run", assistant=Assistant(county_index), progress=False)
    assert m["n_followup_accuracy"] == n and m["n_first_turn_accuracy"] == 0 and m["n_turn_accuracy"] == n
    assert set(m["by_split"]) <= {"tune", "held"} and sum(b["n_followup_accuracy"] for b in m["by_split"].values()) == n
    recs = [json.loads(x) for x in (tmp_path / "run" / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(r["correct"] is None for r in recs if r["turn"] == 1) and all(r.get("split") for r in recs)


def test_frozen_files_are_refused(tmp_path, capsys):
    p = tmp_path / "gold_test.jsonl"
    p.write_text("", encoding="utf-8")
    assert md.main(["--gold", str(p), "--out", str(tmp_path / "o.jsonl")]) == 2
    assert "frozen" in capsys.readouterr().err


def test_validator_rejects_an_unscored_last_turn(tmp_path):
    seeds = tmp_path / "docs"
    seeds.mkdir()
    (seeds / GA).write_text(GESANG, encoding="utf-8")
    t1 = {"turn": 1, "kind": "first", "question": "格桑县县城海拔多高？", "resolved": "格桑县县城海拔多高？", "must_name": ["格桑县"],
          "answers": [], "must_contain": [], "doc": None, "quote": None, "lang": "zh-Hans", "scored": False}
    t2 = dict(t1, turn=2, kind="pronoun", question="它的面积是多少？", resolved="格桑县的面积是多少？")
    p = tmp_path / "conversations_synth_x.jsonl"
    p.write_text(json.dumps({"id": "s1", "turns": [t1, t2]}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert any("only an opening 'first' turn before the last can be unscored" in x for x in vc.validate(p, seeds))


def test_the_committed_synthetic_set_is_what_the_generator_makes(seed_index, tmp_path):
    """eval/conversations_synth_dev.jsonl is reproducible: gold_dev + the seed index's own place names → the same file."""
    out = tmp_path / "synth.jsonl"
    assert md.main(["--gold", str(ROOT / "eval" / "gold_dev.jsonl"), "--out", str(out), "--index", seed_index.index_name,
                    "--index-dir", str(seed_index.index_dir)]) == 0
    assert out.read_text(encoding="utf-8") == (ROOT / "eval" / "conversations_synth_dev.jsonl").read_text(encoding="utf-8")
