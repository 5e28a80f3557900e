"""The LLM condense step, against an OpenAI-compatible stand-in server on 127.0.0.1.

No model can be reached from here, so the one thing standing in for the outside world is the
chat server (http.server speaking the OpenAI chat-completions protocol, scripted replies);
LangChain's ChatOpenAI, the prompts, the checks, retrieval and the answer check are all real.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from helpers import send_completion

from rag.condense import LLMCondenser, check_rewrite, clean_rewrite, format_history
from rag.conversation import FollowUpResolver, Turn


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        prompt = "\n".join(m.get("content") or "" for m in body.get("messages", []))
        condense = "独立问题" in prompt or "Standalone question" in prompt
        self.server.requests.append(("condense" if condense else "answer", prompt))
        if self.server.status != 200:
            self.send_response(self.server.status)
            self.end_headers()
            return
        reply = self.server.condense_reply if condense else self.server.answer_reply
        send_completion(self, reply, body.get("model"))


@pytest.fixture()
def llm_server(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.requests, srv.status, srv.condense_reply, srv.answer_reply = [], 200, "", ""
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _model(srv):
    from rag.llm import get_chat_model
    from rag.settings import Settings

    s = Settings(llm="openai", llm_base_url=f"http://127.0.0.1:{srv.server_address[1]}/v1", llm_model="stand-in", llm_timeout=10)
    return get_chat_model(s), s


HISTORY = [Turn("格桑县县城海拔多高？", resolved="格桑县县城海拔多高？", answer="县城海拔3480米[1]")]


def rules(q, history=HISTORY):
    return FollowUpResolver().run(q, history)


def test_clean_and_check():
    assert clean_rewrite("独立问题：“格桑县的面积是多少？”\n解释：…") == "格桑县的面积是多少？"
    assert check_rewrite("格桑县面积多大？", ["格桑县"], "格桑县县城海拔多高？") is None
    assert check_rewrite("它的面积多大？", ["格桑县"], "格桑县县城海拔多高？") == "it drops 格桑县"
    assert check_rewrite("格桑县面积5120平方公里吗？", ["格桑县"], "格桑县县城海拔多高？") == "it adds the figure 5120"
    assert "用户：格桑县县城海拔多高？" in format_history(HISTORY, "zh") and "助手：县城海拔3480米" in format_history(HISTORY, "zh")


def test_a_rewrite_that_keeps_what_the_rules_found_is_used(llm_server):
    model, s = _model(llm_server)
    llm_server.condense_reply = "格桑县全县的面积是多少？"
    out = LLMCondenser(model, s.prompts_dir).run("它的面积是多少？", HISTORY, rules("它的面积是多少？"))
    assert out.by == "llm" and out.rewritten == "格桑县全县的面积是多少？"
    assert any(n == "rules: 格桑县的面积是多少？" for n in out.notes)
    kind, prompt = llm_server.requests[-1]
    assert kind == "condense" and "用户：格桑县县城海拔多高？" in prompt and "追问：它的面积是多少？" in prompt


def test_an_llm_rewrite_of_a_swap_keeps_what_the_answer_is_checked_against(llm_server):
    # the chat layer checks the answer against the swapped place and year (rag.chat.about_the_swapped_entity / _year)
    model, s = _model(llm_server)
    hist = [Turn("格桑县2019年新建桥梁多少座？", resolved="格桑县2019年新建桥梁多少座？", answer="14座[1]")]
    llm_server.condense_reply = "白玛县2019年一共新建了多少座桥梁？"
    r = rules("那白玛县呢？", hist)
    out = LLMCondenser(model, s.prompts_dir).run("那白玛县呢？", hist, r)
    assert out.by == "llm" and (out.replaced, out.replacement) == (["格桑县"], ["白玛县"]) and out.fallbacks == r.fallbacks
    llm_server.condense_reply = "格桑县2020年一共新建了多少座桥梁？"
    r = rules("2020年呢？", hist)
    out = LLMCondenser(model, s.prompts_dir).run("2020年呢？", hist, r)
    assert out.by == "llm" and (out.years_replaced, out.years_now) == (["2019"], ["2020"])


@pytest.mark.parametrize("reply, why", [
    ("它的面积是多少？", "drops 格桑县"),          # lost the entity the rules found
    ("白玛县的面积是多少？", "drops 格桑县"),        # swapped it
    ("格桑县2019年的面积是多少？", "adds the figure 2019"),  # a year nobody said
    ("", "empty"),
])
def test_a_rewrite_that_loses_or_invents_keeps_the_rules(llm_server, reply, why):
    model, s = _model(llm_server)
    llm_server.condense_reply = reply
    out = LLMCondenser(model, s.prompts_dir).run("它的面积是多少？", HISTORY, rules("它的面积是多少？"))
    assert out.by == "rules" and out.rewritten == "格桑县的面积是多少？"
    assert any(why in n for n in out.notes), out.notes


def test_model_errors_and_clarifications_keep_the_rules(llm_server):
    model, s = _model(llm_server)
    c = LLMCondenser(model, s.prompts_dir)
    llm_server.status = 500
    out = c.run("它的面积是多少？", HISTORY, rules("它的面积是多少？"))
    assert out.by == "rules" and out.rewritten == "格桑县的面积是多少？" and "failed" in out.notes[-1]
    llm_server.status = 200
    n = len(llm_server.requests)
    two = [Turn("格桑县和白玛县哪个海拔高？", resolved="格桑县和白玛县哪个海拔高？")]
    out = c.run("它的面积是多少？", two, rules("它的面积是多少？", two))
    assert out.clarification and len(llm_server.requests) == n  # the model is not asked to guess
    out = c.run("白玛县有几个乡？", HISTORY, rules("白玛县有几个乡？"))
    assert out.kind == "topic_change" and len(llm_server.requests) == n  # self-contained: nothing to condense


def test_with_an_llm_backend_the_rewrite_still_goes_through_retrieval_and_the_answer_check(llm_server, county_index):
    from rag.chat import ChatSession, ConversationalQA
    from rag.qa import Assistant

    _, s = _model(llm_server)
    s = county_index.model_copy(update={k: getattr(s, k) for k in ("llm", "llm_base_url", "llm_model", "llm_timeout")})
    chat = ChatSession(ConversationalQA(Assistant(s)), backend="openai")
    llm_server.answer_reply = "格桑县县城海拔3480米[1]。"
    assert "3480" in chat.ask("格桑县县城海拔多高？").answer.answer
    llm_server.condense_reply = "格桑县全县面积是多少？"
    llm_server.answer_reply = "格桑县全县面积6000平方公里[1]。"  # a figure the passage does not hold
    t = chat.ask("它的面积是多少？")
    assert t.resolution.by == "llm" and t.answer.rewritten_question == "格桑县全县面积是多少？"
    assert "6000" not in t.answer.answer and "5120" in t.answer.answer  # the checked answer, not the model's figure
    assert t.answer.backend == "openai→offline" and any("LLM" in w for w in t.answer.warnings)
    assert [k for k, _ in llm_server.requests] == ["answer", "condense", "answer"]
