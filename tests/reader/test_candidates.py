"""Answer candidates (rag/reader/candidates.py): every answer type a question can ask for is a span."""
from __future__ import annotations

import doctest

import rag.reader.candidates as candidates_mod
import rag.reader.text as text_mod
from rag.reader.candidates import candidates
from rag.reader.text import normalize, sentences


def spans(sentence: str) -> dict[str, set[str]]:
    norm = normalize(sentence)
    return {sentence[c.start : c.end]: c.kinds for c in candidates(norm)}


def test_doctests():
    assert doctest.testmod(candidates_mod).failed == 0
    assert doctest.testmod(text_mod).failed == 0


def test_candidates_of_every_type():
    s = spans("1931年，林默然在康奈尔大学获博士学位，著有《中国蕨类植物志》，被誉为“蕨类之父”，记录蕨类、苔藓和地衣八百余种。")
    assert "date" in s["1931年"]
    assert "康奈尔大学" in s  # a name
    assert "title" in s["《中国蕨类植物志》"] and "title" in s["中国蕨类植物志"]
    assert "quote" in s["蕨类之父"]
    assert "蕨类、苔藓和地衣" in s  # an enumeration
    assert "八百余种" in s  # a figure in Chinese numerals
    assert "被誉为“蕨类之父”" in s  # a clause


def test_spans_keep_the_original_characters_and_offsets():
    text = "臺北市立動物園位於臺北市文山區，佔地約165公頃。"
    (sent,) = sentences(0, text)
    assert sent.norm.startswith("台北市立动物园")  # matched in simplified …
    got = {text[sent.start + c.start : sent.start + c.end] for c in candidates(sent.norm)}
    assert "165公頃" in got and "臺北市文山區" in got  # … quoted as written


def test_sentences_break_at_lines_and_long_runs():
    text = "# 標題\n第一句。第二句，" + "很长的一段没有句号的文字，" * 30
    sents = sentences(3, text)
    assert sents[0].raw == "# 標題"
    assert all(len(s.raw) <= 220 for s in sents)
    assert all(text[s.start : s.end] == s.raw and s.passage == 3 for s in sents)


def test_a_run_of_quoted_terms_is_one_candidate():
    from rag.reader.candidates import candidates

    norm = "以“人人学”“户户比”“村村赛”为载体"
    spans = {norm[c.start : c.end] for c in candidates(norm)}
    assert "“人人学”“户户比”“村村赛”" in spans and "人人学" in spans
