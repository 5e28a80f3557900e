#!/usr/bin/env python3
"""Validate the gold evaluation sets (eval/gold_dev.jsonl, eval/gold_test.jsonl) against the seed documents.

Usage:
    python eval/validate_gold.py [GOLD ...] [--seeds DIR] [--profile dev|test|none]

Without GOLD both committed splits are checked, each against its own coverage
minimums, and the two are checked for leakage (an id or a question in both).
The profile of a file is inferred from its name (``*dev*`` / ``*test*``) unless
``--profile`` is given; ``none`` checks the items only.  DIR defaults to
``seeds/`` in the repository root (the parent of eval/), falling back to
``../shared/seeds`` relative to the repository root.

Importable API:
    validate(gold_path, seeds_dir, profile=None) -> list[str]   # empty list when valid
    validate_split(dev_path, test_path) -> list[str]            # leakage between the splits

Exit status: 0 when valid (a summary table is printed), 1 when problems were
found (each problem is printed on its own line).

Requires the ``opencc`` package (``pip install opencc``) for the
traditional->simplified normalisation used in the must_contain check.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

REQUIRED_KEYS = ("id", "question", "answers", "must_contain", "doc", "quote", "type", "lang")
OPTIONAL_KEYS = ("quote2", "doc2")
TYPES = ("numeric", "non_numeric", "cross_script", "traditional_query", "english",
         "paraphrase", "multi_part", "unanswerable")
LANGS = ("zh-Hans", "zh-Hant", "en")

QUOTE_MIN, QUOTE_MAX = 10, 80
# Coverage minimums per split: dev is for tuning (every type present, enough to see a change);
# test is what is reported, so it is larger and every type has enough items for a per-type figure.
PROFILES = {
    "dev": {"total": 90, "per_seed": 10, "per_type": {t: 8 for t in (
        "numeric", "non_numeric", "cross_script", "traditional_query", "english", "paraphrase", "multi_part", "unanswerable")}},
    "test": {"total": 200, "per_seed": 25, "per_type": {
        "numeric": 40, "non_numeric": 25, "cross_script": 12, "traditional_query": 15, "english": 15,
        "paraphrase": 15, "multi_part": 15, "unanswerable": 15}},
    "none": {"total": 0, "per_seed": 0, "per_type": {}},
}
# The language a question of a given type must be written in.
TYPE_LANG = {"english": "en", "traditional_query": "zh-Hant", "cross_script": "zh-Hans"}

EVAL_DIR = Path(__file__).resolve().parent
REPO_ROOT = EVAL_DIR.parent
DEV_GOLD = EVAL_DIR / "gold_dev.jsonl"
TEST_GOLD = EVAL_DIR / "gold_test.jsonl"
DEFAULT_GOLD = (DEV_GOLD, TEST_GOLD)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WS = re.compile(r"\s+")
_t2s = None


def default_seeds_dir() -> Path:
    local = REPO_ROOT / "seeds"
    if local.is_dir():
        return local
    return REPO_ROOT.parent / "shared" / "seeds"


def _converter():
    global _t2s
    if _t2s is None:
        try:
            import opencc
        except ImportError as exc:  # pragma: no cover - environment problem
            raise ImportError("validate_gold.py needs OpenCC: pip install opencc") from exc
        _t2s = opencc.OpenCC("t2s")
    return _t2s


def t2s(s: str) -> str:
    return _converter().convert(s)


def normalize(s: str) -> str:
    """Traditional->simplified, NFKC, all whitespace removed."""
    return _WS.sub("", unicodedata.normalize("NFKC", t2s(s)))


def _is_str_list(v) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _check_lang(rec_id, lang, question, problems):
    cjk = len(_CJK.findall(question))
    if lang == "en":
        latin = len(re.findall(r"[A-Za-z]", question))
        if latin < 10 or latin <= cjk:
            problems.append(f"{rec_id}: lang is 'en' but the question does not look English")
    else:
        if cjk == 0:
            problems.append(f"{rec_id}: lang is {lang!r} but the question has no Chinese characters")
        elif lang == "zh-Hant" and t2s(question) == question:
            problems.append(f"{rec_id}: lang is 'zh-Hant' but the question contains no traditional characters")
        elif lang == "zh-Hans" and t2s(question) != question:
            problems.append(f"{rec_id}: lang is 'zh-Hans' but the question contains traditional characters")


def profile_for(gold_path, profile: str | None = None) -> dict:
    """Coverage minimums: the named profile, else inferred from the file name (dev / test), else none."""
    if profile is None:
        name = Path(gold_path).name
        profile = "test" if "test" in name else "dev" if "dev" in name else "none"
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; one of {sorted(PROFILES)}")
    return PROFILES[profile]


def validate(gold_path, seeds_dir, profile: str | None = None) -> list[str]:
    """Return a list of human-readable problems; empty when the gold file is valid."""
    gold_path, seeds_dir = Path(gold_path), Path(seeds_dir)
    minimums = profile_for(gold_path, profile)
    problems: list[str] = []
    if not gold_path.is_file():
        return [f"gold file not found: {gold_path}"]
    if not seeds_dir.is_dir():
        return [f"seeds directory not found: {seeds_dir}"]
    seeds = {p.name: p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))}
    if not seeds:
        return [f"no *.txt seed documents in {seeds_dir}"]

    records = []
    with gold_path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                problems.append(f"line {lineno}: empty line")
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"line {lineno}: invalid JSON ({exc.msg})")
                continue
            if not isinstance(rec, dict):
                problems.append(f"line {lineno}: not a JSON object")
                continue
            records.append((lineno, rec))

    seen_ids: dict[str, int] = {}
    type_counts, lang_counts, seed_counts = Counter(), Counter(), Counter()

    for lineno, rec in records:
        rid = rec.get("id")
        label = f"line {lineno} ({rid})" if isinstance(rid, str) else f"line {lineno}"

        missing = [k for k in REQUIRED_KEYS if k not in rec]
        if missing:
            problems.append(f"{label}: missing keys {missing}")
        extra = sorted(set(rec) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
        if extra:
            problems.append(f"{label}: unexpected keys {extra}")
        if missing:
            continue

        # ---- id
        if not isinstance(rid, str) or not rid.strip():
            problems.append(f"{label}: id must be a non-empty string")
        elif rid in seen_ids:
            problems.append(f"{label}: duplicate id {rid!r} (first on line {seen_ids[rid]})")
        else:
            seen_ids[rid] = lineno

        # ---- simple field types
        question, answers, must = rec["question"], rec["answers"], rec["must_contain"]
        rtype, lang = rec["type"], rec["lang"]
        if not isinstance(question, str) or not question.strip():
            problems.append(f"{label}: question must be a non-empty string")
            question = None
        if not _is_str_list(answers):
            problems.append(f"{label}: answers must be a list of strings")
            answers = None
        if not _is_str_list(must):
            problems.append(f"{label}: must_contain must be a list of strings")
            must = None
        elif any(not m.strip() for m in must):
            problems.append(f"{label}: must_contain has an empty token")
        if rtype not in TYPES:
            problems.append(f"{label}: type {rtype!r} not in {list(TYPES)}")
        else:
            type_counts[rtype] += 1
        if lang not in LANGS:
            problems.append(f"{label}: lang {lang!r} not in {list(LANGS)}")
        else:
            lang_counts[lang] += 1
            if question:
                _check_lang(label, lang, question, problems)
        if rtype in TYPE_LANG and lang in LANGS and lang != TYPE_LANG[rtype]:
            problems.append(f"{label}: type {rtype} requires lang {TYPE_LANG[rtype]!r}, got {lang!r}")

        doc, quote = rec["doc"], rec["quote"]
        quote2, doc2 = rec.get("quote2"), rec.get("doc2")

        # ---- unanswerable items
        if rtype == "unanswerable":
            if answers:
                problems.append(f"{label}: unanswerable item must have empty answers")
            if must:
                problems.append(f"{label}: unanswerable item must have empty must_contain")
            if doc is not None:
                problems.append(f"{label}: unanswerable item must have doc null")
            if quote is not None:
                problems.append(f"{label}: unanswerable item must have quote null")
            if quote2 is not None or doc2 is not None:
                problems.append(f"{label}: unanswerable item must not have quote2/doc2")
            continue

        # ---- answerable items
        if answers is not None and not [a for a in answers if a.strip()]:
            problems.append(f"{label}: answerable item has no answers")
        if must is not None and not must:
            problems.append(f"{label}: answerable item has empty must_contain")

        quotes = []  # (field, text) pairs that passed the substring check
        for qfield, dfield, qtext, dname in (("quote", "doc", quote, doc), ("quote2", "doc2", quote2, doc2)):
            if qfield == "quote2" and qtext is None and dname is None:
                continue
            if qfield == "quote2" and (qtext is None) != (dname is None):
                problems.append(f"{label}: quote2 and doc2 must be given together")
                continue
            if not isinstance(dname, str) or not dname:
                problems.append(f"{label}: {dfield} must be a seed file name")
                continue
            if dname not in seeds:
                problems.append(f"{label}: {dfield} {dname!r} not found in {seeds_dir}")
                continue
            seed_counts[dname] += 1 if qfield == "quote" or dname != doc else 0
            if not isinstance(qtext, str):
                problems.append(f"{label}: {qfield} must be a string")
                continue
            if not (QUOTE_MIN <= len(qtext) <= QUOTE_MAX):
                problems.append(f"{label}: {qfield} length {len(qtext)} outside {QUOTE_MIN}-{QUOTE_MAX}")
            if "\n" in qtext or "\r" in qtext:
                problems.append(f"{label}: {qfield} spans a line break")
            if qtext not in seeds[dname]:
                problems.append(f"{label}: {qfield} is not an exact substring of {dname}: {qtext!r}")
                continue
            quotes.append((qfield, qtext))

        if rtype == "multi_part":
            if quote2 is None:
                problems.append(f"{label}: multi_part item needs quote2/doc2")
            if must is not None and len(must) < 2:
                problems.append(f"{label}: multi_part item needs at least 2 must_contain tokens")
        if rtype == "cross_script" and isinstance(quote, str) and t2s(quote) == quote:
            problems.append(f"{label}: cross_script item should quote a traditional-script document")

        if must and quotes:
            norm_quotes = [normalize(q) for _, q in quotes]
            for tok in must:
                nt = normalize(tok)
                if nt and not any(nt in nq for nq in norm_quotes):
                    problems.append(f"{label}: must_contain token {tok!r} not in quote/quote2")
        # every listed acceptable answer must itself pass the must_contain check
        if must and answers:
            for ans in answers:
                na = normalize(ans)
                lacking = [tok for tok in must if normalize(tok) and normalize(tok) not in na]
                if lacking:
                    problems.append(f"{label}: answer {ans!r} lacks must_contain token(s) {lacking}")

    # ---- coverage
    total = len(records)
    if total < minimums["total"]:
        problems.append(f"coverage: {total} items, need at least {minimums['total']}")
    for t, n in minimums["per_type"].items():
        if type_counts[t] < n:
            problems.append(f"coverage: {type_counts[t]} {t} items, need at least {n}")
    for name in seeds:
        if seed_counts[name] < minimums["per_seed"]:
            problems.append(f"coverage: seed {name} used by {seed_counts[name]} items, need at least {minimums['per_seed']}")
    return problems


def read_jsonl(path) -> list[dict]:
    """The JSON objects of a JSONL file (other lines are skipped; validate() reports them)."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(rec, dict):
                out.append(rec)
    return out


def validate_split(dev_path, test_path) -> list[str]:
    """Leakage between the tuning and the reported split: no id and no question (after normalising) in both."""
    dev, test = read_jsonl(dev_path), read_jsonl(test_path)
    problems = []
    dev_ids = {r.get("id") for r in dev}
    for r in test:
        if r.get("id") in dev_ids:
            problems.append(f"split: id {r.get('id')!r} is in both {Path(dev_path).name} and {Path(test_path).name}")
    dev_q = {normalize(str(r.get("question", ""))).lower(): r.get("id") for r in dev}
    for r in test:
        q = normalize(str(r.get("question", ""))).lower()
        if q in dev_q:
            problems.append(f"split: question of {r.get('id')!r} (test) is also {dev_q[q]!r} (dev): {r.get('question')!r}")
    return problems


def summary(gold_path) -> str:
    recs = [json.loads(l) for l in Path(gold_path).read_text(encoding="utf-8").splitlines() if l.strip()]
    out = [f"{len(recs)} items in {gold_path}"]
    for title, key in (("type", "type"), ("lang", "lang"), ("doc", "doc")):
        counts = Counter(r.get(key) if r.get(key) is not None else "(none)" for r in recs)
        width = max(len(str(k)) for k in counts) + 2
        out.append("")
        out.append(f"{title:<{width}}count")
        out.append("-" * (width + 5))
        for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            out.append(f"{str(k):<{width}}{n:>5}")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Validate the gold QA evaluation sets against the seed documents.")
    ap.add_argument("gold", nargs="*", help="gold JSONL file(s) (default: eval/gold_dev.jsonl and eval/gold_test.jsonl, and no leakage between them)")
    ap.add_argument("--seeds", default=None, help="directory with the seed .txt documents (default: seeds/, else ../shared/seeds)")
    ap.add_argument("--profile", choices=sorted(PROFILES), help="coverage minimums to apply (default: from the file name: dev, test, else none)")
    args = ap.parse_args(argv)
    seeds_dir = Path(args.seeds) if args.seeds else default_seeds_dir()
    files = [Path(g) for g in args.gold] or list(DEFAULT_GOLD)
    failed = 0
    for gold in files:
        problems = validate(gold, seeds_dir, args.profile)
        if problems:
            for p in problems:
                print(p)
            print(f"\n{len(problems)} problem(s) found in {gold}", file=sys.stderr)
            failed += 1
            continue
        print(summary(gold))
        print(f"\nOK: {gold} is valid against {seeds_dir}\n")
    if not args.gold:
        problems = validate_split(DEV_GOLD, TEST_GOLD)
        for p in problems:
            print(p)
        if problems:
            print(f"\n{len(problems)} leakage problem(s) between {DEV_GOLD.name} and {TEST_GOLD.name}", file=sys.stderr)
            failed += 1
        else:
            print(f"OK: no id or question is in both {DEV_GOLD.name} and {TEST_GOLD.name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
