"""Document loaders: files in, LangChain ``Document``s out.

Every format is a parser with one signature, ``parse(path: Path) -> list[Document]``,
registered by file extension; adding a format is adding a parser, not editing the
pipeline. Bad files raise :class:`LoadError` naming the file and the problem.

Example::

    >>> from rag.loaders import Loader
    >>> result = Loader().run(["seeds"])
    >>> sorted({d.metadata["source"] for d in result.documents})[:1]
    ['000_0be71c8bf9467bc8.txt']
    >>> result.errors
    []
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from langchain_core.documents import Document

from .normalize import cjk_count, detect_script
from .settings import get_settings
from .types import LoadError

log = logging.getLogger(__name__)

Parser = Callable[[Path], list[Document]]
PARSERS: dict[str, Parser] = {}


def register_parser(*extensions: str) -> Callable[[Parser], Parser]:
    """Register ``parse(path) -> list[Document]`` for the given extensions (with the dot)."""

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


# ------------------------------------------------------------------ text


def _commonness(text: str) -> float:
    """Share of CJK characters that are common in GB2312 level 1 or Big5 level 1 (real text scores high)."""
    n = common = 0
    for ch in text[:5000]:
        if "\u3400" <= ch <= "\u9fff":
            n += 1
            try:
                b = ch.encode("gb2312")
                if 0xB0 <= b[0] <= 0xD7:
                    common += 1
                    continue
            except UnicodeEncodeError:
                pass
            try:
                b = ch.encode("big5")
                if 0xA4 <= b[0] <= 0xC6:
                    common += 1
            except UnicodeEncodeError:
                pass
    return common / n if n else 0.0


def decode_bytes(data: bytes, path: Path | str = "<bytes>") -> tuple[str, str]:
    """Decode Chinese text bytes; returns ``(text, encoding)``.

    Tries UTF-8 (with or without BOM), UTF-16 with BOM, then GB18030 and Big5,
    choosing between the last two by how common the decoded characters are.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:8192]:
        raise LoadError(path, "looks like a binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        utf8_error = e
    candidates = []
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        # private-use characters are what a wrong decoding leaves behind
        pua = sum(1 for ch in text[:5000] if "\ue000" <= ch <= "\uf8ff")
        candidates.append((_commonness(text) - pua / max(1, pua + cjk_count(text[:5000])), enc, text))
    if candidates:
        score, enc, text = max(candidates)
        if score >= 0.5 or cjk_count(text) == 0:
            return text, enc
    # mostly UTF-8 with a few broken bytes: keep the text, mark the damage
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad <= max(8, len(text) // 100):
        log.warning("%s: %d invalid UTF-8 byte(s) replaced (first at byte %d)", path, bad, utf8_error.start)
        return text, "utf-8 (damaged)"
    raise LoadError(path, "cannot detect the text encoding (tried UTF-8, GB18030, Big5); is it a binary file?")


def _looks_binary(text: str) -> bool:
    sample = text[:4000]
    if not sample:
        return False
    ctrl = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    return ctrl > len(sample) * 0.05 or sample.count("\ufffd") > len(sample) * 0.05


_NOT_TITLE = re.compile(r"(>>|[:：]|^[（(]|\d{4}\s*年\s*\d{1,2}\s*月|记者|記者|日报|日報|报道|報道)")


def title_from_text(text: str, fallback: str) -> str:
    """The document title: the longest short stand-alone line among the first few."""
    lines = []
    for ln in text.splitlines():
        ln = ln.strip().lstrip("#> ").strip()
        if len(ln) > 60 or len(lines) >= 6:
            break  # the title comes before the first paragraph
        if ln:
            lines.append(ln)
    short = [ln for ln in lines if 2 <= len(ln) <= 40 and ln[-1] not in "。！？!?，," and not _NOT_TITLE.search(ln)]
    if short:
        return max(short, key=len)
    if re.search(r"[\u4e00-\u9fff]", fallback) or not text.strip():
        return fallback
    # a file named by an id: the opening words say more than the name
    first = re.split(r"[。！？!?\n]", text.strip(), maxsplit=1)[0].strip()
    return first[:28] + ("…" if len(first) > 28 else "") if first else fallback


@register_parser(".txt", ".md", ".markdown", ".text")
def parse_text(path: Path) -> list[Document]:
    """Plain text and Markdown in UTF-8, UTF-8 with BOM, GB18030/GBK or Big5."""
    text, encoding = decode_bytes(path.read_bytes(), path)
    if _looks_binary(text):
        raise LoadError(path, "looks like a binary file, not text")
    if not text.strip():
        raise LoadError(path, "the file is empty (no text)")
    title = None
    if path.suffix.lower() in (".md", ".markdown"):
        for ln in text.splitlines():
            if ln.startswith("# "):
                title = ln[2:].strip()
                break
    meta = {"encoding": encoding, "title": title or title_from_text(text, path.stem)}
    return [Document(page_content=text, metadata=meta)]


# ------------------------------------------------------------------ pdf


_PLACEHOLDER_TITLE = re.compile(r"^(untitled( document)?|无标题|無標題|microsoft word - .*|document\d*)$", re.I)


@register_parser(".pdf")
def parse_pdf(path: Path) -> list[Document]:
    """PDF with a text layer, one Document per page (``page`` is 1-based)."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as e:  # pragma: no cover - pypdf is a core dependency
        raise ImportError("pypdf is required for PDF files: pip install pypdf") from e
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:
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
    docs = []
    for i, page in enumerate(pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception as e:  # pypdf raises many kinds on damaged streams
            raise LoadError(path, f"corrupt PDF: page {i} cannot be read ({e.__class__.__name__})") from None
        if text.strip():
            docs.append(Document(page_content=text, metadata={"page": i}))
    if not docs:
        raise LoadError(path, f"the PDF has no text layer ({len(pages)} page(s) of images); it needs OCR first")
    title = None
    try:
        title = (reader.metadata or {}).get("/Title")
    except Exception:
        pass
    title = str(title).strip() if title else ""
    if not title or _PLACEHOLDER_TITLE.match(title):
        title = title_from_text(docs[0].page_content, path.stem)
    for d in docs:
        d.metadata["title"] = title
    return docs


# ------------------------------------------------------------------ docx


@register_parser(".docx")
def parse_docx(path: Path) -> list[Document]:
    """Word .docx: paragraphs (headings kept as lines) and table rows."""
    try:
        import docx  # python-docx
    except ImportError as e:
        raise ImportError("python-docx is needed for .docx files: pip install 'rag[docx]'") from e
    try:
        d = docx.Document(str(path))
    except Exception as e:
        raise LoadError(path, f"corrupt or unreadable .docx ({e.__class__.__name__})") from None
    lines = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            lines.append(" | ".join(c.text.strip() for c in row.cells))
    text = "\n\n".join(ln for ln in lines if ln.strip())
    if not text.strip():
        raise LoadError(path, "the document is empty (no text)")
    title = (d.core_properties.title or "").strip() or title_from_text(text, path.stem)
    return [Document(page_content=text, metadata={"title": title})]


# ------------------------------------------------------------------ loader


def check_file(path: Path | str) -> Parser:
    """The checks made before a byte of ``path`` is read (exists, format, size); returns its parser."""
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
    limit = get_settings().max_file_mb
    if size > limit * 1024 * 1024:
        raise LoadError(path, f"the file is too large ({size / 1048576:.0f} MB; the limit is {limit:g} MB, RAG_MAX_FILE_MB)")
    return parser


def load_file(path: Path | str) -> list[Document]:
    """Load one file with the parser registered for its extension."""
    path = Path(path)
    parser = check_file(path)
    try:
        docs = parser(path)
    except LoadError:
        raise
    except (OSError, UnicodeError) as e:
        raise LoadError(path, f"cannot read the file ({e.__class__.__name__}: {e})") from None
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

    ``run(paths)`` returns a :class:`LoadResult` with the documents, the errors
    (each naming its file) and the files skipped in directory scans.
    """

    def run(self, paths: Iterable[Path | str]) -> LoadResult:
        res = LoadResult()
        res.files = iter_files(paths, res.errors, res.skipped)
        for p in res.files:
            try:
                res.documents.extend(load_file(p))
            except LoadError as e:
                log.debug("%s", e)  # the caller reports errors
                res.errors.append(e)
        return res
