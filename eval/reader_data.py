"""Data for training and measuring the reader: gold questions with the passages the retriever returns for them.

The reader is trained on *retrieved* passages (not the gold paragraph), so its rank and score features
look at training time as they do when a user asks. Retrieval is the slow part (an embedder call and a
BM25 search per question), so its results are cached under ``eval/runs/reader_cache/`` (not committed);
a missing cache file is rebuilt, and a missing index is built from the set's ``docs/``.

    python eval/reader_data.py            # fill the cache for every set (used by eval/train_reader.py)
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.types import Passage, QueryError  # noqa: E402

log = logging.getLogger("reader_data")

CACHE = ROOT / "eval" / "runs" / "reader_cache"
EXTERNAL = ROOT / "eval" / "external"
TOP_K = 10


@dataclass
class GoldSet:
    """One gold file asked against one index."""

    name: str  # e.g. "cmrc2018-train"
    gold: Path
    index_name: str
    index_dir: Path
    docs: Path  # what the index is built from

    def cache_path(self) -> Path:
        return CACHE / f"{self.name}.k{TOP_K}.jsonl"


def gold_sets(index_dir: Path | None = None, seed_index_dir: Path | None = None) -> dict[str, GoldSet]:
    """The sets the reader learns from and is measured on.

    External sets are asked against ``<index_dir>/ext-<set>`` (``RAG_EXT_INDEX_DIR``, default
    ``index/`` of this checkout); the seed dev split against the seed index (``RAG_INDEX_DIR``/default).
    """
    ext_dir = Path(index_dir or os.environ.get("RAG_EXT_INDEX_DIR") or ROOT / "index")
    seed_dir = Path(seed_index_dir or os.environ.get("RAG_INDEX_DIR") or ROOT / "index")
    out = {}
    for s in ("cmrc2018", "drcd"):
        for split in ("train", "dev"):
            out[f"{s}-{split}"] = GoldSet(f"{s}-{split}", EXTERNAL / s / f"{split}.jsonl", f"ext-{s}", ext_dir, EXTERNAL / s / "docs")
    out["seeds-dev"] = GoldSet("seeds-dev", ROOT / "eval" / "gold_dev.jsonl", "default", seed_dir, ROOT / "seeds")
    return out


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ensure_index(gs: GoldSet) -> None:
    """Build the set's index when it is missing (a few minutes for a few hundred articles)."""
    from rag.settings import Settings

    s = Settings(index_dir=gs.index_dir, index_name=gs.index_name)
    if (s.index_path / "CURRENT").exists():
        return
    from rag.indexer import Indexer

    log.warning("index %s missing under %s: building it from %s", gs.index_name, gs.index_dir, gs.docs)
    rep = Indexer(gs.index_name, settings=s).run([gs.docs])
    if rep.errors:
        raise SystemExit(f"{gs.docs}: {len(rep.errors)} files failed to load: {rep.errors[0]}")


def retrieve(gs: GoldSet, refresh: bool = False) -> list[tuple[dict, list[Passage]]]:
    """``(gold item, retrieved passages)`` for every question of ``gs``, from the cache when it is fresh."""
    gold = load_jsonl(gs.gold)
    path = gs.cache_path()
    cached: dict[str, list[dict]] = {}
    if path.exists() and not refresh:
        for row in load_jsonl(path):
            cached[row["id"]] = row["passages"]
    todo = [g for g in gold if g["id"] not in cached]
    if todo:
        from tqdm import tqdm

        from rag.retrieve import HybridRetriever
        from rag.settings import Settings

        ensure_index(gs)
        s = Settings(index_dir=gs.index_dir, index_name=gs.index_name)
        r = HybridRetriever.from_settings(s, gs.index_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            for g in tqdm(todo, desc=f"retrieve {gs.name}", unit="q", disable=None):
                try:
                    ps = r.search(g["question"], TOP_K)
                except QueryError:
                    ps = []  # an empty question: nothing to retrieve
                cached[g["id"]] = [p.to_json() for p in ps]
                f.write(json.dumps({"id": g["id"], "passages": cached[g["id"]]}, ensure_ascii=False) + "\n")
    return [(g, [Passage(**p) for p in cached[g["id"]]]) for g in gold]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="*", help="set names (default: all)")
    ap.add_argument("--refresh", action="store_true", help="ignore the cache")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sets = gold_sets()
    for name in args.sets or list(sets):
        rows = retrieve(sets[name], refresh=args.refresh)
        print(f"{name}: {len(rows)} questions")


if __name__ == "__main__":
    main()
