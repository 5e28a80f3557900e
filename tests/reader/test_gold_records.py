"""The reader on real eval records: every gold question of the project's dev split asked against the real
seed index. Whatever the answer, each citation quote is verbatim at its offset in its passage, in the
document's own script, and every figure in a short answer stands in its citation."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rag.grounding import check_answer
from rag.normalize import detect_script
from rag.qa import Assistant

ROOT = Path(__file__).resolve().parents[2]
GOLD = [json.loads(line) for line in (ROOT / "eval" / "gold_dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def records(seed_index, retriever):
    bot = Assistant(seed_index, retriever=retriever)
    return [(g, bot.ask(g["question"])) for g in GOLD]


def test_every_quote_is_verbatim_at_its_offset(records):
    n_quotes = 0
    for g, a in records:
        for c in a.citations:
            assert c.quote and c.quote in c.text, (g["id"], c.quote)
            assert c.text[c.start : c.start + len(c.quote)] == c.quote, g["id"]
            n_quotes += 1
    answerable = [g for g in GOLD if g["type"] != "unanswerable"]
    assert n_quotes >= len(answerable) * 0.8  # most answerable questions were answered, with quotes


def test_every_figure_stands_in_its_citation(records):
    for g, a in records:
        if a.refused:
            assert not a.citations
            continue
        assert re.search(r"\[\d+\]", a.answer), (g["id"], a.answer)
        assert check_answer(a.answer, {c.n: c.text for c in a.citations}).ok, (g["id"], a.answer)


def test_traditional_questions_over_traditional_documents_keep_the_documents_characters(records):
    for g, a in records:
        if a.refused or g.get("lang") != "zh-Hant":
            continue
        cites = {c.n: c for c in a.citations}
        for short, n in re.findall(r"([^；\[\]]+)\[(\d+)\]", a.answer):
            c = cites[int(n)]
            if detect_script(c.text) == "zh-Hant":
                assert short in c.text, (g["id"], short)


def test_answers_are_short_and_refusals_carry_a_reason(records):
    for g, a in records:
        if a.refused:
            assert any(w.startswith("refused:") for w in a.warnings)
        else:
            assert len(re.sub(r"\[\d+\]", "", a.answer)) <= 150
            assert a.confidence is not None and 0.0 <= a.confidence <= 1.0
