"""Tables as data: rows × columns with a caption, header rows and merged cells expanded.

Every loader that finds a table (Word, PDF, spreadsheets, CSV, web pages) builds a
:class:`Table`; the chunker turns each body row into a retrievable unit whose text
carries its context — caption › row label › ``列名：值`` pairs — so a question
naming the row and the column finds the cell next to its column name, and a
figure read from it stands in the cited row.

Example::

    >>> from rag.tables import Table
    >>> t = Table.from_grid([["县", "脱贫人口（人）", "贫困发生率"],
    ...                      ["稻城县", "5614", "0%"],
    ...                      ["合计", "20116", "0%"]], caption="表3 2019年各县脱贫情况")
    >>> t.columns
    ['县', '脱贫人口（人）', '贫困发生率']
    >>> t.row_text(0)
    '表3 2019年各县脱贫情况 › 稻城县 › 脱贫人口：5614人；贫困发生率：0%'
    >>> t.row_dict(1)["row"]
    ['合计', '20116', '0%']

``row_dict`` is the shape that travels in chunk metadata, index records,
``Passage.table`` and ``Citation.table``: ``{"caption", "header", "row", "label",
"row_index", "table_index", "page", "sheet", "spans"}`` where ``header`` and ``row``
are aligned lists (column names as displayed, cells as displayed) and ``spans``
gives, per cell, the ``[start, end]`` offsets of its value in the row text (None
for the label cells and empty cells).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

PATH_SEP = " › "
CELL_SEP = "；"
# a caption line: 表3 … / 附表1 … / 续表 / Table 2 …
CAPTION_RE = re.compile(r"^\s*(?:[附续]?表\s*[\d一二三四五六七八九十]+(?:[-－.．]\d+)?|续表|table\s*\d+)(?:[\s:：.．、]|$)", re.I)
# a unit note for a whole table: 单位：万元 / （单位：人）
UNIT_NOTE_RE = re.compile(r"^\s*[（(]?\s*(?:计量)?单位\s*[:：]\s*([^）)\s]{1,8})\s*[）)]?\s*$")
_UNIT_WORD = (
    "平方千米|平方公里|平方米|立方米|千米|公里|千克|公斤|人次|户次|小时|"
    "元|户|人|个|名|家|所|处|台|次|条|项|座|辆|套|间|头|只|亩|吨|米|倍|场|批|支|天|床|张|册|km|kg|t"
)
_UNIT = re.compile(rf"^(?:%|‰|(?:百|千|万|亿|十万|百万|千万)?(?:{_UNIT_WORD}))$")
_HEADER_UNIT = re.compile(r"^(?P<name>.*?)\s*[（(]\s*(?P<unit>[^（）()]{1,8})\s*[）)]\s*$")
_NUMBER = re.compile(r"^[-+−]?(?:\d{1,3}(?:[,，]\d{3})+|\d+)(?:\.\d+)?\s*(?:%|‰)?$")
_SERIAL_HEAD = re.compile(r"^(?:序号|编号|序|no\.?|#)$", re.I)
_TIME_HEAD = re.compile(r"(?:年份|年度|时间|日期|月份|季度|年|月|year|date|month|quarter)", re.I)
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_TOTAL = re.compile(r"^(?:合计|总计|小计|共计|总数|全部|total|sum)$", re.I)
_CJK = re.compile(r"[\u3400-\u9fff]")


def clean_cell(value) -> str:
    """A cell as one line: inner line breaks joined (no space between Chinese characters), spaces collapsed."""
    if value is None:
        return ""
    s = str(value).replace("\u00a0", " ").replace("\u3000", " ")
    parts = [p.strip() for p in re.split(r"[\r\n]+", s) if p.strip()]
    out = ""
    for p in parts:
        if out and not (_CJK.match(out[-1]) or _CJK.match(p[0]) or out[-1] in "（(" or p[0] in "）)"):
            out += " "
        out += p
    return re.sub(r"[ \t]+", " ", out).strip()


def is_number(cell: str) -> bool:
    """A bare figure: ``5614``, ``1,268``, ``20.25%``, ``-3.5``."""
    return bool(_NUMBER.match(cell.strip()))


def split_unit(name: str) -> tuple[str, str | None]:
    """``脱贫人口（人）`` → (``脱贫人口``, ``人``); a bracketed note that is not a unit stays in the name."""
    m = _HEADER_UNIT.match(name)
    if m and _UNIT.match(m.group("unit").strip()) and m.group("name").strip():
        return m.group("name").strip(), m.group("unit").strip()
    return name, None


def is_caption(line: str) -> bool:
    s = line.strip()
    return bool(CAPTION_RE.match(s)) and len(s) <= 80


def unit_note(line: str) -> str | None:
    """The unit of ``单位：万元`` (or ``（单位：人）``), else None."""
    m = UNIT_NOTE_RE.match(line)
    return m.group(1) if m and _UNIT.match(m.group(1)) else None


def _has_unit(cell: str) -> bool:
    return not is_number(cell)


@dataclass
class Table:
    """A table: ``header`` rows and body ``rows`` of the same width, cells as displayed."""

    header: list[list[str]]
    rows: list[list[str]]
    caption: str = ""
    unit: str | None = None  # a unit note for the whole table (单位：万元)
    page: int | None = None
    sheet: str | None = None
    index: int = 0  # the table's number in its document (1-based, set by the loader)
    row_pages: list[int | None] = field(default_factory=list)  # per body row, when a table runs over pages

    # ------------------------------------------------------------ building

    @classmethod
    def from_grid(cls, grid: list[list], origins: list[list] | None = None, caption: str = "", header_rows: int | None = None, **kw) -> "Table | None":
        """A table from a grid of cells, merged cells expanded.

        ``origins[r][c]`` is the ``(row, column)`` of the merged cell that covers
        ``grid[r][c]`` (None when the cell is its own); without ``origins`` a None
        cell is covered by the cell to its left in the first row, by the one above
        elsewhere. A first row that is one cell across the table is its title.
        Returns None when fewer than two rows or two columns hold anything.
        """
        width = max((len(r) for r in grid), default=0)
        raw = [list(r) + [""] * (width - len(r)) for r in grid]
        org = [[None] * width for _ in raw]
        for r, row in enumerate(origins or []):
            for c, o in enumerate(row[:width]):
                if r < len(org) and o is not None and tuple(o) != (r, c):
                    org[r][c] = tuple(o)
        for r, row in enumerate(raw):
            for c, v in enumerate(row):
                if v is not None or org[r][c] is not None:
                    continue
                if c > 0 and (r == 0 or raw[r - 1][c] is not None and raw[r][c - 1] is None):
                    org[r][c] = org[r][c - 1] or (r, c - 1)  # covered by the cell to the left
                elif r > 0:
                    org[r][c] = org[r - 1][c] or (r - 1, c)  # covered by the cell above
        cells = [[clean_cell(v) for v in row] for row in raw]
        hspan = [[False] * width for _ in raw]
        for r in range(len(raw)):
            for c in range(width):
                if org[r][c] is not None:
                    r0, c0 = org[r][c]
                    cells[r][c] = cells[r0][c0]
                    hspan[r][c] = c0 < c
        keep_rows = [r for r, row in enumerate(cells) if any(row)]
        keep_cols = [c for c in range(width) if any(cells[r][c] for r in keep_rows)]
        cells = [[cells[r][c] for c in keep_cols] for r in keep_rows]
        hspan = [[hspan[r][c] for c in keep_cols] for r in keep_rows]
        if len(cells) < 2 or len(keep_cols) < 2:
            return None
        if len(set(cells[0])) == 1 and len(cells) > 2:
            caption = caption or cells[0][0]
            cells, hspan = cells[1:], hspan[1:]
        n = header_rows if header_rows is not None else detect_header_rows(cells, hspan)
        if not cells[n:]:
            return None
        return cls(header=cells[:n], rows=cells[n:], caption=clean_cell(caption), **kw)

    # ------------------------------------------------------------ columns and labels

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else (len(self.header[0]) if self.header else 0)

    def column_parts(self, c: int) -> list[str]:
        """The header cells above column ``c``, top-down, repeats (from merged cells) said once."""
        parts: list[str] = []
        for h in self.header:
            v = h[c] if c < len(h) else ""
            if v and v not in parts:
                parts.append(v)
        return parts

    @property
    def columns(self) -> list[str]:
        """One name per column: its header cells joined by ``·`` (``第3列`` when it has none)."""
        return ["·".join(self.column_parts(c)) or f"第{c + 1}列" for c in range(self.width)]

    def column_unit(self, c: int) -> tuple[str, str | None]:
        """Column ``c``'s name without its unit, and the unit (from any header level, else the table's)."""
        names, unit = [], None
        for part in self.column_parts(c) or [f"第{c + 1}列"]:
            name, u = split_unit(part)
            names.append(name)
            unit = u or unit
        base = "·".join(names)
        if unit is None and self.unit and not re.search(r"率|比|%|占|增长|增速|同比|环比|指数", base):
            unit = self.unit
        return base, unit

    @property
    def label_columns(self) -> list[int]:
        """The leading columns that name a row (``稻城县``; a year column; a group column and its member)."""
        return self._layout()[1]

    @property
    def serial_columns(self) -> list[int]:
        """Leading running-number columns (序号 1, 2, 3 …): neither label nor data."""
        return self._layout()[0]

    def _layout(self) -> tuple[list[int], list[int]]:
        key = (len(self.rows), self.width, len(self.header))
        cached = self.__dict__.get("_layout_cache")
        if cached and cached[0] == key:
            return cached[1]
        result = self._compute_layout()
        self.__dict__["_layout_cache"] = (key, result)
        return result

    def _compute_layout(self) -> tuple[list[int], list[int]]:
        if not self.rows:
            return [], []
        cols = self.columns
        n = len(self.rows)

        def values(c: int) -> list[str]:
            return [r[c] for r in self.rows if r[c]]

        def textual(c: int) -> float:
            vals = values(c)
            return sum(1 for v in vals if not is_number(v)) / len(vals) if vals else 0.0

        def serial(c: int) -> bool:
            if _SERIAL_HEAD.match(cols[c].strip()):
                return True
            vals = values(c)
            return (len(vals) >= 2 and all(v.isdigit() for v in vals) and int(vals[0]) in (0, 1)
                    and [int(v) for v in vals] == list(range(int(vals[0]), int(vals[0]) + len(vals))))

        serials = []
        while len(serials) < self.width - 1 and serial(len(serials)):
            serials.append(len(serials))
        c = len(serials)
        vals = values(c)
        timeish = bool(_TIME_HEAD.search(cols[c])) or bool(vals and all(_YEAR.match(v) for v in vals))
        if not (textual(c) >= 0.6 or timeish):
            return serials, []
        label = [c]
        if c + 1 < self.width - 1 and textual(c + 1) >= 0.8:
            firsts = [r[c] for r in self.rows]
            groups = sum(1 for i in range(1, n) if firsts[i] == firsts[i - 1])
            seconds = [r[c + 1] for r in self.rows]
            if groups and len(set(seconds)) == len(seconds):  # 州 | 县: a group column and its members
                label.append(c + 1)
        return serials, label

    # ------------------------------------------------------------ row units

    def row_label(self, i: int) -> str:
        label = []
        for c in self.label_columns:
            v = self.rows[i][c]
            if v and _YEAR.match(v) and re.search(r"年", self.columns[c]):
                v += "年"  # 年份 2022 → 2022年
            if v:
                label.append(v)
        return PATH_SEP.join(dict.fromkeys(label)) or f"第{i + 1}行"

    def is_total(self, i: int) -> bool:
        return any(_TOTAL.match(self.rows[i][c].replace(" ", "")) for c in self.label_columns)

    def _pairs(self, i: int) -> list[tuple[int, str, str]]:
        """(column, name, value with its unit) for the non-label, non-empty cells of row ``i``."""
        out = []
        labels = set(self.label_columns) | set(self.serial_columns)
        for c, cell in enumerate(self.rows[i]):
            if c in labels or not cell:
                continue
            base, unit = self.column_unit(c)
            value = cell
            if unit and is_number(cell) and not cell.endswith(("%", "‰")):
                value = f"{cell}{unit}"
            out.append((c, base, value))
        return out

    def row_text(self, i: int, columns: list[int] | None = None) -> str:
        """``caption › label › 列名：值；列名：值`` (only ``columns`` when given)."""
        return self._row_text_spans(i, columns)[0]

    def _row_text_spans(self, i: int, columns: list[int] | None = None) -> tuple[str, list[list[int] | None]]:
        head = PATH_SEP.join(x for x in (self.caption, self.row_label(i)) if x) + PATH_SEP
        text = head
        spans: list[list[int] | None] = [None] * self.width
        pairs = [p for p in self._pairs(i) if columns is None or p[0] in columns]
        for k, (c, name, value) in enumerate(pairs):
            if k:
                text += CELL_SEP
            text += f"{name}："
            spans[c] = [len(text), len(text) + len(value)]
            text += value
        return text.rstrip(PATH_SEP.strip() + " ") if not pairs else text, spans

    def row_dict(self, i: int, columns: list[int] | None = None) -> dict:
        """The JSON shape of row ``i`` that chunks, records, passages and citations carry."""
        _, spans = self._row_text_spans(i, columns)
        page = self.row_pages[i] if i < len(self.row_pages) and self.row_pages[i] is not None else self.page
        return {
            "caption": self.caption,
            "header": self.columns,
            "row": list(self.rows[i]),
            "label": self.row_label(i),
            "row_index": i + 1,
            "table_index": self.index,
            "page": page,
            "sheet": self.sheet,
            "total": self.is_total(i),
            "spans": spans,
        }

    def row_units(self, max_chars: int = 1000) -> list[tuple[int, str, dict]]:
        """``(row index, text, row dict)`` per body row; a row longer than ``max_chars`` is cut
        between cells, each piece repeating caption and row label."""
        out = []
        for i in range(len(self.rows)):
            text = self.row_text(i)
            if len(text) <= max_chars:
                out.append((i, text, self.row_dict(i)))
                continue
            group: list[int] = []
            for c, _, _ in self._pairs(i):
                if group and len(self.row_text(i, group + [c])) > max_chars:
                    out.append((i, self.row_text(i, group), self.row_dict(i, group)))
                    group = []
                group.append(c)
            if group:
                out.append((i, self.row_text(i, group), self.row_dict(i, group)))
        return out

    # ------------------------------------------------------------ rendering and JSON

    def render(self) -> str:
        """The table as plain lines (``a | b | c``), header first: what the document's text shows of it."""
        return "\n".join(" | ".join(r) for r in [*self.header, *self.rows])

    def body_line_offsets(self) -> list[int]:
        """Offset of each body row's line inside :meth:`render`."""
        offs, pos = [], 0
        for k, r in enumerate([*self.header, *self.rows]):
            if k >= len(self.header):
                offs.append(pos)
            pos += len(" | ".join(r)) + 1
        return offs

    def to_json(self) -> dict:
        return {"header": self.header, "rows": self.rows, "caption": self.caption, "unit": self.unit, "page": self.page,
                "sheet": self.sheet, "index": self.index, "row_pages": self.row_pages}

    @classmethod
    def from_json(cls, d: dict) -> "Table":
        return cls(header=[list(r) for r in d.get("header", [])], rows=[list(r) for r in d.get("rows", [])], caption=d.get("caption") or "",
                   unit=d.get("unit"), page=d.get("page"), sheet=d.get("sheet"), index=d.get("index", 0), row_pages=list(d.get("row_pages") or []))


def detect_header_rows(cells: list[list[str]], hmerge: list[list[bool]] | None = None, max_rows: int = 3) -> int:
    """How many leading rows are header: the first row, and each next one while the row above
    has cells spanning several columns (a two-level header), or while rows hold no figures."""
    if not cells:
        return 0
    first = [v for v in cells[0] if v]
    numeric = sum(1 for v in first if is_number(v) and not _YEAR.match(v))
    if first and numeric * 2 >= len(first):
        return 0  # the first row is data: no header
    n = 1
    while n < min(max_rows, len(cells) - 1):
        above = hmerge[n - 1] if hmerge and n - 1 < len(hmerge) else [False] * len(cells[n - 1])
        spans = any(above[c] and cells[n - 1][c] and cells[n - 1][c] == cells[n - 1][c - 1] for c in range(1, len(above)))
        spans = spans and len(set(cells[n - 1])) > 1
        no_figures = not any(is_number(v) and not _YEAR.match(v) for v in cells[n]) and any(
            is_number(v) for r in cells[n + 1 :] for v in r
        )
        if spans or (no_figures and n < 2 and _repeats(cells[n - 1])):
            n += 1
        else:
            break
    return n


def _repeats(row: list[str]) -> bool:
    return any(row[c] and row[c] == row[c - 1] for c in range(1, len(row)))


def cited_columns(table: dict | None, start: int | None, quote: str) -> list[int]:
    """The columns of a row dict whose value the quote ``text[start:start+len(quote)]`` covers
    (by the cells' ``spans``; by value when the offset is unknown)."""
    if not table:
        return []
    spans = table.get("spans") or []
    if start is not None and quote:
        end = start + len(quote)
        hit = [c for c, sp in enumerate(spans) if sp and sp[0] < end and start < sp[1]]
        if hit:
            return hit
    return [c for c, v in enumerate(table.get("row") or []) if v and c < len(spans) and spans[c] and v in (quote or "")]


def table_row_text(table: dict | None) -> str:
    """The row of a ``row_dict`` as ``列名：值`` text (for checks that have only the dict)."""
    if not table:
        return ""
    pairs = [f"{h}：{v}" for h, v in zip(table.get("header") or [], table.get("row") or []) if v]
    return PATH_SEP.join(x for x in (table.get("caption"), CELL_SEP.join(pairs)) if x)
