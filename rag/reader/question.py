"""Question analysis by general rules: what kind of answer a question wants, and what it is about.

``analyze(question)`` returns a :class:`Question` with

* ``atype`` — the expected answer type (``number``, ``date``, ``person``, ``place``, ``org``,
  ``title``, ``entity``, ``list``, ``reason``, ``manner``, ``define``, ``other``),
* ``unit`` — for numbers, the unit family asked for (``户``, ``人``, ``money``, ``%``,
  ``duration`` …; see :mod:`rag.reader.numbers`),
* the wh-word and the question text on either side of it (an answer usually stands where the
  wh-word stands in a sentence that repeats the rest of the question),
* ``head`` — the noun a 什么/哪个 question asks for (哪个机场 → 机场),
* ``years`` and ``entities`` — constraints the evidence must meet (a year, a name, a quoted term),
* ``parts`` — one sub-question per asked thing for multi-part questions (…分别是多少).

Example::

    >>> from rag.reader.question import analyze
    >>> q = analyze("2020年稻城县的贫困户和贫困人口分别是多少？")
    >>> [(p.atype, p.unit) for p in q.parts], q.years
    ([('number', '户'), ('number', '人')], ['2020'])
    >>> analyze("他率队参加了哪一届比赛？").unit is None, analyze("比赛持续了多少个小时？").unit
    (True, 'duration')
    >>> analyze("这笔交易价值多少美元？").unit, analyze("贫困发生率是多少？").unit
    ('money', '%')
    >>> analyze("甘孜州要求尽快建成的是哪个机场？").head
    '机场'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..answering import question_script
from ..lexical import find_places, tokenize
from .numbers import UNITS, find_figures, unit_family
from .text import normalize, pos_words

ATYPES = ("other", "number", "date", "person", "place", "org", "title", "entity", "list", "reason", "manner", "define", "yesno")
UNIT_FAMILIES = ("money", "%", "人", "户", "人次", "户次", "duration", "length", "area", "weight", "volume", "age", "degree", "times",
                 "count", "power", "data", "speed", "date")

_UNIT_ALT = "|".join(re.escape(u) for u in UNITS)
_MAG = r"(?:万亿|千亿|百亿|十亿|千万|百万|十万|万|亿|千|百)"

# wh-words, longest first; each with the answer type it implies (None: decided by what follows)
_WH: list[tuple[str, str | None]] = [
    (r"为什么|为何|何故|什么原因|因为什么|原因是什么|原因为何", "reason"),
    (r"什么时候|什么时间|何时|哪一年|哪年|何年|哪一天|哪天|何日|几月几日|几月几号|几号|哪个月|哪一个月|哪个世纪|哪一个世纪|"
     r"哪个年代|哪一个年代|哪个时期|哪一个时期|哪个时代|哪个朝代|哪一个朝代|什么朝代|什么年代|什么时期|哪一时期|"
     r"哪个年份|什么年份|哪一个年份|哪段时间|哪个季节|什么季节|多少年(?=[前后])", "date"),
    (r"百分之几|百分之多少|几成|多少百分比|多少比例", "number"),
    (r"多少钱|多少|几|多久|多长|多大|多高|多远|多重|多深|多宽|多厚|多快|第几", "number"),
    (r"谁|哪位|何人|哪一位|哪个人|哪一个人|什么人|哪些人", "person"),
    (r"哪里|哪儿|何处|何地|什么地方|哪个地方|哪一个地方|何方|在哪", "place"),
    (r"如何|怎样|怎么样|怎么|怎麼|通过什么方式|用什么方法|以什么方式", "manner"),
    (r"哪些|哪几|有何|什么|啥|哪个|哪一个|哪种|哪一种|哪类|哪一类|哪项|哪一项|哪部|哪一部|哪本|哪首|哪间|哪家|哪所|哪座|哪条|"
     r"哪支|哪队|哪国|哪一|何种|何者|哪|何", None),
    (r"是否|有没有|能否|可否|吗", "yesno"),
]
_WH_RE = re.compile("|".join(f"(?P<g{i}>{p})" for i, (p, _) in enumerate(_WH)))

# the noun a 什么/哪个 question asks for decides the type; general words, not any document's
_PERSON_HEAD = re.compile(r"(?:人|者|家|员|师|手|王|帝|后|妃|将|帅|官|长|主|士|生|父|母|子|女|兄|弟|姐|妹|妻|夫|总统|首相|主席|"
                          r"皇帝|作者|导演|演员|歌手|球员|教练|画家|诗人|学者|领袖|人物|角色|成员|选手|冠军|得主|创始人|发明人|之父)$")
_PLACE_HEAD = re.compile(r"(?:国|国家|城市|城|地方|地区|地点|省|州|县|市|区|镇|乡|村|岛|山|河|湖|海|洋|洲|港|湾|半岛|大陆|位置|"
                         r"区域|首都|首府|省份|盆地|平原|高原|沙漠|海峡|流域|地|处|国度|街|路|站|机场|公园)$")
_ORG_HEAD = re.compile(r"(?:公司|组织|机构|大学|学院|学校|中学|小学|团体|政党|党|党派|部门|企业|球队|俱乐部|乐队|乐团|银行|教会|"
                       r"单位|报社|电视台|电台|政府|集团|协会|学会|委员会|部|局|厅|署|院|所|队|军|会|社|馆|团|厂|店|品牌|厂商|媒体)$")
_TITLE_HEAD = re.compile(r"(?:作品|书|书籍|小说|电影|影片|歌曲|歌|专辑|单曲|电视剧|剧集|著作|剧|诗|诗集|文章|报纸|杂志|期刊|游戏|动画|漫画|节目|法律|法案|条约|论文)$")
_DATE_HEAD = re.compile(r"(?:年|年份|时候|时间|时期|朝代|世纪|年代|日期|日子|天|月|季节|时代|阶段)$")

# nouns before 多少/几 that imply the unit asked for (general vocabulary of reports and encyclopedias)
_NOUN_UNIT: list[tuple[re.Pattern, str]] = [
    (re.compile(r"(?:比例|比重|占比|百分比|份额|增幅|降幅|增速|涨幅|跌幅|毛利率|比率)$"), "%"),
    (re.compile(r"(?:金额|资金|收入|投资|投入|价格|费用|成本|工资|薪水|薪资|价值|钱|票价|经费|资产|预算|营收|利润|税收|产值|总值|gdp|市值|"
                r"身价|奖金|补助|补贴|罚款|债务|赔偿|售价|造价|报酬|开支|支出|财政收入|补偿|分红|红利|款|额)$"), "money"),
    (re.compile(r"(?:人口|人数|人员|员工|职工|学生|群众|居民|游客|观众|会员|党员|干部|教师|医生|士兵|军队|兵力|选民|信徒|人)$"), "人"),
    (re.compile(r"(?:户数|农户|家庭|住户|户)$"), "户"),
    (re.compile(r"(?:面积|占地|幅员)$"), "area"),
    (re.compile(r"(?:长度|距离|里程|高度|海拔|深度|身高|宽度|直径|半径|周长|厚度|长|高)$"), "length"),
    (re.compile(r"(?:重量|体重|质量|产量|吨位)$"), "weight"),
    (re.compile(r"(?:年龄|岁数|寿命)$"), "age"),
    (re.compile(r"(?:温度|气温|角度|度数)$"), "degree"),
    (re.compile(r"(?:时间|时长|期限|年限|工期|任期|周期|时限|历时|刑期)$"), "duration"),
    (re.compile(r"(?:倍数)$"), "times"),
]
# "personal / one's own": a modifier of the measured noun, not a count of people
_PERSONAL = frozenset(("个人", "本人", "私人", "自己"))
# verbs of earning and spending: 每户多挣了多少 / 花了多少 ask for money
_MONEY_VERB = re.compile(r"(?:挣|赚|增收|创收|花|花费|耗资|筹集|筹措|拨付|募集|融资|放贷|贷款|捐赠|捐款|出资|补贴|补助)$")
# verbs by which a noun before 多少 earns or spends the amount (the doer, not the measured thing)
_EARN_SPEND = re.compile(r"挣|赚|增收|创收|花了|花费|耗资")
# a change asked without a unit (涨了多少, 翻了多少, 减少了多少): the answer is as often a percentage as the
# measured thing's own unit, so the noun before it does not fix the unit
_CHANGE = re.compile(r"(?:涨|翻|增长|增加|增|提高|提升|上升|上涨|多|减少|减|下降|降低|少|缩小|扩大)了?$")
_NOT_RATE = {"效率", "功率", "频率", "汇率", "分辨率", "折射率", "电阻率", "率先", "率领", "率队", "率军", "率部", "轻率", "坦率", "草率", "直率"}

_QUOTED = re.compile(r"“([^”]{1,30})”|「([^」]{1,30})」|『([^』]{1,30})』|《([^》]{1,40})》|\"([^\"]{1,30})\"|‘([^’]{1,30})’")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?=\s*年|\b|$)")
_SPLIT_PARTS = re.compile(r"和|与|以及|及|、|跟")
_EN_WORD = re.compile(r"[a-z][a-z\-']*|\d+(?:\.\d+)?%?", re.I)

# "what <measure of money> does/is …": a number asked without "how much"
_EN_WHAT_MONEY = re.compile(r"what (?:[a-z\-']+ ){0,3}(?:wage|salary|income|price|cost|fee|rent|subsidy|allowance)s? (?:does|did|do|is|was|were|are|will)\b")

# English questions: the same types from English wh-words and the nouns after "how many/much"
_EN_UNIT = [
    (re.compile(r"percent|percentage|proportion|share|\brate\b|ratio|incidence|coverage", re.I), "%"),
    (re.compile(r"yuan|dollars?|euros?|money|funds?|fund(?:ing)?|income|revenue|investment|cost|price|budget|spend|spent|paid|pay|gdp|salary|wage", re.I), "money"),
    (re.compile(r"households?|families", re.I), "户"),
    (re.compile(r"person-times?|person times?|man-times?|visits\b", re.I), "人次"),
    (re.compile(r"people|persons?|residents?|workers?|students?|teachers?|doctors?|cadres?|officials?|members?|tourists?|visitors?|population|staff|employees?|soldiers?", re.I), "人"),
    # (years only when a verb or "of" follows: how many years did it take, how many years of schooling)
    (re.compile(r"hours?|minutes?|seconds?|days?|weeks?|months?|years? (?:did|does|do|will|would|has|have|had|of)\b|how long", re.I), "duration"),
    # (high / tall / deep only after how: deeply impoverished townships, high school students are counted)
    (re.compile(r"kilomet|\bkm\b|met(?:er|re)s?\b|miles?\b|feet|height|altitude|elevation|distance|length|\bhow (?:high|tall|deep|far)\b", re.I), "length"),
    (re.compile(r"square|hectares?|\bmu\b|acres?|area", re.I), "area"),
    (re.compile(r"tons?|tonnes?|kilograms?|\bkg\b|weight", re.I), "weight"),
    (re.compile(r"\bage\b|how old", re.I), "age"),
    (re.compile(r"times\b", re.I), "times"),
]


@dataclass
class Question:
    """What the reader knows about a question (see the module docstring)."""

    text: str
    script: str
    norm: str
    search: str  # the Chinese text matched against passages (the normalised question, or translated terms)
    terms: list[str]
    atype: str = "other"
    unit: str | None = None
    wh: str | None = None
    wh_start: int = -1
    wh_end: int = -1
    left: str = ""
    right: str = ""
    head: str | None = None
    unit_explicit: bool = False  # the question names the unit (多少户, 多少亿元), not inferred from a noun
    counted: str | None = None  # what a 多少座水库 question counts (水库)
    concept: str | None = None  # what a number question measures (贫困发生率 in 贫困发生率降到了多少)
    years: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    quoted: list[str] = field(default_factory=list)
    strong: list[str] = field(default_factory=list)  # entities sure enough to refuse on when the evidence lacks them
    counted_en: str | None = None  # the head noun an English "how many" question counts (enterprises, households)
    counted_zh: str | None = None  # what it counts in report terms (poor villages → 贫困村), from the glossary
    context: str = ""  # an English part that refers back (how many such projects): the text of the part before
    parts: list["Question"] = field(default_factory=list)

    @property
    def multi(self) -> bool:
        return len(self.parts) >= 2


def _unit_after(text: str) -> str | None:
    """The unit right after 多少/几: 多少户 → 户, 多少个小时 → duration, 几个 → count, 多少万元 → money.
    A unit character that starts a longer word is not a unit (多少市级经费: 市级)."""
    m = re.match(rf"\s*{_MAG}?\s*(?:({_UNIT_ALT}))", text)
    if not m or not m.group(1):
        return None
    u = m.group(1)
    if u == "个":  # 多少个小时 / 几个月: the unit after the classifier wins
        m2 = re.match(rf"\s*(?:{_UNIT_ALT})", text[m.end():])
        if m2 and unit_family(m2.group(0).strip()) not in (None, "count") and _whole_word(text[m.end():], m2.group(0).strip()):
            return unit_family(m2.group(0).strip())
    if not _whole_word(text[m.start(1):], u):
        return None
    return unit_family(u)


def _whole_word(text: str, unit: str) -> bool:
    words = pos_words(text[:8])
    if not words:
        return False
    w = words[0].text
    return len(w) <= len(unit) or w in UNITS or unit_family(w) is not None and w.endswith(unit) or words[0].flag in ("q", "m", "mq")


# verb-object words a question splits around its wh-word (分了多少红, 捐了多少款, 用了多少电)
_SPLIT_WORDS = frozenset("分红 捐款 贷款 罚款 纳税 交税 用电 用水 缴费 付款 存款 借款".split())


def _split_word(left: str, right: str) -> str | None:
    """The word a question splits around its wh-word: the verb before it and the object after it.

    >>> _split_word("该社一共分了", "红？"), _split_word("全县捐了", "款？"), _split_word("全县有", "人？")
    ('分红', '捐款', None)
    """
    m, n = re.search(r"([\u4e00-\u9fff])了?$", left), re.match(r"\s*([\u4e00-\u9fff])", right)
    if not (m and n):
        return None
    word = m.group(1) + n.group(1)
    return word if word in _SPLIT_WORDS else None


def _noun_unit(words_before: list[tuple[str, str]]) -> str | None:
    """The unit implied by the noun just before 是多少 (发生率 → %, 投资 → money)."""
    words = list(words_before[-5:])
    # a per-unit word is the denominator, not what is asked (每户多挣了多少 asks for money, not 户)
    words = [(w, f) for k, (w, f) in enumerate(words) if not (w.startswith("每") and len(w) > 1)
             and not (k > 0 and words[k - 1][0] == "每")]
    for k in range(len(words) - 1, max(-1, len(words) - 5), -1):
        w, flag = words[k]
        if w in ("是", "为", "有", "达", "约", "达到", "共", "一共", "总共", "大约", "了", "的", "在", "到", "增长", "增加", "减少", "下降", "提高", "降低", "降至", "增至", "达到了", "每"):
            continue
        if w.endswith("率") and len(w) >= 2 and w not in _NOT_RATE and not flag.startswith("v"):
            return "%"
        if w == "率" and k > 0 and words[k - 1][0][-1:] + "率" not in _NOT_RATE and words[k - 1][1][:1] in ("n", "v", "a"):
            return "%"  # 通畅 + 率: a rate jieba cut in two
        if _MONEY_VERB.search(w) and flag.startswith("v"):
            return "money"
        if w in _PERSONAL:
            continue  # 个人负担控制在多少: "personal" qualifies what is measured, it does not count people
        for pat, unit in _NOUN_UNIT:
            if pat.search(w):
                return unit
        if flag.startswith("n") or flag in ("vn", "l"):
            return None
    return None


def _head_noun(right: str) -> str | None:
    """The noun a 什么/哪个 question asks for: the nouns right after the wh-word (哪个机场 → 机场)."""
    head = ""
    for w in pos_words(right[:12]):
        if not head and re.fullmatch(r"[一二三四五六七八九十两几个位种类项部本首间家所座条支队名件只]+", w.text):
            continue
        if w.flag.startswith("n") or w.flag in ("l", "eng", "un", "j") or (not head and w.flag in ("vn", "an", "b", "ng")):
            head += w.text
            if len(head) >= 4:
                break
            continue
        break
    return head or None


def _type_from_head(head: str | None) -> str | None:
    if not head:
        return None
    for pat, t in ((_DATE_HEAD, "date"), (_TITLE_HEAD, "title"), (_PERSON_HEAD, "person"), (_ORG_HEAD, "org"), (_PLACE_HEAD, "place")):
        if pat.search(head):
            return t
    return None


_ORDINAL = re.compile(r"^第?[0-9一二三四五六七八九十百]+[号代世届次期]$")
_NAME_FLAGS = ("nr", "nrt", "nrfg", "ns", "nt", "nz", "eng")


def _entities(norm: str) -> tuple[list[str], list[str]]:
    """Names a question is about and its quoted terms: quoted terms, proper nouns by jieba POS (adjacent
    ones joined: 南宁 + 二中), Latin words, and ordinal names (一号风球)."""
    quoted = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(norm)]
    out = list(quoted)
    words = pos_words(norm)
    runs: list[list[str]] = []
    last_end = -1
    k = 0
    while k < len(words):
        w = words[k]
        text = w.text
        ok = False
        if _ORDINAL.match(text) and k + 1 < len(words) and words[k + 1].flag.startswith("n"):
            text = text + words[k + 1].text
            k += 1
            ok = True
        elif w.flag in _NAME_FLAGS or (w.flag == "x" and re.fullmatch(r"[a-z][a-z0-9\-]+", text)):
            ok = len(text) >= 2 and text not in UNITS and not _WH_RE.fullmatch(text) and not re.fullmatch(r"[\d.,%]+", text)
        elif w.flag == "un" and k + 1 < len(words) and _ORG_SUFFIX.fullmatch(words[k + 1].text):
            text = text + words[k + 1].text  # 莎莉 + 公司
            k += 1
            ok = True
        if ok:
            if runs and last_end == w.start:
                runs[-1].append(text)
            else:
                runs.append([text])
            last_end = words[k].end
        k += 1
    for run in runs:
        name = "".join(run)
        if not any(name in q for q in out):
            out.append(name)
    return out, quoted


_CONCEPT_FLAGS = ("n", "vn", "nz", "l", "j", "nr", "ns", "nt", "an", "ng")
_HEAD_FLAGS = ("n", "nz", "l", "j", "an", "ng", "nr", "nt")


_PLACE_SUFFIX = ("点", "站", "室", "所", "处", "场", "中心")


def _concept(q: Question) -> str | None:
    """The head noun of what a number question measures: of the noun phrase right after 多少 (多少未脱贫人口
    → 人口), or else of the last noun phrase before it (贫困发生率降到了多少 → 贫困发生率)."""
    after = list(pos_words(re.sub(rf"^\s*{_MAG}?\s*(?:{_UNIT_ALT})?", "", q.right)[:12]))
    k = 0
    while k < len(after) and (after[k].flag in ("d", "v", "vn", "a", "b") and len(after[k].text) <= 2 or after[k].text == "未"):
        k += 1  # 多少未脱贫人口: modifiers before the noun
    heads = []
    while k < len(after) and after[k].flag.startswith(_CONCEPT_FLAGS):
        heads.append(after[k])
        k += 1
    if not heads:
        before = list(pos_words(q.left))
        k = len(before) - 1
        while k >= 0 and not before[k].flag.startswith(_CONCEPT_FLAGS):
            k -= 1
        tail = "".join(w.text for w in before[k + 1 :])
        while k >= 0 and before[k].flag.startswith(_CONCEPT_FLAGS):
            heads.insert(0, before[k])
            k -= 1
        if heads and _EARN_SPEND.search(tail):
            return None  # 贫困人口每人多挣了多少: the noun earns the amount, it is not what is measured
    heads = [w for w in heads if w.flag.startswith(_HEAD_FLAGS)]
    if not heads:
        return None
    head = heads[-1].text
    if len(head) < 2 or head in q.places or any(head in pl for pl in q.places) or re.fullmatch(r"[\d.]+", head):
        return None
    return head


_ORG_SUFFIX = re.compile(r"(?:大学|学院|中学|小学|公司|集团|银行|医院|研究所|研究院|委员会|协会|学会|博物馆|图书馆|电视台|报社|出版社|俱乐部|乐队|政府|法院)$")


def _strong_entities(norm: str, entities: list[str], quoted: list[str]) -> list[str]:
    """The names whose absence from every passage means the passages are about something else: quoted
    terms, ordinal names (一号风球), Latin names, and organisation names (…大学, …公司). Places are
    checked on their own; other proper-noun tags are too often a tagging slip to refuse on."""
    out = []
    for e in entities:
        if e in quoted or _ORDINAL.match(e[:3]) or _ORDINAL.match(e[:2]) or re.fullmatch(r"[a-z][a-z0-9\-]{2,}", e) or _ORG_SUFFIX.search(e):
            out.append(e)
    return out


_ADMIN_SUFFIX = "省市县州区乡镇"


def _suffixed_names(norm: str, entities: list[str]) -> list[str]:
    """Names jieba splits from their administrative suffix (那曲 + 市, 岚溪 + 县委): the name and the
    suffix are a place (那曲市), which the place checks then look for in the passages.

    >>> _suffixed_names("白溪市退出了多少个贫困村？", ["白溪"])
    ['白溪市']
    >>> _suffixed_names("白溪集团有多少员工？", ["白溪"])
    []
    """
    out = []
    for e in entities:
        if len(e) < 2 or e[-1] in _ADMIN_SUFFIX or not re.fullmatch(r"[\u4e00-\u9fff]+", e):
            continue
        at = norm.find(e)
        nxt = norm[at + len(e) : at + len(e) + 1] if at >= 0 else ""
        if nxt and nxt in _ADMIN_SUFFIX:
            out.append(e + nxt)
    return out


def _wh(norm: str) -> tuple[str | None, str | None, int, int]:
    """The question's wh-word: the first one, or a longer one overlapping it (在哪一年 → 哪一年)."""
    first = None
    for i in range(len(norm)):
        m = _WH_RE.match(norm, i)
        if not m:
            continue
        if m.group(0) in ("几", "何") and norm[m.end() : m.end() + 1] in ("乎", "何"):
            continue  # 几乎, 几何
        if first is None:
            first = m
        elif i < first.end() and m.end() > first.end():
            first = m
        elif i >= first.end():
            break
    if first is None:
        return None, None, -1, -1
    for k, (_, t) in enumerate(_WH):
        if first.group(f"g{k}"):
            return first.group(0), t, first.start(), first.end()
    return None, None, -1, -1  # pragma: no cover


def _analyze_zh(text: str, norm: str, script: str) -> Question:
    q = Question(text=text, script=script, norm=norm, search=norm, terms=list(dict.fromkeys(tokenize(norm))))
    q.years = list(dict.fromkeys(_YEAR.findall(norm)))
    q.entities, q.quoted = _entities(norm)
    q.strong = _strong_entities(norm, q.entities, q.quoted)
    q.places = list(dict.fromkeys(find_places(norm) + _suffixed_names(norm, q.entities)))
    for pl in q.places:  # 白溪 + 县 → 白溪县
        if not any(pl in e for e in q.entities):
            q.entities = [e for e in q.entities if e not in pl] + [pl]
    wh, t, i, j = _wh(norm)
    if wh == "为什么" and not norm[j:].strip("？?。！! "):
        wh, t, i = "什么", None, i + 1  # 即算为什么: "counts as what", not "why"
    q.wh, q.wh_start, q.wh_end = wh, i, j
    if wh:
        q.terms = [t_ for t_ in q.terms if not (t_ in wh or wh in t_ or _WH_RE.fullmatch(t_))]
    if wh is None:  # "…被称为？" — the answer follows the question's last word
        body = norm.rstrip("？?。！! ")
        q.left, q.right = body, ""
        q.atype = "define" if re.search(r"(?:称为|叫做|叫|是|指|名为|意思|意义|定义)$", body) else "other"
        return q
    q.left, q.right = norm[:i], norm[j:]
    q.atype = t or "entity"
    if t == "number" or wh in ("多少", "几"):
        q.atype = "number"
        q.unit = _unit_after(q.right)
        q.unit_explicit = q.unit is not None
        if wh in ("多少钱",):
            q.unit, q.unit_explicit = "money", True
        elif wh in ("多久",) or (wh == "多长" and q.right.startswith("时间")):
            q.unit = "duration"
        elif wh in ("多高", "多远", "多深", "多宽", "多厚", "多长") and _noun_unit([(w.text, w.flag) for w in pos_words(q.left)]):
            q.unit = _noun_unit([(w.text, w.flag) for w in pos_words(q.left)])  # 比例有多高 → %
        elif wh in ("多高", "多远", "多深", "多宽", "多厚") or (wh == "多长" and not q.right.startswith("时间")):
            q.unit = "length"
        elif wh == "多重":
            q.unit = "weight"
        elif wh in ("百分之几", "百分之多少", "几成", "多少百分比", "多少比例"):
            q.unit = "%"
        elif wh == "多大" and re.match(r"年纪|岁", q.right):
            q.unit = "age"
        if q.unit is None:
            # 多少贫困的人得到了好处 / 多少生活困难的群众: people or households counted right after the wh-word,
            # behind a modifier with 的, are what is asked, whatever the nouns before it (救助资金)
            m = re.match(r"[\u4e00-\u9fff]{1,6}的([\u4e00-\u9fff]{1,4})", q.right)
            head = pos_words(m.group(1))[:1] if m else []
            unit = _noun_unit([(head[0].text, "n")]) if head and head[0].flag.startswith("n") else None
            if unit in ("人", "户"):
                q.unit, q.unit_explicit = unit, True
        if q.unit is None:
            # a figure with its unit in the question ("从2257元增长到多少") fixes the unit
            figs = [f for f in find_figures(q.left) if f.family not in (None, "date")]
            if figs and re.search(r"从|由|比|较", q.left):
                q.unit = figs[-1].family
        if q.unit is None and not _CHANGE.search(q.left):
            before = [(w.text, w.flag) for w in pos_words(q.left)]
            q.unit = _noun_unit(before)
            # 发生率是多少: a rate is a percentage; 每户多挣了多少: earning is money
            q.unit_explicit = q.unit == "%" or q.unit == "money" and bool(_MONEY_VERB.search(q.left.rstrip("了")))
        elif q.unit is None:  # 旅游收入翻了多少: only an earning verb fixes the unit
            q.unit = "money" if re.search(r"(?:挣|赚)了?$", q.left) else None
            q.unit_explicit = q.unit == "money"
        if q.unit is None and q.right:
            m = re.match(r"[的]?([\u4e00-\u9fff]{1,6})", q.right)
            if m:
                q.unit = _noun_unit([(w.text, w.flag) for w in pos_words(m.group(1))][:3])
            if q.unit is None:
                # the noun phrase right after the wh-word, up to its first verb (多少贫困户发展了… → 贫困户;
                # 多少教育扶贫救助资金 → 资金)
                m = re.match(r"[的]?([\u4e00-\u9fff]{1,12})", q.right)
                run = []
                for w in pos_words(m.group(1)) if m else []:
                    if w.flag.startswith(_HEAD_FLAGS) or w.flag in ("vn", "b"):
                        run.append((w.text, w.flag))
                        continue
                    break
                heads = [x for x in run if x[1].startswith(_HEAD_FLAGS)]
                q.unit = _noun_unit(heads[-1:]) if heads else None
            q.unit_explicit = q.unit in ("人", "户")  # 多少未脱贫人口 / 多少农户: a count of people, households
        if wh == "第几":
            q.unit = "count"
        split = _split_word(q.left, q.right)
        if split:  # 分了多少红: the word is 分红, said around the wh-word
            q.terms = list(dict.fromkeys(q.terms + [split]))
            q.unit = q.unit or _noun_unit([(split, "n")])
        q.concept = _concept(q)
        if q.unit_explicit:
            m = re.match(rf"\s*{_MAG}?\s*(?:{_UNIT_ALT})([\u4e00-\u9fff]{{2,8}})", q.right)
            if m:
                words = [w for w in pos_words(m.group(1))]
                noun = ""
                for n_, w in enumerate(words):
                    # 全部 / 所有 (tagged nouns) say how many of them, after the noun (多少个村全部退出): not the noun
                    if (w.flag.startswith("n") or w.flag in ("vn", "un", "l", "j")) and not (noun and w.text in _QUANTIFIERS):
                        noun += w.text
                        continue
                    nxt = words[n_ + 1].text if n_ + 1 < len(words) else ""
                    if noun and w.flag.startswith("v") and nxt in _PLACE_SUFFIX:
                        noun += w.text + nxt  # 义务检测 + 登记 + 点: a verb and 点 / 站 / 室 make a place noun (登记点)
                    elif (noun and w.flag.startswith("v") and len(w.text) >= 2 and n_ + 1 == len(words)
                          and re.match(r"\s*[册本套份张幅件]", q.right) and not q.right[m.end():].strip("？?。！! ")):
                        noun += w.text  # 多少册政策挂图: what is counted in 册 / 张 is a thing; the word ending the question is its head
                    break
                q.counted = noun if len(noun) >= 2 else None
                # (超过多少人的地方: 的 opens a clause about the counted people, it names nothing counted)
                if q.counted is None and re.fullmatch(r"[\u4e00-\u9fff]{2,4}", m.group(1)) and not m.group(1).startswith("的") \
                        and not q.right[m.end():].strip("？?。！! "):
                    q.counted = m.group(1)  # 几个安置点: a short last word jieba tags as a verb (安置) + 点
        if re.match(r"\s*(?:年|年份)(?![代龄级])", q.right) and wh == "几":
            q.atype, q.unit = "date", None
    elif t is None:
        if wh in ("哪些", "哪几") or re.match(r"[两三四五六七八九十几]+(?:个|种|类|项|大|条|点|方面|部分|阶段|级)", q.right) and wh.startswith("哪"):
            q.atype = "list"
        q.head = _head_noun(q.right)
        typed = _type_from_head(q.head)
        if typed and q.atype != "list":
            q.atype = typed
        elif q.atype != "list":
            if wh in ("什么", "啥", "何") and not q.right.strip("？?。 ") and re.search(r"(?:是|指|为|叫|叫做|称为|意思是)$", q.left):
                q.atype = "define"
            elif norm.startswith("什么是") or norm.startswith("何谓"):
                q.atype = "define"
            else:
                q.atype = "entity"
    if q.atype in ("person", "place", "org", "title", "date") and q.head is None and q.right:
        q.head = _head_noun(q.right)
    return q


_EN_NP_END = re.compile(r"\s(?:did|does|do|has|have|had|are|were|was|is|will|would|can|could|of|in|at|for|by|on|from|to|under|"
                        r"with|that|which|who|per|since|during|there|across)\b")


_QUANTIFIERS = ("全部", "所有", "全体", "大部", "大部分", "部分", "总共", "一共", "共计")


def _en_counted(low: str) -> str | None:
    """The noun phrase an English "how many" question counts, up to its verb or preposition (its last
    word is the head: registered poor households → households; poor villages in … → villages).

    >>> _en_counted("how many leading agricultural enterprises are there in the city?")
    'leading agricultural enterprises'
    >>> _en_counted("how many were trained?") is None
    True
    """
    m = re.search(r"\bhow many\s+(.+)", low)
    if not m:
        return None
    phrase = m.group(1)
    end = _EN_NP_END.search(" " + phrase)
    words = re.findall(r"[a-z][a-z\-']*", (" " + phrase)[: end.start()] if end else phrase)
    verb = next((i for i, w in enumerate(words) if i > 0 and w.endswith("ed")), None)
    words = words[:verb] if verb else words  # how many people received …: the verb ends the noun phrase
    return " ".join(words) if words and len(words) <= 6 else None


def _en_counted_zh(phrase: str) -> str | None:
    """The report term for a qualified counted noun phrase (poor villages → 贫困村, administrative
    households → 贫困户): a glossary term of the phrase that ends with the head noun's term, is longer
    than it and is not one the head alone gives; None for an unqualified head (villages → 村 行政村) or a
    phrase the glossary does not cover.

    >>> _en_counted_zh("poor villages"), _en_counted_zh("villages"), _en_counted_zh("poor households")
    ('贫困村', None, '贫困户')
    """
    from ..crosslingual import translate_query

    head = translate_query(phrase.split()[-1]).split()
    if not head:
        return None
    terms = translate_query(phrase).split()
    return next((t for t in terms if t.endswith(head[0]) and len(t) > len(head[0]) and t not in head), None)


def _analyze_en(text: str) -> Question:
    from ..crosslingual import translate_query

    search = translate_query(text)
    low = text.lower()
    q = Question(text=text, script="en", norm=low, search=search, terms=list(dict.fromkeys(tokenize(search))))
    q.years = list(dict.fromkeys(re.findall(r"\b((?:19|20)\d{2})\b", text)))
    q.entities = [w for w in re.findall(r"(?<!^)(?<![.?!] )\b([A-Z][a-z]+(?:[ \-][A-Z][a-z]+)*)", text)
                  if w.lower() not in {"how", "what", "which", "who", "when", "where", "why", "in", "the", "since", "according"}]
    if re.search(r"\bhow (?:many|much)\b|what (?:is|was|were|are) (?:the )?(?:[a-z\-']+ ){0,5}(?:percentage|proportion|share|rate|incidence|coverage|ratio|number|amount|total|standard|value|price|cost|level|population)\b|^what (?:has|have|had|did) (?:the )?(?:[a-z\-']+ ){0,6}(?:rate|incidence|coverage|ratio|percentage|proportion|share|income|output|number|total|population)\b.*\b(?:fallen|fell|dropped|declined|risen|rose|grown|grew|increased|reached|gone)\b|\bwhat (?:[a-z\-']+ ){0,4}(?:percentage|proportion|share|rate|ratio|incidence|coverage|number|amount)\b|\bwhat (?:is|was|were|are) (?:the |their |its )?(?:[a-z\-']+ ){0,4}(?:investment|funding|revenue|output|budget|spending|expenditure)\b|^what (?:[a-z\-']+ ){0,3}(?:wage|salary|income|price|cost|fee|rent|subsidy|allowance)s? (?:does|did|do|is|was|were|are|will)\b|\bhow (?:long|far|high|tall|deep|big|large|old)\b", low):
        q.atype = "number"
        m = re.search(r"\bhow (?:many|much)\s+(.{0,40})", low) or re.search(r"\bthe ((?:[a-z\-]+ ){0,6}?)(?:per|in|of|for|by|at|on|did|does|was|is)\b", low)
        scope = m.group(1) if m else low
        m2 = re.search(r"\bhow (?:many|much)\s+((?:[a-z\-]+\s+){0,1}[a-z\-]+)", low)
        for pat, unit in _EN_UNIT:  # the noun right after "how many" names the unit
            if m2 and pat.search(m2.group(1)):
                q.unit, q.unit_explicit = unit, True
                break
        phrase = _en_counted(low)
        q.counted_en = phrase.split()[-1] if phrase else None
        q.counted_zh = _en_counted_zh(phrase) if phrase else None
        for pat, unit in _EN_UNIT if q.unit is None and q.counted_en else ():
            if pat.search(q.counted_en):  # the head noun of what is counted: registered poor households → 户
                q.unit, q.unit_explicit = unit, True
                break
        if q.unit is None and _EN_WHAT_MONEY.match(low):
            q.unit = "money"  # what daily wage does … pay, what subsidy is … given: an amount of money
        by_how_much = re.search(r"\bby how much\b", low)  # a change: a percentage or an amount
        how_much = bool(re.search(r"\bhow much\b", low))
        for pat, unit in _EN_UNIT if q.unit is None and not by_how_much else ():
            if how_much and unit in ("户", "人", "人次"):
                continue  # how much did each grower household gain: an amount, not a count of households
            if pat.search(scope):
                q.unit = unit
                break
        if q.unit is None and not by_how_much and re.search(r"\bhow much\b", low):
            q.unit = "money"  # how much did … pay / pool / spend, how much insurance: an amount of money
        if q.unit is None and re.search(r"percentage|proportion|share|\brate\b", low):
            q.unit = "%"
        if (q.unit == "%" and not by_how_much and not re.search(r"\bhow many\b", low)
                and re.search(r"\b(?:what|which) (?:is|was|were|are|has|have|had)\b.*\b(?:rate|ratio|percentage|proportion|share|incidence)\b", low)):
            q.unit_explicit = True  # what was the poverty headcount ratio: a percentage, not a count of people
        if q.unit is None and re.search(r"\bhow many\b", low):
            q.unit, q.unit_explicit = "count", True  # how many villages: a count of things
        if "how old" in low:
            q.unit = "age"
    elif re.search(r"\b(?:what|which) (?:year|date|day|month|time)\b|\bwhen\b", low):
        q.atype = "date"
    elif re.search(r"\bwho\b|\bwhom\b", low):
        q.atype = "person"
    elif re.search(r"\bwhere\b|which (?:country|city|place|province|county|town|region)", low):
        q.atype = "place"
    elif re.search(r"\bwhy\b", low):
        q.atype = "reason"
    elif re.search(r"\bhow\b", low):
        q.atype = "manner"
    elif re.search(r"\bwhat are\b|\bwhich\b.*\bare\b|\blist\b", low):
        q.atype = "list"
    elif re.search(r"\bwhat\b|\bwhich\b", low):
        q.atype = "entity"
    q.left = search
    return q


def _sub_questions(q: Question) -> list[Question]:
    """Multi-part questions: one sub-question per asked thing (…的贫困户和贫困人口分别是多少 → 户, 人)."""
    if q.script == "en":
        ask = r"\bhow (?:many|much)\b|\bwhat\b|\bwhich\b"
        if len(re.findall(ask, q.norm)) < 2 and not re.search(r"\brespectively\b|\beach\b|\bboth\b", q.norm):
            return [_analyze_en(s) for s in _en_paired(q.text)]
        segs = [s for s in re.split(r",|;|\?|\band\b", q.text) if re.search(ask, s, re.I)]
        return _en_refer_back([_analyze_en(s) for s in segs]) if len(segs) >= 2 else []
    norm = q.norm
    segs = [s for s in re.split(r"[，,？?；;。]", norm) if s.strip()]
    asks = [s for s in segs if _wh(s)[0] is not None]
    parts: list[str] = []
    if len(asks) >= 2:
        parts = asks
    elif len(asks) == 1 and len(re.findall(r"多少|几(?![乎])", asks[0])) >= 2:
        # 排查车辆多少台次、检测人员多少人次 / 多少个贫困村和多少个贫困县
        pieces = [p for p in re.split(r"、|和|与|以及|及", asks[0]) if p.strip()]
        merged: list[str] = []
        for p in pieces:
            if merged and _wh(merged[-1])[0] is None:
                merged[-1] += p
            else:
                merged.append(p)
        parts = [p for p in merged if _wh(p)[0] is not None]
    elif len(asks) == 1 and _paired_after_wh(asks[0]):
        parts = _paired_after_wh(asks[0])
    elif len(asks) == 1 and re.search(r"分别|各(?:有|是|为|自|多少|几|占)|各自|各[\u4e00-\u9fff]{1,3}了?(?=多少|几)", asks[0]):
        seg = asks[0]
        wh = _wh(seg)
        head, tail = seg[: wh[2]], seg[wh[2]:]
        pieces = [p for p in _SPLIT_PARTS.split(head) if p.strip()]
        if len(pieces) >= 2:
            # 稻城县的贫困户和贫困人口分别是多少 → 稻城县的贫困户是多少 / 稻城县的贫困人口是多少
            lead = pieces[0][: pieces[0].rfind("的") + 1] if "的" in pieces[0] else ""
            parts = [(p if k == 0 or "的" in p else lead + p) + tail for k, p in enumerate(pieces)]
            parts = [re.sub(r"分别|各自|各(?=[有是为多几占])|各(?=[\u4e00-\u9fff]{1,3}了?(?:多少|几))", "", p) for p in parts]
    if len(parts) < 2:
        return []
    subs = [_analyze_zh(p, p, q.script) for p in parts]
    for k, sq in enumerate(subs):  # 设了多少资金，已经发出去多少: a bare part counts in the unit of the part before
        if k and sq.atype == "number" and sq.unit is None and subs[k - 1].atype == "number" and not sq.concept:
            sq.unit = subs[k - 1].unit
    # the thing each part asks about (the words next to its wh-word) is that part's alone;
    # the rest of the question (稻城县, 2014年, “十三五”…) counts for every part
    # (after the wh-word: all of the part, 多少册到户政策解读明白卡 asks about the 明白卡)
    focus = [set(tokenize(sq.left[-6:])) | set(tokenize(sq.right)) if sq.wh else set(sq.terms) for sq in subs]
    for k, sq in enumerate(subs):
        others = set().union(*(f for i, f in enumerate(focus) if i != k)) - set(sq.terms)
        if k and _bare_part(sq):
            others -= focus[k - 1]  # 设了多少资金，已经发出去多少: the bare part asks about the part before's thing
        sq.terms = list(dict.fromkeys(sq.terms + [t for t in q.terms if t not in others]))
        other_text = "".join(p for i, p in enumerate(parts) if i != k)
        sq.years = list(dict.fromkeys(sq.years + [y for y in q.years if y not in other_text or y in parts[k]]))
        if k and sq.wh and not sq.left.strip("、，,和及与还有 "):
            sq.years = list(dict.fromkeys(sq.years + subs[k - 1].years))  # 2017年…多少户、多少人: a bare part is dated as the one before
        sq.entities = list(dict.fromkeys(sq.entities + [e for e in q.entities if e not in other_text or e in parts[k]]))
        sq.strong = list(dict.fromkeys(sq.strong + [e for e in q.strong if e not in other_text or e in parts[k]]))
        sq.places = list(dict.fromkeys(sq.places + [e for e in q.places if e not in other_text or e in parts[k]]))
        if sq.atype == "number" and sq.unit is None and q.unit:
            sq.unit = q.unit
    return subs


def _bare_part(sq: Question) -> bool:
    """A part naming no thing of its own, only what was done (已经发出去多少, 完成了多少): it asks about the thing
    of the part before it.

    >>> _bare_part(analyze("已经发出去多少")), _bare_part(analyze("支持资金是多少"))
    (True, False)
    """
    return sq.script != "en" and not re.search(r"[\u4e00-\u9fff]{2}", re.sub(r"^[个家所座项条处名人户元万亿次]", "", sq.right)) and not any(
        w.flag.startswith(("n", "vn")) or w.flag in ("j", "l") for w in pos_words(sq.norm) if len(w.text) >= 2)


_EN_AUX = r"\b(?:did|does|do|has|have|had|are|were|was|is|will|would|can|could)\b"


_EN_BACK = re.compile(r"\b(?:such|their|its|those|these|them|they|the same)\b", re.I)


def _en_refer_back(parts: list[Question]) -> list[Question]:
    """A part of an English question that refers back (*how many such projects*, *what was their
    planned investment*) is about what the part before it names: it gets that part's terms, years and
    text (``context``).

    >>> a, b = _en_refer_back([_analyze_en("How much did the county allocate to road projects in 2020"),
    ...                        _analyze_en(" how many such projects were there?")])
    >>> b.years, "公路" in b.terms, b.context.strip()[:8]
    (['2020'], True, 'How much')
    """
    for k in range(1, len(parts)):
        sq, before = parts[k], parts[k - 1]
        if not _EN_BACK.search(sq.text):
            continue
        sq.terms = list(dict.fromkeys(sq.terms + before.terms))
        sq.years = list(dict.fromkeys(sq.years + before.years))
        sq.context = (before.context + " " + before.text).strip()
    return parts


def _en_paired(text: str) -> list[str]:
    """Two things counted after one "how many" (How many poor villages and poor households did …): one
    question per thing, each with the rest of the question.

    >>> _en_paired("How many poor villages and poor households did the county identify?")
    ['How many poor villages did the county identify?', 'How many poor households did the county identify?']
    >>> _en_paired("How many rural roads and bridges were built?")
    []
    >>> _en_paired("How many households and people did the tea base benefit?")
    ['How many households did the tea base benefit?', 'How many people did the tea base benefit?']
    """
    m = re.search(rf"\bhow (?:many|much)\s+(.+?)\s+({_EN_AUX}.*)$", text, re.I)
    if not m or len(re.findall(r"\bhow (?:many|much)\b", text, re.I)) != 1:
        return []
    pieces = re.split(r"\s+and\s+", m.group(1))
    if len(pieces) != 2:
        return []
    a, b = pieces
    wa, wb = a.split(), b.split()
    # two noun phrases of two words or more (poor villages / poor households); "roads and bridges" may be one
    # count, "households and people" is not: single nouns of two different units (户, 人) are two counts
    units = [next((u for pat, u in _EN_UNIT if pat.search(x.split()[-1])), None) for x in (a, b)] if wa and wb else [None, None]
    two_units = None not in units and units[0] != units[1] and len(wa) <= 5 and len(wb) <= 6
    if not (two_units or 2 <= len(wa) <= 5 and 2 <= len(wb) <= 6) or re.search(_EN_AUX, a + " " + b, re.I):
        return []
    if not all(re.search(r"(?:s|people)$", x.strip(), re.I) for x in (a, b)):
        return []  # categories of basic and major programmes: adjectives, not two things
    if re.match(r"(?:similar|other|related|such|the like|so on)\b", b, re.I):
        return []  # hotels and similar establishments: one count
    head, rest = text[: m.start(1)], m.group(2)
    return [f"{head}{a} {rest}", f"{head}{b} {rest}"]


def _paired_after_wh(seg: str) -> list[str]:
    """Two kinds of one thing counted after a single wh-word (多少家高端民宿和普通民宿, 多少次领导小组会议和
    指挥部会议): one part per kind, each with the wh-word and its unit. Only when both name the same head
    (民宿, 会议), so 多少机关和企事业单位 (one count of both) stays one question.

    >>> _paired_after_wh("打造了多少家高端民宿和普通民宿")
    ['打造了多少家高端民宿', '打造了多少家普通民宿']
    >>> _paired_after_wh("有多少个机关和企事业单位")
    []
    """
    wh = _wh(seg)
    if wh[0] not in ("多少", "几"):
        return []
    left, right = seg[: wh[2]], seg[wh[3]:]
    m = re.match(rf"\s*{_MAG}?\s*(?:{_UNIT_ALT})?", right)
    unit = m.group(0) if m else ""
    rest = right[len(unit):].rstrip("？?。！! ")
    pieces = re.split(r"和|与|以及|及", rest)
    if len(pieces) != 2 or not all(2 <= len(x) <= 12 for x in pieces):
        return []
    a, b = (re.sub(r"(?:分别|各自|各)(?:是|有|为)?.*$", "", x) for x in pieces)
    if len(a) < 3 or len(b) < 3 or a[-2:] != b[-2:] or _wh(b)[0] is not None:
        return []
    return [left + wh[0] + unit + a, left + wh[0] + unit + b]


@lru_cache(maxsize=2048)
def _analyze_cached(question: str) -> Question:
    script = question_script(question)
    if script != "en" and len(re.findall(r"[A-Za-z]", question)) > 3 * len(re.findall(r"[\u3400-\u9fff]", question)):
        script = "en"  # an English question quoting a Chinese term (… roads (联户硬化路) …)
    if script == "en":
        q = _analyze_en(question)
    else:
        q = _analyze_zh(question, normalize(question), script)
    q.parts = _sub_questions(q)
    return q


def analyze(question: str) -> Question:
    """The :class:`Question` for ``question`` (cached; do not mutate the result)."""
    return _analyze_cached(question)
