"""The index: chunks, their dense vectors (FAISS) and a BM25 matrix, on disk under ``index/<name>/``.

Layout::

    index/<name>/CURRENT          name of the live version (replaced atomically)
    index/<name>/v-<stamp>/       manifest.json, chunks.jsonl, tokens.jsonl, vectors.npy, dense.faiss, bm25.npz, bm25_vocab.json
    index/<name>.lock             held by the one writer (``rag index``)

A build writes a new version in a temporary directory, renames it, then swaps
``CURRENT``: a crash at any point leaves the previous version live, and
readers keep answering from the version they loaded until they ``refresh()``.

Re-indexing is incremental: unchanged files (same SHA-256) keep their chunks,
vectors are reused by the hash of the embedded text, chunks of deleted files go.

Example::

    >>> from rag.indexer import Indexer
    >>> from rag.stores.faiss import FaissStore
    >>> report = Indexer(name="doctest").run(["seeds"])   # doctest: +SKIP
    >>> FaissStore.open(Path("index/doctest")).count       # doctest: +SKIP
    121
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

import numpy as np

from ..lexical import BM25, idf_weights, tokenize
from ..types import IndexError_, IndexNotFound

FORMAT_VERSION = 2


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(str(path), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class FaissStore:
    """The embedded store: FAISS (inner product on normalised vectors) plus a saved BM25 matrix."""

    def __init__(self, root: Path, version: str, manifest: dict, records: list[dict], vectors: np.ndarray, faiss_index, bm25: BM25):
        self.root = root
        self.version = version
        self.manifest = manifest
        self._records = records
        self.vectors = vectors
        self.faiss_index = faiss_index
        self.bm25 = bm25
        self._pos = {r["chunk_id"]: i for i, r in enumerate(records)}

    # -------------------------------------------------------------- reading
    @staticmethod
    def current_version(root: Path) -> str | None:
        cur = root / "CURRENT"
        if not cur.exists():
            return None
        v = cur.read_text().strip()
        return v if v and (root / v / "manifest.json").exists() else None

    @classmethod
    def exists(cls, root: Path) -> bool:
        return cls.current_version(Path(root)) is not None

    @classmethod
    def open(cls, root: Path | str, with_tokens: bool = False) -> "FaissStore":
        """Load the live version. Readers skip the BM25 tokens (``tokens.jsonl``); the indexer needs them."""
        import faiss

        root = Path(root)
        version = cls.current_version(root)
        if version is None:
            raise IndexNotFound(f"no index at {root} (build it with: rag index seeds/ --name {root.name})")
        d = root / version
        manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format_version") != FORMAT_VERSION:
            raise IndexError_(f"index {root} has format {manifest.get('format_version')}, this version reads {FORMAT_VERSION}; rebuild it with --rebuild")
        with open(d / "chunks.jsonl", encoding="utf-8") as f:
            records = [json.loads(line) for line in f if line.strip()]
        if with_tokens:
            with open(d / "tokens.jsonl", encoding="utf-8") as f:
                for rec, line in zip(records, f):
                    rec["tokens"] = [sys.intern(t) for t in json.loads(line)]
        vectors = np.load(d / "vectors.npy")
        index = faiss.read_index(str(d / "dense.faiss"))
        if hasattr(index, "hnsw"):
            index.hnsw.efSearch = max(256, index.hnsw.efSearch)
        return cls(root, version, manifest, records, vectors, index, BM25.load(d))

    @property
    def count(self) -> int:
        return len(self._records)

    def refresh(self) -> bool:
        """Reload if another process swapped in a new version; True when reloaded."""
        v = self.current_version(self.root)
        if v is None or v == self.version:
            return False
        new = FaissStore.open(self.root)
        self.__dict__.update(new.__dict__)
        return True

    def records(self) -> list[dict]:
        return self._records

    def get(self, chunk_id: str) -> dict:
        return self._records[self._pos[chunk_id]]

    def dense_search(self, qvec: np.ndarray, n: int) -> list[tuple[str, float]]:
        if not self._records:
            return []
        q = np.asarray(qvec, dtype=np.float32).reshape(1, -1)
        scores, ids = self.faiss_index.search(q, min(n, self.count))
        return [(self._records[i]["chunk_id"], float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def lexical_search(self, query: str, n: int) -> list[tuple[str, float]]:
        return [(self._records[i]["chunk_id"], s) for i, s in self.bm25.search(tokenize(query), n)]

    def vocabulary(self) -> set[str]:
        return set(self.bm25.vocab)

    def idf(self, tokens: list[str]) -> dict[str, float]:
        return idf_weights(self.bm25, tokens)

    # -------------------------------------------------------------- writing
    @staticmethod
    def build_faiss(vectors: np.ndarray, ann_threshold: int):
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

    @classmethod
    def write(cls, root: Path, records: list[dict], vectors: np.ndarray, manifest: dict, ann_threshold: int, bm25: BM25 | None = None, fail_after: str | None = None) -> str:
        """Write a complete new version and make it current. Returns the version name."""
        import faiss

        root.mkdir(parents=True, exist_ok=True)
        tmp = root / f".tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            index, kind = cls.build_faiss(vectors, ann_threshold)
            manifest = {**manifest, "ann": kind}
            with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as f, open(tmp / "tokens.jsonl", "w", encoding="utf-8") as ft:
                for r in records:
                    f.write(json.dumps({k: v for k, v in r.items() if k != "tokens"}, ensure_ascii=False) + "\n")
                    ft.write(json.dumps(r["tokens"], ensure_ascii=False) + "\n")
            np.save(tmp / "vectors.npy", np.ascontiguousarray(vectors, dtype=np.float32))
            if fail_after == "vectors":  # test hook: simulate a crash mid-write
                raise RuntimeError("simulated failure while writing the index")
            faiss.write_index(index, str(tmp / "dense.faiss"))
            (bm25 or BM25.build([r["tokens"] for r in records])).save(tmp)
            (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            for p in tmp.iterdir():
                with open(p, "rb") as fh:
                    os.fsync(fh.fileno())
            version = f"v-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
            os.rename(tmp, root / version)
            _fsync_dir(root)
            cur_tmp = root / f".CURRENT.{uuid.uuid4().hex[:6]}"
            cur_tmp.write_text(version)
            with open(cur_tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(cur_tmp, root / "CURRENT")
            _fsync_dir(root)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        cls.prune(root, keep=2)
        return version

    @staticmethod
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
