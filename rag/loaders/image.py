"""Images (.png .jpg .jpeg .tif .tiff .bmp .webp) read by OCR, one Document per frame (``page``), marked ``ocr``.

Needs the ``ocr`` extra (``pip install 'zhdocqa[ocr]'``); an image in which OCR finds
no text is an error (``no text found by OCR``).
"""
from __future__ import annotations

from pathlib import Path

from langchain_core.documents import Document

from ..settings import Settings
from ..types import LoadError
from .base import progress, register_parser
from .text import title_from_text


def ocr_title(text: str, fallback: str) -> str:
    """The first OCR'd line when it reads as a title (short, no sentence punctuation), else as for text."""
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if 4 <= len(first) <= 40 and not any(ch in first for ch in "，。,；;！？!?"):
        return first
    return title_from_text(text, fallback)


@register_parser(".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")
def parse_image(path: Path, settings: Settings) -> list[Document]:
    """OCR text of every frame (a multi-page TIFF has several)."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    from .ocr import engine, ocr_image

    if not settings.ocr:
        raise LoadError(path, "an image needs OCR, and OCR is off (RAG_OCR=false)")
    engine(path)  # a missing extra is said before the image is opened
    try:
        img = Image.open(path)
        img.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
        raise LoadError(path, f"not a readable image ({e.__class__.__name__})") from None
    frames = [f.copy() for f in ImageSequence.Iterator(img)]
    docs = []
    for n, frame in enumerate(progress(frames, f"OCR {path.name}", unit="page") if len(frames) > 1 else frames, start=1):
        text = ocr_image(frame, path)
        if text.strip():
            docs.append(Document(page_content=text, metadata={"page": n, "ocr": True}))
    if not docs:
        raise LoadError(path, "no text found by OCR" + (f" on any of its {len(frames)} pages" if len(frames) > 1 else ""))
    title = ocr_title(docs[0].page_content, path.stem)
    for d in docs:
        d.metadata["title"] = title
    return docs
