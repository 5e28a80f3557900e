"""Conversations end to end over a real index of two made-up county reports (real embedder, offline reader)."""
from __future__ import annotations

import doctest

import pytest

import rag.chat
from rag.chat import (
    ChatSession,
    ConversationalQA,
    answer_from_reply,
    export_markdown,
    history_from_messages,
    reply_text,
    validate_messages,
)
from rag.conversation import FollowUpResolver


@pytest.fixture(scope="module")
def engine(county_index):
    from rag.qa import Assistant

    return ConversationalQA(Assistant(county_index))


def test_doctests():
    assert doctest.testmod(rag.chat).failed == 0


def test_a_follow_up_is_answered_from_the_rewritten_question(engine):
    chat = ChatSession(engine)
    t1 = chat.ask("格桑县县城海拔多高？")
    assert "3480" in t1.answer.answer and not t1.resolution.changed
    t2 = chat.ask("它的面积是多少？")
    a = t2.answer
    assert a.question == "它的面积是多少？" and a.rewritten_question == "格桑县的面积是多少？"
    assert "5120" in a.answer and not a.refused and a.grounded
    assert a.citations and "5120" in a.citations[0].quote and a.citations[0].quote in a.citations[0].text
    assert a.citations[0].doc == "格桑县2021年发展报告.txt"
    assert a.timings["resolve_ms"] < 1000
    t3 = chat.ask("那白玛县呢？")
    assert t3.answer.rewritten_question == "白玛县的面积是多少？" and "3360" in t3.answer.answer
    assert t3.answer.citations[0].doc == "白玛县工作总结.txt"


def test_year_swap_and_ellipsis_over_the_index(engine):
    chat = ChatSession(engine)
    assert "14" in chat.ask("格桑县2021年新建桥梁多少座？").answer.answer
    t = chat.ask("2020年呢？")
    assert t.answer.rewritten_question == "格桑县2020年新建桥梁多少座？" and "9座" in t.answer.answer
    t = chat.ask("改造农村公路呢？")
    assert "41" in t.answer.answer, t.answer
    # a swap to a place the reports say nothing about for that year is refused, not guessed
    t = chat.ask("白玛县呢？")
    assert t.answer.rewritten_question == "白玛县2020年改造农村公路多少？"
    assert t.answer.refused and "52" not in t.answer.answer


def test_an_unclear_follow_up_gets_a_clarifying_question_and_the_reply_resolves_it(engine):
    chat = ChatSession(engine)
    chat.ask("格桑县和白玛县哪个海拔高？")
    t = chat.ask("它的面积是多少？")
    a = t.answer
    assert a.clarification == "请问“它”指的是格桑县还是白玛县？" == a.answer
    assert a.refused and a.backend == "conversation" and not a.citations and a.rewritten_question is None
    assert a.to_json()["clarification"] == a.clarification
    t = chat.ask("后者")
    assert t.answer.rewritten_question == "白玛县的面积是多少？" and "3360" in t.answer.answer


def test_reset_forgets_the_conversation(engine):
    chat = ChatSession(engine)
    chat.ask("格桑县县城海拔多高？")
    chat.reset()
    assert chat.turns == []
    assert chat.ask("它的面积是多少？").answer.clarification


def test_messages_give_the_history(engine):
    resolver = FollowUpResolver()
    msgs = [{"role": "system", "content": "你是助手"},
            {"role": "user", "content": "格桑县县城海拔多高？"},
            {"role": "assistant", "content": "县城海拔3480米[1]\n\n来源：\n[1] 格桑县2021年发展报告.txt › 一、基本情况: “县城海拔3480米”"},
            {"role": "user", "content": [{"type": "text", "text": "它的面积是多少？"}]},
            {"role": "assistant", "content": "理解为：格桑县的面积是多少？\n\n全县面积5120平方公里[1]"},
            {"role": "user", "content": "那白玛县呢？"}]
    history, q = history_from_messages(msgs, resolver)
    assert q == "那白玛县呢？"
    assert [(t.question, t.resolved, t.answer) for t in history] == [
        ("格桑县县城海拔多高？", "格桑县县城海拔多高？", "县城海拔3480米[1]"),
        ("它的面积是多少？", "格桑县的面积是多少？", "全县面积5120平方公里[1]")]
    a = engine.chat(msgs)
    assert a.rewritten_question == "白玛县的面积是多少？" and "3360" in a.answer
    # a turn of ours that asked back is known for one again
    history, _ = history_from_messages([{"role": "user", "content": "它的面积是多少？"}, {"role": "assistant", "content": "请问…"},
                                        {"role": "user", "content": "格桑县"}], resolver)
    assert history[0].clarification and history[0].resolved is None


@pytest.mark.parametrize("messages, why", [
    ([], "non-empty list"),
    ("hello", "non-empty list"),
    ([{"role": "robot", "content": "x"}], "role must be one of"),
    ([{"role": "user", "content": {"a": 1}}], "content"),
    ([{"role": "user", "content": "格桑县"}, {"role": "assistant", "content": "…"}], "last message must be the user's"),
    ([{"role": "user", "content": "？？"}], "no question"),
])
def test_bad_messages_are_refused_with_a_reason(messages, why):
    with pytest.raises(ValueError, match=why):
        validate_messages(messages)


def test_reply_text_and_what_it_gives_back(engine):
    chat = ChatSession(engine)
    chat.ask("格桑县县城海拔多高？")
    a = chat.ask("它的面积是多少？").answer
    text = reply_text(a)
    assert text.startswith("理解为：格桑县的面积是多少？\n\n")
    assert "5120" in text and "[1]" in text and "来源：" in text and "格桑县2021年发展报告.txt" in text
    assert answer_from_reply(text) == ("格桑县的面积是多少？", a.answer)


def test_export_markdown_holds_questions_answers_and_citations(engine):
    chat = ChatSession(engine)
    chat.ask("格桑县县城海拔多高？")
    chat.ask("它的面积是多少？")
    chat.ask("他是谁？")
    md = export_markdown(chat.turns)
    assert md.startswith("# ")
    assert "## 1. 格桑县县城海拔多高？" in md and "## 2. 它的面积是多少？" in md
    assert "理解为 Understood as:* 格桑县的面积是多少？" in md
    assert "**回答 Answer:** 5120平方公里[1]" in md  # the short answer
    assert "- [1] **格桑县2021年发展报告.txt** › 格桑县2021年发展报告 › 一、基本情况" in md
    assert any(line.strip().startswith("> ") and "全县面积5120平方公里" in line for line in md.splitlines())  # the verbatim quote
    assert "需要澄清 Clarification" in md  # the third turn asked back


def test_long_messages_are_taken_as_self_contained_and_long_histories_are_cut(engine):
    from rag.chat import MAX_FOLLOW_UP_CHARS, MAX_HISTORY_TURNS

    long_q = "它" + "的面积" * (MAX_FOLLOW_UP_CHARS // 3 + 1)
    res = engine.resolve(long_q, [])
    assert res.kind == "first" and not res.clarification
    msgs = []
    for i in range(MAX_HISTORY_TURNS + 20):
        msgs += [{"role": "user", "content": f"格桑县第{i}个问题是什么？"}, {"role": "assistant", "content": "…"}]
    msgs.append({"role": "user", "content": "它的面积是多少？"})
    history, q = history_from_messages(msgs, FollowUpResolver())
    assert len(history) == MAX_HISTORY_TURNS and history[-1].question == f"格桑县第{MAX_HISTORY_TURNS + 19}个问题是什么？"


def test_an_entity_swap_is_not_answered_from_the_place_swapped_out(engine):
    """No report counts 理塘县's schools: after 那理塘县呢？ the figure of 格桑县's passage (27所) answers the last question, not this one."""
    chat = ChatSession(engine)
    assert "27" in chat.ask("格桑县共有多少所中小学？").answer.answer
    t = chat.ask("那理塘县呢？")
    assert t.resolution.kind == "entity_swap" and t.resolution.replaced == ["格桑县"] and t.resolution.replacement == ["理塘县"]
    assert t.answer.rewritten_question == "理塘县共有多少所中小学？"
    assert t.answer.refused and "27" not in t.answer.answer and not t.answer.citations
    # a swap to a place whose own passage gives the figure is answered as before
    chat.ask("格桑县2021年新建桥梁多少座？")
    t = chat.ask("那白玛县呢？")
    assert "6座" in t.answer.answer and not t.answer.refused
