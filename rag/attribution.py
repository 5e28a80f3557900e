"""Post-hoc attribution: give an LLM answer the ``[n]`` markers it forgot (or got wrong).

Small local models often answer right but cite nothing, or cite the wrong passage. :func:`attribute`
goes through the answer sentence by sentence:

* a sentence whose markers all name given passages and whose figures all stand in the passages it
  cites is kept as written;
* otherwise its markers are removed and it is attached to the passage(s) that hold its figures
  (fewest passages, best overlap with its words first) — or, when it has no figure, to the passage
  that holds most of what it says beyond the question's own words;
* a sentence no passage holds (a figure found nowhere, words found nowhere) is dropped, with the reason.

The result then goes through the same figure check as any answer (:func:`rag.grounding.check_answer`).

Example::

    >>> from rag.attribution import attribute
    >>> ps = {1: "全县建成牦牛养殖合作社42个。", 2: "带动农户3150户增收，人均增收800元。"}
    >>> r = attribute("带动农户3150户增收。合作社共60个。", ps, "带动农户多少户？")
    >>> r.text, r.attached, r.dropped
    ('带动农户3150户增收[2]。', [2], ['合作社共60个。'])
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from .grounding import (
    NumberMention,
    _supported_by,
    citation_markers,
    extract_numbers,
    split_answer_sentences,
    strip_citations,
)
from .evidence import key_bigrams

__all__ = ["Attribution", "attribute", "content_bigrams"]

_CJK = re.compile(r"[\u3400-\u9fff]")
_WORDS = re.compile(r"[\w\u3400-\u9fff]")
_TAIL = re.compile(r"[。！？!?；;…．.\s]*$")
# words every question or answer has: they say what is asked or that it is an answer, not what it is about
_FILLER = re.compile(r"多少|几|哪些|哪个|哪|什么|是否|分别|答案|根据资料|资料|参考|是|了|的|为|有|共|约|达|吗|呢")


def content_bigrams(text: str) -> set[str]:
    """Character bigrams of ``text`` (markers, punctuation and filler words removed, simplified script).

    >>> sorted(content_bigrams("合作社是42个[1]。"))
    ['2个', '42', '作社', '合作']
    """
    return key_bigrams(_FILLER.sub("，", strip_citations(text)))


@dataclass
class Attribution:
    """What :func:`attribute` made of an answer: ``text`` with markers; ``attached`` the passages it
    added markers for; ``dropped`` the sentences no passage holds, with one reason each in ``reasons``."""

    text: str
    attached: list[int] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    changed: bool = False


def _cover(figs: list[NumberMention], nums: dict[int, list[NumberMention]], overlap: dict[int, float]) -> list[int] | None:
    """The fewest passages that together hold every figure (greedy; best word overlap first), or None."""
    need = list(range(len(figs)))
    chosen: list[int] = []
    while need:
        best, best_key = None, None
        for n, ms in nums.items():
            if n in chosen:
                continue
            held = [i for i in need if _supported_by(figs[i], ms)]
            if not held:
                continue
            key = (len(held), overlap.get(n, 0.0), -n)
            if best_key is None or key > best_key:
                best, best_key = n, key
        if best is None:
            return None
        chosen.append(best)
        need = [i for i in need if not _supported_by(figs[i], nums[best])]
    return sorted(chosen)


def _holds(own: set[str], grams: set[str], min_share: float) -> bool:
    hits = len(own & grams)
    return hits >= min(2, len(own)) and hits >= min_share * len(own) and bool(own)


def _with_markers(sentence: str, ns: list[int]) -> str:
    body = strip_citations(sentence).rstrip()
    tail = _TAIL.search(body)
    cut = tail.start() if tail else len(body)
    return body[:cut] + "".join(f"[{n}]" for n in ns) + body[cut:]


def attribute(text: str, passages: Mapping[int, str], question: str = "", min_share: float = 0.6) -> Attribution:
    """Markers for every sentence of ``text`` from ``passages`` (number → passage text); see the module doc.

    A sentence without figures is attached when some passage holds at least ``min_share`` of its
    bigrams that are not the question's (and at least two of them).
    """
    nums = {n: extract_numbers(t) for n, t in passages.items()}
    grams = {n: content_bigrams(t) for n, t in passages.items()}
    asked = content_bigrams(question)
    out = Attribution(text="")
    pieces: list[str] = []
    for sent in split_answer_sentences(text or ""):
        if not strip_citations(sent).strip():
            if sent.strip():  # markers alone say nothing
                out.dropped.append(sent.strip())
                out.reasons.append("it is a citation marker without a claim")
            else:
                pieces.append(sent)
            continue
        if not _WORDS.search(strip_citations(sent)):  # "。" or "…" alone
            continue
        markers = list(dict.fromkeys(citation_markers(sent)))
        figs = extract_numbers(strip_citations(sent))
        own = content_bigrams(sent) - asked
        overlap = {n: len(own & g) / (len(own) or 1) for n, g in grams.items()}
        if markers and all(n in passages for n in markers):
            pool = [m for n in markers for m in nums[n]]
            # a Chinese claim without figures must also be in what it cites (words across scripts cannot be compared)
            words_ok = figs or not _CJK.search(sent) or _holds(own, set().union(*(grams[n] for n in markers)), min_share)
            if words_ok and all(_supported_by(f, pool) for f in figs):
                pieces.append(sent)
                continue
        lead = re.match(r"\s*", sent).group(0)
        if figs:
            chosen = _cover(figs, nums, overlap)
            if chosen is None:
                lost = [f.raw for f in figs if not any(_supported_by(f, ms) for ms in nums.values())]
                out.dropped.append(sent.strip())
                out.reasons.append(f"the figure{'s' if len(lost) > 1 else ''} {', '.join(lost)} "
                                   f"{'are' if len(lost) > 1 else 'is'} in no passage")
                continue
        else:
            best = max(passages, key=lambda n: (overlap[n], -n), default=None)
            if best is None or not _holds(own, grams[best], min_share):
                out.dropped.append(sent.strip())
                out.reasons.append("no passage holds what it says")
                continue
            chosen = [best]
        pieces.append(lead + _with_markers(sent.strip(), chosen) + sent[len(sent.rstrip()):])
        out.changed = True
        out.attached.extend(n for n in chosen if n not in out.attached)
    out.text = "".join(pieces).strip()
    out.changed = out.changed or bool(out.dropped)
    return out
