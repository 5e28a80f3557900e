"""Hybrid retrieval: dense (e5) and BM25 (jieba) candidates fused by reciprocal rank fusion.

English questions reach Chinese text through the multilingual dense leg; BM25
carries exact terms and figures, and is blind to script (traditional and
simplified match each other).

Example::

    >>> from rag.retrieve import HybridRetriever, Query
    >>> Query.parse("  全县\\t有多少个\\n行政村？ ", max_chars=2000).text
    '全县 有多少个 行政村？'
    >>> r = HybridRetriever.from_settings(Settings(index_name="reports"))   # doctest: +SKIP
    >>> r.search("2014年审定贫困村多少个？", k=3)[0].doc                     # doctest: +SKIP
    'county_report.txt'
    >>> r.invoke("How many poor villages were there?")    # LangChain Documents  # doctest: +SKIP
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .crosslingual import build_place_index, learned_places, translate_query
from .embeddings import BaseEmbedder, get_embedder
from .lexical import tokenize
from .normalize import is_english, split_sentences
from .settings import Settings
from .types import EmbedderMismatch, Passage, QueryError

_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# terminal escape sequences (colours, cursor moves, titles) go whole, not just their ESC byte
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def clean_query(text: str, max_chars: int) -> tuple[str, bool]:
    """Strip control characters and collapse white space; cut to ``max_chars``. Returns (query, truncated)."""
    q = _CTRL.sub(" ", _ANSI.sub(" ", text or ""))
    q = re.sub(r"\s+", " ", q).strip()
    if not q or not re.search(r"[\w\u3400-\u9fff]", q):
        raise QueryError("the question is empty (no words or characters to search for)")
    truncated = len(q) > max_chars
    return (q[:max_chars], truncated)


@dataclass(frozen=True)
class Query:
    """A question cleaned once (:func:`clean_query`): what the retriever and the answerer get.

    ``raw`` is what the user typed, ``text`` what is searched, ``truncated`` whether it was cut.
    """

    raw: str
    text: str
    truncated: bool = False
    max_chars: int = 2000

    @classmethod
    def parse(cls, raw: "str | Query", max_chars: int) -> "Query":
        """Clean ``raw`` (a ``Query`` passes through); :class:`QueryError` when nothing is left to search."""
        if isinstance(raw, Query):
            return raw
        text, truncated = clean_query(raw, max_chars)
        return cls(raw=raw, text=text, truncated=truncated, max_chars=max_chars)

    @property
    def warnings(self) -> list[str]:
        return [f"question truncated to its first {self.max_chars} characters"] if self.truncated else []


@lru_cache(maxsize=1)
def learned_english_bm25_weight() -> float:
    """How much more the BM25 leg counts for an English question (its terms translated to Chinese) than
    for a Chinese one: learned on dev by ``eval/tune_english_fusion.py`` (``rag/data/english_fusion.json``);
    1.0 without the file."""
    res = files("rag.data") / "english_fusion.json"
    if not res.is_file():
        return 1.0
    return float(json.loads(res.read_text(encoding="utf-8"))["bm25_weight_en"])


def rerank_head(order: list[str], depth: int, lexical=(), best: int = 3) -> tuple[list[str], list[str]]:
    """The chunks the reranker re-scores (the fused list's first ``depth``) and the rest, in order.

    With ``lexical`` (an English question's BM25 hits) BM25's ``best`` first hits join the head: the
    dense leg reads an English question across languages and often misses the chunk its translated
    terms find, and reciprocal rank fusion alone buries a chunk only one leg ranks.

    >>> rerank_head(["a", "b", "c", "d"], 2)
    (['a', 'b'], ['c', 'd'])
    >>> rerank_head(["a", "b", "c", "d"], 2, [("d", 9.1), ("a", 7.0)])
    (['a', 'b', 'd'], ['c'])
    """
    head, tail = order[:depth], order[depth:]
    extra = [cid for cid, _ in list(lexical)[:best] if cid not in head]
    return head + extra, [cid for cid in tail if cid not in extra]


class HybridRetriever(BaseRetriever):
    """LangChain retriever over a :class:`~rag.stores.base.Store`: dense + BM25 fused by weighted RRF."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Any
    embedder: Any
    k: int = 10
    candidates: int = 50
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    rrf_k: int = 60
    max_query_chars: int = 2000
    rerank_weight: float = 0.5
    rerank_depth: int = 20
    english_bm25_weight: float | None = None  # None: the learned weight (learned_english_bm25_weight)
    last_timings: dict = {}
    _places: Any = None

    @classmethod
    def from_settings(cls, settings: Settings, name: str | None = None, store=None, embedder: BaseEmbedder | None = None) -> "HybridRetriever":
        """The retriever over index ``name`` (default ``settings.index_name``) with the embedder that built it."""
        from .stores import open_store

        s = settings
        store = store or open_store(s, name)
        emb_name = store.manifest.get("embedder") or s.embedder
        embedder = embedder or get_embedder(emb_name if emb_name.startswith("st:") else s.embedder, allow_download=s.allow_download)
        if getattr(embedder, "id", None) and store.manifest.get("embedder") and embedder.id != store.manifest["embedder"]:
            raise EmbedderMismatch(
                f"index '{name or s.index_name}' was built with {store.manifest['embedder']!r}, "
                f"but the embedder in use is {embedder.id!r}; rebuild the index or change RAG_EMBEDDER"
            )
        return cls(
            store=store,
            embedder=embedder,
            k=s.top_k,
            candidates=s.candidates,
            dense_weight=s.dense_weight,
            bm25_weight=s.bm25_weight,
            rrf_k=s.rrf_k,
            rerank_weight=s.rerank_weight,
            rerank_depth=s.rerank_depth,
            max_query_chars=s.max_question_chars,
            last_timings={},
        )

    def search(self, query: "str | Query", k: int | None = None) -> list[Passage]:
        """The ``k`` best passages for ``query`` (a string is cleaned first; a :class:`Query` is used as it is)."""
        k = self.k if k is None else k
        if k < 1:
            raise QueryError(f"k: the number of passages must be at least 1, not {k}")
        q = Query.parse(query, self.max_query_chars).text
        t0 = time.perf_counter()
        self.store.refresh()
        n = max(self.candidates, k)
        qvec = self.embedder.encode_query(q)
        t1 = time.perf_counter()
        dense = self.store.dense_search(qvec, n)
        t2 = time.perf_counter()
        lexical_query = q
        bm25_w = self.bm25_weight
        if is_english(q):
            lexical_query = translate_query(q, self._place_names())
            w_en = self.english_bm25_weight if self.english_bm25_weight is not None else learned_english_bm25_weight()
            bm25_w *= w_en if lexical_query.strip() else 0.0
        lexical = self.store.lexical_search(lexical_query, n) if lexical_query.strip() else []
        t3 = time.perf_counter()
        fused, info = self._fuse(dense, lexical, bm25_w)
        order = sorted(fused, key=lambda c: -fused[c])
        if self.rerank_weight > 0 and lexical_query.strip():
            head, tail = rerank_head(order, max(k, self.rerank_depth), lexical if lexical_query is not q else ())
            order = self._rerank(lexical_query, head, fused) + tail
        out = [self._passage(rank, cid, fused[cid], info[cid]) for rank, cid in enumerate(order[:k], start=1)]
        self.last_timings = {
            "embed_ms": (t1 - t0) * 1000,
            "dense_ms": (t2 - t1) * 1000,
            "bm25_ms": (t3 - t2) * 1000,
            "total_ms": (time.perf_counter() - t0) * 1000,
        }
        return out

    def _fuse(self, dense: list[tuple[str, float]], lexical: list[tuple[str, float]], bm25_w: float) -> tuple[dict[str, float], dict[str, dict]]:
        """Weighted reciprocal rank fusion of the two legs: (chunk → score, chunk → each leg's rank and score)."""
        fused: dict[str, float] = {}
        info: dict[str, dict] = {}
        for leg, weight, hits in (("dense", self.dense_weight, dense), ("bm25", bm25_w, lexical)):
            for rank, (cid, s) in enumerate(hits, start=1):
                fused[cid] = fused.get(cid, 0.0) + weight / (self.rrf_k + rank)
                info.setdefault(cid, {}).update({f"{leg}_rank": rank, f"{leg}_score": s})
        return fused, info

    def _passage(self, rank: int, cid: str, score: float, info: dict) -> Passage:
        r = self.store.get(cid)
        return Passage(
            rank=rank,
            doc=r["source"],
            chunk_id=cid,
            section=r.get("section") or "",
            text=r["text"],
            score=score,
            page=r.get("page"),
            title=r.get("title"),
            start=r.get("start"),
            end=r.get("end"),
            script=r.get("script"),
            doc_places=r.get("doc_places"),
            table=r.get("table"),
            ocr=bool(r.get("ocr")),
            **info,
        )

    def _rerank(self, query: str, order: list[str], fused: dict[str, float]) -> list[str]:
        """Re-score the head of the fused list by the best single sentence's IDF-weighted coverage of the query.

        A figure and its subject sit in one sentence; a chunk that merely mentions
        the query words in different places should not outrank it.
        """
        q_tokens = list(dict.fromkeys(tokenize(query)))
        if not q_tokens:
            return order
        idf = self.store.idf(q_tokens)
        total = sum(idf.values()) or 1.0
        top = max(fused[c] for c in order)
        scored = []
        for cid in order:
            rec = self.store.get(cid)
            best = 0.0
            # a sentence counts together with its chunk's context (heading path, the document's places):
            # "全市累计减贫3.84万户" answers a question about 昌都市 in a document about 昌都市
            head = set(tokenize(f"{rec.get('section') or ''} {' '.join(rec.get('doc_places') or [])}"))
            for i, j in split_sentences(rec["text"]):
                toks = set(tokenize(rec["text"][i:j])) | head
                best = max(best, sum(idf[t] for t in q_tokens if t in toks) / total)
            scored.append((fused[cid] / top + self.rerank_weight * best, cid))
        scored.sort(key=lambda x: -x[0])
        return [cid for _, cid in scored]

    def _place_names(self) -> dict[str, str]:
        key = getattr(self.store, "version", None) or id(self.store)
        if self._places is None or self._places[0] != key:
            self._places = (key, build_place_index(self.store.vocabulary(), learned_places(self.store.records())))
        return self._places[1]

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [p.to_document() for p in self.search(query)]
