"""Follow-up rules generalize: made-up dialogues over made-up reports (tests/data/, not the seeds).

The whole made-up set is played through the resolver with the names an index of the made-up
reports would know (``Lexicon.from_texts``), and each rule added for it has its own case below,
on names and figures that occur in no seed document.
"""
from __future__ import annotations

import pytest

from helpers import play, record_turn
from madeup_conversations import dialogues, doc_texts
from rag.conversation import FollowUpResolver
from rag.entities import Lexicon, parse
from rag.eval_conversations import rewrite_ok


@pytest.fixture(scope="module")
def lexicon():
    return Lexicon.from_texts(doc_texts())


def test_the_madeup_dialogues_resolve(lexicon):
    """Every follow-up turn names what it must (and not what it must not); unresolvable ones are asked back."""
    r = FollowUpResolver(lexicon)
    rewrites, clarified, wrongly_asked, failures = [], [], 0, []
    for d in dialogues():
        history = []
        for t in d["turns"]:
            res = r.run(t["question"], history)
            if t["kind"] == "unresolvable":
                clarified.append(bool(res.clarification))
            else:
                wrongly_asked += bool(res.clarification)
                if t["kind"] != "first":
                    ok = not res.clarification and rewrite_ok(t, res.rewritten)
                    rewrites.append(ok)
                    if not ok:
                        failures.append(f"{d['id']}#{t['turn']}: {t['question']} → {res.clarification or res.rewritten}")
            history.append(record_turn(t["question"], res, (t["answers"] or ["x"])[0]))
    assert len(rewrites) >= 60 and len(clarified) >= 8
    assert sum(rewrites) / len(rewrites) >= 0.93, failures
    assert all(clarified)
    assert wrongly_asked == 0


# ---------------------------------------------------------------- names the index spells


def test_lexicon_learns_names_jieba_glues_or_cuts():
    lex = Lexicon.from_texts(["沙城镇位于河谷，沙城镇辖5个村。", "去年小岗巴镇新建桥梁3座，小岗巴镇共有合作社9家。"])
    assert lex.kind("沙城镇") == "place"        # 沙 | 城镇: the suffix glued into a common word
    assert lex.kind("小岗巴镇") == "place"      # 小 | 岗巴 | 镇: one more character before the name
    assert [e.text for e in parse("小岗巴镇共有多少家合作社？", lex).entities] == ["小岗巴镇"]
    assert [e.text for e in parse("沙城镇辖几个村？", lex).entities] == ["沙城镇"]
    # a name spelled once is no name; common words stay out
    assert Lexicon.from_texts(["木城镇一个。"]).kind("木城镇") is None
    assert not {"城镇", "乡镇", "全县"} & set(lex.names)


def test_a_known_name_whose_suffix_jieba_glues_to_a_verb(lexicon):
    assert [e.text for e in parse("扎西镇辖几个行政村？", lexicon).entities] == ["扎西镇"]   # 扎西 | 镇辖
    assert [r.rewritten for r in play(["卓玛乡辖几个行政村？", "扎西镇呢？", "这个镇2014年有多少户建档立卡贫困户？"],
                                      FollowUpResolver(lexicon))][1:] == ["扎西镇辖几个行政村？", "扎西镇2014年有多少户建档立卡贫困户？"]


def test_village_groups_people_and_hospitals_are_named():
    assert [(e.text, e.kind) for e in parse("扎西小组种植了多少亩青稞？").entities] == [("扎西小组", "place")]
    assert [(e.text, e.kind) for e in parse("邓海波和李明分别担任什么职务？").entities] == [("邓海波", "person"), ("李明", "person")]
    assert [(e.text, e.kind) for e in parse("雅砻州人民医院派出医疗队多少支？").entities] == [("雅砻州人民医院", "org")]
    assert play(["雅砻州人民医院2020年派出医疗队多少支？", "巡回义诊多少人次？"])[1].rewritten == "雅砻州人民医院2020年巡回义诊多少人次？"


def test_he_after_two_people_is_asked_back():
    res = play(["邓海波和李明分别担任什么职务？", "他强调要做到什么？"])[1]
    assert res.clarification and set(res.options) == {"邓海波", "李明"}


def test_months_are_no_places_and_a_place_without_its_level_fits_this_county(lexicon):
    res = play(["How many problems in Gesang had been rectified by the end of June?",
                "What is the overdue rate of microcredit in this county?"])[1]
    assert res.clarification is None and "Gesang" in res.rewritten and "June" not in res.rewritten
    assert play(["格桑2019年接待游客多少人次？", "该县的旅游收入是多少？"], FollowUpResolver(lexicon))[1].rewritten.startswith("格桑2019年")


# ---------------------------------------------------------------- what was counted


def test_they_stand_for_the_whole_counted_thing_across_a_verb():
    res = play(["格桑县已完成多少个利益联结机制建设项目？", "它们累计实现分红多少？"])[1]
    assert res.rewritten == "格桑县利益联结机制建设项目累计实现分红多少？"
    res = play(["2016年以来格桑县开工建设了多少个易地扶贫搬迁安置点？", "其涉及多少建档立卡贫困人口？"])[1]
    assert "易地扶贫搬迁安置点涉及多少建档立卡贫困人口" in res.rewritten and "格桑县" in res.rewritten


def test_a_year_between_the_question_word_and_the_counted_thing():
    res = play(["白玛县全面清理了多少个2014年以来已竣工的扶贫项目？", "扶贫资金呢？"])[1]
    # the year reads before the question word: 多少 quantifies the noun right after it
    assert res.rewritten == "白玛县全面清理了2014年以来的多少扶贫资金？"


def test_year_swap_asks_the_value_not_the_end_of_a_fall():
    res = play(["雅砻州2014年贫困发生率下降到多少？", "2010年呢？"])[1]
    assert res.rewritten == "雅砻州2010年贫困发生率是多少？" and res.kind == "year_swap"
    assert play(["What was the poverty rate of Yalong Prefecture in 2014?", "What about at the end of 2019?"])[1].rewritten == \
        "What was the poverty rate of Yalong Prefecture in 2019?"


def test_the_year_goes_after_the_name_put_in_for_a_pronoun(lexicon):
    res = play(["卓玛乡2019年底脱贫了多少人？", "该乡政府驻地海拔多少？"], FollowUpResolver(lexicon))[1]
    assert res.rewritten == "卓玛乡2019年底政府驻地海拔多少？"


def test_it_after_an_answered_which_question_is_the_answer_alone(lexicon):
    res = play(["卓玛乡和扎西镇哪个海拔更高？", "它有几个行政村？"], FollowUpResolver(lexicon), answers={0: "卓玛乡[1]"})[1]
    assert res.rewritten == "卓玛乡有几个行政村？"


def test_a_since_period_is_not_carried_into_a_question_about_what_there_is():
    res = play(["2016年以来白玛县提拔使用了多少名扶贫干部？", "从外地引进了多少专业人才？", "党员致富带头人有多少？"])
    assert res[1].rewritten == "白玛县2016年以来从外地引进了多少专业人才？"
    assert res[2].rewritten == "白玛县的党员致富带头人有多少？"


def test_this_compared_with_another_year_keeps_the_last_year_and_the_whole_noun():
    res = play(["白玛县2020年旅游收入多少？", "这比2019年少了多少？"])[1]
    assert res.rewritten == "白玛县2020年旅游收入比2019年少了多少？"   # 旅游 | 收入(v) | 多少: the noun ends at the question word


def test_they_after_two_places_is_both_and_the_latter_is_the_second():
    assert play(["格桑县和白玛县分别有多少人口？", "它们的面积呢？"])[1].rewritten == "格桑县和白玛县的面积是多少？"
    assert play(["格桑县和白玛县2020年分别新建桥梁多少座？", "后者呢？"])[1].rewritten == "白玛县2020年新建桥梁多少座？"
    assert play(["格桑县和白玛县各有多少个贫困村？", "第一个呢？"])[1].rewritten == "格桑县有多少个贫困村？"
    assert play(["格桑县有多少人口？", "后者呢？"])[1].clarification        # one name: nothing to pick from


@pytest.mark.parametrize("dialogue", [
    ["格桑县2014年和2019年各有多少贫困户？", "那一年的贫困发生率呢？"],        # two years for 那一年
    ["How many poor villages does Gesang County have?", "What about the other county?"],
    ["How many poor villages does Gesang County have?", "And that one?"],
])
def test_more_follow_ups_that_need_asking_back(dialogue):
    res = play(dialogue)[-1]
    assert res.clarification and res.rewritten == dialogue[-1]


def test_a_property_of_the_counted_people():
    res = play(["格桑县教育局有多少名教师？", "他们的平均年龄呢？"])[1]
    assert res.rewritten == "格桑县教育局教师的平均年龄是多少？"


def test_it_falls_is_the_rate_and_among_them_picks_one():
    assert play(["格桑县贫困发生率是多少？", "它下降了多少？"])[1].rewritten == "格桑县贫困发生率下降了多少？"
    assert play(["格桑县县城海拔多高？", "它的面积是多少？"])[1].rewritten == "格桑县的面积是多少？"   # a place's, not the height's
    assert play(["格桑县和白玛县一共有多少人口？", "其中格桑县呢？"])[1].rewritten == "格桑县有多少人口？"


def test_units_and_words_of_the_new_thing(lexicon):
    # the old thing's unit goes (海拔多少米 → 年平均气温多少); 年 of 年平均气温 is no year
    assert play(["格桑县县城海拔多少米？", "那里的年平均气温呢？"], FollowUpResolver(lexicon))[1].rewritten == "格桑县年平均气温多少？"
    # 降到了多少 says how much, not what: the last question's thing is meant
    assert "贫困发生率" in play(["格桑县2014年贫困发生率是多少？", "2019年底降到了多少？"])[1].rewritten


def test_english_swap_keeps_the_bureau():
    res = play(["How many teachers did the Gesang County Education Bureau hire in 2020?", "What about Baima County?"])[1]
    assert res.rewritten == "How many teachers did the Baima County Education Bureau hire in 2020?"


def test_a_new_name_and_how_much_asks_the_last_question_of_it(lexicon):
    r = FollowUpResolver(lexicon)
    assert play(["卓玛乡2020年种植青稞多少亩？", "扎西镇种了多少？"], r)[1].rewritten == "扎西镇2020年种植青稞多少亩？"
    assert play(["卓玛乡2020年种植青稞多少亩？", "扎西镇有多少个行政村？"], r)[1].rewritten == "扎西镇有多少个行政村？"   # its own thing


def test_which_ones_names_what_was_counted_and_a_date_phrase_stays_after_the_name():
    assert play(["雅砻州有几个县？", "分别是哪些？"])[1].rewritten == "雅砻州的县分别是哪些？"
    assert play(["格桑县2014年有多少户贫困户？", "截至2019年底已脱贫多少户？"])[1].rewritten == "格桑县截至2019年底已脱贫多少户？"


def test_the_answer_to_which_of_two_must_name_one_of_them(lexicon):
    r = FollowUpResolver(lexicon)
    q = ["卓玛乡和扎西镇哪个海拔更高？", "它有几个行政村？"]
    assert play(q, r, answers={0: "扎西镇镇政府驻地海拔3320米[1]"})[1].rewritten == "扎西镇有几个行政村？"
    res = play(q, r, answers={0: "3900米[1]"})[1]                 # the answer names neither: ask, do not guess
    assert res.clarification and set(res.options) == {"卓玛乡", "扎西镇"}


def test_new_counted_thing_brings_its_classifier_and_a_bureau_after_a_place_is_one_name(lexicon):
    assert play(["格桑县有多少个贫困村？", "2014年的建档立卡贫困户呢？"])[1].rewritten == "格桑县2014年有多少户建档立卡贫困户？"
    assert [(e.text, e.kind) for e in parse("格桑县扶贫开发局呢？", lexicon).entities] == [("格桑县扶贫开发局", "org")]
    res = play(["雅砻州扶贫开发局2020年下达财政专项扶贫资金多少？", "格桑县扶贫开发局呢？"], FollowUpResolver(lexicon))[1]
    assert res.rewritten == "格桑县扶贫开发局2020年下达财政专项扶贫资金多少？"


# ---------------------------------------------------------------- generalization (issue 11 follow-up): swaps, years, two antecedents


@pytest.mark.parametrize("follow_up", ["那白玛县呢？", "白玛县的呢？", "白玛县又如何？", "白玛县怎么样？", "换成白玛县呢", "如果是白玛县呢？",
                                       "那白玛縣呢？", "白玛呢？"])
def test_entity_swap_in_many_wordings(lexicon, follow_up):
    """However the swap is worded (and in traditional script, or without its level), the subject is replaced, not the quantity."""
    res = play(["格桑县2014年有多少个贫困村？", follow_up], FollowUpResolver(lexicon))[1]
    assert res.kind == "entity_swap" and res.clarification is None
    assert res.rewritten.endswith("2014年有多少个贫困村？") and "格桑" not in res.rewritten and "白玛" in res.rewritten


@pytest.mark.parametrize("follow_up", ["What about Baima County?", "And Baima County?", "How about Baima?"])
def test_english_entity_swap(lexicon, follow_up):
    res = play(["How many poor villages did Gesang County have in 2014?", follow_up], FollowUpResolver(lexicon))[1]
    assert res.kind == "entity_swap" and "Baima" in res.rewritten and "Gesang" not in res.rewritten and "2014" in res.rewritten


def test_a_reporting_period_is_not_carried_to_another_place(lexicon):
    r = FollowUpResolver(lexicon)
    assert play(["2016年以来格桑县退出了多少个贫困村？", "那白玛县呢？"], r)[1].rewritten == "白玛县退出了多少个贫困村？"
    assert play(["How many poor people has Gesang trained since 2016?", "What about Baima?"], r)[1].rewritten == \
        "How many poor people has Baima trained?"
    # a year asked about stays: it is part of the question
    assert play(["格桑县2019年新建桥梁多少座？", "白玛县呢？"], r)[1].rewritten == "白玛县2019年新建桥梁多少座？"


def test_a_person_does_not_replace_a_place():
    res = play(["格桑县有多少个行政村？", "邓海波呢？"])[1]
    assert res.clarification and "邓海波" in res.clarification
    assert play(["邓海波担任什么职务？", "那李明呢？"])[1].rewritten == "李明担任什么职务？"


@pytest.mark.parametrize("follow_up,year", [("前一年呢？", "2018年"), ("上一年呢？", "2018年"), ("去年呢？", "2018年"), ("次年呢？", "2020年"),
                                            ("两年前呢？", "2017年"), ("2020年的情况呢？", "2020年"), ("那2020年呢？", "2020年")])
def test_year_swap_counts_from_the_last_question(follow_up, year):
    res = play(["格桑县2019年新建桥梁多少座？", follow_up])[1]
    assert res.kind == "year_swap" and res.rewritten == f"格桑县{year}新建桥梁多少座？"


def test_year_swaps_chain_and_english_relative_years():
    assert [r.rewritten for r in play(["格桑县2019年新建桥梁多少座？", "次年呢？", "前一年呢？"])][1:] == [
        "格桑县2020年新建桥梁多少座？", "格桑县2019年新建桥梁多少座？"]
    assert play(["How many bridges did Gesang County build in 2020?", "And the year before?"])[1].rewritten == \
        "How many bridges did Gesang County build in 2019?"
    assert play(["How many bridges did Gesang County build in 2020?", "What about two years earlier?"])[1].rewritten == \
        "How many bridges did Gesang County build in 2018?"
    # 去年 said of a person's own year (今年 … 去年) is no arithmetic
    assert play(["邓海波今年准备种几亩？", "去年呢？"])[1].rewritten == "邓海波去年准备种几亩？"


def test_former_and_latter_pick_from_the_two_names():
    res = play(["格桑县和白玛县的面积分别是多少？", "后者有多少个行政村？", "前者呢？"])
    assert [r.rewritten for r in res[1:]] == ["白玛县有多少个行政村？", "格桑县有多少个行政村？"]
    assert play(["What are the areas of Gesang County and Baima County?", "What is the latter's altitude?"])[1].rewritten == \
        "What is the altitude of Baima County?"


@pytest.mark.parametrize("dialogue", [
    ["格桑县和白玛县哪个海拔高？", "它的面积是多少？"],          # two candidates for 它
    ["格桑县的面积是多少？", "后者有多少个行政村？"],            # 后者 with one name in sight
    ["格桑县的面积是多少？", "这两个县的人口呢？"],              # 这两个县 with one county in sight
    ["格桑县和白玛县的面积分别是多少？", "那个呢？"],            # 那个呢 after a question naming two places
    ["How high are Gesang County and Baima County?", "What is its area?"],
    ["邓海波和李明今年各准备种几亩？", "他家能增加多少收入？"],
    ["格桑县2014年和2019年的贫困发生率分别是多少？", "那一年的贫困人口有多少？"],
    ["雅砻州有多少个贫困村？", "那另外两个呢？"],                # other two, of a list never given
    ["How many poor villages does Yalong have?", "And the third one?"],
    ["How many poor villages does Yalong have?", "What about the others?"],
    ["格桑县2019年新建桥梁多少座？", "那后来呢？"],              # a time said by its direction only
    ["格桑县2019年新建桥梁多少座？", "之后呢？"],
    ["How many bridges did Gesang build in 2019?", "And after that?"],
    ["雅砻州有多少个贫困村？", "下面的县呢？"],                  # one of the counties under it, not named
    ["雅砻州有多少个贫困村？", "这个数字是怎么算的？"],          # about the answer itself
    ["雅砻州有多少个贫困村？", "这个数据准确吗？"],
    ["How many poor villages does Yalong have?", "Is that right?"],
    ["雅砻州有多少个贫困村？", "那去年呢？"],                    # 去年 after a question naming no year
    ["How many poor villages does Yalong have?", "And last year?"],
    ["后者呢？"],                                                # a follow-up with nothing before it
    ["贫困人口呢？"],
    ["What about the second one?"],
])
def test_unclear_follow_ups_are_asked_back(dialogue):
    res = play(dialogue)[-1]
    assert res.clarification and res.kind == "clarify"


def test_clear_ones_near_the_unclear_are_not_asked_back():
    # the same shapes with what they need said: no clarification
    assert play(["格桑县2019年新建桥梁多少座？", "去年呢？"])[1].rewritten == "格桑县2018年新建桥梁多少座？"
    assert play(["格桑县和白玛县的面积分别是多少？", "第二个呢？"])[1].rewritten == "白玛县的面积是多少？"
    assert play(["格桑县2019年新建桥梁多少座？", "2020年之后呢？"])[1].clarification is None
    assert play(["格桑县的贫困发生率是多少？", "这个数字比白玛县高吗？"])[1].clarification is None
    assert play(["雅砻州的贫困人口有多少？"])[0].kind == "first"


def test_english_follow_ups_with_its_and_them():
    assert play(["How many villages does Gesang County have?", "What is its poverty rate?"])[1].rewritten == \
        "What is the poverty rate of Gesang County?"
    assert play(["How many villages does Gesang County have?", "What about its population?"])[1].rewritten == \
        "What is the population of Gesang County?"
    assert play(["How many poor people has Gesang trained since 2016?", "And how many of them found jobs?"])[1].rewritten == \
        "How many of the poor people in Gesang found jobs since 2016?"
    # "the area of X" names its own subject: a new question, not "the area" standing for the last place
    assert play(["How high is Gesang County?", "What is the area of Baima County?"])[1].rewritten == "What is the area of Baima County?"


def test_a_follow_up_says_which_earlier_places_it_left(lexicon):
    """The chat layer refuses an answer cited only from a place the conversation has left (rag.chat.about_the_swapped_entity)."""
    res = play(["格桑县2014年有多少个贫困村？", "那白玛县呢？", "贫困户呢？", "它的面积是多少？"], FollowUpResolver(lexicon))
    assert (res[1].replaced, res[1].replacement) == (["格桑县"], ["白玛县"])
    assert (res[2].replaced, res[2].replacement) == (["格桑县"], ["白玛县"])
    assert res[0].replaced == [] and play(["格桑县县城海拔多高？", "它的面积是多少？"])[1].replaced == []


def test_the_whole_of_the_place_swapped_out_becomes_the_whole_of_the_new_one(lexicon):
    assert play(["2014年雅砻州全州还有多少贫困人口？", "格桑县呢？"], FollowUpResolver(lexicon))[1].rewritten == "2014年格桑县全县还有多少贫困人口？"
