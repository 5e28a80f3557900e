"""The indexer: files → chunks → vectors → a new store version, incrementally and under one writer lock.

Re-indexing is incremental: unchanged files (same SHA-256) keep their chunks,
vectors are reused by the hash of the embedded text, chunks of deleted files go.
The store (FAISS files or Milvus) comes from ``settings.store`` through
:func:`rag.stores.store_class`; this module never asks which one it is.

Nothing is created by a run that has nothing to index: a first run whose files
all fail (or do not exist) leaves no index behind, and removing from an index
that does not exist is :class:`~rag.types.IndexNotFound`.

Example::

    >>> import tempfile
    >>> from pathlib import Path
    >>> from rag.settings import Settings
    >>> s = Settings(index_dir=tempfile.mkdtemp())
    >>> report = Indexer("demo", settings=s).run([Path(s.index_dir) / "missing.txt"])
    >>> [str(e).split(": ", 1)[1] for e in report.errors], report.version
    (['no such file or directory'], None)
    >>> from rag.stores import store_class
    >>> store_class(s).exists(s, "demo")                        # nothing was created
    False
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
from .embeddings import BaseEmbedder, embedder_id, get_embedder
from .loaders import check_file, file_sha256, iter_files, load_file
from .records import embed_text, record_from_chunk
from .settings import Settings
from .stores import store_class
from .stores.base import Fault, at_step
from .types import EmbedderMismatch, IndexBusy, IndexDamaged, IndexFormatError, LoadError

log = logging.getLogger(__name__)


@contextlib.contextmanager
def index_lock(root: Path):
    """One writer per index; a second one gets :class:`IndexBusy` at once.

    Yields a callable that removes the lock file (and the index directory, if this
    lock made it and it is empty) while the lock is still held: a run that created
    no index leaves nothing behind.
    """
    made_dir = not root.parent.exists()
    root.parent.mkdir(parents=True, exist_ok=True)
    lock_path = root.parent / f"{root.name}.lock"
    made_lock = not lock_path.exists()
    fh = open(lock_path, "a+")

    def discard() -> None:
        if made_lock:
            with contextlib.suppress(OSError):
                lock_path.unlink()
        if made_dir:
            with contextlib.suppress(OSError):
                root.parent.rmdir()  # only when empty

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
        yield discard
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

    @property
    def indexed(self) -> list[str]:
        """Files of this run that are in the index now (added, updated or already there)."""
        return self.added + self.updated + self.unchanged


@dataclass
class _Plan:
    """The index being built: its records and manifest file entries, file by file."""

    records: list[dict] = field(default_factory=list)
    files: dict[str, dict] = field(default_factory=dict)
    old_by_path: dict[str, list[dict]] = field(default_factory=dict)
    old_files: dict[str, dict] = field(default_factory=dict)

    def keep(self, path: str) -> None:
        """Carry a file's previous chunks and manifest entry over unchanged."""
        if path in self.old_files:
            self.records.extend(self.old_by_path.get(path, []))
            self.files[path] = self.old_files[path]


class Indexer:
    """Build or update an index from files and directories.

    ``run(paths, rebuild=False, remove=())`` re-embeds only new or changed files,
    drops chunks of deleted (or explicitly removed) files and hands the new index
    to the store (see each store for what its write guarantees). Bad files are
    reported in the result; what was indexed from them before stays.
    """

    def __init__(self, name: str | None = None, *, settings: Settings, embedder: BaseEmbedder | None = None, progress: bool = True):
        self.settings = settings
        self.name = name or settings.index_name
        self.root = Path(settings.index_dir) / self.name
        self.store_cls = store_class(settings)
        self._embedder = embedder
        self.progress = progress
        self.chunker = SectionChunker()

    @property
    def embedder(self) -> BaseEmbedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.settings.embedder, allow_download=self.settings.allow_download)
        return self._embedder

    def _embedder_id(self) -> str:
        return self._embedder.id if self._embedder is not None else embedder_id(self.settings.embedder)

    # ------------------------------------------------------------ entry points
    def run(self, paths: Iterable[Path | str] = (), rebuild: bool = False, remove: Iterable[str] = (), _fail_after: Fault = None) -> IndexReport:
        """Index ``paths`` (files and directories); ``remove``: file names or paths to drop.

        ``_fail_after`` is the stores' fault hook (:mod:`rag.stores.base`), also called
        with ``"embed"`` after each batch of embeddings.
        """
        t0 = time.perf_counter()
        report = IndexReport(self.name)
        remove = list(remove)
        files = iter_files(list(paths), report.errors, report.skipped)
        if not files and remove:
            return self.remove(remove, _fail_after=_fail_after)
        if not files and not self.store_cls.exists(self.settings, self.name):
            report.seconds = time.perf_counter() - t0
            return report  # nothing to build from: create nothing
        with index_lock(self.root) as discard:
            old = self._open_previous(rebuild)
            self._check_embedder(old, rebuild)
            plan = self._plan(old, files, remove, report)
            rechunk = old is not None and old.manifest.get("chunker", {}).get("version") != CHUNKER_VERSION
            if rechunk:
                log.info("index '%s' was chunked by another chunker version: re-chunking every file", self.name)
            for p in self._each(files, "reading"):
                self._index_file(p, plan, report, rebuild or rechunk)
            report.chunks = len(plan.records)
            if old is None and not plan.records:
                if not self.store_cls.exists(self.settings, self.name):
                    discard()  # a first run that indexed nothing creates nothing
                report.seconds = time.perf_counter() - t0
                return report
            if old is not None and not report.changed and not rebuild:
                report.version = old.version
                report.seconds = time.perf_counter() - t0
                return report  # nothing to write
            vectors = self._vectors(plan.records, old, rebuild, report, _fail_after)
            report.version = self.store_cls.write(self.settings, self.name, plan.records, vectors,
                                                  self._manifest(plan, vectors), fault=_fail_after)
        report.seconds = time.perf_counter() - t0
        return report

    def remove(self, sources: Iterable[str], _fail_after: Fault = None) -> IndexReport:
        """Drop documents (by file name or path as indexed); nothing is embedded.

        An index that does not exist is :class:`IndexNotFound`; names it does not
        hold leave it untouched (``report.removed`` is empty).
        """
        t0 = time.perf_counter()
        report = IndexReport(self.name)
        wanted = {s for s in sources if s}
        wanted |= {str(Path(s).resolve()) for s in wanted}
        current = self.store_cls.open(self.settings, self.name)  # IndexNotFound before any lock file is made
        if not any(p in wanted or info.get("source") in wanted for p, info in current.manifest.get("files", {}).items()):
            report.chunks, report.version = current.count, current.version
            return report
        with index_lock(self.root):
            current = self.store_cls.open(self.settings, self.name)
            files = current.manifest.get("files", {})
            paths = [p for p, info in files.items() if p in wanted or info.get("source") in wanted]
            if paths:
                report.removed = [files[p].get("source", p) for p in paths]
                report.version = self.store_cls.remove(self.settings, self.name, paths, fault=_fail_after)
                report.chunks = current.count - sum(1 for r in current.records() if r.get("path") in set(paths))
        report.seconds = time.perf_counter() - t0
        return report

    # ------------------------------------------------------------ steps
    def _open_previous(self, rebuild: bool):
        """The index this run updates, or None (none yet; or one to build anew)."""
        if not self.store_cls.exists(self.settings, self.name):
            return None
        try:
            return self.store_cls.open(self.settings, self.name, for_update=True)
        except IndexFormatError as e:  # an index of an older format is rebuilt from its files
            log.warning("%s: building it anew", e)
            return None
        except IndexDamaged as e:
            if not rebuild:
                raise
            log.warning("%s: building it anew from the files given", e)
            return None

    def _check_embedder(self, old, rebuild: bool) -> None:
        emb_id = self._embedder_id()
        if old is not None and not rebuild and old.manifest.get("embedder") != emb_id:
            raise EmbedderMismatch(
                f"index '{self.name}' was built with embedder {old.manifest.get('embedder')!r} "
                f"(dim {old.manifest.get('dim')}), not {emb_id!r}: use --embedder {old.manifest.get('embedder')} "
                f"or rebuild it with --rebuild"
            )

    def _plan(self, old, files: list[Path], remove: list[str], report: IndexReport) -> _Plan:
        """Start from the previous index: files not in this run stay, unless deleted on disk or removed."""
        plan = _Plan()
        if old is not None:
            plan.old_files = dict(old.manifest.get("files", {}))
            for r in old.records():
                plan.old_by_path.setdefault(r["path"], []).append(r)
        remove_set = {str(Path(p).resolve()) for p in remove} | set(remove)
        seen = {str(p.resolve()) for p in files}
        for rp, info in plan.old_files.items():
            if rp in seen:
                continue
            if rp in remove_set or info.get("source") in remove_set:
                report.removed.append(info.get("source", rp))
            elif not os.path.exists(rp):
                report.removed.append(info.get("source", rp))
                log.info("%s: deleted on disk, its chunks leave the index", rp)
            else:
                plan.keep(rp)
        return plan

    def _index_file(self, p: Path, plan: _Plan, report: IndexReport, force: bool) -> None:
        """Load, chunk and record one file; a bad file keeps what was indexed from it before."""
        rp = str(p.resolve())
        prev = plan.old_files.get(rp)
        try:
            check_file(p, self.settings)  # format and size first: an oversize file is never read
            try:
                digest = file_sha256(p)
            except OSError as e:
                raise LoadError(p, f"cannot read ({e.strerror or e})") from None
            if prev and prev.get("sha256") == digest and not force:
                plan.keep(rp)
                report.unchanged.append(p.name)
                return
            recs = [record_from_chunk(c) for c in self.chunker.run(load_file(p, self.settings))]
            if not recs:
                raise LoadError(p, "no text to index (only headings or empty lines)")
        except LoadError as e:
            log.debug("%s", e)  # reported by the caller (the CLI prints every error once)
            report.errors.append(e)
            plan.keep(rp)
            return
        plan.records.extend(recs)
        plan.files[rp] = {
            "source": p.name,
            "sha256": digest,
            "size": p.stat().st_size,
            "chunks": len(recs),
            "indexed_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "script": recs[0]["script"],
        }
        (report.updated if prev else report.added).append(p.name)

    def _vectors(self, records: list[dict], old, rebuild: bool, report: IndexReport, fault: Fault) -> np.ndarray:
        """One vector per record: reused by embedded-text hash from the previous index, the rest embedded."""
        cache: dict[str, np.ndarray] = {}
        if old is not None and not rebuild and old.manifest.get("embedder") == self._embedder_id():
            for i, r in enumerate(old.records()):
                cache[r["embed_key"]] = old.vectors[i]
        need = [r for r in records if r["embed_key"] not in cache]
        report.reused_vectors = len(records) - len(need)
        te = time.perf_counter()
        if need:
            for r, v in zip(need, self._embed([embed_text(r) for r in need], fault)):
                cache[r["embed_key"]] = v
        report.embed_seconds = time.perf_counter() - te
        report.embedded = len(need)
        if records:
            return np.stack([cache[r["embed_key"]] for r in records]).astype(np.float32)
        dim = int(old.manifest.get("dim", 0)) if old is not None else self.embedder.dim
        return np.zeros((0, dim), np.float32)

    def _manifest(self, plan: _Plan, vectors: np.ndarray) -> dict:
        return {
            "name": self.name,
            "embedder": self._embedder_id(),
            "dim": int(vectors.shape[1]),
            "chunk_count": len(plan.records),
            "files": plan.files,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "chunker": {"version": CHUNKER_VERSION, "target": self.chunker.target, "max_chars": self.chunker.max_chars},
        }

    def _embed(self, texts: list[str], fault: Fault = None) -> np.ndarray:
        bs = max(1, self.settings.embed_batch_size)
        out = []
        batches = range(0, len(texts), bs)
        it = _progress(batches, "embedding", total=len(texts), unit="chunk", step=bs) if self.progress else batches
        for i in it:
            out.append(self.embedder.encode_passages(texts[i : i + bs]))
            at_step(fault, "embed")
        return np.concatenate(out) if out else np.zeros((0, self.embedder.dim), np.float32)

    def _each(self, files: list[Path], desc: str):
        return files if not self.progress or len(files) < 2 else _progress(files, desc, unit="file")


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


def remove_documents(name: str, sources: Iterable[str], settings: Settings) -> IndexReport:
    """Remove documents (by file name or path) from an index; their chunks leave at once."""
    return Indexer(name, settings=settings, progress=False).remove(list(sources))
