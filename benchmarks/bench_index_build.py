"""Index build time of a corpus, this checkout beside another one (e.g. an older commit).

    python benchmarks/bench_index_build.py [--docs seeds] [--against /path/to/old/checkout] [--rounds 3]

Each round builds a fresh index of ``--docs`` into a temporary directory with ``rag index`` run
from each checkout in turn (interleaved, so a busy machine slows both alike), in a new process
with the same interpreter (the other checkout is put first on ``PYTHONPATH``). Prints the median
seconds per build, chunks indexed, and the ratio. Make an older checkout with
``git worktree add /tmp/old <commit>``.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_once(checkout: Path, docs: Path) -> tuple[float, int]:
    """Seconds to index ``docs`` from scratch with the ``rag`` of ``checkout``, and the chunks it made."""
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        env = dict(os.environ, PYTHONPATH=str(checkout), RAG_INDEX_DIR=tmp, RAG_LLM="none")
        code = "import sys; from rag.cli import main; sys.exit(main(sys.argv[1:]))"
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", code, "index", str(docs)], env=env, cwd=tmp,
                              capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"error: rag index from {checkout} failed ({proc.returncode}): {proc.stderr.strip()[-400:]}")
        chunks = 0
        for manifest in Path(tmp).rglob("manifest.json"):
            data = json.loads(manifest.read_text(encoding="utf-8"))
            chunks = max(chunks, int(data.get("chunk_count") or 0))
        return seconds, chunks


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", default=str(ROOT / "seeds"))
    ap.add_argument("--against", help="another checkout to compare with (e.g. an older commit's worktree)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    docs = Path(args.docs).resolve()
    checkouts = {"this checkout": ROOT}
    if args.against:
        checkouts["against"] = Path(args.against).resolve()
    times: dict[str, list[float]] = {k: [] for k in checkouts}
    chunks: dict[str, int] = {}
    for r in range(args.rounds):
        for name, path in checkouts.items():
            s, n = build_once(path, docs)
            times[name].append(s)
            chunks[name] = n
            print(f"round {r + 1}: {name:14s} {s:6.1f} s  {n} chunks", flush=True)
    print(f"\nload average: {os.getloadavg()[0]:.1f}")
    for name in checkouts:
        print(f"{name:14s} median {statistics.median(times[name]):6.1f} s over {args.rounds} builds, {chunks[name]} chunks ({checkouts[name]})")
    if args.against:
        ratio = statistics.median(times["this checkout"]) / statistics.median(times["against"])
        print(f"this / against: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
