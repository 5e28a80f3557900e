"""An OpenAI-compatible face: this system as a chat "model" for the ``openai`` client, LangChain's
``ChatOpenAI`` and chat front-ends (Open WebUI, LibreChat, …).

Routes (mounted by :func:`rag.api.create_app`)::

    GET  /v1/models                → {"object": "list", "data": [{"id": "rag", ...}, ...]}
    GET  /v1/models/{id}
    POST /v1/chat/completions      {"model": "rag", "messages": [...], "stream": false, "k": 10}

Every turn goes through follow-up resolution (:mod:`rag.chat`): the whole ``messages`` list is
the conversation, the last user message the question. The reply text is what a chat window
shows: the ``理解为：`` line when the question was rewritten, the short answer with ``[n]``
markers, and a sources list; the structured citations are in the extra top-level field
``citations`` and the full answer JSON (``rewritten_question``, ``clarification``, ``refused``,
``grounded``, ``warnings``, …) in ``rag``. With ``stream: true`` the reply comes as server-sent
events (``data: {chunk}`` … ``data: [DONE]``); the answer text is sent once it has passed the
figure check (an LLM's unchecked draft is never streamed), the ``理解为：`` line at once.

Models: ``rag`` answers with the configured backend (``RAG_LLM``), ``rag-offline`` with the
offline reader, ``rag-openai`` / ``rag-gguf`` with an LLM when one is configured.

Errors are OpenAI-shaped, ``{"error": {"message", "type", "param", "code"}}``: 401 for a
missing or wrong bearer token (``RAG_API_TOKEN``), 400 for a malformed body, 404 for an unknown
model, 503 while the index is empty.

Example::

    >>> from openai import OpenAI                                               # doctest: +SKIP
    >>> client = OpenAI(base_url="http://127.0.0.1:7860/v1", api_key="<RAG_API_TOKEN or anything>")  # doctest: +SKIP
    >>> r = client.chat.completions.create(model="rag", messages=[{"role": "user", "content": "稻城县县城海拔多高？"}])  # doctest: +SKIP
    >>> r.choices[0].message.content, r.model_extra["citations"][0]["quote"]   # doctest: +SKIP
"""
from __future__ import annotations

import json
import logging
import queue
import re
import secrets
import threading
import time
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .chat import lang_of, reply_text, validate_messages
from .service import ApiError, RagService
from .settings import Settings
from .types import Answer, IndexError_

log = logging.getLogger(__name__)

OWNER = "rag"
KEEPALIVE_S = 5.0


class CompletionRequest(BaseModel):
    """The fields this server reads; any other OpenAI field (temperature, max_tokens, …) is accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(..., min_length=1)
    messages: list[Any] = Field(..., min_length=1)
    stream: bool = False
    stream_options: dict | None = None
    k: int | None = Field(None, ge=1, le=100, description="passages to retrieve (default RAG_TOP_K)")


def models_of(settings: Settings) -> dict[str, str]:
    """Model id → answer backend."""
    out = {"rag": settings.llm, "rag-offline": "none"}
    if (settings.llm_base_url or "").strip() and (settings.llm_model or "").strip():
        out["rag-openai"] = "openai"
    if (settings.llm_gguf or "").strip():
        out["rag-gguf"] = "gguf"
    return out


def error(status: int, message: str, type_: str = "invalid_request_error", code: str | None = None, param: str | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": {"message": message, "type": type_, "param": param, "code": code}}, status_code=status, headers=headers)


def _from_api_error(e: ApiError) -> JSONResponse:
    kind = {401: "authentication_error", 404: "not_found_error", 409: "conflict_error", 503: "service_unavailable"}.get(e.status, "invalid_request_error")
    if e.status >= 500:
        kind = "server_error" if e.status != 503 else kind
    return error(400 if e.status == 422 else e.status, e.message, kind)


def _tokens(text: str) -> int:
    """A rough token count (a CJK character or a word each) for the ``usage`` block."""
    return len(re.findall(r"[\u3400-\u9fff]|[A-Za-z0-9]+", text or ""))


def openai_router(service: RagService, settings: Settings) -> APIRouter:
    """The ``/v1`` routes over ``service`` (one line in ``create_app`` mounts them)."""
    router = APIRouter(prefix="/v1", tags=["openai-compatible"])
    models = models_of(settings)
    created = int(time.time())

    def auth(request: Request) -> JSONResponse | None:
        token = settings.api_token
        if not token:
            return None
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return error(401, "missing API key: send 'Authorization: Bearer <token>' (the server has RAG_API_TOKEN set)", "authentication_error", "invalid_api_key")
        if not secrets.compare_digest(value.strip().encode(), token.encode()):
            return error(401, "incorrect API key provided", "authentication_error", "invalid_api_key")
        return None

    def model_card(mid: str) -> dict:
        return {"id": mid, "object": "model", "created": created, "owned_by": OWNER,
                "backend": models[mid], "index": settings.index_name}

    @router.get("/models")
    def list_models(request: Request):
        denied = auth(request)
        if denied:
            return denied
        return {"object": "list", "data": [model_card(m) for m in models]}

    @router.get("/models/{model_id}")
    def get_model(model_id: str, request: Request):
        denied = auth(request)
        if denied:
            return denied
        if model_id not in models:
            return error(404, f"the model '{model_id}' does not exist (available: {', '.join(models)})", code="model_not_found", param="model")
        return model_card(model_id)

    @router.post("/chat/completions")
    async def completions(request: Request):
        denied = auth(request)
        if denied:
            return denied
        raw = await request.body()
        try:
            body = json.loads(raw or b"")
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            return error(400, f"the request body is not valid JSON ({e})")
        if not isinstance(body, dict):
            return error(400, "the request body must be a JSON object with 'model' and 'messages'")
        try:
            req = CompletionRequest.model_validate(body)
        except ValidationError as e:
            first = e.errors()[0]
            loc = ".".join(str(x) for x in first.get("loc", ()))
            return error(400, f"invalid request: {loc}: {first.get('msg')}" if loc else f"invalid request: {first.get('msg')}", param=loc or None)
        if req.model not in models:
            return error(404, f"the model '{req.model}' does not exist (available: {', '.join(models)})", code="model_not_found", param="model")
        try:
            messages = validate_messages(req.messages)
        except ValueError as e:
            return error(400, f"invalid messages: {e}", param="messages")
        backend = models[req.model]
        try:
            conv = await run_in_threadpool(service.conversation)
            service.answerer(conv.assistant, backend)
        except ApiError as e:
            return _from_api_error(e)
        except IndexError_ as e:
            return error(409, str(e), "conflict_error")
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if req.stream:
            include_usage = bool((req.stream_options or {}).get("include_usage"))
            return StreamingResponse(_stream(conv, messages, req, backend, cid, include_usage), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        try:
            ans = await run_in_threadpool(conv.chat, messages, req.k or settings.top_k, backend)
        except ApiError as e:
            return _from_api_error(e)
        except Exception as e:  # noqa: BLE001 - every failure is an OpenAI-shaped error
            log.exception("chat completion failed")
            return error(500, f"internal error: {type(e).__name__}: {e}", "server_error")
        text = reply_text(ans)
        prompt = sum(_tokens(m["content"]) for m in messages)
        return {
            "id": cid, "object": "chat.completion", "created": int(time.time()), "model": req.model,
            "system_fingerprint": f"rag-{settings.index_name}",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": None,
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": _tokens(text), "total_tokens": prompt + _tokens(text)},
            **_extras(ans),
        }

    def _stream(conv, messages, req: CompletionRequest, backend: str, cid: str, include_usage: bool):
        created_at = int(time.time())

        def chunk(delta: dict, finish: str | None = None, **extra) -> str:
            obj = {"id": cid, "object": "chat.completion.chunk", "created": created_at, "model": req.model,
                   "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}], **extra}
            return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"

        # the answer is worked out in a thread; the stream sends keep-alive comments while it waits
        q: queue.Queue = queue.Queue()

        def work():
            try:
                history, question = conv.history(messages)
                for item in conv.stream(question, history, req.k or settings.top_k, backend):
                    q.put(item)
            except Exception as e:  # noqa: BLE001
                log.exception("streamed chat completion failed")
                q.put(e)
            q.put(None)

        threading.Thread(target=work, daemon=True, name="rag-v1-stream").start()
        yield chunk({"role": "assistant", "content": ""})
        sent, ans = "", None
        while True:
            try:
                item = q.get(timeout=KEEPALIVE_S)
            except queue.Empty:
                yield ": keep-alive\n\n"
                continue
            if item is None:
                break
            if isinstance(item, Exception):
                msg = item.message if isinstance(item, ApiError) else f"{type(item).__name__}: {item}"
                yield f"data: {json.dumps({'error': {'message': msg, 'type': 'server_error', 'param': None, 'code': None}}, ensure_ascii=False)}\n\n"
                yield "data: [DONE]\n\n"
                return
            if isinstance(item, Answer):
                ans = item
            elif not isinstance(item, str):  # the resolution: say at once what the question was understood as
                lang = lang_of(item.question)
                if item.changed:
                    from .chat import UNDERSTOOD

                    sent = UNDERSTOOD[lang] + item.rewritten + "\n\n"
                    yield chunk({"content": sent})
            # str deltas (an LLM's unchecked draft) are not sent: only the checked answer is
        if ans is None:
            yield "data: [DONE]\n\n"
            return
        text = reply_text(ans)
        rest = text[len(sent):] if text.startswith(sent) else ("\n\n" + text if sent else text)
        for piece in _pieces(rest):
            yield chunk({"content": piece})
        yield chunk({}, "stop", **_extras(ans))
        if include_usage:
            prompt = sum(_tokens(m["content"]) for m in messages)
            usage = {"prompt_tokens": prompt, "completion_tokens": _tokens(text), "total_tokens": prompt + _tokens(text)}
            yield f"data: {json.dumps({'id': cid, 'object': 'chat.completion.chunk', 'created': created_at, 'model': req.model, 'choices': [], 'usage': usage})}\n\n"
        yield "data: [DONE]\n\n"

    return router


def _pieces(text: str, size: int = 24) -> list[str]:
    """The reply in small pieces, cut after punctuation or line ends where possible."""
    out, cur = [], ""
    for ch in text:
        cur += ch
        if len(cur) >= size and (ch in "，。；：！？,.;:!?\n] " or len(cur) >= size * 2):
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return out


def _extras(ans: Answer) -> dict:
    """The structured part of a reply: ``citations`` and the answer JSON in ``rag``."""
    return {"citations": [c.to_json() for c in ans.citations], "rag": ans.to_json()}
