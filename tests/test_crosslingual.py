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


def test_english_questions_weigh_bm25_by_the_learned_weight(town_index):
    import json
    from pathlib import Path

    from rag.retrieve import learned_english_bm25_weight

    learned = json.loads((Path(__file__).resolve().parent.parent / "rag" / "data" / "english_fusion.json").read_text(encoding="utf-8"))
    assert learned["learned_by"] == "eval/tune_english_fusion.py" and learned_english_bm25_weight() == learned["bm25_weight_en"]
    r = HybridRetriever.from_settings(town_index)
    for question, w in (("How many vegetable greenhouses did Gangcheng Town build?", learned["bm25_weight_en"]), ("岗城镇新建蔬菜大棚多少个？", 1.0)):
        for p in r.search(question, k=2):
            fused = sum(wt / (r.rrf_k + rank) for wt, rank in ((r.dense_weight, p.dense_rank), (r.bm25_weight * w, p.bm25_rank)) if rank)
            assert p.score == pytest.approx(fused), question


def test_the_english_fusion_tuner_runs_on_dev_and_refuses_the_test_split(town_index, tmp_path, capsys):
    import importlib.util
    import json
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("tune_english_fusion", Path(__file__).resolve().parent.parent / "eval" / "tune_english_fusion.py")
    tuner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tuner)
    gold = tmp_path / "gold_dev.jsonl"
    gold.write_text(json.dumps({"id": "x1", "question": "How many vegetable greenhouses did Gangcheng Town build in 2020?", "answers": ["46个"],
                                "must_contain": ["46"], "doc": "towns.txt", "quote": "2020年岗城镇新建蔬菜大棚46个", "type": "english", "lang": "en"},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    assert tuner.main(["--gold", str(gold), "--index-dir", str(town_index.index_dir), "--name", town_index.index_name]) == 0
    out = capsys.readouterr().out
    assert "1 answerable English dev questions" in out and "(kept)" in out and "| 1.000 |" in out
    assert tuner.main(["--gold", str(tmp_path / "gold_test.jsonl")]) == 2
