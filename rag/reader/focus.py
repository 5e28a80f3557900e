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
  its sentence (a quarter), each weighted by how rare its words are in the passages read.

Example::

    >>> [label for label, _ in focus_slots("How many mu of olive trees does the group grow?")]
    ['olive', 'tree']
    >>> [label for label, _ in focus_slots("How many workers have completed training?")]
    []
    >>> s = "目前，该组共种植葡萄50余亩、油橄榄100亩。"
    >>> s[slice(*figure_window(s, s.index("100"), s.index("100") + 4))]
    '油橄榄100亩'
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

from .numbers import find_figures

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
    words = [w.strip("'") for w in words]
    words = [w for w in words if w and w not in _STOP and w not in _UNIT_WORDS]
    return words if len(words) <= 6 else []


def _zh_terms(word: str) -> list[str]:
    from ..crosslingual import translate_query
    from ..dictionary import translations

    out = [t for t in translate_query(word).split() if len(t) >= 2 and not t.isdigit()]
    out += [t for t in translations(word) if len(t) >= 2]
    return list(dict.fromkeys(out))


@lru_cache(maxsize=1024)
def focus_slots(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``(label, Chinese words)`` for what an English number question measures: the glossary terms of the
    whole phrase (when it has any a single word does not give), then each content word (hyphenated
    compounds also by their parts); slots without a Chinese word are left out."""
    from ..crosslingual import translate_query
    from ..dictionary import lemma

    words = _phrase(text)
    if words and _PEOPLE_HEAD.fullmatch(words[-1]):
        # how many workers / poor households: the head names the unit (人, 户) every such figure has; what
        # is counted is said by the words before it (registered poor → 建档立卡)
        words = words[:-1]
    if not words:
        return ()
    slots: list[tuple[str, tuple[str, ...]]] = []
    singles = set()
    per_word: list[tuple[str, tuple[str, ...]]] = []
    for w in words:
        parts = [w] + ([p for p in w.split("-") if len(p) >= 3] if "-" in w else [])
        for part in parts:
            zh = tuple(_zh_terms(part))
            if zh:
                per_word.append((lemma(part), zh))
                singles.update(zh)
    if len(words) >= 2:
        whole = tuple(t for t in translate_query(" ".join(words)).split() if len(t) >= 2 and t not in singles and not t.isdigit())
        if whole:
            slots.append((" ".join(words), whole))
    seen = set()
    for label, zh in per_word:
        if label not in seen:
            seen.add(label)
            slots.append((label, zh))
    return tuple(slots)


def figure_window(norm: str, start: int, end: int) -> tuple[int, int]:
    """The span of ``norm`` whose words belong to the figure ``[start, end)``: back to the clause mark or
    figure before it, on to the clause mark or figure after it."""
    lo = max(norm.rfind(ch, 0, start) for ch in _CLAUSE_MARKS) + 1
    hi = min([k for k in (norm.find(ch, end) for ch in _CLAUSE_MARKS) if k >= 0] or [len(norm)])
    for f in _figures(norm):
        if f[1] <= start and f[1] > lo:
            lo = f[1]
        if f[0] >= end and f[0] < hi:
            hi = f[0]
    return lo, hi


@lru_cache(maxsize=4096)
def _figures(norm: str) -> tuple[tuple[int, int], ...]:
    return tuple((f.start, f.end) for f in find_figures(norm))


def slot_weights(slots, sentence_norms: list[str]) -> list[float]:
    """How rare each slot's words are among the sentences read (0 for a slot none of them says)."""
    n = len(sentence_norms)
    out = []
    for _, zh in slots:
        df = sum(1 for s in sentence_norms if any(t in s for t in zh))
        out.append(math.log((n + 1) / df) if df else 0.0)
    return out


def focus_score(slots, weights: list[float], norm: str, start: int, end: int) -> float:
    """How much of what the question measures is said with the figure ``[start, end)`` of sentence ``norm``."""
    lo, hi = figure_window(norm, start, end)
    here = norm[lo:hi]
    score = 0.0
    for (_, zh), w in zip(slots, weights):
        if not w:
            continue
        if any(t in here for t in zh):
            score += w
        elif any(t in norm for t in zh):
            score += 0.25 * w
    return score
