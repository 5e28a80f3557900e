"""The conversation tab in a real browser (Debian chromium via Playwright, as tests/test_ui.py), over a
real server and an index of two made-up county reports. Screenshots go to tmp_path."""
from __future__ import annotations

import pytest
from helpers import LiveServer
from test_ui import _stamp, browser, click_ask, shot  # noqa: F401  (browser is a fixture)

Q1 = "格桑县县城海拔多高？"


@pytest.fixture(scope="module")
def chat_ui(county_index):
    from rag.ui import create_app

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NO_PROXY", "127.0.0.1,localhost")
        with LiveServer(create_app(county_index.model_copy(update={"llm": "none"}))) as srv:
            yield srv


@pytest.fixture()
def page(browser, chat_ui):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 1280, "height": 1200}, locale="zh-CN", accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(90_000)
    pg.goto(chat_ui.url + "/")
    pg.wait_for_selector("#rag-question textarea")
    yield pg
    ctx.close()


def say(pg, text: str) -> str:
    old = _stamp(pg, "#rag-answer")
    pg.fill("#rag-question textarea", text)
    click_ask(pg, old)
    return pg.inner_text("#rag-answer")


@pytest.mark.slow
def test_a_follow_up_with_it_shows_the_rewrite_and_a_cited_answer_and_exports(page, tmp_path):
    assert "3480" in say(page, Q1)
    assert page.inner_text("#rag-rewritten").strip() == ""  # nothing rewritten on a first question
    assert page.input_value("#rag-question textarea") == ""  # the box is ready for the next turn

    text = say(page, "它的面积是多少？")
    assert "5120" in text and page.locator("#rag-answer .rag-box").get_attribute("data-state") == "answered"
    assert "理解为 Understood as：格桑县的面积是多少？" in page.inner_text("#rag-rewritten")
    cite = page.locator("#rag-cite-1")
    assert "格桑县2021年发展报告.txt" in cite.locator("summary").inner_text()
    assert "5120" in cite.locator("mark").first.inner_text()

    # the history holds both turns, each with its understood-as line and its own citations
    history = page.inner_text("#rag-chat")
    assert Q1 in history and "它的面积是多少？" in history and "理解为：格桑县的面积是多少？" in history
    assert "3480" in history and "5120" in history
    passage = page.locator("#rag-chat-cite-2-1")
    assert passage.evaluate("el => el.open") is False
    page.locator("#rag-chat a.rag-chat-marker[href='#rag-chat-cite-2-1']").click()  # [1] of the second answer
    page.wait_for_function("() => document.getElementById('rag-chat-cite-2-1').open")
    assert "5120" in passage.locator("mark").first.inner_text()
    shot(page, tmp_path, "chat-follow-up")

    with page.expect_download() as dl:
        page.click("#rag-export")
    md = open(dl.value.path(), encoding="utf-8").read()
    assert dl.value.suggested_filename.endswith(".md")
    assert f"## 1. {Q1}" in md and "## 2. 它的面积是多少？" in md
    assert "*理解为 Understood as:* 格桑县的面积是多少？" in md
    assert "5120" in md and "3480" in md
    assert "- [1] **格桑县2021年发展报告.txt** › 格桑县2021年发展报告 › 一、基本情况" in md


@pytest.mark.slow
def test_new_conversation_forgets_and_an_unclear_question_is_asked_back(page, tmp_path):
    say(page, Q1)
    page.click("#rag-new-chat")
    page.wait_for_function("() => !document.querySelector('#rag-chat').innerText.includes('3480')")
    say(page, "它的面积是多少？")
    box = page.locator("#rag-answer .rag-box")
    assert box.get_attribute("data-state") == "clarify"
    assert "请问“它”指的是哪个地方或单位" in box.inner_text()
    assert page.locator("#rag-citations .rag-cite").count() == 0
    # the reply to the clarification resolves the pending question
    text = say(page, "格桑县")
    assert "5120" in text and "理解为 Understood as：格桑县的面积是多少？" in page.inner_text("#rag-rewritten")
    shot(page, tmp_path, "chat-clarified")


@pytest.mark.slow
def test_each_browser_session_has_its_own_conversation(browser, chat_ui):  # noqa: F811
    pages = []
    for _ in range(2):
        ctx = browser.new_context(viewport={"width": 1200, "height": 1000})
        pg = ctx.new_page()
        pg.set_default_timeout(90_000)
        pg.goto(chat_ui.url + "/")
        pg.wait_for_selector("#rag-question textarea")
        pages.append((ctx, pg))
    try:
        a, b = pages[0][1], pages[1][1]
        say(a, Q1)
        say(b, "白玛县县城海拔多高？")
        assert "5120" in say(a, "它的面积是多少？")
        assert "3360" in say(b, "它的面积是多少？")
    finally:
        for ctx, _ in pages:
            ctx.close()
