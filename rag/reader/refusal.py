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

from .numbers import find_figures, unit_family
from .question import Question
from .text import clause_end, clause_start, pos_words

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
# a question that asks the month or the day (哪个月, 几月几日, 哪天, which month, by what date): a bare year does not answer it
_WANTS_MONTH = re.compile(r"哪个月|哪一个月|几月|哪一天|哪天|何日|几号|几日|\b(?:what|which) (?:month|date|day)\b", re.I)
_N = "[0-9〇○零一二三四五六七八九十]"
_MONTH_DATE = re.compile(rf"(?:{_N}{{2,4}}年)?{_N}{{1,2}}月(?:份|初|底|末|上旬|中旬|下旬)?(?:{_N}{{1,3}}[日号])?(?:前|后|以前|之前|以后|之后|起)?")
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
    if re.search(r"叫什么$|叫什么[?？]?$", text.rstrip("？?。 ")) and _TITLE.search(re.sub(r"(?:是|叫)+$", "", text[: text.rfind("叫")])):
        return "person"  # 某市委书记叫什么
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
#: problems after which the reader tries its next candidate (other problems of a non-number question refuse):
#: they are about the candidate or its sentence, and another sentence may hold the answer
TRY_NEXT = TYPE_PROBLEMS[1:] + ("the candidate is no name", "the candidate is what the question is about", "the passages name no ",
                                "the passages do not date ", "the answer found is none of ", "the date found is said of another clause",
                                "no passage compares ", "the person found holds no post of ")


def try_next(problem: str) -> bool:
    """The reader may try its next candidate after ``problem`` (see :data:`TRY_NEXT`).

    >>> try_next("the passages give no date"), try_next("the passages name no 县长"), try_next("the passages name no person")
    (True, True, False)
    """
    return problem != TYPE_PROBLEMS[0] and any(problem.startswith(t) for t in TRY_NEXT)


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
    >>> type_problem(analyze("该工程计划在哪个月完工？"), "计划于2021年9月完工。", "2021年")  # the month is asked
    'the passages give no date'
    >>> type_problem(analyze("该工程计划在哪个月完工？"), "计划于2021年9月完工。", "2021年9月") is None
    True
    >>> type_problem(analyze("In which month is the work to be finished?"), "2021年9月份高质量完工。", "2021年9月份高质量")
    'the passages give no date'
    """
    kind = wanted_type(q)
    if kind == "person" and not holds_type(kind, sentence) and not _role_word(answer):
        return TYPE_PROBLEMS[0]
    if kind == "day" and not holds_type(kind, answer):
        return TYPE_PROBLEMS[1]
    if kind == "day" and _WANTS_MONTH.search(q.text) and not _MONTH_DATE.fullmatch(answer.strip()):
        return TYPE_PROBLEMS[1]  # 哪个月 / by what date answered by a bare year (or a phrase after the month): try the next
    return None


# ---------------------------------------------------------------- what the answer itself must be

# a comparison between named options (甲县和乙县哪个县更多, A还是B): the answer is one of the options
_CHOICE_WH = re.compile(r"哪个|哪一个|哪一|哪家|哪座|哪位|谁")
_CHOICE_JOIN = re.compile(r"和|与|跟|同|还是|或|比")
_COMPARATIVE = re.compile(r"更|最|较|比|还是")


def choice_options(q: Question) -> list[str]:
    """The options a comparison question chooses between: two or more names joined by 和/与/还是 before a
    哪个 … 更 (or …还是…), in question order; empty for any other question.

    >>> from rag.reader.question import analyze
    >>> choice_options(analyze("白溪县和青岭县哪个县的贫困村更多？"))
    ['白溪县', '青岭县']
    >>> choice_options(analyze("白溪县有多少个贫困村？"))
    []
    """
    if q.script == "en" or not q.wh or not _CHOICE_WH.search(q.wh):
        return []
    if not _COMPARATIVE.search(q.norm):
        return []
    names = [e for e in dict.fromkeys(q.places + q.entities) if len(e) >= 2 and e in q.norm[: q.wh_start]]
    names = [e for e in names if not any(e != o and e in o for o in names)]
    if len(names) < 2:
        return []
    names.sort(key=q.norm.find)
    between = q.norm[q.norm.find(names[0]) + len(names[0]) : q.norm.find(names[1])]
    return names if _CHOICE_JOIN.search(between) else []


def _stem_of(name: str) -> str:
    return name[:-1] if len(name) >= 3 and name[-1] in "省市县州区乡镇村" else name


def choice_problem(q: Question, answer: str, passages_text: str, sentence: str | None = None) -> str | None:
    """A comparison question is answered by one of its options, and only when the passages speak of every
    option: otherwise the comparison cannot be made from them. An extractive reader does no arithmetic:
    the answer's ``sentence`` (when given) must itself speak of every option.

    >>> from rag.reader.question import analyze
    >>> q = analyze("白溪县和青岭县哪个县的贫困村更多？")
    >>> choice_problem(q, "白溪县", "白溪县有贫困村12个。")
    'the passages say nothing of 青岭县'
    >>> choice_problem(q, "全县", "白溪县有贫困村12个，青岭县有贫困村9个。")
    'the answer found is none of 白溪县, 青岭县'
    >>> choice_problem(q, "白溪县", "白溪县有贫困村12个，青岭县有贫困村9个。") is None
    True
    >>> choice_problem(q, "白溪县", "白溪县有贫困村12个。青岭县有贫困村9个。", sentence="白溪县有贫困村12个。")
    'no passage compares 白溪县 and 青岭县'
    >>> choice_problem(q, "白溪县", "白溪县的贫困村比青岭县多。", sentence="白溪县的贫困村比青岭县多。") is None
    True
    """
    options = choice_options(q)
    if not options:
        return None
    for o in options:
        if _stem_of(o) not in passages_text:
            return f"the passages say nothing of {o}"
    if not any(_stem_of(o) in answer for o in options):
        return f"the answer found is none of {', '.join(options)}"
    if sentence is not None and not all(_stem_of(o) in sentence for o in options):
        return f"no passage compares {' and '.join(options)}"
    return None


# office titles (general Chinese wording): a 谁 question about an office holder is answered by the name said
# with the title (州委书记王某); a sentence without the title names someone else
_TITLE = re.compile(r"(?:书记|支书|主任|主席|县长|市长|州长|省长|区长|乡长|镇长|村长|局长|厅长|处长|科长|部长|院长|校长|所长|站长|组长|队长|"
                    r"董事长|总经理|经理|总裁|秘书长|会长|社长|馆长|行长|指挥长)$")


# English office words and the Chinese titles a report writes them with (general vocabulary)
_EN_TITLES = ((r"mayor", "市长|县长|州长|区长"), (r"governor", "州长|省长"), (r"secretar(?:y|ies)", "书记"),
              (r"director", "主任|局长|处长|所长|站长|院长|馆长"), (r"chair(?:man|woman|person)?", "主席|董事长|主任"),
              (r"president", "主席|总裁|院长|校长|行长|会长|社长"), (r"principal", "校长"),
              (r"(?:county|township|town|village) (?:head|chief)|magistrate", "县长|乡长|镇长|村长"),
              (r"(?:general )?manager", "经理"), (r"commander", "指挥长|队长"))


def asked_title(q: Question) -> str | None:
    """The office a 谁 / 叫什么名字 / *who is the …* question asks the holder of (县长 in 白溪县县长是谁), or
    ``None``; for an English office, the Chinese titles that write it (a regular-expression alternation).

    >>> from rag.reader.question import analyze
    >>> asked_title(analyze("白溪县县长是谁？")), asked_title(analyze("白溪市委书记叫什么名字？"))
    ('县长', '书记')
    >>> asked_title(analyze("这部小说的作者是谁？")) is None
    True
    >>> asked_title(analyze("Who is the mayor of Baixi?")), asked_title(analyze("Who wrote the report?")) is None
    ('市长|县长|州长|区长', True)
    """
    if wanted_type(q) != "person":
        return None
    if q.script == "en":
        return next((zh for en, zh in _EN_TITLES if re.search(rf"\b{en}\b", q.text, re.I)), None)
    left = q.norm[: q.wh_start] if q.wh_start > 0 else q.left
    left = re.sub(r"(?:是|叫|的|名字|姓名|叫做)+$", "", left)
    m = _TITLE.search(left)
    return m.group(0) if m else None


def person_problem(q: Question, sentence: str, start: int, end: int) -> str | None:
    """A question for a person's name answered by the candidate ``sentence[start:end]``: the candidate is a
    short name (not a clause, not the place or name the question itself is about), and when the question
    asks for an office holder (县长, 书记) the sentence says that office right next to the candidate.

    >>> from rag.reader.question import analyze
    >>> q = analyze("白溪县县长是谁？")
    >>> s = "白溪县县长张明主持会议。"
    >>> person_problem(q, s, s.index("张明"), s.index("张明") + 2) is None
    True
    >>> s = "成立以县长为组长的领导小组，记者李红报道。"
    >>> person_problem(q, s, s.index("李红"), s.index("李红") + 2)
    'the passages name no 县长'
    >>> person_problem(q, "白溪县开展了会议。", 0, 3)
    'the candidate is what the question is about'
    >>> s = "青石村位于县城东北32公里。"
    >>> person_problem(analyze("青石村村支书是谁？"), s, s.index("县城"), s.index("里") + 1)
    'the candidate is no name'
    """
    if wanted_type(q) != "person":
        return None
    answer = sentence[start:end]
    if q.script == "en":
        title = asked_title(q)
        # who is the mayor of …: the name is written next to the office (白溪市市长张明), not a place or another office
        if title and not _office_beside(title, sentence, start, end):
            return "the passages name no holder of the office asked"
        if title and (_TITLE.search(answer) or not holds_type("person", answer)
                      or len(answer) > 6 and not re.search(r"[A-Za-z·•・]", answer)
                      or any(w.flag.startswith("v") or w.flag == "ns" for w in pos_words(answer))):
            return "the candidate is no name"  # a clause after the office (书记考察…精神) is not its holder
        return None
    if len(answer) > 12 and not re.search(r"[A-Za-z]", answer) and not _name_list(answer):
        return "the candidate is no name"
    if any(f.family not in (None, "date") for f in find_figures(answer)):
        return "the candidate is no name"  # 县城东北32公里: a name holds no measured figure
    for e in q.places + q.entities:
        st = _stem_of(e)
        if len(st) >= 2 and (answer in e or st in answer and answer[-1] in "省市县州区乡镇村"):
            return "the candidate is what the question is about"  # the place asked about (维西…自治县), not a person
    title = asked_title(q)
    if title:
        if _TITLE.search(answer.strip("“”\"「」")) or not holds_type("person", answer):
            return "the candidate is no name"  # the office (“双组长”) is not its holder
        if len(answer) > 4 and any(w.flag.startswith("v") for w in pos_words(answer)):
            return "the candidate is no name"  # 李有才带领群众发展产业: the name and what the holder does
        # reports write the holder right after the office (县委书记王某) or the office right after the name
        if not _office_beside(re.escape(title), sentence, start, end):
            return f"the passages name no {title}"
    return None


def _office_beside(title: str, sentence: str, start: int, end: int) -> bool:
    """An office (``title``, a regular expression) is written right before the name ``sentence[start:end]``
    (县委书记王某, one character between at most) or right after it (王某书记).

    >>> _office_beside("县长", "县长张明主持会议。", 2, 4), _office_beside("县长", "县长主持会议，张明讲话。", 7, 9)
    (True, False)
    """
    return any(0 <= start - m.end() <= 1 or m.start() == end for m in re.finditer(title, sentence))


def _name_list(text: str) -> bool:
    """``text`` is a list of short names (甲某、乙某、丙某等), not a clause."""
    items = re.split(r"[、和及与]", text.strip().rstrip("等"))
    return len(items) >= 2 and all(0 < len(x) <= 6 for x in items) and not re.search(r"[，,；;。]", text)


def event_problem(q: Question, near: str) -> str | None:
    """A 哪一年 / 哪一天 question names what happened after the wh-word (…是哪一年成立的, …哪天结束的); a date
    from text that says none of those words dates something else.

    >>> from rag.reader.question import analyze
    >>> q = analyze("白溪县领导小组是哪一年成立的？")
    >>> event_problem(q, "2014年以来，白溪县坚持脱贫攻坚。")
    'the passages do not date 成立'
    >>> event_problem(q, "2015年白溪县成立领导小组。") is None
    True
    >>> event_problem(analyze("第一条马车线路于何年问世？"), "1828年修建了第一条马车线路。") is None  # its subject, other words
    True

    What it happened is its verb or the thing it happened to (the last noun: 示范县 of 被评为全国…示范县); a
    sentence sharing only a general word with it (全国) dates something else:

    >>> event_problem(analyze("白溪县是哪一年被评为全国文明示范县的？"), "2014年白溪县属全国贫困县。")
    'the passages do not date 评为'
    >>> event_problem(analyze("白溪县是哪一年被评为全国文明示范县的？"), "2019年白溪县荣获全国文明示范县称号。") is None
    True
    """
    if q.script == "en" or wanted_type(q) != "day":
        return None
    words = [w for w in pos_words(q.norm[q.wh_end :]) if len(w.text) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w.text)
             and w.flag[:1] in ("v", "n", "a") and not _WANTS_DAY.search(w.text)]
    if not words:
        return None
    nouns = [w for w in words if w.flag.startswith("n")]
    said = [w for w in words if w.text in near]
    if any(w.flag.startswith("v") for w in said) or (nouns and nouns[-1] in said) or len(said) >= 2 or len(words) == 1 and said:
        return None
    # what it happened to (the 线路 of …线路于何年问世): a sentence about it dates it in its own words
    before = [w for w in pos_words(q.norm[: max(0, q.wh_start)]) if len(w.text) >= 2 and w.flag.startswith("n")
              and w.flag not in ("ns", "nr") and w.text not in q.places and not any(w.text in pl for pl in q.places)]
    if before and before[-1].text in near:
        return None
    return f"the passages do not date {words[0].text}"


def label_problem(q: Question, sentence: str, start: int, end: int) -> str | None:
    """A 多少 / 几 question is answered by a quantity; a figure quoted as a name (the “132” practice, the
    “1356” model) is a label, not a count of anything.

    >>> from rag.reader.question import analyze
    >>> s = "推行“1356”模式，积分兑换“爱心超市”。"
    >>> label_problem(analyze("该县爱心超市兑换了多少积分？"), s, s.index("1356"), s.index("1356") + 4)
    'the figure found is a name, not a quantity'
    >>> label_problem(analyze("该县有多少个村？"), "全县有89个村。", 3, 6) is None
    True

    Quoted words said by someone (“我今年准备种5亩，至少有1万多元的收入。”) are speech, not a name:
    a name has no clause punctuation in it.

    >>> s = "“我今年种5亩，至少有1万多元的收入。”"
    >>> label_problem(analyze("他今年能收入多少？"), s, s.index("1万"), s.index("1万") + 5) is None
    True
    """
    if q.atype != "number" or q.wh not in ("多少", "几"):
        return None
    for m in _QUOTED_SPAN.finditer(sentence):
        if _SPEECH_MARKS.search(m.group(0)):
            continue
        if m.start() < start and end < m.end():
            return "the figure found is a name, not a quantity"
    return None


_SPEECH_MARKS = re.compile(r"[，,。！？!?；;：:]")
_QUOTED_SPAN = re.compile(r"“[^”“]{1,20}”|「[^」「]{1,20}」|『[^』『]{1,20}』|‘[^’‘]{1,20}’")


_FIG = re.compile(r"\d+(?:[.,]\d+)*\s*(?:万|亿)?")


def premise_problem(q: Question, answer: str, clause: str = "") -> str | None:
    """A figure the question itself states (…减贫的19.46万人里有多少是儿童) is its premise, not its answer,
    nor is a figure said in one breath with it (``clause``: 减贫3.84万户19.46万人 — the same people counted
    another way).

    >>> from rag.reader.question import analyze
    >>> premise_problem(analyze("减贫的19.46万人里有多少是儿童？"), "19.46万人")
    'the figure found is the one the question states'
    >>> premise_problem(analyze("减贫的19.46万人里有多少是儿童？"), "3.2万人") is None
    True
    >>> premise_problem(analyze("2023年新建供水工程多少处？"), "23处") is None  # 23 is not the 23 of 2023
    True
    >>> premise_problem(analyze("减贫的19.46万人里有多少是儿童？"), "3.84万户", "全市累计减贫3.84万户19.46万人")
    'the figure found is said with the one the question states'
    >>> premise_problem(analyze("人均收入增长到13910元之前，2014年是多少？"), "2257元", "从2014年的2257元增长到13910元") is None
    True
    >>> premise_problem(analyze("减贫的8.4万人里有多少是儿童？"), "2.1万人", "全县减贫18.4万人，其中儿童2.1万人") is None  # 8.4万 is not the one of 18.4万
    True
    >>> premise_problem(analyze("2016年以来减贫的人里有多少是儿童？"), "2016年以来")
    'the figure found is the year the question states'
    >>> premise_problem(analyze("2016年以来减贫多少人？"), "2.9万人") is None
    True
    >>> premise_problem(analyze("减贫的人里有多少是儿童？"), "2016年")
    'the figure found is a year, not a quantity'
    >>> premise_problem(analyze("该工程建了多少年？"), "2016年") is None
    True
    >>> premise_problem(analyze("减贫的8.4万人里有多少是儿童？"), "12个")
    'the figure found is not a count in 人'
    >>> premise_problem(analyze("减贫的8.4万人里有多少是儿童？"), "1.2万名") is None
    True
    """
    figs = [m.group(0).strip() for m in _FIG.finditer(answer)]
    if not figs or q.atype != "number":
        return None
    if any(re.search(rf"(?<![\d.]){re.escape(f)}(?![\d.])", q.norm) and not re.fullmatch(r"\d{4}", f) for f in figs):
        return "the figure found is the one the question states"
    stated = [m.group(0).strip() for m in _FIG.finditer(q.norm) if not re.fullmatch(r"\d{4}", m.group(0).strip())]
    # the same people counted another way (3.84万户 with 19.46万人); a figure in the stated one's own unit is
    # another value of the same measure (从2014年的2257元增长到13910元: 2014年是多少 asks for it)
    own = {unit_family(f.unit) for f in find_figures(answer)} - {None}
    said_with = [f for f in stated if len(f) >= 2 and re.search(rf"(?<![\d.]){re.escape(f)}(?![\d.])", clause)]
    if said_with and not (own and own <= {unit_family(f.unit) for f in find_figures(q.norm) if f.core_start >= 0
                                           and any(q.norm[f.core_start : f.core_end].startswith(x) for x in said_with)}):
        return "the figure found is said with the one the question states"
    if all(re.fullmatch(r"\d{4}", f) and f in q.years for f in figs):
        return "the figure found is the year the question states"  # 2016年以来 for …2016年以来减贫的人里有多少
    whole = _WHOLE.search(q.norm)
    if whole and not re.search(rf"[\d.万亿余多]\s*{_SAME_UNIT.get(whole.group(1), whole.group(1))}", answer):
        return f"the figure found is not a count in {whole.group(1)}"  # 8.4万人里有多少是儿童: a number of 人
    if _CALENDAR_YEAR.fullmatch(answer.strip()) and q.unit not in ("duration", "date", "age") and "年" not in q.norm[q.wh_end : q.wh_end + 2]:
        return "the figure found is a year, not a quantity"  # 多少 asks how many, 2016年 says when
    return None


# a question that states a whole (减贫的8.4万人里 / 中) asks for a part of it, in the whole's unit
_WHOLE = re.compile(r"\d[\d.]*\s*(?:万|亿)?\s*(人次|户|人|名|个|家|所)(?:里|中|当中|之中)")
_SAME_UNIT = {"人": "[人名]", "名": "[人名]"}
_CALENDAR_YEAR = re.compile(r"(?:1[5-9]|20)\d{2}\s*年(?:以来|底|初|末|前|后|起)?")


# a figure that selects (贫困发生率超过1.3%的行政村, 在50人以上的乡镇) is a criterion, not a measured value
_CRITERION = re.compile(r"(?:超过|高于|低于|不足|大于|小于|不低于|不高于|多于|少于|在)\s*$")
_CRITERION_AFTER = re.compile(r"^[^，,；;。]{0,3}?(?:以上|以下|以内)?的|^[^，,；;。、]{0,3}?、[^，,；;。]{0,24}的(?![^，,；;。]{0,2}[是为])")
_ASKS_CRITERION = re.compile(r"超过|高于|低于|不足|大于|小于|不低于|不高于|多于|少于|以上|以下|以内|门槛|标准|条件")


def criterion_problem(q: Question, sentence: str, start: int, end: int) -> str | None:
    """The figure ``sentence[start:end]`` states a selection criterion (对贫困人口超过1000人的进行督战) rather
    than a value of the thing measured; a question that asks for the criterion (超过多少的…, 门槛) is answered by it.

    >>> from rag.reader.question import analyze
    >>> s = "对贫困发生率超过1.3%的行政村进行挂牌督战。"
    >>> criterion_problem(analyze("该市的贫困发生率降到了多少？"), s, s.index("1.3"), s.index("1.3") + 4)
    'the figure found is a criterion (超过1.3%的), not a value'
    >>> criterion_problem(analyze("贫困发生率超过多少的行政村要挂牌督战？"), s, s.index("1.3"), s.index("1.3") + 4) is None
    True
    >>> s = "对剩余贫困人口超过1000人、安置点超过1000人的进行督战。"
    >>> criterion_problem(analyze("全州贫困人口总数是多少？"), s, s.index("超过"), s.index("、"))
    'the figure found is a criterion (超过1000人、), not a value'
    >>> s = "贫困群众人均收入超过7000元，占总收入的64%。"
    >>> criterion_problem(analyze("贫困群众人均收入是多少？"), s, s.index("7000"), s.index("7000") + 5) is None
    True
    """
    if q.atype != "number" or q.script == "en" or _ASKS_CRITERION.search(q.norm):
        return None
    lead = re.match(r"(?:超过|高于|低于|不足|大于|小于|不低于|不高于|多于|少于)", sentence[start:end])
    m = lead or _CRITERION.search(sentence[max(0, start - 4) : start])
    if not m:
        bound = re.match(r"^[^，,；;。、]{0,2}?(?:以上|以下|以内)的", sentence[end:])  # 30户以上的搬迁点
        return f"the figure found is a criterion ({sentence[start:end]}{bound.group(0)}), not a value" if bound else None
    after = _CRITERION_AFTER.match(sentence[end:])
    if not after:
        return None
    said = sentence[start:end] if lead else m.group(0).strip() + sentence[start:end]
    return f"the figure found is a criterion ({said}{after.group(0)[:1]}), not a value"


# measure words of things that are not said in one another's (2万余册 手册 are no 1142套 挂图); 个 and
# the measure words of people and places are not among them: a report may count anything with 个
_MEASURE_WORD = {"册": "册", "本": "册", "套": "套", "份": "份", "张": "张", "幅": "幅", "件": "件", "头": "头", "只": "头",
                 "株": "株", "棵": "株", "台": "台", "辆": "辆", "场次": "场", "场": "场", "篇": "篇", "部": "部", "首": "首",
                 "盏": "盏", "眼": "眼", "吨": "吨", "斤": "斤", "亩": "亩", "笔": "笔"}
# a figure in these counts people or households: never an answer to a 多少册 / 多少笔 question
_PEOPLE_UNITS = ("户", "人", "名", "人次", "户次", "位")
_MEASURE_WORD_RE = re.compile("|".join(sorted(_MEASURE_WORD, key=len, reverse=True)))


def measure_word_problem(q: Question, figure: str) -> str | None:
    """多少册 asks for a figure in 册 (or 本); a figure in another measure word of things (1142套) counts
    something else.

    >>> from rag.reader.question import analyze
    >>> measure_word_problem(analyze("发放了多少册到户政策明白卡？"), "1142套")
    'no figure in the asked unit (册)'
    >>> measure_word_problem(analyze("发放了多少册到户政策明白卡？"), "4.5万册") is None
    True
    >>> measure_word_problem(analyze("建了多少个温室？"), "20座") is None
    True
    >>> measure_word_problem(analyze("小额信贷放贷了多少笔？"), "980户")  # loans are counted in 笔, not in households
    'no figure in the asked unit (笔)'
    """
    if q.script == "en" or q.wh not in ("多少", "几"):
        return None
    m = _MEASURE_WORD_RE.match(q.right)
    f = next(iter(find_figures(figure)), None)
    if not m or f is None or not f.unit:
        return None
    unit = re.sub(r"^[万亿千百]+", "", f.unit)
    said = _MEASURE_WORD.get(unit)
    if (said and said != _MEASURE_WORD[m.group(0)]) or unit in _PEOPLE_UNITS:
        return f"no figure in the asked unit ({m.group(0)})"
    return None


def listed_item_problem(q: Question, sentence: str, start: int) -> str | None:
    """多少亩羊肚菌 over 共种植葡萄50余亩、油橄榄100亩: in a list of things with their figures, the noun just
    before a figure is what it measures; one that shares no character with the thing asked about
    (葡萄 for 羊肚菌) measures something else. A verb before the figure (种上两亩) judges nothing.

    >>> from rag.reader.question import analyze
    >>> s = "目前，该小组共种植葡萄50余亩、油橄榄100亩。"
    >>> listed_item_problem(analyze("该小组种植了多少亩羊肚菌？"), s, s.index("50"))
    'the figure found is for 葡萄, not 羊肚菌'
    >>> listed_item_problem(analyze("该小组种植了多少亩葡萄？"), s, s.index("50")) is None
    True
    >>> s = "选派114名市、县机关优秀年轻干部"  # 选派 (tagged a noun) is no item of a list
    >>> listed_item_problem(analyze("选派了多少名年轻干部？"), s, s.index("114")) is None
    True
    >>> s = "我家今年要种上两亩藜麦"
    >>> listed_item_problem(analyze("他家打算种几亩藜麦？"), s, s.index("两")) is None
    True
    """
    if q.script == "en" or q.atype != "number" or q.wh not in ("多少", "几") or not q.counted:
        return None
    a = clause_start(sentence, start, "、，,；;。：:（(")
    seg = sentence[a:start]
    after = re.match(r"[^、，,；;。]{0,24}", sentence[start:]).group(0)  # 114名…年轻干部: the noun may follow its figure
    if q.counted in seg or q.counted in after:
        return None
    words = pos_words(seg)
    if not words or words[-1].end != len(seg):
        return None
    w = words[-1]
    item = w.text
    if item in ("》", ">"):  # 《…宣传手册》3000余册: the title names the item
        k = seg.rfind("《")
        item = seg[k + 1 : -1] if k >= 0 else ""
        w = next((x for x in reversed(words[:-1]) if x.text not in ("《", "》")), w)
        words = [x for x in words if x.start < k] + [w] if k >= 0 else words
    elif len(item) < 2 or not w.flag.startswith("n") or w.flag.startswith(("nr", "ns", "nt")):
        return None
    if not item or set(item) & set(q.counted[-2:]):
        return None  # 道路 for 公路: the same head
    # the noun is an item of a list: the object of a verb before it (种植葡萄50余亩), or after 、 (、油橄榄100亩)
    if not (any(x.flag.startswith("v") for x in words[:-1]) or (len(words) == 1 and a > 0 and sentence[a - 1] == "、")):
        return None
    return f"the figure found is for {item}, not {q.counted}"


_TOTAL_Q = re.compile(r"共有|一共|总共|总计|共计|总数|总户数|总人数|全部")
_REACH = re.compile(r"(带动|辐射|惠及|受益)")


def reach_problem(q: Question, sentence: str, start: int) -> str | None:
    """A question for a total (小中甸镇共有多少户贫困户) is not answered by the count of those a programme
    reached (农业产业扶贫带动建档立卡贫困户83户): 带动, 惠及, 辐射, 受益 count a part. A question that
    asks about the reach itself (带动了多少户) is answered by it.

    >>> from rag.reader.question import analyze
    >>> s = "全镇共有合作社11家，农业产业扶贫带动建档立卡贫困户83户。"
    >>> reach_problem(analyze("该镇共有多少户建档立卡贫困户？"), s, s.index("83"))
    'the figure found counts those 带动, not all of them'
    >>> reach_problem(analyze("该镇产业扶贫带动了多少户贫困户？"), s, s.index("83")) is None
    True
    """
    if q.script == "en" or q.atype != "number" or not _TOTAL_Q.search(q.norm) or _REACH.search(q.norm):
        return None
    a = clause_start(sentence, start, "，,；;。")
    m = _REACH.search(sentence[a:start])
    return f"the figure found counts those {m.group(1)}, not all of them" if m else None


def _noun_run(text: str) -> list[str]:
    """The words of the noun phrase ``text`` begins with (二级 甲等 公立医院; 乡镇 of 乡镇进行了…)."""
    out = []
    for w in pos_words(text):
        if not w.text.strip() or w.flag[:1] not in "nbaz":
            break
        out.append(w.text)
    return out


_CLASSIFIER_Q = re.compile(r"(?:多少|几)(?:个|家|所|座|处|项|条|名|户|类|级)")


def qualifier_problem(q: Question, sentence: str, end: int) -> str | None:
    """几个二级甲等医院 over 12个二级甲等、24个二级乙等公立医院: the words after a counted figure say what it
    counts; when they begin as the question's (二级) and then say another grade (乙等 where the question
    says 甲等), the figure counts the other kind.

    >>> from rag.reader.question import analyze
    >>> s = "建成1个三级甲等、12个二级甲等、24个二级乙等公立医院。"
    >>> qq = analyze("要建成几个二级甲等公立医院？")
    >>> qualifier_problem(qq, s, s.index("24个") + 3)
    'the figure found counts 二级乙等, not 二级甲等'
    >>> qualifier_problem(qq, s, s.index("12个") + 3) is None
    True
    >>> s = "县级领导对全县10个乡镇和贫困发生率超过1%的行政村挂牌督战。"
    >>> qualifier_problem(analyze("县级领导对多少个乡镇进行了挂牌督战？"), s, s.index("10个") + 3) is None
    True
    """
    if q.script == "en" or q.atype != "number":
        return None
    m = _CLASSIFIER_Q.search(q.norm)
    if not m:
        return None
    asked = _noun_run(re.split(r"[？?，,。；;、和及与]", q.norm[m.end() :])[0])
    said = _noun_run(re.split(r"[，,；;。、（(]", sentence[end:])[0])
    if len(asked) < 2 or len(said) < 2 or said[0] != asked[0]:
        return None
    for k, (a, b) in enumerate(zip(asked[1:], said[1:]), start=1):
        if a != b:
            rest = "".join(said[k:])
            if len(a) >= 2 and a not in rest and not rest.startswith(a[:1]):
                head = "".join(said[:k])
                return f"the figure found counts {sentence[end : end + len(head) + len(a)]}, not {''.join(asked[:k])}{a}"
            return None
    return None


_RELATIVE_YEAR = {"今年": "今年", "本年": "今年", "去年": "去年", "上年": "去年", "明年": "明年", "前年": "前年"}
_RELATIVE_YEAR_RE = re.compile(rf"(?:{'|'.join(_RELATIVE_YEAR)})(?!以来|至今|起)")  # 去年以来 runs up to now


def relative_year_problem(q: Question, sentence: str, start: int) -> str | None:
    """A question dated by a relative year (今年, 去年) is not answered by a figure the sentence dates by
    another one: in 去年种了1亩，收入2000多元……今年准备种5亩 the 2000多元 is last year's. The year that
    dates a figure is the last one said before it in its sentence; none said, nothing to judge.

    >>> from rag.reader.question import analyze
    >>> s = "去年种了1亩，收入2000多元，今年准备种5亩，至少有1万多元的收入。"
    >>> relative_year_problem(analyze("他今年种5亩能收入多少？"), s, s.index("2000"))
    'the figure found is for 去年, not 今年'
    >>> relative_year_problem(analyze("他今年种5亩能收入多少？"), s, s.index("1万")) is None
    True
    >>> relative_year_problem(analyze("他种5亩能收入多少？"), s, s.index("2000")) is None
    True
    """
    if q.script == "en":
        return None
    asked = {_RELATIVE_YEAR[m.group(0)] for m in _RELATIVE_YEAR_RE.finditer(q.norm)}
    if len(asked) != 1:
        return None
    said = [_RELATIVE_YEAR[m.group(0)] for m in _RELATIVE_YEAR_RE.finditer(sentence[:start])]
    if said and said[-1] not in asked:
        return f"the figure found is for {said[-1]}, not {next(iter(asked))}"
    return None


def concept_problem(q: Question, window: str, figure: str = "") -> str | None:
    """A number question measures a compound noun (人均可支配收入, 贫困学生, 就业人数); the text around the
    figure (``window``: the 40 characters before it and a few after) must say its head (收入, 学生, 人数), or
    the figure measures something else (低保补助标准 … 每人每年4713元).

    >>> from rag.reader.question import analyze
    >>> concept_problem(analyze("该市农村居民人均可支配收入是多少元？"), "农村低保补助标准已提高到每人每年4713元")
    'the figure found is not for 人均可支配收入'
    >>> concept_problem(analyze("该市农村居民人均可支配收入是多少元？"), "农村居民人均可支配收入15200元") is None
    True

    A head that is a count of people or households (人口, 人数, 户数) is said by the figure's own
    measure word: 覆盖建档立卡贫困户2.6万人 counts 贫困人口.

    >>> concept_problem(analyze("该机制覆盖了多少建档立卡贫困人口？"), "覆盖建档立卡贫困户2.6万人", "2.6万人") is None
    True
    >>> concept_problem(analyze("该机制覆盖了多少建档立卡贫困人口？"), "建设项目581个", "581个")
    'the figure found is not for 贫困人口'
    """
    if q.script == "en" or q.atype != "number" or not q.concept or len(q.concept) < 4:
        return None
    words = [w for w in pos_words(q.concept) if len(w.text) >= 2]
    if not words or not words[-1].flag.startswith("n"):
        return None
    if q.concept[-2:] in window:
        return None
    said_by = _COUNT_HEADS.get(q.concept[-2:])
    if said_by and re.search(rf"[\d万亿千百十余多]\s*{said_by}$", figure):
        return None
    return f"the figure found is not for {q.concept}"


_COUNT_HEADS = {"人口": "[人名]", "人数": "[人名]", "人员": "[人名]", "户数": "户", "人次": "人次"}


_CLAUSE_MARKS = "，,；;。、"


def dated_clause_problem(q: Question, sentence: str, start: int, end: int) -> str | None:
    """A 哪一年 question about something (县藏医院 in 县藏医院是哪一年评上二甲的) that the candidate date's
    ``sentence`` names in another clause than the date's: that clause's date is the one said of it
    (县藏医院于2014年被评为…、县人民医院于2017年通过…).

    >>> from rag.reader.question import analyze
    >>> q = analyze("县藏医院是哪一年评上二甲的？")
    >>> s = "县藏医院于2014年被评为二甲医院、县人民医院于2017年通过二甲评审。"
    >>> dated_clause_problem(q, s, s.index("2017"), s.index("2017") + 5)
    'the date found is said of another clause than 藏医院'
    >>> dated_clause_problem(q, s, s.index("2014"), s.index("2014") + 5) is None
    True
    >>> s = "县藏医院始建于1958年，2014年被评为二甲医院。"  # the second clause goes on about the same hospital
    >>> dated_clause_problem(q, s, s.index("2014"), s.index("2014") + 5) is None
    True
    """
    if q.script == "en" or wanted_type(q) != "day":
        return None
    subject = [w.text for w in pos_words(q.norm[: max(0, q.wh_start)]) if len(w.text) >= 2 and w.flag.startswith("n")
               and w.text not in q.places and not any(w.text in pl for pl in q.places)]
    if not subject or subject[-1] not in sentence:
        return None
    noun = subject[-1]
    a = clause_start(sentence, start, _CLAUSE_MARKS)
    clause = sentence[a : clause_end(sentence, end, _CLAUSE_MARKS)]
    if noun in clause or noun[-1] not in sentence[a:start]:
        return None  # a clause without a subject of its own (始于1951年，1978年开始改为…) continues the one before
    # the date's clause is about a sibling of the same kind, named before the date (县人民医院于2017年 for
    # 县藏医院), and the subject's own
    # clause carries a date of its own
    for m in re.finditer(re.escape(noun), sentence):
        own = sentence[clause_start(sentence, m.start(), _CLAUSE_MARKS) : clause_end(sentence, m.end(), _CLAUSE_MARKS)]
        if _DATE_SPAN.search(own):
            return f"the date found is said of another clause than {noun}"
    return None


def listed_problem(q: Question, sentence: str) -> str | None:
    """A place or name the question asks about (珠海市在该县实施了多少个项目) that the figure's ``sentence``
    names only as one item of a list (争取珠海市、泸州市、省直部门…的帮扶，实施项目52个): the figure is the
    list's together, not that one's.

    >>> from rag.reader.question import analyze
    >>> s = "争取东川市、南屏市、省直部门的帮扶，实施项目52个。"
    >>> listed_problem(analyze("东川市在白溪县实施了多少个项目？"), s)
    'the figure found is for 东川市 and 2 others together'
    >>> listed_problem(analyze("东川市和南屏市、省直部门一共实施了多少个项目？"), s) is None
    True
    >>> listed_problem(analyze("在东川市、南屏市这些地方实施了多少个项目？"), s) is None  # the question names the list
    True
    >>> listed_problem(analyze("东川市实施了多少个项目？"), "东川市实施项目52个、投入资金3亿元。") is None
    True
    >>> listed_problem(analyze("发放了多少套惠民政策挂图？"), "发放宣传手册2万余册、惠民政策挂图1142套、明白卡4.5万册。") is None
    True
    """
    if q.script == "en" or q.atype != "number":
        return None
    for e in q.places + q.entities:
        if len(e) < 2 or e not in sentence:
            continue
        spots = list(re.finditer(re.escape(e), sentence))
        runs = []
        for m in spots:
            if not (sentence[m.end() : m.end() + 1] == "、" or sentence[max(0, m.start() - 1) : m.start()] == "、"):
                break
            a = clause_start(sentence, m.start(), "，,；;。：:")
            items = [x.strip() for x in sentence[a : clause_end(sentence, m.end(), "，,；;。")].split("、")]
            if any(e in x and re.search(r"\d", x) for x in items):
                break  # 手册2万余册、惠民政策挂图1142套: each item has its own figure, nothing is shared
            asked = [x for x in items if x and (x in q.norm or x[-3:] in q.norm or len(x) >= 2 and x[-2:] in q.norm)]
            if len(asked) >= 2:
                break  # 在小区、周转房这些地方设了几个: the question names the list (two of its items), the figure is its
            others = [x for x in items if x and x not in asked and e not in x]  # not asked about too
            runs.append(others)
        else:
            if runs and all(len(r) >= 2 for r in runs):
                return f"the figure found is for {e} and {len(runs[0])} others together"
    return None


_ITEM_MARKS = "，,；;。、（(：:）)"
_ASK_TAIL = re.compile(r"[是为有达共计了各分别的都总\s]+$")


def _item_label(sentence: str, start: int) -> str:
    """The words of a list item before its figure (其中非经营性资产 1592 处 → 非经营性资产)."""
    a = clause_start(sentence, start, _ITEM_MARKS)
    return re.sub(r"^(?:其中|包括|含|分别|共|累计)", "", sentence[a:start].replace(" ", ""))


def item_label_problem(q: Question, sentence: str, start: int) -> str | None:
    """In a list of labelled figures (医疗救助6.13万人次、支持资金1.9亿元、供养资金1.8亿元), each figure is its
    label's. The thing a 多少 question names before its wh-word (支持资金是多少 → 支持资金) labels one of them;
    a figure whose own label is another noun phrase (供养资金) that does not hold it is another item's figure.

    >>> from rag.reader.question import analyze
    >>> s = "累计救助1.2万人次、支持资金0.9亿元、供养资金0.7亿元。"
    >>> item_label_problem(analyze("支持资金是多少？"), s, s.index("0.7"))
    'the figure found is 供养资金, not 支持资金'
    >>> item_label_problem(analyze("支持资金是多少？"), s, s.index("0.9")) is None
    True
    >>> s = "形成资产点300处（其中非经营性资产240处、经营性资产60处）。"
    >>> item_label_problem(analyze("非经营性资产有多少处？"), s, s.index("60"))
    'the figure found is 经营性资产, not 非经营性资产'
    >>> item_label_problem(analyze("贫困发生率是多少？"), "贫困发生率由20.25%降至0。", 15) is None  # 降至: no label
    True
    >>> s = "在各小区设立义务检测登记点8个，各乡镇设立检测点114个。"
    >>> item_label_problem(analyze("在小区设了几个义务检测登记点？"), s, s.index("114"))
    'the figure found is 各乡镇设立检测点, not 义务检测登记点'
    >>> s = "全市22家龙头企业实现产值预计达1.8亿元。"
    >>> item_label_problem(analyze("该市的龙头企业有多少家？"), s, s.index("22")) is None  # counted after it
    True
    """
    if q.script == "en" or q.atype != "number" or q.wh not in ("多少", "几"):
        return None
    left = _ASK_TAIL.sub("", q.norm[: max(0, q.wh_start)])
    run = re.search(r"[\u4e00-\u9fff]{2,10}$", left)
    kind = next((run.group(0)[-n:] for n in range(len(run.group(0)), 1, -1) if run.group(0)[-n:] in sentence), None) if run else None
    if not kind or not pos_words(kind)[-1].flag.startswith("n"):
        # or what it counts (几个义务检测登记点), when a figure of the sentence is labelled by it (…登记点8个)
        kind = q.counted if q.counted and len(q.counted) >= 3 and q.counted in sentence else None
    if not kind:
        return None
    own = _item_label(sentence, start)
    item_end = clause_end(sentence, start, _ITEM_MARKS)
    if kind in own or kind in sentence[start:item_end]:
        return None  # its own label, or the thing counted after it (22家龙头企业)
    words = pos_words(own)
    if len(own) < 2 or not words or not words[-1].flag.startswith("n") or words[-1].flag.startswith("ns") or len(words[-1].text) < 2 \
            or words[-1].text.startswith("全"):
        return None  # 降至0, 达到: no label of its own; 全市22家: a place, not a label
    labelled = re.compile(re.escape(kind) + r"[为是达有共计约]{0,2}$")
    if any(f.start != start and labelled.search(_item_label(sentence, f.start)) for f in find_figures(sentence)):
        return f"the figure found is {own}, not {kind}"
    return None


_ASPECT = ("已经", "已", "还", "又", "再", "共", "一共", "总共", "累计", "目前", "现在", "能", "可以", "将", "要", "了", "是", "有", "为")


def _names_after_wh(q: Question) -> bool:
    """Something is named after the wh-word and its measure word (多少个州级“四好村”), not only punctuation."""
    return bool(re.search(r"[\u4e00-\u9fff]", re.sub(r"^\s*(?:[万亿千百]?[个家所座项条处名人户元万亿次年]|人次|户次)?", "", q.right)))


def bare_verb_problem(q: Question, sentence: str, start: int) -> str | None:
    """A 多少 question naming no thing, only what was done (已经发出去多少, the second part of 设了多少资金，已经发出去
    多少), is answered by a figure said after that doing (已发放50万元): the words of the figure's list item
    share a character with the asked verb; a figure said after another verb (设资金500万元) is another step's.

    >>> from rag.reader.question import analyze
    >>> s = "设救助资金500万元，已发放50.11万元。"
    >>> bare_verb_problem(analyze("已经发出去多少？"), s, s.index("500"))
    'the figure found is not what was 发出'
    >>> bare_verb_problem(analyze("已经发出去多少？"), s, s.index("50.11")) is None
    True
    >>> bare_verb_problem(analyze("支持资金是多少？"), s, s.index("500")) is None  # it names its thing
    True
    >>> bare_verb_problem(analyze("该县创建了多少个州级“四好村”？"), "评定州级“四好村”61个。", 9) is None  # named after the wh-word
    True
    """
    if q.script == "en" or q.atype != "number" or q.wh not in ("多少", "几") or re.search(r"[，,；;：:]", q.norm):
        return None  # one clause (a part of a question, or a follow-up), not a question that sets its scene first
    words = [w for w in pos_words(q.norm) if len(w.text) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w.text)]
    if any(w.flag.startswith(("n", "vn")) or w.flag in ("j", "l") for w in words) or _names_after_wh(q):
        return None
    verbs = [w.text for w in pos_words(q.norm[: max(0, q.wh_start)]) if w.flag.startswith("v") and w.text not in _ASPECT
             and re.fullmatch(r"[\u4e00-\u9fff]+", w.text)]
    if not verbs:
        return None
    item_end = clause_end(sentence, start, _ITEM_MARKS)
    label = sentence[clause_start(sentence, start, _ITEM_MARKS) : item_end]  # 已发放50万元, 有1万多元的收入
    if any(set(v) & set(label) for v in verbs):
        return None
    return f"the figure found is not what was {verbs[0]}"


_ASKS_CHANGE = re.compile(r"(?:比|较|与|跟|同)\d{4}年|翻了|(?:增长|增加|提高|上涨|上升|下降|减少|降低)了?多少")
_PER_YEAR = re.compile(r"年均|年平均|平均每年|每年平均|年增长率")


def per_year_problem(q: Question, sentence: str, start: int) -> str | None:
    """A change over a period asked (比2014年翻了多少, 增长了多少) without a per-year word (年均, 每年, 平均) is the whole
    change; a figure said as the per-year average (年均增长率为50.55%) answers another question.

    >>> from rag.reader.question import analyze
    >>> s = "旅游收入从2015年的2亿元增加到9亿元，年均增长率为35.1%。旅游收入增350%。"
    >>> per_year_problem(analyze("旅游收入比2015年翻了多少？"), s, s.index("35.1"))
    'the figure found is a per-year average, not the whole change'
    >>> per_year_problem(analyze("旅游收入比2015年翻了多少？"), s, s.index("350")) is None
    True
    >>> per_year_problem(analyze("旅游收入年均增长多少？"), s, s.index("35.1")) is None
    True
    >>> s = "收入从2015年的2亿元增加到9亿元，占总收入的64%。"
    >>> per_year_problem(analyze("收入比2015年翻了多少？"), s, s.index("64")), per_year_problem(analyze("收入比2015年翻了多少？"), s, s.index("9亿"))
    ('the figure found is a share, not a change', 'the figure found is a level after the change, not the change')
    """
    if q.script == "en" or q.atype != "number" or not _ASKS_CHANGE.search(q.norm) or re.search(r"年均|每年|平均|一年", q.norm):
        return None
    clause = sentence[clause_start(sentence, start, "，,；;。！？!?") : start]
    if _PER_YEAR.search(clause):
        return "the figure found is a per-year average, not the whole change"
    if re.search(r"占[^，,；;。]{0,12}的?$|占比为?$", clause):
        return "the figure found is a share, not a change"  # 占总收入的64%
    if re.search(r"(?:增加|增长|提高|上升|下降|减少|降低|降)(?:到|至)了?$", clause):
        return "the figure found is a level after the change, not the change"  # 增加到39.52亿元
    return None


_NEGATED = re.compile(r"(?<!是)(?:不是|并非|不属于|非)([\u4e00-\u9fff]{2,5}?)(?=的|[，,？?]|$)")


def negated_problem(q: Question, sentence: str, start: int, end: int) -> str | None:
    """A question about what is not something (跟不是贫困户的人家结对, 非贫困户) is not answered by a figure whose
    clause says that thing plainly (与贫困户结对): reports write the negation as 非贫困户.

    >>> from rag.reader.question import analyze
    >>> q = analyze("有多少干部跟不是贫困户的人家结了对子？")
    >>> s = "组织900名干部与贫困户结对，组织1500余名干部开展非贫困户结对认亲。"
    >>> negated_problem(q, s, s.index("900"), s.index("900") + 4)
    'the figure found is for 贫困户, not for those who are not'
    >>> negated_problem(q, s, s.index("1500"), s.index("1500") + 7) is None
    True
    """
    if q.script == "en" or q.atype != "number":
        return None
    m = _NEGATED.search(q.norm)
    if not m:
        return None
    what = m.group(1)
    clause = sentence[clause_start(sentence, start, "，,；;。！？!?") : clause_end(sentence, end, "，,；;。！？!?")]
    spots = [x.start() for x in re.finditer(re.escape(what), clause)]
    if spots and all(not re.search(r"(?:非|不|未|没有)$", clause[max(0, i - 2) : i]) for i in spots):
        return f"the figure found is for {what}, not for those who are not"
    return None


def did_what_problem(q: Question, sentence: str, start: int) -> str | None:
    """多少劳动力完成了技能培训 asks for those of the noun who did what follows it. When the sentence says that
    doing with its own figure (2088名劳动力，已完成技能培训839人), a figure outside that clause counts all of them.

    >>> from rag.reader.question import analyze
    >>> q = analyze("安置点有多少劳动力完成了技能培训？")
    >>> s = "目前，安置点共有劳动力1500名，已完成技能培训620人。"
    >>> did_what_problem(q, s, s.index("1500"))
    'the figure found is not of those who 完成技能培训'
    >>> did_what_problem(q, s, s.index("620")) is None
    True
    """
    if q.script == "en" or q.atype != "number" or q.wh not in ("多少", "几"):
        return None
    words = list(pos_words(q.right))
    k = 0
    while k < len(words) and (words[k].flag.startswith("n") or words[k].flag == "vn"):
        k += 1
    if k == 0 or k >= len(words) or not words[k].flag.startswith("v"):
        return None
    vp = re.sub(r"[了过着]", "", "".join(w.text for w in words[k:])).rstrip("？?。！! ")
    if len(vp) < 4 or not re.fullmatch(r"[\u4e00-\u9fff]+", vp):
        return None
    at = sentence.find(vp)
    if at < 0 or not any(0 <= f.start - (at + len(vp)) <= 2 for f in find_figures(sentence)):
        return None  # the doing is not said with a figure of its own
    if vp in sentence[clause_start(sentence, start, "，,；;。！？!?") : clause_end(sentence, start, "，,；;。！？!?")]:
        return None
    return f"the figure found is not of those who {vp}"
