"""The JSON HTTP API over a real uvicorn server on 127.0.0.1, a real index and real models.

Each server runs in a background thread on a socket bound to a free loopback port and
answers from a private copy of the session's seed index, so uploads and removals here
never touch the index other tests read. Requests go through httpx like any client.
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from helpers import LiveServer, copy_index, make_report_pdf

SEED_DIR = Path(__file__).resolve().parent.parent / "seeds"
SEEDS = sorted(p.name for p in SEED_DIR.iterdir() if p.suffix == ".txt")
Q_VILLAGES = "稻城县2014年审定贫困村多少个？"
FACT = "测试县水利建设情况\n\n测试县2023年新建蓄水池37座。全县新修灌溉渠道12公里。\n"
Q_FACT = "测试县2023年新建蓄水池多少座？"


# ---------------------------------------------------------------- a real server in a thread








@pytest.fixture(scope="module")
def api(seed_index, tmp_path_factory):
    """An API server (rag.api.create_app) over a private copy of the seed index."""
    from rag.api import create_app

    s = copy_index(seed_index, tmp_path_factory.mktemp("api-index"))
    with LiveServer(create_app(s)) as srv, httpx.Client(base_url=srv.url, timeout=120) as client:
        client.settings = s
        # load the models once, so the tests below measure nothing but themselves
        assert client.post("/api/ask", json={"question": Q_VILLAGES}).status_code == 200
        yield client


@pytest.fixture(scope="module")
def strict_api(seed_index, tmp_path_factory):
    """A server with RAG_API_TOKEN set and a 10 KB upload limit."""
    from rag.api import create_app

    s = copy_index(seed_index, tmp_path_factory.mktemp("strict-index"), api_token="s3cret-token", max_upload_mb=0.01)
    with LiveServer(create_app(s)) as srv, httpx.Client(base_url=srv.url, timeout=120) as client:
        client.settings = s
        yield client


def sources(client, **kw) -> list[str]:
    r = client.get("/api/documents", **kw)
    assert r.status_code == 200, r.text
    return [d["source"] for d in r.json()]


# ---------------------------------------------------------------- reading


def test_health(api):
    r = api.get("/api/health")
    assert r.status_code == 200
    h = r.json()
    assert h["status"] == "ok" and h["ready"] is True
    assert h["documents"] == len(SEEDS) and h["chunks"] > 50


def test_ask_answers_with_citations(api):
    r = api.post("/api/ask", json={"question": Q_VILLAGES, "k": 10})
    assert r.status_code == 200, r.text
    a = r.json()
    assert "55" in a["answer"] and not a["refused"]
    assert a["citations"], a
    c = a["citations"][0]
    assert c["doc"] == "000_0be71c8bf9467bc8.txt"
    assert c["quote"] in c["text"] and "55" in c["quote"]
    assert a["backend"] == "offline" and a["grounded"] is True
    assert len(a["retrieved"]) == 10 and [p["rank"] for p in a["retrieved"]] == list(range(1, 11))


def test_ask_json_is_the_cli_json(api, capsys):
    """POST /api/ask returns what `rag ask --json --passages` prints (timings aside)."""
    from rag.cli import main

    s = api.settings
    assert main(["ask", Q_VILLAGES, "--json", "--passages", "--index-dir", str(s.index_dir), "--name", s.index_name]) == 0
    cli = json.loads(capsys.readouterr().out)
    web = api.post("/api/ask", json={"question": Q_VILLAGES}).json()
    assert set(web) == set(cli)
    for key in ("question", "answer", "refused", "citations", "backend", "grounded", "warnings"):
        assert web[key] == cli[key], key
    assert [(p["doc"], p["chunk_id"]) for p in web["retrieved"]] == [(p["doc"], p["chunk_id"]) for p in cli["retrieved"]]


def test_search_returns_ranked_passages(api):
    r = api.post("/api/search", json={"question": Q_VILLAGES, "k": 5})
    assert r.status_code == 200, r.text
    ps = r.json()
    assert [p["rank"] for p in ps] == [1, 2, 3, 4, 5]
    assert {"rank", "doc", "chunk_id", "section", "text", "score", "page"} <= set(ps[0])
    assert ps[0]["doc"] == "000_0be71c8bf9467bc8.txt"
    assert any("贫困村55个" in p["text"] for p in ps[:3])
    assert all(isinstance(p["score"], float) for p in ps)


def test_documents_lists_the_seeds(api):
    r = api.get("/api/documents")
    assert r.status_code == 200
    docs = r.json()
    assert sorted(d["source"] for d in docs) == SEEDS
    for d in docs:
        assert {"id", "source", "chunks", "indexed_at", "sha256", "uploaded"} <= set(d)
        assert d["chunks"] > 0 and len(d["sha256"]) == 64 and d["uploaded"] is False
    # no server paths: nothing in the listing names where the server keeps its files
    server_dirs = {str(Path(api.settings.index_dir).resolve()), str(SEED_DIR.resolve()), "/"}
    assert "path" not in docs[0]
    assert not any(str(v).startswith(tuple(server_dirs)) for d in docs for v in d.values())
    assert len({d["id"] for d in docs}) == len(docs)


@pytest.mark.parametrize("body, needle", [
    ({"question": ""}, "empty"),
    ({"question": "   "}, "empty"),
    ({"question": "？？？！"}, "empty"),
    ({}, "question"),
    ({"question": 42}, "question"),
    ({"question": Q_VILLAGES, "k": 0}, "k"),
    ({"question": Q_VILLAGES, "llm": "gpt"}, "llm"),
])
def test_invalid_questions_get_a_clear_422(api, body, needle):
    for path in ("/api/ask", "/api/search"):
        if path == "/api/search" and "llm" in body:
            continue
        r = api.post(path, json=body)
        assert r.status_code == 422, (path, r.text)
        assert needle in r.json()["error"], r.json()


def test_not_json_is_a_clear_422(api):
    r = api.post("/api/ask", content=b"not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "invalid request" in r.json()["error"]


def test_unconfigured_llm_backend_is_a_clear_400(api):
    r = api.post("/api/ask", json={"question": Q_VILLAGES, "llm": "openai"})
    assert r.status_code == 400
    assert "RAG_LLM_BASE_URL" in r.json()["error"]


# ---------------------------------------------------------------- writing


def test_upload_ask_remove(api, tmp_path):
    name = "测试县水利.txt"
    r = api.post("/api/documents", files=[("files", (name, FACT.encode("utf-8"), "text/plain"))])
    assert r.status_code == 200, r.text
    assert r.json()["added"] == [name] and r.json()["errors"] == []
    assert name in sources(api)
    saved = Path(api.settings.index_dir) / f"{api.settings.index_name}-uploads" / name
    assert saved.read_text(encoding="utf-8") == FACT

    a = api.post("/api/ask", json={"question": Q_FACT}).json()
    assert "37" in a["answer"], a["answer"]
    assert a["citations"][0]["doc"] == name

    listed = next(d for d in api.get("/api/documents").json() if d["source"] == name)
    assert listed["uploaded"] is True
    r = api.delete(f"/api/documents/{listed['id']}")  # by its id (or by its name, below)
    assert r.status_code == 200 and r.json() == {"removed": [name]}
    assert name not in sources(api)
    assert not saved.exists()
    a = api.post("/api/ask", json={"question": Q_FACT}).json()
    assert all(c["doc"] != name for c in a["citations"])
    assert all(p["doc"] != name for p in a["retrieved"])
    assert "37座" not in a["answer"]





def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_heading("样例县教育情况", level=1)
    d.add_paragraph("样例县2022年新建幼儿园9所，新增学位1350个。")
    d.save(str(path))
    return path


def test_pdf_and_docx_uploads_answer_with_page_numbers(api, tmp_path):
    pdf, docx_ = make_report_pdf(tmp_path / "示例县年度报告.pdf"), make_docx(tmp_path / "样例县教育.docx")
    r = api.post("/api/documents", files=[("files", (pdf.name, pdf.read_bytes(), "application/pdf")),
                                          ("files", (docx_.name, docx_.read_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))])
    assert r.status_code == 200, r.text
    assert sorted(r.json()["added"]) == sorted([pdf.name, docx_.name])
    a = api.post("/api/ask", json={"question": "示例县2021年新建桥梁多少座？"}).json()
    assert "14" in a["answer"], a["answer"]
    assert a["citations"][0]["doc"] == pdf.name and a["citations"][0]["page"] == 2
    a = api.post("/api/ask", json={"question": "样例县2022年新建幼儿园多少所？"}).json()
    assert "9所" in a["answer"] and a["citations"][0]["doc"] == docx_.name
    for name in (pdf.name, docx_.name):
        assert api.delete(f"/api/documents/{name}").status_code == 200
    assert sorted(sources(api)) == SEEDS


def test_upload_of_the_same_file_twice_is_unchanged_then_updated(api):
    name = "重复.md"
    first = api.post("/api/documents", files=[("files", (name, "# 重复县\n\n重复县2022年修建桥梁8座。".encode(), "text/markdown"))])
    assert first.json()["added"] == [name]
    again = api.post("/api/documents", files=[("files", (name, "# 重复县\n\n重复县2022年修建桥梁8座。".encode(), "text/markdown"))])
    assert again.json()["unchanged"] == [name]
    changed = api.post("/api/documents", files=[("files", (name, "# 重复县\n\n重复县2022年修建桥梁9座。".encode(), "text/markdown"))])
    assert changed.json()["updated"] == [name]
    assert "9" in api.post("/api/ask", json={"question": "重复县2022年修建桥梁多少座？"}).json()["answer"]
    assert api.delete(f"/api/documents/{name}").status_code == 200


def test_corrupt_pdf_is_refused_and_the_index_is_unchanged(api):
    before = api.get("/api/documents").json()
    version = api.get("/api/health").json()["version"]
    r = api.post("/api/documents", files=[("files", ("报告-损坏.pdf", b"%PDF-1.4 garbage", "application/pdf"))])
    assert 400 <= r.status_code < 500
    err = r.json()["error"]
    assert "报告-损坏.pdf" in err and "PDF" in err, err
    assert api.get("/api/documents").json() == before
    assert api.get("/api/health").json()["version"] == version
    assert not (Path(api.settings.index_dir) / f"{api.settings.index_name}-uploads" / "报告-损坏.pdf").exists()


@pytest.mark.parametrize("name, data, status, needle", [
    ("tool.exe", b"MZ\x90\x00binary", 415, "unsupported file type"),
    ("empty.txt", b"", 400, "empty"),
    ("blank.txt", b"   \n\n  ", 400, "empty"),
    ("nul.txt", b"\x00\x01\x02\x00binary" * 20, 400, "binary"),
    ("broken.docx", b"PK\x03\x04 not really a zip", 400, "docx"),
])
def test_bad_files_are_refused_by_name(api, name, data, status, needle):
    before = sources(api)
    r = api.post("/api/documents", files=[("files", (name, data, "application/octet-stream"))])
    assert r.status_code == status, r.text
    assert name in r.json()["error"] and needle in r.json()["error"], r.json()
    assert sources(api) == before


def test_a_bad_file_next_to_a_good_one(api):
    good, bad = "好文件.txt", "坏文件.pdf"
    r = api.post("/api/documents", files=[("files", (good, "好县2021年植树3000株。".encode(), "text/plain")),
                                          ("files", (bad, b"%PDF-1.7\n%%EOF", "application/pdf"))])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["added"] == [good]
    assert [e["file"] for e in body["errors"]] == [bad] and bad in body["errors"][0]["error"]
    assert good in sources(api) and bad not in sources(api)
    assert api.delete(f"/api/documents/{good}").status_code == 200


def test_upload_needs_files(api):
    r = api.post("/api/documents", data={"x": "1"})
    assert r.status_code == 422 and "files" in r.json()["error"]


def test_delete_unknown_document_is_404(api):
    r = api.delete("/api/documents/no-such-file.txt")
    assert r.status_code == 404
    assert "no-such-file.txt" in r.json()["error"]


def test_busy_index_is_409(api):
    from rag.indexer import index_lock

    s = api.settings
    before = sources(api)
    with index_lock(Path(s.index_dir) / s.index_name):  # another writer (e.g. `rag index`) holds the index
        r = api.post("/api/documents", files=[("files", ("busy.txt", "忙县2020年新建学校3所。".encode(), "text/plain"))])
        assert r.status_code == 409, r.text
        assert "busy" in r.json()["error"]
        r = api.delete(f"/api/documents/{SEEDS[0]}")
        assert r.status_code == 409
    assert sources(api) == before
    assert not (Path(s.index_dir) / f"{s.index_name}-uploads" / "busy.txt").exists()


def test_a_version_written_by_another_writer_is_picked_up(api, tmp_path):
    """An index update made outside the server (as `rag index` would) is seen by the next query."""
    from rag.indexer import Indexer

    s = api.settings
    doc = tmp_path / "外部县.txt"
    doc.write_text("外部县2019年新建卫生院6所。\n", encoding="utf-8")
    report = Indexer(s.index_name, settings=s, progress=False).run([doc])
    assert report.added == ["外部县.txt"]
    a = api.post("/api/ask", json={"question": "外部县2019年新建卫生院多少所？"}).json()
    assert "6所" in a["answer"] and a["citations"][0]["doc"] == "外部县.txt"
    assert "外部县.txt" in sources(api)
    assert api.delete("/api/documents/外部县.txt").status_code == 200
    assert "外部县.txt" not in sources(api)


def test_questions_keep_answering_while_documents_change(api):
    def ask(_):
        r = api.post("/api/ask", json={"question": Q_VILLAGES})
        return r.status_code, r.json().get("answer", "")

    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(ask, i) for i in range(18)]
        r = api.post("/api/documents", files=[("files", ("并发.txt", "并发县2018年新建公园4个。".encode(), "text/plain"))])
        results = [f.result() for f in futures]
    assert r.status_code == 200, r.text
    assert all(code == 200 and "55" in ans for code, ans in results), results
    assert api.delete("/api/documents/并发.txt").status_code == 200


# ---------------------------------------------------------------- token and limits


def test_token_is_required_when_set(strict_api):
    ok = {"Authorization": "Bearer s3cret-token"}
    for method, path, kw in [("post", "/api/ask", {"json": {"question": Q_VILLAGES}}),
                             ("post", "/api/search", {"json": {"question": Q_VILLAGES}}),
                             ("get", "/api/documents", {}),
                             ("delete", f"/api/documents/{SEEDS[0]}", {})]:
        r = getattr(strict_api, method)(path, **kw)
        assert r.status_code == 401, (path, r.text)
        assert "Authorization: Bearer" in r.json()["error"]
        assert r.headers["www-authenticate"] == "Bearer"
        r = getattr(strict_api, method)(path, headers={"Authorization": "Bearer wrong"}, **kw)
        assert r.status_code == 401 and r.json()["error"] == "invalid API token"
        r = getattr(strict_api, method)(path, headers={"Authorization": "Basic czNjcmV0LXRva2Vu"}, **kw)
        assert r.status_code == 401
    r = strict_api.post("/api/ask", json={"question": Q_VILLAGES}, headers=ok)
    assert r.status_code == 200 and "55" in r.json()["answer"]
    assert strict_api.get("/api/documents", headers=ok).status_code == 200
    assert sorted(sources(strict_api, headers=ok)) == SEEDS  # the refused DELETE removed nothing
    assert strict_api.get("/api/health").status_code == 200  # health needs no token


def test_upload_size_limit(strict_api):
    ok = {"Authorization": "Bearer s3cret-token"}
    before = sources(strict_api, headers=ok)
    big = ("大文件.txt", ("大文件县2020年新建水厂2座。\n" * 1000).encode(), "text/plain")  # ~40 KB > 10 KB
    r = strict_api.post("/api/documents", files=[("files", big)], headers=ok)
    assert r.status_code == 413
    assert "大文件.txt" in r.json()["error"] and "limit" in r.json()["error"]
    huge = ("巨大.txt", b"x" * (2 * 1024 * 1024), "text/plain")  # over the whole-request guard: refused unread
    r = strict_api.post("/api/documents", files=[("files", huge)], headers=ok)
    assert r.status_code == 413 and "too large" in r.json()["error"]
    assert sources(strict_api, headers=ok) == before
