"""Saved web pages (.html, .htm) with BeautifulSoup: main text, headings and data tables.

Scripts, styles, navigation, headers/footers, forms and link lists are dropped; the
``<main>``/``<article>`` element is the page when there is one. Headings become
Markdown headings (``## …``) so the chunker sees their level; ``<table>``s with
data become tables (``colspan``/``rowspan`` expanded, ``<th>`` rows the header);
tables used for layout are read as text. The charset comes from the BOM or
``<meta charset>``, else it is detected as for ``.txt``.
"""
from __future__ import annotations

import re
from pathlib import Path

from langchain_core.documents import Document

from ..settings import Settings
from ..tables import Table
from ..types import LoadError
from .base import Block, assemble, register_parser, text_of
from .text import decode_bytes, looks_binary, title_from_text

_DROP_TAGS = ["script", "style", "noscript", "template", "iframe", "svg", "canvas", "form", "button", "select",
              "input", "textarea", "nav", "aside", "object", "embed", "map", "head"]
_BOILER = re.compile(r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumbs?|crumbs?|footer|foot|sidebar|side|share|social|comments?|"
                     r"copyright|advert|ads?|banner|toolbar|pager|pagination|related|login|cookie|topbar|header)(?:$|[\s_-])", re.I)
_BLOCK_TAGS = {"p", "div", "section", "article", "main", "li", "dd", "dt", "blockquote", "pre", "figure", "figcaption",
               "caption", "address", "center", "td", "th", "tr", "ul", "ol", "dl", "br", "hr", "body", "html", "header", "footer"}
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def _decode(data: bytes, path: Path) -> str:
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode_bytes(data, path)[0]
    m = _CHARSET.search(data[:4096])
    if m:
        enc = m.group(1).decode("ascii", "ignore").lower()
        enc = "gb18030" if enc in ("gb2312", "gbk", "gb_2312-80", "x-gbk") else enc
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(data, path)[0]


def _is_boilerplate(tag) -> bool:
    if tag.name in ("header", "footer"):
        return True
    role = (tag.get("role") or "").lower()
    if role in ("navigation", "banner", "contentinfo", "search", "complementary", "menu", "menubar"):
        return True
    ident = " ".join([tag.get("id") or "", *(tag.get("class") or [])])
    return bool(ident.strip()) and bool(_BOILER.search(ident))


def _link_heavy(tag) -> bool:
    """A block that is mostly links (a menu, a list of related articles)."""
    text = tag.get_text(" ", strip=True)
    if not text:
        return False
    links = "".join(a.get_text("", strip=True) for a in tag.find_all("a"))
    return len(links) >= 0.6 * len(re.sub(r"\s", "", text)) and len(tag.find_all("a")) >= 2


def _is_data_table(tag) -> bool:
    if tag.find("table") is not None:
        return False  # a table holding tables lays out the page
    rows = tag.find_all("tr")
    if len(rows) < 2:
        return False
    cells = tag.find_all(["td", "th"])
    if max((len(r.find_all(["td", "th"])) for r in rows), default=0) < 2:
        return False
    long = sum(1 for c in cells if len(c.get_text(strip=True)) > 80)
    return long <= len(cells) * 0.2  # layout tables hold paragraphs, data tables hold short cells


def _table(tag) -> Table | None:
    grid: list[list[str | None]] = []
    origins: list[list[tuple[int, int] | None]] = []
    pending: dict[tuple[int, int], tuple[int, int]] = {}  # cells covered by a rowspan from above
    th_rows = 0
    for r, tr in enumerate(tag.find_all("tr")):
        row: list[str | None] = []
        org: list[tuple[int, int] | None] = []
        c = 0
        cells = tr.find_all(["td", "th"], recursive=False)
        if cells and all(x.name == "th" for x in cells) and th_rows == r:
            th_rows += 1
        for cell in cells:
            while (r, c) in pending:
                row.append(None)
                org.append(pending.pop((r, c)))
                c += 1
            try:
                cs = max(1, min(50, int(cell.get("colspan") or 1)))
                rs = max(1, min(500, int(cell.get("rowspan") or 1)))
            except ValueError:
                cs = rs = 1
            row.append(cell.get_text("\n", strip=True))
            org.append(None)
            for k in range(1, cs):
                row.append(None)
                org.append((r, c))
            for dr in range(1, rs):
                for k in range(cs):
                    pending[(r + dr, c + k)] = (r, c)
            c += cs
        while (r, c) in pending:
            row.append(None)
            org.append(pending.pop((r, c)))
            c += 1
        grid.append(row)
        origins.append(org)
    cap = tag.find("caption")
    caption = cap.get_text(" ", strip=True) if cap else ""
    return Table.from_grid(grid, origins=origins, caption=caption, header_rows=th_rows or None)


def _blocks(root, title: str = "") -> list[Block]:
    blocks: list[Block] = []
    buf: list[str] = []

    def flush() -> None:
        line = re.sub(r"[ \t\r\n]+", " ", "".join(buf)).strip()
        if line:
            blocks.append(Block(text=line))
        buf.clear()

    def walk(node) -> None:
        from bs4 import NavigableString, Tag
        from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

        for child in node.children:
            if isinstance(child, (Comment, Declaration, Doctype, ProcessingInstruction)):
                continue
            if isinstance(child, NavigableString):
                buf.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in _DROP_TAGS or _is_boilerplate(child):
                continue
            if re.fullmatch(r"h[1-6]", name):
                flush()
                text = child.get_text(" ", strip=True)
                if text:  # the page's own title stays a plain line: the chunker knows it as the title
                    blocks.append(Block(text=text if text == title else f"{'#' * int(name[1])} {text}"))
                continue
            if name == "table":
                flush()
                if _is_data_table(child):
                    t = _table(child)
                    if t is not None:
                        blocks.append(Block(table=t))
                        continue
                walk(child)
                flush()
                continue
            if name in ("ul", "ol", "div", "section") and _link_heavy(child):
                continue
            if name in _BLOCK_TAGS:
                flush()
                walk(child)
                flush()
            else:
                walk(child)

    walk(root)
    flush()
    return blocks


_TITLE_SPLIT = re.compile(r"\s*(?:[-_|–—]|｜)\s*")


@register_parser(".html", ".htm", ".xhtml")
def parse_html(path: Path, settings: Settings) -> list[Document]:
    """A saved web page: its main content as text and tables, in reading order."""
    try:
        from bs4 import BeautifulSoup
    except ImportError as e:  # pragma: no cover - beautifulsoup4 is a core dependency
        raise LoadError(path, "beautifulsoup4 is needed for web pages: pip install beautifulsoup4") from e
    data = path.read_bytes()
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadError(path, "looks like a binary file, not an HTML page")
    html = _decode(data, path)
    if looks_binary(html):
        raise LoadError(path, "looks like a binary file, not an HTML page")
    try:
        import lxml  # noqa: F401

        soup = BeautifulSoup(html, "lxml")
    except ImportError:  # pragma: no cover
        soup = BeautifulSoup(html, "html.parser")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    root = soup.find("main") or soup.find(attrs={"role": "main"})
    if root is None:
        arts = soup.find_all("article")
        root = max(arts, key=lambda a: len(a.get_text(strip=True))) if arts else (soup.body or soup)
    h1 = soup.find("h1")
    h1_text = h1.get_text(" ", strip=True) if h1 else ""
    title = h1_text if h1_text and (not page_title or h1_text in page_title) else ""
    if not title and page_title:
        parts = [p for p in _TITLE_SPLIT.split(page_title) if p]
        title = max(parts, key=len) if parts else page_title
    docs = assemble(_blocks(root, title))
    if not any(d.page_content.strip() for d in docs):
        raise LoadError(path, "no text found in the page (only markup, scripts or navigation)")
    title = title or title_from_text(text_of(docs), path.stem)
    for d in docs:
        d.metadata["title"] = title
    return docs
