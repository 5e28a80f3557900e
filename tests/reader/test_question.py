"""Question analysis (rag/reader/question.py): expected answer type, unit family, constraints, parts."""
from __future__ import annotations

import doctest

import pytest

import rag.reader.question as question_mod
from rag.reader.question import analyze


def test_doctests():
    assert doctest.testmod(question_mod).failed == 0


@pytest.mark.parametrize(
    "question, atype, unit",
    [
        ("白溪县培育农民专业合作社多少家？", "number", "count"),
        ("白溪县带动农户多少户增收？", "number", "户"),
        ("全县常住人口有多少人？", "number", "人"),
        ("比赛一共持续了多少个小时？", "number", "duration"),  # the hours, not a count of 个
        ("工程延期了几个月？", "number", "duration"),
        ("该公司2021年营收多少美元？", "number", "money"),  # 美元 is money
        ("白溪县农村自来水普及率达到多少？", "number", "%"),
        ("贫困人口占全县人口的比例是多少？", "number", "%"),
        ("地区生产总值是多少？", "number", "money"),
        ("新改建农村公路多少公里？", "number", "length"),
        ("林默然在哪一年获得博士学位？", "date", None),
        ("林默然是什么时候当选院士的？", "date", None),
        ("东南植物研究所是谁创办的？", "person", None),
        ("林默然是哪里人？", "place", None),
        ("芝加哥大學位於美國的哪一個州?", "place", None),
        ("甘眉工业园区由哪家公司建设？", "org", None),
        ("林默然著有哪部著作？", "title", None),
        ("该县的四大优势产业是哪些？", "list", None),
        ("弗洛伊德将人格分为哪几个部分？", "list", None),
        ("为什么风机越来越高？", "reason", None),
        ("如何得到较纯的次磷酸溶液？", "manner", None),
        ("棱柱是什么？", "define", None),
        ("How many households did the county lift out of poverty?", "number", "户"),
        ("In which year was the institute founded?", "date", None),
        ("Who founded the institute?", "person", None),
    ],
)
def test_expected_answer_type(question, atype, unit):
    q = analyze(question)
    assert (q.atype, q.unit) == (atype, unit)


@pytest.mark.parametrize("question", ["院长陈立新率队深入多少个乡镇巡诊？", "他率军攻下了几座城池？", "他率领多少名队员出征？"])
def test_lead_is_not_a_rate(question):
    """率队/率军/率领 are verbs (to lead): the question wants a count, not a percentage."""
    assert analyze(question).unit != "%"
    assert analyze("全县的贫困发生率是多少？").unit == "%"


def test_head_noun_and_constraints():
    q = analyze("2019年白溪县要求尽快建成的是哪个机场？")
    assert q.head == "机场" and q.atype == "place"
    assert q.years == ["2019"]
    assert "白溪县" in q.places and "白溪县" in q.entities
    assert analyze("“圣洁”品牌是什么？").quoted == ["圣洁"]
    assert "一号风球" in analyze("一号风球是什么意思？").entities  # an ordinal name is one entity
    assert "南宁二中" in analyze("南宁二中是什么的简称？").entities  # adjacent name words are one name


def test_why_at_the_end_is_what():
    """即算为什么 is 'counts as what' (为 + 什么), not 'why'."""
    assert analyze("生命数耗完即算为什么？").atype != "reason"
    assert analyze("为什么风机越来越高？").atype == "reason"


def test_multi_part_questions_have_one_part_per_thing_asked():
    q = analyze("2022年白溪县的贫困户和贫困人口分别是多少？")
    assert [p.unit for p in q.parts] == ["户", "人"]
    assert all(p.years == ["2022"] for p in q.parts)
    assert all("白溪县" in p.terms for p in q.parts)  # the shared context counts for each part
    q = analyze("白溪县排查车辆多少台次、检测人员多少人次？")
    assert len(q.parts) == 2 and [p.unit for p in q.parts] == ["count", "人次"]
    q = analyze("白溪县新建茶叶基地多少亩？带动农户多少户？")
    assert [p.unit for p in q.parts] == ["area", "户"]
    assert "白溪县" in q.parts[1].terms
    assert analyze("白溪县有多少个乡镇？").parts == []


@pytest.mark.parametrize(
    "question, unit, explicit",
    [
        ("合作社的农户每户能多挣多少？", "money", True),  # 每户 is the denominator; earning is money
        ("龙头企业平均让每户多挣了多少钱？", "money", True),  # 多少钱, not 多少 + 钱
        ("有多少贫困户发展了小养殖？", "户", True),  # the noun after 多少, up to its verb
        ("该县设了多少教育扶贫救助资金？", "money", False),  # the head of the noun phrase after 多少
        ("乡镇通畅率是多少？", "%", True),
        ("旅游收入比2019年翻了多少？", None, False),  # a change asked without a unit: not the noun's unit
    ],
)
def test_unit_from_everyday_wording(question, unit, explicit):
    q = analyze(question)
    assert (q.atype, q.unit) == ("number", unit)
    assert q.unit_explicit is explicit


def test_two_kinds_of_one_thing_after_one_wh_word_are_two_parts():
    q = analyze("该县打造了多少家高端民宿和普通民宿？")
    assert [p.text for p in q.parts] == ["该县打造了多少家高端民宿", "该县打造了多少家普通民宿"]
    assert analyze("有多少个机关和企事业单位定点帮扶？").parts == []  # one count of both
    q = analyze("该县在2014年和2018年各安排了多少个项目？")
    assert [p.years for p in q.parts] == [["2014"], ["2018"]]
    q = analyze("该县设了多少教育救助资金，已经发出去多少？")
    assert [p.unit for p in q.parts] == ["money", "money"]  # the bare second part counts in the first part's unit


def test_english_units_and_paired_things():
    assert analyze("How many person-times of technicians were trained in the county?").unit == "人次"
    q = analyze("How many poor villages and poor households did the county identify?")
    assert [(p.text, p.unit) for p in q.parts] == [
        ("How many poor villages did the county identify?", "count"), ("How many poor households did the county identify?", "户")]
    assert analyze("How many star-rated hotels and similar establishments has the county created?").parts == []
    assert analyze("How many categories of basic and major health programmes does the plan set?").parts == []


def test_hyphenated_english_compounds_are_looked_up_word_by_word():
    from rag.crosslingual import translate_query

    assert "低保" in translate_query("How much was spent on minimum-living-allowance subsidies?").split()
    assert "人次" in translate_query("How many person-times were trained?").split()


@pytest.mark.parametrize(
    "question, unit, explicit",
    [
        ("How much did the county pool in 2019 for renovating dilapidated houses?", "money", False),  # how much + verb
        ("How much medical insurance did the county pay on behalf of poor households?", "money", False),
        ("What was the poverty headcount ratio of the county in 2014?", "%", True),  # a rate asked: a percentage
        ("How many registered poor households did the tea base benefit?", "户", True),  # the head of the noun phrase
        ("How many people received temporary assistance in the county?", "人", True),
        ("How many leading enterprises are there in the county?", "count", True),
        ("By how much did the per capita disposable income of rural residents grow?", None, False),  # a change
        ("What daily wage does the tea base pay hired workers?", "money", False),  # what <money noun> does …
        ("What subsidy is each household given?", "money", False),  # not a count of households
    ],
)
def test_english_unit_from_the_measure_noun_phrase(question, unit, explicit):
    q = analyze(question)
    assert (q.atype, q.unit, q.unit_explicit) == ("number", unit, explicit)


def test_english_counted_noun_and_report_terms():
    from rag.crosslingual import translate_query

    assert analyze("How many leading enterprises are there in the county?").counted_en == "enterprises"
    assert analyze("How many people received temporary assistance?").counted_en == "people"  # the verb ends it
    terms = translate_query("What was the poverty headcount ratio in 2014?").split()
    assert "贫困发生率" in terms and "2014" in terms
    assert {"入户", "排查"} <= set(translate_query("How many person-times of door-to-door screening were done?").split())
    assert "户均" in translate_query("How much average income increase per household do cooperatives bring?").split()


def test_personal_is_not_a_count_of_people():
    from rag.reader.question import analyze

    assert analyze("白溪县患者住院，个人负担控制在多少以内？").unit is None
    assert analyze("白溪县有多少人？").unit == "人"


def test_who_earns_is_not_what_is_measured():
    from rag.reader.question import analyze

    assert analyze("白溪县种茶带动的农户每人多挣了多少？").concept is None  # the households earn; money is measured
    assert analyze("白溪县农村居民人均可支配收入是多少元？").concept == "人均可支配收入"


def test_a_clause_after_the_counted_unit_names_nothing_counted():
    from rag.reader.question import analyze


    assert analyze("白溪县督战的是剩余人口超过多少人的地方？").counted is None
    assert analyze("白溪县建了几个安置点？").counted == "安置点"
    # 全部 after the counted noun says how many of them did it, it is not part of what is counted
    assert analyze("白溪县有多少个问题全部完成整改？").counted == "问题"
    assert analyze("白溪县有多少个贫困村全部退出？").counted == "贫困村"
    # a verb and 点 / 站 after the noun make a place noun: 登记点 is counted, not 义务检测
    assert analyze("白溪县在小区设了几个义务检测登记点？").counted == "义务检测登记点"
    # a thing counted in 册 / 张 ends the question with its head, whatever jieba tags it (挂图 as a verb)
    assert analyze("白溪县发放了多少册政策挂图？").counted == "政策挂图"
    assert analyze("白溪县有多少户贫困户脱贫？").counted == "贫困户"
