"""The places an English question names (rag/reader/english.py), on passages written for these tests
(not the seeds): pinyin matched to the passages' own names, titles of ordinary words and villages
spelled only in the text are not 'somewhere else', a county the passages do not name still is."""
from __future__ import annotations

import doctest
import re

import rag.reader.english as english_mod
from rag.reader import OfflineReader
from rag.reader.english import english_places, pinyin_index
from rag.types import Passage


def _p(text: str, doc_places=("岗城镇",), chunk_id="c1") -> Passage:
    return Passage(rank=1, doc="towns.txt", chunk_id=chunk_id, section="岗城镇工作简报", text=text, score=1.0, doc_places=list(doc_places))


TOWN = "岗城镇共有行政村9个，农户3120户。和兴村依托温泉发展乡村旅游，村集体经济收入达52万元，带动农户86户。"


def test_doctests():
    assert doctest.testmod(english_mod).failed == 0


def test_a_place_the_passages_name_is_matched_by_pinyin():
    assert english_places("How many households does Gangcheng Town have?", [_p(TOWN)]) == (["岗城镇"], None)


def test_a_county_no_passage_names_is_somewhere_else():
    assert english_places("How many households does Litang County have?", [_p(TOWN)]) == ([], "Litang County")
    # the reader refuses it and says which place it found
    ans = OfflineReader().run("How many households does Litang County have?", [_p(TOWN)])
    assert ans.refused and "Litang County" in ans.answer


def test_a_title_of_ordinary_words_is_not_a_place():
    text = "2020年，岗城镇拉姆村荣获省级文明村称号。"
    assert english_places("Which village was named a Provincial Civilized Village?", [_p(text)])[1] is None
    # a proper name before the same word still is one
    assert english_places("Which village in Litang County was named a civilized village?", [_p(text)])[1] == "Litang County"


def test_a_village_spelled_only_in_the_text_is_one_of_the_places_asked_about():
    places, missing = english_places("How much collective income did Hexing Village earn from tourism?", [_p(TOWN)])
    assert missing is None and "和兴村" in places
    ans = OfflineReader().run("How much collective income did Hexing Village earn from tourism?", [_p(TOWN)])
    assert not ans.refused and "52万元" in ans.answer
    # a village the text does not spell is still somewhere else
    assert english_places("How much collective income did Dexing Village earn?", [_p(TOWN)])[1] == "Dexing Village"


def test_a_county_named_in_passing_is_not_spelled_into_the_passages():
    # a road to a neighbouring county: the passage is not about that county
    text = "岗城镇修通至朗达县的公路18公里，全镇农户3120户。"
    spelled = english_mod._spelled_places(text)
    assert "langda县" not in spelled and spelled["gangcheng镇"] == "岗城镇"


def test_the_pinyin_index_is_built_once_per_set_of_names():
    a = pinyin_index(frozenset({"岗城镇", "朗木乡"}))
    assert pinyin_index(frozenset({"朗木乡", "岗城镇"})) is a
    assert a["gangcheng"] == "岗城镇" and a["langmu"] == "朗木乡"


def test_what_wage_is_answered_with_the_amount_of_money():
    text = "茶叶基地流转土地300亩，每亩租金800元，雇工每人每天120元，带动农户86户。"
    ans = OfflineReader().run("What daily wage does the tea base pay hired workers?", [_p(text)])
    assert not ans.refused and re.match(r"120元\[1\]$", ans.answer), ans.answer


def test_households_and_people_are_two_counts():
    text = "茶叶基地流转土地300亩，带动建档立卡贫困户86户312人，人均增收2100元。"
    ans = OfflineReader().run("How many households and people did the tea base benefit?", [_p(text)])
    assert ans.answer == "86户[1]；312人[1]", ans.answer
    # roads and bridges may be one count: not split
    from rag.reader.question import analyze

    assert analyze("How many rural roads and bridges were built?").parts == []


def test_how_many_tourists_is_not_answered_with_a_count_of_other_people():
    text = "2020年岗城镇共有农户3120户、贫困人口5610人。全镇接待游客人次比上年增长24%。"
    ans = OfflineReader().run("How many tourists did Gangcheng Town receive in 2020?", [_p(text)])
    assert ans.refused, ans.answer
    # the kind of people may follow the figure in other words (村医 for village doctors)
    ans = OfflineReader().run("How many qualified village doctors will Gangcheng Town train?", [_p("岗城镇计划培养200名合格村医，落实退出机制。")])
    assert not ans.refused and ans.answer.startswith("200名"), ans.answer


def test_what_ratio_and_what_investment_are_numbers():
    text = "县级领导对全县8个乡镇和贫困发生率超过0.95%的27个行政村进行挂牌督战。"
    ans = OfflineReader().run("Above what poverty headcount ratio were villages put under county-leader supervision, "
                              "and how many villages was that?", [_p(text)])
    assert ans.answer == "0.95%[1]；27个[1]", ans.answer
    ans = OfflineReader().run("How many projects were signed at the conference, and what was their planned investment?",
                              [_p("收集上会签约项目86项、计划总投资12.5亿元，实行“433”投资模式。")])
    assert ans.answer == "86项[1]；12.5亿元[1]", ans.answer


def test_a_count_of_something_else_after_the_figure_is_not_the_answer():
    text = "岗城镇围绕“30个工作目标”推进集中安置点后扶工作，全镇农户3120户。"
    ans = OfflineReader().run("How many centralized resettlement sites does Gangcheng Town have?", [_p(text)])
    assert ans.refused, ans.answer  # 30个 counts 工作目标, not 安置点


def test_a_unit_without_its_figure_is_no_answer():
    ans = OfflineReader().run("What was the planned investment of the housing projects?", [_p("全镇规划住房安全项目个，投资资金万元。")])
    assert ans.refused, ans.answer
    ans = OfflineReader().run("How much did the town invest in housing projects?", [_p("全镇实施住房安全项目12个，投资资金860万元。")])
    assert ans.answer == "860万元[1]", ans.answer


def test_a_prefectures_figure_is_not_taken_from_a_county_report_that_mentions_it():
    county = Passage(rank=1, doc="gesang.txt", chunk_id="c1", section="格桑县工作报告 › 一、基本情况",
                     text="格桑县位于雪原州南部。2014年全县贫困发生率为21.4%，贫困人口5120人。", score=1.0, doc_places=["格桑县"])
    prefecture = Passage(rank=2, doc="xueyuan.txt", chunk_id="c2", section="雪原州扶贫决定",
                         text="全州贫困发生率从2010年的35.2%下降到2014年的16.8%。", score=0.9, doc_places=["雪原州"])
    question = "What was the poverty headcount ratio of Xueyuan Prefecture in 2014?"
    assert OfflineReader().run(question, [county, prefecture]).answer == "16.8%[1]"
    ans = OfflineReader().run(question, [county])
    assert ans.refused and "格桑县" in ans.answer  # the county's 21.4% is not the prefecture's


def test_an_english_name_that_is_not_pinyin_is_matched_through_the_gazetteer():
    # Qamdo is 昌都 and Shangri-La 香格里拉 (rag/data/exonyms_en.tsv); Lhasa (拉萨) is named by no passage
    city = _p("昌都市建成农牧民专业合作社420个，带动农户1.2万户。", doc_places=("昌都市",))
    assert english_places("How many cooperatives has Qamdo City built?", [city]) == (["昌都市"], None)
    ans = OfflineReader().run("How many cooperatives has Qamdo City built?", [city])
    assert not ans.refused and re.sub(r"\[\d+\]", "", ans.answer) == "420个", (ans.answer, ans.warnings)
    town = _p("香格里拉市增加挂包干部力量408名。", doc_places=("香格里拉市",))
    assert english_places("How many cadres did Shangri-La City add?", [town]) == (["香格里拉市"], None)
    assert english_places("How many cooperatives does Lhasa City have?", [city]) == ([], "Lhasa City")


def test_who_holds_a_post_of_the_county_is_not_a_towns_secretary():
    # rag/reader/english.py title_level_problem: the title before the name is of the level asked (县委书记), or
    # the person holds no post of the county; an invented county report
    from rag.reader import OfflineReader
    from rag.types import Passage

    def p(text):
        return Passage(rank=1, doc="qingling.txt", chunk_id="c1", section="青岭县脱贫攻坚纪实", text=text, score=1.0,
                       doc_places=["青岭县"])

    reader = OfflineReader()
    town = reader.run("Who is the Party secretary of Qingling County?",
                      [p("青岭县龙溪镇党委书记张立新参加完会议，立即赶回镇里。白石村党总支书记李明说，今年要多种几亩。")])
    assert town.refused, town.answer
    county = reader.run("Who is the Party secretary of Qingling County?",
                        [p("青岭县委书记王海峰主持召开脱贫攻坚推进会，龙溪镇党委书记张立新参加会议。")])
    assert "王海峰" in county.answer, county.answer
    # the reader goes on past a village secretary named first to the county's
    later = reader.run("Who is the Party secretary of Qingling County?",
                       [p("白石村党总支书记李明说，今年要多种几亩。青岭县委书记王海峰指出，要巩固脱贫成果。")])
    assert "王海峰" in later.answer, later.answer
