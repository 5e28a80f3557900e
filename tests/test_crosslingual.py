"""English questions → Chinese search terms (rag/crosslingual.py): place names learned from the indexed
documents, matched by pinyin, on a report written for these tests (not the seeds)."""
from __future__ import annotations

import pytest

from rag.crosslingual import build_place_index, learned_places, translate_query
from rag.indexer import Indexer
from rag.retrieve import HybridRetriever
from rag.settings import Settings

# an invented prefecture report: jieba splits 岗城镇 into 岗 + 城镇, so the BM25 vocabulary alone never
# holds the town's name; two towns with the same kind of figure, so the name decides
GANGCHENG = """雪原州乡镇产业简报

一、岗城镇
2020年岗城镇新建蔬菜大棚46个，带动农户212户增收，户均增收2800元。

二、朗木乡
2020年朗木乡新建蔬菜大棚31个，带动农户150户增收，户均增收2100元。
"""


def test_learned_places_map_pinyin_to_the_name_the_documents_use():
    index = build_place_index(set(), ["岗城镇"])
    assert index["gangcheng"] == "岗城镇" and index["gangchengzhen"] == "岗城镇"
    # a possessive and a hyphen are spelling, not part of the name
    assert "岗城镇" in translate_query("How many greenhouses did Gangcheng's farmers build?", index).split()
    # short pinyin (fewer than 4 letters) is left out: too many English words spell one
    assert "an" not in build_place_index(set(), ["安县"])


def test_learned_places_come_from_each_record_or_its_text():
    old = {"text": "岗城镇新建蔬菜大棚46个。", "doc_places": []}  # an index written before records carried places
    assert learned_places([{"places": ["朗木乡"], "doc_places": ["雪原州"]}, old]) == ["朗木乡", "雪原州", "岗城镇"]


@pytest.fixture(scope="module")
def town_index(tmp_path_factory) -> Settings:
    docs = tmp_path_factory.mktemp("town-docs")
    (docs / "towns.txt").write_text(GANGCHENG, encoding="utf-8")
    s = Settings(index_dir=tmp_path_factory.mktemp("town-index"), index_name="towns")
    report = Indexer(s.index_name, settings=s, progress=False).run([docs])
    assert not report.errors, report.errors
    return s


def test_index_records_carry_the_places_their_chunks_name(town_index):
    from rag.stores import open_store

    recs = open_store(town_index).records()
    assert any("岗城镇" in r["places"] for r in recs)
    assert "岗城镇" not in open_store(town_index).vocabulary()  # BM25 sees 岗 + 城镇 only


def test_english_question_reaches_the_town_it_names_through_bm25(town_index):
    r = HybridRetriever.from_settings(town_index)
    terms = translate_query("How many vegetable greenhouses did Gangcheng Town build in 2020?", r._place_names()).split()
    assert "岗城镇" in terms
    top = r.search("How many vegetable greenhouses did Gangcheng Town build in 2020?", k=1)[0]
    assert "岗城镇" in top.text and top.bm25_rank is not None
