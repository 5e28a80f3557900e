"""Refusal checks that look at what a question measures and what kind of answer it wants, against the
sentence a candidate answer comes from. Each returns why the candidate cannot answer, or ``None``.

The unanswerable questions users ask over reports are mostly near misses: the report gives a figure
for a neighbouring measure (总人口 when 女性人口 is asked, a total when an average is asked, an
absolute figure when a growth rate is asked, 幅员面积 when 草原面积 is asked), or the passages hold
no answer of the asked type at all (a 谁 question over text that names nobody). The vocabulary here is
general report and encyclopedia wording, nothing of any one document.

Example::

    >>> from rag.reader.question import analyze
    >>> measure_problem(analyze("该县常住人口中女性有多少人？"), "全县常住人口3.64万人。")
    'the passages give no figure for 女性'
    >>> measure_problem(analyze("该县常住人口有多少？"), "全县常住人口3.64万人。") is None
    True
    >>> measure_problem(analyze("该县平均每个工作队有多少名干部？"), "组建55个工作队，选派227名干部。")
    'the passages give no figure for 平均'
    >>> modifier_problem(analyze("该县草原面积有多少平方公里？"), "幅员面积5016平方公里")
    'the figure found is for 幅员面积, not 草原面积'
"""
from __future__ import annotations

import re

from .question import Question
from .text import pos_words

# (what the question says, what the evidence must then say, the name shown in the refusal)
# A question that qualifies its measure (女性, 平均, 增长率 …) is not answered by a sentence that gives
# the unqualified figure.
_ZH_QUALIFIERS: list[tuple[re.Pattern, re.Pattern, str]] = [
    (re.compile(r"女性|女生|女童|女孩|女子|妇女|女职工|女干部|女教师|女学生|女工"), re.compile(r"(?<![子儿])女|妇"), "女性"),
    (re.compile(r"男性|男生|男童|男孩|男子|男职工"), re.compile(r"男"), "男性"),
    (re.compile(r"平均|均值"), re.compile(r"平均|均|每"), "平均"),
    (re.compile(r"人均|每人|每个人|每名"), re.compile(r"人均|每人|每个人|每名|平均|/人"), "人均"),
    (re.compile(r"户均|每户|每个家庭"), re.compile(r"户均|每户|平均|/户"), "户均"),
    (re.compile(r"年均|年平均"), re.compile(r"年均|每年|年平均|平均|/年|年增|年人均"), "年均"),
    (re.compile(r"每月|月均|每个月"), re.compile(r"每月|月均|每个月|/月|月收入|月工资"), "每月"),
    (re.compile(r"增长率|增速|增幅|涨幅|同比|比上年|比去年|环比"), re.compile(r"增|涨|提高|上升|同比|比上年|比去年|环比|翻|下降|减少|降"), "增长率"),
    (re.compile(r"(?:增长|增加|提高|上涨|上升)了?多少|(?:增长|增加|提高|上涨|上升)了?百分之"),
     re.compile(r"增|涨|提高|上升|翻|从.{0,30}(?:到|至)"), "增长"),
    (re.compile(r"(?:下降|减少|降低)了?多少|(?:下降|减少|降低)了?百分之|降幅|减幅"), re.compile(r"降|减|从.{0,30}(?:到|至)"), "下降"),
]
_EN_QUALIFIERS: list[tuple[re.Pattern, re.Pattern, str]] = [
    (re.compile(r"\b(?:female|women|woman|girls?)\b", re.I), _ZH_QUALIFIERS[0][1], "female"),
    (re.compile(r"\b(?:male|men|boys?)\b", re.I), _ZH_QUALIFIERS[1][1], "male"),
    (re.compile(r"\baverage\b|\bmean\b", re.I), _ZH_QUALIFIERS[2][1], "average"),
    (re.compile(r"\bper (?:capita|person|head|student|resident|worker)\b", re.I), _ZH_QUALIFIERS[3][1], "per person"),
    (re.compile(r"\b(?:annual average|per year|annually)\b", re.I), _ZH_QUALIFIERS[5][1], "per year"),
    (re.compile(r"\b(?:per month|monthly)\b", re.I), _ZH_QUALIFIERS[6][1], "per month"),
    (re.compile(r"\bgrowth rate\b|\byear[- ]on[- ]year\b|\bgrow(?:th|n)? by\b|\bincrease(?:d)? by\b|"
                r"\bby how much\b.*\b(?:grow|grew|grown|increase|increased|rise|rose|risen)\b", re.I), _ZH_QUALIFIERS[7][1], "growth"),
]


def measure_problem(q: Question, near: str) -> str | None:
    """A qualifier of the question's measure (女性, 平均, 人均, 增长率, *female*, *average* …) that ``near``
    (the candidate's sentence, the one before it and its heading path) does not say: the figure there is
    the unqualified one, or another measure's.

    >>> from rag.reader.question import analyze
    >>> measure_problem(analyze("How many female residents does the county have?"), "全县常住人口3.64万人")
    'the passages give no figure for female'
    >>> measure_problem(analyze("该县贫困户人均收入增长了多少？"), "贫困户人均收入从2257元增长到13910元") is None
    True
    """
    if q.script == "en":
        rules, text = _EN_QUALIFIERS, q.text
    else:
        rules, text = _ZH_QUALIFIERS, q.norm
    for asked, said, name in rules:
        if asked.search(text) and not said.search(near):
            return f"the passages give no figure for {name}"
    return None


# qualifiers that come in opposed pairs in reports (农村居民 … 城镇居民 …): (asked in English, said in
# Chinese, the opposite said in Chinese, name); the nearer of the two before a figure is the one it is for
_EN_CONTRASTS: list[tuple[re.Pattern, re.Pattern, re.Pattern, str]] = [
    (re.compile(r"\brural\b", re.I), re.compile(r"农村|乡村|农民|农牧民"), re.compile(r"城镇|城市|城区|市民"), "rural"),
    (re.compile(r"\burban\b", re.I), re.compile(r"城镇|城市|城区|市民"), re.compile(r"农村|乡村|农民|农牧民"), "urban"),
]


def contrast_problem(q: Question, before: str) -> str | None:
    """An English question asks for one of two opposed qualifiers (*rural* residents' income) and the
    nearest of the pair in ``before`` (the text of the candidate's sentence before it) is the other one
    (城镇居民 … 41.3%): the figure is the other group's.

    >>> from rag.reader.question import analyze
    >>> q = analyze("By how much did rural residents' income grow?")
    >>> contrast_problem(q, "农村居民人均可支配收入增76.4%，城镇居民人均可支配收入增")
    'the figure found is not for rural'
    >>> contrast_problem(q, "城镇居民人均可支配收入增41.3%，农村居民人均可支配收入增") is None
    True
    """
    if q.script != "en":
        return None
    for asked, said, other, name in _EN_CONTRASTS:
        if not asked.search(q.text) or other.search(q.text):
            continue
        last_said = max((m.end() for m in said.finditer(before)), default=-1)
        last_other = max((m.end() for m in other.finditer(before)), default=-1)
        if last_other > last_said:
            return f"the figure found is not for {name}"
    return None


def modifier_problem(q: Question, sent: str) -> str | None:
    """The question measures ``X{concept}`` (草原面积) and the candidate's sentence (with its heading) says
    ``{concept}`` (幅员面积, 面积) but never ``X``: the figure is for the neighbouring measure.

    >>> from rag.reader.question import analyze
    >>> modifier_problem(analyze("该县幅员面积有多少平方公里？"), "幅员面积5016平方公里") is None
    True
    """
    if q.script == "en" or not q.concept or len(q.concept) < 2:
        return None
    concept = q.concept
    left = q.left
    at = left.rfind(concept)
    if at <= 0:
        return None
    words = [w for w in pos_words(left[:at]) if w.text.strip()]
    if not words:
        return None
    mod = words[-1]
    if len(mod.text) < 2 or not mod.flag.startswith("n") or mod.flag in ("nr", "ns", "nt") or mod.text in sent:
        return None
    if mod.text in q.places or any(mod.text in e for e in q.entities):
        return None
    if concept not in sent:
        return None
    for m in re.finditer(re.escape(concept), sent):
        before = [w for w in pos_words(sent[max(0, m.start() - 8) : m.start()]) if w.text.strip()]
        if before and len(before[-1].text) >= 2 and before[-1].flag.startswith(("n", "vn")) and before[-1].text != mod.text:
            return f"the figure found is for {before[-1].text}{concept}, not {mod.text}{concept}"
    return f"the figure found is not for {mod.text}{concept}"


# year/day questions (哪一年, 哪天, *what year*): the answer is a date
_WANTS_DAY = re.compile(r"哪一年|哪年|何年|哪一天|哪天|何日|几月几日|几月几号|几号|哪个月|哪一个月|哪个年份|什么年份|哪一个年份")
_EN_WANTS_DAY = re.compile(r"\b(?:what|which) (?:year|day|month|date)\b|^\s*when\b", re.I)
_DATE_SPAN = re.compile(r"\d{1,4}\s*[年月日号]|[〇○零元一二三四五六七八九十百千]{1,5}[年月日号]")
_PERSON_Q = re.compile(r"叫什么名字|姓名是|名字是什么|是谁|哪位|何人|谁")
_EN_PERSON_Q = re.compile(r"^\s*who\b|\bwho (?:is|was|are|were|heads?|leads?|led)\b|\bname of the (?:person|director|head|secretary|leader)\b", re.I)
_PERSON_FLAGS = ("nr", "nrt", "nrfg", "ns", "nt", "nz")  # names (a 谁 answer may be a country or a company too)
# the commonest Chinese surnames (general knowledge): a surname word followed by a short word is a name
_SURNAMES = set("王李张刘陈杨黄赵吴周徐孙朱胡郭林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡杜程苏魏吕丁沈姚卢姜崔钟谭陆汪范廖贾夏韦邹孟熊秦邱尹薛闫侯史陶黎贺顾毛郝龚邵钱严覃戴")


def wanted_type(q: Question) -> str | None:
    """``person`` or ``day`` when the question can only be answered by a person's name or a date.

    >>> from rag.reader.question import analyze
    >>> wanted_type(analyze("该县扶贫办主任叫什么名字？")), wanted_type(analyze("该工程是哪一年启动的？"))
    ('person', 'day')
    >>> wanted_type(analyze("Who heads the office?")), wanted_type(analyze("该县有多少人？")) is None
    ('person', True)
    """
    text = q.text if q.script == "en" else q.norm
    if q.script == "en":
        if _EN_PERSON_Q.search(text):
            return "person"
        if _EN_WANTS_DAY.search(text):
            return "day"
        return None
    if q.head in ("名字", "姓名") or (_PERSON_Q.search(text) and q.atype in ("person", "entity", "other")):
        return "person"
    if q.atype == "date" and _WANTS_DAY.search(text):
        return "day"
    return None


def holds_type(kind: str, text: str) -> bool:
    """``text`` holds an answer of ``kind``: for ``person`` a name of any kind (jieba's name, place or
    organisation tags, a run of unknown characters, a Latin word, a common surname and a given name), for
    ``day`` a date.

    >>> holds_type("person", "县长张明主持会议。"), holds_type("person", "成立领导小组，抽调18名骨干力量。")
    (True, False)
    >>> holds_type("day", "2019年4月退出贫困县序列。"), holds_type("day", "大力实施润育工程。")
    (True, False)
    """
    if kind == "day":
        return bool(_DATE_SPAN.search(text))
    if kind == "person":
        if re.search(r"[·•・]|[A-Za-z]{2,}", text):
            return True
        words = [w for w in pos_words(text) if w.text.strip()]
        if any(w.flag in _PERSON_FLAGS or w.flag == "un" and 2 <= len(w.text) <= 4 for w in words):
            return True
        return any(a.text in _SURNAMES and len(b.text) <= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", b.text)
                   for a, b in zip(words, words[1:]))
    return True


def _role_word(answer: str) -> bool:
    """A short noun with no figure (总理, 君主): a 谁 question may be answered by a role, not a name."""
    words = [w for w in pos_words(answer) if w.text.strip()]
    return 0 < len(answer) <= 4 and not re.search(r"\d", answer) and all(w.flag.startswith("n") for w in words)


TYPE_PROBLEMS = ("the passages name no person", "the passages give no date")
#: problems after which the reader tries its next candidate (other problems of a non-number question refuse)
TRY_NEXT = TYPE_PROBLEMS[1:]


def type_problem(q: Question, sentence: str, answer: str) -> str | None:
    """The question wants a person and the candidate's ``sentence`` names nobody (then no candidate of it
    answers), or it wants a year or day and the candidate ``answer`` is no date (the reader then tries the
    next candidate).

    >>> from rag.reader.question import analyze
    >>> type_problem(analyze("该县扶贫办主任叫什么名字？"), "成立领导小组，抽调18名骨干力量组建办公室。", "18名骨干力量")
    'the passages name no person'
    >>> type_problem(analyze("该县扶贫办主任叫什么名字？"), "扶贫办主任由县长张明兼任。", "张明") is None
    True
    >>> type_problem(analyze("行政权名义上属于谁？"), "行政权名义上属于君主。", "君主") is None  # a role
    True
    >>> type_problem(analyze("该工程是哪一年启动的？"), "2016年启动该工程，大力推进。", "大力")
    'the passages give no date'
    """
    kind = wanted_type(q)
    if kind == "person" and not holds_type(kind, sentence) and not _role_word(answer):
        return TYPE_PROBLEMS[0]
    if kind == "day" and not holds_type(kind, answer):
        return TYPE_PROBLEMS[1]
    return None
