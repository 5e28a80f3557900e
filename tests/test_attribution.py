"""Post-hoc attribution of an LLM answer's sentences to the passages that hold them (rag.attribution)."""
from rag.attribution import attribute
from rag.grounding import check_answer

PASSAGES = {
    1: "玛多县位于果洛州西北部。全县建档立卡贫困户1683户、贫困人口5183人，贫困发生率为32.6%。",
    2: "全县建成村级光伏电站3座，总装机容量8.5兆瓦。组建生态畜牧业合作社29个，由黄河乡牵头。",
    3: "設置生態管護公益崗位2410個。",
}


def test_right_markers_are_kept_as_written():
    r = attribute("贫困户1683户[1]。", PASSAGES, "贫困户多少户？")
    assert r.text == "贫困户1683户[1]。" and not r.changed and r.attached == []


def test_wrong_marker_is_moved_to_the_passage_with_the_figure():
    r = attribute("光伏电站3座[1]。", PASSAGES, "光伏电站多少座？")
    assert r.text == "光伏电站3座[2]。" and r.attached == [2]
    assert check_answer(r.text, PASSAGES).ok


def test_figures_spread_over_passages_cite_the_fewest_that_hold_them():
    r = attribute("贫困发生率为32.6%，合作社29个，公益岗位2410个", PASSAGES, "")
    assert r.text == "贫困发生率为32.6%，合作社29个，公益岗位2410个[1][2][3]"
    assert check_answer(r.text, PASSAGES).ok


def test_a_percentage_needs_the_same_percentage():
    r = attribute("贫困发生率为1683%。", PASSAGES, "")
    assert r.text == "" and r.dropped == ["贫困发生率为1683%。"] and "in no passage" in r.reasons[0]


def test_a_sentence_without_figures_goes_to_the_passage_holding_its_words():
    r = attribute("由黄河乡牵头组建。", PASSAGES, "合作社由哪个乡牵头？")
    assert r.text == "由黄河乡牵头组建[2]。"


def test_words_no_passage_holds_and_bare_markers_are_dropped():
    r = attribute("由扎陵湖乡负责[1]。", PASSAGES, "合作社由哪个乡牵头？")  # cited, but [1] does not say it
    assert r.text == "" and r.dropped == ["由扎陵湖乡负责[1]。"] and r.reasons == ["no passage holds what it says"]
    r = attribute("[1]", PASSAGES, "合作社由哪个乡牵头？")
    assert r.text == "" and "without a claim" in r.reasons[0]


def test_traditional_answer_matches_a_traditional_passage():
    r = attribute("公益崗位2410個", PASSAGES, "設置多少個公益崗位？")
    assert r.text == "公益崗位2410個[3]"
