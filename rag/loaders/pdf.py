"""PDF: text by pypdf, ruled tables by pdfplumber, scanned pages by OCR; page numbers kept.

* A page without tables keeps pypdf's text, as before.
* A page with ruled tables (pdfplumber's ``lines`` strategy; at least 2 × 2 cells) is
  read by pdfplumber top to bottom: the text above each table, the table (its
  caption line ``表1 …`` and unit note moved into it), the text below. A table that
  goes on at the top of the next page with the same columns is continued (a
  repeated header row is dropped).
* A page with no text layer is rendered (pypdfium2) and OCR'd when the ``ocr``
  extra is installed; a page with a text layer is never OCR'd. Without the extra
  the text pages load and a warning names the skipped pages; a PDF with no text
  layer at all is an error naming the extra.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from langchain_core.documents import Document

from ..settings import Settings
from ..tables import Table
from ..types import LoadError
from .base import Block, MissingExtra, assemble, progress, register_parser, text_of
from .image import ocr_title
from .text import title_from_text

log = logging.getLogger("rag.loaders")

_PLACEHOLDER_TITLE = re.compile(r"^(untitled( document)?|无标题|無標題|microsoft word - .*|document\d*)$", re.I)
OCR_DPI = 200


def _pdfplumber_tables(page) -> list:
    """pdfplumber's ruled tables on ``page`` with at least two rows and two columns, top to bottom."""
    try:
        found = page.find_tables()
    except Exception as e:  # noqa: BLE001 - a damaged page keeps its pypdf text
        log.debug("table detection failed on page %s: %s", page.page_number, e)
        return []
    out = []
    for t in found:
        rows = t.extract()
        if len(rows) >= 2 and max((len(r) for r in rows), default=0) >= 2:
            out.append(t)
    return sorted(out, key=lambda t: t.bbox[1])


def _grid(t) -> tuple[list[list[str | None]], list[list[tuple[int, int] | None]]]:
    """The cells of a pdfplumber table and, for each covered position, the merged cell that covers it."""
    rows = t.extract()
    xs = sorted({round(c[0], 1) for c in t.cells} | {round(c[2], 1) for c in t.cells})
    ys = sorted({round(c[1], 1) for c in t.cells} | {round(c[3], 1) for c in t.cells})
    width = max(len(r) for r in rows)
    origins: list[list[tuple[int, int] | None]] = [[None] * width for _ in rows]
    if len(xs) - 1 == width and len(ys) - 1 == len(rows):
        col = {x: i for i, x in enumerate(xs)}
        row = {y: i for i, y in enumerate(ys)}
        for x0, top, x1, bottom in t.cells:
            c0, c1 = col[round(x0, 1)], col[round(x1, 1)]
            r0, r1 = row[round(top, 1)], row[round(bottom, 1)]
            for r in range(r0, r1):
                for c in range(c0, c1):
                    if (r, c) != (r0, c0):
                        origins[r][c] = (r0, c0)
    return rows, origins


def _page_blocks(page, page_no: int, tables: list) -> list[Block]:
    """Text and tables of a page with tables, in reading order (top to bottom)."""
    blocks: list[Block] = []
    x0, top0, x1, bottom0 = page.bbox
    y = top0
    for t in tables:
        _, ttop, _, tbottom = t.bbox
        if ttop > y:
            text = page.within_bbox((x0, y, x1, ttop)).extract_text() or ""
            blocks.extend(Block(text=ln, page=page_no) for ln in text.splitlines() if ln.strip())
        rows, origins = _grid(t)
        table = Table.from_grid(rows, origins=origins, page=page_no)
        if table is not None:
            blocks.append(Block(table=table, page=page_no))
        y = max(y, tbottom)
    if y < bottom0:
        text = page.within_bbox((x0, y, x1, bottom0)).extract_text() or ""
        blocks.extend(Block(text=ln, page=page_no) for ln in text.splitlines() if ln.strip())
    return blocks


def _continue_tables(blocks: list[Block]) -> list[Block]:
    """A table at the top of a page with the same columns as the table ending the previous page goes on from it."""
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if (b.table is not None and prev is not None and prev.table is not None and b.page == (prev.page or 0) + 1
                and b.table.width == prev.table.width and not b.table.caption.startswith("表")):
            t, p = b.table, prev.table
            body = t.rows if t.header == p.header else [*t.header, *t.rows]
            if not p.row_pages:
                p.row_pages = [p.page] * len(p.rows)
            p.rows.extend(body)
            p.row_pages.extend([b.page] * len(body))
            continue
        out.append(b)
    return out


def _render(path: Path, index: int, dpi: int = OCR_DPI):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[index]
        return page.render(scale=dpi / 72).to_pil()
    finally:
        pdf.close()


@register_parser(".pdf")
def parse_pdf(path: Path, settings: Settings) -> list[Document]:
    """A PDF's pages in order: text (pypdf), tables (pdfplumber), scanned pages (OCR); ``page`` is 1-based."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:  # noqa: BLE001
                ok = 0
            if not ok:
                raise LoadError(path, "the PDF is encrypted (password protected); decrypt it first")
        pages = list(reader.pages)
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AssertionError) as e:
        raise LoadError(path, f"corrupt or unreadable PDF ({e.__class__.__name__}: {e})") from None
    if not pages:
        raise LoadError(path, "the PDF has no pages")
    texts: list[str] = []
    for i, page in enumerate(pages, start=1):
        try:
            texts.append(page.extract_text() or "")
        except Exception as e:  # noqa: BLE001 - pypdf raises many kinds on damaged streams
            raise LoadError(path, f"corrupt PDF: page {i} cannot be read ({e.__class__.__name__})") from None
    text_pages = [i for i, t in enumerate(texts, start=1) if t.strip()]
    scanned = [i for i, t in enumerate(texts, start=1) if not t.strip()]

    blocks: list[Block] = []
    plumber = None
    if text_pages:
        try:
            import pdfplumber

            plumber = pdfplumber.open(str(path))
        except Exception as e:  # noqa: BLE001 - tables are a bonus; the text stays
            log.warning("%s: table detection unavailable (%s); reading text only", path, e.__class__.__name__)
    ocr_text: dict[int, str] = {}
    if scanned and settings.ocr:
        from .ocr import ocr_image

        try:
            for i in progress(scanned, f"OCR {path.name}", unit="page"):
                try:
                    image = _render(path, i - 1)
                except Exception as e:  # noqa: BLE001
                    raise LoadError(path, f"page {i} cannot be rendered for OCR ({e.__class__.__name__})") from None
                ocr_text[i] = ocr_image(image, path)
        except MissingExtra as e:
            if not text_pages:
                raise MissingExtra(path, f"the PDF has no text layer ({len(pages)} scanned page(s)); reading it", "ocr") from e
            log.warning("%s: page(s) %s have no text layer and were skipped; OCR needs pip install 'zhdocqa[ocr]'", path,
                        ", ".join(map(str, scanned)))
    elif scanned and not text_pages:
        raise LoadError(path, f"the PDF has no text layer ({len(pages)} page(s) of images) and OCR is off (RAG_OCR=false)")
    try:
        for i, text in enumerate(texts, start=1):
            if i in ocr_text:
                if ocr_text[i].strip():
                    blocks.append(Block(text=ocr_text[i], page=i, ocr=True))
                continue
            if not text.strip():
                continue
            tables = _pdfplumber_tables(plumber.pages[i - 1]) if plumber is not None else []
            if tables:
                blocks.extend(_page_blocks(plumber.pages[i - 1], i, tables))
            else:
                blocks.append(Block(text=text, page=i))
    finally:
        if plumber is not None:
            plumber.close()
    if not blocks:
        if scanned and ocr_text:
            raise LoadError(path, f"no text found by OCR ({len(scanned)} scanned page(s))")
        raise LoadError(path, f"the PDF has no text layer ({len(pages)} page(s) of images); it needs OCR first")
    docs = assemble(_continue_tables(blocks))
    title = None
    try:
        title = (reader.metadata or {}).get("/Title")
    except Exception:  # noqa: BLE001
        pass
    title = str(title).strip() if title else ""
    if not title or _PLACEHOLDER_TITLE.match(title):
        first_text = text_of(docs[:1]) or text_of(docs)
        title = ocr_title(first_text, path.stem) if docs[0].metadata.get("ocr") else title_from_text(first_text, path.stem)
    for d in docs:
        d.metadata["title"] = title
    return docs
