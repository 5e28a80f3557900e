"""Everyday words read as report words (rag/reader/paraphrase.py) and what the reader makes of them."""
from __future__ import annotations

import doctest
import re

import pytest

import rag.reader.paraphrase as paraphrase_mod
from rag.reader import OfflineReader
from rag.reader.paraphrase import align_terms, lexicon
from rag.types import Passage


def test_doctests():
    assert doctest.testmod(paraphrase_mod).failed == 0


def test_only_terms_the_passages_lack_are_replaced_and_only_by_words_they_hold():
    vocab = {"农户", "户均", "增收", "元", "搬迁", "安置点"}
    assert align_terms(["农户", "挣"], vocab) == ["农户", "增收"]
    assert align_terms(["挣"], {"挣", "增收"}) == ["挣"]  # the passages use the everyday word itself
    assert align_terms(["搬家", "安置点"], vocab) == ["搬迁", "安置点"]
    assert align_terms(["赚钱"], {"元"}) == ["赚钱"]  # no report word of it in the passages: kept


def test_lexicon_is_general_vocabulary():
    lex = lexicon()
    assert lex["挣"] and all(w != "挣" for w in lex["挣"])
    assert not any(k.endswith(("县", "市", "州", "乡", "镇", "村")) and len(k) >= 3 for k in lex)  # no place names


# an invented township report (not the seeds)
REPORT = {
    "一、产业": "青禾镇培育农民专业合作社24家，带动农户960户增收，户均增收2800元。",
    "二、搬迁": "全镇建成易地扶贫搬迁安置点6个，搬迁群众312户1105人。",
}


def passages() -> list[Passage]:
    return [Passage(rank=k + 1, doc="qinghe.txt", chunk_id=f"q#{k}", section=f"青禾镇工作总结 › {h}", text=t, score=1.0 / (k + 1),
                    title="青禾镇工作总结") for k, (h, t) in enumerate(REPORT.items())]


@pytest.fixture(scope="module")
def reader():
    return OfflineReader()


@pytest.mark.parametrize(
    "question, expected",
    [
        ("青禾镇跟着合作社干的农户每户能多挣多少？", "2800元"),  # 每户多挣 → 户均增收, money not 户
        ("青禾镇给搬家的群众建了几个安置点？", "6个"),
        ("青禾镇培育了多少家农民合作社？", "24家"),  # 农民合作社 is counted by its head (合作社)
    ],
)
def test_everyday_wording_is_answered_from_the_report(reader, question, expected):
    a = reader.run(question, passages())
    assert not a.refused, a.warnings
    assert re.sub(r"\[\d+\]", "", a.answer) == expected, a.answer
    for c in a.citations:
        assert c.text[c.start : c.start + len(c.quote)] == c.quote


def test_a_count_of_people_or_an_ordinal_may_be_answered_in_people(reader):
    # the 几个安置点 rule (a count of things is not 户/人) leaves people counted by 个 and ordinals alone
    text = "陈立新，白溪县人，1956年生，育有3名子女，常说孩子是他最大的骄傲。"
    doc = [Passage(rank=1, doc="chen.txt", chunk_id="c#1", section="陈立新", text=text, score=1.0, title="陈立新")]
    a = reader.run("陈立新有几个孩子？", doc)
    assert not a.refused and "3名" in a.answer, (a.answer, a.warnings)


def test_spoken_grammar_words_the_passages_lack_are_dropped_others_kept():
    from rag.reader.paraphrase import spoken_terms_dropped

    vocab = {"2018", "游客", "人次", "增", "最"}
    assert spoken_terms_dropped(["跟", "2018", "相比", "来", "游客", "人次", "涨"], vocab) == ["2018", "游客", "人次", "涨"]
    assert spoken_terms_dropped(["最", "那些", "困难"], vocab) == ["最", "困难"]  # 最 is in the passages: kept
