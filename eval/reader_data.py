"""Data for training and measuring the reader: gold questions with the passages the retriever returns for them.

The reader is trained on *retrieved* passages (not the gold paragraph), so its rank and score features
look at training time as they do when a user asks. Retrieval is the slow part (an embedder call and a
BM25 search per question), so its results are cached under ``eval/runs/reader_cache/`` (not committed),
one file per index version, keyed by question text;
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


def index_version(index_dir: Path, index_name: str) -> str:
    """The index's current version (its ``CURRENT`` file): a rebuilt index gets a fresh cache."""
    try:
        return (Path(index_dir) / index_name / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return "missing"


class Retrieval:
    """Passages retrieved for questions from one index, cached by question text under ``eval/runs/reader_cache/``.

    The cache file is named by the index name and version, so a rebuilt index (a new chunker, new
    documents) never serves old passages. Gold sets and generated questions share it."""

    def __init__(self, index_dir: Path, index_name: str, docs: Path | None = None):
        self.index_dir, self.index_name, self.docs = Path(index_dir), index_name, docs
        self._retriever = None
        self._cache: dict[str, list[dict]] | None = None

    @property
    def path(self) -> Path:
        return CACHE / f"{self.index_name}.{index_version(self.index_dir, self.index_name)}.k{TOP_K}.jsonl"

    def _load(self) -> dict[str, list[dict]]:
        if self._cache is None:
            self._cache = {}
            if self.path.exists():
                for row in load_jsonl(self.path):
                    self._cache[row["q"]] = row["passages"]
        return self._cache

    def get(self, questions: list[str], desc: str = "retrieve", refresh: bool = False) -> dict[str, list[Passage]]:
        """``question → passages`` for every question (retrieved once, then from the cache)."""
        cache = {} if refresh else self._load()
        todo = list(dict.fromkeys(q for q in questions if q not in cache))
        if todo:
            from tqdm import tqdm

            if self._retriever is None:
                from rag.retrieve import HybridRetriever
                from rag.settings import Settings

                if self.docs is not None:
                    ensure_index(GoldSet(self.index_name, Path(), self.index_name, self.index_dir, self.docs))
                self._retriever = HybridRetriever.from_settings(Settings(index_dir=self.index_dir, index_name=self.index_name), self.index_name)
            path = self.path  # after ensure_index: the version the passages come from
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as f:
                for q in tqdm(todo, desc=desc, unit="q", disable=None):
                    try:
                        ps = self._retriever.search(q, TOP_K)
                    except QueryError:
                        ps = []  # an empty question: nothing to retrieve
                    cache[q] = [p.to_json() for p in ps]
                    f.write(json.dumps({"q": q, "passages": cache[q]}, ensure_ascii=False) + "\n")
            if self._cache is not None and cache is not self._cache:
                self._cache.update(cache)
        return {q: [Passage(**p) for p in cache[q]] for q in questions}


_RETRIEVALS: dict[tuple[str, str], Retrieval] = {}


def retrieval_for(gs: GoldSet) -> Retrieval:
    key = (str(gs.index_dir), gs.index_name)
    if key not in _RETRIEVALS:
        _RETRIEVALS[key] = Retrieval(gs.index_dir, gs.index_name, gs.docs)
    return _RETRIEVALS[key]


def retrieve(gs: GoldSet, refresh: bool = False) -> list[tuple[dict, list[Passage]]]:
    """``(gold item, retrieved passages)`` for every question of ``gs``, from the cache when it is fresh."""
    gold = load_jsonl(gs.gold)
    got = retrieval_for(gs).get([g["question"] for g in gold], desc=f"retrieve {gs.name}", refresh=refresh)
    return [(g, got[g["question"]]) for g in gold]


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
