"""``rag chat`` in a pseudo-terminal (a real subprocess, readline on) and with piped input."""
from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _read_until(fd: int, needle: bytes, buf: bytearray, timeout: float = 120) -> bytes:
    deadline = time.time() + timeout
    while needle not in buf:
        left = deadline - time.time()
        if left <= 0:
            raise AssertionError(f"waited for {needle!r}; got {bytes(buf)[-1500:].decode(errors='replace')}")
        r, _, _ = select.select([fd], [], [], min(left, 1.0))
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            buf.extend(chunk)
    i = buf.index(needle) + len(needle)
    out = bytes(buf[:i])
    del buf[:i]
    return out


@pytest.mark.slow
def test_two_turns_export_and_ctrl_d_in_a_terminal(county_index, tmp_path):
    master, slave = pty.openpty()
    env = {**os.environ, "RAG_CHAT_HISTORY": str(tmp_path / "history"), "TERM": "dumb", "NO_PROXY": "127.0.0.1,localhost"}
    rag = Path(sys.executable).with_name("rag")
    proc = subprocess.Popen([str(rag), "chat", "--name", county_index.index_name, "--index-dir", str(county_index.index_dir)],
                            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    buf = bytearray()
    try:
        banner = _read_until(master, b"? ", buf)
        assert b"rag chat" in banner and b"/new" in banner
        os.write(master, "格桑县县城海拔多高？\n".encode())
        first = _read_until(master, b"\n? ", buf).decode()
        assert "3480" in first and "格桑县2021年发展报告.txt" in first
        os.write(master, "它的面积是多少？\n".encode())
        second = _read_until(master, b"\n? ", buf).decode()
        assert "理解为：格桑县的面积是多少？" in second and "5120" in second and "全县面积5120平方公里" in second.split("“", 1)[-1]
        export = tmp_path / "conversation.md"
        os.write(master, f"/export {export}\n".encode())
        assert "saved 2 turns" in _read_until(master, b"\n? ", buf).decode()
        os.write(master, b"/new\n")
        assert "new conversation" in _read_until(master, b"\n? ", buf).decode()
        os.write(master, "它的面积是多少？\n".encode())  # forgotten: asked back
        assert "请问“它”指的是" in _read_until(master, b"\n? ", buf).decode()
        os.write(master, b"\x04")  # Ctrl-D
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    md = export.read_text(encoding="utf-8")
    assert "## 1. 格桑县县城海拔多高？" in md and "理解为 Understood as:* 格桑县的面积是多少？" in md and "5120" in md
    assert "格桑县2021年发展报告.txt" in md
    assert "它的面积是多少？" in (tmp_path / "history").read_text(encoding="utf-8")  # readline kept what was typed


def test_piped_input_answers_one_question_a_line(county_index, tmp_path):
    from rag.chat_cli import run_chat

    out = io.StringIO()
    code = run_chat(county_index, stdin=io.StringIO("格桑县2021年新建桥梁多少座？\n2020年呢？\n/history\n/bogus\n"), stdout=out)
    text = out.getvalue()
    assert code == 0
    assert "14" in text and "理解为：格桑县2020年新建桥梁多少座？" in text and "9座" in text
    assert "2. 2020年呢？  → 格桑县2020年新建桥梁多少座？" in text
    assert "unknown command /bogus" in text


def test_a_missing_index_is_one_line_and_exit_2(tmp_path):
    r = subprocess.run([str(Path(sys.executable).with_name("rag")), "chat", "--name", "nothing-here", "--index-dir", str(tmp_path)],
                       input="", capture_output=True, text=True, timeout=120)
    assert r.returncode == 2  # nothing found: no such index (the documented exit codes)
    assert r.stderr.startswith("error: ") and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
