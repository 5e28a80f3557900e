#!/usr/bin/env python3
"""Validate the conversational gold sets (eval/conversations.jsonl, eval/conversations_dev.jsonl).

Usage:
    python eval/validate_conversations.py [FILE ...] [--seeds DIR] [--profile test|dev|none]

Without FILE both committed files are checked: ``conversations.jsonl`` (the reported
test set) against the ``test`` minimums, ``conversations_dev.jsonl`` (for tuning the
follow-up resolver) against the ``dev`` minimums, and no dialogue id or opening
question in both. The schema is described in eval/README.md.

Each line is one dialogue ``{"id", "turns": [turn, ...]}`` of 2-4 turns. Each turn:

- ``turn`` (1-based), ``kind`` (one of KINDS), ``question`` (as typed), ``lang``;
- ``resolved``: the self-contained question the turn means (``null`` for ``unresolvable``);
- ``must_name``: words the rewritten question must contain (entity, year, quantity), each in ``resolved``;
- optional ``must_not_name``: words it must not carry over (a topic change), none in ``resolved``;
- the single-turn gold fields: ``answers``, ``must_contain``, ``doc``, ``quote`` (verbatim in the
  seed ``doc``), optional ``doc2``/``quote2``. ``doc: null`` on a resolvable turn means the
  reports do not say: the right reply is a refusal.

Importable API:
    validate(path, seeds_dir, profile=None) -> list[str]   # empty when valid
    expected(turn) -> "answer" | "refuse" | "clarify"
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
from collections import Counter
from pathlib import Path

EVAL_DIR = Path(__file__).resolve().parent
TEST_FILE = EVAL_DIR / "conversations.jsonl"
DEV_FILE = EVAL_DIR / "conversations_dev.jsonl"

KINDS = ("first", "pronoun", "ellipsis", "entity_swap", "year_swap", "missing_subject", "topic_change", "unresolvable")
FOLLOW_UP_KINDS = KINDS[1:]
LANGS = ("zh-Hans", "zh-Hant", "en")
REQUIRED = ("turn", "kind", "question", "resolved", "must_name", "answers", "must_contain", "doc", "quote", "lang")
OPTIONAL = ("quote2", "doc2", "must_not_name", "scored")
MIN_TURNS, MAX_TURNS = 2, 4
PROFILES = {
    # the reported set: at least 40 dialogues, every follow-up kind often enough to report it
    "test": {"dialogues": 40, "per_kind": {"pronoun": 15, "ellipsis": 12, "entity_swap": 6, "year_swap": 8,
                                           "missing_subject": 8, "topic_change": 5, "unresolvable": 6}, "refuse": 4},
    "dev": {"dialogues": 20, "per_kind": {k: 1 for k in FOLLOW_UP_KINDS}, "refuse": 1},
    "none": {"dialogues": 0, "per_kind": {}, "refuse": 0},
}


def _validate_gold_module():
    spec = importlib.util.spec_from_file_location("validate_gold", EVAL_DIR / "validate_gold.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


vg = _validate_gold_module()


def expected(turn: dict) -> str:
    """What a right reply to the turn is: ``clarify`` (ask back), ``refuse`` (the reports do not say) or ``answer``."""
    if turn.get("kind") == "unresolvable":
        return "clarify"
    return "answer" if turn.get("doc") else "refuse"


def _key(s: str) -> str:
    return vg.normalize(s).lower()


def _str_list(v) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) and x.strip() for x in v)


def _check_turn(label: str, i: int, t: dict, seeds: dict, problems: list[str], n_turns: int = 0) -> None:
    missing = [k for k in REQUIRED if k not in t]
    if missing:
        problems.append(f"{label}: missing keys {missing}")
        return
    extra = sorted(set(t) - set(REQUIRED) - set(OPTIONAL))
    if extra:
        problems.append(f"{label}: unexpected keys {extra}")
    if t["turn"] != i:
        problems.append(f"{label}: turn is {t['turn']!r}, expected {i}")
    kind, q, resolved = t["kind"], t["question"], t["resolved"]
    if kind not in KINDS:
        problems.append(f"{label}: kind {kind!r} not in {list(KINDS)}")
        return
    if not isinstance(q, str) or not q.strip():
        problems.append(f"{label}: question must be a non-empty string")
        return
    if t["lang"] not in LANGS:
        problems.append(f"{label}: lang {t['lang']!r} not in {list(LANGS)}")
    if i == 1 and kind not in ("first", "unresolvable"):
        problems.append(f"{label}: the first turn must be 'first' or 'unresolvable', not {kind!r}")
    if i > 1 and kind == "first":
        problems.append(f"{label}: only the first turn can be 'first'")
    for f in ("must_name", "answers", "must_contain"):
        if not isinstance(t[f], list) or not all(isinstance(x, str) for x in t[f]):
            problems.append(f"{label}: {f} must be a list of strings")
            return
    if "scored" in t and not isinstance(t["scored"], bool):
        problems.append(f"{label}: scored must be true or false")
        return
    if t.get("scored") is False:
        # context only (a generated dialogue's opening turn): its reply is not judged, so it carries no gold answer
        if i == n_turns or kind != "first":
            problems.append(f"{label}: only an opening 'first' turn before the last can be unscored")
        if t["answers"] or t["must_contain"] or t["doc"] is not None or t["quote"] is not None:
            problems.append(f"{label}: an unscored turn carries no answers, must_contain, doc or quote")
        return

    if kind == "unresolvable":
        for f in ("resolved", "doc", "quote"):
            if t[f] is not None:
                problems.append(f"{label}: unresolvable turn must have {f} null")
        for f in ("must_name", "answers", "must_contain"):
            if t[f]:
                problems.append(f"{label}: unresolvable turn must have empty {f}")
        return

    if not isinstance(resolved, str) or not resolved.strip():
        problems.append(f"{label}: resolved must be the self-contained question")
        return
    if not _str_list(t["must_name"]) or not t["must_name"]:
        problems.append(f"{label}: must_name must list the words the rewrite has to name")
    else:
        for w in t["must_name"]:
            if _key(w) not in _key(resolved):
                problems.append(f"{label}: must_name {w!r} not in resolved {resolved!r}")
    for w in t.get("must_not_name") or []:
        if _key(w) in _key(resolved):
            problems.append(f"{label}: must_not_name {w!r} is in resolved {resolved!r}")
    if kind == "first" and _key(q) != _key(resolved):
        problems.append(f"{label}: a first turn is self-contained: resolved must equal question")
    if kind == "topic_change":
        for w in t["must_name"]:
            if _key(w) not in _key(q):
                problems.append(f"{label}: a topic change names its subject itself: {w!r} not in question")
    if kind not in ("first", "topic_change") and _key(q) == _key(resolved):
        problems.append(f"{label}: a {kind} turn needs the history, so resolved should differ from question")

    if t["doc"] is None:  # resolvable, the reports do not say: refuse
        if t["quote"] is not None or t["answers"] or t["must_contain"] or t.get("quote2") or t.get("doc2"):
            problems.append(f"{label}: a turn with doc null (refuse) must have quote null and no answers")
        return
    if not t["answers"]:
        problems.append(f"{label}: answerable turn has no answers")
    if not _str_list(t["must_contain"]) or not t["must_contain"]:
        problems.append(f"{label}: answerable turn needs must_contain")
        return
    quotes = []
    for qf, df in (("quote", "doc"), ("quote2", "doc2")):
        if qf == "quote2" and t.get(qf) is None and t.get(df) is None:
            continue
        qt, dn = t.get(qf), t.get(df)
        if (qt is None) != (dn is None):
            problems.append(f"{label}: {qf} and {df} must be given together")
            continue
        if dn not in seeds:
            problems.append(f"{label}: {df} {dn!r} not found in the seeds")
            continue
        if not isinstance(qt, str) or not (vg.QUOTE_MIN <= len(qt) <= vg.QUOTE_MAX) or "\n" in qt:
            problems.append(f"{label}: {qf} must be one line of {vg.QUOTE_MIN}-{vg.QUOTE_MAX} characters")
            continue
        if qt not in seeds[dn]:
            problems.append(f"{label}: {qf} is not an exact substring of {dn}: {qt!r}")
            continue
        quotes.append(vg.normalize(qt))
    if quotes:
        for tok in t["must_contain"]:
            if not any(vg.normalize(tok) in nq for nq in quotes):
                problems.append(f"{label}: must_contain token {tok!r} not in quote/quote2")
    for ans in t["answers"]:
        lacking = [tok for tok in t["must_contain"] if vg.normalize(tok) not in vg.normalize(ans)]
        if lacking:
            problems.append(f"{label}: answer {ans!r} lacks must_contain token(s) {lacking}")


def load(path) -> list[dict]:
    """The dialogues of a file (lines that are not JSON objects are skipped; validate() reports them)."""
    return vg.read_jsonl(path)


def validate(path, seeds_dir, profile: str | None = None) -> list[str]:
    """Return a list of human-readable problems; empty when the file is valid."""
    path, seeds_dir = Path(path), Path(seeds_dir)
    if profile is None:
        # a generated set (conversations_synth_*.jsonl, eval/make_dialogues.py) has only the kinds it makes
        profile = "none" if "synth" in path.name else "dev" if "dev" in path.name else "test" if "conversations" in path.name else "none"
    minimums = PROFILES[profile]
    if not path.is_file():
        return [f"conversation file not found: {path}"]
    seeds = {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(seeds_dir).glob("*.txt"))}
    if not seeds:
        return [f"no *.txt seed documents in {seeds_dir}"]
    problems: list[str] = []
    seen: dict[str, int] = {}
    kinds, refusals, n = Counter(), 0, 0
    for lineno, d in vg.jsonl_records(path, problems):
        did = d.get("id")
        if not isinstance(did, str) or not did.strip():
            problems.append(f"line {lineno}: a dialogue needs an id")
            continue
        if did in seen:
            problems.append(f"line {lineno}: duplicate id {did!r} (first on line {seen[did]})")
        seen[did] = lineno
        n += 1
        turns = d.get("turns")
        if not isinstance(turns, list) or not (MIN_TURNS <= len(turns) <= MAX_TURNS):
            problems.append(f"line {lineno} ({did}): turns must be a list of {MIN_TURNS}-{MAX_TURNS} turns")
            continue
        for i, t in enumerate(turns, start=1):
            label = f"line {lineno} ({did} turn {i})"
            if not isinstance(t, dict):
                problems.append(f"{label}: not a JSON object")
                continue
            _check_turn(label, i, t, seeds, problems, len(turns))
            kinds[t.get("kind")] += 1
            refusals += expected(t) == "refuse"
    if n < minimums["dialogues"]:
        problems.append(f"coverage: {n} dialogues, need at least {minimums['dialogues']}")
    for k, m in minimums["per_kind"].items():
        if kinds[k] < m:
            problems.append(f"coverage: {kinds[k]} {k} turns, need at least {m}")
    if refusals < minimums["refuse"]:
        problems.append(f"coverage: {refusals} turns whose answer the reports do not give, need at least {minimums['refuse']}")
    return problems


def summary(path) -> str:
    dialogues = load(path)
    turns = [t for d in dialogues for t in d.get("turns", [])]
    kinds = Counter(t.get("kind") for t in turns)
    exp = Counter(expected(t) if t.get("scored") is not False else "not scored" for t in turns)
    lines = [f"{len(dialogues)} dialogues, {len(turns)} turns in {path}", "", f"{'kind':<18}turns", "-" * 23]
    lines += [f"{k:<18}{kinds[k]:>5}" for k in KINDS]
    lines += ["", "expected reply: " + ", ".join(f"{k} {v}" for k, v in sorted(exp.items()))]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Validate the conversational gold sets against the seed documents.")
    ap.add_argument("files", nargs="*", help="conversation JSONL file(s) (default: eval/conversations.jsonl and eval/conversations_dev.jsonl)")
    ap.add_argument("--seeds", help="directory with the seed .txt documents (default: seeds/, else ../shared/seeds)")
    ap.add_argument("--profile", choices=sorted(PROFILES), help="coverage minimums (default: from the file name: *dev* → dev, else test)")
    args = ap.parse_args(argv)
    seeds_dir = Path(args.seeds) if args.seeds else vg.default_seeds_dir()
    files = [Path(f) for f in args.files] or [TEST_FILE, DEV_FILE]
    failed = 0
    for f in files:
        problems = validate(f, seeds_dir, args.profile)
        if problems:
            print("\n".join(problems))
            print(f"\n{len(problems)} problem(s) found in {f}", file=sys.stderr)
            failed += 1
        else:
            print(summary(f))
            print(f"\nOK: {f} is valid against {seeds_dir}\n")
    if not args.files:
        test_ids = {d.get("id") for d in load(TEST_FILE)}
        test_open = {_key(d["turns"][0]["question"]) for d in load(TEST_FILE) if d.get("turns")}
        for d in load(DEV_FILE):
            if d.get("id") in test_ids or (d.get("turns") and _key(d["turns"][0]["question"]) in test_open):
                print(f"split: dev dialogue {d.get('id')!r} repeats a test dialogue")
                failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
