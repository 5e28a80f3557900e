"""Helpers shared by several test modules: real PDFs, a live server, small sample documents."""
from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from rag.settings import Settings

# a small county report that is not among the seeds (about a handful of chunks to embed)
LITANG = """理塘县茶马古道发展报告

一、基本情况
理塘县位于甘孜州西部，平均海拔4014米。2018年全县接待游客86万人次，实现旅游收入9.3亿元。

二、主要做法
全县建成牦牛养殖合作社42个，带动农户3150户增收。
"""
LITANG_Q = "理塘县建成牦牛养殖合作社多少个？"


def cid_font() -> str:
    """reportlab's built-in Chinese CID font: needs no font package, and pypdf reads its text back exactly."""
    pytest.importorskip("reportlab", reason="reportlab is in the test extra: pip install 'zhdocqa[test]'")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def make_pdf(path: Path, pages: list[list[str]], title: str | None = None, size: int = 12) -> Path:
    """A real PDF with a Chinese text layer: one list of lines per page."""
    font = cid_font()
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    if title is not None:
        c.setTitle(title)
    for lines in pages:
        c.setFont(font, size)
        y = 800
        for line in lines:
            c.drawString(40, y, line)
            y -= size + 4
        c.showPage()
    c.save()
    return path


def make_report_pdf(path: Path) -> Path:
    """A two-page report with wrapped lines; the bridge figure (14座) is on page 2."""
    filler = "".join(f"第{i}项重点工作稳步推进，群众满意度持续提升。" for i in range(1, 22))
    bodies = ["一、示例县概况\n示例县地处高原，辖五个乡镇。" + filler,
              "二、交通建设\n示例县2021年新建桥梁14座，改造农村公路86公里。" + filler]
    pages = [[line[k : k + 40] for line in body.split("\n") for k in range(0, len(line), 40)] for body in bodies]
    return make_pdf(path, pages, title="示例县年度报告", size=10)


def send_completion(handler, content: str, model: str | None = "m") -> None:
    """Answer an OpenAI ``/v1/chat/completions`` request (non-streaming) from a ``BaseHTTPRequestHandler``
    of a scripted loopback LLM: one assistant message with ``content``."""
    out = json.dumps({
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }, ensure_ascii=False).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(out)))
    handler.end_headers()
    handler.wfile.write(out)


class LiveServer:
    """uvicorn serving ``app`` on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self, app):
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.time() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.time() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.sock.close()


def copy_index(seed_index: Settings, dest: Path, **overrides) -> Settings:
    """A private copy of the seed index (same documents, same vectors) under ``dest``."""
    shutil.copytree(seed_index.index_path, dest / seed_index.index_name)
    return seed_index.model_copy(update={"index_dir": dest, **overrides})


# two made-up county reports for the conversation tests (not the seeds): a handful of chunks
GESANG = """格桑县2021年发展报告

一、基本情况
格桑县位于高原东部，县城海拔3480米，全县面积5120平方公里，辖4个镇、9个乡。2021年末全县户籍人口6.2万人。

二、交通建设
格桑县2021年新建桥梁14座，改造农村公路86公里。2020年新建桥梁9座，改造农村公路41公里。

三、教育卫生
全县共有中小学27所，在校学生8400人。格桑县人民医院2021年门诊量12.6万人次。
"""
BAIMA = """白玛县工作总结

一、县情概况
白玛县县城海拔2890米，全县面积3360平方公里，辖3个镇、5个乡。2021年末户籍人口4.1万人。

二、交通建设
白玛县2021年新建桥梁6座，改造农村公路52公里。
"""


def write_county_reports(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "格桑县2021年发展报告.txt").write_text(GESANG, encoding="utf-8")
    (d / "白玛县工作总结.txt").write_text(BAIMA, encoding="utf-8")
    return d


# two small reports that are not the seeds (a few chunks each)
BATANG = """巴塘县交通建设简报

一、道路
2019年巴塘县新建通村硬化路86公里，改造危桥7座，全县行政村通客车率达到100%。

二、桥梁
全县新建跨河桥梁12座，其中钢筋混凝土桥9座。
"""
BATANG_Q = "巴塘县2019年新建通村硬化路多少公里？"
XIANGCHENG = """乡城县教育发展报告

一、学校建设
乡城县2020年新建幼儿园5所，改扩建中小学校8所，新增学位2100个。

二、师资
全县招聘教师96名，培训教师1240人次。
"""


def write_reports(d: Path) -> Path:
    """``d`` with batang.txt and xiangcheng.txt in it."""
    d.mkdir(parents=True, exist_ok=True)
    (d / "batang.txt").write_text(BATANG, encoding="utf-8")
    (d / "xiangcheng.txt").write_text(XIANGCHENG, encoding="utf-8")
    return d


_PAUSED_WRITER = """
import os, sys, time
from pathlib import Path
from rag.indexer import Indexer
from rag.settings import Settings
index_dir, name, docs, step, flags = sys.argv[1:6]
flags = Path(flags)
def fault(at):
    if at == step and not (flags / "paused").exists():
        (flags / "paused").write_text(str(os.getpid()))
        while not (flags / "go").exists():
            time.sleep(0.02)
s = Settings(index_dir=index_dir, index_name=name)
r = Indexer(name, settings=s, progress=False).run([docs], _fail_after=fault)
print("finished", r.version)
"""


class PausedWriter:
    """An indexer in a subprocess that stops at ``step`` of its write (the fault hook) until released.

    ``with PausedWriter(...) as w:`` returns once the writer holds the index lock and waits at
    ``step``; ``w.release()`` lets it finish; ``w.result`` is its completed process.
    """

    def __init__(self, index_dir: Path, name: str, docs: Path, step: str, flags: Path):
        import subprocess
        import sys

        self.flags = flags
        flags.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("RAG_")}
        self.proc = subprocess.Popen([sys.executable, "-c", _PAUSED_WRITER, str(index_dir), name, str(docs), step, str(flags)],
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.result = None

    def __enter__(self) -> "PausedWriter":
        deadline = time.time() + 300
        while not (self.flags / "paused").exists():
            if self.proc.poll() is not None or time.time() > deadline:
                out, err = self.proc.communicate()
                raise RuntimeError(f"the writer did not reach its pause: {err[-2000:]}")
            time.sleep(0.02)
        return self

    def release(self) -> None:
        (self.flags / "go").write_text("go")
        out, err = self.proc.communicate(timeout=300)
        self.result = (self.proc.returncode, out, err)

    def __exit__(self, *exc) -> None:
        if self.result is None:
            self.release()


def record_turn(question: str, res, answer: str | None = "x"):
    """The turn the chat layer keeps for the next one, from the resolver's ``res`` and the turn's answer
    (a turn that was asked back keeps no rewrite and no answer)."""
    from rag.conversation import Turn

    return Turn(question, resolved=None if res.clarification else res.rewritten, answer=None if res.clarification else answer,
                clarification=res.clarification, options=res.options)


def play(questions, resolver=None, answers=None):
    """Resolve a dialogue turn by turn (earlier turns as the chat layer records them); returns the resolutions.
    ``answers`` maps a turn's index to its answer (default ``"x"``)."""
    from rag.conversation import FollowUpResolver

    r = resolver or FollowUpResolver()
    history, out = [], []
    for i, q in enumerate(questions):
        res = r.run(q, history)
        out.append(res)
        history.append(record_turn(q, res, (answers or {}).get(i, "x")))
    return out
