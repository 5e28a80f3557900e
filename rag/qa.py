"""The question-answering pipeline: question → retrieved passages → cited answer.

:class:`Assistant` ties one :class:`~rag.retrieve.HybridRetriever` (one index) to
the answerers ``settings.llm`` can name: the offline reader (``none``) or an LLM
(``openai``, ``gguf``) whose answer is checked figure by figure
(:mod:`rag.llm`). The question is cleaned once (:class:`~rag.retrieve.Query`);
a question with nothing to search for is refused, never searched.

Example::

    >>> from rag.qa import Assistant
    >>> from rag.settings import Settings
    >>> bot = Assistant(Settings(index_name="reports"))          # doctest: +SKIP
    >>> a = bot.ask("2014年审定贫困村多少个？")                    # doctest: +SKIP
    >>> a.answer, a.citations[0].quote                           # doctest: +SKIP
    ('55个[1]', '2014年审定贫困村55个')
"""
from __future__ import annotations

import logging
import time
from typing import Iterator

from .reader import OfflineReader
from .reader.model import load_model
from .answering import question_script, refusal_text
from .retrieve import HybridRetriever, Query
from .settings import Settings
from .table_qa import TableAnswerer
from .types import Answer, Passage, QueryError

log = logging.getLogger(__name__)


class Assistant:
    """Ties a :class:`HybridRetriever` to an answerer chosen by settings (offline reader or an LLM)."""

    def __init__(self, settings: Settings, name: str | None = None, llm: str | None = None, retriever: HybridRetriever | None = None):
        self.settings = settings
        self.name = name or self.settings.index_name
        self.llm = llm or self.settings.llm
        self._retriever = retriever
        self._answerers: dict[str, object] = {}
        self.tables = TableAnswerer()  # a cell or two compared rows, read from retrieved table rows, before any reader

    @property
    def retriever(self) -> HybridRetriever:
        if self._retriever is None:
            self._retriever = HybridRetriever.from_settings(self.settings, self.name)
        return self._retriever

    def answerer(self, backend: str | None = None):
        backend = backend or self.llm
        if backend not in self._answerers:
            if backend == "none":
                self._answerers[backend] = OfflineReader(load_model(self.settings.reader_model))
            else:
                from .llm import LLMAnswerer

                s = self.settings.model_copy(update={"llm": backend})
                self._answerers[backend] = LLMAnswerer(s)
        return self._answerers[backend]

    def search(self, question: "str | Query", k: int | None = None) -> list[Passage]:
        return self.retriever.search(self.query(question), k or self.settings.top_k)

    def query(self, question: "str | Query") -> Query:
        """The question cleaned (once: a :class:`Query` passes through); :class:`QueryError` when empty."""
        return Query.parse(question, self.settings.max_question_chars)

    def _refusal(self, question: "str | Query", err: QueryError) -> Answer:
        raw = question.raw if isinstance(question, Query) else (question or "")
        script = question_script(raw) if raw.strip() else "zh-Hans"
        return Answer(question=raw, answer=refusal_text(script), refused=True, warnings=[str(err)], backend="none")

    def _finish(self, ans: Answer, q: Query, passages: list[Passage], t0: float, t1: float) -> Answer:
        ans.question = q.raw if len(q.raw) <= len(q.text) else q.text
        ans.warnings = q.warnings + ans.warnings
        ans.passages = passages
        ans.timings.update(retrieve_ms=(t1 - t0) * 1000, total_ms=(time.perf_counter() - t0) * 1000)
        ans.timings.update({f"search_{k_}": v for k_, v in self.retriever.last_timings.items() if k_ != "total_ms"})
        return ans

    def ask(self, question: "str | Query", k: int | None = None, backend: str | None = None) -> Answer:
        """Retrieve ``k`` passages and answer from them; a question with nothing to search is refused."""
        t0 = time.perf_counter()
        try:
            q = self.query(question)
        except QueryError as e:
            return self._refusal(question, e)
        passages = self.retriever.search(q, k or self.settings.top_k)
        t1 = time.perf_counter()
        ans = self.tables.run(q.text, passages) or self.answerer(backend).run(q.text, passages)
        return self._finish(ans, q, passages, t0, t1)

    def stream(self, question: "str | Query", k: int | None = None, backend: str | None = None) -> Iterator[str | Answer]:
        """Yield answer text as it is produced, then the final checked :class:`Answer`."""
        answerer = self.answerer(backend)
        if not hasattr(answerer, "stream"):
            yield self.ask(question, k, backend)
            return
        t0 = time.perf_counter()
        try:
            q = self.query(question)
        except QueryError as e:
            yield self._refusal(question, e)
            return
        passages = self.retriever.search(q, k or self.settings.top_k)
        t1 = time.perf_counter()
        table_answer = self.tables.run(q.text, passages)
        if table_answer is not None:
            yield self._finish(table_answer, q, passages, t0, t1)
            return
        for item in answerer.stream(q.text, passages):
            if isinstance(item, Answer):
                item = self._finish(item, q, passages, t0, t1)
            yield item
