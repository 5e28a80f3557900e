"""``rag chat``: a conversation in the terminal, follow-up questions understood as in the web UI.

Each turn shows what the question was understood as (``理解为：…``), the short answer with its
``[n]`` markers and the cited passages. Commands: ``/new`` starts a new conversation,
``/export FILE`` writes it as Markdown, ``/history`` lists the turns, ``/help``; Ctrl-D (or
``/quit``) ends. Line editing and a history of what was typed come from ``readline``
(``~/.rag_chat_history``). Without a terminal (stdin piped) it reads one question per line.

Example::

    $ rag chat
    rag chat · index 'default' · /new /export FILE /history /help · Ctrl-D quits
    ? 稻城县县城海拔多高？
    县城海拔3750米[1]
      [1] 000_0be71c8bf9467bc8.txt › 一、基本情况
          “县城海拔3750米”
    ? 它的面积是多少？
      理解为：稻城县的面积是多少？
    面积7323平方千米[1]
    ...
"""
from __future__ import annotations

import sys
from pathlib import Path

from .chat import ChatSession, ConversationalQA
from .types import Answer

HELP = """commands:
  /new            start a new conversation (forget the earlier turns)
  /export FILE    save this conversation as Markdown
  /history        list the turns so far
  /help           this text
  /quit, Ctrl-D   leave"""


def _readline(interactive: bool, history_file: Path):
    if not interactive:
        return None
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return None
    try:
        readline.read_history_file(str(history_file))
    except (FileNotFoundError, OSError):
        pass
    readline.set_history_length(1000)
    return readline


def _show(ans: Answer, out) -> None:
    w = out.write
    if ans.clarification:
        w(f"{ans.clarification}\n")
        return
    if ans.rewritten_question and ans.rewritten_question.strip("？? ") != ans.question.strip("？? "):
        w(f"  理解为：{ans.rewritten_question}\n" if any("\u4e00" <= ch <= "\u9fff" for ch in ans.rewritten_question)
          else f"  Understood as: {ans.rewritten_question}\n")
    w(f"{ans.answer}\n")
    if not ans.grounded:
        w("  ⚠ figures not verified against the passages\n")
    for x in ans.warnings:
        if not x.startswith(("refused:", "clarification:")):
            w(f"  ! {x}\n")
    for c in ans.citations:
        page = f" p.{c.page}" if c.page else ""
        w(f"  [{c.n}] {c.doc}{page} › {c.section}\n      “{c.quote}”\n")


def run_chat(settings, k: int | None = None, backend: str | None = None, stdin=None, stdout=None) -> int:
    """The interactive loop; returns the exit code."""
    from .qa import Assistant

    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    interactive = stdin.isatty() and out.isatty()
    bot = Assistant(settings)
    bot.retriever  # noqa: B018 - a missing index fails here, before the prompt
    session = ChatSession(ConversationalQA(bot, settings), k or settings.top_k, backend)
    rl = _readline(interactive, settings.chat_history)
    if interactive:
        out.write(f"rag chat · index '{settings.index_name}' · /new /export FILE /history /help · Ctrl-D quits\n")
    prompt = "? " if interactive else ""
    try:
        while True:
            try:
                line = input(prompt) if stdin is sys.stdin else _read(stdin)
            except EOFError:
                if interactive:
                    out.write("\n")
                break
            except KeyboardInterrupt:
                out.write("\n(Ctrl-D quits)\n")
                continue
            line = (line or "").strip()
            if not line:
                continue
            if line.startswith("/"):
                cmd, _, arg = line.partition(" ")
                cmd = cmd.lower()
                if cmd in ("/quit", "/exit", "/q"):
                    break
                if cmd in ("/new", "/reset", "/clear"):
                    session.reset()
                    out.write("(new conversation)\n")
                elif cmd == "/export":
                    if not arg.strip():
                        out.write("usage: /export FILE\n")
                        continue
                    path = Path(arg.strip()).expanduser()
                    try:
                        path.write_text(session.to_markdown(), encoding="utf-8")
                    except OSError as e:
                        out.write(f"error: {path}: {e.strerror or e}\n")
                        continue
                    out.write(f"(saved {len(session.turns)} turns to {path})\n")
                elif cmd == "/history":
                    if not session.turns:
                        out.write("(no turns yet)\n")
                    for i, t in enumerate(session.turns, 1):
                        meant = t.answer.rewritten_question if t.resolution.changed else ""
                        out.write(f"{i}. {t.question}{'  → ' + meant if meant else ''}\n   {t.answer.answer}\n")
                elif cmd == "/help":
                    out.write(HELP + "\n")
                else:
                    out.write(f"unknown command {cmd} (/help lists them)\n")
                out.flush()
                continue
            try:
                turn = session.ask(line)
            except Exception as e:  # noqa: BLE001 - one bad turn does not end the conversation
                out.write(f"error: {type(e).__name__}: {e}\n")
                out.flush()
                continue
            _show(turn.answer, out)
            out.flush()
    finally:
        if rl is not None:
            try:
                rl.write_history_file(str(settings.chat_history))
            except OSError:
                pass
    return 0


def _read(stream) -> str:
    line = stream.readline()
    if not line:
        raise EOFError
    return line
