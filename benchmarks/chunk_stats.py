"""Chunk count and size distribution per seed, and the time to load and chunk all seeds.

    python benchmarks/chunk_stats.py [PATH...]   (default: seeds/)
"""
from __future__ import annotations

import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(paths: list[str]) -> None:
    from rag.chunking import SectionChunker
    from rag.lexical import tokenize
    from rag.loaders import Loader

    tokenize("预热")  # jieba's dictionary loads once per process; not part of chunking
    t0 = time.perf_counter()
    res = Loader().run(paths or [str(ROOT / "seeds")])
    chunker = SectionChunker()
    chunks = chunker.run(res.documents)
    secs = time.perf_counter() - t0
    by = defaultdict(list)
    for c in chunks:
        by[c.metadata["source"]].append(len(c.page_content))
    print(f"{'file':<28}{'chunks':>7}{'min':>6}{'p25':>6}{'median':>7}{'p75':>6}{'max':>6}{'dups dropped':>14}")
    for src, lens in by.items():
        q = statistics.quantiles(lens, n=4) if len(lens) > 1 else [lens[0]] * 3
        print(f"{src:<28}{len(lens):>7}{min(lens):>6}{int(q[0]):>6}{int(statistics.median(lens)):>7}{int(q[2]):>6}{max(lens):>6}"
              f"{chunker.stats.get(src, {}).get('duplicates_dropped', 0):>14}")
    all_lens = [n for v in by.values() for n in v]
    print(f"{'all':<28}{len(all_lens):>7}{min(all_lens):>6}{'':>6}{int(statistics.median(all_lens)):>7}{'':>6}{max(all_lens):>6}")
    print(f"load + chunk time: {secs * 1000:.0f} ms for {len(res.files)} files; errors: {[str(e) for e in res.errors]}")


if __name__ == "__main__":
    main(sys.argv[1:])
