#!/usr/bin/env python3
"""Validate the gold evaluation sets (eval/gold_dev.jsonl, eval/gold_test.jsonl) against the seed documents.

Usage:
    python eval/validate_gold.py [GOLD ...] [--seeds DIR] [--profile dev|test|none]

Without GOLD both committed splits are checked, each against its own coverage
minimums, and the two are checked for leakage: an id in both, a question in both
(after normalising script, width and white space), a near-duplicate question
(``near_duplicate``: character 4-grams, or the bag of content bigrams / words, which
catches reordered and reworded questions), and a dev item asking a test item's fact
(``fact_sites``: the same must_contain figure at the same place in the same seed).
The profile of a file is inferred from its name (``*dev*`` / ``*test*``) unless
``--profile`` is given; ``none`` checks the items only.  DIR defaults to
``seeds/`` in the repository root (the parent of eval/), falling back to
``../shared/seeds`` relative to the repository root.

Importable API:
    validate(gold_path, seeds_dir, profile=None) -> list[str]   # empty list when valid
    validate_split(dev_path, test_path, seeds_dir=None) -> list[str]  # leakage between the splits
    near_duplicate(question_a, question_b) -> str | None        # why two questions are near-duplicates
    fact_sites(record, seeds) -> set                            # where the item's figures stand in its seeds

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
OPTIONAL_KEYS = ("quote2", "doc2", "note")  # note: where the supporting sentence stands (free text)
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

    records = jsonl_records(gold_path, problems)

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


def jsonl_records(path, problems: list[str] | None = None) -> list[tuple[int, dict]]:
    """``(line number, object)`` for each JSON object line of a JSONL file; every other line (empty,
    invalid JSON, not an object) is skipped and, when ``problems`` is given, reported there."""
    out, problems = [], problems if problems is not None else []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
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
        out.append((lineno, rec))
    return out


def read_jsonl(path) -> list[dict]:
    """The JSON objects of a JSONL file (other lines are skipped; validate() reports them)."""
    return [rec for _, rec in jsonl_records(path)]


# ---- leakage between splits
# Two questions are near-duplicates when their character 4-grams mostly coincide (Jaccard >= NEAR_DUP_NGRAM)
# or when their content, with question words and particles left out and order ignored, mostly coincides
# (Jaccard of CJK/digit bigrams and English content words >= NEAR_DUP_BAG): the second catches
# "稻城县2014年审定了几个贫困村？" ~ "稻城县2014年审定贫困村多少个？" and reordered questions, which share
# few 4-grams. Both are computed after normalize() (t2s, NFKC, no white space), lower case, no punctuation.
NEAR_DUP_NGRAM = 0.6
NEAR_DUP_BAG = 0.7
_STOP_CHARS = frozenset("的了吗呢是多少几个哪什么怎样为有")
_STOP_WORDS = frozenset("""a an the how what which who whom when where why many much is are was were be been do does did
    has have had it its in of on to for and or by with from at as that this these those there their any""".split())
_PUNCT = re.compile(r"[^\w]")


def question_key(question: str) -> str:
    """The question as compared for leakage: normalize(), lower case, punctuation removed."""
    return _PUNCT.sub("", normalize(question).lower())


def char_ngrams(text: str, n: int = 4) -> set[str]:
    """Character n-grams of ``text`` (the whole text when it is shorter than n)."""
    return {text[i:i + n] for i in range(max(1, len(text) - n + 1))} if text else set()


def content_bag(question: str) -> set[str]:
    """Order-free content of a question: bigrams of its CJK and digit characters without question words
    and particles, plus its English words without stop words."""
    words = {w for w in re.findall(r"[a-z]{2,}", unicodedata.normalize("NFKC", question).lower()) if w not in _STOP_WORDS}
    cjk = "".join(c for c in re.sub(r"[^\u3400-\u9fff0-9]", "", normalize(question)) if c not in _STOP_CHARS)
    return words | char_ngrams(cjk, 2)


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def near_duplicate(a: str, b: str) -> str | None:
    """Why questions ``a`` and ``b`` are near-duplicates (a short reason with the score), or None.

    >>> near_duplicate("稻城县2014年审定贫困村多少个？", "稻城縣2014年審定了幾個貧困村?")
    'content 1.00'
    >>> near_duplicate("稻城县2014年审定贫困村多少个？", "昌都市贫困村退出了多少个？") is None
    True
    """
    ka, kb = question_key(a), question_key(b)
    if ka == kb:
        return "same question"
    ng = _jaccard(char_ngrams(ka), char_ngrams(kb))
    if ng >= NEAR_DUP_NGRAM:
        return f"4-grams {ng:.2f}"
    bag = _jaccard(content_bag(a), content_bag(b))
    if bag >= NEAR_DUP_BAG:
        return f"content {bag:.2f}"
    return None


def fact_sites(rec: dict, seeds: dict[str, str], width: int = 8) -> set[tuple[str, str, str]]:
    """Where an answerable item's figures stand: ``(doc, token, context)`` for every must_contain token inside
    each of its quotes, the context being ``width`` characters of the normalised seed either side. Two items
    with a common site ask the same fact, however their questions are worded (a passage the seed repeats
    gives the same context, so its copies count as one place).
    """
    sites = set()
    for q, d in ((rec.get("quote"), rec.get("doc")), (rec.get("quote2"), rec.get("doc2"))):
        if not (isinstance(q, str) and isinstance(d, str) and d in seeds):
            continue
        text, nq = _normalized_seed(seeds, d), normalize(q)
        if not nq:
            continue
        start = text.find(nq)
        while start >= 0:
            for tok in rec.get("must_contain") or []:
                nt = normalize(tok) if isinstance(tok, str) else ""
                i = nq.find(nt) if nt else -1
                while i >= 0:
                    p = start + i
                    sites.add((d, nt, text[max(0, p - width):p + len(nt) + width]))
                    i = nq.find(nt, i + 1)
            start = text.find(nq, start + 1)
    return sites


_NORM_SEEDS: dict[tuple[int, str], str] = {}


def _normalized_seed(seeds: dict[str, str], name: str) -> str:
    key = (id(seeds), name)
    if key not in _NORM_SEEDS:
        _NORM_SEEDS[key] = normalize(seeds[name])
    return _NORM_SEEDS[key]


def validate_split(dev_path, test_path, seeds_dir=None) -> list[str]:
    """Leakage between the tuning and the reported split: an id in both, a question in both or a near-duplicate
    of one (``near_duplicate``), and a dev item that asks a test item's fact (``fact_sites``)."""
    dev, test = read_jsonl(dev_path), read_jsonl(test_path)
    dn, tn = Path(dev_path).name, Path(test_path).name
    seeds_dir = Path(seeds_dir) if seeds_dir else default_seeds_dir()
    seeds = {p.name: p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))}
    problems = []
    dev_ids = {r.get("id") for r in dev}
    for r in test:
        if r.get("id") in dev_ids:
            problems.append(f"split: id {r.get('id')!r} is in both {dn} and {tn}")
    dev_sites = [(r, fact_sites(r, seeds)) for r in dev if r.get("doc")]
    for t in test:
        tq = str(t.get("question", ""))
        for d in dev:
            dq = str(d.get("question", ""))
            why = near_duplicate(tq, dq)
            # the message quotes the dev question only: whoever writes dev questions never reads a test one
            if why == "same question":
                problems.append(f"split: {d.get('id')!r} (dev) is the question of {t.get('id')!r} (test): {dq!r}")
            elif why:
                problems.append(f"split: {d.get('id')!r} (dev) is a near-duplicate of {t.get('id')!r} (test), {why}: {dq!r}")
        if t.get("doc"):
            ts = fact_sites(t, seeds)
            for d, ds in dev_sites:
                common = ts & ds
                if common:
                    doc, tok, _ = sorted(common)[0]
                    problems.append(f"split: {d.get('id')!r} (dev) asks the fact of {t.get('id')!r} (test): "
                                    f"{tok!r} at the same place in {doc}")
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
        problems = validate_split(DEV_GOLD, TEST_GOLD, seeds_dir)
        for p in problems:
            print(p)
        if problems:
            print(f"\n{len(problems)} leakage problem(s) between {DEV_GOLD.name} and {TEST_GOLD.name}", file=sys.stderr)
            failed += 1
        else:
            print(f"OK: no id or question is in both {DEV_GOLD.name} and {TEST_GOLD.name}, no near-duplicate question, no test fact asked in dev")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
