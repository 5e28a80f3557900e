"""The question-answering pipeline: question → retrieved passages → cited answer.

Example::

    >>> from rag.qa import Assistant
    >>> bot = Assistant()                                         # doctest: +SKIP
    >>> a = bot.ask("稻城县2014年审定贫困村多少个？")               # doctest: +SKIP
    >>> a.answer                                                  # doctest: +SKIP
    '2014年审定贫困村55个[1]'
"""
from __future__ import annotations

import logging
import time
from typing import Iterator

from .reader import OfflineReader
from .answering import question_script, refusal_text
from .retrieve import HybridRetriever, clean_query
from .settings import Settings, get_settings
from .types import Answer, Passage, QueryError

log = logging.getLogger(__name__)


class Assistant:
    """Ties a :class:`HybridRetriever` to an answerer chosen by settings (offline reader or an LLM)."""

    def __init__(self, settings: Settings | None = None, name: str | None = None, llm: str | None = None, retriever: HybridRetriever | None = None):
        self.settings = settings or get_settings()
        self.name = name or self.settings.index_name
        self.llm = llm or self.settings.llm
        self._retriever = retriever
        self._answerers: dict[str, object] = {}

    @property
    def retriever(self) -> HybridRetriever:
        if self._retriever is None:
            self._retriever = HybridRetriever.from_settings(self.settings, self.name)
        return self._retriever

    def answerer(self, backend: str | None = None):
        backend = backend or self.llm
        if backend not in self._answerers:
            if backend == "none":
                self._answerers[backend] = OfflineReader()
            else:
                from .llm import LLMAnswerer

                s = self.settings.model_copy(update={"llm": backend})
                self._answerers[backend] = LLMAnswerer(s)
        return self._answerers[backend]

    def search(self, question: str, k: int | None = None) -> list[Passage]:
        return self.retriever.search(question, k or self.settings.top_k)

    def _prepare(self, question: str) -> tuple[str, list[str]]:
        q, truncated = clean_query(question, self.settings.max_question_chars)
        warnings = []
        if truncated:
            warnings.append(f"question truncated to its first {self.settings.max_question_chars} characters")
        return q, warnings

    def ask(self, question: str, k: int | None = None, backend: str | None = None) -> Answer:
        t0 = time.perf_counter()
        try:
            q, warnings = self._prepare(question)
        except QueryError as e:
            script = question_script(question or "") if (question or "").strip() else "zh-Hans"
            return Answer(question=question, answer=refusal_text(script), refused=True, warnings=[str(e)], backend="none")
        passages = self.search(q, k)
        t1 = time.perf_counter()
        ans = self.answerer(backend).run(q, passages)
        ans.question = question if len(question) <= len(q) else q
        ans.warnings = warnings + ans.warnings
        ans.passages = passages
        ans.timings.update(retrieve_ms=(t1 - t0) * 1000, total_ms=(time.perf_counter() - t0) * 1000)
        ans.timings.update({f"search_{k_}": v for k_, v in self.retriever.last_timings.items() if k_ != "total_ms"})
        return ans

    def stream(self, question: str, k: int | None = None, backend: str | None = None) -> Iterator[str | Answer]:
        """Yield answer text as it is produced, then the final checked :class:`Answer`."""
        answerer = self.answerer(backend)
        if not hasattr(answerer, "stream"):
            yield self.ask(question, k, backend)
            return
        t0 = time.perf_counter()
        try:
            q, warnings = self._prepare(question)
        except QueryError as e:
            yield Answer(question=question, answer=refusal_text("zh-Hans"), refused=True, warnings=[str(e)], backend="none")
            return
        passages = self.search(q, k)
        t1 = time.perf_counter()
        for item in answerer.stream(q, passages):
            if isinstance(item, Answer):
                item.warnings = warnings + item.warnings
                item.passages = passages
                item.timings.update(retrieve_ms=(t1 - t0) * 1000, total_ms=(time.perf_counter() - t0) * 1000)
            yield item
