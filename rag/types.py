"""The types every stage shares: retrieved passages, answers with citations, and the errors users see.

Data flows one way (files → documents → chunks → index → passages → answer); these
types sit at the seams, so no stage imports another stage just for a type.

Example::

    >>> from rag.types import Answer, Citation
    >>> c = Citation(n=1, doc="a.txt", chunk_id="a#0", section="一、概况", text="全县辖8乡5镇。", quote="全县辖8乡5镇")
    >>> Answer(question="辖几个镇？", answer="5镇[1]", refused=False, citations=[c]).to_json()["citations"][0]["quote"]
    '全县辖8乡5镇'
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from langchain_core.documents import Document

# ---------------------------------------------------------------- errors shown to users


class LoadError(Exception):
    """A file that cannot be loaded; the message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class QueryError(ValueError):
    """A question that cannot be searched (empty, only punctuation)."""


class IndexError_(RuntimeError):
    """Base class for index problems shown to users."""


class IndexNotFound(IndexError_):
    """No index of that name (nothing was created looking for it)."""


class IndexBusy(IndexError_):
    """Another writer holds the index."""


class EmbedderMismatch(IndexError_):
    """The index was built by another embedder than the one in use."""


class IndexFormatError(IndexError_):
    """The index was written in a format this version does not read (rebuild it)."""


class IndexDamaged(IndexError_):
    """A part of the index cannot be read (a truncated or overwritten file)."""


class StoreUnavailable(IndexError_):
    """The store's backend cannot be reached (a Milvus server that does not answer)."""


# ---------------------------------------------------------------- retrieval and answers


@dataclass
class Passage:
    """A retrieved chunk with its provenance and how each leg ranked it."""

    rank: int
    doc: str
    chunk_id: str
    section: str
    text: str
    score: float
    dense_rank: int | None = None
    bm25_rank: int | None = None
    dense_score: float | None = None
    bm25_score: float | None = None
    page: int | None = None
    title: str | None = None
    start: int | None = None
    end: int | None = None
    script: str | None = None
    doc_places: list[str] | None = None
    # a table row: {"caption", "header": [...], "row": [...], "label", "spans", "page", "sheet"} (rag.tables); None for running text
    table: dict | None = None
    ocr: bool = False  # the text was read by OCR from a scanned page or an image

    def to_json(self) -> dict:
        """The CLI/API shape: rank, doc, chunk_id, section, text, score (+ provenance)."""
        d = asdict(self)
        d["score"] = round(self.score, 6)
        return d

    def to_document(self) -> Document:
        meta = {k: v for k, v in asdict(self).items() if k != "text"}
        meta["source"] = self.doc
        return Document(page_content=self.text, metadata=meta)


@dataclass
class Citation:
    """A cited passage; ``quote`` is the exact span of ``text`` that supports the claim."""

    n: int
    doc: str
    chunk_id: str
    section: str
    text: str
    quote: str
    page: int | None = None
    start: int | None = None  # offset of ``quote`` inside ``text``
    table: dict | None = None  # the cited table row (caption, header, row), when the passage is one
    ocr: bool = False  # the cited text was read by OCR

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    """What every answerer returns."""

    question: str
    answer: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    backend: str = "offline"
    timings: dict = field(default_factory=dict)
    grounded: bool = True  # every figure in the answer stands in a cited passage
    warnings: list[str] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list, repr=False)
    confidence: float | None = None  # the answerer's calibrated score for its answer (None when it has none)
    rewritten_question: str | None = None  # a follow-up turn rewritten into a self-contained question
    # set instead of an answer when a follow-up cannot be resolved from the conversation: the clarifying
    # question asked back (also in ``answer``; ``refused`` is True, ``backend`` is "conversation")
    clarification: str | None = None

    def to_json(self, with_passages: bool = False) -> dict:
        d = {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "backend": self.backend,
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
            "grounded": self.grounded,
            "warnings": list(self.warnings),
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "rewritten_question": self.rewritten_question,
            "clarification": self.clarification,
        }
        if with_passages:
            d["retrieved"] = [p.to_json() for p in self.passages]
        return d
