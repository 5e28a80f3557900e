"""Word .docx with python-docx: paragraphs and tables in document order, headings kept.

A table stands where it is between the paragraphs, with the caption above or below
it (``表2 …``, or the Caption style) and the heading it is under (found by the
chunker from the heading lines). Merged cells (``gridSpan``, ``vMerge``) are
expanded; a header row that spans columns makes a two-level header. Heading-styled
paragraphs that carry no numbering of their own are marked as Markdown headings
(``## …``) so the chunker sees their level.
"""
from __future__ import annotations

import re
from pathlib import Path

from langchain_core.documents import Document

from ..normalize import is_heading_line
from ..settings import Settings
from ..tables import Table
from ..types import LoadError
from .base import Block, assemble, register_parser, text_of
from .text import title_from_text

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)


def _heading_level(paragraph) -> int | None:
    try:
        name = (paragraph.style.name or "").strip() if paragraph.style is not None else ""
    except (KeyError, AttributeError, ValueError):
        return None
    m = _HEADING_STYLE.match(name)
    return int(m.group(1)) if m else None


def _is_caption_style(paragraph) -> bool:
    try:
        name = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
    except (KeyError, AttributeError, ValueError):
        return False
    return name in ("caption", "题注")


def _table(tbl) -> Table | None:
    """A python-docx table as a :class:`Table`; merged cells are one ``_tc`` repeated over the grid."""
    grid: list[list[str | None]] = []
    origins: list[list[tuple[int, int] | None]] = []
    first_seen: dict = {}  # the <w:tc> element → where it first stands (the element is the key: ids of lxml proxies are reused)
    for r, row in enumerate(tbl.rows):
        cells_row: list[str | None] = []
        org_row: list[tuple[int, int] | None] = []
        try:
            cells = list(row.cells)
        except (IndexError, ValueError):  # a damaged grid: the row's cells as stored, without spans
            from docx.table import _Cell

            cells = [_Cell(tc, tbl) for tc in row._tr.tc_lst]  # noqa: SLF001
        for c, cell in enumerate(cells):
            key = cell._tc  # noqa: SLF001
            if key in first_seen:
                cells_row.append(None)
                org_row.append(first_seen[key])
            else:
                first_seen[key] = (r, c)
                cells_row.append("\n".join(p.text for p in cell.paragraphs))
                org_row.append(None)
        grid.append(cells_row)
        origins.append(org_row)
    return Table.from_grid(grid, origins=origins)


@register_parser(".docx")
def parse_docx(path: Path, settings: Settings) -> list[Document]:
    """Word .docx: paragraphs (headings kept as lines) and tables where they stand."""
    try:
        import docx  # python-docx
        from docx.table import Table as DocxTable
        from docx.text.paragraph import Paragraph as DocxParagraph
    except ImportError as e:  # pragma: no cover - python-docx is a core dependency
        raise LoadError(path, "python-docx is needed for .docx files: pip install python-docx") from e
    try:
        d = docx.Document(str(path))
    except Exception as e:  # noqa: BLE001 - python-docx raises many kinds on damaged files
        raise LoadError(path, f"corrupt or unreadable .docx ({e.__class__.__name__})") from None
    blocks: list[Block] = []
    core_title = (d.core_properties.title or "").strip()
    for item in d.iter_inner_content():
        if isinstance(item, DocxParagraph):
            text = item.text.strip()
            if not text:
                continue
            level = _heading_level(item)
            if level and not is_heading_line(text) and len(text) <= 60 and text != core_title:
                text = f"{'#' * level} {text}"
            if _is_caption_style(item) and blocks and blocks[-1].table is not None and not blocks[-1].table.caption:
                blocks[-1].table.caption = text
                continue
            blocks.append(Block(text=text))
        elif isinstance(item, DocxTable):
            t = _table(item)
            if t is not None:
                blocks.append(Block(table=t))
    docs = assemble(blocks)
    if not any(d_.page_content.strip() for d_ in docs):
        raise LoadError(path, "the document is empty (no text)")
    text = text_of(docs)
    title = core_title or title_from_text(text, path.stem)
    for doc in docs:
        doc.metadata["title"] = title
    return docs
