"""The numeric grounding check: every number in an answer must appear in a cited passage."""
from __future__ import annotations

import pytest

from rag.grounding import (
    check_answer,
    citation_markers,
    extract_numbers,
    number_supported,
    split_answer_sentences,
)

DAOCHENG = "2014年审定贫困村55个、贫困户1268户、贫困人口5614人，贫困发生率为20.25%。"
XIANGCHENG = "截至2019年底，乡城县累计减贫38400人，贫困发生率降至0.5%。全县农村居民人均可支配收入达到1.2万元。"


def values(text):
    return [(m.raw, m.value, m.unit) for m in extract_numbers(text)]


# ---------------------------------------------------------------- extract_numbers


def test_plain_figures_units_and_offsets():
    ms = extract_numbers(DAOCHENG)
    assert [(m.raw, m.value, m.unit) for m in ms] == [
        ("2014", 2014.0, "年"),
        ("55", 55.0, "个"),
        ("1268", 1268.0, "户"),
        ("5614", 5614.0, "人"),
        ("20.25%", 20.25, "%"),
    ]
    for m in ms:
        assert DAOCHENG[m.start : m.end] == m.raw


def test_wan_yi_qian_magnitudes():
    assert values("3.84万户") == [("3.84万", 38400.0, "户")]
    assert values("资金2.95億元") == [("2.95億", 295000000.0, "元")]
    assert values("投入2.95亿元") == [("2.95亿", 295000000.0, "元")]
    assert values("约5千人") == [("5千", 5000.0, "人")]
    assert values("1.5万亿元")[0][1] == 1.5e12
    assert values("3千万元")[0][1] == 3e7


def test_full_width_digits_and_percent():
    assert values("贫困户１２６８户") == [("１２６８", 1268.0, "户")]
    assert values("发生率２０．２５％") == [("２０．２５％", 20.25, "%")]
    assert values("减贫３．８４万人")[0][1] == 38400.0


def test_thousands_separator_and_decimals():
    assert values("1,268 households") == [("1,268", 1268.0, "households")]
    assert values("共12,345,678元")[0][1] == 12345678.0
    assert values("0.5%") == [("0.5%", 0.5, "%")]
    # a full-width comma is punctuation, not a thousands separator
    assert [v for _, v, _ in values("分别为12，345")] == [12.0, 345.0]
    # a 4-digit group is not a thousands group: two numbers
    assert [v for _, v, _ in values("2014,2015")] == [2014.0, 2015.0]


def test_years_are_numbers_and_words_are_not():
    assert values("2014年至2016年") == [("2014", 2014.0, "年"), ("2016", 2016.0, "年")]
    assert values("二〇一四年审定贫困村五十五个") == []


def test_citation_markers_and_file_names_are_not_numbers():
    assert values("贫困户1268户[1]【2】［3］[1, 2]") == [("1268", 1268.0, "户")]
    assert values("见 000_0be71c8bf9467bc8.txt") == []
    assert citation_markers("a[1]b【2】c［3］d[4, 5]e[1]") == [1, 2, 3, 4, 5, 1]


# ---------------------------------------------------------------- number_supported


def _one(text):
    (m,) = extract_numbers(text)
    return m


def test_supported_by_same_value_in_other_notation():
    assert number_supported(_one("贫困户1268户"), "贫困户1,268户")
    assert number_supported(_one("贫困户1,268户"), DAOCHENG)
    assert number_supported(_one("减贫3.84万人"), XIANGCHENG)  # passage writes 38400
    assert number_supported(_one("减贫38400人"), "减贫3.84万人")
    assert number_supported(_one("减贫3.84万人"), "减贫3.84万人")
    assert number_supported(_one("资金2.95億元"), "资金2.95亿元")
    assert number_supported(_one("贫困户１２６８户"), DAOCHENG)


def test_unsupported_values():
    assert not number_supported(_one("贫困户1300户"), DAOCHENG)
    assert not number_supported(_one("贫困户268户"), DAOCHENG)  # not a substring match
    assert not number_supported(_one("减贫3.8万人"), XIANGCHENG)  # rounding is not copying


def test_percent_only_by_the_same_percent():
    assert number_supported(_one("发生率20.25%"), DAOCHENG)
    assert not number_supported(_one("发生率20.25%"), "贫困户20.25户")
    assert not number_supported(_one("降至55%"), DAOCHENG)  # 55 stands there, 55% does not
    assert not number_supported(_one("发生率20.2%"), DAOCHENG)


# ---------------------------------------------------------------- sentences


def test_sentence_split_keeps_decimals_and_trailing_markers():
    text = "贫困发生率为20.25%[1]。减贫3.84万人。[2] The rate fell to 0.5% [2]. 好！再见"
    parts = split_answer_sentences(text)
    assert "".join(parts) == text
    assert [p.strip() for p in parts] == [
        "贫困发生率为20.25%[1]。",
        "减贫3.84万人。[2]",
        "The rate fell to 0.5% [2].",
        "好！",
        "再见",
    ]
    assert split_answer_sentences("第一行1268户\n第二行55个") == ["第一行1268户\n", "第二行55个"]


# ---------------------------------------------------------------- check_answer


def test_correct_answer_passes():
    r = check_answer("2014年稻城县审定贫困户1268户[1]，贫困发生率为20.25%[1]。", {1: DAOCHENG})
    assert r.ok
    assert r.bad_citations == [] and r.unsupported == []
    assert r.dropped_sentences == []
    assert r.repaired == "2014年稻城县审定贫困户1268户[1]，贫困发生率为20.25%[1]。"
    assert r.cited == [1]


def test_hallucinated_figure_drops_its_sentence_only():
    answer = "稻城县2014年审定贫困村55个[1]。贫困户1300户[1]。乡城县累计减贫3.84万人[2]。"
    r = check_answer(answer, {1: DAOCHENG, 2: XIANGCHENG})
    assert not r.ok
    assert r.unsupported == ["1300"]
    assert r.dropped_sentences == ["贫困户1300户[1]。"]
    assert r.kept_sentences == ["稻城县2014年审定贫困村55个[1]。", "乡城县累计减贫3.84万人[2]。"]
    assert r.repaired == "稻城县2014年审定贫困村55个[1]。乡城县累计减贫3.84万人[2]。"
    assert "1300" in r.reasons[0]


def test_figure_must_stand_in_the_passage_the_sentence_cites():
    # 1268 is in passage 1, but the sentence cites passage 2
    r = check_answer("贫困户1268户[2]。", {1: DAOCHENG, 2: XIANGCHENG})
    assert not r.ok and r.unsupported == ["1268"] and r.repaired == ""
    # citing both passages is enough
    assert check_answer("贫困户1268户[1][2]。", {1: DAOCHENG, 2: XIANGCHENG}).ok
    assert check_answer("贫困户1268户[1, 2]。", {1: DAOCHENG, 2: XIANGCHENG}).ok


def test_uncited_sentence_is_checked_against_every_passage():
    assert check_answer("贫困户1268户。", {1: XIANGCHENG, 2: DAOCHENG}).ok
    r = check_answer("贫困户1300户。", {1: XIANGCHENG, 2: DAOCHENG})
    assert not r.ok and r.unsupported == ["1300"]


def test_bad_citation_index():
    r = check_answer("贫困村55个[1]。贫困户1268户[7]。", {1: DAOCHENG, 2: XIANGCHENG})
    assert not r.ok
    assert r.bad_citations == [7]
    assert r.repaired == "贫困村55个[1]。"
    assert r.dropped_sentences == ["贫困户1268户[7]。"]
    assert "[7]" in r.reasons[0]
    # a bad index drops the sentence even when it carries no figure
    r = check_answer("稻城县是贫困县[3]。", {1: DAOCHENG})
    assert r.bad_citations == [3] and r.repaired == ""


def test_markers_survive_repair_and_text_without_figures_is_kept():
    answer = "根据报告[1]，稻城县开展了脱贫攻坚工作。贫困发生率为25%[1]。"
    r = check_answer(answer, {1: DAOCHENG})
    assert r.unsupported == ["25%"]
    assert r.repaired == "根据报告[1]，稻城县开展了脱贫攻坚工作。"
    assert r.cited == [1]


def test_full_width_answer_against_half_width_passage():
    r = check_answer("贫困户１,２６８户［1］，发生率２０．２５％【1】。", {1: DAOCHENG})
    assert r.ok, r.reasons


@pytest.mark.parametrize("answer", ["", "   ", "\n"])
def test_empty_answer(answer):
    r = check_answer(answer, {1: DAOCHENG})
    assert r.ok and r.repaired == "" and r.cited == []


def test_list_enumerators_are_not_figures():
    answer = "1. 贫困户1268户[1]\n2. 贫困村55个[1]\n(3) 发生率20.25%[1]\n4、贫困人口5614人[1]"
    assert [m.raw for m in extract_numbers(answer)] == ["1268", "55", "20.25%", "5614"]
    r = check_answer(answer, {1: DAOCHENG})
    assert r.ok, r.reasons
    assert r.kept_sentences[0] == "1. 贫困户1268户[1]"
    # a decimal at the start of a line is a figure, not an enumerator
    assert [m.raw for m in extract_numbers("12.5%的农户")] == ["12.5%"]


def test_english_answer_with_converted_magnitude():
    r = check_answer("Xiangcheng lifted 38,400 people out of poverty by 2019 [2]. The rate fell to 0.5% [2].", {1: DAOCHENG, 2: XIANGCHENG})
    assert r.ok, r.reasons
    r = check_answer("The rate fell to 0.6% [2]. Xiangcheng lifted 3.84万 people [2].", {2: XIANGCHENG})
    assert r.unsupported == ["0.6%"] and r.repaired == "Xiangcheng lifted 3.84万 people [2]."
