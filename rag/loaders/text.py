"""Plain text and Markdown: encoding detection (UTF-8 with or without BOM, UTF-16, GB18030, Big5) and titles.

>>> from rag.loaders.text import decode_bytes
>>> decode_bytes("贫困户1268户".encode("gb18030"))
('贫困户1268户', 'gb18030')
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from langchain_core.documents import Document

from ..normalize import cjk_count
from ..settings import Settings
from ..types import LoadError
from .base import register_parser

log = logging.getLogger("rag.loaders")


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


def looks_binary(text: str) -> bool:
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


def read_text(path: Path, what: str = "text") -> tuple[str, str]:
    """The decoded text of ``path`` and its encoding; a binary or empty file is a :class:`LoadError`."""
    text, encoding = decode_bytes(path.read_bytes(), path)
    if looks_binary(text):
        raise LoadError(path, f"looks like a binary file, not {what}")
    if not text.strip():
        raise LoadError(path, "the file is empty (no text)")
    return text, encoding


@register_parser(".txt", ".md", ".markdown", ".text")
def parse_text(path: Path, settings: Settings) -> list[Document]:
    """Plain text and Markdown in UTF-8, UTF-8 with BOM, UTF-16, GB18030/GBK or Big5."""
    text, encoding = read_text(path)
    title = None
    if path.suffix.lower() in (".md", ".markdown"):
        for ln in text.splitlines():
            if ln.startswith("# "):
                title = ln[2:].strip()
                break
    meta = {"encoding": encoding, "title": title or title_from_text(text, path.stem)}
    return [Document(page_content=text, metadata=meta)]
