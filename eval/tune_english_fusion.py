"""Learn how much the BM25 leg counts for English questions (dev data only), in about a minute.

    python eval/tune_english_fusion.py [--write] [--index-dir index --name default]

An English question reaches Chinese text through the multilingual dense leg and through BM25 over its
terms translated by the glossary and the index's own place names (:mod:`rag.crosslingual`). The
translated terms are few and precise; reciprocal rank fusion with weight 1 lets the dense leg, which
reads English across languages loosely, bury the chunk they find. This script asks every answerable
English question of the dev split (``eval/gold_dev.jsonl``, over the seed index) with each weight of a
grid and prints recall@5 and MRR@10 per weight; the weight kept is the smallest within 0.01 of the best
recall@5 (a larger one trusts the translation more than dev shows it needs). Chinese questions are not
affected (their BM25 weight stays ``Settings.bm25_weight``). ``--write`` stores the weight, with its
dev figures, in ``rag/data/english_fusion.json``, which :func:`rag.retrieve.learned_english_bm25_weight`
reads. A gold file of the test split is refused.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.evaluate import answerable, first_hit_rank, load_gold  # noqa: E402
from rag.retrieve import HybridRetriever  # noqa: E402
from rag.settings import defaults  # noqa: E402

GRID = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0)
OUT = ROOT / "rag" / "data" / "english_fusion.json"


def score(retriever: HybridRetriever, gold: list[dict], weight: float) -> dict:
    """recall@5 and MRR@10 of the English questions with BM25 weight ``weight``."""
    retriever.english_bm25_weight = weight
    ranks = []
    for g in gold:
        passages = retriever.search(g["question"], k=10)
        ranks.append(first_hit_rank(g, {"retrieved": [p.to_json() for p in passages]}))
    n = len(ranks) or 1
    return {"recall@5": round(sum(1 for r in ranks if r and r <= 5) / n, 4),
            "mrr@10": round(sum(1 / r for r in ranks if r) / n, 4)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gold", default=str(ROOT / "eval" / "gold_dev.jsonl"))
    ap.add_argument("--index-dir", default=None)
    ap.add_argument("--name", default=None)
    ap.add_argument("--write", action="store_true", help=f"store the weight in {OUT.relative_to(ROOT)}")
    args = ap.parse_args(argv)
    if "test" in Path(args.gold).name:
        print(f"error: {args.gold}: tune on the dev split, never on the test split", file=sys.stderr)
        return 2
    s = defaults()
    if args.index_dir or args.name:
        s = s.model_copy(update={k: v for k, v in (("index_dir", args.index_dir), ("index_name", args.name)) if v})
    gold = [g for g in load_gold(args.gold) if g.get("lang") == "en" and answerable(g)]
    retriever = HybridRetriever.from_settings(s)
    t0 = time.perf_counter()
    table = {w: score(retriever, gold, w) for w in GRID}
    best = max(m["recall@5"] for m in table.values())
    chosen = min(w for w, m in table.items() if m["recall@5"] >= best - 0.01)
    print(f"{len(gold)} answerable English dev questions, {time.perf_counter() - t0:.0f} s")
    print("| BM25 weight (English) | recall@5 | MRR@10 |\n|---:|---:|---:|")
    for w, m in table.items():
        print(f"| {w:g}{' (kept)' if w == chosen else ''} | {m['recall@5']:.3f} | {m['mrr@10']:.3f} |")
    if args.write:
        OUT.write_text(json.dumps({
            "bm25_weight_en": chosen,
            "learned_by": "eval/tune_english_fusion.py",
            "from": {"gold": Path(args.gold).name, "n": len(gold), "rule": "smallest weight within 0.01 of the best recall@5"},
            "dev": {f"{w:g}": m for w, m in table.items()},
        }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)}: bm25_weight_en = {chosen:g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
