"""Each kind of unresolvable follow-up is asked back, and the resolvable ones next to it are not.

Made-up dialogues over made-up places (格桑县, 白玛县, 雅砻州, 达瓦镇; no seed names). One test per
kind of follow-up the history cannot resolve, each beside a resolvable twin that must *not* be
asked back; then the rewrites that carry no word of the old entity's level or order.
"""
from __future__ import annotations

import pytest

from helpers import play
from rag.answering import REFUSAL_EN, REFUSAL_ZH
from rag.conversation import FollowUpResolver
from rag.entities import Lexicon

LEX = Lexicon({"格桑县": "place", "白玛县": "place", "雅砻州": "place", "达瓦镇": "place"})


def resolve(questions, answers=None):
    return play(questions, resolver=FollowUpResolver(LEX), answers=answers)


def last(questions, answers=None):
    return resolve(questions, answers)[-1]


# ---------------------------------------------------------------- kinds that are asked back


def test_ambiguous_referent_after_two_entities():
    res = last(["格桑县和白玛县分别有多少个行政村？", "它的贫困发生率呢？"])
    assert res.clarification and "格桑县" in res.clarification and "白玛县" in res.clarification
    assert last(["格桑县和白玛县分别有多少个行政村？", "那个县的面积呢？"]).clarification
    # resolvable twin: one place in sight
    assert last(["格桑县有多少个行政村？", "它的贫困发生率呢？"]).rewritten.startswith("格桑县")


@pytest.mark.parametrize("q", ["它的面积是多少？", "该县有多少个行政村？", "白玛县呢？", "2020年呢？", "后者呢？",
                               "其中贫困户有多少？", "那这个数字呢？", "How big is it?", "What about the other one?",
                               "Of these, how many are poor villages?"])
def test_a_follow_up_as_the_first_turn(q):
    assert last([q]).clarification, q


def test_a_part_of_nothing_as_the_first_turn_but_not_later():
    # 其中 (among them) opens on something said before: after a question it is resolvable
    assert last(["其中贫困户有多少？"]).clarification
    res = last(["格桑县有多少个行政村？", "其中贫困村有多少个？"])
    assert not res.clarification and "格桑县" in res.rewritten
    # a whole question that merely contains 其中 is no follow-up
    assert last(["格桑县有89个行政村，其中贫困村有多少个？"]).kind == "first"


def test_a_swap_to_something_of_another_kind():
    # a person does not replace a place
    res = resolve(["傅文杰是哪个县的县委书记？", "格桑县有多少个行政村？", "傅文杰呢？"])[-1]
    assert res.clarification
    # twin: a place for a place
    assert last(["格桑县有多少个行政村？", "白玛县呢？"]).rewritten == "白玛县有多少个行政村？"


def test_that_ratio_with_no_ratio_asked_before():
    res = last(["格桑县有多少个行政村？", "那个比例是多少？"], answers={0: "89个[1]"})
    assert res.clarification and "比例" in res.clarification
    assert last(["格桑县2019年新建桥梁多少座？", "那个比例呢？"], answers={0: "14座[1]"}).clarification
    assert last(["How many bridges did Gesang County build in 2019?", "What is that rate?"], answers={0: "14座[1]"}).clarification
    # twin: the last question did ask a rate, so 这一比例 is it
    res = last(["格桑县2019年贫困发生率是多少？", "这一比例比上年下降了多少？"], answers={0: "3.2%[1]"})
    assert not res.clarification and "贫困发生率" in res.rewritten


def test_that_figure_alone_asks_nothing_new():
    for q in ("那个数字呢？", "这个数据呢？"):
        assert last(["格桑县2019年新建桥梁多少座？", q], answers={0: "14座[1]"}).clarification, q
    assert last(["How many bridges did Gesang County build in 2019?", "What about that figure?"]).clarification
    # twin: 这个数字 inside a real question about the last figure still resolves to the last topic
    res = last(["格桑县2019年贫困发生率是多少？", "这个数字比上年下降了多少？"], answers={0: "3.2%[1]"})
    assert not res.clarification and "格桑县" in res.rewritten


def test_a_pronoun_whose_referent_is_in_an_answer_that_gave_none():
    # 哪个县…？ answered by a refusal: 它 has nothing to stand for (the refusal text is no place)
    for refusal in (REFUSAL_ZH, REFUSAL_ZH + "（引用的段落说的是白玛县）"):
        res = last(["哪个县的贫困发生率最高？", "它有多少个行政村？"], answers={0: refusal})
        assert res.clarification, res.rewritten
    assert last(["Which county has the highest poverty rate?", "How many villages does it have?"], answers={0: REFUSAL_EN}).clarification
    # twin: the answer named the county
    assert last(["哪个县的贫困发生率最高？", "它有多少个行政村？"], answers={0: "格桑县[1]"}).rewritten == "格桑县有多少个行政村？"


def test_a_person_named_only_in_the_answer_is_asked_back():
    # 谁…？ answered with a name: 他 is asked back (the answer is the system's, not the user's, word)
    assert last(["格桑县县委书记是谁？", "他是哪一年上任的？"], answers={0: "次仁平措[1]"}).clarification


def test_a_relative_year_after_a_question_with_no_year():
    res = last(["格桑县新建桥梁多少座？", "前一年呢？"])
    assert res.clarification == "上一个问题没有说年份，请问“前一年”是哪一年？请说出具体年份。"
    assert last(["How many bridges did Gesang County build?", "And the year before?"]).clarification
    # twin: counted from the year asked about
    assert last(["格桑县2019年新建桥梁多少座？", "前一年呢？"]).rewritten == "格桑县2018年新建桥梁多少座？"


# ---------------------------------------------------------------- rewrites that carry no word of the old entity


def test_a_seat_word_of_the_old_level_goes_when_the_level_changes():
    assert last(["格桑县县城海拔多高？", "雅砻州呢？"]).rewritten == "雅砻州海拔多高？"
    assert last(["格桑县县城海拔多高？", "达瓦镇呢？"]).rewritten == "达瓦镇海拔多高？"
    assert last(["雅砻州州府所在地海拔多高？", "格桑县呢？"]).rewritten == "格桑县海拔多高？"
    assert last(["How high is the county seat of Gesang County?", "What about Yalong Prefecture?"]).rewritten == "How high is Yalong Prefecture?"
    # same level: the county town of the other county
    assert last(["格桑县县城海拔多高？", "白玛县呢？"]).rewritten == "白玛县县城海拔多高？"


def test_each_of_the_parts_goes_when_the_new_place_has_no_such_parts():
    assert last(["雅砻州各县共有多少个贫困村？", "格桑县呢？"]).rewritten == "格桑县共有多少个贫困村？"
    # a prefecture does have counties
    assert last(["雅砻州各县共有多少个贫困村？", "白玛州呢？"]).rewritten == "白玛州各县共有多少个贫困村？"


def test_a_year_before_the_question_word_when_the_counted_thing_is_replaced():
    assert last(["格桑县清理了多少个2016年以来已竣工的扶贫项目？", "扶贫资金呢？"]).rewritten == "格桑县清理了2016年以来的多少扶贫资金？"


def test_a_swap_to_a_place_that_has_no_such_parts_is_asked_back():
    res = last(["雅砻州下辖多少个县？", "格桑县呢？"])
    assert res.clarification and "格桑县" in res.clarification
    assert last(["格桑县下辖多少个乡镇？", "达瓦镇呢？"]).clarification
    assert last(["How many counties does Yalong Prefecture have?", "What about Gesang County?"]).clarification
    # twins: a prefecture does have towns, a county has villages
    assert last(["格桑县下辖多少个乡镇？", "雅砻州呢？"]).rewritten == "雅砻州下辖多少个乡镇？"
    assert last(["格桑县有多少个行政村？", "达瓦镇呢？"]).rewritten == "达瓦镇有多少个行政村？"


def test_offices_and_numbered_parts_of_the_old_level_follow_the_new_one():
    assert last(["格桑县县长是谁？", "雅砻州呢？"]).rewritten == "雅砻州州长是谁？"
    assert last(["达瓦镇镇长是谁？", "格桑县呢？"]).rewritten == "格桑县县长是谁？"
    assert last(["雅砻州18个县共有多少个贫困村？", "格桑县呢？"]).rewritten == "格桑县共有多少个贫困村？"
    assert last(["格桑县县长是谁？", "白玛县呢？"]).rewritten == "白玛县县长是谁？"


def test_a_year_swap_replaces_a_named_period_and_never_appends():
    assert last(["格桑县“十三五”期间新建桥梁多少座？", "2020年呢？"]).rewritten == "格桑县2020年新建桥梁多少座？"
    assert last(["格桑县近五年来新建桥梁多少座？", "2020年呢？"]).rewritten == "格桑县2020年新建桥梁多少座？"
    assert last(["How many bridges did Gesang County build over the past five years?", "What about 2020?"]).rewritten == \
        "How many bridges did Gesang County build in 2020?"
    # a year opening the question, before a comma, is the year swapped
    assert last(["In 2019, how many bridges did Gesang County build?", "And 2020?"]).rewritten == \
        "In 2020, how many bridges did Gesang County build?"


def test_replacing_the_counted_thing_keeps_the_verb_that_frames_it():
    assert last(["格桑县2019年投入多少亿元用于教育？", "医疗呢？"]).rewritten == "格桑县2019年投入多少亿元用于医疗？"
    # a measure word of the old thing still goes
    assert last(["格桑县建成多少公里公路？", "桥梁呢？"]).rewritten == "格桑县建成多少桥梁？"


def test_the_rewrite_is_in_the_script_the_user_just_typed():
    assert last(["格桑縣轄多少個鄉鎮？", "白玛县呢？"]).rewritten == "白玛县辖多少个乡镇？"
    assert last(["格桑县辖多少个乡镇？", "白瑪縣呢？"]).rewritten == "白瑪縣轄多少個鄉鎮？"
    # a turn that looks the same in both scripts leaves the rewrite as it was
    assert last(["格桑縣2018年有多少戶貧困戶？", "2019年呢？"]).rewritten == "格桑縣2019年有多少戶貧困戶？"


def test_a_name_jieba_cuts_into_pieces_is_one_name():
    # 七 | 林追玛, 扎 | 西平 | 措呢: the fragment is one person's name
    assert last(["陆明今年准备种几亩？", "七林追玛呢？"]).rewritten == "七林追玛今年准备种几亩？"
    res = last(["格桑县有多少个行政村？", "扎西平措呢？"])
    assert res.clarification and "扎西平措" in res.clarification  # a person does not replace a place
    # a place with words after it, or a thing, is no name
    assert last(["格桑县有多少个行政村？", "白玛县情况呢？"]).rewritten.startswith("白玛县")
    assert last(["格桑县有多少名乡村医生？", "乡镇卫生院呢？"]).rewritten == "格桑县有多少乡镇卫生院？"


def test_the_kind_of_an_organization_alone_is_no_organization():
    # 卫生院 / 小学 alone name no one organization: the place asked about stays
    assert last(["格桑县有多少名乡村医生？", "卫生院呢？"]).rewritten == "格桑县有多少卫生院？"
    assert "格桑县" in last(["格桑县有多少名乡村医生？", "有多少所卫生院？"]).rewritten


def test_they_for_people_when_the_last_question_counted_no_people():
    # 他们 after a count of villages: no people to stand for
    assert last(["格桑县有多少个行政村？", "他们的收入呢？"]).clarification
    # twin: after a count of cadres, 他们 are those cadres
    res = last(["格桑县选派了多少名驻村干部？", "他们的工作经费是多少？"])
    assert not res.clarification and "干部" in res.rewritten


def test_the_same_period_with_nothing_to_be_the_same_as():
    assert last(["格桑县有多少个行政村？", "同期呢？"]).clarification
    assert last(["How many villages does Gesang County have?", "And the same period?"]).clarification
    # an English follow-up after a Chinese question is asked back in English
    assert last(["格桑县有多少个行政村？", "What about the year after?"]).clarification.startswith("The previous question names no year")


def test_a_quantity_and_a_new_thing_is_asked_in_the_last_questions_frame():
    # 多少公里公路？ after 新建了多少座桥梁？: the place, the year and the verb carry over; the measure word is the new one's
    assert last(["格桑县2019年新建了多少座桥梁？", "多少公里公路？"]).rewritten == "格桑县2019年新建了多少公里公路？"
    assert last(["格桑县有多少名乡村医生？", "多少所卫生院？"]).rewritten == "格桑县有多少所卫生院？"
    # a unit alone still re-asks the same thing in another measure
    assert "贫困户" in last(["格桑县有多少户贫困户？", "多少人？"]).rewritten


def test_english_level_words_follow_the_new_place():
    assert last(["Who is the county party secretary of Gesang County?", "What about Yalong Prefecture?"]).rewritten == \
        "Who is the prefecture party secretary of Yalong Prefecture?"
    assert last(["Who is the county party secretary of Gesang County?", "What about Baima County?"]).rewritten == \
        "Who is the county party secretary of Baima County?"
