"""Offline reader benchmark: warm ``ask`` latency end to end and the reader's share of it.

    python benchmarks/bench_reader.py [--gold eval/gold_dev.jsonl] [--name default] [--index-dir DIR]

Answers every question of the gold file once through :class:`rag.qa.Assistant` (retrieve + read) on an
existing index (build the seed one with ``rag index seeds/``), after one warm-up question, and prints
p50/p95 of the whole ``ask`` and of the reader alone (``timings["read_ms"]``), then the same for a
second pass (sentence caches warm). On a shared machine, set ``OMP_WAIT_POLICY=passive``: the
embedder's OpenMP threads otherwise spin against other processes' and a 20 ms query embedding takes
seconds.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", default=str(ROOT / "eval" / "gold_dev.jsonl"))
    ap.add_argument("--name", default="default")
    ap.add_argument("--index-dir")
    ap.add_argument("--k", type=int, default=10)
    args = ap.parse_args()

    from rag.qa import Assistant
    from rag.settings import Settings

    s = Settings(index_name=args.name, **({"index_dir": Path(args.index_dir)} if args.index_dir else {}))
    if os.environ.get("OMP_WAIT_POLICY", "").lower() != "passive":
        print("note: OMP_WAIT_POLICY is not 'passive'; on a busy machine the embedder's spinning threads dominate")
    questions = [json.loads(line)["question"] for line in open(args.gold, encoding="utf-8") if line.strip()]
    bot = Assistant(s)
    t0 = time.perf_counter()
    bot.ask("这份报告讲了什么？", k=args.k)
    print(f"index {s.index_path}: first ask (loads the embedder, store and reader model) {time.perf_counter() - t0:.2f} s")
    for label in ("first pass", "second pass"):
        total, read, retrieve = [], [], []
        for q in questions:
            a = bot.ask(q, k=args.k)
            total.append(a.timings["total_ms"])
            read.append(a.timings.get("read_ms", 0.0))
            retrieve.append(a.timings.get("retrieve_ms", 0.0))
        print(f"{label} over {len(questions)} questions: ask p50 {pct(total, 0.5):.1f} ms, p95 {pct(total, 0.95):.1f} ms "
              f"(mean {statistics.mean(total):.1f}); retrieve p50 {pct(retrieve, 0.5):.1f} ms; "
              f"reader p50 {pct(read, 0.5):.1f} ms, p95 {pct(read, 0.95):.1f} ms")


if __name__ == "__main__":
    main()
