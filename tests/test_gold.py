"""Tests for the gold evaluation set (eval/gold.jsonl) and its validator."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
GOLD = REPO_ROOT / "eval" / "gold.jsonl"
SEEDS = REPO_ROOT / "seeds" if (REPO_ROOT / "seeds").is_dir() else REPO_ROOT.parent / "shared" / "seeds"

DOC_SIMPL = "000_0be71c8bf9467bc8.txt"   # 稻城县 report (simplified)
DOC_TRAD = "001_b897b2bc94b4a626.txt"    # county report in traditional Chinese


def _load_validator():
    spec = importlib.util.spec_from_file_location("validate_gold", REPO_ROOT / "eval" / "validate_gold.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


vg = _load_validator()


def _write(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _good(id_="g001"):
    return {
        "id": id_, "question": "稻城县2014年审定贫困村多少个？", "answers": ["55个"], "must_contain": ["55"],
        "doc": DOC_SIMPL, "quote": "2014年审定贫困村55个、贫困户1268户、贫困人口5614人",
        "type": "numeric", "lang": "zh-Hans",
    }


def _item_problems(problems, id_):
    return [p for p in problems if f"({id_})" in p]


# --------------------------------------------------------------------------- the committed gold file

def test_seeds_present():
    assert SEEDS.is_dir(), f"seed directory missing: {SEEDS}"
    assert len(list(SEEDS.glob("*.txt"))) >= 5


def test_committed_gold_validates():
    problems = vg.validate(GOLD, SEEDS)
    assert problems == [], "\n".join(problems)


def test_committed_gold_cli_exit_zero(capsys):
    assert vg.main([str(GOLD), "--seeds", str(SEEDS)]) == 0
    out = capsys.readouterr().out
    assert "unanswerable" in out and DOC_TRAD in out


def test_committed_gold_is_sequential_and_ascii_free():
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    ids = [json.loads(l)["id"] for l in lines]
    assert ids == [f"q{i:03d}" for i in range(1, len(ids) + 1)]
    assert len(ids) >= 130
    # written with ensure_ascii=False: Chinese is stored as-is, not as \u escapes
    assert "\\u" not in GOLD.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the validator catches defects

def test_good_record_has_no_item_problems(tmp_path):
    problems = vg.validate(_write(tmp_path / "g.jsonl", [_good()]), SEEDS)
    assert _item_problems(problems, "g001") == []
    # a one-item file must still fail the coverage minimums
    assert any(p.startswith("coverage:") for p in problems)


def test_traditional_quote_matches_simplified_token(tmp_path):
    rec = {
        "id": "g002", "question": "报告中的县总人口有多少？", "answers": ["3.3万人"], "must_contain": ["3.3万"],
        "doc": DOC_TRAD, "quote": "轄3鎮7鄉,57個行政村,總人口3.3萬人", "type": "cross_script", "lang": "zh-Hans",
    }
    problems = vg.validate(_write(tmp_path / "g.jsonl", [rec]), SEEDS)
    assert _item_problems(problems, "g002") == []


def test_validator_reports_each_defect(tmp_path):
    quote_missing = dict(_good("b001"), quote="稻城县2014年审定贫困村99个、贫困户1268户")
    token_missing = dict(_good("b002"), must_contain=["1268户", "5615"], answers=["1268户、5615人"])
    dup_a, dup_b = _good("b003"), dict(_good("b003"), question="稻城县2014年审定了几个贫困村？")
    unans_with_doc = {
        "id": "b004", "question": "稻城县2021年的贫困发生率是多少？", "answers": [], "must_contain": [],
        "doc": DOC_SIMPL, "quote": None, "type": "unanswerable", "lang": "zh-Hans",
    }
    gold = _write(tmp_path / "bad.jsonl", [quote_missing, token_missing, dup_a, dup_b, unans_with_doc])
    problems = vg.validate(gold, SEEDS)
    text = "\n".join(problems)

    assert any("(b001)" in p and "not an exact substring" in p for p in problems), text
    assert any("(b002)" in p and "'5615'" in p and "not in quote" in p for p in problems), text
    assert not any("(b002)" in p and "'1268户'" in p for p in problems), text
    assert any("duplicate id 'b003'" in p for p in problems), text
    assert any("(b004)" in p and "doc null" in p for p in problems), text
    assert vg.main([str(gold), "--seeds", str(SEEDS)]) == 1


@pytest.mark.parametrize("mutate, expect", [
    (lambda r: r.update(quote="贫困户1268户"), "length"),                       # too short
    (lambda r: r.update(doc="999_missing.txt"), "not found"),
    (lambda r: r.update(type="trivia"), "type 'trivia'"),
    (lambda r: r.update(lang="fr"), "lang 'fr'"),
    (lambda r: r.update(answers=[]), "no answers"),
    (lambda r: r.update(answers=["55个", "五十五个"]), "lacks must_contain"),
    (lambda r: r.pop("must_contain"), "missing keys"),
    (lambda r: r.update(quote2="贫困人口5614人，贫困发生率为20.25%"), "quote2 and doc2"),
    (lambda r: r.update(type="multi_part"), "needs quote2"),
    (lambda r: r.update(type="english"), "requires lang 'en'"),
    (lambda r: r.update(lang="zh-Hant"), "no traditional characters"),
    (lambda r: r.update(quote="二、工作开展情况\n\n始终聚焦“两不愁、三保障”"), "line break"),
])
def test_validator_field_checks(tmp_path, mutate, expect):
    rec = _good("m001")
    mutate(rec)
    problems = vg.validate(_write(tmp_path / "m.jsonl", [rec]), SEEDS)
    assert any(expect in p for p in _item_problems(problems, "m001")), "\n".join(problems)


def test_invalid_json_line_reported(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text(json.dumps(_good(), ensure_ascii=False) + "\n{not json\n", encoding="utf-8")
    problems = vg.validate(path, SEEDS)
    assert any(p.startswith("line 2:") and "invalid JSON" in p for p in problems), problems
