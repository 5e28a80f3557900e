"""When the offline reader's answer wins over a checked LLM answer.

A grounded LLM answer can still be the wrong figure of the right passage, a vaguer sentence than the
reader's short answer, or an answer to a question the passages do not answer. Every question the LLM
answers falls in one **case**, from the two answers (:func:`case_of`):

* ``reader_refuses`` — the reader refuses, the LLM answers;
* ``llm_refuses`` — the LLM refuses, the reader answers;
* ``agree`` — the LLM's answer carries the reader's (every figure, or every part word for word);
  ``agree_more`` — and figures the reader's lacks (another part of the question, or noise);
* ``less_specific`` — the LLM says less: some of the reader's figures are missing and it adds none of
  its own (or its words are a part of the reader's answer);
* ``other_figure`` / ``other_words`` — they disagree, the reader's answer with / without a figure.

The policy (``rag/data/llm_policy.json``, learned on dev by ``eval/tune_llm_policy.py`` from the
outcomes of ``benchmarks/llm_path.py``) holds, per case (optionally per case and question language,
``en`` / ``zh``), a reader confidence from which the reader wins (``0.0``: always — for
``reader_refuses``, the refusal stands; ``null``: never, the LLM's checked answer stands). One rule is
not learned: the reader's answer is never dropped for a less specific one. :func:`decide` applies it;
:func:`reader_wins` is the older single-threshold rule (explicit overrides, ``--reader-wins 0.7``).
No file means the LLM's checked answer always stands.

Example::

    >>> from rag.llm_policy import agrees, case_of, decide, reader_wins
    >>> from rag.types import Answer
    >>> reader = Answer(question="q", answer="1268户[1]", refused=False, confidence=0.9)
    >>> agrees("2014年审定贫困户1268户[1]。", reader.answer)
    True
    >>> llm = Answer(question="q", answer="贫困人口5614人[1]。", refused=False)
    >>> case_of(llm, reader)
    'other_figure'
    >>> decide(llm, reader, "贫困户多少户？", {"rules": {"other_figure": 0.5}})
    'the offline reader (confidence 0.90) answers 1268户, the LLM another figure'
    >>> decide(llm, reader, "贫困户多少户？", {"rules": {"other_figure": 0.95}}) is None
    True
    >>> decide(Answer(question="q", answer="有一些贫困户[1]。", refused=False), reader, "贫困户多少户？", {"rules": {}})
    'the offline reader answers 1268户, the LLM less precisely'
    >>> reader_wins(llm, reader, 0.5)
    'the offline reader (confidence 0.90) answers 1268户, the LLM another figure'
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib.resources import files

from .answering import question_script
from .grounding import _supported_by, extract_numbers, strip_citations
from .normalize import match_key
from .types import Answer

__all__ = ["CASES", "HARD_RULES", "agrees", "case_of", "decide", "less_specific", "load_policy", "reader_wins", "rule_key",
           "threshold_policy"]

CASES = ("reader_refuses", "llm_refuses", "agree", "agree_more", "less_specific", "other_figure", "other_words")
#: not learned: a reader's answer is never dropped for one that says less
HARD_RULES: dict[str, float] = {"less_specific": 0.0}

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


def _own_figures(llm_text: str, question: str = "") -> list:
    """The LLM answer's figures, without those it repeats from the question (2014年 of 2014年…多少户？)."""
    asked = extract_numbers(question) if question else []
    return [f for f in extract_numbers(strip_citations(llm_text)) if not _supported_by(f, asked)]


def less_specific(llm_text: str, reader_text: str, question: str = "") -> bool:
    """True when the LLM's answer says less than the reader's: it lacks some of the reader's figures and
    has no figure the reader's lacks (a figure of the ``question`` repeated does not count) or, for a
    reader's answer without figures, its words are a part of the reader's answer.

    >>> less_specific("贫困户1268户[1]。", "1268户；5614人[1]"), less_specific("贫困户较多。", "1268户[1]")
    (True, True)
    >>> less_specific("贫困人口5614人[1]。", "1268户[1]"), less_specific("1268户", "1268户")
    (False, False)
    >>> less_specific("2014年贫困村55个[1]。", "55个；1268户[1]", "2014年贫困村和贫困户各多少？")
    True
    """
    if agrees(llm_text, reader_text):
        return False
    r_figs = extract_numbers(strip_citations(reader_text))
    if r_figs:
        return all(_supported_by(f, r_figs) for f in _own_figures(llm_text, question))
    said = _key(llm_text)
    return bool(said) and said in _key(reader_text)


def case_of(llm: Answer, reader: Answer, question: str = "") -> str | None:
    """The case (one of :data:`CASES`) of an LLM answer beside the reader's to ``question``; None when
    both refuse."""
    if reader.refused or not (reader.answer or "").strip():
        return None if llm.refused else "reader_refuses"
    if llm.refused:
        return "llm_refuses"
    if agrees(llm.answer, reader.answer):
        r_figs = extract_numbers(strip_citations(reader.answer))
        more = any(not _supported_by(f, r_figs) for f in _own_figures(llm.answer, question))
        return "agree_more" if more else "agree"
    if less_specific(llm.answer, reader.answer, question):
        return "less_specific"
    return "other_figure" if extract_numbers(strip_citations(reader.answer)) else "other_words"


def rule_key(case: str, question: str) -> str:
    """``case/en`` or ``case/zh``: the key of a per-language rule."""
    return f"{case}/{'en' if question_script(question) == 'en' else 'zh'}"


def _threshold(policy: dict, case: str, question: str) -> float | None:
    if case in HARD_RULES:
        return HARD_RULES[case]
    rules = policy.get("rules") or {}
    key = rule_key(case, question)
    return rules[key] if key in rules else rules.get(case)


def _why(case: str, reader: Answer, llm: Answer) -> str:
    conf = reader.confidence
    short = strip_citations(reader.answer or "").strip()
    said = f"the offline reader (confidence {conf:.2f}) answers {short}" if conf is not None else f"the offline reader answers {short}"
    if case == "reader_refuses":
        return "the offline reader finds no answer in the passages; the LLM's answer is not trusted over it"
    if case == "llm_refuses":
        return f"{said}, the LLM refused"
    if case == "agree":
        return f"{said}, as the LLM does (the reader's short answer is shown)"
    if case == "agree_more":
        return f"{said}, as the LLM does, which adds figures of its own"
    if case == "less_specific":
        return f"the offline reader answers {short}, the LLM less precisely"
    return f"{said}, the LLM {'another figure' if case == 'other_figure' else 'something else'}"


def decide(llm: Answer | None, reader: Answer | None, question: str, policy: dict) -> str | None:
    """Why the reader's answer should replace ``llm`` under ``policy`` (None: it should not).

    ``policy["rules"]`` maps a case, or ``case/en`` / ``case/zh`` (:func:`rule_key`, preferred), to the
    reader confidence from which the reader wins (``0.0``: always; ``None`` or absent: never); a
    reader's refusal counts as confidence 0. :data:`HARD_RULES` come first. ``llm=None`` (nothing of the
    LLM's answer survived the check) is not decided here: the caller falls back anyway."""
    if llm is None or reader is None:
        return None
    case = case_of(llm, reader, question)
    if case is None:
        return None
    t = _threshold(policy, case, question)
    conf = reader.confidence if reader.confidence is not None else 0.0
    if t is None or conf < t:
        return None
    return _why(case, reader, llm)


def threshold_policy(threshold: float | None, over_refusal: bool = True) -> dict:
    """The single-threshold rule of :func:`reader_wins` as a policy for :func:`decide` (without the
    hard rules: ``decide`` adds them)."""
    return {"family": "threshold", "rules": {"reader_refuses": None if over_refusal else 0.0, "agree": None, "agree_more": None,
                                             **{c: threshold for c in ("llm_refuses", "less_specific", "other_figure", "other_words")}}}


def reader_wins(llm: Answer | None, reader: Answer | None, threshold: float | None, over_refusal: bool = True) -> str | None:
    """The single-threshold rule: the reader wins when its confidence reaches ``threshold`` and the LLM
    refuses or disagrees (lacks a figure the reader gives, or its words); with ``over_refusal=False`` a
    refusal of the reader stands against an LLM's answer. None: the LLM's answer stands."""
    if llm is None or reader is None:
        return None
    case = case_of(llm, reader)
    if case == "reader_refuses":
        return None if over_refusal else _why(case, reader, llm)
    if case is None or case in ("agree", "agree_more") or threshold is None or reader.confidence is None or reader.confidence < threshold:
        return None
    return _why("other_figure" if case == "less_specific" and extract_numbers(strip_citations(reader.answer)) else
                "other_words" if case == "less_specific" else case, reader, llm)


@lru_cache(maxsize=1)
def load_policy() -> dict:
    """The learned policy (``rag/data/llm_policy.json``): ``{"family", "rules": {case or case/lang:
    threshold | None}, "learned_by", "from", "dev", ...}``. No file: the LLM's checked answer stands
    (the hard rules still apply)."""
    res = files("rag.data") / "llm_policy.json"
    if not res.is_file():
        return {"family": "llm", "rules": {}}
    policy = json.loads(res.read_text(encoding="utf-8"))
    if "rules" not in policy:  # a file of the single-threshold rule
        policy = {**policy, **threshold_policy(policy.get("reader_wins_confidence"), bool(policy.get("llm_over_reader_refusal", True)))}
    return policy
