"""eval/english_split.py: the dev split's English items in a tune half and a held half, stable and complete."""
from __future__ import annotations

import doctest
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _mod():
    spec = importlib.util.spec_from_file_location("english_split", ROOT / "eval" / "english_split.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_english_dev_item_is_in_exactly_one_half(tmp_path):
    mod = _mod()
    assert doctest.testmod(mod).failed == 0
    rows = [json.loads(line) for line in open(ROOT / "eval" / "gold_dev.jsonl", encoding="utf-8") if line.strip()]
    halves = mod.split(rows)
    tune, held = {r["id"] for r in halves["tune"]}, {r["id"] for r in halves["held"]}
    english = {r["id"] for r in rows if r.get("lang") == "en"}
    assert tune | held == english and not tune & held
    assert {f"n{i}" for i in range(113, 128)} <= held  # last round's blind English batch is always held
    assert min(len(tune), len(held)) >= len(english) // 3  # a hash split, not everything on one side
    # the split of an item does not depend on the others or their order
    assert {r["id"] for r in mod.split(list(reversed(rows)))["held"]} == held
    assert mod.main(["--out", str(tmp_path)]) == 0
    assert sum(1 for _ in open(tmp_path / "english_held.jsonl", encoding="utf-8")) == len(held)


def test_the_test_split_is_refused():
    assert _mod().main(["--gold", str(ROOT / "eval" / "gold_test.jsonl"), "--out", "/nonexistent"]) == 2
