"""The evidence an LLM answers from: a few sentences, not whole chunks.

A small local model reading five 300-character chunks (~1,600 tokens) is slow (~13 s on 2 cores) and
loses track of which passage said what. :func:`build_evidence` gives it instead, per passage, the
sentences that matter — the offline reader's cited quotes first, then the sentences of the top
passages that share most with the question — each cut to the clauses around what matches, numbered
``[1]..[n]`` by passage, plus the reader's own short answer as a candidate. A few hundred tokens.

The numbers in the prompt name passages (``Evidence.numbered``); the figure check and the citations
still read the whole passage, so a quote stays verbatim in the document's text.

Example::

    >>> from rag.evidence import build_evidence
    >>> from rag.types import Answer, Citation, Passage
    >>> p = Passage(rank=1, doc="litang.txt", chunk_id="c1", section="理塘县 › 二、产业",
    ...             text="全县地处高原。全县建成牦牛养殖合作社42个，带动农户3150户增收。", score=1.0)
    >>> reader = Answer(question="q", answer="42个[1]", refused=False, citations=[Citation(
    ...     n=1, doc="litang.txt", chunk_id="c1", section="", text=p.text, quote=p.text[7:], start=7)])
    >>> ev = build_evidence("理塘县建成牦牛养殖合作社多少个？", [p], reader)
    >>> print(ev.passages_block())
    [1] 理塘县 › 二、产业：全县建成牦牛养殖合作社42个，带动农户3150户增收。
    >>> ev.candidate
    '42个[1]'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .answering import question_script, strip_instructions
from .normalize import match_key, split_sentences
from .types import Answer, Passage

__all__ = ["Evidence", "EvidenceBlock", "build_evidence", "key_bigrams", "renumber_candidate"]

_NON_WORD = re.compile(r"[\W_]+")
_CLAUSE = re.compile(r"[^，,；;：:。！？!?…]*[，,；;：:。！？!?…]*")
_MARKER = re.compile(r"[\[【［]\s*(\d{1,3})\s*[\]】］]")
# words every question has: they say what is asked, not what it is about
_ASKING = re.compile(r"多少|几|哪些|哪个|哪一|哪|什么|何时|怎样|如何|是否|分别|各|是|了|的|吗|呢|有")


def key_bigrams(text: str) -> set[str]:
    """Character bigrams of ``text`` for overlap (simplified script, no width, case, space or punctuation).

    >>> sorted(key_bigrams("貧困戶，1268戶"))
    ['12', '26', '68', '8户', '困户', '贫困']
    """
    return {run[i : i + 2] for run in _NON_WORD.split(match_key(text)) for i in range(len(run) - 1)}


def _question_grams(question: str) -> set[str]:
    if question_script(question) == "en":
        from .crosslingual import translate_query

        cjk = " ".join(re.findall(r"[\u3400-\u9fff]+", question))
        text = f"{translate_query(question)} {cjk}"
        grams = set().union(*(key_bigrams(w) for w in text.split())) if text.split() else set()
        return grams | {w for w in re.findall(r"\d+(?:\.\d+)?", question)}
    return key_bigrams(_ASKING.sub("，", question))


@dataclass
class EvidenceBlock:
    """What the prompt shows of one passage: ``spans`` (offsets in ``passage.text``) joined as ``text``."""

    n: int
    passage: Passage
    spans: list[tuple[int, int]]
    text: str

    def line(self) -> str:
        parts = [p.strip() for p in (self.passage.section or self.passage.doc).split(" › ") if p.strip()] or [""]
        cut = lambda t, k: t if len(t) <= k else t[: k - 1] + "…"  # noqa: E731
        head = cut(parts[0], 20) + (f" › {cut(parts[-1], 16)}" if len(parts) > 1 else "")
        return f"[{self.n}] {head}：{self.text}"


@dataclass
class Evidence:
    """The material of an evidence-first prompt; ``numbered`` maps a prompt number to its passage."""

    question: str
    blocks: list[EvidenceBlock]
    candidate: str = ""  # the reader's short answer, markers renumbered to ``blocks``; "" when it refused
    reader: Answer | None = None
    numbered: dict[int, Passage] = field(default_factory=dict)

    def passages_block(self) -> str:
        return "\n".join(b.line() for b in self.blocks)

    @property
    def chars(self) -> int:
        return len(self.passages_block()) + len(self.candidate)


def _clip(text: str, i: int, j: int, grams: set[str], max_chars: int) -> tuple[int, int]:
    """The clauses of ``text[i:j]`` around the best match with ``grams``, at most ``max_chars`` long."""
    if j - i <= max_chars:
        return i, j
    clauses = [(i + m.start(), i + m.end()) for m in _CLAUSE.finditer(text[i:j]) if m.end() > m.start()]
    if not clauses:
        return i, i + max_chars
    scores = [len(key_bigrams(text[a:b]) & grams) for a, b in clauses]
    best = max(range(len(clauses)), key=lambda k: (scores[k], -k))
    lo = hi = best
    # grow toward the better-scoring neighbour while the window fits
    while True:
        left = scores[lo - 1] if lo > 0 else -1
        right = scores[hi + 1] if hi + 1 < len(clauses) else -1
        if left < 0 and right < 0:
            break
        k = lo - 1 if left > right else hi + 1
        a, b = clauses[min(k, lo)][0], clauses[max(k, hi)][1]
        if b - a > max_chars:
            break
        lo, hi = min(k, lo), max(k, hi)
    a, b = clauses[lo][0], clauses[hi][1]
    if b - a > max_chars:  # one clause longer than the budget
        b = a + max_chars
    return a, b


def _sentences(text: str) -> list[tuple[int, int]]:
    out = []
    for i, j in split_sentences(text):
        while i < j and text[i].isspace():
            i += 1
        while j > i and text[j - 1].isspace():
            j -= 1
        if j > i:
            out.append((i, j))
    return out


def renumber_candidate(reader: Answer | None, numbers: dict[str, int]) -> str:
    """The reader's answer with its markers renumbered to the prompt's (``numbers``: chunk id → number;
    a marker of a passage the prompt does not show is removed); "" when it refused.

    >>> from rag.types import Citation
    >>> a = Answer(question="q", answer="42个[1]；3150户[2]", refused=False, citations=[
    ...     Citation(n=1, doc="d", chunk_id="c1", section="", text="", quote=""),
    ...     Citation(n=2, doc="d", chunk_id="c9", section="", text="", quote="")])
    >>> renumber_candidate(a, {"c9": 1})
    '42个；3150户[1]'
    """
    if reader is None or reader.refused or not reader.answer:
        return ""
    renum = {c.n: numbers.get(c.chunk_id) for c in reader.citations}

    def _renumber(m: re.Match) -> str:
        n = renum.get(int(m.group(1)))
        return f"[{n}]" if n else ""

    return _MARKER.sub(_renumber, reader.answer)


def build_evidence(
    question: str,
    passages: list[Passage],
    reader: Answer | None = None,
    max_passages: int = 3,
    per_passage: int = 2,
    sentence_chars: int = 80,
    max_chars: int = 320,
) -> Evidence:
    """The evidence of ``passages`` for ``question``: the reader's cited quotes (``reader``: its
    :class:`~rag.types.Answer`) and, for each of the top ``max_passages`` passages, up to
    ``per_passage`` sentences that share most with the question, each cut to ``sentence_chars``
    around the match; at most ``max_chars`` characters in all. Passages with nothing that matches
    are left out; the rest are numbered 1.. in retrieval order.
    """
    grams = _question_grams(question)
    top = list(passages[:max_passages])
    # the reader's quotes, by passage
    quoted: dict[str, list[tuple[int, int]]] = {}
    if reader is not None and not reader.refused:
        for c in reader.citations:
            if c.start is None or not c.quote:
                continue
            quoted.setdefault(c.chunk_id, []).append((c.start, c.start + len(c.quote)))
            if all(p.chunk_id != c.chunk_id for p in top):
                extra = next((p for p in passages if p.chunk_id == c.chunk_id), None)
                if extra is not None:
                    top.append(extra)
    picked: list[tuple[Passage, list[tuple[int, int]]]] = []
    budget = max_chars
    for p in top:
        text = p.text
        clean = strip_instructions(text)
        spans = []
        for a, b in quoted.get(p.chunk_id, []):
            spans.append(_clip(text, a, b, grams, sentence_chars))
        scored = []
        for a, b in _sentences(text):
            if strip_instructions(text[a:b]) != text[a:b] or text[a:b] not in clean:
                continue  # a planted instruction is not evidence
            overlap = len(key_bigrams(text[a:b]) & grams)
            if overlap:
                scored.append((overlap, a, b))
        scored.sort(key=lambda t: (-t[0], t[1]))
        for overlap, a, b in scored:
            if len(spans) >= per_passage:
                break
            span = _clip(text, a, b, grams, sentence_chars)
            if any(not (span[1] <= x or span[0] >= y) for x, y in spans):
                continue
            spans.append(span)
        if spans:
            picked.append((p, sorted(spans)))
    blocks: list[EvidenceBlock] = []
    numbered: dict[int, Passage] = {}
    for p, spans in picked:
        kept, shown = [], []
        for a, b in spans:
            piece = p.text[a:b].strip()
            if budget - len(piece) < 0 and blocks:
                break
            kept.append((a, b))
            shown.append(piece)
            budget -= len(piece)
        if not kept:
            continue
        n = len(blocks) + 1
        blocks.append(EvidenceBlock(n=n, passage=p, spans=kept, text="…".join(shown)))
        numbered[n] = p
    candidate = renumber_candidate(reader, {b.passage.chunk_id: b.n for b in blocks})
    return Evidence(question=question, blocks=blocks, candidate=candidate, reader=reader, numbered=numbered)
