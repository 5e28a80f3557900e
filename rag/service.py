"""The service layer the faces share (HTTP API, web UI, CLI): one assistant over one index, its uploads and removals.

Example::

    >>> from rag.service import RagService, safe_filename
    >>> safe_filename("../../etc/报告 2020.pdf")
    '报告 2020.pdf'
    >>> svc = RagService(Settings(index_name="demo"))   # doctest: +SKIP
    >>> svc.ask("稻城县2014年审定贫困村多少个？").answer   # doctest: +SKIP
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .indexer import Indexer, remove_documents
from .loaders import load_file, supported_extensions
from .qa import Assistant
from .retrieve import HybridRetriever, clean_query
from .settings import Settings
from .types import (
    Answer,
    IndexBusy,
    IndexError_,
    IndexNotFound,
    LoadError,
    Passage,
    QueryError,
)

log = logging.getLogger(__name__)

MAX_FILES_PER_UPLOAD = 20

# One lock for every retrieval in the process. ``HybridRetriever.search`` reloads the store
# (``FaissStore.refresh``) when another writer swapped in a new version; holding the lock makes
# that reload and the searches on either side of it see one consistent version. Answering
# (the offline reader or an LLM call) happens outside it.
_SEARCH_LOCK = threading.RLock()


class SerialRetriever(HybridRetriever):
    """A :class:`HybridRetriever` whose searches (and store reloads) run one at a time."""

    def search(self, query: str, k: int | None = None) -> list[Passage]:
        with _SEARCH_LOCK:
            return super().search(query, k)


class ApiError(Exception):
    """An expected failure with the status and the message a client sees."""

    def __init__(self, status: int, message: str, **extra: Any):
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


@dataclass
class UploadOutcome:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"file", "error", "status"}
    chunks: int = 0
    version: str | None = None
    seconds: float = 0.0

    @property
    def indexed(self) -> list[str]:
        return self.added + self.updated + self.unchanged

    def to_json(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [{"file": e["file"], "error": e["error"]} for e in self.errors],
            "chunks": self.chunks,
            "version": self.version,
            "seconds": round(self.seconds, 2),
        }


def safe_filename(name: str) -> str:
    """The bare file name of an upload: no directories, control characters or leading dots."""
    name = (name or "").replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".").strip()
    return name[:200]


class RagService:
    """What the API and the UI share: one assistant (one retriever) over one index, and its uploads.

    Reads go through the shared retriever, which picks up a new index version on the
    next query; writes (upload, remove) run one at a time and an index held by another
    writer gives :class:`IndexBusy`.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self.name = settings.index_name
        self.uploads_dir = Path(settings.index_dir) / f"{self.name}-uploads"
        self._init_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._assistant: Assistant | None = None
        self._by_backend: dict[str, Assistant] = {}
        self.started = time.time()

    # ------------------------------------------------------------ reading
    @property
    def assistant(self) -> Assistant:
        """The shared assistant; raises :class:`IndexNotFound` while the index does not exist."""
        with self._init_lock:
            if self._assistant is None:
                retriever = SerialRetriever.from_settings(self.settings, self.name)
                self._assistant = Assistant(self.settings, name=self.name, retriever=retriever)
            return self._assistant

    def assistant_for(self, backend: str | None) -> Assistant:
        """An assistant answering with ``backend`` that shares the one retriever."""
        base = self.assistant
        if not backend or backend == base.llm:
            return base
        with self._init_lock:
            if backend not in self._by_backend:
                self._by_backend[backend] = Assistant(self.settings, name=self.name, llm=backend, retriever=base.retriever)
            return self._by_backend[backend]

    def _ready(self) -> Assistant:
        try:
            return self.assistant
        except IndexNotFound as e:
            raise ApiError(503, f"index '{self.name}' has no documents yet: upload some (POST /api/documents) "
                                f"or build it with `rag index PATH --name {self.name}` ({e})") from None
        except IndexError_ as e:
            raise ApiError(409, str(e)) from None

    def _check_question(self, question: str) -> str:
        try:
            q, _ = clean_query(question, self.settings.max_question_chars)
        except QueryError as e:
            raise ApiError(422, f"invalid question: {e}") from None
        return q

    def _answerer(self, bot: Assistant, backend: str | None):
        try:
            return bot.answerer(backend)
        except (ValueError, ImportError, FileNotFoundError) as e:
            raise ApiError(400, f"answer backend '{backend or bot.llm}' is not available: {e}") from None

    def ask(self, question: str, k: int | None = None, backend: str | None = None) -> Answer:
        self._check_question(question)
        bot = self._ready()
        self._answerer(bot, backend)
        return bot.ask(question, k or self.settings.top_k, backend)

    def stream(self, question: str, k: int | None = None, backend: str | None = None) -> Iterator[str | Answer]:
        """``str`` deltas while an LLM writes, then the final checked :class:`Answer`."""
        self._check_question(question)
        bot = self._ready()
        self._answerer(bot, backend)
        yield from bot.stream(question, k or self.settings.top_k, backend)

    def search(self, question: str, k: int | None = None) -> list[Passage]:
        self._check_question(question)
        return self._ready().search(question, k or self.settings.top_k)

    def store(self):
        """The live store, reloaded if a new version was swapped in; None while there is no index."""
        try:
            bot = self.assistant
        except IndexNotFound:
            return None
        with _SEARCH_LOCK:
            bot.retriever.store.refresh()
            return bot.retriever.store

    def documents(self) -> list[dict]:
        """Indexed files as ``rag docs --json`` lists them, by source name."""
        store = self.store()
        if store is None:
            return []
        files = dict(store.manifest.get("files", {}))
        return [{"path": p, **info} for p, info in sorted(files.items(), key=lambda x: (x[1].get("source") or "", x[0]))]

    def health(self) -> dict:
        out = {"status": "ok", "index": self.name, "ready": False, "documents": 0, "chunks": 0, "version": None,
               "uptime_s": round(time.time() - self.started, 1)}
        try:
            store = self.store()
        except IndexError_ as e:
            out["problem"] = str(e)
            return out
        if store is not None:
            out.update(ready=True, documents=len(store.manifest.get("files", {})), chunks=store.count,
                       version=getattr(store, "version", None), embedder=store.manifest.get("embedder"))
        return out

    # ------------------------------------------------------------ conversations (rag.chat)
    def conversation(self):
        """The shared :class:`rag.chat.ConversationalQA` (follow-up resolution + this service's assistant)."""
        bot = self._ready()
        with self._init_lock:
            conv = getattr(self, "_conversation", None)
            if conv is None or conv.assistant is not bot:
                from .chat import ConversationalQA

                conv = self._conversation = ConversationalQA(bot, self.settings)
                # the names the index knows, read in the background so the first follow-up does not wait
                threading.Thread(target=conv.lexicon, daemon=True, name="rag-lexicon").start()
            return conv

    def chat(self, messages: list[dict], k: int | None = None, backend: str | None = None) -> Answer:
        """Answer the last user message of an OpenAI-style ``messages`` list in the light of the earlier ones."""
        from .chat import validate_messages

        try:
            validate_messages(messages)
        except ValueError as e:
            raise ApiError(422, f"invalid messages: {e}") from None
        conv = self.conversation()
        self._answerer(conv.assistant, backend)
        return conv.chat(messages, k or self.settings.top_k, backend)

    # ------------------------------------------------------------ writing
    def _writer(self):
        if not self._write_lock.acquire(blocking=False):
            raise IndexBusy(f"index '{self.name}' is busy: another upload or removal is being indexed; try again shortly")
        return self._write_lock

    def check_upload(self, filename: str, size: int) -> str | None:
        """Why an upload is refused before any indexing (extension, size), or None."""
        ext = Path(filename).suffix.lower()
        if ext not in supported_extensions():
            return f"{filename}: unsupported file type '{ext or '(none)'}' (supported: {', '.join(supported_extensions())})"
        limit = self.settings.max_upload_mb
        if size > limit * 1024 * 1024:
            return f"{filename}: the file is too large ({size / 1048576:.1f} MB; the upload limit is {limit:g} MB, RAG_MAX_UPLOAD_MB)"
        if size == 0:
            return f"{filename}: the file is empty (0 bytes)"
        return None

    def add_files(self, items: list[tuple[str, Path]], progress: bool = False) -> UploadOutcome:
        """Check, save under the uploads directory and index uploaded files.

        ``items`` are ``(original file name, path of the received bytes)``. A file with a
        bad type or size, or that cannot be loaded, is reported by name in ``errors``,
        is not kept, and leaves the index as it was (an earlier upload of the same name
        stays indexed and on disk).
        """
        t0 = time.perf_counter()
        out = UploadOutcome()
        lock = self._writer()
        staging = self.uploads_dir / ".staging" / uuid.uuid4().hex[:10]
        try:
            staging.mkdir(parents=True, exist_ok=True)
            ready: dict[str, Path] = {}
            for raw_name, src in items:
                name = safe_filename(raw_name)
                if not name:
                    out.errors.append({"file": raw_name or "(no name)", "error": f"{raw_name or '(no name)'}: not a usable file name", "status": 400})
                    continue
                size = Path(src).stat().st_size
                why = self.check_upload(name, size)
                if why:
                    status = 415 if "unsupported file type" in why else 413 if "too large" in why else 400
                    out.errors.append({"file": name, "error": why, "status": status})
                    continue
                staged = staging / name
                shutil.copyfile(src, staged)
                try:  # load it before it goes near the index: a corrupt file is refused here
                    docs = load_file(staged, self.settings)
                    if not any(d.page_content.strip() for d in docs):
                        raise LoadError(staged, "no text to index")
                except LoadError as e:
                    out.errors.append({"file": name, "error": f"{name}: {e.problem}", "status": 400})
                    staged.unlink(missing_ok=True)
                    continue
                ready[name] = staged  # a later part with the same name wins
            if not ready:
                out.seconds = time.perf_counter() - t0
                return out
            self.uploads_dir.mkdir(parents=True, exist_ok=True)
            backups: dict[str, Path | None] = {}
            finals: dict[str, Path] = {}
            for name, staged in ready.items():
                final = self.uploads_dir / name
                if final.exists():
                    bak = staging / f"{name}.previous"
                    shutil.copy2(final, bak)
                    backups[name] = bak
                else:
                    backups[name] = None
                os.replace(staged, final)
                finals[name] = final

            def restore(name: str) -> None:
                bak = backups.get(name)
                if bak is not None:
                    os.replace(bak, finals[name])
                else:
                    finals[name].unlink(missing_ok=True)

            try:
                report = Indexer(self.name, settings=self.settings, progress=progress).run(list(finals.values()))
            except BaseException:
                for name in finals:
                    restore(name)
                raise
            for e in report.errors:
                name = Path(e.path).name
                if name in finals:
                    restore(name)
                out.errors.append({"file": name, "error": f"{name}: {e.problem}", "status": 400})
            bad = {Path(e.path).name for e in report.errors}
            out.added = [n for n in report.added if n in finals and n not in bad]
            out.updated = [n for n in report.updated if n in finals and n not in bad]
            out.unchanged = [n for n in report.unchanged if n in finals and n not in bad]
            out.chunks = report.chunks
            out.version = report.version
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            lock.release()
        self.store()  # load the new version now, so the next list and query see it
        out.seconds = time.perf_counter() - t0
        log.info("upload into '%s': added %s, updated %s, errors %s", self.name, out.added, out.updated, [e["file"] for e in out.errors])
        return out

    def remove(self, source: str) -> list[str]:
        """Remove a document (its listed file name or path); returns the names removed. Uploaded copies are deleted."""
        source = (source or "").strip()
        docs = self.documents()
        match = [d for d in docs if source and (d.get("source") == source or d["path"] == source)]
        if not match:
            raise ApiError(404, f"no document '{source}' in index '{self.name}'", documents=[d.get("source") for d in docs])
        lock = self._writer()
        try:
            report = remove_documents(self.name, [source], settings=self.settings)
        finally:
            lock.release()
        uploads = self.uploads_dir.resolve()
        for d in match:
            p = Path(d["path"])
            if p.parent.resolve() == uploads:
                p.unlink(missing_ok=True)
        self.store()
        return report.removed
