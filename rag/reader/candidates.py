"""Answer candidates of every type from a sentence: figures with units, dates, names (jieba POS runs),
《》 titles and quoted terms, enumerations joined by 、/和, noun phrases, word spans, clauses.

A candidate is a span ``[start, end)`` of its sentence (offsets are the same in the original and the
normalised text), with the kinds of span it is. The learned model decides which one answers.

Example::

    >>> from rag.reader.candidates import candidates
    >>> from rag.reader.text import normalize
    >>> s = normalize("全县建成牦牛养殖合作社42个，带动农户3150户增收。")
    >>> spans = {s[c.start:c.end]: c.kinds for c in candidates(s)}
    >>> "fig" in spans["42个"], "牦牛养殖合作社" in spans, "带动农户3150户增收" in spans
    (True, True, True)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .numbers import find_figures
from .text import pos_words

KINDS = ("fig", "date", "ent", "np", "title", "quote", "paren", "enum", "ngram", "clause", "clauses", "sent", "tail")

_CLAUSE_PUNCT = set("，,；;：:。！？!?…")
_PUNCT = set("，,；;：:。！？!?…、（）()《》“”\"'‘’「」『』【】[]〈〉—-·/ ") | set("．")
_OPEN_CLOSE = [("《", "》", "title"), ("“", "”", "quote"), ("「", "」", "quote"), ("『", "』", "quote"), ("‘", "’", "quote"),
               ("\"", "\"", "quote"), ("(", ")", "paren"), ("（", "）", "paren"), ("【", "】", "quote"), ("〈", "〉", "title")]
_NAME_FLAGS = {"nr", "nrt", "nrfg", "ns", "nt", "nz", "eng"}
_NOUNISH = {"n", "nr", "nrt", "nrfg", "ns", "nt", "nz", "nw", "vn", "eng", "j", "l", "ng", "an", "b", "nl", "s", "t", "tg", "f"}
# words a span should not start or end with (particles, conjunctions, prepositions)
_EDGE_BAD = {"u", "uj", "ul", "uv", "uz", "ug", "ud", "p", "c", "y", "e", "o", "x", "zg"}
_MAX_NGRAM = 8
_CONNECTIVE = re.compile(r"(?:但是|但|而且|而|并且|并|且|因此|所以|然而|同时|另外|此外|其中|不过|于是|可是|此后|之后|后来|其后)")


@dataclass
class Candidate:
    start: int
    end: int
    kinds: set[str]
    w0: int = -1  # first and last word index (-1 when the span does not fall on word boundaries)
    w1: int = -1
    family: str | None = None  # unit family of a figure candidate


_PAIRS = {"”": "“", "」": "「", "』": "『", "》": "《", "）": "（", ")": "(", "】": "【", "’": "‘", "〉": "〈"}
_OPENERS = {v: k for k, v in _PAIRS.items()}


def _strip(norm: str, i: int, j: int) -> tuple[int, int]:
    """``[i, j)`` without punctuation at its ends, except brackets and quotes closed inside it (“蕨类之父”)."""
    while i < j:
        ch = norm[i]
        if ch in _OPENERS and _OPENERS[ch] in norm[i + 1 : j]:
            break
        if ch in _PUNCT or ch.isspace():
            i += 1
            continue
        break
    while j > i:
        ch = norm[j - 1]
        if ch in _PAIRS and _PAIRS[ch] in norm[i : j - 1]:
            break
        if ch in _PUNCT or ch.isspace():
            j -= 1
            continue
        break
    return i, j


def _cuts_a_number(norm: str, i: int, j: int) -> bool:
    """True when ``[i, j)`` starts or ends inside a run of digits (``3.84万户19`` of ``3.84万户19.46万人``):
    such a span shows a figure the text does not hold.

    >>> _cuts_a_number("3.84万户19.46万人", 0, 8), _cuts_a_number("3.84万户19.46万人", 0, 6)
    (True, False)
    >>> _cuts_a_number("增长121.8%", 3, 8), _cuts_a_number("观众6,476名", 2, 3), _cuts_a_number("分别为12,15个", 3, 5)
    (True, True, False)
    """
    def digit(k: int) -> bool:
        return 0 <= k < len(norm) and norm[k].isdigit()

    def grouped(c: int) -> bool:  # norm[c] is a decimal point or a thousands separator inside a figure
        if norm[c : c + 1] == ".":
            return digit(c - 1) and digit(c + 1)
        return norm[c : c + 1] == "," and digit(c - 1) and all(digit(c + d) for d in (1, 2, 3)) and not digit(c + 4)

    def inside(k: int) -> bool:  # a cut between k-1 and k
        return (digit(k - 1) and digit(k)) or grouped(k) or grouped(k - 1)

    return inside(i) or inside(j)


@lru_cache(maxsize=8192)
def _candidates_cached(norm: str) -> tuple[Candidate, ...]:
    words = pos_words(norm)
    n = len(norm)
    # figures come before the word spans that use them
    found: dict[tuple[int, int], Candidate] = {}
    w_start = {w.start: k for k, w in enumerate(words)}
    w_end = {w.end: k for k, w in enumerate(words)}

    def add(i: int, j: int, kind: str, family: str | None = None, strip: bool = True) -> None:
        if strip:
            i, j = _strip(norm, i, j)
        if j <= i or j - i > 160 or _cuts_a_number(norm, i, j):
            return
        c = found.get((i, j))
        if c is None:
            c = found[(i, j)] = Candidate(i, j, {kind}, w_start.get(i, -1), w_end.get(j, -1), family)
        else:
            c.kinds.add(kind)
            if family and not c.family:
                c.family = family

    # figures and dates, with and without 约/以上 …; adjacent figures merged (3分33秒62, 7件19人)
    figs = find_figures(norm)
    for f in figs:
        kind = "date" if f.family == "date" else "fig"
        add(f.start, f.end, kind, f.family, strip=False)
        if (f.core_start, f.core_end) != (f.start, f.end):
            add(f.core_start, f.core_end, kind, f.family, strip=False)
    for a, b in zip(figs, figs[1:]):
        if 0 <= b.start - a.end <= 0:
            add(a.start, b.end, "fig", b.family or a.family, strip=False)
    for f in figs:
        # 每平方公里69670人: a rate keeps its 每…; 6,476名观众: a count with the counted noun
        m = re.search(r"每[\u4e00-\u9fff]{1,4}$", norm[max(0, f.start - 5) : f.start])
        if m:
            add(f.start - len(m.group(0)), f.end, "fig", f.family, strip=False)
        nxt = [w for w in words if w.start >= f.end][:2]
        if nxt and nxt[0].start == f.end and nxt[0].flag in _NOUNISH:
            end = nxt[1].end if len(nxt) > 1 and nxt[1].start == nxt[0].end and nxt[1].flag in _NOUNISH else nxt[0].end
            add(f.start, end, "fig", f.family, strip=False)
    # bracketed spans, with and without their brackets
    for op, cl, kind in _OPEN_CLOSE:
        pos = 0
        while True:
            i = norm.find(op, pos)
            if i < 0:
                break
            j = norm.find(cl, i + 1)
            if j < 0:
                break
            if 0 < j - i - 1 <= 60:
                add(i + 1, j, kind)
                if kind != "paren":
                    add(i, j + 1, kind, strip=False)
                    nxt = next((w for w in words if w.start == j + 1), None)
                    if nxt is not None and nxt.flag in _NOUNISH and len(nxt.text) <= 4:
                        add(i, nxt.end, kind, strip=False)  # “一领具足”制度
            pos = j + 1 if op != cl else j + 1
    # a run of quoted terms (“户户清”“村村清”“县县清”): the members of a label, answered together
    for m in re.finditer(r"“[^“”]{1,20}”(?:[、，,和及与]?“[^“”]{1,20}”)+", norm):
        add(m.start(), m.end(), "quote", strip=False)
    # clauses, runs of clauses, the sentence
    bounds = [0] + [k + 1 for k, ch in enumerate(norm) if ch in _CLAUSE_PUNCT] + [k for k, ch in enumerate(norm) if ch in "(（"] + [n]
    bounds = sorted(set(b for b in bounds if 0 <= b <= n))
    clauses = [(a, b) for a, b in zip(bounds, bounds[1:]) if _strip(norm, a, b)[1] > _strip(norm, a, b)[0]]
    for k, (a, b) in enumerate(clauses):
        add(a, b, "clause")
        for m in range(k + 1, min(len(clauses), k + 4)):
            add(a, clauses[m][1], "clauses")
    add(0, n, "sent")
    # the same spans without a leading connective (但由于… → 由于…)
    for k, (a, _) in enumerate(clauses):
        i = _strip(norm, a, clauses[k][1])[0]
        m = _CONNECTIVE.match(norm, i)
        if not m:
            continue
        for mm in range(k, min(len(clauses), k + 4)):
            if m.end() < clauses[mm][1]:
                add(m.end(), clauses[mm][1], "clause" if mm == k else "clauses")
    # word-level spans: names, noun phrases, enumerations, n-grams, clause tails
    clause_of = [0] * len(words)
    ci = 0
    for k, w in enumerate(words):
        while ci < len(clauses) - 1 and w.start >= clauses[ci][1]:
            ci += 1
        clause_of[k] = ci
    k = 0
    while k < len(words):  # runs of name words / noun-ish words
        if words[k].flag in _NOUNISH or words[k].flag == "m" and k + 1 < len(words) and words[k + 1].flag in ("q", "m"):
            m = k
            while m + 1 < len(words) and (words[m + 1].flag in _NOUNISH or words[m + 1].flag in ("m", "q", "a")) and clause_of[m + 1] == clause_of[k]:
                m += 1
            run = words[k : m + 1]
            if any(w.flag in _NAME_FLAGS for w in run):
                names = [x for x in range(k, m + 1) if words[x].flag in _NAME_FLAGS]
                add(words[names[0]].start, words[names[-1]].end, "ent")
            for a in range(k, m + 1):  # suffixes of the run (Chinese noun phrases end in their head)
                add(words[a].start, words[m].end, "np")
            add(words[k].start, words[m].end, "np")
            k = m + 1
        else:
            k += 1
    # names joined by a middle dot (罗伯特·波义耳)
    for m in re.finditer(r"[\u4e00-\u9fffa-z]{1,8}(?:[·•・][\u4e00-\u9fffa-z]{1,8})+", norm):
        add(m.start(), m.end(), "ent")
    for a in range(len(words)):
        if words[a].flag in _EDGE_BAD or norm[words[a].start] in _PUNCT:
            continue
        for b in range(a, min(len(words), a + _MAX_NGRAM)):
            if clause_of[b] != clause_of[a] or norm[words[b].start] in _CLAUSE_PUNCT:
                break
            if words[b].flag in _EDGE_BAD and words[b].text not in ("等",):
                continue
            add(words[a].start, words[b].end, "ngram")
        # the rest of the clause / sentence from here (是…之后的部分, answers that run to the end)
        ca, cb = clauses[clause_of[a]] if clauses else (0, n)
        add(words[a].start, cb, "tail")
        add(words[a].start, n, "tail")
    # enumerations: items joined by 、 (and a last 和/与/及/或)
    for a, b in clauses:
        seg = norm[a:b]
        if "、" not in seg:
            continue
        first = seg.find("、")
        last = seg.rfind("、")
        # where the first item starts: a word boundary after the clause's last verb/preposition before it
        starts = [a]
        for w in words:
            if a <= w.start < a + first and w.flag in ("v", "p", "vshi", "vyou", "c", "uj") or (a <= w.start < a + first and w.text in ("是", "有", "为", "包括", "如", "即")):
                starts.append(w.end)
        ends = [b]
        tail = seg[last + 1 :]
        m = re.search(r"(?:和|与|及|以及|或|或者)", tail)
        after = last + 1 + (m.end() if m else 0)
        for w in words:
            if a + after < w.end <= b and (w.flag in _NOUNISH or w.flag in ("m", "q", "v", "vn")):
                nxt = [x for x in words if x.start == w.end]
                if not nxt or nxt[0].flag not in _NOUNISH:
                    ends.append(w.end)
                    break
        ends.append(next((w.end for w in words if a + after <= w.start and w.end <= b and w.flag not in _EDGE_BAD), b))
        for s0 in sorted(set(starts))[-3:]:
            for e0 in set(ends):
                if e0 > s0 + 2:
                    add(s0, e0, "enum")
    return tuple(found.values())


def candidates(norm: str) -> list[Candidate]:
    """Every candidate span of a normalised sentence (cached; the list is a fresh copy)."""
    return list(_candidates_cached(norm))
