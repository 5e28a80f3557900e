"""The service layer the faces share (HTTP API, web UI, CLI): one assistant over one index, its uploads and removals.

What lives here, once, for every face:

* asking, streaming, searching and listing, adding and removing documents (:class:`RagService`);
* the question cleaned once per request (:class:`~rag.retrieve.Query`) and ``k`` checked;
* the API token check (:meth:`RagService.check_token`), the upload limits and the accepted
  file types (:meth:`RagService.upload_problem`, :meth:`RagService.accepted_types`);
* what a user is told about an expected error, as an HTTP status, a CLI exit code and one
  line (:func:`failure`).

Example::

    >>> from rag.service import RagService, failure, safe_filename
    >>> from rag.types import IndexBusy
    >>> safe_filename("../../etc/报告 2020.pdf")
    '报告 2020.pdf'
    >>> f = failure(IndexBusy("index 'x' is busy"))
    >>> f.status, f.exit_code, f.message
    (409, 1, "index 'x' is busy")
    >>> svc = RagService(Settings(index_name="reports"))       # doctest: +SKIP
    >>> svc.ask("2014年审定贫困村多少个？").answer               # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .embeddings import EmbedderError
from .indexer import Indexer, IndexReport, remove_documents
from .loaders import load_file, supported_extensions
from .qa import Assistant
from .retrieve import HybridRetriever, Query
from .settings import Settings
from .types import (
    Answer,
    IndexBusy,
    IndexError_,
    IndexNotFound,
    LoadError,
    Passage,
    QueryError,
    StoreUnavailable,
)

log = logging.getLogger(__name__)

MAX_FILES_PER_UPLOAD = 20
MAX_K = 100

# CLI exit codes (README: "Exit codes")
EXIT_OK = 0
EXIT_INPUT = 1  # bad usage or input, or an error the user must fix (busy, damaged, unreachable)
EXIT_NOT_FOUND = 2  # nothing found: no such index or document, no passage, a refused answer
EXIT_PARTIAL = 3  # something was indexed and something failed

# One lock for every retrieval in the process. ``HybridRetriever.search`` reloads the store
# (``refresh``) when another writer committed a new version; holding the lock makes that reload
# and the searches on either side of it see one consistent version. Answering (the offline
# reader or an LLM call) happens outside it.
_SEARCH_LOCK = threading.RLock()


class SerialRetriever(HybridRetriever):
    """A :class:`HybridRetriever` whose searches (and store reloads) run one at a time."""

    def search(self, query, k: int | None = None) -> list[Passage]:
        with _SEARCH_LOCK:
            return super().search(query, k)


# ---------------------------------------------------------------- errors → what the user is told


class ApiError(Exception):
    """An expected failure with the status and the message a client sees."""

    def __init__(self, status: int, message: str, **extra: Any):
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


class DocumentNotFound(LookupError):
    """No indexed document of that name."""

    def __init__(self, message: str, documents: list[str] | None = None):
        super().__init__(message)
        self.documents = documents or []


class BackendUnavailable(ValueError):
    """An answer backend that is not configured or not installed."""


@dataclass(frozen=True)
class Failure:
    """An expected error as each face reports it: HTTP ``status``, CLI ``exit_code``, one-line ``message``."""

    status: int
    exit_code: int
    message: str
    extra: dict = field(default_factory=dict)


def _exit_for(status: int) -> int:
    return EXIT_NOT_FOUND if status == 404 else EXIT_INPUT


def _os_message(e: OSError) -> str:
    where = e.filename if e.filename is not None else ""
    what = e.strerror or str(e)
    if isinstance(e, FileExistsError) or isinstance(e, NotADirectoryError):
        what += " (a directory is needed there)"
    return f"{where}: {what}" if where else what


# (exception class, HTTP status, exit code, message prefix); the first match wins, so subclasses come first
_FAILURES: list[tuple[type[BaseException], int, int, str]] = [
    (QueryError, 422, EXIT_INPUT, "invalid question: "),
    (IndexNotFound, 503, EXIT_NOT_FOUND, ""),
    (DocumentNotFound, 404, EXIT_NOT_FOUND, ""),
    (IndexBusy, 409, EXIT_INPUT, ""),
    (StoreUnavailable, 503, EXIT_INPUT, ""),
    (IndexError_, 409, EXIT_INPUT, ""),  # embedder mismatch, another format, damaged files
    (LoadError, 400, EXIT_INPUT, ""),
    (EmbedderError, 500, EXIT_INPUT, ""),
    (BackendUnavailable, 400, EXIT_INPUT, ""),
    (ImportError, 500, EXIT_INPUT, ""),  # a missing optional extra: the message names it
]


def failure(exc: BaseException, remote: bool = False) -> Failure | None:
    """What a user is told about ``exc``; None when it is not an expected error (a bug: log its traceback).

    ``remote``: the user is a client over the network (API, UI), who is not told where the
    server keeps its indexes and who can upload documents.
    """
    if remote and isinstance(exc, IndexNotFound):
        name = getattr(exc, "name", None) or "?"
        return Failure(503, EXIT_NOT_FOUND, f"index '{name}' has no documents yet: upload some "
                                            f"(POST /api/documents, or the 文档 Documents tab)")
    if isinstance(exc, ApiError):
        return Failure(exc.status, _exit_for(exc.status), exc.message, dict(exc.extra))
    for cls, status, code, prefix in _FAILURES:
        if isinstance(exc, cls):
            extra = {"documents": exc.documents} if isinstance(exc, DocumentNotFound) else {}
            return Failure(status, code, f"{prefix}{exc}", extra)
    if isinstance(exc, OSError) and (exc.filename is not None or isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError))):
        return Failure(400, EXIT_INPUT, _os_message(exc))
    if isinstance(exc, ValueError):  # our ValueErrors name the setting or the field (RAG_MILVUS_URI=..., file:line: ...)
        return Failure(400, EXIT_INPUT, str(exc))
    return None


# ---------------------------------------------------------------- uploads


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

    def refuse(self, name: str, problem: ApiError) -> None:
        self.errors.append({"file": name, "error": problem.message, "status": problem.status})

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


def document_id(path: str) -> str:
    """A stable short id for an indexed file that does not reveal where it lives."""
    return hashlib.sha1(path.encode("utf-8")).hexdigest()[:12]


class _Installed:
    """Uploaded files moved into the uploads directory, with the copies they replaced (to put back)."""

    def __init__(self, uploads: Path, staging: Path):
        self.uploads, self.staging = uploads, staging
        self.finals: dict[str, Path] = {}
        self.backups: dict[str, Path | None] = {}

    def install(self, name: str, staged: Path) -> None:
        final = self.uploads / name
        bak = None
        if final.exists():
            bak = self.staging / f"{name}.previous"
            shutil.copy2(final, bak)
        self.backups[name] = bak
        os.replace(staged, final)
        self.finals[name] = final

    def restore(self, name: str) -> None:
        bak = self.backups.get(name)
        if bak is not None:
            os.replace(bak, self.finals[name])
        else:
            self.finals[name].unlink(missing_ok=True)


# ---------------------------------------------------------------- the service


class RagService:
    """What the API, the UI and the CLI share: one assistant (one retriever) over one index, and its uploads.

    Reads go through the shared retriever, which picks up a new index version on the
    next query; writes (upload, remove) run one at a time and an index held by another
    writer gives :class:`IndexBusy`. Expected errors are raised as the domain errors of
    :mod:`rag.types` (and :class:`DocumentNotFound`, :class:`BackendUnavailable`,
    :class:`ApiError`); :func:`failure` says how each face reports them.
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

    # ------------------------------------------------------------ checks every face shares
    def check_token(self, authorization: str | None) -> None:
        """Check an ``Authorization`` header value against ``RAG_API_TOKEN`` (no token set: anything passes)."""
        if not self.settings.api_token:
            return
        scheme, _, value = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise ApiError(401, "missing API token: send the header 'Authorization: Bearer <token>' (the server has RAG_API_TOKEN set)")
        if not self.token_ok(value.strip()):
            raise ApiError(401, "invalid API token")

    def token_ok(self, token: str | None) -> bool:
        """Whether ``token`` is the API token (the UI's password)."""
        expected = self.settings.api_token
        return not expected or secrets.compare_digest((token or "").encode(), expected.encode())

    @staticmethod
    def accepted_types() -> list[str]:
        """File extensions that can be indexed (``.txt``, ``.pdf``, ...)."""
        return supported_extensions()

    @property
    def max_request_bytes(self) -> int:
        """The largest upload request accepted: every file at the limit, plus 1 MB of form overhead."""
        return int((self.settings.max_upload_mb * MAX_FILES_PER_UPLOAD + 1) * 1024 * 1024)

    def check_upload_count(self, n: int) -> None:
        if n > MAX_FILES_PER_UPLOAD:
            raise ApiError(413, f"too many files in one upload ({n}; at most {MAX_FILES_PER_UPLOAD})")

    def upload_problem(self, filename: str, size: int) -> ApiError | None:
        """Why an upload is refused before any indexing (name, type, size), or None."""
        ext = Path(filename).suffix.lower()
        if ext not in self.accepted_types():
            return ApiError(415, f"{filename}: unsupported file type '{ext or '(none)'}' (supported: {', '.join(self.accepted_types())})")
        limit = self.settings.max_upload_mb
        if size > limit * 1024 * 1024:
            return ApiError(413, f"{filename}: the file is too large ({size / 1048576:.1f} MB; the upload limit is {limit:g} MB, RAG_MAX_UPLOAD_MB)")
        if size == 0:
            return ApiError(400, f"{filename}: the file is empty (0 bytes)")
        return None

    def check_upload(self, filename: str, size: int) -> str | None:
        """The message of :meth:`upload_problem`, or None."""
        p = self.upload_problem(filename, size)
        return p.message if p else None

    def query(self, question: str | Query) -> Query:
        """The question cleaned, once per request; :class:`QueryError` when there is nothing to search for."""
        return Query.parse(question, self.settings.max_question_chars)

    def _k(self, k: int | None) -> int:
        if k is None:
            return self.settings.top_k
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
            raise ApiError(422, f"k: the number of passages must be between 1 and {MAX_K}, not {k!r}")
        return k

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

    def answerer(self, bot: Assistant, backend: str | None):
        """``bot``'s answerer for ``backend``; :class:`BackendUnavailable` when that backend cannot be used here."""
        try:
            return bot.answerer(backend)
        except (ValueError, ImportError, FileNotFoundError) as e:
            raise BackendUnavailable(f"answer backend '{backend or bot.llm}' is not available: {e}") from None

    def ask(self, question: str | Query, k: int | None = None, backend: str | None = None) -> Answer:
        q, k = self.query(question), self._k(k)
        bot = self.assistant
        self.answerer(bot, backend)
        return bot.ask(q, k, backend)

    def stream(self, question: str | Query, k: int | None = None, backend: str | None = None) -> Iterator[str | Answer]:
        """``str`` deltas while an LLM writes, then the final checked :class:`Answer`."""
        q, k = self.query(question), self._k(k)
        bot = self.assistant
        self.answerer(bot, backend)
        yield from bot.stream(q, k, backend)

    def search(self, question: str | Query, k: int | None = None) -> list[Passage]:
        q, k = self.query(question), self._k(k)
        return self.assistant.search(q, k)

    def store(self):
        """The live store, reloaded if a new version was committed; None while there is no index."""
        try:
            bot = self.assistant
        except IndexNotFound:
            return None
        with _SEARCH_LOCK:
            bot.retriever.store.refresh()
            return bot.retriever.store

    def documents(self) -> list[dict]:
        """Indexed files as ``rag docs --json`` lists them (with their paths on this machine), by source name."""
        store = self.store()
        if store is None:
            return []
        files = dict(store.manifest.get("files", {}))
        return [{"path": p, **info} for p, info in sorted(files.items(), key=lambda x: (x[1].get("source") or "", x[0]))]

    def public_documents(self) -> list[dict]:
        """:meth:`documents` for clients over the network: no server paths; an ``id`` and whether it was uploaded."""
        uploads = str(self.uploads_dir.resolve())
        out = []
        for d in self.documents():
            info = {k: v for k, v in d.items() if k != "path"}
            info.update(id=document_id(d["path"]), uploaded=str(Path(d["path"]).parent) == uploads)
            out.append(info)
        return out

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
        bot = self.assistant
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
        self.answerer(conv.assistant, backend)
        return conv.chat(messages, self._k(k), backend)

    # ------------------------------------------------------------ writing
    def _writer(self):
        if not self._write_lock.acquire(blocking=False):
            raise IndexBusy(f"index '{self.name}' is busy: another upload or removal is being indexed; try again shortly")
        return self._write_lock

    def add_files(self, items: list[tuple[str, Path]], progress: bool = False) -> UploadOutcome:
        """Check, save under the uploads directory and index uploaded files.

        ``items`` are ``(original file name, path of the received bytes)``. A file with a
        bad type or size, or that cannot be loaded, is reported by name in ``errors``,
        is not kept, and leaves the index as it was (an earlier upload of the same name
        stays indexed and on disk).
        """
        t0 = time.perf_counter()
        out = UploadOutcome()
        self.check_upload_count(len(items))
        lock = self._writer()
        staging = self.uploads_dir / ".staging" / uuid.uuid4().hex[:10]
        try:
            staging.mkdir(parents=True, exist_ok=True)
            ready = self._screen(items, staging, out)
            if ready:
                self.uploads_dir.mkdir(parents=True, exist_ok=True)
                installed = _Installed(self.uploads_dir, staging)
                for name, staged in ready.items():
                    installed.install(name, staged)
                self._index_uploads(installed, out, progress)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            lock.release()
        if out.indexed:
            self.store()  # load the new version now, so the next list and query see it
        out.seconds = time.perf_counter() - t0
        log.info("upload into '%s': added %s, updated %s, errors %s", self.name, out.added, out.updated, [e["file"] for e in out.errors])
        return out

    def _screen(self, items: list[tuple[str, Path]], staging: Path, out: UploadOutcome) -> dict[str, Path]:
        """Name, type and size checks, then a trial load: only files that load reach the index."""
        ready: dict[str, Path] = {}
        for raw_name, src in items:
            name = safe_filename(raw_name)
            if not name:
                shown = raw_name or "(no name)"
                out.refuse(shown, ApiError(400, f"{shown}: not a usable file name"))
                continue
            problem = self.upload_problem(name, Path(src).stat().st_size)
            if problem is not None:
                out.refuse(name, problem)
                continue
            staged = staging / name
            shutil.copyfile(src, staged)
            try:  # load it before it goes near the index: a corrupt file is refused here
                docs = load_file(staged, self.settings)
                if not any(d.page_content.strip() for d in docs):
                    raise LoadError(staged, "no text to index")
            except LoadError as e:
                out.refuse(name, ApiError(400, f"{name}: {e.problem}"))
                staged.unlink(missing_ok=True)
                continue
            ready[name] = staged  # a later part with the same name wins
        return ready

    def _index_uploads(self, installed: _Installed, out: UploadOutcome, progress: bool) -> None:
        """Index the installed uploads; any that fail (or the whole run, on an error) are put back as they were."""
        try:
            report: IndexReport = Indexer(self.name, settings=self.settings, progress=progress).run(list(installed.finals.values()))
        except BaseException:
            for name in installed.finals:
                installed.restore(name)
            raise
        bad = set()
        for e in report.errors:
            name = Path(e.path).name
            if name in installed.finals:
                installed.restore(name)
            bad.add(name)
            out.refuse(name, ApiError(400, f"{name}: {e.problem}"))
        mine = set(installed.finals) - bad
        out.added = [n for n in report.added if n in mine]
        out.updated = [n for n in report.updated if n in mine]
        out.unchanged = [n for n in report.unchanged if n in mine]
        out.chunks = report.chunks
        out.version = report.version

    def remove(self, source: str) -> list[str]:
        """Remove a document (its listed file name, its path or its id); returns the names removed. Uploaded copies are deleted."""
        source = (source or "").strip()
        docs = self.documents()
        match = [d for d in docs if source and source in (d.get("source"), d["path"], document_id(d["path"]))]
        if not match:
            raise DocumentNotFound(f"no document '{source}' in index '{self.name}'", [d.get("source") for d in docs])
        lock = self._writer()
        try:
            report = remove_documents(self.name, [d["path"] for d in match], settings=self.settings)
        finally:
            lock.release()
        uploads = self.uploads_dir.resolve()
        for d in match:
            p = Path(d["path"])
            if p.parent.resolve() == uploads:
                p.unlink(missing_ok=True)
        self.store()
        return report.removed
