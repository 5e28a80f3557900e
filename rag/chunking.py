"""Section-aware chunking of Chinese reports.

Headings (``一、`` ``（一）`` ``(一)`` ``1.`` ``第X章/节``, Markdown ``#``, short
stand-alone title lines) open sections; ``一是/二是`` enumerations and run-in
headings (``发展全域旅游促增收。…``) are sub-units. Sections are cut at sentence
boundaries, never inside a sentence unless the sentence alone is too long.

Example::

    >>> from rag.loaders import load_file
    >>> from rag.chunking import SectionChunker
    >>> chunks = SectionChunker().run(load_file("seeds/000_0be71c8bf9467bc8.txt"))
    >>> hit = next(c for c in chunks if "贫困户1268户" in c.page_content)
    >>> hit.metadata["section"].endswith("一、基本情况")
    True
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from itertools import groupby

from langchain_core.documents import Document

from .lexical import main_places
from .tables import Table

from .normalize import (
    SENT_END,
    Paragraph,
    drop_duplicates,
    is_heading_line,
    paragraphs,
    split_sentences,
)

PATH_SEP = " › "
# bump when chunking changes what it produces: indexes built by another version re-chunk their files
CHUNKER_VERSION = 10
_CN_NUM = "一二三四五六七八九十"
_ENUM_RE = re.compile(rf"^(?:[{_CN_NUM}]{{1,3}}是|首先|其次|再次|最后|第[{_CN_NUM}]{{1,3}}[，,])")
_BYLINE_RE = re.compile(r"(本报|记者|記者|通讯员|摄影|报道|編輯|编辑|来源|日报|日報)")


def _heading_level(line: str) -> int | None:
    s = line.strip()
    m = re.match(r"^(#{1,6})\s+\S", s)
    if m:
        return len(m.group(1))
    if re.match(rf"^第[{_CN_NUM}百零〇\d]+[章篇部]", s):
        return 1
    if re.match(rf"^[{_CN_NUM}]{{1,3}}、", s):
        return 1
    if re.match(rf"^第[{_CN_NUM}百零〇\d]+[节節]", s) or re.match(rf"^[（(][{_CN_NUM}]{{1,4}}[）)]", s):
        return 2
    if re.match(r"^(?:\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[）)])", s):
        return 3
    return None


def _is_title_line(s: str) -> bool:
    """A short stand-alone line with no sentence punctuation: a newspaper headline or a column label."""
    s = s.strip()
    if s.startswith(">"):
        return True
    if not (2 <= len(s) <= 30):
        return False
    if any(ch in s for ch in SENT_END + "，,、：:"):
        return False
    return not _BYLINE_RE.search(s)


def _run_in_heading(text: str, allow_comma: bool = False) -> int:
    """Length of a run-in heading at the start of ``text`` (``(一)重要意义。…`` / ``发展全域旅游促增收。…``), else 0."""
    pattern = r"^[^。！？!?；;]{2,40}[。：:]" if allow_comma else r"^[^。！？!?；;，,]{2,40}[。：:]"
    m = re.match(pattern, text)
    if not m or len(text) <= m.end() + 10:
        return 0
    return m.end()


def _topic_heading(text: str) -> str | None:
    """A paragraph-initial heading sentence: short, at most one comma, followed by a long paragraph."""
    m = re.match(r"^[^。！？!?；;，,“”]{2,14}[，,][^。！？!?；;，,“”]{2,14}。", text)
    if not m or len(text) < 150 or _ENUM_RE.match(text):
        return None
    return m.group(0)


def _heading_name(text: str) -> str:
    """``（三）汇全县之策，拓宽增收渠道。`` → ``（三）汇全县之策`` (a run-in heading is named by its first phrase)."""
    name = text.rstrip("。：: ")
    return re.split(r"[，,]", name, maxsplit=1)[0] if len(name) > 12 else name


_FRONT_RE = re.compile(r"(>>|\d{4}\s*年\s*\d{1,2}\s*月|^[（(].*[）)]$|记者|記者|日报|日報|时间|時間|来源|來源)")


def _is_front_matter(text: str) -> bool:
    """Breadcrumbs, bylines, dates and the like that precede the first real paragraph."""
    s = text.strip()
    return len(s) <= 80 and (bool(_FRONT_RE.search(s)) or _is_title_line(s))


@dataclass
class _TableMark:
    """Where a table stands among the paragraphs, and (set while sectioning) the headings it is under;
    with no table, a break between chunks (where OCR'd pages meet pages with a text layer)."""

    table: Table | None
    start: int
    ocr: bool = False
    path: tuple[str, ...] | None = None


@dataclass
class _Piece:
    text: str
    start: int
    end: int
    section: int  # index of the heading state this piece belongs to
    path: tuple[str, ...]
    label: str | None = None  # sub-unit label when the piece starts one
    heading_text: str | None = None  # heading line(s) that open the section; the chunk starts with them
    heading_start: int | None = None  # offset of the first heading line in the original text
    new_para: bool = True
    break_before: bool = False  # starts a new chunk (the first text after a table)


@dataclass
class SectionChunker:
    """Split documents into section-aware chunks of ``target`` characters (never over ``max_chars``).

    ``run(documents)`` takes the loader's Documents (several per file for PDFs)
    and returns chunk Documents whose metadata carries ``chunk_id``, ``source``,
    ``title``, ``section`` (the heading path), ``headings``, ``start``/``end``
    offsets into the original file text, ``page`` and ``script``. A table
    (a loader Document with ``metadata["table"]``) becomes one chunk per row whose
    metadata ``table`` is the row dict of :meth:`rag.tables.Table.row_dict`, its
    section the headings it stands under; chunks of OCR'd pages carry ``ocr``.
    """

    target: int = 600
    min_chars: int = 200
    max_chars: int = 1000
    tail_merge: int = 120
    repair_ocr: bool = True
    dedupe: bool = True
    stats: dict = field(default_factory=dict, repr=False)

    def run(self, documents: list[Document]) -> list[Document]:
        out: list[Document] = []
        key = lambda d: d.metadata.get("path") or d.metadata.get("source")  # noqa: E731
        for _, group in groupby(documents, key=key):
            out.extend(self._chunk_source(list(group)))
        return out

    # ------------------------------------------------------------------ per source

    def _chunk_source(self, pages: list[Document]) -> list[Document]:
        meta0 = dict(pages[0].metadata)
        title = (meta0.get("title") or meta0.get("source") or "").strip()
        # one text for the whole file; PDF pages are separated by a blank line
        texts, page_starts, off = [], [], 0
        spans: list[tuple[int, int, bool]] = []  # (start, end, came from OCR) per loaded Document
        marks: list[_TableMark] = []
        runs: list[tuple[int, int]] = []  # stretches of running text between tables
        for d in pages:
            page_starts.append((off, d.metadata.get("page")))
            spans.append((off, off + len(d.page_content), bool(d.metadata.get("ocr"))))
            if d.metadata.get("table"):
                marks.append(_TableMark(Table.from_json(d.metadata["table"]), off, bool(d.metadata.get("ocr"))))
            elif runs and runs[-1][1] == off - 2 and spans[-2][2] == bool(d.metadata.get("ocr")):
                runs[-1] = (runs[-1][0], off + len(d.page_content))  # the next page of the same stretch of text
            else:
                if runs and runs[-1][1] == off - 2:  # OCR'd pages and pages with a text layer do not share chunks
                    marks.append(_TableMark(None, off))
                runs.append((off, off + len(d.page_content)))
            texts.append(d.page_content)
            off += len(d.page_content) + 2
        full = "\n\n".join(texts)

        paras: list[Paragraph] = []
        for a, b in runs:  # line repair within a stretch of text, never across a table
            for p in paragraphs(full[a:b], repair=self.repair_ocr):
                paras.append(Paragraph(p.text, [x + a for x in p.pos]) if a else p)
        n_before = len(paras)
        if self.dedupe:
            paras = drop_duplicates(paras)
        self.stats[meta0.get("source")] = {"paragraphs": n_before, "duplicates_dropped": n_before - len(paras)}

        items: list = sorted([*paras, *marks], key=lambda x: x.start) if marks else paras
        pieces = self._pieces(items, title)
        chunks = self._pack(pieces)
        # the places the whole document is about: context for chunks that never name them
        places = main_places("\n".join(p.text for p in paras))
        docs = [self._to_document(c, i, meta0, title, page_starts) for i, c in enumerate(chunks)]
        if marks:
            docs.extend(d for m in marks if m.table is not None for d in self._table_documents(m, meta0, title, full))
            docs.sort(key=lambda d: (d.metadata["start"], d.metadata["end"]))
            for i, d in enumerate(docs):
                d.metadata["ordinal"] = i
        for d in docs:
            d.metadata["doc_places"] = places
            if any(o and s < d.metadata["end"] and d.metadata["start"] < e for s, e, o in spans):
                d.metadata["ocr"] = True
        return docs

    def _table_documents(self, mark: "_TableMark", meta0: dict, title: str, full: str) -> list[Document]:
        """One chunk per table row (a very long row is cut between cells), its text
        ``caption › row label › 列名：值；…``, its metadata ``table`` the row dict."""
        t = mark.table
        path = [h.lstrip("#> ").strip() for h in (mark.path or ())]
        if not t.caption:
            t.caption = path[-1] if path else (t.sheet or title)
        headings = [title, *path] if title else list(path)
        offsets = t.body_line_offsets()
        out = []
        for i, text, row in t.row_units(self.max_chars):
            start = mark.start + offsets[i]
            end = start + len(" | ".join(t.rows[i]))
            meta = _chunk_meta(meta0, text, title, headings, start, end, row.get("page"), ordinal=0)
            out.append(Document(page_content=text, metadata={**meta, "table": row}))
        return out

    def _pieces(self, paras: list[Paragraph], title: str) -> list[_Piece]:
        stack: list[tuple[float, str]] = []  # (level, heading text)
        section = 0
        seen_body = False
        prev_was_title = False
        pending_heading: list[tuple[str, int]] = []
        pieces: list[_Piece] = []
        after_table = False

        def where(para: Paragraph, text: str) -> int:
            k = para.text.find(text[:1])
            return para.pos[k] if k >= 0 and para.pos else para.start

        def open_section(level: float, text: str, para: Paragraph) -> None:
            nonlocal section, prev_was_title
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, text))
            section += 1
            pending_heading.append((text, where(para, text)))

        for para in paras:
            if isinstance(para, _TableMark) and para.table is None:
                after_table = True  # a break: the next text starts a new chunk
                continue
            if isinstance(para, _TableMark):
                # a table stands under the headings open here; it is the body that follows a heading
                para.path = tuple(h for _, h in stack)
                pending_heading = []
                seen_body = True
                prev_was_title = False
                after_table = True
                continue
            text = para.text
            level = _heading_level(text)
            if level is not None and is_heading_line(text):
                run_in = _run_in_heading(text, allow_comma=True)
                if len(text) <= 60 and not run_in:
                    open_section(level, text.rstrip("。"), para)
                    prev_was_title = False
                    continue
                if run_in:
                    open_section(level, _heading_name(text[:run_in]), para)
                    para = para.slice(run_in, len(text))
                    text = para.text
            elif not seen_body and text.strip().lstrip("#> ").strip() == title:
                prev_was_title = True
                continue
            elif not seen_body and _is_front_matter(text):
                # breadcrumbs, bylines and dates before the first paragraph stay as text under the title
                if text.strip().lstrip("#> ").strip() != title:
                    pieces.extend(self._split_paragraph(para, section, (), None))
                prev_was_title = True
                continue
            elif _is_title_line(text) and not (text.strip() == title):
                label = text.strip().lstrip(">#").strip()
                if prev_was_title:
                    # consecutive titles stack (column › headline), at most two deep
                    if len(stack) >= 2 and stack[-1][0] == 0 and stack[-2][0] == 0:
                        stack.pop(0)
                    stack.append((0, label))
                    section += 1
                    pending_heading.append((label, where(para, label)))
                else:
                    stack.clear()
                    stack.append((0, label))
                    section += 1
                    pending_heading[:] = [(label, where(para, label))]
                prev_was_title = True
                continue
            else:
                topic = _topic_heading(text)
                if topic:
                    # 突出产业发展,促进群众持续增收。… : a paragraph led by its own heading sentence
                    open_section(2.5, topic.rstrip("。"), para)
                    para = para.slice(len(topic), len(text))
                    text = para.text
            seen_body = True
            prev_was_title = False
            path = tuple(h for _, h in stack)
            heading_text = "\n".join(h for h, _ in pending_heading) if pending_heading else None
            heading_start = pending_heading[0][1] if pending_heading else None
            pending_heading = []
            new = self._split_paragraph(para, section, path, heading_text, heading_start)
            if new and after_table:
                new[0].break_before = True  # text after a table is not packed with the text before it
                after_table = False
            pieces.extend(new)
        return pieces

    def _label(self, text: str) -> str | None:
        """Sub-unit label of a paragraph or sentence: ``一是深化认识,扛实责任`` or a run-in title sentence."""
        s = text.strip()
        if _ENUM_RE.match(s):
            head = re.split(r"[。；;]", s, maxsplit=1)[0]
            return head[:24]
        n = _run_in_heading(s)
        if n and n <= 17 and s[n - 1] == "。" and not re.search(r"[，,、\d]", s[:n]):
            return s[:n].rstrip("。：:")
        return None

    def _split_paragraph(self, para: Paragraph, section: int, path: tuple[str, ...], heading_text: str | None, heading_start: int | None = None) -> list[_Piece]:
        text = para.text
        spans = split_sentences(text)
        label = self._label(text)
        if len(text) <= self.target and not self._has_inner_enum(text, spans):
            s, e = para.span(0, len(text))
            return [_Piece(text, s, e, section, path, label, heading_text, heading_start)]
        # split long sentences at ；/，
        fine: list[tuple[int, int]] = []
        for i, j in spans:
            if j - i <= self.max_chars:
                fine.append((i, j))
                continue
            k = i
            while k < j:
                cut = min(j, k + self.target)
                if cut < j:
                    window = text[k:cut]
                    m = max(window.rfind("；"), window.rfind(";"), window.rfind("，"), window.rfind(","))
                    if m > self.target // 3:
                        cut = k + m + 1
                fine.append((k, cut))
                k = cut
        pieces: list[_Piece] = []
        cur_i = cur_j = None
        cur_label = None
        first = True
        for i, j in fine:
            sent_label = self._label(text[i:j]) if _ENUM_RE.match(text[i:j].strip()) else None
            if cur_i is not None:
                too_long = (j - cur_i) > self.target
                natural = sent_label is not None and (cur_j - cur_i) >= self.min_chars // 2
                if too_long or natural:
                    s, e = para.span(cur_i, cur_j)
                    pieces.append(_Piece(text[cur_i:cur_j], s, e, section, path, cur_label, heading_text if first else None, heading_start if first else None, new_para=first))
                    first = False
                    cur_i = None
            if cur_i is None:
                cur_i, cur_j = i, j
                cur_label = sent_label or (label if first else None)
            else:
                cur_j = j
        if cur_i is not None:
            s, e = para.span(cur_i, cur_j)
            pieces.append(_Piece(text[cur_i:cur_j], s, e, section, path, cur_label, heading_text if first else None,
                                 heading_start if first else None, new_para=first))
        return pieces

    @staticmethod
    def _has_inner_enum(text: str, spans: list[tuple[int, int]]) -> bool:
        return sum(1 for i, j in spans if _ENUM_RE.match(text[i:j].strip())) >= 2 and len(text) > 300

    def _pack(self, pieces: list[_Piece]) -> list[list[_Piece]]:
        chunks: list[list[_Piece]] = []
        cur: list[_Piece] = []
        size = 0
        for p in pieces:
            plen = len(p.text) + (len(p.heading_text) + 1 if p.heading_text else 0)
            if cur and p.break_before:
                chunks.append(cur)
                cur, size = [], 0
            if cur:
                same = p.section == cur[0].section
                fits = size + plen <= self.target
                if not same:
                    flush = size >= self.min_chars or size + plen > self.target
                elif p.label and size >= self.min_chars:
                    flush = True
                else:
                    flush = not fits and not (size < self.min_chars and size + plen <= self.max_chars)
                if flush:
                    chunks.append(cur)
                    cur, size = [], 0
            cur.append(p)
            size += plen
        if cur:
            chunks.append(cur)
        # merge a tiny tail into the previous chunk of the same section
        merged: list[list[_Piece]] = []
        plen = lambda p: len(p.text) + (len(p.heading_text) + 1 if p.heading_text else 0)  # noqa: E731
        for c in chunks:
            clen = sum(plen(p) for p in c)
            if (
                merged
                and clen < self.tail_merge
                and not c[0].break_before
                and merged[-1][0].section == c[0].section
                and sum(plen(p) for p in merged[-1]) + clen <= self.max_chars
            ):
                merged[-1].extend(c)
            else:
                merged.append(c)
        return merged

    def _to_document(self, pieces: list[_Piece], n: int, meta0: dict, title: str, page_starts) -> Document:
        parts: list[str] = []
        for k, p in enumerate(pieces):
            if p.heading_text:
                # a section's first chunk starts with its heading line: the heading is text too
                parts.append(("\n" if k else "") + p.heading_text + "\n")
            elif k and p.new_para:
                parts.append("\n")
            parts.append(p.text)
        text = "".join(parts).strip()
        first = pieces[0]
        path = [h.lstrip("#> ").strip() or h for h in first.path]  # "## 财政支出" names the section 财政支出
        headings = [title, *path] if title else path
        if first.label and (not headings or first.label != headings[-1]):
            headings.append(first.label)
        start = first.heading_start if first.heading_text and first.heading_start is not None else first.start
        end = max(p.end for p in pieces)
        page = None
        for off, pg in page_starts:
            if off <= start:
                page = pg
        return Document(page_content=text, metadata=_chunk_meta(meta0, text, title, headings, start, end, page, ordinal=n))


def _chunk_meta(meta0: dict, text: str, title: str, headings: list[str], start: int, end: int, page: int | None, ordinal: int) -> dict:
    """A chunk's metadata: provenance from its document (``meta0``), where it stands, and a stable id
    (a hash of the source, its offsets and its text)."""
    source = meta0.get("source", "")
    return {
        "chunk_id": hashlib.sha1(f"{source}\x00{start}\x00{end}\x00{text}".encode()).hexdigest()[:16],
        "source": source,
        "path": meta0.get("path"),
        "title": title,
        "section": PATH_SEP.join(headings),
        "headings": headings,
        "start": start,
        "end": end,
        "page": page,
        "script": meta0.get("script"),
        "sha256": meta0.get("sha256"),
        "ordinal": ordinal,
    }
