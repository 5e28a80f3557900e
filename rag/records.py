"""Index records: what a chunk becomes in a store (its text, provenance, BM25 tokens, and the text the embedder sees).

Example::

    >>> from rag.records import chunk_places, context_text
    >>> context_text({"section": "报告 › 一、概况", "doc_places": ["某某县"]})
    '报告 › 一、概况（某某县）'
    >>> chunk_places("全县辖5镇。\\n塔城镇建成合作社12个。")
    ['塔城镇']
"""
from __future__ import annotations

import hashlib

from .lexical import find_places, tokenize


def context_text(rec: dict) -> str:
    """A chunk's context: its heading path (with the document title) and the places its document is about."""
    places = "、".join(rec.get("doc_places") or [])
    head = rec.get("section") or rec.get("title") or ""
    return f"{head}（{places}）" if places else head


def chunk_places(text: str) -> list[str]:
    """The places a chunk names (``find_places`` paragraph by paragraph: the chunker has already read
    each paragraph for the document's places, so this costs little). Stored with the record, they
    let an English question's place names (``Tacheng Town``) be matched by pinyin to the names the
    documents use, whatever jieba's dictionary splits."""
    return list(dict.fromkeys(pl for para in text.split("\n") for pl in find_places(para)))


def embed_text(rec: dict) -> str:
    """What the embedder sees: the chunk's context and its text."""
    return f"{context_text(rec)}\n{rec['text']}"


def embed_key(rec: dict) -> str:
    return hashlib.sha1(embed_text(rec).encode("utf-8")).hexdigest()


def record_from_chunk(doc) -> dict:
    m = doc.metadata
    rec = {
        "chunk_id": m["chunk_id"],
        "text": doc.page_content,
        "source": m.get("source"),
        "path": m.get("path"),
        "title": m.get("title"),
        "section": m.get("section"),
        "headings": m.get("headings"),
        "start": m.get("start"),
        "end": m.get("end"),
        "page": m.get("page"),
        "script": m.get("script"),
        "sha256": m.get("sha256"),
        "ordinal": m.get("ordinal"),
        "doc_places": m.get("doc_places") or [],
        "places": chunk_places(doc.page_content),
        # a table row: {"caption", "header", "row", "label", "spans", ...} (rag.tables.Table.row_dict)
        "table": m.get("table"),
        "ocr": bool(m.get("ocr")),
    }
    rec["tokens"] = tokenize(f"{context_text(rec)}\n{rec['text']}")
    rec["embed_key"] = embed_key(rec)
    return rec
