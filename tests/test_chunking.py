"""Section-aware chunking on the real seeds (and a real two-page PDF)."""
from __future__ import annotations

import re
import shutil
from functools import lru_cache
from pathlib import Path

import pytest

from rag.chunking import PATH_SEP, SectionChunker
from rag.loaders import load_file
from rag.normalize import CLOSERS, SENT_END, drop_duplicates, is_heading_line, match_key, paragraphs, split_sentences

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED = {p.name[:3]: p for p in sorted(SEEDS.glob("*.txt"))}
MAX_CHARS = 1000


@lru_cache(maxsize=None)
def _chunks(key: str):
    return tuple(SectionChunker().run(load_file(SEED[key])))


def chunks(key: str):
    return list(_chunks(key))


def seed_text(key: str) -> str:
    return SEED[key].read_text(encoding="utf-8")


def flat(s: str) -> str:
    return "".join(s.split())


def ends_sentence(line: str) -> bool:
    s = line.rstrip().rstrip(CLOSERS)
    return bool(s) and s[-1] in SENT_END


# ------------------------------------------------------------------ all seeds


@pytest.mark.parametrize("key", sorted(SEED))
def test_chunk_sizes_and_metadata(key):
    cs = chunks(key)
    assert len(cs) >= 5
    doc = load_file(SEED[key])[0]
    title = doc.metadata["title"]
    for n, c in enumerate(cs):
        m = c.metadata
        assert 0 < len(c.page_content) <= MAX_CHARS
        assert c.page_content == c.page_content.strip()
        assert m["section"], "every chunk has a heading path"
        assert m["headings"] and m["headings"][0] == title
        assert m["section"] == PATH_SEP.join(m["headings"])
        assert m["source"] == SEED[key].name
        assert m["title"] == title
        assert m["script"] == doc.metadata["script"]
        assert m["sha256"] == doc.metadata["sha256"]
        assert m["ordinal"] == n
        assert m["page"] is None
        assert re.fullmatch(r"[0-9a-f]{16}", m["chunk_id"])
    assert len({c.metadata["chunk_id"] for c in cs}) == len(cs)


@pytest.mark.parametrize("key", sorted(SEED))
def test_chunk_offsets_point_into_original_text(key):
    text = seed_text(key)
    prev_start = -1
    for c in chunks(key):
        s, e = c.metadata["start"], c.metadata["end"]
        assert 0 <= s < e <= len(text)
        assert s > prev_start  # chunks follow the document order
        prev_start = s
        body = c.page_content
        assert text[s] == body[0]
        assert text[e - 1] == body[-1]
        # every character of the chunk occurs, in order, inside the original span (only line breaks,
        # dropped repeats and headings that were moved into the path lie between them)
        it = iter(flat(text[s:e]))
        assert all(ch in it for ch in flat(body)), c.metadata["section"]


@pytest.mark.parametrize("key", sorted(SEED))
def test_no_sentence_split_across_chunks(key):
    """Every sentence (except over-long ones and headings moved into the path) lies wholly inside one chunk."""
    cs = chunks(key)
    bodies = [flat(c.page_content) for c in cs]
    paths = " ".join(flat(c.metadata["section"]) for c in cs)
    checked = 0
    for p in drop_duplicates(paragraphs(seed_text(key))):
        for i, j in split_sentences(p.text):
            sent = p.text[i:j]
            heading = sent.startswith(">") or flat(sent).rstrip("。：:") in paths or (i == 0 and is_heading_line(sent))
            if len(sent) > MAX_CHARS or heading:
                continue  # over-long, or a heading (column label, run-in heading) that became part of the path
            checked += 1
            assert any(flat(sent) in b for b in bodies), sent
    assert checked > 50


def test_daocheng_figures_under_basic_situation():
    hit = [c for c in chunks("000") if "贫困户1268户" in c.page_content]
    assert len(hit) == 1
    m = hit[0].metadata
    assert m["section"].endswith("一、基本情况")
    assert m["section"] == "高质量决战决胜脱贫攻坚 › 一、基本情况"
    assert "2014年审定贫困村55个" in hit[0].page_content


def test_subsection_paths_in_seed_000():
    sections = [c.metadata["section"] for c in chunks("000")]
    assert any(s.endswith("二、工作开展情况 › （一）集全县之智") for s in sections)
    assert any("（三）汇全县之策" in s for s in sections)
    # the 二、 heading is never a child of 一、
    assert not any("一、基本情况 › 二、" in s for s in sections)


def test_enumeration_labels_in_paths_of_001():
    sections = [c.metadata["section"] for c in chunks("001")]
    assert "貧困縣脫貧攻堅開展情況報告 › 一、緊扣脫貧奔康這條主線,著力抓實脫貧攻堅各項保障 › 一是深化認識,扛實責任" in sections
    assert any(s.endswith("二是健全機制,靠實責任") for s in sections)
    assert any(s.endswith("三是強化保障,壓實責任") for s in sections)
    labelled = [s for s in sections if re.search(r"› [一二三四五六七八九十]是", s)]
    assert len(labelled) >= 5
    for c in chunks("001"):
        last = c.metadata["headings"][-1]
        if re.match(r"[一二三四五六七八九十]是", last):
            # the label names the chunk's own opening (after the heading lines a section's first chunk starts with)
            headings = set(c.metadata["headings"])
            opening = next(line for line in c.page_content.split("\n") if line not in headings)
            assert opening.startswith(last)


# ------------------------------------------------------------------ seed 004: OCR breaks and duplicates


def _heading_names(cs) -> set[str]:
    return {h.lstrip("#> ").strip() for c in cs for h in c.metadata["headings"]}


def test_004_no_line_break_inside_a_sentence():
    cs = chunks("004")
    names = _heading_names(cs)
    for c in cs:
        lines = c.page_content.split("\n")
        for line in lines[:-1]:
            ok = (
                ends_sentence(line)
                or is_heading_line(line)
                or line.lstrip("#> ").strip() in names  # a section heading inlined in a merged chunk
                or line.startswith(">")  # a column label such as "> 本期聚焦"
                or re.fullmatch(r"本报记者 \S+( 摄影报道)?", line) is not None  # byline
            )
            assert ok, f"line break inside a sentence after {line[-15:]!r} in chunk {c.metadata['chunk_id']}"


def test_004_ocr_breaks_are_joined_inside_chunks():
    text = seed_text("004")
    bodies = [c.page_content for c in chunks("004")]
    for joined in ["坚决落实“更大决心、更强力度”的工作要求", "坚决扛起脱贫攻坚政治责任,履责尽责", "东旺乡摸排梳理出详细准确的督战任务清单,明确短板差距,分村分析制约脱贫的原因"]:
        assert joined not in text  # broken in the source
        assert sum(joined in b for b in bodies) == 1


def test_004_no_paragraph_chunked_twice():
    bodies = [c.page_content.replace("\n", "") for c in chunks("004")]
    for p in paragraphs(seed_text("004")):
        if len(p.text) >= 15:
            assert sum(p.text in b for b in bodies) <= 1, p.text[:40]
    # the 督什么?战什么? passage is printed twice in the source but indexed once
    assert sum(b.count("督什么?战什么?") for b in bodies) == 1
    assert sum(b.count("迪庆州围绕“两不愁三保障”责任落实") for b in bodies) == 1
    # the repeated quote tail "干部这个关键少数,..." is said once
    assert sum(b.count("干部这个关键少数,深入推进抓党建促脱贫攻坚") for b in bodies) == 1


def test_004_near_duplicate_sentences_once():
    keys = [match_key(c.page_content) for c in chunks("004")]
    sent = match_key("各级挂牌督战实行“一月一研判、一月一调度”,督促限期内抓好整改,帮助协调解决困难问题,建立挂牌督战台账。")
    # the source has it in three places: once in the 督什么 passage, again in its OCR-broken copy,
    # and once more inside the mashed "当前,…" sentence, which is a different sentence
    assert seed_text("004").count("建立挂牌督战台") == 3
    assert sum(k.count(sent) for k in keys) <= 2


# ------------------------------------------------------------------ ids


def test_chunk_ids_stable_across_runs():
    doc = load_file(SEED["002"])
    a = [c.metadata["chunk_id"] for c in SectionChunker().run(doc)]
    b = [c.metadata["chunk_id"] for c in SectionChunker().run(load_file(SEED["002"]))]
    assert a == b


def test_chunk_ids_change_with_text(tmp_path):
    src = tmp_path / SEED["000"].name
    shutil.copy(SEED["000"], src)
    before = {c.metadata["chunk_id"]: c for c in SectionChunker().run(load_file(src))}
    src.write_text(seed_text("000").replace("贫困户1268户", "贫困户1269户"), encoding="utf-8")
    after = {c.metadata["chunk_id"]: c for c in SectionChunker().run(load_file(src))}
    gone = set(before) - set(after)
    new = set(after) - set(before)
    assert len(gone) == len(new) == 1
    assert "1268户" in before[gone.pop()].page_content
    assert "贫困户1269户" in after[new.pop()].page_content
    assert len(after) == len(before)


def test_dedupe_is_what_removes_the_004_repeat():
    """With de-duplication off the 004 repeat is chunked twice: the default really is what removes it."""
    cs = SectionChunker(dedupe=False).run(load_file(SEED["004"]))
    assert sum(c.page_content.replace("\n", "").count("督什么?战什么?") for c in cs) == 2


# ------------------------------------------------------------------ PDF pages


def test_pdf_chunks_carry_page_numbers(tmp_path):
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    text = seed_text("000")
    # page 1: the 一、基本情况 section; page 2: the (二) subsection, each too long to share a chunk
    page1 = "一、基本情况\n" + text[text.index("稻城位于四川省西南部") : text.index("成功退出贫困县序列。") + 10]
    page2 = next(p.text for p in paragraphs(text) if p.text.startswith("（二）举全县之力"))
    assert 400 < len(page1) < 600 and 400 < len(page2) < 600
    p = tmp_path / "two_pages.pdf"
    c = canvas.Canvas(str(p))
    c.setTitle("稻城县脱贫攻坚报告")
    for body in (page1, page2):
        c.setFont("STSong-Light", 10)
        y = 800
        for line in body.split("\n"):
            for k in range(0, len(line), 40):
                c.drawString(40, y, line[k : k + 40])
                y -= 14
        c.showPage()
    c.save()

    cs = SectionChunker().run(load_file(p))
    p1 = [c for c in cs if "贫困户1268户" in c.page_content]
    p2 = [c for c in cs if flat(page2[-30:]) in flat(c.page_content)]
    assert len(p1) == 1 and len(p2) == 1
    assert p1[0] is not p2[0]
    assert p1[0].metadata["page"] == 1
    assert p2[0].metadata["page"] == 2
    assert p1[0].metadata["section"] == "稻城县脱贫攻坚报告 › 一、基本情况"
    assert p2[0].metadata["section"].endswith("（二）举全县之力")
    # lines the PDF broke at 40 characters are joined again
    assert "贫困户1268户、贫困人口5614人" in p1[0].page_content
