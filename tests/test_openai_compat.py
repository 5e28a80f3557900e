"""The OpenAI-compatible endpoint, spoken to by the official ``openai`` client and LangChain's
``ChatOpenAI``, against a real ``rag serve`` subprocess on 127.0.0.1 over an index of two
made-up county reports (real embedder, offline reader, RAG_API_TOKEN set). Nothing is mocked.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

openai = pytest.importorskip("openai", reason="the openai client is a test dependency: pip install 'rag[test]'")

TOKEN = "t0ken-for-tests"
Q1 = "格桑县县城海拔多高？"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(county_index, tmp_path_factory):
    """``rag serve`` in its own process; the URL once /api/health says the index is ready."""
    port = _free_port()
    env = {**os.environ, "RAG_API_TOKEN": TOKEN, "NO_PROXY": "127.0.0.1,localhost", "RAG_LLM": "none",
           "HOME": str(tmp_path_factory.mktemp("home"))}
    rag = Path(sys.executable).with_name("rag")
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(rag), "serve", "--host", "127.0.0.1", "--port", str(port), "--name", county_index.index_name,
                                 "--index-dir", str(county_index.index_dir)], env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 180
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"rag serve exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{url}/api/health", timeout=2).json().get("ready"):
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline:
                raise RuntimeError(f"rag serve did not come up: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=f"{server}/v1", api_key=TOKEN, timeout=120, max_retries=0)


def test_models(client):
    ids = [m.id for m in client.models.list()]
    assert ids[:2] == ["rag", "rag-offline"]
    assert client.models.retrieve("rag").owned_by == "rag"


def test_a_plain_completion_carries_the_answer_and_its_sources(client):
    r = client.chat.completions.create(model="rag", messages=[{"role": "user", "content": Q1}])
    text = r.choices[0].message.content
    assert r.object == "chat.completion" and r.choices[0].finish_reason == "stop" and r.model == "rag"
    assert "3480" in text and "[1]" in text and "来源：" in text and "格桑县2021年发展报告.txt" in text
    cites = r.model_extra["citations"]
    assert cites[0]["doc"] == "格桑县2021年发展报告.txt" and "3480" in cites[0]["quote"] and cites[0]["quote"] in cites[0]["text"]
    assert r.model_extra["rag"]["rewritten_question"] == Q1 and r.model_extra["rag"]["grounded"] is True
    assert r.usage.total_tokens > 0


def test_a_streamed_completion_says_the_same(client):
    plain = client.chat.completions.create(model="rag", messages=[{"role": "user", "content": Q1}]).choices[0].message.content
    chunks = list(client.chat.completions.create(model="rag", messages=[{"role": "user", "content": Q1}], stream=True,
                                                 stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain
    assert chunks[0].choices[0].delta.role == "assistant"
    final = [c for c in chunks if c.choices and c.choices[0].finish_reason == "stop"]
    assert len(final) == 1 and final[0].model_extra["citations"][0]["doc"] == "格桑县2021年发展报告.txt"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0  # include_usage: the last chunk


def test_a_two_turn_conversation(client):
    first = client.chat.completions.create(model="rag", messages=[{"role": "user", "content": Q1}]).choices[0].message.content
    msgs = [{"role": "user", "content": Q1}, {"role": "assistant", "content": first}, {"role": "user", "content": "它的面积是多少？"}]
    r = client.chat.completions.create(model="rag", messages=msgs)
    text = r.choices[0].message.content
    assert text.startswith("理解为：格桑县的面积是多少？") and "5120" in text
    assert r.model_extra["rag"]["rewritten_question"] == "格桑县的面积是多少？"
    # streamed, the understood-as line comes first, on its own
    chunks = list(client.chat.completions.create(model="rag", messages=msgs, stream=True))
    assert chunks[1].choices[0].delta.content == "理解为：格桑县的面积是多少？\n\n"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == text
    # an unclear follow-up is asked back
    r = client.chat.completions.create(model="rag", messages=[{"role": "user", "content": "它的面积是多少？"}])
    assert r.choices[0].message.content.startswith("请问“它”指的是") and r.model_extra["rag"]["clarification"]


def test_a_bad_token_is_401_in_openai_shape(server):
    bad = openai.OpenAI(base_url=f"{server}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as e:
        bad.chat.completions.create(model="rag", messages=[{"role": "user", "content": Q1}])
    assert e.value.status_code == 401
    assert e.value.body["code"] == "invalid_api_key" and "incorrect API key" in e.value.body["message"]
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()
    r = httpx.get(f"{server}/v1/models")  # no token at all
    assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"


def test_a_malformed_body_is_400_with_a_clear_message(server, client):
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="rag", messages=[{"role": "assistant", "content": "只有助手"}])
    assert e.value.status_code == 400 and "last message must be the user's question" in e.value.body["message"]
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="rag", messages=[])
    assert "messages" in e.value.body["message"]
    h = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    r = httpx.post(f"{server}/v1/chat/completions", content=b'{"model": "rag", "messages": [', headers=h)
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("the request body is not valid JSON")
    r = httpx.post(f"{server}/v1/chat/completions", json={"messages": [{"role": "user", "content": Q1}]}, headers=h)
    assert r.status_code == 400 and "model" in r.json()["error"]["message"]
    with pytest.raises(openai.NotFoundError) as e:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": Q1}])
    assert "available: rag, rag-offline" in e.value.body["message"]


def test_langchain_chat_openai_answers(server):
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(base_url=f"{server}/v1", api_key=TOKEN, model="rag", max_retries=0, timeout=120)
    msg = llm.invoke(Q1)
    assert "3480" in msg.content and "[1]" in msg.content
    streamed = "".join(c.content for c in llm.stream([("human", Q1), ("ai", msg.content), ("human", "那白玛县呢？")]))
    assert "理解为：白玛县县城海拔多高？" in streamed and "2890" in streamed


def test_api_chat_is_the_ask_json_with_the_rewrite(server):
    h = {"Authorization": f"Bearer {TOKEN}"}
    msgs = [{"role": "user", "content": Q1}, {"role": "assistant", "content": "县城海拔3480米[1]"}, {"role": "user", "content": "它的面积是多少？"}]
    r = httpx.post(f"{server}/api/chat", json={"messages": msgs, "k": 5}, headers=h, timeout=120)
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["question"] == "它的面积是多少？" and a["rewritten_question"] == "格桑县的面积是多少？" and a["clarification"] is None
    assert "5120" in a["answer"] and a["citations"] and len(a["retrieved"]) <= 5
    ask = httpx.post(f"{server}/api/ask", json={"question": "格桑县的面积是多少？"}, headers=h, timeout=120).json()
    assert set(a) == set(ask) and a["answer"] == ask["answer"]
    assert httpx.post(f"{server}/api/chat", json={"messages": msgs}).status_code == 401
    bad = httpx.post(f"{server}/api/chat", json={"messages": [{"role": "assistant", "content": "x"}]}, headers=h)
    assert bad.status_code == 422 and "invalid messages" in bad.json()["error"]
