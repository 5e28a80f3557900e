"""What the faces share (rag/service.py): one error mapping, the token check, the upload limits.

The API (tests/test_api.py), the UI (tests/test_ui.py) and the CLI (tests/test_cli.py) test these
through their faces; here is the table itself, and the checks that need no index.
"""
from __future__ import annotations

import pytest

from rag.embeddings import EmbedderError
from rag.service import (
    EXIT_INPUT,
    EXIT_NOT_FOUND,
    ApiError,
    BackendUnavailable,
    DocumentNotFound,
    RagService,
    failure,
)
from rag.settings import Settings
from rag.stores.base import not_found
from rag.types import EmbedderMismatch, IndexBusy, IndexDamaged, LoadError, QueryError, StoreUnavailable


@pytest.mark.parametrize("exc, status, code, text", [
    (QueryError("the question is empty"), 422, EXIT_INPUT, "invalid question: the question is empty"),
    (not_found("x", "/srv/index"), 503, EXIT_NOT_FOUND, "no index 'x' at /srv/index"),
    (DocumentNotFound("no document 'a.txt' in index 'x'", ["b.txt"]), 404, EXIT_NOT_FOUND, "no document 'a.txt'"),
    (IndexBusy("index 'x' is busy"), 409, EXIT_INPUT, "busy"),
    (EmbedderMismatch("built with 'st:m'"), 409, EXIT_INPUT, "st:m"),
    (IndexDamaged("index 'x' is damaged (dense.faiss: ...)"), 409, EXIT_INPUT, "damaged"),
    (StoreUnavailable("cannot reach the Milvus server"), 503, EXIT_INPUT, "cannot reach"),
    (LoadError("a.pdf", "corrupt PDF"), 400, EXIT_INPUT, "a.pdf: corrupt PDF"),
    (EmbedderError("cannot load model"), 500, EXIT_INPUT, "cannot load model"),
    (BackendUnavailable("answer backend 'openai' is not available"), 400, EXIT_INPUT, "openai"),
    (ImportError("pip install 'zhdocqa[milvus]'"), 500, EXIT_INPUT, "zhdocqa[milvus]"),
    (FileExistsError(17, "File exists", "out"), 400, EXIT_INPUT, "out: File exists (a directory is needed there)"),
    (ValueError("RAG_MILVUS_URI='x': use http://host:19530"), 400, EXIT_INPUT, "RAG_MILVUS_URI"),
    (ApiError(413, "too many files"), 413, EXIT_INPUT, "too many files"),
    (ApiError(404, "gone"), 404, EXIT_NOT_FOUND, "gone"),
])
def test_one_mapping_for_every_face(exc, status, code, text):
    f = failure(exc)
    assert (f.status, f.exit_code) == (status, code)
    assert text in f.message and "\n" not in f.message


def test_unexpected_errors_are_not_dressed_up():
    assert failure(KeyError("doc")) is None and failure(ZeroDivisionError()) is None


def test_remote_users_are_not_told_server_paths():
    f = failure(not_found("x", "/srv/secret/index"), remote=True)
    assert f.status == 503 and "/srv" not in f.message and "upload" in f.message and "'x'" in f.message


def test_token_check():
    open_svc = RagService(Settings(index_name="t"))
    open_svc.check_token(None)  # no token set: anything passes
    assert open_svc.token_ok("anything")
    svc = RagService(Settings(index_name="t", api_token="s3cret"))
    for header, message in ((None, "missing API token"), ("Basic czNjcmV0", "missing API token"), ("Bearer wrong", "invalid API token")):
        with pytest.raises(ApiError) as ei:
            svc.check_token(header)
        assert ei.value.status == 401 and message in ei.value.message
    svc.check_token("Bearer s3cret")
    assert svc.token_ok("s3cret") and not svc.token_ok("") and not svc.token_ok(None)


def test_upload_checks():
    svc = RagService(Settings(index_name="t", max_upload_mb=1))
    assert ".pdf" in svc.accepted_types() and ".txt" in svc.accepted_types()
    assert svc.upload_problem("a.txt", 10) is None
    assert svc.upload_problem("a.exe", 10).status == 415
    p = svc.upload_problem("a.txt", 2 * 1024 * 1024)
    assert p.status == 413 and "a.txt" in p.message and "1 MB" in p.message
    assert svc.upload_problem("a.txt", 0).status == 400
    with pytest.raises(ApiError) as ei:
        svc.check_upload_count(21)
    assert ei.value.status == 413
    assert svc.max_request_bytes == (20 + 1) * 1024 * 1024


@pytest.mark.parametrize("k", [0, -5, 101, True, "3"])
def test_k_is_checked_once_for_every_face(k):
    with pytest.raises(ApiError) as ei:
        RagService(Settings(index_name="t"))._k(k)
    assert ei.value.status == 422 and "k:" in ei.value.message


def test_the_question_is_cleaned_once():
    svc = RagService(Settings(index_name="t", max_question_chars=10))
    q = svc.query("  全县\x1b[31m有多少个行政村和多少个乡镇？ ")
    assert q.text == "全县 有多少个行政村" and q.truncated and q.warnings == ["question truncated to its first 10 characters"]
    assert svc.query(q) is q  # a cleaned question passes through every later step
    with pytest.raises(QueryError):
        svc.query("？？")
