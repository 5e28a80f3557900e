"""The conversation tab of the web UI (Gradio 6 ``Chatbot``): follow-up questions understood.

``build_chat_tab(service)`` lays the tab out inside the caller's ``gr.Tab``; ``.wire(topk, backend)``
connects it once the settings controls exist (:func:`rag.ui.build_ui` does both).

* The history (``#rag-chat``): each question, what it was understood as (``理解为：…``), the
  short answer with clickable ``[n]`` markers and its citations (document › section, the passage
  with the quote highlighted; citation *n* of turn *t* is ``#rag-chat-cite-t-n``). Clicking an
  answer in the history shows that turn in the panel below.
* The panel under it shows the latest (or the selected) turn in full, as the one-shot form did:
  ``#rag-rewritten``, ``#rag-answer``, ``#rag-citations``, the other retrieved passages.
* ``#rag-new-chat`` starts a new conversation; ``#rag-export`` downloads this one as Markdown
  (questions, what they were understood as, answers, citations with document and section).
* Each browser session has its own conversation (``gr.State``).
"""
from __future__ import annotations

import logging
import re
import tempfile
import time
import uuid
from pathlib import Path

import gradio as gr

from .chat import ChatTurn, export_markdown, history_of
from .conversation import Resolution
from .retrieve import clean_query
from .service import ApiError, RagService
from .types import Answer, IndexError_, QueryError
from .ui_render import _stamp, _where, esc, highlight, render_answer, render_citations, render_error, render_passages, render_streaming

log = logging.getLogger(__name__)

FOLLOW_UPS = ["它的面积是多少？", "那2019年呢？", "What about 2019?"]

CHAT_CSS = """
#rag-chat .rag-rw{font-size:.85em;color:#57606a;margin-bottom:4px}
#rag-chat .rag-chat-answer{font-size:1.05em;margin:2px 0 6px 0}
#rag-chat details.rag-cite{margin:6px 0;padding:4px 10px}
#rag-chat .rag-passage{max-height:10em;overflow:auto}
#rag-chat .rag-clarify{color:#6b4b00}
.rag-box.rag-clarify{border-color:#e3b341;background:#fff8e1}
.rag-rewritten-line{font-size:.92em;color:#57606a;margin:4px 0}
"""

# [n] in the history opens that turn's citation n (the sanitizer keeps href, not data-*)
CHAT_JS = """
if (!window.__ragChatClicks) {
  window.__ragChatClicks = true;
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest('a.rag-chat-marker');
    if (!a) return;
    ev.preventDefault();
    const id = (a.getAttribute('href') || '').replace(/^#/, '');
    const el = document.getElementById(id);
    if (!el) return;
    el.open = true;
    el.scrollIntoView({behavior: 'smooth', block: 'center'});
    el.classList.remove('rag-flash'); void el.offsetWidth; el.classList.add('rag-flash');
    setTimeout(() => el.classList.remove('rag-flash'), 2500);
  });
}
"""


# ---------------------------------------------------------------- rendering (pure functions)


def _changed(ans: Answer) -> bool:
    rw = ans.rewritten_question or ""
    return bool(rw) and re.sub(r"[\s？?。]", "", rw) != re.sub(r"[\s？?。]", "", ans.question or "")


def render_rewritten(ans: Answer | None) -> str:
    if ans is None or ans.clarification or not _changed(ans):
        return ""
    return f'<div class="rag-rewritten-line" {_stamp()}>理解为 Understood as：<b>{esc(ans.rewritten_question)}</b></div>'


def render_clarification(ans: Answer) -> str:
    return (f'<div class="rag-box rag-clarify" data-state="clarify" {_stamp()}><div class="rag-title">🤔 需要澄清 / Please clarify</div>'
            f'<div class="rag-answer-text">{esc(ans.clarification)}</div></div>')


def render_panel_answer(ans: Answer) -> str:
    """The answer box of the panel: the clarifying question, or the answer as the one-shot form showed it."""
    return render_clarification(ans) if ans.clarification else render_answer(ans)


def _chat_markers(text: str, turn: int, numbers: set[int]) -> str:
    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if n not in numbers:
            return m.group(0)
        return f'<a class="rag-chat-marker" href="#rag-chat-cite-{turn}-{n}" title="查看引文 Show passage [{n}]">[{n}]</a>'

    return re.sub(r"\[(\d{1,3})\]", link, text)


def render_turn(ans: Answer, turn: int) -> str:
    """One assistant message of the history: understood-as line, the short answer, its citations."""
    if ans.clarification:
        return f'<div class="rag-clarify">🤔 {esc(ans.clarification)}</div>'
    parts = []
    if _changed(ans):
        parts.append(f'<div class="rag-rw">理解为：{esc(ans.rewritten_question)}</div>')
    cls = "rag-chat-answer" + ("" if ans.grounded else " rag-ungrounded")
    text = _chat_markers(esc(ans.answer), turn, {c.n for c in ans.citations})
    flag = "" if ans.grounded else ' <span class="rag-badge rag-bad">⚠ 数字未核实</span>'
    parts.append(f'<div class="{cls}">{"🚫 " if ans.refused else ""}{text}{flag}</div>')
    for c in ans.citations:
        parts.append(f'<details class="rag-cite" id="rag-chat-cite-{turn}-{c.n}"><summary><span class="rag-cite-n">[{c.n}]</span> '
                     f'{_where(c.doc, c.page, c.section)}</summary><div class="rag-passage">{highlight(c.text, c.quote, c.start)}</div></details>')
    return "".join(parts)


def messages_of(turns: list[ChatTurn]) -> list[dict]:
    out = []
    for i, t in enumerate(turns, 1):
        out.append({"role": "user", "content": esc(t.question)})
        out.append({"role": "assistant", "content": render_turn(t.answer, i)})
    return out


def _export(turns: list[ChatTurn], session: str) -> str | None:
    if not turns:
        return None
    d = Path(tempfile.gettempdir()) / "rag-chat-export" / re.sub(r"\W", "", session or "anon")[:40]
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"conversation-{time.strftime('%Y%m%d-%H%M%S', time.localtime(turns[0].at))}.md"
    path.write_text(export_markdown(turns), encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------- the tab


class ChatTab:
    """The components of the conversation tab; :meth:`wire` connects them."""

    def __init__(self, service: RagService):
        self.service = service
        self.state = gr.State([])
        gr.HTML("", js_on_load=CHAT_JS, elem_id="rag-chat-js", padding=False)
        self.chatbot = gr.Chatbot(value=[], label="对话 Conversation", elem_id="rag-chat", height=460, buttons=["copy"],
                                  placeholder="提问后可以继续追问，例如“它的面积是多少？”“那2019年呢？” · Ask, then follow up: "
                                              "“what about 2019?”", feedback_options=None, group_consecutive_messages=False)
        with gr.Row(equal_height=True):
            self.question = gr.Textbox(label="问题 Question", placeholder="例如 e.g. 稻城县2014年审定贫困村多少个？ · 追问 follow up: 那2019年呢？",
                                       lines=1, max_lines=4, scale=5, elem_id="rag-question", autofocus=True)
            self.ask_btn = gr.Button("提问 Ask", variant="primary", scale=1, elem_id="rag-ask-btn")
        with gr.Row():
            self.new_btn = gr.Button("新对话 New conversation", size="sm", elem_id="rag-new-chat")
            self.export_btn = gr.DownloadButton("导出 Export (Markdown)", value=None, size="sm", elem_id="rag-export", interactive=False)
        from .ui_render import EXAMPLES

        gr.Examples(examples=[[q] for q in EXAMPLES + FOLLOW_UPS], inputs=[self.question], label="示例问题 Example questions · 追问 follow-ups",
                    elem_id="rag-examples")
        self.rewritten = gr.HTML("", elem_id="rag-rewritten")
        self.answer = gr.HTML("", elem_id="rag-answer", min_height=40, js_on_load=_answer_js())
        self.citations = gr.HTML("", elem_id="rag-citations")
        with gr.Accordion("其他检索段落 Other retrieved passages", open=False, elem_id="rag-passages-acc") as self.acc:
            self.passages = gr.HTML("", elem_id="rag-passages")

    # ------------------------------------------------------------ handlers
    def _panel(self, ans: Answer):
        n_other = len([p for p in ans.passages if p.chunk_id not in {c.chunk_id for c in ans.citations}])
        return (render_rewritten(ans), render_panel_answer(ans), render_citations(ans) if not ans.clarification else "",
                render_passages(ans) if not ans.clarification else "",
                gr.Accordion(label=f"其他检索段落 Other retrieved passages ({n_other})"))

    def on_ask(self, question: str, turns: list, k: float, backend: str, request: gr.Request):
        turns = list(turns or [])
        acc = gr.Accordion(label="其他检索段落 Other retrieved passages")
        session = getattr(request, "session_hash", None) or uuid.uuid4().hex

        def failed(msg: str):
            return (messages_of(turns), turns, question, "", render_error(msg), "", "", acc, gr.DownloadButton(value=_export(turns, session), interactive=bool(turns)))

        try:
            clean_query(question or "", self.service.settings.max_question_chars)
        except QueryError as e:
            yield failed(f"请输入问题。Please type a question: {e}")
            return
        backend = backend if backend not in (None, "") else "none"
        try:
            conv = self.service.conversation()
            self.service.answerer(conv.assistant, backend)
            k = int(k)
            history = history_of(turns)
            res: Resolution | None = None
            ans: Answer | None = None
            text = ""
            shown = messages_of(turns) + [{"role": "user", "content": esc(question)}]
            for item in conv.stream(question, history, k, backend):
                if isinstance(item, Resolution):
                    res = item
                    if res.changed:
                        pending = shown + [{"role": "assistant", "content": f'<div class="rag-rw">理解为：{esc(res.rewritten)}</div>…'}]
                        yield (pending, turns, "", f'<div class="rag-rewritten-line">理解为 Understood as：<b>{esc(res.rewritten)}</b></div>',
                               gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip())
                elif isinstance(item, str):
                    text += item
                    yield (shown + [{"role": "assistant", "content": esc(text) + "▌"}], turns, "", gr.skip(),
                           render_streaming(text, backend), "", "", acc, gr.skip())
                else:
                    ans = item
            if ans is None or res is None:
                raise RuntimeError("the answer stream ended without a final answer")
        except ApiError as e:
            yield failed(e.message)
            return
        except IndexError_ as e:
            yield failed(str(e))
            return
        except Exception as e:  # noqa: BLE001 - show it in the page, log the trace
            log.exception("chat turn failed")
            yield failed(f"{type(e).__name__}: {e}")
            return
        turns = turns + [ChatTurn(question, res, ans)]
        yield (messages_of(turns), turns, "", *self._panel(ans), gr.DownloadButton(value=_export(turns, session), interactive=True))

    def on_new(self):
        return ([], [], "", "", "", "", "", gr.Accordion(label="其他检索段落 Other retrieved passages"),
                gr.DownloadButton(value=None, interactive=False))

    def on_select(self, turns: list, evt: gr.SelectData):
        turns = list(turns or [])
        i = evt.index if isinstance(evt.index, int) else (evt.index[0] if evt.index else 0)
        t = i // 2
        if not (0 <= t < len(turns)):
            return (gr.skip(),) * 5
        return self._panel(turns[t].answer)

    # ------------------------------------------------------------ events
    def wire(self, topk, backend) -> None:
        outs = [self.chatbot, self.state, self.question, self.rewritten, self.answer, self.citations, self.passages, self.acc, self.export_btn]
        ins = [self.question, self.state, topk, backend]
        self.ask_btn.click(self.on_ask, ins, outs, api_visibility="private")
        self.question.submit(self.on_ask, ins, outs, api_visibility="private")
        self.new_btn.click(self.on_new, None, outs, api_visibility="private")
        self.chatbot.clear(self.on_new, None, outs, api_visibility="private")  # the history's own clear (bin) button
        self.chatbot.select(self.on_select, [self.state], [self.rewritten, self.answer, self.citations, self.passages, self.acc],
                            api_visibility="private")


def build_chat_tab(service: RagService) -> ChatTab:
    """The conversation tab's components, inside the caller's ``gr.Tab``; call ``.wire(topk, backend)`` afterwards."""
    return ChatTab(service)


def _answer_js() -> str:
    from .ui_render import ANSWER_JS

    return ANSWER_JS


__all__ = ["CHAT_CSS", "ChatTab", "build_chat_tab", "messages_of", "render_turn"]
