"""The loader machinery: the parser registry, the checks made before a file is read, and the run over paths.

Every format is a parser with one signature, ``parse(path: Path, settings: Settings) -> list[Document]``,
registered by file extension with :func:`register_parser`; adding a format is adding a
module, not editing the pipeline. A parser returns the file's content in reading
order: running text as Documents, and each table as a Document whose
``metadata["table"]`` holds the :class:`~rag.tables.Table` (``Table.to_json()``) and
whose text is the table's plain rendering. Bad files raise :class:`LoadError`
naming the file (and page or sheet) and the problem.
"""
from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Callable, Iterable

from langchain_core.documents import Document

from ..normalize import detect_script
from ..settings import Settings, defaults
from ..tables import Table, is_caption, unit_note
from ..types import LoadError

log = logging.getLogger("rag.loaders")

Parser = Callable[[Path, Settings], list[Document]]
PARSERS: dict[str, Parser] = {}


class MissingExtra(LoadError, ImportError):
    """A file that needs an optional extra that is not installed; the message names the extra."""

    def __init__(self, path: Path | str, what: str, extra: str):
        self.extra = extra
        LoadError.__init__(self, path, f"{what} needs the optional extra '{extra}': pip install 'zhdocqa[{extra}]'")


def register_parser(*extensions: str) -> Callable[[Parser], Parser]:
    """Register ``parse(path, settings) -> list[Document]`` for the given extensions (with the dot)."""

    def deco(fn: Parser) -> Parser:
        for ext in extensions:
            PARSERS[ext.lower()] = fn
        return fn

    return deco


def supported_extensions() -> list[str]:
    return sorted(PARSERS)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def progress(iterable, desc: str, total: int | None = None, unit: str = "it"):
    """A tqdm bar on a terminal (silent in logs and CI) for slow steps: OCR pages, big sheets."""
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, total=total, unit=unit, leave=False, dynamic_ncols=True, disable=None)


# ------------------------------------------------------------------ blocks → documents


@dataclass
class Block:
    """One piece of a document in reading order: a text line/paragraph or a table."""

    text: str = ""
    table: Table | None = None
    page: int | None = None
    ocr: bool = False


def assemble(blocks: list[Block]) -> list[Document]:
    """Documents from blocks in reading order: runs of text joined by blank lines, each table its own Document.

    A caption line (``表3 …``) or a unit note (``单位：万元``) right before a table (or a
    caption right after one that has none) moves into the table. Tables are numbered
    in document order.
    """
    blocks = [b for b in blocks if b.table is not None or b.text.strip()]
    used: set[int] = set()
    n_table = 0
    for i, b in enumerate(blocks):
        if b.table is None:
            continue
        t = b.table
        n_table += 1
        t.index = n_table
        if t.page is None:
            t.page = b.page
        k = i - 1
        while k >= 0 and k not in used and blocks[k].table is None and i - k <= 2:
            line = blocks[k].text.strip()
            if unit_note(line) and not t.unit:
                t.unit = unit_note(line)
                used.add(k)
            elif is_caption(line) and not (t.caption and is_caption(t.caption)):
                t.caption = line if not t.caption else f"{line} {t.caption}"
                used.add(k)
                break
            else:
                break
            k -= 1
        if not is_caption(t.caption or "") and i + 1 < len(blocks) and blocks[i + 1].table is None and is_caption(blocks[i + 1].text.strip()):
            t.caption = blocks[i + 1].text.strip()
            used.add(i + 1)
    docs: list[Document] = []
    run: list[Block] = []

    def flush() -> None:
        # one Document per page (pages keep their numbers; OCR'd pages say so), text joined by blank lines
        for (page, ocr), group in groupby(run, key=lambda b: (b.page, b.ocr)):
            meta: dict = {"page": page}
            if ocr:
                meta["ocr"] = True
            docs.append(Document(page_content="\n\n".join(b.text.strip() for b in group), metadata=meta))
        run.clear()

    for i, b in enumerate(blocks):
        if i in used:
            continue
        if b.table is None:
            run.append(b)
            continue
        flush()
        meta = {"page": b.table.page, "table": b.table.to_json()}
        if b.ocr:
            meta["ocr"] = True
        docs.append(Document(page_content=b.table.render(), metadata=meta))
    flush()
    return docs


def text_of(docs: list[Document]) -> str:
    """The running text of a parser's Documents (tables left out)."""
    return "\n\n".join(d.page_content for d in docs if not d.metadata.get("table"))


# ------------------------------------------------------------------ checks and loading


def check_file(path: Path | str, settings: Settings | None = None) -> Parser:
    """The checks made before a byte of ``path`` is read (exists, format, size); returns its parser."""
    settings = settings or defaults()
    path = Path(path)
    if not path.exists():
        raise LoadError(path, "no such file")
    if path.is_dir():
        raise LoadError(path, "is a directory")
    parser = PARSERS.get(path.suffix.lower())
    if parser is None:
        raise LoadError(path, f"unsupported format '{path.suffix or '(none)'}' (supported: {', '.join(supported_extensions())})")
    size = path.stat().st_size
    if size == 0:
        raise LoadError(path, "the file is empty (0 bytes)")
    limit = settings.max_file_mb
    if size > limit * 1024 * 1024:
        raise LoadError(path, f"the file is too large ({size / 1048576:.0f} MB; the limit is {limit:g} MB, RAG_MAX_FILE_MB)")
    return parser


def load_file(path: Path | str, settings: Settings | None = None) -> list[Document]:
    """Load one file with the parser registered for its extension."""
    settings = settings or defaults()
    path = Path(path)
    parser = check_file(path, settings)
    try:
        docs = parser(path, settings)
    except LoadError:
        raise
    except (OSError, UnicodeError) as e:
        raise LoadError(path, f"cannot read the file ({e.__class__.__name__}: {e})") from None
    if not docs:
        raise LoadError(path, "no text found in the file")
    full = "".join(d.page_content for d in docs)
    script = detect_script(full)
    digest = file_sha256(path)
    for d in docs:
        d.metadata.setdefault("page", None)
        d.metadata.update(
            source=path.name,
            path=str(path.resolve()),
            script=script,
            sha256=digest,
            start=0,
            end=len(d.page_content),
        )
    return docs


@dataclass
class LoadResult:
    documents: list[Document] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def iter_files(paths: Iterable[Path | str], errors: list[LoadError] | None = None, skipped: list[str] | None = None) -> list[Path]:
    """Expand files and directories (recursively, safe against symlink loops) into files to load."""
    out: list[Path] = []
    seen_dirs: set[str] = set()
    errors = errors if errors is not None else []
    skipped = skipped if skipped is not None else []

    def walk(d: Path) -> None:
        try:
            real = os.path.realpath(d)
        except OSError as e:
            errors.append(LoadError(d, f"cannot resolve path ({e})"))
            return
        if real in seen_dirs:
            log.warning("%s: skipped, symlink loop or directory seen twice", d)
            skipped.append(f"{d}: symlink loop")
            return
        seen_dirs.add(real)
        try:
            entries = sorted(d.iterdir())
        except OSError as e:
            errors.append(LoadError(d, f"cannot list directory ({e.strerror or e})"))
            return
        for p in entries:
            if p.name.startswith("."):
                continue
            if p.is_dir():
                walk(p)
            elif p.is_file():
                if p.suffix.lower() in PARSERS:
                    out.append(p)
                else:
                    log.info("%s: skipped, unsupported format", p)
                    skipped.append(f"{p}: unsupported format")
            elif p.is_symlink():
                errors.append(LoadError(p, "broken symbolic link"))

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            walk(p)
        elif p.exists():
            out.append(p)
        else:
            errors.append(LoadError(p, "no such file or directory"))
    # one entry per real file
    uniq, seen = [], set()
    for p in out:
        key = os.path.realpath(p)
        if key not in seen:
            seen.add(key)
            uniq.append(p)
    return uniq


class Loader:
    """Load files and directories; a bad file is reported, never fatal to the run.

    ``Loader(settings).run(paths)`` returns a :class:`LoadResult` with the documents,
    the errors (each naming its file) and the files skipped in directory scans.

    >>> from rag.loaders import Loader
    >>> result = Loader().run(["seeds"])
    >>> sorted({d.metadata["source"] for d in result.documents})[:1]
    ['000_0be71c8bf9467bc8.txt']
    >>> result.errors
    []
    """

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or defaults()

    def run(self, paths: Iterable[Path | str]) -> LoadResult:
        res = LoadResult()
        res.files = iter_files(paths, res.errors, res.skipped)
        for p in res.files:
            try:
                res.documents.extend(load_file(p, self.settings))
            except LoadError as e:
                log.debug("%s", e)  # the caller reports errors
                res.errors.append(e)
        return res
