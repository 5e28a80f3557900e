"""The offline reader (rag/answer.py): extractive, cited answers and calibrated refusal."""
from __future__ import annotations

import re

import pytest

from rag.answer import OfflineReader, analyze_question, find_places
from rag.answering import question_script
from rag.grounding import check_answer
from rag.qa import Assistant
from rag.types import Passage

DAOCHENG = (
    "稻城位于四川省西南部、甘孜州南部，面积7323平方千米，县城海拔3750米，全县辖8乡5镇89个行政村和3个社区，常住人口3.64万人。"
    "2014年审定贫困村55个、贫困户1268户、贫困人口5614人，贫困发生率为20.25%（2020年动态管理后，共有贫困村55个，贫困户1257户、贫困人口5610人）。"
)
TRAD = "縣地處旅游圈腹心地帶,幅員面積5016平方公里,轄3鎮7鄉,57個行政村,總人口3.3萬人。精準扶貧工作開展以來,全縣精準識別貧困村42個、貧困戶1270戶、貧困人口6834人,貧困發生率26.6%。"


def passage(text, doc="000_0be71c8bf9467bc8.txt", section="高质量决战决胜脱贫攻坚 › 一、基本情况", rank=1, places=("稻城县",)):
    return Passage(rank=rank, doc=doc, chunk_id=f"c{rank}", section=section, text=text, score=1.0 / rank, doc_places=list(places))


@pytest.fixture(scope="module")
def reader():
    return OfflineReader()


def test_asked_unit_picks_the_figure_with_that_unit(reader):
    a = reader.run("稻城县2014年审定贫困户多少户？", [passage(DAOCHENG)])
    assert not a.refused
    assert "1268户" in a.answer and "5614" not in a.answer and "55个" not in a.answer
    assert a.answer.endswith("[1]")
    c = a.citations[0]
    assert c.quote in c.text  # the quote is an exact span of the passage
    assert c.text[c.start : c.start + len(c.quote)] == c.quote


def test_people_question_gets_people(reader):
    a = reader.run("稻城县2014年贫困人口有多少人？", [passage(DAOCHENG)])
    assert "5614人" in a.answer and "1268" not in a.answer


def test_year_decides_between_two_figures(reader):
    a = reader.run("2020年动态管理后，稻城县的贫困户和贫困人口分别是多少？", [passage(DAOCHENG)])
    assert "1257" in a.answer and "5610" in a.answer
    assert "1268" not in a.answer


def test_multi_part_answers_each_part(reader):
    a = reader.run("稻城县2014年审定的贫困户和贫困人口分别是多少？", [passage(DAOCHENG)])
    assert "1268" in a.answer and "5614" in a.answer
    assert re.search(r"\[1\]", a.answer)


def test_percentage_question(reader):
    a = reader.run("稻城县2014年贫困发生率是多少？", [passage(DAOCHENG)])
    assert "20.25%" in a.answer


def test_traditional_question_gets_traditional_answer(reader):
    a = reader.run("稻城縣2014年審定貧困戶多少戶？", [passage(DAOCHENG)])
    assert "1268戶" in a.answer  # shown in the question's script
    assert a.citations[0].quote == "贫困户1268户"  # the quote stays exactly as the passage has it


def test_simplified_question_about_traditional_text(reader):
    p = passage(TRAD, doc="001_b897b2bc94b4a626.txt", section="貧困縣脫貧攻堅開展情況報告", places=())
    a = reader.run("报告中的县精准识别了多少个贫困村？", [p])
    assert "42个" in a.answer
    assert a.citations[0].quote in p.text


def test_english_question_quotes_the_chinese_figure(reader):
    a = reader.run("How many poor households did Daocheng County identify in 2014?", [passage(DAOCHENG)])
    assert not a.refused
    assert "1268" in a.answer and "000_0be71c8bf9467bc8.txt" in a.answer
    assert question_script("How many?") == "en"


@pytest.mark.parametrize(
    "question",
    [
        "稻城县2021年的贫困发生率是多少？",  # a year the passage never mentions
        "理塘县2014年审定贫困村多少个？",  # a place the passage never mentions
        "稻城县2014年的地区生产总值是多少亿元？",  # a unit no figure carries
    ],
)
def test_refuses_when_the_evidence_does_not_cover_the_question(reader, question):
    a = reader.run(question, [passage(DAOCHENG)])
    assert a.refused, a.answer
    assert a.answer.startswith("文档中没有找到")
    assert a.citations == []
    assert any(w.startswith("refused:") for w in a.warnings)


def test_refusal_in_the_question_language(reader):
    assert reader.run("What was Daocheng's GDP in 2021?", [passage(DAOCHENG)]).answer.startswith("The documents do not answer")
    assert reader.run("稻城縣2021年的貧困發生率是多少？", [passage(DAOCHENG)]).answer.startswith("文件中沒有找到")


def test_no_passages_is_a_refusal(reader):
    assert reader.run("稻城县2014年审定贫困村多少个？", []).refused


def test_answers_are_short(reader):
    a = reader.run("稻城县的基本情况是什么？", [passage(DAOCHENG)])
    assert len(re.sub(r"\[\d+\]", "", a.answer)) <= 110


def test_question_analysis():
    info = analyze_question("稻城县2014年审定的贫困户和贫困人口分别是多少？")
    assert info.numeric and info.multi
    assert info.years == ["2014"]
    assert info.places == ["稻城县"]
    assert [p.unit for p in info.parts] == ["户", "人"]
    assert analyze_question("昌都市累计投入资金多少亿元？").units == ["元"]
    assert analyze_question("稻城县贫困发生率是多少？").units == ["%"]
    assert find_places("昌都市卡若区有多少建档立卡贫困人口") == ["昌都市", "卡若区"]


# ------------------------------------------------------------------ end to end on the real seed index


@pytest.fixture(scope="module")
def bot(seed_index, retriever):
    return Assistant(seed_index, retriever=retriever)


@pytest.mark.parametrize(
    "question, figure, doc",
    [
        ("稻城县2014年审定贫困村多少个？", "55", "000"),
        ("昌都市2016年以来累计减贫多少户？", "3.84万", "002"),
        ("報告中的縣精準識別了多少個貧困村？", "42", "001"),
        ("维西县塔城镇的贫困发生率降至多少？", "1.04%", "004"),
        ("How many poor villages did Daocheng County identify in 2014?", "55", "000"),
    ],
)
def test_end_to_end_answers_are_cited_and_grounded(bot, question, figure, doc):
    a = bot.ask(question)
    assert not a.refused, a.warnings
    assert figure in a.answer
    assert a.citations and a.citations[0].doc.startswith(doc)
    assert figure.replace("万", "萬") in a.citations[0].quote or figure in a.citations[0].quote
    # every figure in the answer stands in a cited passage
    assert check_answer(a.answer, {c.n: c.text for c in a.citations}).ok
    assert a.timings["total_ms"] > 0 and a.passages


def test_end_to_end_refusal(bot):
    a = bot.ask("理塘县2014年识别了多少个贫困村？")
    assert a.refused and not a.citations
