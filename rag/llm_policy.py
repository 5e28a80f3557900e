"""When the offline reader's answer wins over a checked LLM answer.

A grounded LLM answer can still be the wrong figure of the right passage. The offline reader's
``Answer.confidence`` is calibrated, so: when the two **disagree** (the LLM's answer lacks a figure
the reader gives, or, for answers without figures, shares little of the reader's words) or the LLM
refuses what the reader answers, the reader wins once its confidence reaches the threshold
``reader_wins_confidence``; and when the reader refuses, its refusal stands unless
``llm_over_reader_refusal``. The threshold is learned on dev by ``eval/tune_llm_policy.py`` from a run
of ``benchmarks/llm_path.py`` and stored, with its dev figures, in ``rag/data/llm_policy.json``;
No file means the LLM's checked answer always stands.

Example::

    >>> from rag.llm_policy import agrees, reader_wins
    >>> from rag.types import Answer
    >>> reader = Answer(question="q", answer="1268户[1]", refused=False, confidence=0.9)
    >>> agrees("2014年审定贫困户1268户[1]。", reader.answer)
    True
    >>> llm = Answer(question="q", answer="贫困人口5614人[1]。", refused=False)
    >>> reader_wins(llm, reader, 0.5)
    'the offline reader (confidence 0.90) answers 1268户, the LLM another figure'
    >>> reader_wins(llm, reader, 0.95) is None
    True
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib.resources import files

from .normalize import match_key
from .grounding import _supported_by, extract_numbers, strip_citations
from .types import Answer

__all__ = ["agrees", "load_policy", "reader_wins"]

_NON_WORD = re.compile(r"[\W_]+")


def _key(text: str) -> str:
    return _NON_WORD.sub("", match_key(strip_citations(text)))


def agrees(llm_text: str, reader_text: str) -> bool:
    """True when the LLM's answer carries every figure of the reader's or, for an answer without
    figures, every part of it (``；``-separated) word for word."""
    r_figs = extract_numbers(strip_citations(reader_text))
    if r_figs:
        l_figs = extract_numbers(strip_citations(llm_text))
        return all(_supported_by(f, l_figs) for f in r_figs)
    said = _key(llm_text)
    return all(_key(part) in said for part in re.split(r"[；;]", strip_citations(reader_text)) if _key(part))


def reader_wins(llm: Answer | None, reader: Answer | None, threshold: float | None, over_refusal: bool = True) -> str | None:
    """Why the reader's answer should replace ``llm`` (None: it should not). ``llm=None`` (nothing of
    the LLM's answer survived the check) is not decided here: the caller falls back anyway. With
    ``over_refusal=False`` a refusal of the reader stands against an LLM's answer."""
    if llm is None or reader is None:
        return None
    if reader.refused and not llm.refused and not over_refusal:
        return "the offline reader finds no answer in the passages; the LLM's answer is not trusted over it"
    if threshold is None or reader.refused or not reader.answer:
        return None
    conf = reader.confidence
    if conf is None or conf < threshold:
        return None
    short = strip_citations(reader.answer).strip()
    if llm.refused:
        return f"the offline reader (confidence {conf:.2f}) answers {short}, the LLM refused"
    if agrees(llm.answer, reader.answer):
        return None
    what = "another figure" if extract_numbers(short) else "something else"
    return f"the offline reader (confidence {conf:.2f}) answers {short}, the LLM {what}"


@lru_cache(maxsize=1)
def load_policy() -> dict:
    """The learned policy (``rag/data/llm_policy.json``):
    ``{"reader_wins_confidence": float | None, "llm_over_reader_refusal": bool, ...}``."""
    res = files("rag.data") / "llm_policy.json"
    if not res.is_file():
        return {"reader_wins_confidence": None, "llm_over_reader_refusal": True}
    return json.loads(res.read_text(encoding="utf-8"))
