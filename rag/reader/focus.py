"""What an English figure question measures, in Chinese, and which figures of the passages it sits next to.

An English question over a Chinese report names the thing its figure measures in English (``How many
mu of olive trees``, ``how much in orphans' allowances``, ``what was the communication coverage rate``);
the report writes the thing next to its figure (``油橄榄100亩``, ``孤儿基本生活费7868.89万元``,
``通信覆盖率达到97.37%``), and the other figures of the sentence measure other things (``葡萄50余亩``).

* :func:`focus_slots` — the measured noun phrase of an English number question (after ``how many`` /
  ``how much``, past a unit and ``of``/``in``; or before the verb in ``what is the … rate``), one slot per
  content word with its Chinese words from the general glossary (:mod:`rag.crosslingual`) and from
  CC-CEDICT (:mod:`rag.dictionary`), and one slot for a glossary term of the whole phrase;
* :func:`figure_window` — the words that belong to a figure in a Chinese sentence: those between it and
  the clause mark or the other figure before it, and after it up to the next clause mark or figure
  (``葡萄50余亩、油橄榄100亩``: 油橄榄 is the 100亩's, not the 50余亩's);
* :func:`head_units` — the measure words a figure counting the measured phrase's head noun is written in
  (categories → 类 in ``14类``; hospitals → 医院, whose CC-CEDICT classifiers are 所/家/座);
* :func:`quantity_slots` — a quantity the question states as a condition (``from her two mu`` → 两亩/2亩);
* :func:`figure_year` — the year a figure is of (the year written before it; the side of a 从…到 range);
* :func:`focus_score` — per candidate figure: the measured phrase's words said in its window (or a quarter
  elsewhere in its sentence, or its head noun as the figure's measure word), the rest's words in its window,
  whether it is of the year asked, and the rest's words elsewhere in its sentence; each weighted by how rare
  its words are in the passages read.

Example::

    >>> [(label, factor) for label, _, factor in focus_slots("How many mu of olive trees does the Baishi group grow?")]
    [('olive', 1.0), ('tree', 1.0), ('group', 0.5), ('grow', 0.5)]
    >>> [label for label, _, _ in focus_slots("How many workers have completed skills training?")]
    ['completed', 'skill', 'training']
    >>> s = "目前，该组共种植葡萄50余亩、油橄榄100亩。"
    >>> s[slice(*figure_window(s, s.index("100"), s.index("100") + 4))]
    '油橄榄100亩'
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

from ..dictionary import FUNCTION_WORDS as _FUNCTION
from .numbers import find_figures
from .text import clause_end, clause_start, normalize

# the words of an English question that end the measured noun phrase (its verb or preposition)
_NP_END = re.compile(r"\s(?:did|does|do|has|have|had|are|were|was|is|will|would|can|could|should|of|in|at|for|by|on|from|to|"
                     r"under|with|that|which|who|per|since|during|there|across|as|than|between|among|after|before|"
                     r"reached|reach|fell|rose|grew|been|being)\b|[?,;]")
# units and measure words an English question puts before the thing (how many mu of …, how much money in …)
_UNIT_WORDS = frozenset("mu yuan rmb hectare hectares acre acres ton tons tonne tonnes kilogram kilograms kg kilometre kilometres "
                        "kilometer kilometers km metre metres meter meters square percent percentage per cent times person-times "
                        "money amount number total sum value level figure quantity share proportion much many".split())
_STOP = frozenset("a an the its their his her this that these those each every all any some such other total overall "
                  "new more most extra additional average annual yearly so far still currently already also".split())
_PEOPLE_HEAD = re.compile(r"households?|families|family|people|persons?|person-times|residents?|workers?|labou?rers?|individuals?|"
                          r"inhabitants?|population|villagers?|farmers?|herders?")
_CLAUSE_MARKS = "，,、；;。：:！!？?\n"
_WHAT_MEASURE = re.compile(r"\bwhat (?:is|was|were|are|has|have|had) (?:the |its |their )?((?:[a-z\-']+ ){0,6}?"
                           r"(?:rate|ratio|percentage|proportion|share|incidence|coverage|income|revenue|investment|output|"
                           r"budget|spending|expenditure|population|price|cost|wage|salary|subsidy|allowance|number|amount|total))\b")


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_LEVEL_WORDS = frozenset("county city prefecture town township village district province region autonomous".split())


def _names(text: str) -> set[str]:
    """The lower-cased words an English question capitalises past its first word (names of places and
    people), with the level words that follow them (Weixi County)."""
    out: set[str] = set()
    for m in re.finditer(r"(?<!^)\b([A-Z][a-z]+(?:[\-'][A-Za-z]+)*)", text.replace("’", "'")):
        if m.start() == 0:
            continue
        w = m.group(1).lower()
        out.add(w)
        out.add(re.sub(r"'s$", "", w))
    return out


def _clean(words: list[str], names: set[str]) -> list[str]:
    words = [w.strip("'") for w in words]
    return [w for w in words if w and w not in _STOP and w not in _UNIT_WORDS and w not in _FUNCTION and w not in _LEVEL_WORDS
            and not (w in names and (w.endswith("'s") or "-" not in w)) and not w.endswith("'s")]


def _phrase(text: str) -> list[str]:
    """The words of the noun phrase an English number question measures (none when it has none)."""
    low = text.lower().replace("’", "'")
    m = re.search(r"\bhow (?:many|much)\s+(.+)", low)
    if m:
        rest = m.group(1)
        for _ in range(3):  # how many mu of, how much money in, how many tons of
            first = re.match(r"([a-z\-']+)\s+(?:of|in|for)\s+", rest)
            if first and first.group(1) in _UNIT_WORDS:
                rest = rest[first.end():]
                continue
            lone = re.match(r"(?:in|of|for)\s+", rest)
            if lone:
                rest = rest[lone.end():]
                continue
            break
        end = _NP_END.search(" " + rest)
        words = re.findall(r"[a-z][a-z\-']*", (" " + rest)[: end.start()] if end else rest)
    else:
        m = _WHAT_MEASURE.search(low)
        words = re.findall(r"[a-z][a-z\-']*", m.group(1)) if m else []
    words = _clean(words, _names(text))
    return words if len(words) <= 6 else []


def _zh_terms(word: str) -> list[str]:
    from ..crosslingual import translate_query
    from ..dictionary import translations

    out = [t for t in translate_query(word).split() if len(t) >= 2 and not t.isdigit()]
    out += [t for t in translations(word) if len(t) >= 2]
    return list(dict.fromkeys(out))


REST_FACTOR = 0.5  # a word of the rest of the question counts half a word of the measured phrase
_GENERIC_CL = frozenset("个個")


@lru_cache(maxsize=1024)
def head_units(text: str) -> frozenset[str]:
    """The measure words a figure counting the head noun of an English question's measured phrase is written
    in: the noun's own one-character translations (categories → 类, villages → 村, mu → 亩: ``11类``, ``71村``)
    and the classifiers CC-CEDICT gives for its translations (hospitals → 医院, CL:所/家/座: ``18家``);
    never the generic 个. A people head (households, people) is not asked about by its unit (every 户
    figure counts households). Empty when the question has no measured phrase.

    >>> sorted(head_units("How many categories of services does the plan cover?") & {"类", "个"})
    ['类']
    >>> sorted(head_units("How many county-level hospitals are linked to the system?") & {"家", "所", "个"})
    ['家', '所']
    >>> head_units("How many poor households were resettled?")
    frozenset()
    """
    from ..crosslingual import translate_query
    from ..dictionary import classifiers, weighted

    words = _phrase(text)
    if not words or _PEOPLE_HEAD.fullmatch(words[-1]):
        return frozenset()
    head = words[-1]
    out = {zh for zh, _ in weighted(head, 12, 0.0) if len(zh) == 1}
    out |= {t for t in translate_query(head).split() if len(t) == 1}
    for zh in _zh_terms(head)[:3]:
        out.update(classifiers(zh))
    return frozenset(u for u in out if u not in _GENERIC_CL and re.fullmatch(r"[\u4e00-\u9fff]", u))


_PER_UNIT = (
    (re.compile(r"\b(?:per|each|every|a) year\b|\bannually\b|\byearly\b|\bper annum\b"), ("每年", "年均", "平均每年", "年平均")),
    (re.compile(r"\bper (?:capita|person|head)\b|\beach person\b"), ("人均",)),
    (re.compile(r"\b(?:per|each) household\b"), ("户均",)),
    (re.compile(r"\bon average\b|\baverage\b"), ("平均", "均")),
)


def per_unit_slots(text: str) -> tuple[tuple[str, tuple[str, ...], float], ...]:
    """The rate an English question asks its figure per (``per year``, ``per capita``, ``per household``,
    ``on average``): a qualifier of the figure itself, which the report writes next to it (年均减少贫困村272个,
    人均收入, 户均增收); a total said without it answers another question. Full weight, like the measured
    phrase's words.

    >>> per_unit_slots("By how many villages per year is the number to fall?")
    (('per year', ('每年', '年均', '平均每年', '年平均'), 1.0),)
    >>> [label for label, _, _ in per_unit_slots("How much did each household earn on average?")]
    ['each household', 'on average']
    >>> per_unit_slots("How many villages are there?")
    ()
    """
    low = text.lower()
    return tuple((m.group(0), zh, 1.0) for rx, zh in _PER_UNIT for m in [rx.search(low)] if m)


_NUM_EN = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_NUM_ZH = "零一二三四五六七八九十"
_QUANTITY = re.compile(r"\b(one|two|three|four|five|six|seven|eight|nine|ten|\d+(?:\.\d+)?)\s+([a-z][a-z\-]*)")


def quantity_slots(text: str) -> tuple[tuple[str, tuple[str, ...], float], ...]:
    """A quantity an English question states as a condition (``from her two mu``, ``for 3 households``):
    the Chinese ways to write it (``两亩``, ``2亩``, ``二亩``), when its word translates to a measure word.
    The sentence that states the quantity is the one the question is about. A year is no quantity.

    >>> quantity_slots("How much income does she expect from her two mu?")
    (('two mu', ('2亩', '二亩', '两亩'), 0.5),)
    >>> quantity_slots("How many people did 2019 see trained?")
    ()
    """
    from ..crosslingual import translate_query

    out = []
    for m in _QUANTITY.finditer(text.lower()):
        num, word = m.group(1), m.group(2)
        if re.fullmatch(r"(?:19|20)\d{2}", num):
            continue
        units = [t for t in translate_query(word).split() if len(t) == 1 and re.fullmatch(r"[\u4e00-\u9fff]", t)]
        if not units or word in _FUNCTION:
            continue
        n = _NUM_EN.get(num)
        forms = [num if n is None else str(n)]
        if n is not None:
            forms.append(_NUM_ZH[n])
            if n == 2:
                forms.append("两")
        zh = tuple(f"{f}{u}" for u in units for f in forms)
        if all((f := find_figures(z)) and f[0].unit for z in zh):
            out.append((m.group(0), zh, REST_FACTOR))
    return tuple(out)


@lru_cache(maxsize=1024)
def focus_slots(text: str, context: str = "") -> tuple[tuple[str, tuple[str, ...], float], ...]:
    """``(label, Chinese words, factor)`` for what an English number question measures: the glossary terms
    of the whole phrase (when it has any a single word does not give), then each content word (hyphenated
    compounds also by their parts), factor 1; then the other content words of the question (its subject
    and verb: *the quinoa grower* in how much income does the quinoa grower expect, *measures* in how many
    households were still working on their measures), factor :data:`REST_FACTOR`, names and place levels
    left out; slots without a Chinese word are left out. None when the question has no measured phrase.
    ``context``: the words of an earlier part a part refers back to (how many *such* projects), counted
    as the rest's are."""
    from ..crosslingual import translate_query
    from ..dictionary import lemma

    words = full = _phrase(text)
    if words and _PEOPLE_HEAD.fullmatch(words[-1]):
        # how many workers / poor households: the head names the unit (人, 户) every such figure has; what
        # is counted is said by the words before it (registered poor → 建档立卡), by the glossary term of
        # the whole phrase (poor households → 贫困户) and by the rest
        head_zh = set(_zh_terms(words[-1]))
        words = words[:-1]
        qualified = [t for t in translate_query(" ".join(full)).split() if len(t) >= 2 and t not in head_zh and not t.isdigit()]
    else:
        qualified = []
    names = _names(text)
    low = text.lower().replace("’", "'")
    all_words = re.findall(r"[a-z][a-z\-']*", low)
    if not re.search(r"\bhow (?:many|much)\b", low) and not words:
        return ()
    if context:
        names |= _names(context)
        all_words += [""] + re.findall(r"[a-z][a-z\-']*", context.lower().replace("’", "'"))
    rest = [w for w in dict.fromkeys(_clean(all_words, names)) if w not in words and w not in names and not _PEOPLE_HEAD.fullmatch(w)]
    slots: list[tuple[str, tuple[str, ...], float]] = list(per_unit_slots(text))
    # the report's own words, written into the English question (hardened roads (联户硬化路))
    for run in dict.fromkeys(_CJK_RUN.findall(text)):
        slots.append((run, (normalize(run),), 1.0))
    singles: set[str] = set()
    per_word: list[tuple[str, tuple[str, ...], float]] = []
    for group, factor in ((words, 1.0), (rest, REST_FACTOR)):
        for w in group:
            zh = tuple(_zh_terms(w))
            # a hyphenated compound without its own entry, by its parts (tibet-aid → tibet, aid)
            parts = [(w, zh)] if zh or "-" not in w else [(p, tuple(_zh_terms(p))) for p in w.split("-") if len(p) >= 3]
            for part, pzh in parts:
                if pzh:
                    per_word.append((lemma(part), pzh, factor))
                    singles.update(pzh)
    # glossary terms of several words (registered poor households → 建档立卡), of the phrase and of each run
    # of the rest's words the question writes together
    runs = [(words, 1.0)] + [(run, REST_FACTOR) for run in _runs(all_words, set(rest))]
    for run, factor in runs:
        if len(run) >= 2:
            whole = tuple(t for t in translate_query(" ".join(run)).split() if len(t) >= 2 and t not in singles and not t.isdigit())
            if whole:
                slots.append((" ".join(run), whole, factor))
                singles.update(whole)
    qualified = [t for t in qualified if t not in singles]
    if qualified and len(full) >= 2:
        slots.append((" ".join(full), tuple(qualified), 1.0))
    seen = set()
    for label, zh, factor in per_word:
        if label not in seen:
            seen.add(label)
            slots.append((label, zh, factor))
    slots += quantity_slots(text)
    return tuple(slots)


def _runs(words: list[str], keep: set[str]) -> list[list[str]]:
    """The runs of consecutive ``words`` that are all in ``keep``."""
    out, cur = [], []
    for w in words + [""]:
        if w in keep:
            cur.append(w)
        else:
            if cur:
                out.append(cur)
            cur = []
    return out


_LIST_MARKS = "、"
_PURPOSE = re.compile(r"\s*(?:用于|用在|用来|用作|投向|投放于|投放到)")


def figure_window(norm: str, start: int, end: int) -> tuple[int, int]:
    """The span of ``norm`` whose words belong to the figure ``[start, end)``: back to the clause mark or
    figure before it (over list marks: 仅酿酒葡萄、菩提种植户户均增收1.06万元), on to the list or clause mark
    or figure after it (组建485个家庭医生服务团队、…: the next item is not the 485个's; but 投入38.32亿元用于
    产业扶贫、农村公路、饮水: the list of what a sum is spent on is the sum's). A figure in a
    bracketed breakdown (安排项目477个(2014年26个、2015年27个)) is also of what the words before the
    bracket name."""
    marks = _CLAUSE_MARKS.replace(_LIST_MARKS, "")
    lo = clause_start(norm, start, marks)
    # after it: to the next list mark, except over the list of what it is spent on (38.32亿元用于产业扶贫、农村公路)
    after = marks if _PURPOSE.match(norm, end) else _CLAUSE_MARKS
    hi = clause_end(norm, end, after)
    opened = max(norm.rfind("(", 0, start), norm.rfind("（", 0, start))
    closed = max(norm.rfind(")", 0, start), norm.rfind("）", 0, start))
    if opened > closed and opened >= lo:
        outer = clause_start(norm, opened, marks)
        return outer, hi
    figs = _figures(norm)
    at = start
    while True:  # figures written back to back are one item's (1268户5614人, 3442人次468.03万元)
        prev = next((f for f in figs if f[1] <= at and not norm[f[1]:at].strip()), None)
        if prev is None or prev[0] < lo:
            break
        at = prev[0]
    for f in figs:
        if f[1] <= at and f[1] > lo:
            lo = f[1]
        if f[0] >= end and f[0] < hi:
            hi = f[0]
    while lo < start and norm[lo] in _LIST_MARKS + " ":
        lo += 1
    frm = _from_side(norm, figs, start)
    if frm is not None:  # 贫困发生率从39.27%下降到18.3%: the 18.3% is also 贫困发生率's
        lo = min(lo, figure_window(norm, frm[0], frm[1])[0])
    return lo, hi


_TO = re.compile(r"(?:下降|减少|降低|回落|增加|增长|提高|提升|上升|扩大|缩小|发展|达|降|增|升)?(?:到|至)(?:了)?$")


def _from_side(norm: str, figs, start: int) -> tuple[int, int] | None:
    """The figure on the 从 side of a 从A…到B range whose 到 side starts at ``start`` (None when there is none)."""
    prev = next((f for f in reversed(figs) if f[1] <= start), None)
    if prev is None or not _TO.search(norm[prev[1]:start]) or len(norm[prev[1]:start]) > 5:
        return None
    if not re.search(r"从(?:(?:19|20)\d{2}年(?:底|末)?的?)?$", norm[max(0, prev[0] - 8):prev[0]]):
        return None
    return prev


_YEAR_FIG = re.compile(r"((?:19|20)\d{2})年(?:底|末|初)?的?$")
_FROM_TO_YEARS = re.compile(r"从[^，,。；;从]{0,12}?((?:19|20)\d{2})年[^，,。；;]{0,30}?(?:到|至)[^，,。；;]{0,8}?((?:19|20)\d{2})年")


def figure_year(norm: str, start: int, end: int) -> str | None:
    """The year a figure is of, when its sentence says: the year written right before it (2014年的17.45万人,
    2014年审定贫困村55个), else the side of a 从…到 range it is on, dated by the 从Y1…到Y2 years said before it
    in the sentence (从2010年的36.92万人减少到2014年的17.45万人，贫困发生率从39.27%下降到18.3%: 39.27% is
    2010's, 18.3% 2014's).

    >>> s = "农村贫困人口从2010年的36.92万人减少到2014年的17.45万人,贫困发生率从39.27%下降到18.3%。"
    >>> [figure_year(s, s.index(x), s.index(x) + len(x)) for x in ("17.45万人", "39.27%", "18.3%")]
    ['2014', '2010', '2014']
    >>> s = "2014年审定贫困村55个"
    >>> figure_year(s, s.index("55"), s.index("55") + 3), figure_year("全县有贫困村55个", 6, 9)
    ('2014', None)
    """
    lo = clause_start(norm, start, _CLAUSE_MARKS)
    figs = _figures(norm)
    before = [f for f in figs if lo <= f[0] and f[1] <= start]
    for f in reversed(before):
        m = re.fullmatch(r"((?:19|20)\d{2})年(?:底|末|初)?", norm[f[0]:f[1]])
        if m:
            return m.group(1) if not any(g[0] >= f[1] and g[1] <= start for g in before) else None
    sent = clause_start(norm, start, "。！!？?\n")
    ranges = list(_FROM_TO_YEARS.finditer(norm, sent, start))
    if not ranges:
        return None
    y1, y2 = ranges[-1].group(1), ranges[-1].group(2)
    frm = _from_side(norm, figs, start)
    if frm is not None:
        return y2
    nxt = next((f for f in figs if f[0] >= end), None)
    if re.search(r"从$", norm[max(0, start - 1):start]) and nxt is not None and _from_side(norm, figs, nxt[0]) == (start, end):
        return y1
    return None


@lru_cache(maxsize=4096)
def _figures(norm: str) -> tuple[tuple[int, int], ...]:
    return tuple((f.start, f.end) for f in find_figures(norm))


def _head(slots) -> int | None:
    """The index of the measured phrase's head noun slot (the last slot of full weight)."""
    heads = [k for k, (_, _, factor) in enumerate(slots) if factor >= 1.0]
    return heads[-1] if heads else None


def _unit_of(norm: str, start: int, end: int) -> str:
    """The one- or two-character measure word a figure ``[start, end)`` is counted in (not 个)."""
    unit = re.sub(r"^[0-9.,，万亿千百十余多近约]+", "", norm[start:end])
    return unit if re.fullmatch(r"[\u4e00-\u9fff]{1,2}", unit) and unit not in _GENERIC_CL else ""


@lru_cache(maxsize=4096)
def _units_in(norm: str) -> frozenset[str]:
    return frozenset(u for f in find_figures(norm) if f.family != "date" for u in [_unit_of(norm, f.start, f.end)] if u)


def slot_weights(slots, sentence_norms: list[str], units: frozenset[str] = frozenset()) -> list[float]:
    """How rare each slot's words are among the sentences read (0 for a slot none of them says); the head
    noun is also said by a figure counted in one of its ``units`` (:func:`head_units`)."""
    n = len(sentence_norms)
    head = _head(slots)
    out = []
    for k, (_, zh, _factor) in enumerate(slots):
        df = sum(1 for s in sentence_norms if any(t in s for t in zh) or (k == head and units and units & _units_in(s)))
        out.append(math.log((n + 1) / df) if df else 0.0)
    return out


def focus_score(slots, weights: list[float], norm: str, start: int, end: int, units: frozenset[str] = frozenset(),
                years: tuple[str, ...] = ()) -> tuple[float, float, float, float]:
    """How much of what the question measures is said with the figure ``[start, end)`` of sentence ``norm``:
    (the measured phrase's words in its window; the rest's words in its window; whether the figure is of
    the one year the question asks (1), of another year (-1) or of none said (0); the rest's words elsewhere
    in its sentence), compared in that order.

    >>> slots = focus_slots("How many categories of services does the plan cover?")
    >>> s = "全面落实11类基本和7项重大服务项目。"
    >>> u = head_units("How many categories of services does the plan cover?")
    >>> w = slot_weights(slots, [s], u)
    >>> focus_score(slots, w, s, 4, 7, u)[0] > focus_score(slots, w, s, 10, 12, u)[0]
    True
    >>> s = "贫困人口从2015年的2.1万人减少到2019年的0.3万人，贫困发生率从24.6%下降到3.2%。"
    >>> slots = focus_slots("What was the poverty incidence in 2019?")
    >>> w = slot_weights(slots, [s])
    >>> [focus_score(slots, w, s, s.index(x), s.index(x) + len(x), years=("2019",))[2] for x in ("24.6%", "3.2%")]
    [-1.0, 1.0]
    >>> [focus_score(slots, w, s, s.index(x), s.index(x) + len(x), years=("2015", "2019"))[2] for x in ("24.6%", "3.2%")]
    [0.0, 0.0]
    """
    lo, hi = figure_window(norm, start, end)
    here = norm[lo:hi]
    # a figure counted in the measured thing itself (71村 for how many villages: 村 heads 行政村 and 农村; 11类
    # for how many categories), or in the measure word of its translation (18家 for hospitals: 医院, CL:家)
    unit = _unit_of(norm, start, end)
    head = _head(slots)
    main = rest = near = 0.0
    for k, ((_, zh, factor), w) in enumerate(zip(slots, weights)):
        if not w:
            continue
        if any(t in here for t in zh) or (unit and k == head and (unit in units or any(t.endswith(unit) for t in zh))):
            if factor >= 1.0:
                main += w
            else:
                rest += w
        elif any(t in norm for t in zh):
            if factor >= 1.0:
                main += 0.25 * w  # the measured thing said elsewhere in the sentence (the rest's words: not enough)
            else:
                near += w
    year = 0.0
    if len(years) == 1:  # (a question comparing two years asks for a change, of neither year alone)
        y = figure_year(norm, start, end)
        year = 0.0 if y is None else (1.0 if y in years else -1.0)
    return main, rest, year, near
