"""Loaders on real files: the seeds, legacy Chinese encodings, PDFs, .docx and bad files."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import cid_font, make_pdf
from rag.loaders import LoadError, Loader, decode_bytes, load_file, supported_extensions

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED = {p.name[:3]: p for p in sorted(SEEDS.glob("*.txt"))}


def seed_text(key: str) -> str:
    return SEED[key].read_text(encoding="utf-8")


# ------------------------------------------------------------------ reportlab PDFs




PAGE1 = "稻城县2014年审定贫困村55个、贫困户1268户。"          # simplified
PAGE2 = "全縣精準識別貧困村42個、貧困戶1270戶、貧困人口6834人。"  # traditional


# ------------------------------------------------------------------ the seeds


@pytest.mark.parametrize(
    "key,title,script",
    [
        ("000", "高质量决战决胜脱贫攻坚", "zh-Hans"),
        ("001", "貧困縣脫貧攻堅開展情況報告", "zh-Hant"),
        ("002", None, "zh-Hans"),
        ("003", "中共甘孜州委关于集中力量打赢扶贫开发攻坚战确保同步全面建成小康社会的决定", "zh-Hans"),
        ("004", "挂牌督战 发起总攻", "zh-Hans"),
    ],
)
def test_seed_loads(key, title, script):
    path = SEED[key]
    docs = load_file(path)
    assert len(docs) == 1
    d = docs[0]
    assert d.page_content == seed_text(key)
    m = d.metadata
    assert m["encoding"] == "utf-8"
    assert m["script"] == script
    assert m["source"] == path.name
    assert m["path"] == str(path.resolve())
    assert m["page"] is None
    assert (m["start"], m["end"]) == (0, len(d.page_content))
    assert len(m["sha256"]) == 64
    if title is not None:
        assert m["title"] == title
    else:
        # 002 has no title line: the opening words stand in for its id-like file name
        assert m["title"].startswith("自脱贫攻坚战役打响以来")
        assert len(m["title"]) <= 29 and "002_" not in m["title"]


def test_loader_run_on_seed_directory():
    res = Loader().run([SEEDS])
    assert res.errors == []
    assert sorted(d.metadata["source"] for d in res.documents) == sorted(SEED[k].name for k in SEED)
    assert [p.name for p in res.files] == sorted(p.name for p in SEEDS.glob("*.txt"))


# ------------------------------------------------------------------ encodings


def test_gb18030_file_decodes(tmp_path):
    text = seed_text("000")
    p = tmp_path / "daocheng_gb.txt"
    p.write_bytes(text.encode("gb18030"))
    d = load_file(p)[0]
    assert d.metadata["encoding"] == "gb18030"
    assert d.page_content == text
    assert d.metadata["script"] == "zh-Hans"
    assert d.metadata["title"] == "高质量决战决胜脱贫攻坚"


def test_short_gbk_file_decodes(tmp_path):
    text = "稻城县2014年审定贫困村55个、贫困户1268户、贫困人口5614人，贫困发生率为20.25%。\n"
    p = tmp_path / "short_gbk.txt"
    p.write_bytes(text.encode("gbk"))
    d = load_file(p)[0]
    assert d.page_content == text
    assert d.metadata["encoding"] == "gb18030"


def _big5_encodable(text: str) -> str:
    def ok(ch: str) -> bool:
        try:
            ch.encode("big5")
            return True
        except UnicodeEncodeError:
            return False

    return "".join(ch for ch in text if ok(ch))


def test_big5_file_decodes(tmp_path):
    text = _big5_encodable(seed_text("001"))
    assert len(text) > len(seed_text("001")) - 10  # only a couple of characters lie outside Big5
    p = tmp_path / "county_big5.txt"
    p.write_bytes(text.encode("big5"))
    d = load_file(p)[0]
    assert d.metadata["encoding"] == "big5"
    assert d.page_content == text
    assert d.metadata["script"] == "zh-Hant"
    assert d.metadata["title"] == "貧困縣脫貧攻堅開展情況報告"


def test_short_big5_file_decodes(tmp_path):
    text = "貧困縣脫貧攻堅開展情況報告\n全縣精準識別貧困村42個、貧困戶1270戶、貧困人口6834人,貧困發生率26.6%。\n"
    p = tmp_path / "short_big5.txt"
    p.write_bytes(text.encode("big5"))
    d = load_file(p)[0]
    assert d.metadata["encoding"] == "big5"
    assert d.page_content == text


@pytest.mark.parametrize("text", ["時間:2022-03-15 10:18:18\n", "縣長:王明\n"])
def test_very_short_big5_file_is_not_decoded_to_mojibake(tmp_path, text):
    """BUG (rag/loaders.py decode_bytes): for very short Big5 text both GB18030 and Big5 decode and both
    score 1.0 on _commonness; max() then breaks the tie by the encoding *name*, so 'gb18030' wins and the
    text comes back as mojibake full of Private Use Area characters (e.g. '\ue1a0丁:2022-03-15 10:18:18')."""
    p = tmp_path / "note_big5.txt"
    p.write_bytes(text.encode("big5"))
    d = load_file(p)[0]
    assert not any("\ue000" <= ch <= "\uf8ff" for ch in d.page_content)
    assert d.page_content == text


def test_utf8_with_bom(tmp_path):
    text = "稻城县脱贫攻坚报告\n\n2014年审定贫困村55个、贫困户1268户。\n"
    p = tmp_path / "bom.txt"
    p.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    d = load_file(p)[0]
    assert d.metadata["encoding"] == "utf-8-sig"
    assert d.page_content == text
    assert not d.page_content.startswith("\ufeff")
    assert d.metadata["title"] == "稻城县脱贫攻坚报告"


def test_utf16_with_bom(tmp_path):
    text = "稻城县2014年审定贫困村55个。\n"
    p = tmp_path / "u16.txt"
    p.write_bytes(text.encode("utf-16"))
    assert load_file(p)[0].page_content == text


def test_markdown_title_from_heading(tmp_path):
    p = tmp_path / "report.md"
    p.write_text("# 稻城县脱贫攻坚工作总结\n\n## 一、基本情况\n\n2014年审定贫困村55个。\n", encoding="utf-8")
    d = load_file(p)[0]
    assert d.metadata["title"] == "稻城县脱贫攻坚工作总结"


def test_decode_bytes_rejects_nul_bytes():
    with pytest.raises(LoadError, match="binary"):
        decode_bytes(b"PK\x03\x04\x00\x00binary", "x.txt")


# ------------------------------------------------------------------ PDF


def test_chinese_pdf_two_pages(tmp_path):
    p = make_pdf(tmp_path / "report.pdf", [[PAGE1], [PAGE2]], title="脱贫攻坚报告")
    docs = load_file(p)
    assert [d.metadata["page"] for d in docs] == [1, 2]
    assert [d.page_content.strip() for d in docs] == [PAGE1, PAGE2]
    for d in docs:
        assert d.metadata["source"] == "report.pdf"
        assert d.metadata["title"] == "脱贫攻坚报告"
        assert (d.metadata["start"], d.metadata["end"]) == (0, len(d.page_content))
    assert len({d.metadata["sha256"] for d in docs}) == 1


def test_pdf_without_real_title_takes_title_from_text(tmp_path):
    """reportlab (like many producers) writes the placeholder /Title 'untitled': it is not a title.

    BUG (rag/loaders.py parse_pdf): the placeholder is taken as the document title, so every chunk's
    heading path starts with 'untitled'.
    """
    p = make_pdf(tmp_path / "no_title.pdf", [["稻城县脱贫攻坚报告", PAGE1]])
    docs = load_file(p)
    assert docs[0].metadata["title"].lower() != "untitled"
    assert docs[0].metadata["title"] == "稻城县脱贫攻坚报告"


def test_corrupt_pdf(tmp_path):
    p = tmp_path / "corrupt.pdf"
    p.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage\n%%EOF")
    with pytest.raises(LoadError) as ei:
        load_file(p)
    assert ei.value.path == str(p)
    assert "corrupt.pdf" in str(ei.value)
    assert "corrupt" in str(ei.value).lower()


def test_truncated_pdf(tmp_path):
    good = make_pdf(tmp_path / "good.pdf", [[PAGE1], [PAGE2]])
    data = good.read_bytes()
    p = tmp_path / "truncated.pdf"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(LoadError) as ei:
        load_file(p)
    assert "truncated.pdf" in str(ei.value)


def test_encrypted_pdf(tmp_path):
    from pypdf import PdfWriter

    src = make_pdf(tmp_path / "plain.pdf", [[PAGE1]])
    w = PdfWriter(clone_from=str(src))
    w.encrypt(user_password="secret", owner_password="owner")
    p = tmp_path / "locked.pdf"
    with open(p, "wb") as fh:
        w.write(fh)
    with pytest.raises(LoadError) as ei:
        load_file(p)
    assert "locked.pdf" in str(ei.value)
    assert "encrypted" in str(ei.value)


def test_image_only_pdf_needs_ocr(tmp_path):
    cid_font()
    from reportlab.pdfgen import canvas

    p = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(p))
    c.rect(100, 100, 300, 400, fill=1)  # a page with drawing only, no text
    c.showPage()
    c.save()
    with pytest.raises(LoadError) as ei:
        load_file(p)
    assert "scan.pdf" in str(ei.value)
    assert "OCR" in str(ei.value)


# ------------------------------------------------------------------ other bad files


def test_empty_file(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    with pytest.raises(LoadError, match="empty") as ei:
        load_file(p)
    assert "empty.txt" in str(ei.value)


def test_whitespace_only_file(tmp_path):
    p = tmp_path / "blank.txt"
    p.write_text("  \n\n\t\n", encoding="utf-8")
    with pytest.raises(LoadError, match="empty"):
        load_file(p)


def test_binary_file_renamed_txt(tmp_path):
    import gzip

    p = tmp_path / "archive.txt"
    p.write_bytes(gzip.compress(seed_text("000").encode("utf-8")))
    with pytest.raises(LoadError, match="binary") as ei:
        load_file(p)
    assert "archive.txt" in str(ei.value)


def test_binary_without_nul_bytes(tmp_path):
    import random

    rng = random.Random(7)
    p = tmp_path / "noise.txt"
    p.write_bytes(bytes(rng.randrange(1, 256) for _ in range(4000)))
    with pytest.raises(LoadError) as ei:
        load_file(p)
    msg = str(ei.value)
    assert "noise.txt" in msg and ("binary" in msg or "encoding" in msg)


def test_unknown_extension(tmp_path):
    p = tmp_path / "slides.pptx"
    p.write_bytes(b"whatever")
    with pytest.raises(LoadError) as ei:
        load_file(p)
    msg = str(ei.value)
    assert "slides.pptx" in msg and "unsupported format '.pptx'" in msg
    for ext in (".txt", ".pdf", ".docx"):
        assert ext in msg
    assert set(supported_extensions()) >= {".txt", ".md", ".pdf", ".docx"}


def test_missing_file(tmp_path):
    with pytest.raises(LoadError, match="no such file"):
        load_file(tmp_path / "nope.txt")


def test_directory_is_not_a_file(tmp_path):
    with pytest.raises(LoadError, match="directory"):
        load_file(tmp_path)


# ------------------------------------------------------------------ docx


def test_docx_loads(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("稻城县脱贫攻坚报告", level=1)
    d.add_paragraph("一、基本情况")
    d.add_paragraph("2014年审定贫困村55个、贫困户1268户、贫困人口5614人。")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "指标", "数值"
    t.cell(1, 0).text, t.cell(1, 1).text = "贫困村", "55个"
    p = tmp_path / "report.docx"
    d.save(str(p))
    docs = load_file(p)
    assert len(docs) == 2  # the text, then the table where it stands
    lines = [ln for ln in docs[0].page_content.split("\n") if ln]
    assert lines == ["# 稻城县脱贫攻坚报告", "一、基本情况", "2014年审定贫困村55个、贫困户1268户、贫困人口5614人。"]
    assert docs[1].metadata["table"]["header"] == [["指标", "数值"]]
    assert docs[1].metadata["table"]["rows"] == [["贫困村", "55个"]]
    assert docs[1].page_content == "指标 | 数值\n贫困村 | 55个"
    m = docs[0].metadata
    assert m["title"] == "稻城县脱贫攻坚报告"
    assert m["script"] == "zh-Hans"
    assert m["source"] == "report.docx"


def test_corrupt_docx(tmp_path):
    p = tmp_path / "broken.docx"
    p.write_bytes(b"this is not a zip archive")
    with pytest.raises(LoadError, match="docx") as ei:
        load_file(p)
    assert "broken.docx" in str(ei.value)


# ------------------------------------------------------------------ directory scans


def test_directory_scan_survives_bad_files(tmp_path):
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    (root / "good.txt").write_text(seed_text("000"), encoding="utf-8")
    (root / "sub" / "note.md").write_text("# 稻城县简报\n\n稻城县2014年审定贫困村55个。\n", encoding="utf-8")
    (root / "bad.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf\n%%EOF")
    (root / "table.xlsx").write_bytes(b"PK\x03\x04 spreadsheet")  # a corrupt workbook
    (root / "slides.pptx").write_bytes(b"PK\x03\x04 slides")
    (root / ".hidden.txt").write_text("隐藏文件", encoding="utf-8")
    os.symlink(root, root / "sub" / "loop")  # a directory symlink back to an ancestor

    res = Loader().run([root])

    assert sorted(d.metadata["source"] for d in res.documents) == ["good.txt", "note.md"]
    assert [Path(e.path).name for e in res.errors] == ["bad.pdf", "table.xlsx"]
    assert all(isinstance(e, LoadError) for e in res.errors)
    assert "bad.pdf" in str(res.errors[0])
    assert "table.xlsx" in str(res.errors[1]) and "corrupt" in str(res.errors[1])
    assert any("slides.pptx" in s and "unsupported" in s for s in res.skipped)
    assert any("loop" in s for s in res.skipped)
    # each real file once, even though the loop makes it reachable twice
    assert len(res.files) == len({os.path.realpath(p) for p in res.files}) == 4


def test_loader_reports_missing_paths(tmp_path):
    good = tmp_path / "a.txt"
    good.write_text("稻城县2014年审定贫困村55个。", encoding="utf-8")
    res = Loader().run([good, tmp_path / "missing.txt"])
    assert [d.metadata["source"] for d in res.documents] == ["a.txt"]
    assert len(res.errors) == 1 and "missing.txt" in str(res.errors[0])
