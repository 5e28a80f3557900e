"""What the web UI shows, as pure functions of an answer: HTML for the answer, its citations (a quote
highlighted in its passage, a cited table row as a small table), the other passages, status boxes;
and the page's CSS and scripts. Used by the tabs in :mod:`rag.ui` and :mod:`rag.ui_chat`.

Example::

    >>> from rag.ui_render import highlight
    >>> highlight("全县辖8乡5镇。", "8乡5镇")
    '全县辖<mark>8乡5镇</mark>。'
"""
from __future__ import annotations

import html
import re
import time

from .types import Answer

EXAMPLES = [
    "稻城县2014年审定贫困村多少个？",
    "貧困縣精準識別了多少個貧困村？",
    "How many poor households did Daocheng County identify in 2014?",
    "昌都市2016年以来累计减贫多少户？",
]
# the project's tuning split when the server runs from a checkout; elsewhere the tab asks for a file
CSS = """
.rag-box{border-radius:10px;padding:14px 16px;margin:4px 0;border:1px solid #d0d7de;background:#f6f8fa;color:#1f2328;line-height:1.7}
.rag-box.rag-ok{border-color:#9ec5fe;background:#f0f6ff}
.rag-box.rag-refused{border-color:#c9ccd1;background:#eef0f2;color:#57606a}
.rag-box.rag-ungrounded{border-color:#e3b341;background:#fff8e1}
.rag-box.rag-error{border-color:#f1aeb5;background:#fff0f1;color:#82071e}
.rag-box.rag-success{border-color:#a6d8b0;background:#eefbf0;color:#0f5323}
.rag-box.rag-streaming{border-style:dashed}
.rag-answer-text{font-size:1.15em;margin:6px 0 4px 0;white-space:pre-wrap}
.rag-title{font-weight:600;font-size:1.05em;margin-bottom:2px}
.rag-meta{font-size:.85em;color:#57606a;display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.rag-badge{display:inline-block;border-radius:999px;padding:0 8px;font-size:.85em;border:1px solid #d0d7de;background:#fff;color:#1f2328}
.rag-badge.rag-warn{border-color:#e3b341;background:#fff3c4;color:#6b4b00}
.rag-badge.rag-bad{border-color:#f1aeb5;background:#ffe3e6;color:#82071e}
.rag-warnings{margin:6px 0 0 0;padding-left:1.2em;font-size:.88em;color:#6b4b00}
a.rag-cite-marker{font-weight:600;text-decoration:none;color:#0969da;cursor:pointer;padding:0 1px}
a.rag-cite-marker:hover{text-decoration:underline}
.rag-cite{border:1px solid #d0d7de;border-radius:8px;margin:8px 0;padding:6px 12px;background:#fff;color:#1f2328;transition:box-shadow .3s}
.rag-cite summary{cursor:pointer;font-size:.95em}
.rag-cite.rag-flash{box-shadow:0 0 0 3px #58a6ff}
.rag-cite-n{font-weight:700;color:#0969da}
.rag-section{color:#57606a}
.rag-passage{white-space:pre-wrap;font-size:.93em;line-height:1.75;margin-top:6px;color:#1f2328}
.rag-passage mark{background:#ffe066;color:#000;padding:0 2px;border-radius:3px}
.rag-table{margin-top:6px;overflow-x:auto}.rag-table-caption{font-weight:600;font-size:.93em;margin-bottom:4px}
.rag-table table{border-collapse:collapse;font-size:.9em}.rag-table th,.rag-table td{border:1px solid #d0d7de;padding:3px 8px;text-align:left}
.rag-table th{background:#f6f8fa}.rag-table td.rag-cell-cited{background:#ffe066;font-weight:600}
.rag-quote{color:#57606a;font-size:.9em}
.rag-other{border-top:1px solid #e5e7eb;padding:8px 0}
.rag-other .rag-passage{max-height:9em;overflow:auto}
.rag-muted{color:#6e7781;font-size:.9em}
"""

# citation markers: open the cited passage, scroll to it and flash it
ANSWER_JS = """
element.addEventListener('click', (ev) => {
  const a = ev.target.closest('a.rag-cite-marker');
  if (!a) return;
  ev.preventDefault();
  const el = document.getElementById('rag-cite-' + a.dataset.cite);
  if (!el) return;
  el.open = true;
  el.scrollIntoView({behavior: 'smooth', block: 'center'});
  el.classList.remove('rag-flash'); void el.offsetWidth; el.classList.add('rag-flash');
  setTimeout(() => el.classList.remove('rag-flash'), 2500);
});
"""


# ---------------------------------------------------------------- rendering (pure functions)


def _stamp() -> str:
    """A per-render attribute, so a page (or a test) can tell a new result from the previous one."""
    return f'data-final="1" data-t="{time.time_ns()}"'


def esc(text) -> str:
    """HTML-escape, and neutralise template characters ({, }, $) that the HTML component would interpret."""
    return html.escape(str(text or ""), quote=True).replace("{", "&#123;").replace("}", "&#125;").replace("$", "&#36;")


def highlight(text: str, quote: str, start: int | None = None) -> str:
    """``text`` escaped, with each part of ``quote`` (parts joined by " … ") wrapped in <mark>."""
    spans: list[tuple[int, int]] = []
    for k, q in enumerate(p.strip() for p in (quote or "").split(" … ")):
        if not q:
            continue
        if k == 0 and start is not None and text[start : start + len(q)] == q:
            i = start
        else:
            i = text.find(q)
        if i >= 0:
            spans.append((i, i + len(q)))
    spans.sort()
    out, pos = [], 0
    for i, j in spans:
        if i < pos:
            continue
        out.append(esc(text[pos:i]))
        out.append(f"<mark>{esc(text[i:j])}</mark>")
        pos = j
    out.append(esc(text[pos:]))
    return "".join(out)


def _markers(escaped: str, numbers: set[int]) -> str:
    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if n not in numbers:
            return m.group(0)
        return f'<a class="rag-cite-marker" href="#rag-cite-{n}" data-cite="{n}" title="查看引文 Show passage [{n}]">[{n}]</a>'

    return re.sub(r"\[(\d{1,3})\]", link, escaped)


def render_answer(ans: Answer) -> str:
    """The answer box: text with clickable [n] markers, backend, timing, and flags."""
    badges = [f'<span class="rag-badge" title="answer backend">后端 backend: {esc(ans.backend)}</span>']
    total = ans.timings.get("total_ms")
    if total is not None:
        badges.append(f'<span class="rag-badge">{total:.0f} ms</span>')
    if not ans.grounded:
        badges.append('<span class="rag-badge rag-bad">⚠ 数字未核实 Figures not verified</span>')
    visible_warnings = [w for w in ans.warnings if not (ans.refused and w.startswith("refused:"))]
    if visible_warnings:
        badges.append(f'<span class="rag-badge rag-warn">⚠ 警告 Warnings: {len(visible_warnings)}</span>')
    meta = f'<div class="rag-meta">{"".join(badges)}</div>'
    warn_html = ""
    if ans.warnings:
        warn_html = '<ul class="rag-warnings">' + "".join(f"<li>{esc(w)}</li>" for w in ans.warnings) + "</ul>"
    if ans.refused:
        return (f'<div class="rag-box rag-refused" data-state="refused" {_stamp()}><div class="rag-title">🚫 未找到答案 / Not found in the documents</div>'
                f'<div class="rag-answer-text">{esc(ans.answer)}</div>{meta}{warn_html}</div>')
    cls = "rag-ungrounded" if (not ans.grounded or visible_warnings) else "rag-ok"
    title = "回答 Answer" if ans.grounded else "回答（未通过数字核查）Answer — not grounded"
    text = _markers(esc(ans.answer), {c.n for c in ans.citations})
    return (f'<div class="rag-box {cls}" data-state="{"answered" if ans.grounded else "ungrounded"}" {_stamp()}>'
            f'<div class="rag-title">{title}</div><div class="rag-answer-text">{text}</div>{meta}{warn_html}</div>')


def render_streaming(text: str, backend: str) -> str:
    return (f'<div class="rag-box rag-ok rag-streaming" data-state="streaming"><div class="rag-title">回答中… Answering…</div>'
            f'<div class="rag-answer-text">{esc(text)}▌</div><div class="rag-meta"><span class="rag-badge">后端 backend: {esc(backend)}</span>'
            f'<span class="rag-muted">正在生成，完成后核查数字 · streaming; figures are checked when it ends</span></div></div>')


def render_error(message: str) -> str:
    return f'<div class="rag-box rag-error" data-state="error" {_stamp()}><div class="rag-title">出错了 Error</div><div>{esc(message)}</div></div>'


def _where(doc: str, page: int | None, section: str) -> str:
    page_s = f" · 第{page}页 p.{page}" if page else ""
    sec = f' · <span class="rag-section">{esc(section)}</span>' if section else ""
    return f"<b>{esc(doc)}</b>{page_s}{sec}"


def render_citations(ans: Answer | None) -> str:
    if ans is None or not ans.citations:
        if ans is not None and not ans.refused:
            return '<div class="rag-muted">无引用 No citations</div>'
        return ""
    parts = [f'<div class="rag-title">引文 Citations ({len(ans.citations)})</div>']
    for c in ans.citations:
        body = render_table_row(c.table, c.quote, c.start) if c.table else f'<div class="rag-passage">{highlight(c.text, c.quote, c.start)}</div>'
        ocr = ' <span class="rag-badge" title="read by OCR from a scanned page">OCR</span>' if c.ocr else ""
        parts.append(
            f'<details class="rag-cite" id="rag-cite-{c.n}" open><summary><span class="rag-cite-n">[{c.n}]</span> '
            f'{_where(c.doc, c.page, c.section)}{ocr}</summary>{body}</details>'
        )
    return "".join(parts)


def render_table_row(table: dict, quote: str, start: int | None) -> str:
    """A cited table row as a small table: caption, header, the row, the cited cell highlighted."""
    from .tables import cited_columns

    hit = set(cited_columns(table, start, quote))
    head = "".join(f"<th>{esc(h)}</th>" for h in table.get("header") or [])
    row = "".join(f'<td class="rag-cell-cited">{esc(v)}</td>' if k in hit else f"<td>{esc(v)}</td>" for k, v in enumerate(table.get("row") or []))
    where = " · ".join(x for x in (table.get("sheet") and f"工作表 {table['sheet']}", f"第{table.get('row_index')}行" if table.get("row_index") else "") if x)
    return (f'<div class="rag-table"><div class="rag-table-caption">{esc(table.get("caption") or "")}'
            f'{f" <span class=rag-muted>{esc(where)}</span>" if where else ""}</div>'
            f"<table><thead><tr>{head}</tr></thead><tbody><tr>{row}</tr></tbody></table></div>")


def render_passages(ans: Answer | None) -> str:
    if ans is None:
        return ""
    cited = {c.chunk_id for c in ans.citations}
    others = [p for p in ans.passages if p.chunk_id not in cited]
    if not others:
        return '<div class="rag-muted">没有其他段落 No other passages</div>'
    rows = []
    for p in others:
        legs = f"dense #{p.dense_rank or '–'} · BM25 #{p.bm25_rank or '–'}"
        rows.append(
            f'<div class="rag-other" data-rank="{p.rank}"><div class="rag-meta"><span class="rag-badge">#{p.rank}</span>'
            f'<span class="rag-badge">score {p.score:.4f}</span><span class="rag-muted">{legs}</span></div>'
            f'<div>{_where(p.doc, p.page, p.section)}</div><div class="rag-passage">{esc(p.text)}</div></div>'
        )
    return "".join(rows)


def render_status(ok: list[str], errors: list[str]) -> str:
    out = ""
    if ok:
        out += f'<div class="rag-box rag-success" data-state="ok" {_stamp()}>' + "<br>".join(esc(m) for m in ok) + "</div>"
    if errors:
        out += (f'<div class="rag-box rag-error" data-state="error" {_stamp()}><div class="rag-title">未能索引 Not indexed</div>'
                + "<br>".join(esc(m) for m in errors) + "</div>")
    return out


