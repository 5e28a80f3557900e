"""Learn when the offline reader's answer wins over a checked LLM answer (dev data only).

    python benchmarks/llm_path.py --gold eval/gold_dev.jsonl --limit 40 --reader-wins none --out runs/llm_dev
    python eval/tune_llm_policy.py runs/llm_dev [--write]

Reads the per-question outcomes of a dev run of the LLM benchmark (the reader's answer, its calibrated
confidence and correctness; the LLM's own checked answer and its correctness), replays the rule of
:func:`rag.llm_policy.reader_wins` for every candidate threshold (each reader confidence seen, and
"never"), and picks the one with the best dev overall accuracy (answerable answered right, unanswerable
refused), also deciding whether an LLM answer may stand against the reader's refusal; on a tie, the
choice that keeps the LLM's answer most. Prints the dev figures of every
candidate; ``--write`` stores the choice in ``rag/data/llm_policy.json``. A run on the test split is refused.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def replay(outcomes: list[dict], threshold: float | None, over_refusal: bool = True) -> tuple[float, float]:
    """(overall accuracy, share of questions answered by the LLM's own answer) with ``threshold``."""
    from rag.llm_policy import reader_wins
    from rag.types import Answer

    right = used = 0
    for o in outcomes:
        if o["table"] or o["llm"] is None:  # the table answerer, or nothing of the LLM's answer survived
            right += bool(o["reader_correct"])
            continue
        llm = Answer(question="", answer=o["llm"], refused=bool(o["llm_refused"]))
        reader = Answer(question="", answer=o["reader"], refused=bool(o["reader_refused"]), confidence=o["reader_confidence"])
        if reader_wins(llm, reader, threshold, over_refusal):
            right += bool(o["reader_correct"])
        else:
            right += bool(o["llm_correct"])
            used += 1
    n = len(outcomes) or 1
    return right / n, used / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", help="folder written by benchmarks/llm_path.py --out (outcomes.jsonl, metrics.json)")
    ap.add_argument("--write", action="store_true", help="store the threshold in rag/data/llm_policy.json")
    args = ap.parse_args()
    run = Path(args.run)
    meta = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    if "test" in Path(meta["gold"]).name:
        sys.exit(f"{run}: a run on {meta['gold']}; the threshold is learned on dev only (eval/gold_dev.jsonl)")
    outcomes = [json.loads(line) for line in (run / "outcomes.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    confs = sorted({o["reader_confidence"] for o in outcomes if o["reader_confidence"] is not None})
    print(f"{run}: {len(outcomes)} dev questions of {meta['gold']} ({meta['backend']})")
    print(f"{'LLM over reader refusal':>24s} {'reader wins at conf ≥':>22s} {'overall acc':>11s} {'LLM used':>9s}")
    rows = []
    for over in (True, False):
        for t in [None, *confs]:
            acc, used = replay(outcomes, t, over)
            rows.append((over, t, acc, used))
            print(f"{str(over):>24s} {'never' if t is None else f'{t:.4f}':>22s} {acc:>11.3f} {used:>9.3f}")
    reader_only = sum(bool(o["reader_correct"]) for o in outcomes) / (len(outcomes) or 1)
    # the best dev accuracy; on a tie the LLM's answer kept most (more LLM used, then the higher threshold)
    best = max(rows, key=lambda r: (round(r[2], 9), round(r[3], 9), 2.0 if r[1] is None else r[1]))
    print(f"offline reader alone: {reader_only:.3f}")
    print(f"chosen: LLM over reader refusal {best[0]}, reader wins at confidence ≥ {best[1]} → "
          f"dev overall accuracy {best[2]:.3f}, LLM's own answer used {best[3]:.3f}")
    if args.write:
        policy = {
            "reader_wins_confidence": best[1],
            "llm_over_reader_refusal": best[0],
            "learned_by": "eval/tune_llm_policy.py",
            "from": {"gold": meta["gold"], "n": len(outcomes), "limit": meta.get("limit"), "seed": meta.get("seed"),
                     "backend": meta["backend"], "model": meta.get("model")},
            "dev": {"overall_accuracy": round(best[2], 4), "llm_used": round(best[3], 4), "offline_overall_accuracy": round(reader_only, 4)},
        }
        out = ROOT / "rag" / "data" / "llm_policy.json"
        out.write_text(json.dumps(policy, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
