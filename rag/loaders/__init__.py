"""Document loaders: files in, LangChain ``Document``s out, one parser module per format.

Every parser has one signature, ``parse(path: Path, settings: Settings) -> list[Document]``,
and is registered by file extension (:func:`register_parser`); a new format is a
new module, not an edit of the pipeline. Formats: text/Markdown (:mod:`.text`),
PDF with tables and scanned pages (:mod:`.pdf`), Word (:mod:`.word`), Excel
(:mod:`.xlsx`), CSV/TSV (:mod:`.delimited`), web pages (:mod:`.web`) and images
(:mod:`.image`, OCR by :mod:`.ocr`, the ``ocr`` extra). Tables come out as their own
Documents carrying ``metadata["table"]`` (see :mod:`rag.tables`).

Example::

    >>> from rag.loaders import Loader
    >>> result = Loader().run(["seeds"])
    >>> sorted({d.metadata["source"] for d in result.documents})[:1]
    ['000_0be71c8bf9467bc8.txt']
    >>> result.errors
    []
"""
from __future__ import annotations

from ..types import LoadError
from . import delimited, image, pdf, text, web, word, xlsx  # noqa: F401  (each registers its parser)
from .base import (
    PARSERS,
    Block,
    Loader,
    LoadResult,
    MissingExtra,
    Parser,
    assemble,
    check_file,
    file_sha256,
    iter_files,
    load_file,
    register_parser,
    supported_extensions,
)
from .text import decode_bytes, title_from_text

__all__ = [
    "PARSERS", "Block", "LoadError", "LoadResult", "Loader", "MissingExtra", "Parser", "assemble", "check_file",
    "decode_bytes", "file_sha256", "iter_files", "load_file", "register_parser", "supported_extensions", "title_from_text",
]
