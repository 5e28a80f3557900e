"""OCR with RapidOCR (PP-OCRv4 Chinese models shipped inside the ``rapidocr-onnxruntime`` wheel; nothing is downloaded).

An optional extra: ``pip install 'zhdocqa[ocr]'``. Without it, a scanned page or an image
raises :class:`~rag.loaders.base.MissingExtra` naming the extra. Text boxes are put
back into lines (boxes that share a line, left to right) and lines top to bottom;
the chunker's line repair (:func:`rag.normalize.paragraphs`) joins the lines that
continue a sentence.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from .base import MissingExtra

log = logging.getLogger("rag.loaders")

_ENGINE = None
_LOCK = threading.Lock()
MIN_SCORE = 0.5  # recognition confidence below which a box is dropped


def ocr_available() -> bool:
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def engine(path: Path | str = "<image>"):
    """The process-wide RapidOCR engine (loaded once, ~0.5 s)."""
    global _ENGINE
    with _LOCK:
        if _ENGINE is None:
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError:
                raise MissingExtra(path, "OCR (scanned pages and images)", "ocr") from None
            logging.getLogger("RapidOCR").setLevel(logging.WARNING)
            _ENGINE = RapidOCR()
        return _ENGINE


@dataclass
class OcrLine:
    text: str
    top: float
    bottom: float
    left: float
    score: float


def _lines(result) -> list[OcrLine]:
    """RapidOCR boxes ``[points, text, score]`` grouped into reading-order lines."""
    boxes = []
    for points, text, score in result or []:
        if float(score) < MIN_SCORE or not str(text).strip():
            continue
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        boxes.append((min(ys), max(ys), min(xs), max(xs), str(text).strip(), float(score)))
    boxes.sort(key=lambda b: (b[0] + b[1]) / 2)
    lines: list[list[tuple]] = []
    for b in boxes:
        if lines:
            cur = lines[-1]
            top, bottom = min(x[0] for x in cur), max(x[1] for x in cur)
            overlap = min(bottom, b[1]) - max(top, b[0])
            if overlap > 0.5 * min(bottom - top, b[1] - b[0]):
                cur.append(b)
                continue
        lines.append([b])
    out = []
    for ln in lines:
        ln.sort(key=lambda b: b[2])
        text = ""
        for b in ln:
            if text and text[-1].isascii() and b[4][0].isascii() and text[-1].isalnum() and b[4][0].isalnum():
                text += " "
            text += b[4]
        out.append(OcrLine(text, min(b[0] for b in ln), max(b[1] for b in ln), min(b[2] for b in ln), sum(b[5] for b in ln) / len(ln)))
    return out


def ocr_image(image, path: Path | str = "<image>") -> str:
    """The text of a PIL image or numpy array, one line per text line (empty when none is found)."""
    import numpy as np

    eng = engine(path)
    if hasattr(image, "convert"):
        image = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])  # RapidOCR reads BGR like OpenCV
    result, _ = eng(image)
    return "\n".join(ln.text for ln in _lines(result))
