"""LLM answers through the real LangChain/OpenAI client, checked by the grounding check.

No real model can be reached from this machine, so a local OpenAI-compatible HTTP server
(``http.server`` on 127.0.0.1, a free port, a background thread) stands in at the network
boundary: it implements ``POST /v1/chat/completions`` both as plain JSON and as
``stream: true`` server-sent events ending with ``data: [DONE]``, and replies with what each
test scripts (a fixed reply, a delay, an HTTP status). Everything on our side — prompt
files, ``ChatOpenAI``, the grounding check, the repair and the offline fallback — runs for
real. Passages are built by hand so no index is needed.
"""
from __future__ import annotations

import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag.reader import OfflineReader
from rag.answering import REFUSAL_EN, REFUSAL_ZH
from rag.llm import (
    GGUFChatModel,
    LLMAnswerer,
    get_answerer,
    get_chat_model,
    load_llama,
    load_prompt,
)
from rag.settings import Settings
from rag.types import Answer, Passage

P1 = Passage(
    rank=1, doc="000.txt", chunk_id="c1", section="稻城 › 一、基本情况",
    text="2014年审定贫困村55个、贫困户1268户、贫困人口5614人，贫困发生率为20.25%。", score=1.0,
)
P2 = Passage(
    rank=2, doc="001.txt", chunk_id="c7", section="乡城 › 二、脱贫成效",
    text="截至2019年底，乡城县累计减贫38400人，贫困发生率降至0.5%。全县农村居民人均可支配收入达到1.2万元。", score=0.9,
)
PASSAGES = [P1, P2]
QUESTION = "稻城县2014年审定贫困户多少户？"


# ---------------------------------------------------------------- the stand-in server


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def _json(self, status: int, obj: dict) -> None:
        body = json.dumps(obj, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802 - http.server API
        script = dict(self.server.script)  # what this request gets, fixed when it arrives
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        self.server.requests.append({"path": self.path, "body": body})
        try:
            if script.get("delay"):
                time.sleep(script["delay"])
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            status = script.get("status", 200)
            if status != 200:
                self._json(status, {"error": {"message": "internal error", "type": "server_error"}})
                return
            reply = script.get("reply", "")
            model = body.get("model", "test-model")
            if body.get("stream"):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                size = script.get("chunk", 4)
                pieces = [reply[i : i + size] for i in range(0, len(reply), size)]
                for k, piece in enumerate(pieces):
                    delta = {"content": piece} if k else {"role": "assistant", "content": piece}
                    self._event({"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": model,
                                 "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
                    time.sleep(script.get("chunk_delay", 0.0))
                self._event({"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": model,
                             "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
            else:
                self._json(200, {
                    "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
                })
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def _event(self, obj: dict) -> None:
        self.wfile.write(b"data: " + json.dumps(obj, ensure_ascii=False).encode() + b"\n\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


@pytest.fixture(scope="module")
def _server():
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.script, srv.requests = {}, []
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture()
def server(_server, monkeypatch):
    """The stand-in server, reset for this test; ``server.script`` says what it answers."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    _server.script = {}
    _server.requests = []
    _server.base_url = f"http://127.0.0.1:{_server.server_address[1]}/v1"
    return _server


def settings_for(server, **kw) -> Settings:
    kw.setdefault("llm_timeout", 5.0)
    return Settings(llm="openai", llm_base_url=server.base_url, llm_model="test-model", **kw)


def offline_answer(question=QUESTION, passages=PASSAGES) -> Answer:
    return OfflineReader().run(question, passages)


# ---------------------------------------------------------------- correct answers


def test_correct_cited_answer_passes(server):
    reply = "2014年稻城县审定贫困户1268户[1]。"
    server.script = {"reply": reply}
    a = LLMAnswerer(settings_for(server)).run(QUESTION, PASSAGES)
    assert a.answer == reply
    assert not a.refused and a.grounded and a.warnings == []
    assert a.backend == "openai"
    assert [c.n for c in a.citations] == [1]
    c = a.citations[0]
    assert (c.doc, c.chunk_id, c.section) == ("000.txt", "c1", "稻城 › 一、基本情况")
    assert "1268" in c.quote and c.text[c.start : c.start + len(c.quote)] == c.quote
    assert {"llm_ms", "check_ms"} <= set(a.timings)
    assert a.passages == PASSAGES

    # what reached the server: the Chinese prompt with the numbered evidence, the reader's answer and the rules
    (req,) = server.requests
    body = req["body"]
    assert req["path"] == "/v1/chat/completions"
    assert body["model"] == "test-model" and body["temperature"] == 0.0
    system, user = body["messages"]
    assert system["role"] == "system" and REFUSAL_ZH in system["content"]
    assert user["role"] == "user"
    assert "[1] 稻城 › 一、基本情况：2014年审定贫困村55个" in user["content"]
    assert "[2] 乡城 › 二、脱贫成效：截至2019年底" in user["content"]
    assert "人均可支配收入" not in user["content"]  # evidence, not whole chunks
    assert user["content"].rstrip().endswith(f"问题：{QUESTION}\n参考答案：1268户[1]")


def test_english_question_gets_the_english_prompt(server):
    reply = "Daocheng approved 1,268 poor households in 2014 [1]."
    server.script = {"reply": reply}
    a = LLMAnswerer(settings_for(server)).run("How many poor households did Daocheng approve in 2014?", PASSAGES)
    assert a.answer == reply and a.grounded and a.backend == "openai"
    system = server.requests[0]["body"]["messages"][0]["content"]
    assert "Rules:" in system and REFUSAL_EN in system


def test_only_top_passages_are_numbered(server):
    many = [Passage(rank=i, doc=f"{i:03d}.txt", chunk_id=f"c{i}", section="s", text=f"第{i}段。", score=1.0) for i in range(1, 9)]
    server.script = {"reply": "第3段[3]。"}
    a = LLMAnswerer(settings_for(server), top_n=5, over_refusal=True).run("第几段？", many)
    user = server.requests[0]["body"]["messages"][1]["content"]
    assert "[5] 005.txt" in user and "[6]" not in user
    assert a.answer == "第3段[3]。" and a.citations[0].doc == "003.txt"
    assert a.passages == many


def test_streaming_yields_deltas_then_the_checked_answer(server):
    reply = "2014年稻城县审定贫困户1268户[1]，贫困发生率为20.25%[1]。"
    server.script = {"reply": reply, "chunk": 5}
    items = list(LLMAnswerer(settings_for(server)).stream(QUESTION, PASSAGES))
    *deltas, final = items
    assert len(deltas) >= 3 and all(isinstance(d, str) for d in deltas)
    assert "".join(deltas) == reply
    assert isinstance(final, Answer)
    assert final.answer == reply and final.grounded and final.backend == "openai"
    assert server.requests[0]["body"]["stream"] is True


def test_streaming_hides_a_reasoning_block(server):
    reply = "<think>先看段落1，1300还是1268？</think>贫困户1268户[1]。"
    server.script = {"reply": reply, "chunk": 3}
    *deltas, final = list(LLMAnswerer(settings_for(server)).stream(QUESTION, PASSAGES))
    assert "".join(deltas) == "贫困户1268户[1]。"
    assert final.answer == "贫困户1268户[1]。" and final.grounded


def test_model_refusal_is_detected(server):
    server.script = {"reply": REFUSAL_ZH}
    a = LLMAnswerer(settings_for(server)).run("稻城县2030年的人口是多少？", PASSAGES)
    assert a.refused and a.answer == REFUSAL_ZH and a.citations == []
    assert a.backend == "openai"


# ---------------------------------------------------------------- caught and repaired


def test_hallucinated_number_is_dropped_flagged_and_offline_answer_used(server):
    server.script = {"reply": "2014年稻城县审定贫困户1300户[1]。"}
    a = LLMAnswerer(settings_for(server)).run(QUESTION, PASSAGES)
    expected = offline_answer()
    assert "1300" not in a.answer
    assert a.answer == expected.answer == "1268户[1]"
    assert a.backend == "openai→offline"
    assert a.grounded
    assert "1300" in a.warnings[0] and "offline" in a.warnings[0]
    assert a.warnings[0].startswith("LLM answer dropped:")
    assert a.citations and a.citations[0].doc == "000.txt"


def test_hallucinated_number_in_a_stream_is_flagged_in_the_final_answer(server):
    server.script = {"reply": "贫困户1300户[1]。", "chunk": 2}
    *deltas, final = list(LLMAnswerer(settings_for(server)).stream(QUESTION, PASSAGES))
    assert "1300" in "".join(deltas)  # already streamed ...
    assert "1300" not in final.answer  # ... but the final answer replaces it, flagged
    assert final.backend == "openai→offline" and "1300" in final.warnings[0]


def test_partly_wrong_answer_keeps_its_good_sentences(server):
    server.script = {"reply": "稻城县2014年审定贫困村55个[1]。贫困户1300户[1]。"}
    out = LLMAnswerer(settings_for(server)).run_detailed("稻城县2014年审定贫困村和贫困户各多少？", PASSAGES)
    a = out.llm  # the LLM's own checked answer
    assert a.answer == "稻城县2014年审定贫困村55个[1]。"
    assert a.backend == "openai" and a.grounded
    assert len(a.warnings) == 1 and "1300" in a.warnings[0] and "贫困户1300户" in a.warnings[0]
    assert [c.n for c in a.citations] == [1]
    # the reader answers both parts: its answer is not dropped for one that says less
    assert "1268" in out.reader.answer and "55" in out.reader.answer
    assert out.final.answer == out.reader.answer and "less precisely" in out.final.warnings[0]


def test_bad_citation_index_is_reattributed_to_the_passage_that_holds_the_figure(server):
    server.script = {"reply": "贫困户1268户[7]。"}
    a = LLMAnswerer(settings_for(server)).run(QUESTION, PASSAGES)
    assert a.backend == "openai" and a.grounded
    assert a.answer == "贫困户1268户[1]。"
    assert "[1]" in a.warnings[-1] and "markers" in a.warnings[-1]
    (c,) = a.citations
    assert c.doc == "000.txt" and "1268户" in c.quote and c.text[c.start : c.start + len(c.quote)] == c.quote


def test_bad_citation_next_to_a_good_one(server):
    server.script = {"reply": "贫困村55个[1]。乡城县累计减贫38400人[7]。"}
    a = LLMAnswerer(settings_for(server)).run("贫困村多少个？", PASSAGES)
    assert a.answer == "贫困村55个[1]。乡城县累计减贫38400人[2]。" and a.backend == "openai"
    assert [c.doc for c in a.citations] == ["000.txt", "001.txt"]


def test_uncited_answer_that_no_passage_holds_falls_back(server):
    server.script = {"reply": "稻城县审定了很多贫困户。"}
    a = LLMAnswerer(settings_for(server)).run(QUESTION, PASSAGES)
    assert a.backend == "openai→offline" and "no passage holds" in a.warnings[0]
    assert a.answer == offline_answer().answer


# ---------------------------------------------------------------- model failures


def test_timeout_gives_a_clear_warning_and_the_offline_answer(server):
    server.script = {"reply": "贫困户1268户[1]。", "delay": 3.0}
    a = LLMAnswerer(settings_for(server, llm_timeout=1.0)).run(QUESTION, PASSAGES)
    assert len(server.requests) == 1  # one attempt, no retries (how long it waits is the timeout's business)
    assert a.backend == "openai→offline"
    assert a.warnings[0] == "LLM error: timed out after 1 s; answered by the offline reader"
    assert a.answer == offline_answer().answer and not a.refused


def test_timeout_while_streaming(server):
    server.script = {"reply": "贫困户1268户[1]。", "delay": 3.0}
    items = list(LLMAnswerer(settings_for(server, llm_timeout=1.0)).stream(QUESTION, PASSAGES))
    assert len(items) == 1 and isinstance(items[0], Answer)
    assert items[0].backend == "openai→offline" and "timed out after 1 s" in items[0].warnings[0]


def test_http_500_gives_a_clear_warning_and_the_offline_answer(server):
    server.script = {"status": 500}
    a = LLMAnswerer(settings_for(server)).run(QUESTION, PASSAGES)
    assert a.backend == "openai→offline"
    assert a.warnings[0].startswith("LLM error: HTTP 500 (server error) from http://127.0.0.1:")
    assert a.warnings[0].endswith("answered by the offline reader")
    assert a.answer == offline_answer().answer
    assert len(server.requests) == 1  # max_retries=0


def test_http_500_while_streaming(server):
    server.script = {"status": 503}
    (final,) = list(LLMAnswerer(settings_for(server)).stream(QUESTION, PASSAGES))
    assert final.backend == "openai→offline" and "HTTP 503" in final.warnings[0]


def test_connection_refused(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    st = Settings(llm="openai", llm_base_url=f"http://127.0.0.1:{port}/v1", llm_model="m", llm_timeout=2.0)
    a = LLMAnswerer(st).run(QUESTION, PASSAGES)
    assert a.backend == "openai→offline"
    assert a.warnings[0].startswith(f"LLM error: could not connect to http://127.0.0.1:{port}/v1")
    assert a.answer == offline_answer().answer


def test_no_passages_refuses_without_calling_the_model(server):
    a = LLMAnswerer(settings_for(server)).run(QUESTION, [])
    assert a.refused and a.answer == REFUSAL_ZH and server.requests == []


# ---------------------------------------------------------------- configuration


def test_missing_base_url_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("RAG_LLM_BASE_URL", raising=False)
    st = Settings(llm="openai", llm_model="m")
    with pytest.raises(ValueError, match="RAG_LLM_BASE_URL"):
        get_answerer(st)
    with pytest.raises(ValueError, match="RAG_LLM_BASE_URL"):
        get_chat_model(st)


def test_missing_model_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("RAG_LLM_MODEL", raising=False)
    with pytest.raises(ValueError, match="RAG_LLM_MODEL"):
        get_chat_model(Settings(llm="openai", llm_base_url="http://127.0.0.1:1/v1"))


def test_settings_from_environment(monkeypatch, server):
    monkeypatch.setenv("RAG_LLM", "openai")
    monkeypatch.setenv("RAG_LLM_BASE_URL", server.base_url)
    monkeypatch.setenv("RAG_LLM_MODEL", "env-model")
    server.script = {"reply": "贫困村55个[1]。"}
    a = get_answerer(Settings()).run("贫困村多少个？", PASSAGES)
    assert a.answer == "贫困村55个[1]。"
    assert server.requests[0]["body"]["model"] == "env-model"


def test_gguf_needs_a_model_file(monkeypatch, tmp_path):
    monkeypatch.delenv("RAG_LLM_GGUF", raising=False)
    with pytest.raises(ValueError, match="RAG_LLM_GGUF"):
        get_chat_model(Settings(llm="gguf"))
    with pytest.raises(ValueError, match="RAG_LLM_GGUF=.*no such file"):
        get_chat_model(Settings(llm="gguf", llm_gguf=str(tmp_path / "missing.gguf")))


def test_gguf_without_llama_cpp_names_the_extra(tmp_path):
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("llama-cpp-python is installed")
    f = tmp_path / "model.gguf"
    f.write_bytes(b"GGUF")
    with pytest.raises(ImportError, match=r"pip install 'zhdocqa\[gguf\]'"):
        get_chat_model(Settings(llm="gguf", llm_gguf=str(f)))


class _LlamaStandIn:
    """Stands in for ``llama_cpp.Llama`` (not installed here) at its ``create_chat_completion``
    boundary, with the response shapes llama-cpp-python documents."""

    def __init__(self, reply: str):
        self.reply, self.calls = reply, []

    def create_chat_completion(self, messages, temperature=0.2, max_tokens=None, stop=None, stream=False):
        self.calls.append({"messages": messages, "temperature": temperature, "stream": stream})
        if not stream:
            return {"choices": [{"index": 0, "message": {"role": "assistant", "content": self.reply}, "finish_reason": "stop"}],
                    "usage": {"total_tokens": 1}}
        return iter(
            [{"choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]}]
            + [{"choices": [{"index": 0, "delta": {"content": self.reply[i : i + 3]}, "finish_reason": None}]}
               for i in range(0, len(self.reply), 3)]
            + [{"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}]
        )


def test_gguf_chat_model_in_the_answerer(tmp_path):
    llama = _LlamaStandIn("贫困户1268户[1]。")
    model = GGUFChatModel(model_path="x.gguf", client=llama)
    st = Settings(llm="gguf", llm_gguf="x.gguf")
    answerer = LLMAnswerer(st, model=model)
    a = answerer.run(QUESTION, PASSAGES)
    assert a.answer == "贫困户1268户[1]。" and a.backend == "gguf" and a.grounded
    assert [m["role"] for m in llama.calls[0]["messages"]] == ["system", "user"]
    *deltas, final = list(answerer.stream(QUESTION, PASSAGES))
    assert len(deltas) > 1 and "".join(deltas) == final.answer
    llama.reply = "贫困户1300户[1]。"
    a = answerer.run(QUESTION, PASSAGES)
    assert a.backend == "gguf→offline" and "1300" in a.warnings[0]


# ---------------------------------------------------------------- llama.cpp's extra buffer types (AMX repacking)
# llama-cpp-python is not installed in CI, so a stand-in ``llama_cpp`` module is put in sys.modules: the tests
# inspect the keyword arguments and model parameters that reach ``llama_cpp.Llama`` at that library boundary.


def _fake_llama_cpp(monkeypatch, *, kwarg: bool, field: bool):
    import ctypes
    import types

    mod = types.ModuleType("llama_cpp")
    mod.__version__ = "0.0-test"
    fields = [("n_gpu_layers", ctypes.c_int32)] + ([("use_extra_bufts", ctypes.c_bool)] if field else [])
    Params = type("llama_model_params", (ctypes.Structure,), {"_fields_": fields})

    def default_params():
        p = Params()
        if field:
            p.use_extra_bufts = True  # llama.cpp's default
        return p

    mod.llama_model_default_params = default_params
    loads = []

    if kwarg:
        class Llama:
            def __init__(self, model_path, n_ctx=512, n_threads=None, verbose=True, use_extra_bufts=True, **kwargs):
                self.model_params = mod.llama_model_default_params()
                self.model_params.use_extra_bufts = use_extra_bufts
                loads.append({"model_path": model_path, "n_ctx": n_ctx, "use_extra_bufts": use_extra_bufts, **kwargs})
    else:
        class Llama:  # as llama-cpp-python 0.3.36: no use_extra_bufts argument, unknown kwargs swallowed
            def __init__(self, model_path, n_ctx=512, n_threads=None, verbose=True, **kwargs):
                self.model_params = mod.llama_model_default_params()
                loads.append({"model_path": model_path, "n_ctx": n_ctx, **kwargs,
                              "params_use_extra_bufts": getattr(self.model_params, "use_extra_bufts", None)})

    mod.Llama = Llama
    monkeypatch.setitem(sys.modules, "llama_cpp", mod)
    monkeypatch.delitem(sys.modules, "llama_cpp.llama_cpp", raising=False)
    return mod, loads


def test_extra_bufts_is_a_setting_with_default_on(monkeypatch):
    monkeypatch.delenv("RAG_LLM_GGUF_EXTRA_BUFTS", raising=False)
    assert Settings().llm_gguf_extra_bufts is True
    monkeypatch.setenv("RAG_LLM_GGUF_EXTRA_BUFTS", "false")
    assert Settings().llm_gguf_extra_bufts is False


def test_extra_bufts_passed_as_llama_argument_when_supported(monkeypatch, tmp_path):
    mod, loads = _fake_llama_cpp(monkeypatch, kwarg=True, field=True)
    f = tmp_path / "m.gguf"
    f.write_bytes(b"GGUF")
    model = get_chat_model(Settings(llm="gguf", llm_gguf=str(f), llm_gguf_extra_bufts=False))
    assert isinstance(model, GGUFChatModel) and model.extra_bufts is False
    assert loads[-1]["use_extra_bufts"] is False and loads[-1]["model_path"] == str(f)
    get_chat_model(Settings(llm="gguf", llm_gguf=str(f)))  # default: on, said explicitly
    assert loads[-1]["use_extra_bufts"] is True
    # a model loaded lazily by GGUFChatModel itself takes its own switch
    GGUFChatModel(model_path=str(f), extra_bufts=False)._llama()
    assert loads[-1]["use_extra_bufts"] is False


def test_extra_bufts_off_through_model_params_on_older_llama_cpp(monkeypatch, tmp_path):
    mod, loads = _fake_llama_cpp(monkeypatch, kwarg=False, field=True)
    default = mod.llama_model_default_params
    c = load_llama(str(tmp_path / "m.gguf"), extra_bufts=False)
    assert loads[-1]["params_use_extra_bufts"] is False and c.model_params.use_extra_bufts is False
    assert "use_extra_bufts" not in loads[-1]  # never swallowed silently by **kwargs
    assert mod.llama_model_default_params is default and default().use_extra_bufts is True  # put back after the load
    load_llama(str(tmp_path / "m.gguf"))
    assert loads[-1]["params_use_extra_bufts"] is True


def test_extra_bufts_off_unsupported_warns(monkeypatch, tmp_path, caplog):
    mod, loads = _fake_llama_cpp(monkeypatch, kwarg=False, field=False)
    with caplog.at_level("WARNING", logger="rag.llm"):
        load_llama(str(tmp_path / "m.gguf"), extra_bufts=False)
    assert len(loads) == 1 and "use_extra_bufts" not in loads[0]
    assert any("RAG_LLM_GGUF_EXTRA_BUFTS=false is ignored" in r.getMessage() and "0.0-test" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level("WARNING", logger="rag.llm"):
        load_llama(str(tmp_path / "m.gguf"))  # on (the default): nothing to warn about
    assert not caplog.records


def test_get_answerer_offline_by_default():
    assert isinstance(get_answerer(Settings(llm="none")), OfflineReader)


def test_prompt_files_load_as_chat_prompt_templates():
    for lang in ("zh", "en"):
        p = load_prompt(lang, Settings().prompts_dir)
        assert set(p.input_variables) == {"passages", "candidate", "question", "refusal"}
        msgs = p.format_messages(passages="[1] a.txt\n文本", candidate="42个[1]", question="问题？", refusal="R")
        assert [m.type for m in msgs] == ["system", "human"]
        assert "R" in msgs[0].content and "[1] a.txt" in msgs[1].content


# ---------------------------------------------------------------- a small model's habits, on a report that is not a seed

MADUO = [
    Passage(rank=1, doc="maduo_report.txt", chunk_id="m1", section="玛多县脱贫攻坚工作总结 › 一、基本情况",
            text="玛多县位于果洛州西北部，平均海拔4500米以上。全县建档立卡贫困户1683户、贫困人口5183人，贫困发生率为32.6%。", score=1.0),
    Passage(rank=2, doc="maduo_report.txt", chunk_id="m2", section="玛多县脱贫攻坚工作总结 › 二、产业扶贫",
            text="三年来，全县建成村级光伏电站3座，总装机容量8.5兆瓦，每年为村集体增收640万元。组建生态畜牧业合作社29个。", score=0.9),
    Passage(rank=3, doc="maduo_report.txt", chunk_id="m3", section="玛多县脱贫攻坚工作总结 › 三、生态扶贫",
            text="设置生态管护公益岗位2410个，每个岗位每月补助1800元。", score=0.8),
]


def _verbatim(c) -> bool:
    return bool(c.quote) and c.text[c.start : c.start + len(c.quote)] == c.quote


def test_answer_without_markers_gets_the_passage_that_holds_its_figure(server):
    server.script = {"reply": "玛多县建成村级光伏电站3座，总装机容量8.5兆瓦。"}  # a small model forgetting [n]
    a = LLMAnswerer(settings_for(server), reader_wins=None).run("玛多县建成村级光伏电站多少座？", MADUO)
    assert a.backend == "openai" and a.grounded and not a.refused
    assert a.answer == "玛多县建成村级光伏电站3座，总装机容量8.5兆瓦[2]。"
    (c,) = a.citations
    assert c.chunk_id == "m2" and _verbatim(c) and "3座" in c.quote and "8.5兆瓦" in c.quote
    assert any("markers" in w and "[2]" in w for w in a.warnings)
    from rag.grounding import check_answer

    assert check_answer(a.answer, {c.n: c.text}).ok  # the figure check passes on what the user sees
    # the prompt was evidence, not whole chunks, with the reader's answer as a suggestion
    user = server.requests[0]["body"]["messages"][1]["content"]
    assert "光伏电站3座" in user and "参考答案：" in user and len(user) < 400


def test_an_echoed_question_and_prompt_label_are_not_part_of_the_answer(server):
    # small models often copy the end of the prompt (问题：… 参考答案：…) before their answer
    q = "玛多县建成村级光伏电站多少座？"
    server.script = {"reply": f"{q}参考答案：3座"}
    a = LLMAnswerer(settings_for(server), reader_wins=None).run(q, MADUO)
    assert a.backend == "openai" and a.grounded and not a.refused
    assert a.answer == "3座[2]", a.answer
    assert "参考答案" not in a.answer and _verbatim(a.citations[0])


def test_unmarked_figures_from_two_passages_cite_both(server):
    server.script = {"reply": "建档立卡贫困户1683户，生态管护公益岗位2410个"}
    a = LLMAnswerer(settings_for(server), reader_wins=None).run("玛多县建档立卡贫困户多少户？设置生态管护公益岗位多少个？", MADUO)
    assert a.backend == "openai"
    assert sorted(c.chunk_id for c in a.citations) == ["m1", "m3"] and all(_verbatim(c) for c in a.citations)


def test_unmarked_figure_that_no_passage_holds_is_dropped(server):
    server.script = {"reply": "玛多县建成村级光伏电站3座。每年为村集体增收800万元。"}
    a = LLMAnswerer(settings_for(server), reader_wins=None).run("玛多县建成村级光伏电站多少座？", MADUO)
    assert a.answer == "玛多县建成村级光伏电站3座[2]。" and a.backend == "openai"
    assert any("800万" in w and "no passage" in w for w in a.warnings)


def test_only_an_unheld_figure_falls_back_to_the_reader(server):
    server.script = {"reply": "玛多县建成村级光伏电站5座。"}
    question = "玛多县建成村级光伏电站多少座？"
    a = LLMAnswerer(settings_for(server), reader_wins=None).run(question, MADUO)
    assert "5座" not in a.answer
    assert a.backend == "openai→offline" and "5 is in no passage" in a.warnings[0]
    assert a.answer == OfflineReader().run(question, MADUO).answer
    assert "3座" in a.answer and all(_verbatim(c) for c in a.citations)


def test_confident_reader_wins_when_the_llm_gives_another_figure(server):
    # grounded (5183 stands in the passage) but it answers a different question: the number of people
    server.script = {"reply": "玛多县建档立卡贫困人口5183人[1]。"}
    question = "玛多县建档立卡贫困户有多少户？"
    out = LLMAnswerer(settings_for(server), reader_wins=None).run_detailed(question, MADUO)
    assert out.used_llm and out.final.answer == "玛多县建档立卡贫困人口5183人[1]。"
    conf = out.reader.confidence
    assert "1683" in out.reader.answer and conf is not None
    a = LLMAnswerer(settings_for(server), reader_wins=conf).run(question, MADUO)
    assert a.backend == "openai→offline" and a.answer == out.reader.answer
    assert a.warnings[0].startswith("offline answer preferred") and "another figure" in a.warnings[0]
    # a threshold above the reader's confidence leaves the LLM's answer standing
    assert LLMAnswerer(settings_for(server), reader_wins=min(1.0, conf + 1e-6)).run(question, MADUO).backend == "openai"
    # agreeing on the figure, the LLM's answer stands whatever the threshold
    server.script = {"reply": "玛多县建档立卡贫困户1683户。"}
    a = LLMAnswerer(settings_for(server), reader_wins=0.0).run(question, MADUO)
    assert a.backend == "openai" and a.answer == "玛多县建档立卡贫困户1683户[1]。"


def test_confident_reader_wins_over_an_llm_refusal(server):
    server.script = {"reply": REFUSAL_ZH}
    question = "玛多县建档立卡贫困户有多少户？"
    a = LLMAnswerer(settings_for(server), reader_wins=0.0).run(question, MADUO)
    assert not a.refused and "1683" in a.answer and "refused" in a.warnings[0]
    assert LLMAnswerer(settings_for(server), reader_wins=None).run(question, MADUO).refused


def test_a_reader_refusal_stands_against_a_grounded_llm_answer_when_the_policy_says_so(server):
    # 4500 stands in a passage (the altitude, 4500米), so the figure check alone lets it through
    server.script = {"reply": "玛多县有小学4500所。"}
    question = "玛多县有多少所小学？"
    assert OfflineReader().run(question, MADUO).refused
    a = LLMAnswerer(settings_for(server), over_refusal=False).run(question, MADUO)
    assert a.refused and a.backend == "openai→offline" and "not trusted" in a.warnings[0]
    a = LLMAnswerer(settings_for(server), over_refusal=True).run(question, MADUO)
    assert not a.refused and a.backend == "openai" and a.citations[0].chunk_id == "m1"


def test_a_less_specific_llm_answer_never_replaces_the_readers(server):
    server.script = {"reply": "全县建成村级光伏电站，每年为村集体增收。"}  # grounded (no figure to check), but says less than 3座
    question = "玛多县建成村级光伏电站多少座？"
    for answerer in (LLMAnswerer(settings_for(server), reader_wins=None), LLMAnswerer(settings_for(server), policy={"rules": {}})):
        out = answerer.run_detailed(question, MADUO)
        assert out.llm is not None and out.llm.citations[0].chunk_id == "m2"  # the LLM's answer survived the check
        assert not out.used_llm and out.final.backend == "openai→offline" and "less precisely" in out.final.warnings[0]
        assert "3座" in out.final.answer and out.final.answer == out.reader.answer


def test_the_answerer_applies_the_policy_by_case(server):
    question = "玛多县建档立卡贫困户有多少户？"
    server.script = {"reply": "玛多县建档立卡贫困户1683户。"}  # agrees with the reader
    a = LLMAnswerer(settings_for(server), policy={"rules": {"agree": 0.0}}).run(question, MADUO)
    assert a.backend == "openai→offline" and "as the LLM does" in a.warnings[0] and a.answer == OfflineReader().run(question, MADUO).answer
    assert LLMAnswerer(settings_for(server), policy={"rules": {"agree": None}}).run(question, MADUO).backend == "openai"
    server.script = {"reply": "玛多县建档立卡贫困人口5183人[1]。"}  # another figure, in an English question's rule only
    assert LLMAnswerer(settings_for(server), policy={"rules": {"other_figure/en": 0.0}}).run(question, MADUO).backend == "openai"
    assert LLMAnswerer(settings_for(server), policy={"rules": {"other_figure/zh": 0.0}}).run(question, MADUO).backend == "openai→offline"
    # by default, the policy stored in the package
    from rag.llm_policy import load_policy

    assert LLMAnswerer(settings_for(server)).policy == load_policy()
