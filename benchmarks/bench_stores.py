"""FAISS store vs Milvus Lite store on the same index: retrieval parity and search latency.

    python benchmarks/bench_stores.py [--gold eval/gold_dev.jsonl] [--index-dir DIR --name NAME]

Indexes the seeds into a temporary FAISS index (or uses ``--index-dir/--name``), writes the
same records and vectors into a Milvus Lite file, then runs every answerable question of the
gold file through both hybrid retrievers (each question embedded once, for both) and prints
the mean top-5 overlap, the quote hit@5 of each store and the mean search time of each.
tests/stores/test_milvus.py asserts the same figures on half of the dev set.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(ROOT / "eval" / "gold_dev.jsonl"), help="gold JSONL (items with doc and quote are used)")
    ap.add_argument("--index-dir", help="an existing FAISS index directory (default: index the seeds into a temporary one)")
    ap.add_argument("--name", default="seeds", help="the index name under --index-dir")
    args = ap.parse_args()

    from rag.embeddings import BaseEmbedder, get_embedder
    from rag.indexer import Indexer
    from rag.normalize import match_key
    from rag.retrieve import HybridRetriever, clean_query
    from rag.settings import Settings
    from rag.stores.faiss import FaissStore
    from rag.stores.milvus import MilvusStore

    tmp = Path(tempfile.mkdtemp(prefix="rag-bench-stores-"))
    try:
        if args.index_dir:
            fs = Settings(index_dir=Path(args.index_dir), index_name=args.name)
        else:
            fs = Settings(index_dir=tmp / "index", index_name=args.name)
            t0 = time.perf_counter()
            rep = Indexer(args.name, settings=fs, progress=True).run([ROOT / "seeds"])
            print(f"FAISS index of the seeds: {rep.chunks} chunks in {time.perf_counter() - t0:.1f} s")
        f = FaissStore.open(fs, args.name, for_update=True)
        ms = Settings(index_dir=tmp / "index", index_name=args.name, store="milvus", milvus_uri=str(tmp / "milvus.db"))
        t0 = time.perf_counter()
        MilvusStore.write(ms, args.name, [dict(r) for r in f.records()], f.vectors, dict(f.manifest))
        print(f"Milvus Lite write of {f.count} chunks: {time.perf_counter() - t0:.1f} s")

        class Once(BaseEmbedder):
            def __init__(self, inner):
                self.inner, self.id, self.dim, self.q = inner, inner.id, inner.dim, {}

            def encode_passages(self, texts):
                return self.inner.encode_passages(texts)

            def encode_query(self, text):
                if text not in self.q:
                    self.q[text] = self.inner.encode_query(text)
                return self.q[text]

        emb = Once(get_embedder(fs.embedder))
        fret = HybridRetriever.from_settings(fs, embedder=emb)
        mret = HybridRetriever.from_settings(ms, embedder=emb)
        gold = [g for g in map(json.loads, Path(args.gold).read_text(encoding="utf-8").splitlines()) if g.get("doc") and g.get("quote")]
        for g in gold:
            emb.encode_query(clean_query(g["question"], fs.max_question_chars)[0])

        def hit(ps, g) -> bool:
            q = match_key(g["quote"])
            return any(p.doc == g["doc"] and q in match_key(p.text) for p in ps)

        overlaps, fh, mh, f_ms, m_ms = [], 0, 0, [], []
        for g in gold:
            t0 = time.perf_counter()
            fp = fret.search(g["question"], k=5)
            t1 = time.perf_counter()
            mp = mret.search(g["question"], k=5)
            t2 = time.perf_counter()
            f_ms.append((t1 - t0) * 1000)
            m_ms.append((t2 - t1) * 1000)
            overlaps.append(len({p.chunk_id for p in fp} & {p.chunk_id for p in mp}) / 5)
            fh += hit(fp, g)
            mh += hit(mp, g)
        n = len(gold)
        print(f"{n} answerable questions of {Path(args.gold).name}")
        print(f"mean top-5 overlap FAISS/Milvus: {sum(overlaps) / n:.3f} ({sum(o == 1.0 for o in overlaps)} identical sets)")
        print(f"quote hit@5: FAISS {fh / n:.3f}, Milvus {mh / n:.3f}")
        print(f"mean search (question embedded beforehand): FAISS {sum(f_ms) / n:.1f} ms, Milvus Lite {sum(m_ms) / n:.1f} ms")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
