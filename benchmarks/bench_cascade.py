"""What the reader's two-stage scoring (``ReaderModel.score``) changes and saves.

    python benchmarks/bench_cascade.py [--gold eval/gold_dev.jsonl] [--name default] [--index-dir DIR] [--limit N]

Asks every question of the gold file through :class:`rag.qa.Assistant` on an existing index, keeps the
candidate feature matrices the reader scores, then scores each matrix twice: by the whole ensemble
(``full_score``) and in two stages (``score``: the first ``CASCADE_TREES`` trees of one ranker pre-rank,
the best ``CASCADE_KEEP`` are scored by the ensemble). Prints how often the ensemble's best candidate
(and its top 10) survive the pre-ranking, how far the answer's softmax share moves, and the time per
matrix of both. Set ``OMP_WAIT_POLICY=passive`` on a shared machine.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _share(sc: np.ndarray) -> float:
    z = np.exp(sc - sc.max())
    return float(z.max() / z.sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", default=str(ROOT / "eval" / "gold_dev.jsonl"))
    ap.add_argument("--name", default="default")
    ap.add_argument("--index-dir")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()

    from rag.qa import Assistant
    from rag.reader import model as M
    from rag.settings import Settings

    s = Settings(index_name=args.name, **({"index_dir": Path(args.index_dir)} if args.index_dir else {}))
    questions = [json.loads(line)["question"] for line in open(args.gold, encoding="utf-8") if line.strip()]
    if args.limit:
        questions = questions[: args.limit]
    mats: list[np.ndarray] = []
    real = M.ReaderModel.score

    def keep(self, X):  # noqa: ANN001 - the method's own signature
        mats.append(np.array(X))
        return real(self, X)

    M.ReaderModel.score = keep
    bot = Assistant(s)
    for q in questions:
        bot.ask(q)
    M.ReaderModel.score = real
    model = M.load_model()
    long_ = [X for X in mats if len(X) > M.CASCADE_KEEP]
    t_full, t_casc, top1, top10, dshare = [], [], 0, 0, []
    for X in long_:
        t0 = time.perf_counter()
        full = model.full_score(X)
        t1 = time.perf_counter()
        casc = model.score(X)
        t2 = time.perf_counter()
        t_full.append((t1 - t0) * 1000)
        t_casc.append((t2 - t1) * 1000)
        best_f, best_c = np.argsort(-full, kind="stable"), np.argsort(-casc, kind="stable")
        top1 += int(best_f[0] == best_c[0])
        top10 += int(set(best_f[:10]) == set(best_c[:10]))
        dshare.append(abs(_share(full) - _share(casc)))
    n = len(long_)
    print(f"{len(questions)} questions, {len(mats)} candidate lists, {n} longer than CASCADE_KEEP={M.CASCADE_KEEP} "
          f"(median {int(np.median([len(X) for X in mats])) if mats else 0} candidates); pre-ranking trees {M.CASCADE_TREES}")
    if not n:
        return
    print(f"ensemble's best kept first: {top1}/{n}; same top 10: {top10}/{n}; "
          f"answer's softmax share moved by mean {statistics.mean(dshare):.5f}, max {max(dshare):.5f}")
    print(f"scoring per list: whole ensemble p50 {np.median(t_full):.1f} ms (mean {statistics.mean(t_full):.1f}), "
          f"two stages p50 {np.median(t_casc):.1f} ms (mean {statistics.mean(t_casc):.1f})")


if __name__ == "__main__":
    main()
