"""The web UI end to end: a real server on 127.0.0.1, a real index, headless Chromium.

The browser is Debian's chromium (/usr/bin/chromium) driven by Playwright; Playwright never
downloads a browser of its own. Screenshots go to each test's tmp_path and their paths are
printed. The one thing that stands in for the outside world is the OpenAI-compatible chat
server for the streaming test (http.server on 127.0.0.1, as in test_llm.py): no model can be
reached from here; everything of ours — Gradio app, API, retriever, reader, grounding — is real.
"""
from __future__ import annotations

import json
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from helpers import LiveServer, make_report_pdf, send_completion

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
Q_VILLAGES = "稻城县2014年审定贫困村多少个？"
Q_FACT = "测试县2023年新建蓄水池多少座？"
FACT = "测试县水利建设情况\n\n测试县2023年新建蓄水池37座。全县新修灌溉渠道12公里。\n"
ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- servers





class _ChatHandler(BaseHTTPRequestHandler):
    """``POST /v1/chat/completions`` with ``stream: true``: the scripted reply in small SSE chunks."""

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        reply, size, delay = self.server.reply, 2, 0.12
        if not body.get("stream"):
            send_completion(self, reply, body.get("model"))
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            for i in range(0, len(reply), size):
                chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": body.get("model"),
                         "choices": [{"index": 0, "delta": {"content": reply[i : i + size]}, "finish_reason": None}]}
                self.wfile.write(b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\n\n")
                self.wfile.flush()
                time.sleep(delay)
            done = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": body.get("model"),
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            self.wfile.write(b"data: " + json.dumps(done).encode() + b"\n\ndata: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def chat_server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _ChatHandler)
    srv.daemon_threads = True
    srv.reply = ""
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def ui(seed_index, tmp_path_factory, chat_server):
    """The full app (rag.ui.create_app: UI at /, API at /api) over a private copy of the seed index."""
    from rag.ui import create_app

    d = tmp_path_factory.mktemp("ui-index")
    shutil.copytree(seed_index.index_path, d / seed_index.index_name)
    s = seed_index.model_copy(update={
        "index_dir": d, "llm": "none", "llm_base_url": f"http://127.0.0.1:{chat_server.server_address[1]}/v1",
        "llm_model": "stand-in", "llm_timeout": 20.0,
    })
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NO_PROXY", "127.0.0.1,localhost")
        with LiveServer(create_app(s)) as srv:
            srv.settings = s
            httpx.post(f"{srv.url}/api/ask", json={"question": Q_VILLAGES}, timeout=120).raise_for_status()  # load models
            yield srv


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "install Debian's chromium: apt-get install -y chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser, ui):
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    pg.goto(ui.url + "/")
    pg.wait_for_selector("#rag-question textarea")
    yield pg
    ctx.close()


# ---------------------------------------------------------------- helpers


def shot(pg, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def _stamp(pg, selector: str) -> str:
    return pg.evaluate(f"() => document.querySelector('{selector} [data-final]')?.dataset.t || ''")


def _wait_new(pg, selector: str, old: str, timeout_ms: float | None = None) -> None:
    pg.wait_for_function(
        "([sel, old]) => { const el = document.querySelector(sel + ' [data-final]'); return el && el.dataset.t !== old; }",
        arg=[selector, old],
        **({"timeout": timeout_ms} if timeout_ms else {}),
    )


def click_ask(pg, old: str, timeout_ms: float | None = None) -> None:
    """Click 提问 Ask for the question in the box and wait for a new final answer (its stamp differs from ``old``).

    A freshly loaded Gradio 6 page sometimes loses the first event (gradio-app/gradio#13599: the
    click has no effect, a second one works). When no answer has come after 20 s, the question is
    put back in the box and Ask clicked once more; while the first event still runs Gradio ignores
    the second click (trigger_mode "once"), so a slow answer is not asked twice. A server that
    never answers still fails the test.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    question = pg.input_value("#rag-question textarea")
    pg.click("#rag-ask-btn")
    try:
        _wait_new(pg, "#rag-answer", old, timeout_ms=20_000)
        return
    except PlaywrightTimeout:
        print(f"no answer 20 s after clicking Ask for {question!r}: clicking again")
    pg.fill("#rag-question textarea", question)
    pg.click("#rag-ask-btn")
    _wait_new(pg, "#rag-answer", old, timeout_ms)


def ask(pg, question: str) -> str:
    """Ask in the Ask tab; returns the final answer box text."""
    pg.get_by_role("tab", name="提问 Ask").click()
    old = _stamp(pg, "#rag-answer")
    pg.fill("#rag-question textarea", question)
    click_ask(pg, old)
    return pg.inner_text("#rag-answer")


def other_passages(pg) -> str:
    """Open the accordion of the other retrieved passages (if closed); returns its text."""
    if not pg.locator("#rag-passages").is_visible():
        pg.locator("#rag-passages-acc").get_by_text("其他检索段落 Other retrieved passages").click()
    pg.wait_for_selector("#rag-passages .rag-other")
    return pg.inner_text("#rag-passages")


def open_docs(pg) -> None:
    """Open the Documents tab and wait until the table holds the index's documents (it loads after the page)."""
    pg.get_by_role("tab", name="文档 Documents").click()
    pg.wait_for_selector("#rag-docs-table")
    # the table is filled by the page's load event: on a busy machine it can come after the tab
    pg.wait_for_function("() => (document.querySelector('#rag-docs-summary') || {}).innerText?.includes('个文档')")


def doc_names(pg) -> list[str]:
    """File names in the documents table (the data grid's rows after the header row)."""
    return pg.eval_on_selector_all(
        "#rag-docs-table [role=row][aria-rowindex]",
        "rows => rows.filter(r => +r.getAttribute('aria-rowindex') > 1)"
        "            .map(r => (r.querySelector('[role=gridcell]') || r.querySelector('td')).innerText.trim())",
    )


def upload(pg, path: Path) -> str:
    """Upload a file in the Documents tab; returns the status text."""
    open_docs(pg)
    old = _stamp(pg, "#rag-upload-status")
    pg.set_input_files("#rag-upload input[type=file]", str(path))
    pg.wait_for_selector(f"#rag-upload >> text={path.stem}")  # the file reached the server
    pg.click("#rag-upload-btn")
    _wait_new(pg, "#rag-upload-status", old)
    return pg.inner_text("#rag-upload-status")





# ---------------------------------------------------------------- tests


@pytest.mark.slow
def test_ask_shows_the_answer_and_opens_the_cited_passage(page, tmp_path):
    text = ask(page, Q_VILLAGES)
    assert "55" in text
    assert "backend: offline" in text
    box = page.locator("#rag-answer .rag-box")
    assert box.get_attribute("data-state") == "answered"

    cite = page.locator("#rag-cite-1")
    assert "000_0be71c8bf9467bc8.txt" in cite.locator("summary").inner_text()
    assert "55" in cite.locator("mark").first.inner_text()
    cite.locator("summary").click()  # a reader folds the passage away…
    assert cite.evaluate("el => el.open") is False
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("#rag-answer a.rag-cite-marker", has_text="[1]").click()  # …and the [1] marker opens it again
    page.wait_for_function("() => document.getElementById('rag-cite-1').open")
    assert cite.locator("mark").first.is_visible()
    page.wait_for_function("""() => { const r = document.getElementById('rag-cite-1').getBoundingClientRect();
                               return r.top >= 0 && r.top < window.innerHeight; }""")
    shot(page, tmp_path, "ask-citation")

    other_passages(page)
    others = page.locator("#rag-passages .rag-other")
    others.first.wait_for()
    assert others.count() == 9  # k=10, one cited
    assert "score" in others.first.inner_text()
    shot(page, tmp_path, "ask-passages")


@pytest.mark.slow
def test_example_questions_and_a_refusal(page, tmp_path):
    from playwright.sync_api import expect

    page.get_by_text("貧困縣精準識別了多少個貧困村？", exact=True).click()
    expect(page.locator("#rag-question textarea")).to_have_value("貧困縣精準識別了多少個貧困村？")
    old = _stamp(page, "#rag-answer")
    click_ask(page, old)
    assert "42" in page.inner_text("#rag-answer")

    text = ask(page, "稻城县2030年新建机场多少个？")
    assert page.locator("#rag-answer .rag-box").get_attribute("data-state") == "refused"
    assert "未找到答案 / Not found in the documents" in text
    assert page.locator("#rag-citations .rag-cite").count() == 0
    shot(page, tmp_path, "refusal")

    text = ask(page, "？？？")
    assert page.locator("#rag-answer .rag-box").get_attribute("data-state") == "error"
    assert "empty" in text


@pytest.mark.slow
def test_upload_ask_remove(page, tmp_path):
    doc = tmp_path / "测试县水利.txt"
    doc.write_text(FACT, encoding="utf-8")
    open_docs(page)
    before = doc_names(page)
    status = upload(page, doc)
    assert "已添加 Added: 测试县水利.txt" in status, status
    page.wait_for_function("() => document.querySelector('#rag-docs-table [role=grid]').innerText.includes('测试县水利.txt')")
    assert sorted(doc_names(page)) == sorted(before + ["测试县水利.txt"])
    shot(page, tmp_path, "uploaded")

    text = ask(page, Q_FACT)
    assert "37" in text, text
    assert "测试县水利.txt" in page.inner_text("#rag-citations")
    shot(page, tmp_path, "answer-from-upload")

    open_docs(page)
    page.click("#rag-remove-select input")
    page.get_by_role("option", name="测试县水利.txt").click()
    old = _stamp(page, "#rag-upload-status")
    page.click("#rag-remove-btn")
    _wait_new(page, "#rag-upload-status", old)
    assert "已移除 Removed: 测试县水利.txt" in page.inner_text("#rag-upload-status")
    page.wait_for_function("() => !document.querySelector('#rag-docs-table [role=grid]').innerText.includes('测试县水利.txt')")
    assert sorted(doc_names(page)) == sorted(before)

    text = ask(page, Q_FACT)
    assert "37座" not in text
    assert "测试县水利.txt" not in page.inner_text("#rag-citations")
    assert "测试县水利.txt" not in other_passages(page)
    shot(page, tmp_path, "after-remove")


@pytest.mark.slow
def test_a_pdf_citation_shows_its_page(page, tmp_path):
    pdf = make_report_pdf(tmp_path / "示例县年度报告.pdf")
    assert "已添加 Added: 示例县年度报告.pdf" in upload(page, pdf)
    assert "14" in ask(page, "示例县2021年新建桥梁多少座？")
    summary = page.inner_text("#rag-cite-1 summary")
    assert "示例县年度报告.pdf" in summary and "p.2" in summary, summary
    shot(page, tmp_path, "pdf-citation")
    open_docs(page)
    page.click("#rag-remove-select input")
    page.get_by_role("option", name="示例县年度报告.pdf").click()
    old = _stamp(page, "#rag-upload-status")
    page.click("#rag-remove-btn")
    _wait_new(page, "#rag-upload-status", old)
    assert "已移除 Removed: 示例县年度报告.pdf" in page.inner_text("#rag-upload-status")


@pytest.mark.slow
def test_corrupt_pdf_shows_an_error_and_changes_nothing(page, tmp_path, ui):
    bad = tmp_path / "损坏的报告.pdf"
    bad.write_bytes(b"%PDF-1.4 garbage")
    open_docs(page)
    before = doc_names(page)
    version = httpx.get(f"{ui.url}/api/health").json()["version"]
    status = upload(page, bad)
    assert "损坏的报告.pdf" in status and "PDF" in status, status
    box = page.locator("#rag-upload-status .rag-box")
    assert box.get_attribute("data-state") == "error"
    assert box.is_visible()
    assert doc_names(page) == before
    assert httpx.get(f"{ui.url}/api/health").json()["version"] == version
    shot(page, tmp_path, "corrupt-pdf")


@pytest.mark.slow
def test_evaluation_tab_runs_a_gold_file(page, tmp_path):
    lines = (ROOT / "eval" / "gold_dev.jsonl").read_text(encoding="utf-8").splitlines()[:4]
    gold = tmp_path / "mini-gold.jsonl"
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.get_by_role("tab", name="评测 Evaluation").click()
    page.set_input_files("#rag-gold-upload input[type=file]", str(gold))
    page.wait_for_selector("#rag-gold-upload >> text=mini-gold")
    old = _stamp(page, "#rag-eval-status")
    page.click("#rag-eval-btn")
    _wait_new(page, "#rag-eval-status", old)
    status = page.inner_text("#rag-eval-status")
    assert "evaluated 4 questions" in status and "mini-gold.jsonl" in status, status
    metrics = page.inner_text("#rag-eval-metrics")
    assert "Recall@1" in metrics and "Answer accuracy" in metrics
    page.get_by_text("完整报告 Full report (report.md)").click()
    page.wait_for_selector("#rag-eval-report >> text=Evaluation report")
    shot(page, tmp_path, "evaluation")

    # without an uploaded file the project's gold set runs
    n = sum(1 for line in (ROOT / "eval" / "gold_dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip())
    page.locator("#rag-gold-upload button.icon-button").last.click()  # the clear (×) button
    page.wait_for_selector("#rag-gold-upload >> text=mini-gold", state="detached")
    old = _stamp(page, "#rag-eval-status")
    page.click("#rag-eval-btn")
    _wait_new(page, "#rag-eval-status", old, timeout_ms=max(60_000, n * 1_500))  # the whole dev split, ~0.1-1 s a question
    status = page.inner_text("#rag-eval-status")
    assert f"evaluated {n} questions" in status and "gold_dev.jsonl" in status, status


@pytest.mark.slow
def test_top_k_setting_applies_to_the_session(page):
    page.get_by_role("tab", name="设置 Settings").click()
    # drive the slider itself (its range input) once the tab has rendered it; a tab that is still
    # hydrating can reset a value typed too early, so set it again until the number box shows it
    slider = page.locator("#rag-topk input[type=range]")
    slider.wait_for(state="visible")
    box = page.locator("#rag-topk input[type=number]")
    deadline = time.time() + 15
    while box.input_value() != "3" and time.time() < deadline:
        slider.fill("3")
        page.wait_for_timeout(300)
    assert box.input_value() == "3"
    ask(page, Q_VILLAGES)
    other_passages(page)
    assert page.locator("#rag-passages .rag-other").count() == 2  # k=3, one cited


@pytest.mark.slow
def test_llm_backend_streams_then_shows_the_checked_answer(page, tmp_path, chat_server):
    chat_server.reply = "稻城县2014年审定贫困村55个[1]。"
    page.get_by_role("tab", name="设置 Settings").click()
    page.get_by_label("openai").check()
    page.get_by_role("tab", name="提问 Ask").click()
    old = _stamp(page, "#rag-answer")
    page.fill("#rag-question textarea", Q_VILLAGES)
    page.click("#rag-ask-btn")
    page.wait_for_selector("#rag-answer [data-state=streaming]")  # text arrives while the model writes
    partial = page.inner_text("#rag-answer .rag-answer-text")
    _wait_new(page, "#rag-answer", old)
    final = page.inner_text("#rag-answer")
    assert partial.rstrip("▌") != chat_server.reply and chat_server.reply.startswith(partial.rstrip("▌"))
    assert "稻城县2014年审定贫困村55个[1]" in final and "backend: openai" in final
    assert page.locator("#rag-answer .rag-box").get_attribute("data-state") == "answered"
    assert page.locator("#rag-cite-1 mark").count() >= 1

    # a figure the passages do not hold is dropped and flagged; the offline reader answers instead
    chat_server.reply = "稻城县2014年审定贫困村56个[1]。"
    text = ask(page, Q_VILLAGES)
    assert "56" not in text.split("\n")[1]
    assert "openai→offline" in text and "⚠ 警告 Warnings" in text
    assert "rag-ungrounded" in page.locator("#rag-answer .rag-box").get_attribute("class")
    shot(page, tmp_path, "llm-flagged")


def test_the_ui_and_the_api_are_one_app(ui):
    r = httpx.get(ui.url + "/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert httpx.get(ui.url + "/api/health").json()["ready"] is True
    assert httpx.get(ui.url + "/api/documents").status_code == 200


def test_ui_asks_for_the_token_when_one_is_set(seed_index):
    from rag.ui import create_app

    s = seed_index.model_copy(update={"api_token": "tok"})
    with LiveServer(create_app(s)) as srv:
        page = httpx.get(srv.url + "/")
        assert page.status_code == 200 and '"auth_required":true' in page.text.replace(" ", "")
        assert "rag-question" not in page.text  # no UI before the login
        assert httpx.get(srv.url + "/api/documents").status_code == 401
        assert httpx.post(srv.url + "/login/", data={"username": "any", "password": "wrong"}).status_code == 400
        with httpx.Client(base_url=srv.url) as c:
            assert c.post("/login/", data={"username": "any", "password": "tok"}).status_code == 200
            assert "rag-question" in c.get("/").text


def test_rendering_escapes_and_highlights():
    from rag.types import Answer, Citation
    from rag.ui_render import highlight, render_answer

    text = "A<b>{{x}}</b> 2014年审定贫困村55个、贫困户1268户。"
    out = highlight(text, "贫困村55个 … 贫困户1268户", text.index("贫困村"))
    assert "<b>" not in out and "&lt;b&gt;" in out and "{{" not in out
    assert out.count("<mark>") == 2 and "<mark>贫困村55个</mark>" in out
    a = Answer(question="q", answer="贫困村55个[1][2]<script>", refused=False,
               citations=[Citation(n=1, doc="d", chunk_id="c", section="s", text=text, quote="贫困村55个")])
    html_ = render_answer(a)
    assert 'data-cite="1"' in html_ and 'data-cite="2"' not in html_ and "<script>" not in html_
