"""The JSON HTTP API (FastAPI): the same answers as ``rag ask --json``, for programs.

Endpoints (all JSON; errors are ``{"error": "<message>"}`` with a 4xx/5xx status)::

    GET    /api/health                    liveness and index facts (never needs the token)
    POST   /api/ask        {"question": "...", "k": 10, "llm": "none"|"openai"|"gguf"}
                                          → Answer.to_json(with_passages=True)
    POST   /api/chat       {"messages": [{"role": "user", "content": "..."}, ...], "k": 10, "llm": ...}
                                          → the /api/ask JSON for the last user message, with rewritten_question
                                            (and clarification when the conversation does not say what it means)
    GET    /v1/models, POST /v1/chat/completions   OpenAI-compatible (rag.openai_compat)
    POST   /api/search     {"question": "...", "k": 10}
                                          → [{rank, doc, chunk_id, section, text, score, page, dense_rank, bm25_rank}]
    GET    /api/documents                 → [{id, source, chunks, indexed_at, sha256, size, script, uploaded}]
                                          (no server paths)
    POST   /api/documents  multipart, one or more ``files`` parts → what was added/updated, per-file errors
    DELETE /api/documents/{source}        remove a document (file name as listed, or its id)

With ``RAG_API_TOKEN`` set every ``/api/*`` route except health needs
``Authorization: Bearer <token>``. Status codes: 401 token, 404 unknown document,
409 index busy (another writer), 413 upload too large, 415 unsupported file type,
400 a file that cannot be loaded (corrupt PDF, empty, binary), 422 an invalid
request or a question with nothing to search for, 503 no index yet (the mapping
lives in :func:`rag.service.failure`, shared with the UI and the CLI).

Example::

    >>> from rag.api import create_app
    >>> from rag.settings import Settings
    >>> app = create_app(Settings(index_name="reports"))        # doctest: +SKIP
    >>> # uvicorn.run(app, host="127.0.0.1", port=7860)

The web UI (:mod:`rag.ui`) is mounted on the same app and shares its
:class:`RagService`, so both see one index, one retriever and one upload area.
"""
from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Depends, FastAPI, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from .openai_compat import openai_router
from .service import MAX_K, ApiError, RagService, failure
from .settings import Settings

log = logging.getLogger(__name__)

SEARCH_KEYS = ("rank", "doc", "chunk_id", "section", "text", "score", "page", "dense_rank", "bm25_rank")


# ---------------------------------------------------------------- request bodies


class AskRequest(BaseModel):
    question: str = Field(..., description="the question, in Chinese (simplified or traditional) or English")
    k: int | None = Field(None, ge=1, le=MAX_K, description="passages to retrieve (default RAG_TOP_K)")
    llm: Literal["none", "openai", "gguf"] | None = Field(None, description="answer backend (default RAG_LLM)")


class SearchRequest(BaseModel):
    question: str
    k: int | None = Field(None, ge=1, le=MAX_K)


class ChatRequest(BaseModel):
    messages: list[dict] = Field(..., min_length=1, description='the conversation: [{"role": "user"|"assistant", "content": "..."}, ...], the last one the question')
    k: int | None = Field(None, ge=1, le=MAX_K, description="passages to retrieve (default RAG_TOP_K)")
    llm: Literal["none", "openai", "gguf"] | None = Field(None, description="answer backend (default RAG_LLM)")


# ---------------------------------------------------------------- middleware and errors


class _UploadSizeGuard:
    """Refuse an upload body larger than the limits allow before it is read (pure ASGI, streams untouched)."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].rstrip("/").endswith("/api/documents"):
            length = dict(scope.get("headers") or []).get(b"content-length")
            if length and length.isdigit() and int(length) > self.max_bytes:
                resp = JSONResponse({"error": f"upload too large ({int(length) / 1048576:.1f} MB in one request; "
                                              f"the limit is {self.max_bytes / 1048576:.0f} MB)"}, status_code=413)
                await resp(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _error_response(exc: Exception) -> JSONResponse:
    f = failure(exc, remote=True)
    if f is None:
        log.error("unexpected error", exc_info=exc)
        return JSONResponse({"error": f"internal error: {type(exc).__name__}: {exc}"}, status_code=500)
    headers = {"WWW-Authenticate": "Bearer"} if f.status == 401 else None
    return JSONResponse({"error": f.message, **f.extra}, status_code=f.status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        parts = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
            parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
        return JSONResponse({"error": "invalid request: " + "; ".join(parts), "detail": jsonable(exc.errors())}, status_code=422)


def _call(fn, *args, **kw):
    """Run a service call; every failure becomes an :class:`ApiError` with the status :func:`failure` gives."""
    try:
        return fn(*args, **kw)
    except ApiError:
        raise
    except Exception as e:  # noqa: BLE001 - every failure becomes a JSON error
        f = failure(e, remote=True)
        if f is None:
            log.exception("unexpected error")
            raise ApiError(500, f"internal error: {type(e).__name__}: {e}") from None
        raise ApiError(f.status, f.message, **f.extra) from None


# ---------------------------------------------------------------- routes


def _routes(service: RagService) -> APIRouter:
    def require_token(request: Request) -> None:
        service.check_token(request.headers.get("authorization"))

    api = APIRouter(prefix="/api", dependencies=[Depends(require_token)])

    @api.post("/ask", tags=["qa"])
    def ask(req: AskRequest) -> dict:
        return _call(service.ask, req.question, req.k, req.llm).to_json(with_passages=True)

    @api.post("/chat", tags=["qa"])
    def chat(req: ChatRequest) -> dict:
        """The last user message answered in the light of the earlier ones (see rag.chat): /api/ask's JSON plus rewritten_question / clarification."""
        return _call(service.chat, req.messages, req.k, req.llm).to_json(with_passages=True)

    @api.post("/search", tags=["qa"])
    def search(req: SearchRequest) -> list[dict]:
        passages = _call(service.search, req.question, req.k)
        return [{k: v for k, v in p.to_json().items() if k in SEARCH_KEYS} for p in passages]

    @api.get("/documents", tags=["documents"])
    def documents() -> list[dict]:
        return _call(service.public_documents)

    @api.post("/documents", tags=["documents"])
    async def upload(files: list[UploadFile] = File(..., description="one or more documents (.txt .md .pdf .docx .xlsx .csv .html, images …)")):
        return await _upload(service, files)

    @api.delete("/documents/{source:path}", tags=["documents"])
    def delete(source: str) -> dict:
        return {"removed": _call(service.remove, source)}

    return api


async def _upload(service: RagService, files: list[UploadFile]):
    """Receive the parts into a private directory, hand them to the service, answer with what happened."""
    service.check_upload_count(len(files))
    tmp = service.uploads_dir / ".incoming" / uuid.uuid4().hex[:10]
    try:
        await run_in_threadpool(tmp.mkdir, parents=True, exist_ok=True)
        items: list[tuple[str, Path]] = []
        for i, f in enumerate(files):
            dest = tmp / f"{i:03d}"
            await run_in_threadpool(_save, f, dest)
            items.append((f.filename or "", dest))
        outcome = await run_in_threadpool(_call, service.add_files, items)
    finally:
        await run_in_threadpool(shutil.rmtree, tmp, True)
    body = outcome.to_json()
    if outcome.errors and not outcome.indexed:
        return JSONResponse({"error": "; ".join(e["error"] for e in outcome.errors), **body}, status_code=outcome.errors[0]["status"])
    return body


def create_app(settings: Settings, service: RagService | None = None) -> FastAPI:
    """The FastAPI app with the JSON API under ``/api``; :func:`rag.ui.create_app` adds the web UI."""
    service = service or RagService(settings)
    app = FastAPI(
        title="rag — Chinese document QA",
        description="Cited, number-checked answers over Chinese reports. Same JSON as `rag ask --json`.",
        version="0.1.0",
    )
    app.state.service = service
    app.add_middleware(_UploadSizeGuard, max_bytes=service.max_request_bytes)
    _install_error_handlers(app)

    @app.get("/api/health", tags=["meta"])
    def health() -> dict:
        return service.health()

    app.include_router(_routes(service))
    app.include_router(openai_router(service, settings))  # /v1/models, /v1/chat/completions (rag.openai_compat)
    return app


def _save(upload: UploadFile, dest: Path) -> None:
    upload.file.seek(0)
    with open(dest, "wb") as out:
        shutil.copyfileobj(upload.file, out, 1 << 20)


def jsonable(obj):
    from fastapi.encoders import jsonable_encoder

    try:
        return jsonable_encoder(obj)
    except Exception:  # noqa: BLE001
        return str(obj)
