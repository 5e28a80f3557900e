"""Refusal of near-miss questions (rag/reader/refusal.py, wired into rag/reader/reader.py's subject check),
on reports written for these tests (not the seeds): a figure for a neighbouring measure is not an
answer, and the twin question the report does answer is still answered."""
from __future__ import annotations

import doctest
import re
from dataclasses import replace

import pytest

import rag.reader.refusal as refusal_mod
from rag.reader import OfflineReader
from rag.types import Passage

# an invented county: total population only, a total not an average, absolute figures not growth rates
SONGLING = {
    "一、基本情况": "松岭县地处北部山区，幅员面积3120平方公里，辖5镇7乡，总人口18.6万人。",
    "二、帮扶力量": "全县组建驻村工作队42个，选派干部196名驻村帮扶。成立以县委主要负责同志任组长的工作领导小组。",
    "三、产业发展": "全县累计发放产业扶持资金2.35亿元，新建蔬菜大棚860个，带动农户3400户。",
    "四、教育保障": "累计资助困难学生5120人次，发放助学资金1380万元。",
}
# another invented county that does state the qualified figures
HEXI = {
    "一、基本情况": "禾溪县总人口9.8万人，其中女性人口4.7万人，草原面积860平方公里。",
    "二、收入": "2023年农村居民人均可支配收入达到15200元，比上年增长8.4%，全县户均增收2100元。",
    "三、组织": "县扶贫办主任王建国介绍，全县2018年启动“暖心工程”，帮扶困难群众2600人。",
}


def p(text: str, doc: str, section: str, rank: int, title: str) -> Passage:
    return Passage(rank=rank, doc=doc, chunk_id=f"{doc}#{rank}", section=section, text=text, score=1.0 / rank, title=title)


def county(parts: dict[str, str], name: str) -> list[Passage]:
    doc = f"{name}.txt"
    return [p(t, doc, f"{name}工作报告 › {h}", k + 1, f"{name}工作报告") for k, (h, t) in enumerate(parts.items())]


@pytest.fixture(scope="module")
def reader():
    return OfflineReader()


def short(ans) -> str:
    return re.sub(r"\[\d+\]", "", ans.answer)


def test_doctests():
    assert doctest.testmod(refusal_mod).failed == 0


@pytest.mark.parametrize("question,reason", [
    ("松岭县总人口中女性有多少人？", "女性"),          # 总人口 given, 女性 asked
    ("松岭县女性人口有多少？", "女性"),
    ("松岭县平均每个驻村工作队有多少名干部？", "平均"),  # totals given, an average asked
    ("松岭县累计资助困难学生平均每人次多少元？", "平均"),
    ("松岭县发放的产业扶持资金比上年增长了百分之多少？", "增长率"),  # an absolute figure given, a growth rate asked
    ("松岭县草原面积有多少平方公里？", "幅员面积"),       # 幅员面积 given, 草原面积 asked
    ("松岭县工作领导小组组长叫什么名字？", "no person"),  # nobody is named
    ("松岭县工作领导小组组长是谁？", "no person"),
    ("松岭县的蔬菜大棚是哪一年建成的？", "no date"),
    ("How many female residents does Songling County have?", "female"),
])
def test_a_neighbouring_measure_is_refused(reader, question, reason):
    ans = reader.run(question, county(SONGLING, "松岭县"))
    assert ans.refused, (question, ans.answer)
    assert any(reason in w for w in ans.warnings), ans.warnings  # refused by the check, not by chance


@pytest.mark.parametrize("question,expected", [
    ("松岭县总人口有多少？", "18.6万人"),
    ("松岭县组建了多少个驻村工作队？", "42个"),
    ("松岭县累计资助困难学生多少人次？", "5120人次"),
    ("松岭县幅员面积有多少平方公里？", "3120平方公里"),
])
def test_the_twin_the_report_states_is_answered(reader, question, expected):
    ans = reader.run(question, county(SONGLING, "松岭县"))
    assert not ans.refused, (question, ans.warnings)
    assert expected in short(ans)


@pytest.mark.parametrize("question,expected", [
    ("禾溪县总人口中女性有多少人？", "4.7万"),
    ("禾溪县草原面积有多少平方公里？", "860"),
    ("禾溪县农村居民人均可支配收入比上年增长了百分之多少？", "8.4%"),
    ("禾溪县户均增收多少元？", "2100"),
    ("禾溪县扶贫办主任是谁？", "王建国"),
    ("禾溪县的“暖心工程”是哪一年启动的？", "2018"),
])
def test_the_qualified_figure_is_answered_where_the_report_gives_it(reader, question, expected):
    ans = reader.run(question, county(HEXI, "禾溪县"))
    assert not ans.refused, (question, ans.warnings)
    assert expected in short(ans)


def test_an_english_question_about_a_place_no_passage_names_is_refused(reader):
    passages = county(SONGLING, "松岭县")
    ans = reader.run("What is the total population in Kunming?", passages)
    assert ans.refused and any("Kunming" in w for w in ans.warnings), ans.warnings
    ans = reader.run("What is the total population of Songling County?", passages)
    assert not ans.refused and "18.6万" in short(ans)


def test_an_english_question_for_a_year_the_passages_do_not_give_is_refused(reader):
    ans = reader.run("What was the rural per capita disposable income of Hexi County in 2016?", county(HEXI, "禾溪县"))
    assert ans.refused and any("2016" in w for w in ans.warnings), ans.warnings
    ans = reader.run("What was the rural per capita disposable income of Hexi County in 2023?", county(HEXI, "禾溪县"))
    assert not ans.refused and "15200" in short(ans), ans.warnings


# an invented county report for the questions a user asks about what a report does not say: an office
# named without its holder, a year that dates something else, a quoted label, a total without its parts,
# a count of another kind of thing, one side of a comparison
LANXI = {
    "一、基本情况": "2016年以来，岚溪县坚持把脱贫攻坚作为头等大事，累计减贫2.1万户8.4万人，确保12个贫困乡镇全部摘帽。",
    "二、组织领导": "成立以县委书记、县长为双组长的脱贫攻坚领导小组，县委书记刘青山主持召开推进会议。",
    "三、产业发展": "全面推行“246”工作法，全县建成标准化卫生院9个，农村居民人均收入达到12800元，全县人均GDP增长85.2%。",
}


@pytest.mark.parametrize("question,reason", [
    ("岚溪县县长叫什么名字？", "name"),                        # the office is named, its holder is not
    ("岚溪县脱贫攻坚领导小组是哪一年成立的？", "成立"),        # 2016年 dates something else
    ("岚溪县“246”工作法一共办了多少件事？", ""),             # “246” is a label, not a quantity (by a check or the score)
    ("岚溪县减贫的8.4万人里有多少是儿童？", "states|count in 人"),  # the total the question states, not its part
    ("岚溪县一共有多少家医院？", "count"),                    # 12个贫困乡镇 / 9个卫生院 count other things
    ("岚溪县和青岭县哪个县减贫人数更多？", "青岭县"),          # one side of the comparison is not in the report
    ("岚溪县的人均GDP是多少元？", "GDP|money"),              # 人均收入 is not 人均GDP, a growth rate no sum
    ("墨澜市建成了多少个标准化卫生院？", "墨澜市"),          # a city the report never names
])
def test_what_the_report_does_not_say_is_refused(reader, question, reason):
    ans = reader.run(question, county(LANXI, "岚溪县"))
    assert ans.refused, (question, ans.answer)
    assert any(re.search(reason, w) for w in ans.warnings), ans.warnings
    if reason:
        assert not any("do not seem to answer" in w for w in ans.warnings)  # refused by a check, not by a low score


@pytest.mark.parametrize("question,expected", [
    ("岚溪县县委书记是谁？", "刘青山"),
    ("岚溪县累计减贫多少户？", "2.1万户"),
    ("岚溪县建成了多少个标准化卫生院？", "9个"),
    ("岚溪县推行的是什么工作法？", "246"),
    ("岚溪县农村居民人均收入是多少元？", "12800元"),
    ("岚溪县人均GDP增长了多少？", "85.2%"),
])
def test_the_twins_the_report_states_are_still_answered(reader, question, expected):
    ans = reader.run(question, county(LANXI, "岚溪县"))
    assert not ans.refused, (question, ans.warnings)
    assert expected in short(ans)


# a prefecture report that gives a criterion and a township's figure, never the county's own
BAIHE = {
    "一、挂牌督战": "县级领导对贫困发生率超过2%的行政村、剩余贫困人口在30人以上的乡镇进行挂牌督战。",
    "二、典型": "经过不懈努力，青石镇已脱贫420户1630人，贫困发生率降至0.8%。",
}


@pytest.mark.parametrize("question,reason", [
    ("白河县的贫困发生率降到了多少？", "criterion|青石镇"),   # 超过2%的 selects villages; 0.8% is the township's
    ("白河县剩余贫困人口有多少？", "criterion"),            # 在30人以上的 selects townships
])
def test_a_criterion_or_a_townships_figure_is_not_the_countys(reader, question, reason):
    ans = reader.run(question, county(BAIHE, "白河县"))
    assert ans.refused, (question, ans.answer)
    assert any(re.search(reason, w) for w in ans.warnings), ans.warnings


@pytest.mark.parametrize("question,expected", [
    ("白河县青石镇的贫困发生率降至多少？", "0.8%"),
    ("贫困发生率超过多少的行政村要挂牌督战？", "2%"),
])
def test_the_township_and_the_criterion_are_answered_when_asked(reader, question, expected):
    ans = reader.run(question, county(BAIHE, "白河县"))
    assert not ans.refused, (question, ans.warnings)
    assert expected in short(ans)


def test_a_figure_for_another_measure_is_not_the_asked_one(reader):
    ans = reader.run("松岭县的地区生产总值是多少元？", county(SONGLING, "松岭县"))  # 产业扶持资金 given, 地区生产总值 asked
    assert ans.refused, ans.answer
    assert not any("do not seem to answer" in w for w in ans.warnings), ans.warnings  # by a check, not a low score
    twin = reader.run("松岭县发放的助学资金是多少？", county(SONGLING, "松岭县"))
    assert not twin.refused, twin.warnings
    assert "1380万元" in short(twin)


def test_a_date_is_read_from_the_clause_of_what_it_dates(reader):
    doc = {"一、医疗": "近年来全县医疗条件明显改善，县中医院于2013年被评为二甲医院、县妇幼保健院于2018年通过二甲评审。"}
    ans = reader.run("县中医院是哪一年评上二甲的？", county(doc, "岚溪县"))
    assert not ans.refused, ans.warnings
    assert "2013年" in short(ans) and "2018" not in short(ans)
    ans = reader.run("县妇幼保健院是哪一年通过二甲评审的？", county(doc, "岚溪县"))
    assert "2018年" in short(ans), ans.answer


def test_one_helper_of_a_list_is_not_credited_with_the_lists_total(reader):
    doc = {"二、对口帮扶": "积极争取东川市、南屏市、省直定点帮扶部门在产业发展等方面的帮扶，先后投入援建资金3.6亿元，实施项目48个。"}
    ans = reader.run("东川市在岚溪县实施了多少个援建项目？", county(doc, "岚溪县"))
    assert ans.refused, ans.answer
    assert any("others together" in w for w in ans.warnings), ans.warnings
    total = reader.run("岚溪县争取对口帮扶一共实施了多少个项目？", county(doc, "岚溪县"))
    assert not total.refused, total.warnings
    assert "48个" in short(total)


@pytest.mark.parametrize("question,expected", [
    ("Who is the party secretary of Lanxi County?", "刘青山"),  # the name written next to the office
    ("Who is the county magistrate of Lanxi?", None),          # 县长 is named only as an office, no holder
    ("Who is the mayor of Molan?", None),                      # no mayor in the report: not the place, not a clause
])
def test_an_english_office_holder_is_the_name_next_to_the_office(reader, question, expected):
    ans = reader.run(question, county(LANXI, "岚溪县"))
    if expected is None:
        assert ans.refused, (question, ans.answer)
    else:
        assert not ans.refused and short(ans) == expected, (question, ans.answer, ans.warnings)


@pytest.mark.parametrize("text,question,expected", [
    # 23处 is not the "23" of 2023年: the premise check matches whole figures only
    ("2023年，白溪县新建集中供水工程23处，新增受益人口1.8万人。", "白溪县2023年新建集中供水工程多少处？", "23处"),
    # 县领导包乡 says who is responsible for which level: the 6 groups are the city's, not a township's
    ("按照“市领导包县、县领导包乡、乡干部包村”的原则，成立6个帮扶集团。", "白溪县成立了几个帮扶集团？", "6个"),
])
def test_a_look_alike_of_a_refusal_reason_does_not_refuse_the_answer(reader, text, question, expected):
    ans = reader.run(question, county({"一、概况": text}, "白溪县"))
    assert not ans.refused and short(ans) == expected, (ans.answer, ans.warnings)


# an invented village report: a list of crops with their areas, a farmer's words about last year and this
# year, printed matter counted in 册 and 套, and a pattern of one plan per household
QINGSHI = {
    "一、产业": "目前，青石村共种植核桃80余亩、花椒120亩、苹果40亩。村民李有才说：“去年种了2亩，收入3000多元，今年准备种6亩，至少有1万多元的收入。”",
    "二、宣传": "发放《青石村政策宣传手册》3000余册、政策挂图260套、《到户政策明白卡》1.2万册。",
    "三、帮扶": "全村贫困户人均收入从2015年的3180元增长到12650元。制定一户一方案，落实帮扶措施。",
    "四、计划": "明年试种羊肚菌，建设冷库一座。",
}


@pytest.mark.parametrize("question,expected", [
    ("李有才今年种6亩，至少能收入多少？", "1万多元"),       # this year's figure, not last year's 3000多元 (his words are quoted: speech, not a name)
    ("青石村贫困户人均收入增长到12650元，2015年是多少？", "3180元"),  # the same measure's other value, in the stated figure's unit
    ("青石村发放了多少册政策宣传手册？", "3000余册"),
    ("青石村发放了多少册到户政策明白卡？", "1.2万册"),
    ("青石村种植了多少亩花椒？", "120亩"),
])
def test_the_figure_of_the_asked_thing_year_and_measure_word_is_answered(reader, question, expected):
    ans = reader.run(question, county(QINGSHI, "青石村"))
    assert not ans.refused and short(ans) == expected, (question, ans.answer, ans.warnings)


@pytest.mark.parametrize("question,reason", [
    ("青石村种植了多少亩羊肚菌？", "for 核桃"),              # no figure of 羊肚菌 in the list of crops
    ("青石村发放了多少册挂图？", "for 青石村政策宣传手册"),           # the 册 figure is the 手册's (the 挂图 are counted in 套)
    ("青石村有多少户搬迁群众？", ""),                       # 一户一方案 is no count of households
])
def test_a_figure_of_another_item_or_measure_word_is_refused(reader, question, reason):
    ans = reader.run(question, county(QINGSHI, "青石村"))
    assert ans.refused, (question, ans.answer)
    assert any(reason in w for w in ans.warnings), ans.warnings


def test_a_section_about_another_county_does_not_give_the_asked_countys_figure(reader):
    # an invented newspaper page: one document, a section per county; the page names both counties
    doc = "日报第三版.txt"
    page = [
        p("本报讯 为抓好帮扶工作，全县共排查出212户监测户，及时落实帮扶措施。", doc, "日报第三版 › 青川县 › 精准帮扶", 1, "日报第三版"),
        p("本报讯 白河市增加挂包干部力量350名，组建工作队28支。", doc, "日报第三版 › 白河市 › 务实措施", 2, "日报第三版"),
    ]
    page = [replace(x, doc_places=["白河市", "青川县"]) for x in page]
    ans = reader.run("白河市共排查出多少户监测户？", page)
    assert ans.refused and any("青川县" in w for w in ans.warnings), (ans.answer, ans.warnings)
    ans = reader.run("青川县共排查出多少户监测户？", page)
    assert not ans.refused and short(ans) == "212户", (ans.answer, ans.warnings)


def test_a_total_is_not_answered_by_the_count_a_programme_reached(reader):
    doc = {"一、产业": "目前，石门镇共有龙头企业9家，带动农户1200多户，农业产业扶贫带动建档立卡贫困户76户。",
           "二、概况": "石门镇辖6个行政村。"}
    ans = reader.run("石门镇共有多少户建档立卡贫困户？", county(doc, "石门镇"))
    assert ans.refused and any("带动" in w for w in ans.warnings), (ans.answer, ans.warnings)
    ans = reader.run("石门镇农业产业扶贫带动了多少户建档立卡贫困户？", county(doc, "石门镇"))
    assert not ans.refused and short(ans) == "76户", (ans.answer, ans.warnings)


@pytest.mark.parametrize("question,expected", [
    ("松溪县的干部结对帮扶覆盖了多少贫困户？", "1.5万"),          # 1.5万贫困户: the noun after the figure says its unit
    ("松溪县发放了多少套政策挂图？", "860套"),                   # each item of the list has its own figure: none is shared
    ("松溪县的医疗救助资金让多少贫困的人得到了好处？", "1262人"),  # 多少贫困的人 counts people, whatever 资金 before it
    ("How many deeply impoverished townships were relocated as a whole?", "7个"),  # "deeply" is no depth
])
def test_the_counted_noun_decides_the_unit(reader, question, expected):
    doc = {"一、帮扶": "全县干部结对帮扶1.5万贫困户，实现帮扶全覆盖。发放宣传手册2万余册、政策挂图860套、明白卡4.5万册。",
           "二、救助": "设立医疗救助资金300万元，救助贫困人口1262人。",
           "三、搬迁": "推进7个深度贫困乡整体易地扶贫搬迁，已搬迁安置1146户7211人。"}
    ans = reader.run(question, county(doc, "松溪县"))
    assert not ans.refused and short(ans) == expected, (question, ans.answer, ans.warnings)


def test_a_year_asked_of_a_total_with_its_breakdown_is_the_years_own_figure(reader):
    doc = {"一、项目": "分年度制定产业发展方案，安排项目360个（2019年48个、2020年130个、2021年182个），总投资9.6亿元。"}
    ans = reader.run("青溪县2020年的产业发展方案安排了多少个项目？", county(doc, "青溪县"))
    assert not ans.refused and short(ans) == "130个", (ans.answer, ans.warnings)
    ans = reader.run("青溪县的产业发展方案一共安排了多少个项目？", county(doc, "青溪县"))
    assert not ans.refused and short(ans) == "360个", (ans.answer, ans.warnings)


def test_a_who_question_is_not_answered_by_a_distance_nor_by_what_the_holder_does(reader):
    doc = {"一、概况": "青石村位于县城东北32公里，全村共有农户210户。",
           "二、组织": "村党支部共有党员26名，村支书王建国带领群众发展产业。"}
    ans = reader.run("青石村村支书是谁？", county(doc, "青石村"))
    assert not ans.refused and short(ans) == "王建国", (ans.answer, ans.warnings)
    ans = reader.run("青石村村支书是谁？", county({"一、概况": doc["一、概况"]}, "青石村"))
    assert ans.refused, ans.answer  # no name in the passages: not 县城东北32公里


def test_a_month_or_day_question_is_not_answered_by_a_bare_year(reader):
    doc = {"二、进展": "全县计划于2021年9月份高质量完成全部搬迁任务，届时1200户群众住进新居。督查发现的问题须于6月30日前全部整改到位。",
           "三、教育": "该县为学生提供15年免费教育，累计发放教材6.8万份。"}
    for question in ("格桑县计划在哪个月完成全部搬迁任务？", "In which month does Gesang County plan to finish all relocation?"):
        ans = reader.run(question, county(doc, "格桑县"))
        assert short(ans) in ("2021年9月", "2021年9月份"), (question, ans.answer, ans.warnings)  # not 2021年, nor …高质量
    ans = reader.run("By what date must Gesang County rectify the problems found by inspection?", county(doc, "格桑县"))
    assert short(ans).startswith("6月30日"), ans.answer
    ans = reader.run("格桑县计划在哪个月完成全部搬迁任务？", county({"二、进展": "全县计划于2021年完成全部搬迁任务。"}, "格桑县"))
    assert ans.refused, ans.answer  # only the year is given
    ans = reader.run("How many years of free education does Gesang County provide?", county(doc, "格桑县"))
    assert short(ans) == "15年", ans.answer  # a duration in years, not the 6.8万份 of a count
