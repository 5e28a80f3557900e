"""Normalisation on real seed text: match keys, script conversion, OCR line repair, offsets, de-duplication."""
from __future__ import annotations

from pathlib import Path

import pytest

from rag.normalize import (
    Paragraph,
    detect_script,
    drop_duplicates,
    is_heading_line,
    match_key,
    paragraphs,
    split_sentences,
    to_simplified,
    to_traditional,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED = {p.name[:3]: p for p in sorted(SEEDS.glob("*.txt"))}


def seed_text(key: str) -> str:
    return SEED[key].read_text(encoding="utf-8")


def between(text: str, first: str, last: str) -> str:
    """The slice of ``text`` from ``first`` through the end of ``last`` (real lines, breaks and all)."""
    i = text.index(first)
    j = text.index(last, i) + len(last)
    return text[i:j]


def squash(s: str) -> str:
    return "".join(s.split())


# ------------------------------------------------------------------ keys and scripts


def test_match_key_folds_script_width_case_and_space():
    assert match_key("貧困戶 １２６８戶") == "贫困户1268户"
    assert match_key("贫困户1268户") == "贫困户1268户"
    assert match_key("全縣ＧＤＰ增 121.8％") == "全县gdp增121.8%"
    assert match_key("  Poor\u3000Villages\n") == "poorvillages"
    assert match_key("") == "" and match_key(None) == ""


def test_match_key_equal_for_both_scripts_of_a_seed_sentence():
    trad = "全縣精準識別貧困村42個、貧困戶1270戶、貧困人口6834人,貧困發生率26.6%。"
    assert trad in seed_text("001")
    assert match_key(trad) == match_key("全县精准识别贫困村42个、贫困户1270户、贫困人口6834人,贫困发生率26.6%。")


def test_script_conversion():
    assert to_simplified("貧困縣脫貧攻堅開展情況報告") == "贫困县脱贫攻坚开展情况报告"
    assert to_traditional("贫困县脱贫攻坚开展情况报告") == "貧困縣脫貧攻堅開展情況報告"
    assert to_traditional("精准识别贫困村42个") == "精準識別貧困村42個"
    # non-Chinese text and empty text pass through
    assert to_simplified("GDP 121.8% abc") == "GDP 121.8% abc"
    assert to_traditional("") == "" and to_simplified("") == ""
    # conversion keeps length: offsets computed on converted text stay valid
    t = seed_text("001")[:3000]
    assert len(to_simplified(t)) == len(t)


def test_round_trip_of_a_seed_paragraph():
    simp = "2014年审定贫困村55个、贫困户1268户、贫困人口5614人"
    assert to_simplified(to_traditional(simp)) == simp


@pytest.mark.parametrize("key,script", [("000", "zh-Hans"), ("001", "zh-Hant"), ("002", "zh-Hans"), ("003", "zh-Hans"), ("004", "zh-Hans")])
def test_detect_script_on_seeds(key, script):
    assert detect_script(seed_text(key)) == script


def test_detect_script_short_and_english():
    assert detect_script("貧困縣脫貧攻堅開展情況報告") == "zh-Hant"
    assert detect_script("贫困县脱贫攻坚开展情况报告") == "zh-Hans"
    assert detect_script("How many poor villages did Daocheng County identify in 2014?") == "en"
    assert detect_script("") == "en"
    # a few Chinese words in English text are not a Chinese document
    assert detect_script("The county (稻城) reported results for 2014 and 2015 to the provincial government office.") == "en"


# ------------------------------------------------------------------ paragraphs


def test_paragraphs_join_ocr_broken_lines_from_seed_004():
    text = seed_text("004")
    seg = between(text, "东旺乡摸排梳理出详细准确的督战任", "逐村逐户强化举措、补齐短板、解决问题。")
    assert seg.count("\n\n") == 3  # four OCR lines
    paras = paragraphs(seg)
    assert [p.text for p in paras] == [
        "东旺乡摸排梳理出详细准确的督战任务清单,明确短板差距,分村分析制约脱贫的原因,明晰脱贫路径,靶向攻坚,逐村逐户强化举措、补齐短板、解决问题。"
    ]
    assert paras[0].text == squash(seg)


@pytest.mark.parametrize(
    "first,last,joined",
    [
        ("会议强调,要坚决保持", "的工作要求,切实把年度挂牌督战", "坚决落实“更大决心、更强力度”的工作要求"),  # broken after an open quote
        ("迪庆州深入学习贯彻", "坚决打赢脱贫攻坚这场硬仗。", "坚决扛起脱贫攻坚政治责任,履责尽责"),  # broken inside 政治责任
        ("目前,阳都小组共种植葡萄50余亩、", "带领老百姓继续前行。", "每亩1200元,雇工每人每天80元,每户每年平均增收6000元以上"),
    ],
)
def test_paragraphs_repair_real_breaks(first, last, joined):
    seg = between(seed_text("004"), first, last)
    assert "\n" in seg
    paras = paragraphs(seg)
    hit = [p for p in paras if joined in p.text]
    assert len(hit) == 1, [p.text for p in paras]
    assert "\n" not in hit[0].text


def test_paragraphs_without_repair_keep_lines():
    seg = between(seed_text("004"), "东旺乡摸排梳理出详细准确的督战任", "逐村逐户强化举措、补齐短板、解决问题。")
    assert len(paragraphs(seg, repair=False)) == 4


def test_headings_stay_separate():
    text = seed_text("000")
    seg = between(text, "一、基本情况", "属全国“三区三州”深度贫困县。")
    paras = paragraphs(seg)
    assert paras[0].text == "一、基本情况"
    assert paras[1].text.startswith("稻城位于四川省西南部")
    assert len(paras) == 2

    seg = between(seed_text("004"), "> 新闻快递", "确保高质量全面完成脱贫任务。")
    assert [p.text for p in paragraphs(seg)][:2] == ["> 新闻快递", "香格里拉市务实措施确保高质量脱贫"]
    assert paragraphs(seg)[2].text.startswith("本报讯(记者 张帆) ")

    # an indented numbered heading of seed 003 is its own paragraph, the run-in (一) heading starts the next
    seg = between(seed_text("003"), "一、统一思想认识", "扶贫任务极其艰巨繁重")
    paras = paragraphs(seg)
    assert is_heading_line(paras[0].text) and paras[0].text.startswith("一、统一思想认识")
    assert paras[1].text.startswith("(一)重要意义。")


def test_heading_is_not_joined_even_when_previous_line_is_open():
    text = "2014年审定贫困村55个、贫困户1268户、贫困人口5614人，贫困发生率为\n二、工作开展情况\n（一）集全县之智，构建攻坚体系。"
    paras = [p.text for p in paragraphs(text)]
    assert "二、工作开展情况" in paras


@pytest.mark.parametrize("key", sorted(SEED))
def test_paragraph_offsets_point_into_original(key):
    text = seed_text(key)
    paras = paragraphs(text)
    assert paras
    for p in paras:
        assert len(p.pos) == len(p.text)
        assert text[p.start] == p.text[0]
        assert text[p.end - 1] == p.text[-1]
        assert all(text[i] == ch for ch, i in zip(p.text, p.pos))
        assert p.pos == sorted(p.pos)
        # everything the paragraph skipped in the original is white space (the broken line ends)
        assert squash(text[p.start : p.end]) == squash(p.text)


def test_paragraph_span_and_slice():
    text = seed_text("004")
    seg_start = text.index("东旺乡摸排梳理出详细准确的督战任")
    p = next(p for p in paragraphs(text) if p.text.startswith("东旺乡摸排梳理出"))
    assert p.start == seg_start
    i = p.text.index("务清单")  # the first character after an OCR break
    s, e = p.span(i, i + 3)
    assert text[s:e] == "务清单"
    sub = p.slice(i, i + 3)
    assert isinstance(sub, Paragraph) and sub.text == "务清单" and text[sub.start : sub.end] == "务清单"
    # a span across the break covers the break in the original
    s, e = p.span(i - 3, i + 1)
    assert squash(text[s:e]) == "督战任务"


# ------------------------------------------------------------------ duplicates


def _para(text: str, start: int = 0) -> Paragraph:
    return Paragraph(text, list(range(start, start + len(text))))


def test_drop_exact_duplicates():
    a = "2014年审定贫困村55个、贫困户1268户、贫困人口5614人，贫困发生率为20.25%。"
    b = "稻城位于四川省西南部、甘孜州南部，地处川滇两省三州五县交界之地，面积7323平方千米。"
    kept = drop_duplicates([_para(a), _para(b, 100), _para(a, 300)])
    assert [p.text for p in kept] == [a, b]
    assert kept[0].start == 0  # the first occurrence stays


def test_drop_near_duplicates():
    a = "脱贫攻坚挂牌督战,督什么?战什么?迪庆州围绕“两不愁三保障”责任落实、政策落实、工作落实”和“精准识别、精准帮扶、精准退出”等要求,各级挂牌督战实行“一月一研判、一月一调度”,督促限期内抓好整改,帮助协调解决困难问题,建立挂牌督战台账。"
    near = a.replace(",", "，").replace("督促限期内", "督促限期").replace("台账", "台帐")
    trad = to_traditional(a)
    other = "维西县为将挂牌督战和“决战决胜百日总攻行动”责任落到实处,县级领导对全县10个乡镇和贫困发生率超过0.83%的41个行政村进行挂牌督战。"
    kept = drop_duplicates([_para(a), _para(near, 500), _para(trad, 1000), _para(other, 1500)])
    assert [p.text for p in kept] == [a, other]


def test_short_distinct_paragraphs_are_kept():
    paras = [_para("一、基本情况"), _para("二、工作开展情况", 10), _para("三、主要成效", 20)]
    assert [p.text for p in drop_duplicates(paras)] == ["一、基本情况", "二、工作开展情况", "三、主要成效"]


def test_seed_004_duplicates_dropped():
    text = seed_text("004")
    paras = paragraphs(text)
    # the 督什么?战什么? passage is printed twice in the source (once whole, once OCR-broken)
    assert text.count("督什么?战什么?") == 2
    assert sum("督什么" in p.text for p in paras) == 2
    kept = drop_duplicates(paras)
    assert sum("督什么" in p.text for p in kept) == 1
    assert len(kept) < len(paras)
    # no two kept paragraphs share a key
    keys = [match_key(p.text) for p in kept]
    assert len(keys) == len(set(keys))
    # offsets of kept (possibly trimmed) paragraphs still point into the original
    for p in kept:
        assert all(text[i] == ch for ch, i in zip(p.text, p.pos))


def test_repeated_sentence_inside_a_later_paragraph_is_dropped():
    text = seed_text("004")
    kept = drop_duplicates(paragraphs(text))
    # "干部这个关键少数,深入推进抓党建促脱贫攻坚,..." repeats the tail of an earlier quote; only the new sentences stay
    p = next(p for p in kept if "一是改进作风上抓落实" in p.text)
    assert p.text.startswith("一是改进作风上抓落实")
    assert sum("持续开展扶贫领域和作风问题专项整治" in q.text for q in kept) == 1


def test_split_sentences_keeps_closing_quotes():
    t = "“时间紧、任务重,赶紧回去再动员、再部署。”维西县塔城镇党委书记傅春城参加完会议。还有"
    spans = split_sentences(t)
    assert [t[i:j] for i, j in spans] == ["“时间紧、任务重,赶紧回去再动员、再部署。”", "维西县塔城镇党委书记傅春城参加完会议。", "还有"]
