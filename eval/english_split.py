"""Split the dev split's English questions into a **tune** half and a **held** half, by a stable hash of the id.

    python eval/english_split.py [--out DIR]     # writes DIR/english_tune.jsonl and DIR/english_held.jsonl

English questions over the Chinese seeds are few (~120 in ``eval/gold_dev.jsonl``), and the English steps of
the reader (the focus step, the dictionary) were tuned on all of them, so the dev figure flatters them. Rules
for English questions are to be found on the tune half only; the held half says whether they generalize.
An item goes to the held half when the first byte of the SHA-1 of its id is odd, and always when it is
one of the blind batches' English items (n113–n127 and n148–n197: written from the seed texts, scored
only after they were written), whatever the hash says. Every English item (``lang == "en"``: english, multi_part and
unanswerable) is in exactly one half; the split does not depend on the file's order or on other items.

Example::

    >>> half("n113"), half("n127")
    ('held', 'held')
    >>> sorted({half(f"x{i:03d}") for i in range(20)})
    ['held', 'tune']
    >>> half("q001") == half("q001")
    True
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "eval" / "gold_dev.jsonl"
BLIND = frozenset(f"n{i:03d}" for i in (*range(113, 128), *range(148, 198)))  # the blind batches' English items: always held


def half(item_id: str) -> str:
    """``"held"`` or ``"tune"`` for a dev item id (stable across runs and machines)."""
    if item_id in BLIND:
        return "held"
    return "held" if hashlib.sha1(item_id.encode("utf-8")).digest()[0] % 2 else "tune"


def split(rows: list[dict]) -> dict[str, list[dict]]:
    """The English rows of ``rows`` by half."""
    out: dict[str, list[dict]] = {"tune": [], "held": []}
    for r in rows:
        if r.get("lang") == "en":
            out[half(r["id"])].append(r)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gold", default=str(DEV))
    ap.add_argument("--out", default="/tmp/english_split")
    args = ap.parse_args(argv)
    if "test" in Path(args.gold).name:
        print(f"{args.gold}: the test split is frozen; split dev only", file=sys.stderr)
        return 2
    rows = [json.loads(line) for line in open(args.gold, encoding="utf-8") if line.strip()]
    halves = split(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, items in halves.items():
        with open(out / f"english_{name}.jsonl", "w", encoding="utf-8") as f:
            for r in items:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        by_type: dict[str, int] = {}
        for r in items:
            by_type[r["type"]] = by_type.get(r["type"], 0) + 1
        print(f"{name}: {len(items)} items {dict(sorted(by_type.items()))} -> {out / f'english_{name}.jsonl'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
