"""The web UI (Gradio 6 Blocks) mounted on the JSON API's FastAPI app, and ``rag serve``.

Tabs: 提问 Ask · 对话 Chat (a conversation, :mod:`rag.ui_chat`: follow-ups understood, each
turn's cited answer with clickable [n] markers, highlighted quotes, the other retrieved
passages, a new-conversation button and a Markdown export), 文档 Documents (list, upload with progress, remove), 评测
Evaluation (the gold set or an uploaded one through :func:`rag.evaluate.run_eval`),
设置 Settings (top-k and the answer backend, per browser session).

Example::

    >>> from rag.ui import create_app, serve
    >>> from rag.settings import Settings
    >>> app = create_app(Settings(index_name="seeds"))     # FastAPI: /api/* and the UI at /   # doctest: +SKIP
    >>> serve(Settings(index_name="seeds"), port=7860)      # what `rag serve` runs            # doctest: +SKIP

Stable element ids for tests and scripts: ``rag-chat``, ``rag-rewritten``, ``rag-new-chat``, ``rag-export``,
``rag-question``, ``rag-ask-btn``, ``rag-answer``,
``rag-citations``, ``rag-passages``, ``rag-upload``, ``rag-upload-btn``, ``rag-upload-status``,
``rag-docs-table``, ``rag-remove-select``, ``rag-remove-btn``, ``rag-topk``, ``rag-backend``,
``rag-gold-upload``, ``rag-eval-btn``, ``rag-eval-status``, ``rag-eval-metrics``, ``rag-eval-failures``.
Citation *n* is the element ``#rag-cite-n``; the markers in the answer are ``a.rag-cite-marker``.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import threading
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no telemetry calls from an offline product

import gradio as gr  # noqa: E402
from fastapi import FastAPI  # noqa: E402

from .api import create_app as create_api  # noqa: E402
from .service import RagService, failure  # noqa: E402
from .settings import Settings  # noqa: E402
from .types import IndexBusy, IndexError_  # noqa: E402
from .ui_chat import build_chat_tab  # noqa: E402
from .ui_render import CSS, _stamp, esc, render_error, render_status  # noqa: E402

log = logging.getLogger(__name__)

DEFAULT_GOLD = Path("eval") / "gold_dev.jsonl"

# ---------------------------------------------------------------- event handlers


class Handlers:
    """The UI's event handlers over one :class:`RagService` (each returns what its outputs show)."""

    def __init__(self, service: RagService):
        self.service = service

    @staticmethod
    def _message(e: Exception) -> str:
        """One line for an error (the mapping of :func:`rag.service.failure`); unexpected ones are logged."""
        f = failure(e, remote=True)
        if f is None:
            log.error("unexpected error in the UI", exc_info=e)
            return f"{type(e).__name__}: {e}"
        return f.message

    # ------------------------------------------------------------ documents
    def docs_rows(self) -> tuple[list[list], list[str], str]:
        docs = self.service.public_documents()
        rows = [[d.get("source"), d.get("chunks"), (d.get("indexed_at") or "").replace("T", " "),
                 "上传 uploaded" if d.get("uploaded") else "服务器 on the server"] for d in docs]
        chunks = sum(int(d.get("chunks") or 0) for d in docs)
        summary = f"索引 Index **{self.service.name}** · {len(docs)} 个文档 documents · {chunks} 个分块 chunks"
        return rows, [d.get("source") for d in docs], summary

    def refresh_docs(self):
        try:
            rows, sources, summary = self.docs_rows()
        except IndexError_ as e:
            rows, sources, summary = [], [], f"⚠ {self._message(e)}"
        return rows, gr.Dropdown(choices=sources, value=None), summary

    def on_upload(self, files, progress=gr.Progress(track_tqdm=True)):
        files = [f for f in (files or []) if f]
        if not files:
            return (render_status([], ["请先选择文件。Choose one or more files first."]), *self.refresh_docs(), None)
        progress(0.05, desc="检查文件 Checking files")
        try:
            out = self.service.add_files([(Path(f).name, Path(f)) for f in files], progress=True)
        except Exception as e:  # noqa: BLE001 - shown in the page
            busy = "索引正忙 Index busy: " if isinstance(e, IndexBusy) else ""
            return (render_status([], [busy + self._message(e)]), *self.refresh_docs(), None)
        progress(1.0, desc="完成 Done")
        ok = [f"已添加 Added: {n}" for n in out.added] + [f"已更新 Updated: {n}" for n in out.updated] + \
             [f"未变化 Unchanged (already indexed): {n}" for n in out.unchanged]
        if ok:
            ok.append(f"索引共 {out.chunks} 个分块 · index now has {out.chunks} chunks ({out.seconds:.1f} s)")
        errs = [e["error"] for e in out.errors]
        if errs:
            errs.append("这些文件未加入索引，索引其余部分不变。These files were not added; nothing else in the index changed.")
        return (render_status(ok, errs), *self.refresh_docs(), None)

    def on_remove(self, source: str):
        if not source:
            return (render_status([], ["请先选择要移除的文档。Choose a document to remove."]), *self.refresh_docs())
        try:
            removed = self.service.remove(source)
        except Exception as e:  # noqa: BLE001 - shown in the page
            busy = "索引正忙 Index busy: " if isinstance(e, IndexBusy) else ""
            return (render_status([], [busy + self._message(e)]), *self.refresh_docs())
        return (render_status([f"已移除 Removed: {n}" for n in removed], []), *self.refresh_docs())

    # ------------------------------------------------------------ evaluation
    def on_eval(self, gold_file, k: float, backend: str, progress=gr.Progress(track_tqdm=True)):
        from .evaluate import HEADLINE, checkout_root, failures, format_value, load_gold, run_eval

        # the project's dev split of the checkout (also when `rag serve` runs from another directory)
        gold = Path(gold_file) if gold_file else checkout_root() / DEFAULT_GOLD
        if not gold.is_file():
            return render_error(f"{gold}: no such gold file here; upload one (.jsonl)"), [], [], ""
        out = Path(tempfile.mkdtemp(prefix="rag-eval-"))
        progress(0, desc="准备 Loading")
        try:
            gold_items = load_gold(gold)
            if not gold_items:
                raise ValueError(f"{gold.name}: no questions in the gold file")
            bot = self.service.assistant_for(backend if backend and backend != "none" else "none")
            self.service.answerer(bot, None)  # a backend that is not configured fails here, clearly
            metrics = run_eval(gold, out, k=int(k), assistant=bot, progress=True)
        except Exception as e:  # noqa: BLE001 - shown in the page
            msg = self._message(e)
            return render_error(msg if gold.name in msg else f"{gold.name}: {msg}"), [], [], ""
        records = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
        fails = failures(list(zip(gold_items, records)))
        headline = [[label, format_value(metrics.get(key))] for key, label in HEADLINE]
        fail_rows = [[g["id"], g.get("type", ""), g["question"], " / ".join(g.get("answers") or ["(refuse)"]), r.get("answer", ""), why]
                     for g, r, why in fails]
        status = (f'<div class="rag-box rag-success" data-state="ok" {_stamp()}>已评测 {metrics["n"]} 题 · evaluated {metrics["n"]} questions from '
                  f'<b>{esc(gold.name)}</b> · {len(fails)} failures · backend {esc(metrics.get("backend"))} · report: {esc(str(out / "report.md"))}</div>')
        return status, headline, fail_rows, (out / "report.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the Blocks app


def _docs_tab(h: Handlers, settings: Settings) -> list:
    docs_summary = gr.Markdown("", elem_id="rag-docs-summary")
    docs_table = gr.Dataframe(headers=["文件 File", "分块 Chunks", "索引时间 Indexed at", "来源 Origin"], value=[],
                              interactive=False, wrap=True, elem_id="rag-docs-table", label="已索引文档 Indexed documents")
    with gr.Row():
        with gr.Column(scale=3):
            types = ", ".join(h.service.accepted_types())
            upload = gr.File(label=f"上传文档 Upload documents ({types}; ≤ {settings.max_upload_mb:g} MB each)",
                             file_count="multiple", type="filepath", elem_id="rag-upload")
            upload_btn = gr.Button("上传并索引 Upload & index", variant="primary", elem_id="rag-upload-btn")
        with gr.Column(scale=2):
            remove_sel = gr.Dropdown(choices=[], label="移除文档 Remove a document", elem_id="rag-remove-select", interactive=True)
            remove_btn = gr.Button("移除 Remove", variant="stop", elem_id="rag-remove-btn")
    upload_status = gr.HTML("", elem_id="rag-upload-status")
    docs_outs = [docs_table, remove_sel, docs_summary]
    upload_btn.click(h.on_upload, [upload], [upload_status, *docs_outs, upload], api_visibility="private")
    remove_btn.click(h.on_remove, [remove_sel], [upload_status, *docs_outs], api_visibility="private")
    return docs_outs


def _eval_tab(h: Handlers, topk, backend) -> None:
    gr.Markdown(f"默认金标集 Default gold set: `{DEFAULT_GOLD}` · 也可上传 JSONL 金标文件 or upload a gold JSONL file")
    with gr.Row():
        gold_upload = gr.File(label="金标文件 Gold file (.jsonl, optional)", file_count="single", type="filepath", elem_id="rag-gold-upload", scale=3)
        eval_btn = gr.Button("运行评测 Run evaluation", variant="primary", elem_id="rag-eval-btn", scale=1)
    eval_status = gr.HTML("", elem_id="rag-eval-status")
    eval_metrics = gr.Dataframe(headers=["指标 Metric", "值 Value"], value=[], interactive=False, elem_id="rag-eval-metrics", max_height=800,
                                label="主要指标 Headline metrics")
    eval_failures = gr.Dataframe(headers=["id", "类型 type", "问题 question", "期望 expected", "回答 answer", "原因 why"], value=[],
                                 interactive=False, wrap=True, elem_id="rag-eval-failures", label="失败 Failures")
    with gr.Accordion("完整报告 Full report (report.md)", open=False):
        eval_report = gr.Markdown("", elem_id="rag-eval-report")
    eval_btn.click(h.on_eval, [gold_upload, topk, backend], [eval_status, eval_metrics, eval_failures, eval_report], api_visibility="private")


def _settings_controls(settings: Settings):
    """The session settings: created first (the other tabs read them), rendered in the 设置 Settings tab."""
    topk = gr.Slider(1, 30, value=min(30, max(1, settings.top_k)), step=1, label="检索段落数 Passages to retrieve (top-k)",
                     elem_id="rag-topk", render=False)
    backend = gr.Radio(["none", "openai", "gguf"], value=settings.llm, label="回答后端 Answer backend",
                       info="none = 离线抽取式 offline extractive reader; openai = RAG_LLM_BASE_URL/RAG_LLM_MODEL; gguf = RAG_LLM_GGUF",
                       elem_id="rag-backend", render=False)
    return topk, backend


def build_ui(service: RagService) -> gr.Blocks:
    """The Gradio Blocks app over ``service`` (shared with the JSON API)."""
    settings = service.settings
    h = Handlers(service)
    with gr.Blocks(title="中文文档问答 Document QA", analytics_enabled=False) as demo:
        gr.Markdown("## 中文文档问答 · Chinese Document QA\n有引用、数字经核查的回答 · Cited answers with checked figures · "
                    "[JSON API 文档 docs](docs)", elem_id="rag-header")
        topk, backend = _settings_controls(settings)
        with gr.Tabs(elem_id="rag-tabs"):
            with gr.Tab("提问 Ask · 对话 Chat", id="ask", elem_id="rag-tab-ask"):
                chat = build_chat_tab(h.service)  # rag.ui_chat: the conversation, follow-ups understood
            with gr.Tab("文档 Documents", id="docs", elem_id="rag-tab-docs"):
                docs_outs = _docs_tab(h, settings)
            with gr.Tab("评测 Evaluation", id="eval", elem_id="rag-tab-eval"):
                _eval_tab(h, topk, backend)
            with gr.Tab("设置 Settings", id="settings", elem_id="rag-tab-settings"):
                gr.Markdown("仅对本次会话生效 · These apply to this browser session only.")
                topk.render()
                backend.render()
                gr.Markdown(_backend_facts(settings), elem_id="rag-settings-facts")
        chat.wire(topk, backend)
        demo.load(h.refresh_docs, None, docs_outs, api_visibility="private")
    demo.queue(default_concurrency_limit=4)
    return demo


def _backend_facts(s: Settings) -> str:
    openai = f"`{s.llm_base_url}` · model `{s.llm_model or '(RAG_LLM_MODEL unset)'}`" if s.llm_base_url else "未配置 not configured (RAG_LLM_BASE_URL)"
    gguf = f"`{s.llm_gguf}`" if s.llm_gguf else "未配置 not configured (RAG_LLM_GGUF)"
    return (f"- 索引 Index: `{s.index_name}` in `{s.index_dir}` · 嵌入 embedder `{s.embedder}`\n"
            f"- openai: {openai}\n- gguf: {gguf}\n- 上传上限 Upload limit: {s.max_upload_mb:g} MB per file")


def _chat_css() -> str:
    from .ui_chat import CHAT_CSS

    return CHAT_CSS


def theme() -> gr.themes.Theme:
    # local fonts only: the page must not reach out to a font CDN
    return gr.themes.Soft(primary_hue="blue", font=["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"],
                          font_mono=["Noto Sans Mono CJK SC", "ui-monospace", "monospace"])


def create_app(settings: Settings, service: RagService | None = None) -> FastAPI:
    """The JSON API (``/api/*``) with the web UI mounted at ``/``; one shared :class:`RagService`."""
    service = service or RagService(settings)
    app = create_api(settings, service)
    demo = build_ui(service)
    auth = None
    if settings.api_token:

        def auth(username: str, password: str) -> bool:  # any user name, the API token as password
            return service.token_ok(password)

    return gr.mount_gradio_app(
        app, demo, path="/", footer_links=[], run_history=False, auth=auth,
        auth_message="输入 API 令牌作为密码 · Enter the API token (RAG_API_TOKEN) as the password" if auth else None,
        max_file_size=f"{int(settings.max_upload_mb * 1024 * 1024)}b", theme=theme(), css=CSS + _chat_css(), ssr_mode=False,
    )


def _warm(service: RagService) -> None:
    """Load the index and models in the background so the first question is fast."""
    try:
        service.ask("2020年全县共有多少个行政村？", 3, "none")
    except Exception as e:  # noqa: BLE001 - a missing index is reported when used
        log.info("warm-up skipped: %s", e)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Run the UI and JSON API with uvicorn (loopback by default) and log the URL."""
    import uvicorn

    service = RagService(settings)
    app = create_app(settings, service)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"
    msg = f"rag: serving index '{settings.index_name}' at {url}  (JSON API {url}api/ · OpenAPI docs {url}docs)"
    log.info(msg)
    print(msg, file=sys.stderr, flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        note = "rag: WARNING: listening on {} exposes the UI and API to the network".format(host)
        note += "" if settings.api_token else "; set RAG_API_TOKEN to require a token"
        log.warning(note)
        print(note, file=sys.stderr, flush=True)
    threading.Thread(target=_warm, args=(service,), daemon=True, name="rag-warm").start()
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
