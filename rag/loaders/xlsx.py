"""Excel workbooks (.xlsx, .xlsm) with openpyxl: every sheet, merged cells expanded, numbers as displayed.

A sheet holds one or more tables separated by empty rows; a lone cell above a
table (or a merged title row) is its caption, lone cells below it are notes (text).
An empty sheet is skipped with a warning naming it; a workbook with no data at all
is an error.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

from langchain_core.documents import Document

from ..settings import Settings
from ..tables import Table, clean_cell
from ..types import LoadError
from .base import Block, assemble, progress, register_parser

log = logging.getLogger("rag.loaders")

BIG_SHEET_ROWS = 2000  # sheets with more rows show a progress bar
BIG_TABLE_ROWS = 5000  # tables with more rows are announced: one chunk per row


def format_number(value, fmt: str | None) -> str:
    """A cell value as Excel displays it for the common formats (``0.00%``, ``#,##0``, ``0.0``, dates, literals).

    >>> format_number(0.2025, "0.00%"), format_number(1268, "#,##0"), format_number(3.5, "0.00"), format_number(12.0, "General")
    ('20.25%', '1,268', '3.50', '12')
    >>> format_number(5614, '0"人"'), format_number(dt.date(2023, 5, 1), "yyyy-mm-dd")
    ('5614人', '2023-05-01')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return _format_date(value, fmt or "")
    if not isinstance(value, (int, float)):
        return str(value)
    fmt = (fmt or "General").split(";")[0]
    if fmt in ("General", "@", ""):
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.10g}" if isinstance(value, float) else str(value)
    body = re.sub(r"\[[^\]]*\]", "", fmt)  # colours, locales
    core = re.search(r"[#0?][#0?,]*(?:\.[0?#]+)?%?", body)
    if not core:
        return str(value)

    def literals(part: str) -> str:  # quoted text and escaped characters: "人" \元
        return "".join(a or b for a, b in re.findall(r'"([^"]*)"|\\(.)', part))

    pre, post = literals(body[: core.start()]), literals(body[core.end():])
    spec = core.group(0)
    if spec.endswith("%") or "%" in body[core.end():]:
        value, post = value * 100, post.replace("%", "") + "%"
    decimals = len(spec.split(".")[1].rstrip("%")) if "." in spec else 0
    text = f"{value:,.{decimals}f}" if "," in spec.split(".")[0] else f"{value:.{decimals}f}"
    return f"{pre}{text}{post}"


def _format_date(value, fmt: str) -> str:
    f = fmt.lower()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if "年" in fmt:
        s = f"{value.year}年{value.month}月" + (f"{value.day}日" if "d" in f else "")
        return s
    if isinstance(value, dt.datetime) and (value.hour or value.minute) and ("h" in f or not f or f == "general"):
        return value.strftime("%Y-%m-%d %H:%M")
    if "/" in f and f.startswith(("m", "d")):
        return f"{value.month}/{value.day}/{value.year}"
    if "/" in f:
        return f"{value.year}/{value.month}/{value.day}"
    return value.strftime("%Y-%m-%d")


def _sheet_blocks(ws, path: Path) -> list[Block]:
    """The blocks of one sheet: tables (rows × columns) and loose lines, top to bottom."""
    max_row, max_col = ws.max_row or 0, ws.max_column or 0
    origin: dict[tuple[int, int], tuple[int, int]] = {}
    for rng in ws.merged_cells.ranges:
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    origin[(r, c)] = (rng.min_row, rng.min_col)
    rows_iter = ws.iter_rows(min_row=1, max_row=max_row, max_col=max_col)
    if max_row > BIG_SHEET_ROWS:
        rows_iter = progress(rows_iter, f"{path.name} › {ws.title}", total=max_row, unit="row")
    grid: list[list[str | None]] = []
    for r, row in enumerate(rows_iter, start=1):
        out: list[str | None] = []
        for c, cell in enumerate(row, start=1):
            if (r, c) in origin:
                out.append(None)
                continue
            v = cell.value
            if isinstance(v, str) and v.startswith("=") and cell.data_type == "f":
                v = None  # a formula never computed (no cached value): nothing to show
            out.append(clean_cell(format_number(v, cell.number_format)) if v is not None else "")
        grid.append(out)
    # split at empty rows into blocks of rows
    blocks: list[Block] = []
    r = 0
    while r < len(grid):
        if not any(grid[r]):
            r += 1
            continue
        s = r
        while r < len(grid) and any(v for v in grid[r] if v):
            r += 1
        part = grid[s:r]

        def local(i: int, c: int) -> tuple[int, int] | None:
            """The merged cell covering part[i][c], in the part's own coordinates (None: its own cell)."""
            o = origin.get((s + i + 1, c + 1))
            return (o[0] - 1 - s, o[1] - 1) if o and o[0] - 1 >= s else None

        orgs = [[local(i, c) for c in range(max_col)] for i in range(len(part))]
        wide = [i for i, row in enumerate(part) if sum(1 for v in row if v) >= 2 or any(v is None for v in row)]
        if len(wide) < 2:
            blocks.extend(Block(text=" ".join(v for v in row if v)) for row in part)
            continue
        first, last = wide[0], wide[-1]
        for row in part[:first]:  # lone lines above the table: its caption (or notes)
            blocks.append(Block(text=" ".join(v for v in row if v)))
        shifted = [[(o[0] - first, o[1]) if o and o[0] >= first else None for o in row] for row in orgs[first : last + 1]]
        table = Table.from_grid(part[first : last + 1], origins=shifted, sheet=ws.title)
        if table is None:
            blocks.extend(Block(text=" ".join(v for v in row if v)) for row in part)
            continue
        if len(table.rows) > BIG_TABLE_ROWS:
            log.warning("%s: sheet '%s' has a table of %d rows; each row is a chunk to embed, which takes a while", path, ws.title, len(table.rows))
        blocks.append(Block(table=table))
        for row in part[last + 1 :]:
            blocks.append(Block(text=" ".join(v for v in row if v)))
    return blocks


@register_parser(".xlsx", ".xlsm")
def parse_xlsx(path: Path, settings: Settings) -> list[Document]:
    """Every sheet's tables (caption: the title line above, else the sheet's name) and loose text."""
    try:
        import openpyxl
    except ImportError as e:  # pragma: no cover - openpyxl is a core dependency
        raise LoadError(path, "openpyxl is needed for .xlsx files: pip install openpyxl") from e
    import warnings
    import zipfile

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(str(path), data_only=True, read_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, IndexError, AttributeError) as e:
        raise LoadError(path, f"corrupt or unreadable .xlsx ({e.__class__.__name__})") from None
    except Exception as e:  # openpyxl's InvalidFileException and XML parse errors
        raise LoadError(path, f"corrupt or unreadable .xlsx ({e.__class__.__name__})") from None
    docs: list[Document] = []
    empty: list[str] = []
    for ws in wb.worksheets:
        try:
            blocks = _sheet_blocks(ws, path)
        except Exception as e:  # noqa: BLE001 - a damaged sheet is named, the others load
            raise LoadError(path, f"sheet '{ws.title}' cannot be read ({e.__class__.__name__}: {e})") from None
        if not blocks:
            empty.append(ws.title)
            log.warning("%s: sheet '%s' is empty, skipped", path, ws.title)
            continue
        if len(wb.worksheets) > 1 or not re.fullmatch(r"(?:sheet|工作表)\s*\d*", ws.title.strip(), re.I):
            blocks.insert(0, Block(text=f"# {ws.title}"))  # the sheet's name heads its tables and notes
        sheet_docs = assemble(blocks)
        for d in sheet_docs:
            d.metadata["sheet"] = ws.title
        docs.extend(sheet_docs)
    if not docs:
        which = ", ".join(f"'{s}'" for s in empty) or "none"
        raise LoadError(path, f"the workbook has no data (empty sheets: {which})")
    title = (wb.properties.title or "").strip() if wb.properties else ""
    for d in docs:
        d.metadata["title"] = title or path.stem
    return docs
