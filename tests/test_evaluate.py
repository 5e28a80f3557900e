"""The scorer (rag/evaluate.py) on hand-made records where the right numbers are known."""
from __future__ import annotations

import json
import math

import pytest

from rag import evaluate as ev

GOLD = [
    {"id": "a", "question": "稻城县2014年审定贫困村多少个？", "answers": ["55个"], "must_contain": ["55"], "doc": "d0.txt",
     "quote": "审定贫困村55个", "type": "numeric", "lang": "zh-Hans"},
    {"id": "b", "question": "報告中的縣貧困戶多少戶？", "answers": ["1270戶"], "must_contain": ["1270戶"], "doc": "d1.txt",
     "quote": "貧困戶1270戶", "type": "traditional_query", "lang": "zh-Hant"},
    {"id": "c", "question": "理塘县有多少贫困村？", "answers": [], "must_contain": [], "doc": None, "quote": None,
     "type": "unanswerable", "lang": "zh-Hans"},
    {"id": "d", "question": "稻城县的贫困户和贫困人口分别是多少？", "answers": ["1268户、5614人"], "must_contain": ["1268", "5614"],
     "doc": "d0.txt", "quote": "贫困户1268户", "quote2": "贫困人口5614人", "doc2": "d0.txt", "type": "multi_part", "lang": "zh-Hans"},
]


def p(doc, text, rank, section=""):
    return {"rank": rank, "doc": doc, "chunk_id": f"{doc}{rank}", "section": section, "text": text, "score": 1.0 / rank}


RECORDS = [
    # hit at rank 3; answer right, cited right
    {"id": "a", "answer": "2014年审定贫困村55个[1]", "refused": False, "seconds": 0.010,
     "retrieved": [p("d9.txt", "无关", 1), p("d0.txt", "别的段落", 2), p("d0.txt", "2014年审定贫困村55个、贫困户1268户", 3)],
     "citations": [{"n": 1, "doc": "d0.txt", "section": "", "text": "2014年审定贫困村55个、贫困户1268户"}]},
    # hit at rank 1 (simplified text matches the traditional quote); answer in simplified still counts
    {"id": "b", "answer": "贫困户1270户[1]", "refused": False, "seconds": 0.020,
     "retrieved": [p("d1.txt", "全县精准识别贫困户1270户", 1)],
     "citations": [{"n": 1, "doc": "d9.txt", "section": "", "text": "别处"}]},
    # unanswerable, answered anyway
    {"id": "c", "answer": "贫困村55个[1]", "refused": False, "seconds": 0.030, "retrieved": [p("d0.txt", "贫困村55个", 1)], "citations": []},
    # refused although answerable; second quote at rank 2
    {"id": "d", "answer": "文档中没有找到能回答这个问题的内容。", "refused": True, "seconds": 0.040,
     "retrieved": [p("d9.txt", "无关", 1), p("d0.txt", "贫困人口5614人", 2)], "citations": []},
]


@pytest.fixture()
def items():
    return list(zip(GOLD, RECORDS))


def test_mrr_of_a_hit_at_rank_3_is_one_third(items):
    res = ev.mrr_at_10(items)
    assert res.per_item[0] == pytest.approx(1 / 3)
    assert res.per_item[1] == 1.0
    assert res.per_item[2] is None  # unanswerable: not applicable
    assert res.per_item[3] == pytest.approx(1 / 2)  # the second supporting quote counts
    assert res.value == pytest.approx((1 / 3 + 1 + 1 / 2) / 3)


def test_recall_at_k(items):
    assert ev.recall_at(1)(items).per_item == [0.0, 1.0, None, 0.0]
    assert ev.recall_at(3)(items).value == pytest.approx(1.0)
    assert ev.recall_at(1)(items).name == "recall@1"


def test_ndcg(items):
    res = ev.ndcg_at_10(items)
    assert res.per_item[0] == pytest.approx(1 / math.log2(4))
    assert res.per_item[1] == pytest.approx(1.0)


def test_answer_accuracy_and_refusals(items):
    acc = ev.answer_accuracy(items)
    assert acc.per_item == [1.0, 1.0, None, 0.0]  # traditional token matches a simplified answer
    assert ev.refusal_accuracy(items).per_item == [None, None, 0.0, None]
    assert ev.false_refusal_rate(items).value == pytest.approx(1 / 3)
    assert ev.overall_accuracy(items).value == pytest.approx(2 / 4)


def test_answer_over_150_characters_is_wrong():
    g = GOLD[0]
    r = {"answer": "55" + "很" * 200, "refused": False}
    assert not ev.answer_correct(g, r)


def test_citation_accuracy(items):
    res = ev.citation_accuracy(items)
    assert res.per_item == [1.0, 0.0, None, None]


def test_char_f1_and_exact_match_follow_cmrc2018():
    assert ev.char_f1_score("55个", "55个") == 1.0
    # 贫 困 村 55 个 vs 55 个: longest common substring 2, precision 2/5, recall 1
    assert ev.char_f1_score("贫困村55个[1]", "55个") == pytest.approx(2 * (2 / 5) * 1 / (2 / 5 + 1))
    assert ev.char_f1_score("１２６８戶", "1268户") == 1.0  # width and script insensitive
    # a common *substring*, not a bag of characters: 村贫 shares no run of 2 with 贫村
    assert ev.char_f1_score("村贫", "贫村") == pytest.approx(0.5)
    assert ev.char_f1_score("光荣和ω-force", "光荣和ω-force。") == 1.0  # punctuation removed
    assert ev.answer_tokens("Daocheng has 55 poor villages") == ["daocheng", "has", "55", "poor", "villages"]
    assert ev.answer_tokens("《泡泡堂》2.5版，20.25%") == ["泡", "泡", "堂", "2.5", "版", "20.25", "%"]
    assert ev.exact_match_score("“杉山泰道”", "杉山泰道") == 1.0
    assert ev.exact_match_score("杉山泰道等", "杉山泰道") == 0.0
    g = GOLD[0]
    assert ev.exact_match([(g, {"answer": " 55 个 [1]", "refused": False})]).value == 1.0
    assert ev.exact_match([(g, {"answer": "55个", "refused": True})]).value == 0.0


def test_latency_percentiles(items):
    lat = ev.latency(items)
    assert lat["latency_p50_ms"] in (20.0, 30.0)
    assert lat["latency_p95_ms"] == 40.0


def test_metrics_by_type_and_lang(items):
    m = ev.compute_metrics(items)
    assert m["n"] == 4
    assert set(m["by_type"]) == {"numeric", "traditional_query", "unanswerable", "multi_part"}
    assert m["by_lang"]["zh-Hant"]["answer_accuracy"] == 1.0
    assert m["by_type"]["unanswerable"]["refusal_accuracy"] == 0.0


def test_report_lists_failures(items):
    m = ev.compute_metrics(items)
    md = ev.render_report(m, items)
    assert "## Failures (3)" in md  # b: citation misses; c: should refuse; d: wrongly refused
    assert "should have refused" in md and "wrongly refused" in md
    html = ev.render_html(m, items)
    assert "<table>" in html


def test_compare_runs(tmp_path, items):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(g, ensure_ascii=False) for g in GOLD), encoding="utf-8")
    for name, recs in (("A", RECORDS), ("B", [RECORDS[0], RECORDS[1], {**RECORDS[2], "refused": True}, RECORDS[3]])):
        d = tmp_path / name
        d.mkdir()
        (d / "records.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs), encoding="utf-8")
        m = ev.compute_metrics(list(zip(GOLD, recs)))
        m["gold"] = str(gold)
        (d / "metrics.json").write_text(json.dumps(m), encoding="utf-8")
    out = ev.compare_runs(tmp_path / "A", tmp_path / "B")
    assert "Improved in B (1)" in out and "  c " in out
    assert "Regressed in B (0)" in out


def test_load_gold_reports_bad_lines(tmp_path):
    f = tmp_path / "g.jsonl"
    f.write_text('{"id": "x", "question": "q"}\n{not json\n', encoding="utf-8")
    with pytest.raises(ValueError, match="g.jsonl:2"):
        ev.load_gold(f)


def test_run_eval_on_the_seed_index(seed_index, retriever, tmp_path):
    """The real thing on a small slice of the gold set: files written, figures sane."""
    from pathlib import Path

    from rag.qa import Assistant

    gold = [json.loads(l) for l in (Path(__file__).parent.parent / "eval" / "gold_dev.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    subset = tmp_path / "gold.jsonl"
    subset.write_text("\n".join(json.dumps(g, ensure_ascii=False) for g in gold[:12] + gold[-3:]), encoding="utf-8")
    m = ev.run_eval(subset, tmp_path / "run", k=10, assistant=Assistant(seed_index, retriever=retriever), progress=False)
    for f in ("records.jsonl", "metrics.json", "report.md", "report.html"):
        assert (tmp_path / "run" / f).exists()
    recs = [json.loads(l) for l in (tmp_path / "run" / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(recs) == 15
    assert set(recs[0]) >= {"id", "question", "answer", "refused", "citations", "retrieved", "seconds"}
    assert len(recs[0]["retrieved"]) == 10 and recs[0]["retrieved"][0]["rank"] == 1
    assert m["recall@5"] >= 0.8 and m["answer_accuracy"] >= 0.7
