"""The Milvus store: chunks, dense vectors and Milvus's own BM25 in one collection per index.

``RAG_STORE=milvus`` selects it; ``RAG_MILVUS_URI`` is either a local file
path ending in ``.db`` (Milvus Lite, embedded in this process, from the
``milvus-lite`` package) or ``http://host:19530`` (a Milvus server or
cluster). Both go through the same ``pymilvus.MilvusClient`` code path. With
no URI set, the Lite file is ``<index_dir>/milvus.db``.

Layout, for an index called ``<name>``::

    rag_<name>             one row per chunk
        chunk_id   VARCHAR primary key
        path       VARCHAR   resolved file path (deletes go by path)
        source     VARCHAR   file name
        embed_key  VARCHAR   hash of the embedded text (vector reuse)
        text_norm  VARCHAR   NFKC + traditional→simplified + lower case of "context\\ntext" (what FaissStore tokenises),
                             analyzer: jieba (search mode), punctuation and stop words dropped
        record     JSON      the chunk record as FaissStore keeps it (text, section, tokens, ...)
        dense      FLOAT_VECTOR(dim), metric IP on normalised vectors
        sparse     SPARSE_FLOAT_VECTOR, filled by Milvus's BM25 Function from text_norm
    rag_<name>__manifest   small rows: "meta" (embedder, dim, counts, generation),
                           one "file" row per indexed file (sha256 → incremental updates),
                           "vocab" shards (document frequency of the jieba tokens, for idf())

Writes are incremental: chunks of removed and changed files are deleted by a
``path in [...]`` filter, chunks of new and changed files are inserted, and
the ``generation`` in the meta row changes last, which is what ``refresh()``
watches.

Guarantees:

* **Atomicity**: none across a write. A write is *delete-then-insert* per changed
  file: Milvus has no transaction over several rows, so a write is a sequence of
  batches (delete the old chunks of the changed files, insert their new chunks,
  rewrite the file rows, the vocabulary and, last, the meta row with a new
  ``generation``). Each batch is applied whole; the write as a whole is not.
* **Readers during a write**: searches see the rows as they are at that moment
  (consistency level Strong): the chunks of a file being rewritten can be missing
  (after its delete, before its insert) and a search can return new chunks while
  the open store's ``manifest`` still describes the previous generation until
  :meth:`refresh`. Unchanged files are never touched, so their chunks stay
  searchable throughout.
* **Crash**: the files being rewritten are listed as ``pending`` in the meta row
  before their rows are deleted, and the generation changes only after the
  inserts: a writer killed mid-way leaves those files absent or half-inserted
  and listed as pending (their file rows dropped, so they are not counted as
  indexed); the next write over them deletes and reinserts them whole. Files not
  being rewritten are intact. Nothing is lost that was not being rewritten.

Example::

    >>> from rag.settings import Settings
    >>> from rag.indexer import Indexer
    >>> from rag.stores import open_store
    >>> s = Settings(store="milvus", milvus_uri="/tmp/rag-milvus.db")   # doctest: +SKIP
    >>> Indexer("demo", settings=s).run(["reports/"])                   # doctest: +SKIP
    >>> open_store(s, "demo").lexical_search("贫困村", 3)               # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import ClassVar, Iterable

import numpy as np

from ..lexical import BM25_B, BM25_K1, DOMAIN_WORDS, STOPWORDS, _jieba, idf_from_df, normalize_for_match, tokenize
from ..records import context_text
from ..settings import Settings
from ..types import IndexBusy, StoreUnavailable
from .base import Fault, StoreBase, at_step, check_format, not_found

log = logging.getLogger(__name__)


class _NoMvccWarning(logging.Filter):
    """Milvus Lite has no mvcc timestamp: pymilvus warns on every query_iterator; that is expected here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "mvccTs" not in record.getMessage()


logging.getLogger("pymilvus.client.iterator.query_iterator").addFilter(_NoMvccWarning())

FORMAT_VERSION = 1
META_KEY = "meta"
# punctuation the jieba analyzer would otherwise keep as tokens (rag.lexical.tokenize drops them too)
PUNCT = list("，。、；：？！“”‘’「」『』（）()【】[]《》〈〉…—–-·,.;:?!\"'`~@#$^&*_+=|\\/<>{}　 \t\n\r")
MAX_VARCHAR = 65535
TEXT_NORM_BYTES = 60000
INSERT_BATCH = 256
DELETE_BATCH = 200
VOCAB_SHARD_CHARS = 20000
RECORD_CACHE = 20000
EMPTY_DIGEST = hashlib.sha1(b"").hexdigest()


def _milvus():
    try:
        import pymilvus
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "the Milvus store needs pymilvus (and milvus-lite for a local .db file): pip install 'zhdocqa[milvus]'"
        ) from e
    return pymilvus


# ---------------------------------------------------------------- names and connections


def collection_names(name: str) -> tuple[str, str]:
    """Milvus collection names for an index: letters, digits and underscores only."""
    safe = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if safe != name:  # keep distinct index names distinct
        safe = f"{safe}_{hashlib.sha1(name.encode('utf-8')).hexdigest()[:6]}"
    base = f"rag_{safe}"[:200]
    return base, f"{base}__manifest"


def resolve_uri(settings: Settings) -> str:
    """``RAG_MILVUS_URI`` as pymilvus wants it; default: ``<index_dir>/milvus.db`` (Milvus Lite). Creates nothing."""
    uri = (settings.milvus_uri or "").strip()
    if not uri:
        uri = str(Path(settings.index_dir) / "milvus.db")
    if re.match(r"^(https?|tcp|unix)://", uri, re.I) or uri.startswith("unix:"):
        return uri
    if not uri.endswith(".db"):
        raise ValueError(f"RAG_MILVUS_URI={uri!r}: use http://host:19530 for a Milvus server or a local path ending in .db for Milvus Lite")
    return str(Path(uri).expanduser().resolve())


def is_lite(uri: str) -> bool:
    return uri.endswith(".db") and not re.match(r"^[a-z]+://", uri, re.I)


def connect(uri: str, token: str = "", create: bool = False):
    """A ``MilvusClient`` for ``uri``; a Milvus Lite file is created only when ``create`` (a write)."""
    pm = _milvus()
    if is_lite(uri):
        if create:
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
        # Milvus Lite tokenises with this process's jieba: give it the domain words rag.lexical uses
        _jieba()
    try:
        return pm.MilvusClient(uri=uri, token=token, timeout=10) if token else pm.MilvusClient(uri=uri, timeout=10)
    except pm.exceptions.MilvusException as e:
        detail = getattr(e, "message", None) or str(e)
        if is_lite(uri):
            raise IndexBusy(
                f"cannot open Milvus Lite file {uri}: {detail}. "
                "Milvus Lite lets one process at a time use a file (an indexer and a server need a Milvus server: RAG_MILVUS_URI=http://host:19530)"
            ) from None
        raise StoreUnavailable(f"cannot reach the Milvus server at {uri} ({detail}); check RAG_MILVUS_URI and that the server is up") from None


def _client(settings: Settings, create: bool = False):
    """(client, uri) for ``settings``; None for the client when a Milvus Lite file does not exist and ``create`` is off."""
    uri = resolve_uri(settings)
    if is_lite(uri) and not create and not Path(uri).exists():
        return None, uri
    return connect(uri, settings.milvus_token, create=create), uri


def analyzer_params(lite: bool) -> dict:
    """jieba (search mode) with punctuation and rag's stop words removed.

    On a server the domain dictionary travels in the params. Milvus Lite runs
    jieba inside this process, where rag.lexical has already added the same
    words (with its own frequencies): passing them again would re-weight them
    for rag.lexical.tokenize too, so they are left out there.
    """
    tok: dict = {"type": "jieba", "mode": "search", "hmm": True}
    filters: list = [{"type": "stop", "stop_words": sorted(STOPWORDS | set(PUNCT))}]
    if not lite:
        tok["dict"] = ["_default_", *DOMAIN_WORDS]
        filters = ["lowercase", "removepunct", *filters]
    return {"tokenizer": tok, "filter": filters}


def text_for_match(rec: dict) -> str:
    """What BM25 sees: the text FaissStore's BM25 tokenises (context + chunk text), normalised the same way."""
    t = normalize_for_match(f"{context_text(rec)}\n{rec.get('text') or ''}")
    b = t.encode("utf-8")
    return b[:TEXT_NORM_BYTES].decode("utf-8", "ignore") if len(b) > TEXT_NORM_BYTES else t


def _clip(s: str | None, n: int = 4096) -> str:
    s = s or ""
    b = s.encode("utf-8")
    return b[:n].decode("utf-8", "ignore") if len(b) > n else s


def _str_lit(s: str) -> str:
    """A double-quoted Milvus expression string literal."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def _batches(items: list, n: int) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


# ---------------------------------------------------------------- writer


class MilvusWriter:
    """Low-level writes; :meth:`MilvusStore.write` drives it (the memory benchmark too)."""

    def __init__(self, client, name: str, uri: str):
        self.client = client
        self.name = name
        self.uri = uri
        self.chunks, self.manifest_coll = collection_names(name)
        self.fresh = False  # collection created by this writer: plain inserts are safe

    # -------------------------------------------------------------- schema
    def exists(self) -> bool:
        return self.client.has_collection(self.chunks) and self.client.has_collection(self.manifest_coll)

    def load(self) -> None:
        """Collections come back released after a restart (Lite: every new process); searches need them loaded."""
        for c in (self.manifest_coll, self.chunks):
            self.client.load_collection(c)

    def drop(self) -> None:
        for c in (self.chunks, self.manifest_coll):
            if self.client.has_collection(c):
                self.client.drop_collection(c)

    def create(self, dim: int, hnsw_m: int = 32, ef_construction: int = 128) -> None:
        pm = _milvus()
        DataType = pm.DataType
        s = self.client.create_schema(auto_id=False, enable_dynamic_field=False, description=f"rag index {self.name}")
        s.add_field("chunk_id", DataType.VARCHAR, is_primary=True, max_length=128)
        s.add_field("path", DataType.VARCHAR, max_length=4096)
        s.add_field("source", DataType.VARCHAR, max_length=1024)
        s.add_field("embed_key", DataType.VARCHAR, max_length=64)
        s.add_field("text_norm", DataType.VARCHAR, max_length=MAX_VARCHAR, enable_analyzer=True, analyzer_params=analyzer_params(is_lite(self.uri)))
        s.add_field("record", DataType.JSON)
        s.add_field("dense", DataType.FLOAT_VECTOR, dim=int(dim))
        s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        s.add_function(pm.Function(name="text_norm_bm25", function_type=pm.FunctionType.BM25, input_field_names=["text_norm"], output_field_names=["sparse"]))
        ip = self.client.prepare_index_params()
        ip.add_index(field_name="dense", index_type="HNSW", metric_type="IP", params={"M": hnsw_m, "efConstruction": ef_construction})
        # the k1/b of rag.lexical (FaissStore's BM25 uses the same)
        ip.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                     params={"inverted_index_algo": "DAAT_MAXSCORE", "bm25_k1": BM25_K1, "bm25_b": BM25_B})
        self.client.create_collection(self.chunks, schema=s, index_params=ip, consistency_level="Strong")

        m = self.client.create_schema(auto_id=False, enable_dynamic_field=False, description=f"rag manifest {self.name}")
        m.add_field("key", DataType.VARCHAR, is_primary=True, max_length=512)
        m.add_field("kind", DataType.VARCHAR, max_length=16)
        m.add_field("data", DataType.JSON)
        m.add_field("v", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
        mip = self.client.prepare_index_params()
        mip.add_index(field_name="v", index_type="FLAT", metric_type="IP")
        self.client.create_collection(self.manifest_coll, schema=m, index_params=mip, consistency_level="Strong")
        self.fresh = True

    # -------------------------------------------------------------- manifest rows
    def _row(self, key: str, kind: str, data: dict) -> dict:
        return {"key": key, "kind": kind, "data": data, "v": [1.0, 0.0]}

    def read_meta(self) -> dict | None:
        rows = self.client.get(self.manifest_coll, ids=[META_KEY], output_fields=["data"])
        return dict(rows[0]["data"]) if rows else None

    def read_file_rows(self) -> dict[str, dict]:
        """path → the stored row data (the manifest entry plus ``_path`` and ``_digest``)."""
        out = {}
        for row in _query_all(self.client, self.manifest_coll, 'kind == "file"', ["data"]):
            out[row["data"]["_path"]] = dict(row["data"])
        return out

    def read_files(self) -> dict[str, dict]:
        """The manifest's ``files``: path → entry, as FaissStore keeps it."""
        return {p: {k: v for k, v in d.items() if not k.startswith("_")} for p, d in self.read_file_rows().items()}

    def read_vocab(self) -> dict[str, int]:
        df: dict[str, int] = {}
        for row in _query_all(self.client, self.manifest_coll, 'kind == "vocab"', ["data"]):
            df.update(row["data"]["df"])
        return df

    def write_meta(self, meta: dict) -> None:
        self.client.upsert(self.manifest_coll, [self._row(META_KEY, "meta", meta)])

    @staticmethod
    def file_key(path: str) -> str:
        return "file:" + hashlib.sha1(path.encode("utf-8")).hexdigest()

    def drop_file_rows(self, paths: Iterable[str]) -> None:
        keys = [self.file_key(p) for p in paths]
        for b in _batches(keys, DELETE_BATCH):
            self.client.delete(self.manifest_coll, ids=b)

    def write_file_rows(self, files: dict[str, dict], digests: dict[str, str] | None = None) -> None:
        digests = digests or {}
        rows = [self._row(self.file_key(p), "file", {**info, "_path": p, "_digest": digests.get(p, EMPTY_DIGEST)}) for p, info in files.items()]
        for b in _batches(rows, INSERT_BATCH):
            self.client.upsert(self.manifest_coll, b)

    def write_vocab(self, df: dict[str, int]) -> None:
        self.client.delete(self.manifest_coll, filter='kind == "vocab"')
        rows, shard, size = [], {}, 0
        for t, n in sorted(df.items()):
            shard[t] = int(n)
            size += len(t) + 8
            if size >= VOCAB_SHARD_CHARS:
                rows.append(shard)
                shard, size = {}, 0
        if shard:
            rows.append(shard)
        out = [self._row(f"vocab:{i:06d}", "vocab", {"df": d}) for i, d in enumerate(rows)]
        for b in _batches(out, 64):
            self.client.insert(self.manifest_coll, b)

    # -------------------------------------------------------------- chunk rows
    def delete_paths(self, paths: Iterable[str]) -> None:
        paths = sorted(set(paths))
        for b in _batches(paths, DELETE_BATCH):
            # Milvus Lite has no filter templates (filter_params): quote the paths ourselves
            self.client.delete(self.chunks, filter=f"path in [{', '.join(_str_lit(p) for p in b)}]")

    def add(self, records: list[dict], vectors: np.ndarray) -> int:
        """Insert chunk rows (upsert unless the collection is new); returns the row count."""
        vectors = np.asarray(vectors, dtype=np.float32)
        rows = []
        for r, v in zip(records, vectors):
            rows.append(
                {
                    "chunk_id": r["chunk_id"],
                    "path": _clip(r.get("path")),
                    "source": _clip(r.get("source"), 1024),
                    "embed_key": r.get("embed_key") or "",
                    "text_norm": text_for_match(r),
                    "record": r,
                    "dense": v.tolist(),
                }
            )
        op = self.client.insert if self.fresh else self.client.upsert
        for b in _batches(rows, INSERT_BATCH):
            op(self.chunks, b)
        return len(rows)

    def flush(self) -> None:
        for c in (self.chunks, self.manifest_coll):
            try:
                self.client.flush(c)
            except Exception as e:  # flush is an optimisation (seals segments); never fail a write on it
                log.debug("flush %s: %s", c, e)


def _query_all(client, collection: str, expr: str, fields: list[str], batch: int = 1000) -> Iterable[dict]:
    it = client.query_iterator(collection, batch_size=batch, filter=expr, output_fields=fields)
    try:
        while True:
            page = it.next()
            if not page:
                break
            yield from page
    finally:
        it.close()


def chunk_digests(records: Iterable[dict]) -> dict[str, str]:
    """path → hash of its chunks' ids and embed keys: what is stored for that file, whatever the manifest says."""
    by_path: dict[str, list[str]] = {}
    for r in records:
        by_path.setdefault(r.get("path") or "", []).append(f"{r['chunk_id']}:{r.get('embed_key') or ''}")
    return {p: hashlib.sha1("\n".join(sorted(v)).encode("utf-8")).hexdigest() for p, v in by_path.items()}


def document_frequencies(records: Iterable[dict]) -> Counter:
    df: Counter = Counter()
    for r in records:
        df.update(set(r.get("tokens") or ()))
    return df


# ---------------------------------------------------------------- store


class MilvusStore(StoreBase):
    """Store protocol over Milvus: dense (IP) and BM25 (Milvus Function) searches, records by id."""

    kind: ClassVar[str] = "milvus"

    def __init__(self, client, name: str, uri: str, meta: dict, files: dict[str, dict]):
        self.client = client
        self.name = name
        self.uri = uri
        self.chunks, self.manifest_coll = collection_names(name)
        self._set_manifest(meta, files)

    def _set_manifest(self, meta: dict, files: dict[str, dict]) -> None:
        self.manifest = {k: v for k, v in meta.items() if k not in ("pending", "generation")}
        self.version = meta.get("generation")
        self.pending = list(meta.get("pending") or ())
        # a file an interrupted write was rewriting is not indexed (so the next run indexes it again)
        self.manifest["files"] = {p: info for p, info in files.items() if p not in set(self.pending)}
        self.manifest["store"] = "milvus"
        self._cache: dict[str, dict] = {}
        self._records: list[dict] | None = None
        self._vectors: np.ndarray | None = None
        self._df: dict[str, int] | None = None

    def _writer(self) -> "MilvusWriter":
        return MilvusWriter(self.client, self.name, self.uri)

    # -------------------------------------------------------------- opening
    @classmethod
    def _existing(cls, settings: Settings, name: str) -> "MilvusStore | None":
        client, uri = _client(settings)
        if client is None:
            return None
        w = MilvusWriter(client, name, uri)
        if not w.exists():
            return None
        w.load()
        meta = w.read_meta()
        if meta is None:
            return None
        check_format(name, uri, meta.get("format_version"), FORMAT_VERSION)
        return cls(client, name, uri, meta, w.read_files())

    @classmethod
    def exists(cls, settings: Settings, name: str) -> bool:
        client, uri = _client(settings)
        if client is None:
            return False
        w = MilvusWriter(client, name, uri)
        if not w.exists():
            return False
        w.load()
        return w.read_meta() is not None

    @classmethod
    def open(cls, settings: Settings, name: str, for_update: bool = False) -> "MilvusStore":
        """The index ``name`` as it is in Milvus (records carry their BM25 tokens, so ``for_update`` changes nothing)."""
        store = cls._existing(settings, name)
        if store is None:
            raise not_found(name, resolve_uri(settings), env="RAG_STORE=milvus")
        return store

    @classmethod
    def drop(cls, settings: Settings, name: str) -> None:
        client, uri = _client(settings)
        if client is not None:
            MilvusWriter(client, name, uri).drop()

    # -------------------------------------------------------------- refresh (StoreBase.refresh)
    def _live_version(self) -> str | None:
        try:
            meta = self._writer().read_meta()
        except Exception as e:  # noqa: BLE001 - collection dropped mid-rebuild, server away: keep answering from what we have
            log.warning("Milvus index '%s': cannot read its manifest (%s)", self.name, e)
            return None
        return None if meta is None else meta.get("generation")

    def _reload(self) -> None:
        w = self._writer()
        meta = w.read_meta()
        if meta is not None:
            self._set_manifest(meta, w.read_files())

    # -------------------------------------------------------------- reading
    @property
    def count(self) -> int:
        return int(self.manifest.get("chunk_count", 0))

    def _remember(self, hits) -> list[tuple[str, float]]:
        out = []
        for h in hits:
            cid = h["id"] if "id" in h else h["chunk_id"]
            ent = h.get("entity") or {}
            rec = ent.get("record")
            if rec is not None:
                self._keep(cid, rec)
            out.append((cid, float(h["distance"])))
        return out

    def _search(self, data, field: str, n: int, params: dict) -> list[tuple[str, float]]:
        res = self.client.search(self.chunks, data=[data], anns_field=field, limit=int(n), output_fields=["record"], search_params=params)
        return self._remember(res[0] if res else [])

    def dense_search(self, qvec: np.ndarray, n: int) -> list[tuple[str, float]]:
        if self.count == 0 or n <= 0:
            return []
        q = np.asarray(qvec, dtype=np.float32).reshape(-1).tolist()
        return self._search(q, "dense", n, {"metric_type": "IP", "params": {"ef": max(128, 2 * int(n))}})

    def lexical_search(self, query: str, n: int) -> list[tuple[str, float]]:
        if self.count == 0 or n <= 0 or not tokenize(query):
            return []
        hits = self._search(normalize_for_match(query), "sparse", n, {"metric_type": "BM25"})
        # Milvus Lite reports -score as the distance (smaller is better), a server the score: rank order is what counts
        return [(cid, abs(s)) for cid, s in hits if s != 0.0]

    def get(self, chunk_id: str) -> dict:
        rec = self._cache.get(chunk_id)
        if rec is None:
            rows = self.client.get(self.chunks, ids=[chunk_id], output_fields=["record"])
            if not rows:
                raise KeyError(chunk_id)
            rec = rows[0]["record"]
            self._keep(chunk_id, rec)
        return rec

    def _keep(self, chunk_id: str, rec: dict) -> None:
        if len(self._cache) >= RECORD_CACHE:  # bounded: a long-running server must not grow without end
            self._cache.clear()
        self._cache[chunk_id] = rec

    def records(self) -> list[dict]:
        if self._records is None:
            recs = [row["record"] for row in _query_all(self.client, self.chunks, "", ["record"])]
            recs.sort(key=lambda r: (r.get("path") or "", r.get("ordinal") or 0, r["chunk_id"]))
            self._records = recs
        return self._records

    @property
    def vectors(self) -> np.ndarray:
        """Dense vectors aligned with :meth:`records` (fetched on first use: the Indexer's vector reuse)."""
        if self._vectors is None:
            recs = self.records()
            dim = int(self.manifest.get("dim", 0))
            by_id = {row["chunk_id"]: row["dense"] for row in _query_all(self.client, self.chunks, "", ["chunk_id", "dense"])}
            out = np.zeros((len(recs), dim), np.float32)
            for i, r in enumerate(recs):
                out[i] = by_id[r["chunk_id"]]
            self._vectors = out
        return self._vectors

    def _vocab(self) -> dict[str, int]:
        if self._df is None:
            self._df = self._writer().read_vocab()
        return self._df

    def vocabulary(self) -> set[str]:
        return set(self._vocab())

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """rag.lexical's IDF, from the document frequencies kept in the manifest."""
        return idf_from_df(self._vocab(), self.count, tokens)

    # -------------------------------------------------------------- writing
    @classmethod
    def write(cls, settings: Settings, name: str, records: list[dict], vectors: np.ndarray, manifest: dict, fault: Fault = None) -> str:
        """Bring the Milvus index to exactly ``records`` (all chunks of the new index) and ``manifest``.

        Only files whose manifest entry changed are touched: their old chunks are
        deleted by path, their new chunks inserted (see the guarantees above). A
        different embedder or dimension (``--rebuild``) recreates the collections.
        Returns the new generation.
        """
        client, uri = _client(settings, create=True)
        w = MilvusWriter(client, name, uri)
        dim = int(manifest["dim"])
        meta = None
        if w.exists():
            w.load()
            meta = w.read_meta()
        if meta is None or int(meta.get("dim", -1)) != dim or meta.get("embedder") != manifest.get("embedder") or meta.get("format_version") != FORMAT_VERSION:
            w.drop()
            w.create(dim)
            old_rows: dict[str, dict] = {}
            pending: list[str] = []
        else:
            old_rows = w.read_file_rows()
            pending = list(meta.get("pending") or ())
        old_files = {p: {k: v for k, v in d.items() if not k.startswith("_")} for p, d in old_rows.items()}
        new_files: dict[str, dict] = manifest.get("files", {})
        digests = chunk_digests(records)
        touched = set(pending)
        touched |= {p for p, info in old_files.items() if new_files.get(p) != info}
        touched |= {p for p, info in new_files.items() if old_files.get(p) != info}
        # same manifest entry but other chunks (e.g. --rebuild within the same second with another chunker)
        touched |= {p for p in new_files if old_rows.get(p, {}).get("_digest") != digests.get(p, EMPTY_DIGEST)}
        base = {k: v for k, v in manifest.items() if k not in ("files", "store")}
        base["format_version"] = FORMAT_VERSION
        if meta is not None and not w.fresh:
            # announce the files being rewritten: an interrupted write is redone by the next run
            w.write_meta({**meta, "pending": sorted(touched)})
            w.drop_file_rows(touched)
            w.delete_paths(touched)
        at_step(fault, "vectors", "the Milvus index")  # after the deletes, before the inserts
        sel = [i for i, r in enumerate(records) if r.get("path") in touched]
        if sel:
            w.add([records[i] for i in sel], np.asarray(vectors, dtype=np.float32)[sel])
        w.write_file_rows({p: new_files[p] for p in touched if p in new_files}, digests)
        w.write_vocab(document_frequencies(records))
        at_step(fault, "commit", "the Milvus index")
        generation = f"g-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        w.write_meta({**base, "chunk_count": len(records), "pending": [], "generation": generation})
        w.flush()
        return generation

    @classmethod
    def remove(cls, settings: Settings, name: str, paths: list[str], fault: Fault = None) -> str:
        """Delete the chunks of ``paths``; no vector is read or written (nothing is inserted)."""
        store = cls.open(settings, name)
        gone = set(paths)
        files = {p: info for p, info in store.manifest.get("files", {}).items() if p not in gone}
        # only chunks of files still listed stay (a pending file's leftovers go with the delete of its path)
        records = [r for r in store.records() if r.get("path") in files]
        # the write inserts rows only for changed files, and no remaining file changed: these vectors are never read
        placeholder = np.zeros((len(records), int(store.manifest.get("dim", 1))), np.float32)
        manifest = {**store.manifest, "files": files, "chunk_count": len(records)}
        return cls.write(settings, name, records, placeholder, manifest, fault=fault)


__all__ = ["MilvusStore", "MilvusWriter", "resolve_uri", "collection_names", "text_for_match", "analyzer_params", "connect"]
