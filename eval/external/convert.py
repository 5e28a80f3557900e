#!/usr/bin/env python3
"""Recast the public reading-comprehension sets in ../shared/datasets as document QA in the project's gold schema.

One document per article (its title as a ``#`` heading, then its paragraphs); every
question is asked against the whole indexed set, as a user would ask it. Articles are
split deterministically (SHA-1 of ``set:article id``) into

* ``train`` (55%) and ``dev`` (30%): indexed; their questions are answerable;
* ``heldout`` (15%): **not** indexed; their questions become ``unanswerable`` items
  (half of them in train, half in dev), the case of a question about an article the
  index does not hold (一号风球 when only 九号风球 is indexed).

Writes, per set, ``eval/external/<set>/docs/*.txt`` (train + dev articles), ``train.jsonl``
and ``dev.jsonl``. Re-running gives the same files. The public CMRC 2018 and DRCD *dev*
sets are this project's held-out test and are never read here.

Usage: python eval/external/convert.py [--datasets ../shared/datasets]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SETS = {
    # set name: (file, language, doc-name prefix)
    "cmrc2018": ("cmrc2018_trial.json", "zh-Hans", "cmrc"),
    "drcd": ("drcd_test_subset.json", "zh-Hant", "drcd"),
}
SPLITS = (("heldout", 0.15), ("dev", 0.30), ("train", 0.55))


def _h(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def split_articles(name: str, articles: list[dict]) -> dict[str, str]:
    """article id → split, by the SHA-1 order of ``name:id`` (stable whatever the file order)."""
    order = sorted(articles, key=lambda a: _h(f"{name}:{a['id']}"))
    out, start = {}, 0
    for i, (split, share) in enumerate(SPLITS):
        end = len(order) if i == len(SPLITS) - 1 else start + round(share * len(order))
        for a in order[start:end]:
            out[a["id"]] = split
        start = end
    return out


def doc_name(prefix: str, article_id: str) -> str:
    return f"{prefix}_{re.sub(r'[^0-9A-Za-z_-]', '_', str(article_id))}.txt"


def answer_texts(qa: dict) -> list[str]:
    return list(dict.fromkeys(a["text"].strip() for a in qa.get("answers", []) if a["text"].strip()))


def convert(name: str, src: Path, out_dir: Path) -> dict[str, int]:
    file, lang, prefix = SETS[name]
    data = json.loads(src.read_text(encoding="utf-8"))["data"]
    split = split_articles(name, data)
    docs = out_dir / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    docs.mkdir(parents=True)
    rows: dict[str, list[dict]] = {"train": [], "dev": []}
    for a in data:
        s = split[a["id"]]
        dn = doc_name(prefix, a["id"])
        if s != "heldout":
            body = "\n\n".join(p["context"].strip() for p in a["paragraphs"])
            (docs / dn).write_text(f"# {a['title']}\n\n{body}\n", encoding="utf-8")
        for p in a["paragraphs"]:
            for qa in p["qas"]:
                answers = answer_texts(qa)
                if not answers:
                    continue
                item = {"id": f"{prefix}-{qa['id']}", "question": qa["question"].strip(), "lang": lang, "article": a["title"]}
                if s == "heldout":
                    target = "dev" if int(_h(qa["id"]), 16) % 2 else "train"
                    item.update(answers=[], must_contain=[], doc="", quote="", type="unanswerable", held_out_answers=answers)
                else:
                    target = s
                    item.update(answers=answers, must_contain=[min(answers, key=len)], doc=dn, quote=min(answers, key=len), type="span")
                rows[target].append(item)
    counts = {}
    for s, items in rows.items():
        with open(out_dir / f"{s}.jsonl", "w", encoding="utf-8") as f:
            for it in items:
                f.write(json.dumps(it, ensure_ascii=False) + "\n")
        counts[s] = len(items)
        counts[f"{s}_unanswerable"] = sum(1 for it in items if it["type"] == "unanswerable")
    counts["docs"] = sum(1 for _ in docs.iterdir())
    return counts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets", help="folder holding the SQuAD-format files")
    args = ap.parse_args()
    for name, (file, _, _) in SETS.items():
        src = args.datasets / file
        if not src.exists():
            print(f"{src}: not found (pass --datasets)")
            return 1
        counts = convert(name, src, HERE / name)
        print(f"{name}: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
