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
* :func:`focus_scores` — per candidate figure, the slots said in its window (full weight) or elsewhere in
  its sentence (a quarter, for the measured phrase's words only), each weighted by how rare its words are in the passages read.

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
    slots: list[tuple[str, tuple[str, ...], float]] = []
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
    return lo, hi


@lru_cache(maxsize=4096)
def _figures(norm: str) -> tuple[tuple[int, int], ...]:
    return tuple((f.start, f.end) for f in find_figures(norm))


def slot_weights(slots, sentence_norms: list[str]) -> list[float]:
    """How rare each slot's words are among the sentences read (0 for a slot none of them says)."""
    n = len(sentence_norms)
    out = []
    for _, zh, _factor in slots:
        df = sum(1 for s in sentence_norms if any(t in s for t in zh))
        out.append(math.log((n + 1) / df) if df else 0.0)
    return out


def focus_score(slots, weights: list[float], norm: str, start: int, end: int) -> tuple[float, float]:
    """How much of what the question measures is said with the figure ``[start, end)`` of sentence ``norm``:
    (the measured phrase's words, the rest's words); compared in that order."""
    lo, hi = figure_window(norm, start, end)
    here = norm[lo:hi]
    # a figure counted in the measured thing itself (71村 for how many villages: 村 heads 行政村 and 农村)
    unit = re.sub(r"^[0-9.,，万亿千百十余多近约]+", "", norm[start:end])
    unit = unit if re.fullmatch(r"[\u4e00-\u9fff]{1,2}", unit) and unit not in ("个", "個") else ""
    heads = [k for k, (_, _, factor) in enumerate(slots) if factor >= 1.0][-1:]  # the measured phrase's head noun
    main = rest = 0.0
    for k, ((_, zh, factor), w) in enumerate(zip(slots, weights)):
        if not w:
            continue
        if any(t in here for t in zh) or (unit and k in heads and any(t.endswith(unit) for t in zh)):
            if factor >= 1.0:
                main += w
            else:
                rest += w
        elif factor >= 1.0 and any(t in norm for t in zh):
            main += 0.25 * w  # the measured thing said elsewhere in the sentence (the rest's words: not enough)
    return main, rest
