"""OCR of scanned pages and images (the ``ocr`` extra): a few small pages, read once each."""
from __future__ import annotations

import sys

import pytest

from rag.chunking import SectionChunker
from rag.loaders import LoadError, MissingExtra, load_file
from table_docs import SCAN_LINES, small_scan, write_image_pdf, write_pdf

pytest.importorskip("rapidocr_onnxruntime", reason="the ocr extra: pip install 'zhdocqa[ocr]'")

ROAD = ["山阳县交通简报", "2023年全县新建农村公路128公里，改造危桥17座。"]


def test_png_scan_read_by_ocr(tmp_path):
    p = tmp_path / "notice.png"
    small_scan(ROAD).save(p)
    docs = load_file(p)
    assert len(docs) == 1 and docs[0].metadata["ocr"] is True and docs[0].metadata["page"] == 1
    assert docs[0].metadata["title"] == "山阳县交通简报"
    text = docs[0].page_content.replace(" ", "")
    assert "新建农村公路128公里" in text and "改造危桥17座" in text
    chunks = SectionChunker().run(docs)
    assert chunks and all(c.metadata["ocr"] and c.metadata["page"] == 1 for c in chunks)


def test_mixed_pdf_ocrs_only_the_page_without_a_text_layer(tmp_path):
    text_pdf = write_pdf(tmp_path / "t.pdf", "报告", [("p", "第一页是文字：全镇辖5个村。")])
    scan = write_image_pdf(tmp_path / "s.pdf", [small_scan(SCAN_LINES)])
    from pypdf import PdfWriter

    w = PdfWriter()
    w.append(str(text_pdf))
    w.append(str(scan))
    p = tmp_path / "mixed.pdf"
    with open(p, "wb") as fh:
        w.write(fh)
    docs = load_file(p)
    assert [(d.metadata["page"], bool(d.metadata.get("ocr"))) for d in docs] == [(1, False), (2, True)]
    assert docs[0].page_content.strip() == "第一页是文字：全镇辖5个村。"  # pypdf's text, never OCR'd
    assert "危房改造186户" in docs[1].page_content.replace(" ", "")
    chunks = SectionChunker().run(docs)
    assert {(c.metadata["page"], bool(c.metadata.get("ocr"))) for c in chunks} == {(1, False), (2, True)}


def test_image_without_text(tmp_path):
    from PIL import Image

    p = tmp_path / "blank.jpg"
    Image.new("RGB", (400, 300), (250, 250, 250)).save(p)
    with pytest.raises(LoadError) as ei:
        load_file(p)
    assert str(ei.value) == f"{p}: no text found by OCR"


def test_corrupt_image(tmp_path):
    p = tmp_path / "broken.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\n not an image")
    with pytest.raises(LoadError, match="not a readable image") as ei:
        load_file(p)
    assert "broken.png" in str(ei.value)


def test_without_the_extra_the_error_names_it(tmp_path, monkeypatch):
    import rag.loaders.ocr as ocr

    p = tmp_path / "notice.png"
    small_scan(ROAD[:1]).save(p)
    monkeypatch.setattr(ocr, "_ENGINE", None)
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # import fails as if not installed
    with pytest.raises(MissingExtra) as ei:
        load_file(p)
    assert isinstance(ei.value, ImportError) and isinstance(ei.value, LoadError)
    assert str(ei.value) == f"{p}: OCR (scanned pages and images) needs the optional extra 'ocr': pip install 'zhdocqa[ocr]'"
    scan = write_image_pdf(tmp_path / "scan.pdf", [small_scan(ROAD)])
    with pytest.raises(MissingExtra, match=r"no text layer .* pip install 'zhdocqa\[ocr\]'"):
        load_file(scan)
