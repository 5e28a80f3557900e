"""The jieba tokenizer and the saved BM25 index, on real seed text."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from rag.chunking import SectionChunker
from rag.lexical import BM25, idf_weights, normalize_for_match, tokenize
from rag.loaders import load_file
from rag.normalize import to_traditional

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

SENT = "2014年审定贫困村55个、贫困户1268户、贫困人口5614人，贫困发生率为20.25%（2020年动态管理后，共有贫困村55个，贫困户1257户、贫困人口5610人）"


def test_numbers_stay_whole():
    toks = tokenize(SENT)
    for n in ["2014", "55", "1268", "5614", "20.25%", "2020", "1257", "5610"]:
        assert n in toks, n
    assert "20" not in toks and "25" not in toks and "12" not in toks
    assert "3.84" in tokenize("全市累计减贫3.84万户19.46万人")
    assert "19.46" in tokenize("全市累计减贫3.84万户19.46万人")
    # a number at the end of a sentence loses the full stop, not its decimals
    assert tokenize("贫困发生率降至1.04%。")[-1] == "1.04%"
    assert "121.8%" in tokenize("全县人均GDP增121.8%。")


def test_domain_words_kept():
    toks = tokenize(SENT)
    assert {"贫困村", "贫困户", "贫困人口", "贫困发生率"} <= set(toks)
    assert "两不愁三保障" in tokenize("聚焦“两不愁三保障”和饮水安全")
    assert "建档立卡" in tokenize("建档立卡贫困户83户")


def test_punctuation_and_stopwords_dropped():
    toks = tokenize("稻城县2014年审定贫困村多少个？")
    assert "？" not in toks and "多少" not in toks and "个" not in toks and "年" not in toks
    assert "稻城县" in toks and "贫困村" in toks and "2014" in toks
    assert tokenize("？！。，、") == []
    assert tokenize("") == []


def test_ellipsis_is_not_a_token():
    """BUG (rag/lexical.py _tokenize): NFKC turns …… into '......', and _KEEP accepts '.', so a run of dots
    becomes a BM25 term; any question with …… then matches every chunk with an ellipsis."""
    assert tokenize("？！。，、……") == []
    assert tokenize("视频调度会3次……香格里拉市") == [t for t in tokenize("视频调度会3次香格里拉市")]


def test_script_insensitive():
    simp = "全县精准识别贫困村42个、贫困户1270户、贫困人口6834人,贫困发生率26.6%。"
    trad = "全縣精準識別貧困村42個、貧困戶1270戶、貧困人口6834人,貧困發生率26.6%。"
    assert trad in SEEDS.joinpath("001_b897b2bc94b4a626.txt").read_text(encoding="utf-8")
    assert tokenize(trad) == tokenize(simp)
    assert tokenize(to_traditional(SENT)) == tokenize(SENT)


def test_width_and_case_insensitive():
    assert tokenize("贫困户１２６８户，ＧＤＰ增１２１.８％") == tokenize("贫困户1268户,GDP增121.8%")
    assert "gdp" in tokenize("GDP")
    assert normalize_for_match("貧困戶ＡＢＣ") == "贫困户abc"


def test_long_text_tokenized_uncached():
    text = SEEDS.joinpath("000_0be71c8bf9467bc8.txt").read_text(encoding="utf-8")
    assert len(text) > 2000
    toks = tokenize(text)
    assert "1268" in toks and "稻城县" in toks


# ------------------------------------------------------------------ BM25


@lru_cache(maxsize=1)
def seed_chunks():
    out = []
    for p in sorted(SEEDS.glob("*.txt")):
        out.extend(SectionChunker().run(load_file(p)))
    return out


def doc_tokens(c) -> list[str]:
    return tokenize(f"{c.metadata['section']}\n{c.page_content}")


@pytest.fixture(scope="module")
def seed_bm25():
    cs = seed_chunks()
    return cs, BM25.build([doc_tokens(c) for c in cs])


@pytest.mark.parametrize(
    "query,source,needle",
    [
        ("稻城县2014年审定贫困村多少个？", "000_0be71c8bf9467bc8.txt", "贫困户1268户"),
        ("貧困縣精準識別貧困村42個", "001_b897b2bc94b4a626.txt", "42個"),  # traditional query, traditional doc
        ("全县精准识别贫困村42个", "001_b897b2bc94b4a626.txt", "42個"),  # simplified query, traditional doc
        ("昌都市累计减贫3.84万户", "002_8849d19f1b0b6359.txt", "3.84万户"),
        ("塔城镇贫困发生率降至1.04%", "004_c1a2a1bc4daabe06.txt", "1.04%"),
    ],
)
def test_bm25_ranks_the_right_chunk(seed_bm25, query, source, needle):
    cs, bm = seed_bm25
    hits = bm.search(tokenize(query), 5)
    top = cs[hits[0][0]]
    assert top.metadata["source"] == source
    assert needle in top.page_content
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)


def test_bm25_simplified_query_finds_traditional_sentence(seed_bm25):
    cs, bm = seed_bm25
    top3 = [cs[i] for i, _ in bm.search(tokenize("全县精准识别贫困村42个、贫困户1270户"), 3)]
    assert any("全縣精準識別貧困村42個、貧困戶1270戶" in c.page_content for c in top3)


def test_bm25_save_load_round_trip(seed_bm25, tmp_path):
    cs, bm = seed_bm25
    bm.save(tmp_path)
    assert (tmp_path / "bm25.npz").exists() and (tmp_path / "bm25_vocab.json").exists()
    loaded = BM25.load(tmp_path)
    assert loaded.n_docs == bm.n_docs == len(cs)
    assert loaded.vocab == bm.vocab
    assert (loaded.k1, loaded.b) == (bm.k1, bm.b)
    for q in ["稻城县2014年审定贫困村多少个？", "貧困戶1270戶", "易地扶贫搬迁安置点"]:
        qt = tokenize(q)
        np.testing.assert_allclose(loaded.scores(qt), bm.scores(qt), rtol=1e-6)
        assert loaded.search(qt, 10) == bm.search(qt, 10)


def test_bm25_small_corpus_semantics():
    docs = [tokenize("稻城县贫困户1268户"), tokenize("昌都市减贫3.84万户"), tokenize("迪庆州挂牌督战")]
    bm = BM25.build(docs)
    assert bm.search(tokenize("稻城貧困戶"), 1)[0][0] == 0
    assert bm.search(tokenize("3.84万户"), 3)[0][0] == 1
    # unknown words score nothing, and k larger than the matches returns only matches
    assert bm.search(tokenize("牦牛养殖"), 3) == []
    assert [i for i, _ in bm.search(tokenize("督战"), 10)] == [2]
    # a rarer term weighs more
    idf = idf_weights(bm, ["贫困户", "户", "不存在的词"])
    assert idf["贫困户"] > 0 and idf["不存在的词"] >= idf["贫困户"]


def test_bm25_empty():
    bm = BM25.build([[], []])
    assert bm.n_docs == 2 and bm.vocab == {}
    assert bm.search(["稻城"], 5) == []
    assert BM25.build([]).search(["稻城"], 5) == []
