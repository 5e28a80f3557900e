"""CSV and TSV files: one table, decoded like ``.txt`` (UTF-8 with or without BOM, UTF-16, GB18030, Big5).

The delimiter is sniffed (comma, semicolon, tab, ``|``; tab for ``.tsv``); the first
row is the header unless it holds figures; a first line that is a lone title becomes
the caption, else the file's name does.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from langchain_core.documents import Document

from ..settings import Settings
from ..tables import Table, clean_cell
from ..types import LoadError
from .base import Block, assemble, register_parser
from .text import read_text


def _delimiter(sample: str, suffix: str) -> str:
    if suffix == ".tsv":
        return "\t"
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|，").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in ",;\t|，"}
        return max(counts, key=counts.get)


@register_parser(".csv", ".tsv")
def parse_csv(path: Path, settings: Settings) -> list[Document]:
    """A delimited table as one table Document (plus its title line, when it has one)."""
    text, encoding = read_text(path, "a CSV table")
    text = text.lstrip("\ufeff")
    delim = _delimiter(text[:8192], path.suffix.lower())
    try:
        grid = [[clean_cell(c) for c in row] for row in csv.reader(io.StringIO(text), delimiter=delim)]
    except csv.Error as e:
        raise LoadError(path, f"malformed CSV ({e})") from None
    grid = [r for r in grid if any(r)]
    caption = ""
    # a lone first cell above a wider table is its title (报表标题)
    if len(grid) > 2 and sum(1 for c in grid[0] if c) == 1 and max(len(r) for r in grid[1:]) > 1:
        caption = next(c for c in grid[0] if c)
        grid = grid[1:]
    table = Table.from_grid(grid, caption=caption or path.stem)
    if table is None:
        raise LoadError(path, "no table found (a CSV needs at least two rows and two columns)")
    docs = assemble([Block(table=table)])
    for d in docs:
        d.metadata.update(title=caption or path.stem, encoding=encoding)
    return docs
