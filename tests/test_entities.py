"""Entity, year and pronoun detection on names no dictionary holds (made-up places, not the seeds)."""
from __future__ import annotations

import doctest

import pytest

import rag.entities
from rag.entities import Lexicon, parse


def names(q, lex=None):
    return [(e.text, e.kind) for e in parse(q, lex).entities]


def test_doctests():
    assert doctest.testmod(rag.entities).failed == 0


@pytest.mark.parametrize("q, expected", [
    ("格桑县2021年新建桥梁多少座？", [("格桑县", "place")]),
    ("那卓玛乡呢？", [("卓玛乡", "place")]),  # the connective 那 is not part of the name
    ("扎西村有多少户？", [("扎西村", "place")]),
    ("央金傈僳族自治县的面积", [("央金傈僳族自治县", "place")]),
    ("四川省甘孜州格桑县的海拔", [("四川省甘孜州格桑县", "place")]),  # adjacent names are one compound
    ("格桑县教育局招聘多少名教师？", [("格桑县教育局", "org")]),
    ("国家统计局发布了什么", [("国家统计局", "org")]),
    ("县卫健委呢？", [("县卫健委", "org")]),
    ("格桑县和白玛县哪个海拔高？", [("格桑县", "place"), ("白玛县", "place")]),
    ("报告中的县幅员面积多少？", [("报告中的县", "place")]),  # a definite description
])
def test_named_things(q, expected):
    assert names(q) == expected


@pytest.mark.parametrize("q", [
    "全县有几个乡镇？", "各乡镇的贫困村有多少？", "行政村通硬化路的比例", "县城海拔多高？", "其他乡镇呢？",
    "2021年新建桥梁多少座？", "贫困户呢？", "中小学有多少所？", "一个县能有多少人？",
])
def test_generic_words_name_nothing(q):
    assert names(q) == []


def test_years_ranges_periods_and_relative_years():
    y = lambda q: [(x.text, x.value) for x in parse(q).years]  # noqa: E731
    assert y("格桑县2017至2019年实施了多少个项目？") == [("2017至2019年", "2017-2019")]
    assert y("2016年以来累计减贫多少户") == [("2016年以来", "2016")]
    assert y("2019年底的人口") == [("2019年底", "2019")]
    assert y("他去年种了几亩？") == [("去年", "去年")]
    assert y("What about 2019?") == [("2019", "2019")]
    assert y("新建桥梁2000座") == []  # a figure, not a year


def test_pronouns_and_what_they_need():
    p = lambda q: [(x.text, x.need, x.plural) for x in parse(q).pronouns]  # noqa: E731
    assert p("它的面积是多少？") == [("它", "any", False)]
    assert p("该县有几个村？") == [("该县", "县", False)]
    assert p("這個鎮的人口呢？") == [("這個鎮", "镇", False)]  # traditional script, spans index the text as typed
    assert p("它们的面积分别是多少？") == [("它们", "any", True)]
    assert p("那里的海拔多少") == [("那里", "place", False)]
    assert p("他去年种了几亩？") == [("他", "person", False)]
    assert p("其中有多少？ 其他呢？ 尤其是哪里？") == []  # 其中 其他 尤其 are not 其
    assert p("What is its area?") == [("its", "any", False)]
    assert p("How many villages are there?") == []  # existential there
    assert p("What is the altitude there?") == [("there", "place", False)]


def test_lexicon_from_document_text_finds_names_jieba_does_not_know():
    texts = ["色曲县位于高原。色曲县辖17个乡镇，实现乡镇全覆盖。", "色曲县2020年新建学校3所，各乡镇卫生院全覆盖。"]
    lex = Lexicon.from_texts(texts)
    assert lex.kind("色曲县") == "place" and lex.kind("色曲") == "place"
    assert "实现乡" not in lex.names and "各乡" not in lex.names  # no window across words
    # the stem is found in a question, on the question's own word boundaries
    assert names("那色曲呢？", lex) == [("色曲", "place")]


def test_lexicon_from_a_store(county_index):
    from rag.stores import open_store

    lex = Lexicon.from_store(open_store(county_index))
    assert {"格桑县", "白玛县", "格桑", "白玛"} <= set(lex.names)


def test_a_name_before_its_place_office_is_a_place_not_a_person():
    """格桑县委书记 without a lexicon: 格桑 + 县委书记 is the county's secretary (格桑县), not a person called 格桑."""
    assert names("格桑县委书记是谁？") == [("格桑县", "place")]
    assert names("白玛州委书记叫什么名字？") == [("白玛州", "place")]
    assert names("卓玛县政府在哪里？") == [("卓玛县", "place")]
    assert names("白玛县县委书记是谁？") == [("白玛县", "place")]  # the suffix already there: not 白玛县县
    assert names("张建华县长说") != [("张建华县", "place")]  # 县长 after a name is a title


def test_one_word_ending_in_a_place_suffix_is_a_place_even_with_a_conjunction_char_inside():
    """和平村 is one word: its 和 is the name's, not 'and' (a surname reading made it a person)."""
    assert names("那和平村呢") == [("和平村", "place")]


def test_an_english_description_of_a_place_is_one_place():
    assert names("How many townships does the county in the traditional-Chinese report have?") == [
        ("the county in the traditional-Chinese report", "place")]
    assert names("What about the city described in the document?") == [("the city described in the document", "place")]
    # not the pronoun "the county" inside it
    assert parse("How many townships does the county in the traditional-Chinese report have?").pronouns == []


def test_a_word_jieba_calls_a_name_right_before_a_noun_modifies_it():
    """A person's name is followed by a verb, a title, 的 or a measure word; a 'name' glued to a two-character noun
    (扶志 + 模式, 续建 + 农村公路) is a modifier of that noun, so the question names no person."""
    assert names("“1356”扶志模式由哪几部分组成？") == []
    assert names("实施了多少个新建和续建农村公路项目？") == []
    assert ("傅春城", "person") in names("傅春城书记去了哪里？")  # a title after it: a person
    assert names("陆太忠家有几口人？") == [("陆太忠", "person")]  # a measure word after it: a person


def test_an_english_place_name_fits_the_level_its_last_word_says():
    """“the county” stands for Gesang County, “the prefecture” for Baima Prefecture, not the other way round."""
    county, pref = parse("What is the area of Gesang County?").entities[0], parse("What is the area of Baima Prefecture?").entities[0]
    assert county.fits("县") and not county.fits("州") and pref.fits("州") and not pref.fits("县")
    # "the county-seat site" names a kind of site: no pronoun in it
    assert parse("How many workers at the county-seat relocation site were trained?").pronouns == []
    assert [x.text for x in parse("How many townships does the county have?").pronouns] == ["the county"]
