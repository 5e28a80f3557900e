"""English figure questions over Chinese reports: the figure is the one the report writes next to the
thing asked about (rag/reader/focus.py, rag/dictionary.py). Passages written for these tests (an
invented county report), not the seeds."""
from __future__ import annotations

import doctest

import rag.dictionary as dictionary_mod
import rag.reader.focus as focus_mod
from rag.reader import OfflineReader
from rag.reader.focus import figure_window, focus_slots
from rag.types import Passage


def _p(text: str, rank=1, chunk_id="c1", section="青岭县产业发展情况") -> Passage:
    return Passage(rank=rank, doc="qingling.txt", chunk_id=chunk_id, section=section, text=text, score=1.0 / rank,
                   doc_places=["青岭县"])


def test_doctests():
    assert doctest.testmod(focus_mod).failed == 0
    assert doctest.testmod(dictionary_mod).failed == 0


def test_the_dictionary_reverses_cc_cedict():
    assert dictionary_mod.translations("grapes")[0] == "葡萄"
    assert "孤儿" in dictionary_mod.translations("orphans")
    assert "藜麦" in dictionary_mod.translations("quinoa")
    assert dictionary_mod.translations("zzzqx") == []


CROPS = "截至目前，白石村共种植葡萄80余亩、橄榄260亩、核桃45亩，带动农户112户。"


def test_the_figure_next_to_the_crop_asked_about():
    reader = OfflineReader()
    olive = reader.run("How many mu of olives does Baishi Village grow?", [_p(CROPS)])
    grape = reader.run("How many mu of grapes does Baishi Village grow?", [_p(CROPS)])
    walnut = reader.run("How many mu of walnuts does Baishi Village grow?", [_p(CROPS)])
    assert "260亩" in olive.answer and "80余亩" not in olive.answer
    assert "80余亩" in grape.answer
    assert "45亩" in walnut.answer


def test_the_figure_of_the_asked_thing_in_another_passage():
    # the first passage has a figure in the asked unit about another crop; the second names the olives
    first = _p("去年全村种植青稞320亩，户均增收2100元。", rank=1, chunk_id="a")
    second = _p("在白石村，合作社新栽植橄榄58亩，预计三年后挂果。", rank=2, chunk_id="b")
    ans = OfflineReader().run("How many mu of olives did the cooperative in Baishi Village plant?", [first, second])
    assert "58亩" in ans.answer


def test_money_said_next_to_the_people_it_is_paid_to():
    text = ("2019年以来，全县累计发放临时救助资金3.2亿元，特困人员供养资金1.1亿元，"
            "孤儿基本生活费2306.4万元，残疾人两项补贴0.92亿元。")
    ans = OfflineReader().run("How much in orphans' basic living allowances has the county paid since 2019?", [_p(text)])
    assert "2306.4万元" in ans.answer


def test_the_qualified_count_beats_the_plain_one():
    text = "全面加强5个集中安置点“30个工作目标”和17个分散安置点后续扶持工作。"
    ans = OfflineReader().run("How many centralized resettlement sites does the county have?", [_p(text)])
    assert ans.answer.startswith("5个")


def test_words_of_one_figure_do_not_belong_to_its_neighbour():
    s = "种植葡萄80余亩、橄榄260亩"
    i = s.index("260")
    assert s[slice(*figure_window(s, i, i + 4))] == "橄榄260亩"
    i = s.index("80")
    assert s[slice(*figure_window(s, i, i + 4))] == "种植葡萄80余亩"


def test_the_unit_head_of_a_people_count_is_no_focus():
    # every 人/户 figure counts workers or households: the qualifiers say which ones
    labels = [lbl for lbl, _, _ in focus_slots("How many registered poor households did the project benefit?")]
    assert labels[0] == "registered poor" and "household" not in labels
    # the glossary term of the whole phrase is the qualified kind (poor people → 贫困人口), not the unit
    slots = {lbl: zh for lbl, zh, _ in focus_slots("How many poor people did the county train?")}
    assert "贫困人口" in slots["poor people"]
    assert focus_slots("How many households are there?") == ()


def test_a_part_that_refers_back_is_about_what_the_part_before_names():
    text = ("2021年，全县安排1.8亿元实施产业提升项目45个，安排0.9亿元实施道路养护项目12个，"
            "截至年底累计竣工各类项目1320个。")
    ans = OfflineReader().run("In 2021, how much did the county allocate to industry upgrading projects, "
                              "and how many such projects were there?", [_p(text)])
    assert "1.8亿元" in ans.answer and "45个" in ans.answer and "1320个" not in ans.answer


def test_the_rest_of_the_question_says_which_households():
    text = "通过各项帮扶措施的落实，已有120户未脱贫户达到脱贫标准，剩余35户正在抓紧落实帮扶措施。"
    ans = OfflineReader().run("How many households were still carrying out their assistance measures?", [_p(text)])
    assert "35户" in ans.answer


def test_the_report_term_written_into_the_english_question():
    text = "全县先后建成通乡通村路612.4千米、联户便道305.7千米，改造危桥14座。"
    ans = OfflineReader().run("How many kilometres of household-connecting paths (联户便道) were built?", [_p(text)])
    assert "305.7千米" in ans.answer


def test_a_word_only_qualifying_a_phrase_is_no_translation():
    # CC-CEDICT's 赌棍 is a "hardened gambler": not a translation of hardened
    assert "赌棍" not in dictionary_mod.translations("hardened")


def test_how_much_per_household_is_an_amount():
    from rag.reader.question import analyze

    assert analyze("How much did each walnut grower household gain in 2019?").unit == "money"
    text = "2019年，通过企业带动，全县仅核桃、花椒种植户户均增收8600元和4210元，带动农户1320户。"
    ans = OfflineReader().run("In 2019, how much did each walnut grower household gain on average?", [_p(text)])
    assert "8600元" in ans.answer


def test_chinese_questions_keep_the_models_order():
    import numpy as np

    from rag.reader.question import analyze
    from rag.reader.reader import _focus_first, make_pool

    reader = OfflineReader()
    pool = make_pool([_p(CROPS)])
    q = analyze("白石村种植了多少亩橄榄？")
    ev = reader.read(q, pool)
    order = np.argsort(-ev.scores)[:40]
    new, unrelated = _focus_first(q, ev, pool, order)
    assert list(new) == list(order) and not unrelated


def test_the_window_after_a_figure():
    s = "组建312个家庭医生服务团队、贫困人口慢性病签约服务全覆盖"
    i = s.index("312")
    assert s[slice(*figure_window(s, i, i + 4))] == "组建312个家庭医生服务团队"
    s = "投入12.5亿元用于产业扶贫、农村公路、饮水安全"
    i = s.index("12.5")
    assert s[slice(*figure_window(s, i, i + 6))].endswith("饮水安全")
    s = "安排项目310个(2016年41个、2017年52个)"
    i = s.index("41")
    assert s[slice(*figure_window(s, i, i + 3))].startswith("安排项目")


def test_a_figure_counted_in_the_measured_noun_itself():
    """71村: the figure's own measure word (村) heads the measured noun's translations (行政村, 农村), so it
    is said with the figure; the township's village total (64个行政村) is not what 'placed a first secretary' counts."""
    ps = [_p("青岭县地处山区，幅员面积3120平方公里，辖5镇7乡，64个行政村，总人口9.3万人。", 1, "c1"),
          _p("组建36个驻村工作队、选派71村“第一书记”，到脱贫最前线。", 2, "c2")]
    ans = OfflineReader().run("In how many villages has Qingling County placed a 'first secretary'?", ps)
    assert "71村" in ans.answer and "64" not in ans.answer, ans.answer


# ---- rules found on the tune half of the dev English questions (eval/english_split.py); invented reports


def test_the_later_side_of_a_from_to_range_is_of_the_later_year():
    # 从A下降到B after 从2015年…到2019年…: A is 2015's figure, B 2019's; both are the incidence's
    text = "全县农村贫困人口从2015年的2.1万人减少到2019年的0.3万人，贫困发生率从24.6%下降到3.2%，群众收入稳步增长。"
    reader = OfflineReader()
    late = reader.run("What was the poverty incidence of Qingling County in 2019?", [_p(text)])
    early = reader.run("What was the poverty incidence of Qingling County in 2015?", [_p(text)])
    assert late.answer.startswith("3.2%"), late.answer
    assert early.answer.startswith("24.6%"), early.answer


def test_a_quantity_the_question_states_picks_the_sentence():
    # two growers, two sums: the question's "three mu" is said in one sentence only
    text = ("在白石村，种植户李大姐说：“去年种了1亩，收入1800元，没想到收成这么好。”"
            "合作社社员王阿姨领到了青稞种子，“我家今年要种上三亩，可增加收入4200元左右。”")
    ans = OfflineReader().run("How much extra income does the grower in Baishi Village expect from her three mu?", [_p(text)])
    assert ans.answer.startswith("4200元"), ans.answer


def test_a_figure_counted_in_the_asked_noun_itself():
    # categories → 类 (a translation of the head noun): the figure counted in 类 counts categories, the 项 one items
    text = "全县实施健康扶贫，开展健康服务项目9项、签约服务14类，覆盖贫困人口。"
    ans = OfflineReader().run("How many categories of services does Qingling County's health programme offer?", [_p(text)])
    assert ans.answer.startswith("14类"), ans.answer


def test_no_unrelated_figure_when_the_measured_thing_is_of_another_year():
    # the livestock sales are given for 2020 only; the road investment is no answer for 2019
    text = ("2020年，对口帮扶城市计划帮助销售青岭县农畜产品3亿元。"
            "加强道路基础设施建设，2017至2019年实施农村公路项目310个，总投资12.5亿元。")
    ans = OfflineReader().run("How much in farm and livestock products did the partner city help Qingling County sell in 2019?",
                              [_p(text)])
    assert ans.refused, ans.answer


def _pref(text: str) -> Passage:
    return Passage(rank=1, doc="qingling.txt", chunk_id="c1", section="青岭州脱贫攻坚规划", text=text, score=1.0,
                   doc_places=["青岭州"])


def test_a_rate_per_year_or_per_head_is_the_figure_said_with_it():
    # per year → 年均/每年, each household → 户均, per person → 人均: the total beside it answers another question
    reader = OfflineReader()
    year = reader.run("By how many poor villages per year is Qingling Prefecture to reduce its poor villages?",
                      [_pref("到2020年，全州计划减少贫困村1360个，年均减少贫困村272个以上，实现贫困县全部摘帽。")])
    household = reader.run("How much did Qingling Prefecture's poverty-relief loans give each household on average?",
                           [_pref("全州累计发放扶贫小额信贷3.6亿元，惠及贫困户7200户，户均5万元。")])
    person = reader.run("How much did Qingling Prefecture's education aid give per person?",
                        [_pref("全州累计发放教育资助资金1.2亿元，资助学生4.8万人次，人均资助2500元。")])
    assert year.answer.startswith("272个"), year.answer
    assert household.answer.startswith("5万元"), household.answer
    assert person.answer.startswith("2500元"), person.answer
