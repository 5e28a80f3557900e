"""The FAISS store (the default): an index is a directory of versioned files under ``<index_dir>/<name>/``.

Layout::

    <index_dir>/<name>/CURRENT          name of the live version (replaced atomically)
    <index_dir>/<name>/v-<stamp>/       manifest.json, chunks.jsonl, tokens.jsonl, vectors.npy, dense.faiss, bm25.npz, bm25_vocab.json
    <index_dir>/<name>.lock             held by the one writer (:func:`rag.indexer.index_lock`)

Dense search is FAISS inner product on normalised vectors (exact below
``settings.ann_threshold`` chunks, HNSW above); lexical search is a BM25 matrix
saved at write time (:class:`rag.lexical.BM25`).

Guarantees:

* **Atomicity**: a write builds a complete new version in a temporary directory,
  fsyncs it, renames it into place and then replaces ``CURRENT`` with
  ``os.replace``: a reader sees the old version or the whole new one, never a mix.
* **Readers during a write**: an open store keeps answering from the version it
  loaded (its files are not touched) until :meth:`refresh`, which loads the new one.
  The previous version is kept on disk (``keep=2``) for readers still on it.
* **Crash**: a writer killed at any point leaves ``CURRENT`` naming a complete
  version (the previous one, or the new one if the swap happened); the temporary
  directory it left is removed by a later write.

Example::

    >>> import tempfile, numpy as np
    >>> from rag.settings import Settings
    >>> from rag.lexical import tokenize
    >>> s = Settings(index_dir=tempfile.mkdtemp())
    >>> FaissStore.exists(s, "demo")
    False
    >>> recs = [{"chunk_id": "a#0", "text": "全县辖8乡5镇", "path": "/docs/a.txt", "source": "a.txt", "tokens": tokenize("全县辖8乡5镇")}]
    >>> version = FaissStore.write(s, "demo", recs, np.ones((1, 4), np.float32) / 2, {"embedder": "test", "dim": 4, "files": {}})
    >>> store = FaissStore.open(s, "demo")
    >>> store.count, store.lexical_search("几个镇", 1)[0][0]
    (1, 'a#0')
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
import uuid
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..lexical import BM25, idf_weights, tokenize
from ..settings import Settings
from ..types import IndexFormatError
from .base import Fault, StoreBase, at_step, check_format, damaged, not_found

FORMAT_VERSION = 2
VERSION_FILES = ("manifest.json", "chunks.jsonl", "tokens.jsonl", "vectors.npy", "dense.faiss", "bm25.npz", "bm25_vocab.json")


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(str(path), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def index_root(settings: Settings, name: str) -> Path:
    return Path(settings.index_dir) / name


class FaissStore(StoreBase):
    """FAISS (inner product on normalised vectors) plus a saved BM25 matrix, in versioned files."""

    kind: ClassVar[str] = "faiss"

    def __init__(self, root: Path, version: str, manifest: dict, records: list[dict], vectors: np.ndarray, faiss_index, bm25: BM25):
        self.root = root
        self.name = root.name
        self.version = version
        self.manifest = manifest
        self._records = records
        self._vectors = vectors
        self.faiss_index = faiss_index
        self.bm25 = bm25
        self._pos = {r["chunk_id"]: i for i, r in enumerate(records)}
        self._with_tokens = False

    # -------------------------------------------------------------- opening
    @staticmethod
    def current_version(root: Path) -> str | None:
        """The version ``CURRENT`` names, if it is complete enough to open."""
        cur = Path(root) / "CURRENT"
        if not cur.exists():
            return None
        v = cur.read_text().strip()
        return v if v and (Path(root) / v / "manifest.json").exists() else None

    @classmethod
    def exists(cls, settings: Settings, name: str) -> bool:
        return cls.current_version(index_root(settings, name)) is not None

    @classmethod
    def open(cls, settings: Settings, name: str, for_update: bool = False) -> "FaissStore":
        """The live version of index ``name`` under ``settings.index_dir``.

        Readers skip the BM25 tokens (``tokens.jsonl``); ``for_update=True`` (the
        indexer) loads them too.
        """
        return cls.load(index_root(settings, name), with_tokens=for_update)

    @classmethod
    def load(cls, root: Path | str, with_tokens: bool = False) -> "FaissStore":
        """Load the live version of the index directory ``root``."""
        import faiss

        root = Path(root)
        version = cls.current_version(root)
        if version is None:
            raise not_found(root.name, str(root.parent))
        d = root / version
        part = "manifest.json"
        try:
            manifest = json.loads((d / part).read_text(encoding="utf-8"))
            check_format(root.name, str(root.parent), manifest.get("format_version"), FORMAT_VERSION)
            part = "chunks.jsonl"
            with open(d / part, encoding="utf-8") as f:
                records = [json.loads(line) for line in f if line.strip()]
            if with_tokens:
                part = "tokens.jsonl"
                with open(d / part, encoding="utf-8") as f:
                    for rec, line in zip(records, f):
                        rec["tokens"] = [sys.intern(t) for t in json.loads(line)]
            part = "vectors.npy"
            vectors = np.load(d / part)
            part = "dense.faiss"
            index = faiss.read_index(str(d / part))
            part = "bm25"
            bm25 = BM25.load(d)
        except IndexFormatError:
            raise
        except Exception as e:  # noqa: BLE001 - any unreadable part: a truncated or overwritten file
            raise damaged(root.name, str(root.parent), part, e) from None
        n = len(records)
        if not (vectors.shape[0] == index.ntotal == bm25.n_docs == n):
            raise damaged(root.name, str(root.parent), "version files",
                          ValueError(f"{n} chunks, {vectors.shape[0]} vectors, {index.ntotal} in dense.faiss, {bm25.n_docs} in bm25"))
        if hasattr(index, "hnsw"):
            index.hnsw.efSearch = max(256, index.hnsw.efSearch)
        store = cls(root, version, manifest, records, vectors, index, bm25)
        store._with_tokens = with_tokens
        return store

    def _live_version(self) -> str | None:
        return self.current_version(self.root)

    def _reload(self) -> None:
        new = FaissStore.load(self.root, with_tokens=self._with_tokens)
        self.__dict__.update(new.__dict__)

    # -------------------------------------------------------------- reading
    @property
    def count(self) -> int:
        return len(self._records)

    @property
    def vectors(self) -> np.ndarray:
        return self._vectors

    def records(self) -> list[dict]:
        return self._records

    def get(self, chunk_id: str) -> dict:
        return self._records[self._pos[chunk_id]]

    def dense_search(self, qvec: np.ndarray, n: int) -> list[tuple[str, float]]:
        if not self._records or n <= 0:
            return []
        q = np.asarray(qvec, dtype=np.float32).reshape(1, -1)
        scores, ids = self.faiss_index.search(q, min(n, self.count))
        return [(self._records[i]["chunk_id"], float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def lexical_search(self, query: str, n: int) -> list[tuple[str, float]]:
        if n <= 0:
            return []
        return [(self._records[i]["chunk_id"], s) for i, s in self.bm25.search(tokenize(query), n)]

    def vocabulary(self) -> set[str]:
        return set(self.bm25.vocab)

    def idf(self, tokens: list[str]) -> dict[str, float]:
        return idf_weights(self.bm25, tokens)

    # -------------------------------------------------------------- writing
    @classmethod
    def write(cls, settings: Settings, name: str, records: list[dict], vectors: np.ndarray, manifest: dict, fault: Fault = None) -> str:
        """Write a complete new version of index ``name`` and make it current. Returns the version name."""
        return write_version(index_root(settings, name), records, vectors, manifest, settings.ann_threshold, fault=fault)

    @classmethod
    def drop(cls, settings: Settings, name: str) -> None:
        shutil.rmtree(index_root(settings, name), ignore_errors=True)


def build_faiss(vectors: np.ndarray, ann_threshold: int):
    """A FAISS index over ``vectors``: exact (flat) below ``ann_threshold`` rows, HNSW32 above."""
    import faiss

    n, d = vectors.shape if vectors.size else (0, vectors.shape[1] if vectors.ndim == 2 else 384)
    if n >= ann_threshold:
        index = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 200
        index.hnsw.efSearch = 256
        kind = "hnsw32"
    else:
        index = faiss.IndexFlatIP(d)
        kind = "flat"
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index, kind


def write_version(root: Path, records: list[dict], vectors: np.ndarray, manifest: dict, ann_threshold: int,
                  bm25: BM25 | None = None, fault: Fault = None) -> str:
    """Write a complete new version under ``root`` and swap it in (``bm25``: a prebuilt matrix, for benchmarks)."""
    import faiss

    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        index, kind = build_faiss(vectors, ann_threshold)
        manifest = {**manifest, "format_version": FORMAT_VERSION, "ann": kind, "chunk_count": len(records)}
        with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as f, open(tmp / "tokens.jsonl", "w", encoding="utf-8") as ft:
            for r in records:
                f.write(json.dumps({k: v for k, v in r.items() if k != "tokens"}, ensure_ascii=False) + "\n")
                ft.write(json.dumps(r["tokens"], ensure_ascii=False) + "\n")
        np.save(tmp / "vectors.npy", np.ascontiguousarray(vectors, dtype=np.float32))
        at_step(fault, "vectors")
        faiss.write_index(index, str(tmp / "dense.faiss"))
        (bm25 or BM25.build([r["tokens"] for r in records])).save(tmp)
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        for p in tmp.iterdir():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())
        version = f"v-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        os.rename(tmp, root / version)
        _fsync_dir(root)
        at_step(fault, "commit")
        cur_tmp = root / f".CURRENT.{uuid.uuid4().hex[:6]}"
        cur_tmp.write_text(version)
        with open(cur_tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(cur_tmp, root / "CURRENT")
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    prune(root, keep=2)
    return version


def prune(root: Path, keep: int = 2) -> None:
    """Remove old versions (keeping the current and ``keep - 1`` before it) and stale temp dirs."""
    current = FaissStore.current_version(root)
    versions = sorted((p for p in root.glob("v-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    old = [p for p in versions if p.name != current][: max(0, len(versions) - keep)]
    for p in old:
        shutil.rmtree(p, ignore_errors=True)
    for p in [*root.glob(".tmp-*"), *root.glob(".CURRENT.*")]:  # left behind by a killed writer
        with contextlib.suppress(OSError):
            if time.time() - p.stat().st_mtime > 60:
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink()


__all__ = ["FaissStore", "FORMAT_VERSION", "VERSION_FILES", "build_faiss", "write_version", "prune"]
