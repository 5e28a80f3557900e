"""Memory, build time and search latency of the Milvus store on a synthetic corpus.

Builds N synthetic chunks (default 100,000) from recombined seed sentences,
with dense vectors made from the seed chunks' real vectors plus noise
(normalised), so nothing is embedded per chunk, and writes them into Milvus
in batches through ``rag.stores.milvus.MilvusWriter`` (the code path
``Indexer`` uses). Then it opens the index as the retriever would and times
dense and BM25 searches.

Usage::

    .venv/bin/python benchmarks/milvus_memory.py                 # 100k chunks into a temporary Milvus Lite file
    .venv/bin/python benchmarks/milvus_memory.py --n 20000 --queries 100
    .venv/bin/python benchmarks/milvus_memory.py --uri http://127.0.0.1:19530 --n 100000

Seed vectors come from an existing FAISS index of the seeds (``--faiss``,
default ``index/<RAG_INDEX_NAME>``) or, when there is none, from embedding
the ~110 seed chunks once (~20 s); ``--random-vectors`` skips even that.

Peak RSS is sampled every 100 ms from /proc (psutil, if installed, also adds
child processes) and cross-checked with getrusage (self and children).
Milvus Lite 3.x runs inside this process (a gRPC server on threads), so
"self" is where its memory shows; with a server URI only the client is measured.

Measured on a 2-vCPU machine (shared, busy) with milvus-lite 3.2.2 and
pymilvus 3.0.2, 100,000 chunks of 384-d vectors: build 236 s (425 chunks/s),
RSS 157 MB before Milvus, 2.1 GB after the build, peak 3.4 GB while building
(segment compaction) and 4.2 GB while searching, 565 MB on disk; first
search 20 s (per-segment BM25 indexes are built in memory then), dense p50
133 ms / p95 207 ms, BM25 p50 485 ms / p95 951 ms at k=50. At 20,000 chunks:
peak 1.2 GB, dense p50 11 ms, BM25 p50 47 ms. Milvus Lite 3 is pure Python;
past a few tens of thousands of chunks use a Milvus server.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.chunking import SectionChunker  # noqa: E402
from rag.lexical import tokenize  # noqa: E402
from rag.loaders import load_file  # noqa: E402
from rag.normalize import split_sentences  # noqa: E402
from rag.records import embed_key, record_from_chunk  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.stores.faiss import FaissStore  # noqa: E402
from rag.stores.milvus import (  # noqa: E402
    FORMAT_VERSION,
    MilvusStore,
    MilvusWriter,
    connect,
    resolve_uri,
)

MB = 1024 * 1024


# ---------------------------------------------------------------- memory


def rss_bytes() -> int:
    """Resident set size of this process plus its children (children only through psutil)."""
    try:
        import psutil

        p = psutil.Process()
        total = p.memory_info().rss
        for c in p.children(recursive=True):
            try:
                total += c.memory_info().rss
            except psutil.Error:
                pass
        return total
    except ImportError:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    return 0


class PeakRSS:
    """Samples RSS on a thread; ``peak`` since the last ``reset``."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_bytes())

    def reset(self) -> None:
        self.peak = rss_bytes()

    def stop(self) -> int:
        self._stop.set()
        self._t.join()
        return self.peak


def rusage_peaks() -> tuple[float, float]:
    """(self, children) peak RSS in MB from getrusage (ru_maxrss is in KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def dir_size(path: Path) -> int:
    if not path.exists():
        return 0
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# ---------------------------------------------------------------- synthetic corpus


def seed_material(settings: Settings, faiss_root: Path | None, random_vectors: bool, rng: np.random.Generator):
    """Seed sentences (text, tokens), sections, and seed-chunk vectors."""
    records: list[dict] = []
    vectors = None
    if faiss_root is not None and FaissStore.exists(faiss_root):
        store = FaissStore.load(faiss_root)
        records, vectors = store.records(), store.vectors
        print(f"seed vectors: {len(records)} chunks from the FAISS index at {faiss_root}")
    else:
        chunker = SectionChunker()
        for p in sorted((ROOT / "seeds").glob("*.txt")):
            records.extend(record_from_chunk(c) for c in chunker.run(load_file(p)))
        if random_vectors:
            vectors = rng.standard_normal((len(records), 384)).astype(np.float32)
            print(f"seed vectors: {len(records)} random 384-d vectors (--random-vectors)")
        else:
            from rag.embeddings import get_embedder
            from rag.records import embed_text

            t0 = time.perf_counter()
            emb = get_embedder(settings.embedder)
            vectors = emb.encode_passages([embed_text(r) for r in records])
            print(f"seed vectors: embedded {len(records)} seed chunks in {time.perf_counter() - t0:.1f}s")
    vectors = np.asarray(vectors, dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    sentences: list[tuple[str, list[str]]] = []
    seen = set()
    for r in records:
        t = r["text"]
        for i, j in split_sentences(t):
            s = t[i:j].strip()
            if len(s) >= 6 and s not in seen:
                seen.add(s)
                sentences.append((s, tokenize(s)))
    sections = sorted({r.get("section") or "" for r in records})
    return sentences, sections, vectors


def synthetic_batch(start: int, count: int, sentences, sections, seed_vecs: np.ndarray, rng: np.random.Generator, noise: float):
    recs, df = [], Counter()
    for i in range(start, start + count):
        picks = [sentences[k] for k in rng.integers(0, len(sentences), size=int(rng.integers(3, 9)))]
        text = "".join(s for s, _ in picks)
        section = sections[int(rng.integers(0, len(sections)))]
        doc = i // 100
        rec = {
            "chunk_id": f"syn{i:09d}",
            "text": text,
            "source": f"synthetic_{doc:06d}.txt",
            "path": f"/synthetic/synthetic_{doc:06d}.txt",
            "title": f"synthetic {doc}",
            "section": section,
            "headings": [section],
            "start": (i % 100) * 600,
            "end": (i % 100) * 600 + len(text),
            "page": None,
            "script": "zh-Hans",
            "sha256": hashlib.sha256(str(doc).encode()).hexdigest(),
            "ordinal": i % 100,
        }
        # the section's tokens are cheap to approximate; the sentences' tokens were computed once
        rec["tokens"] = [t for _, toks in picks for t in toks]
        rec["embed_key"] = embed_key(rec)
        df.update(set(rec["tokens"]))
        recs.append(rec)
    base = seed_vecs[rng.integers(0, len(seed_vecs), size=count)]
    vecs = base + noise * rng.standard_normal(base.shape).astype(np.float32) / np.sqrt(base.shape[1])
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return recs, vecs.astype(np.float32), df


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(q / 100 * (len(xs) - 1)))))]


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="synthetic chunks to index (default 100000)")
    ap.add_argument("--batch", type=int, default=2000, help="chunks per insert batch")
    ap.add_argument("--uri", default="", help="RAG_MILVUS_URI: a .db path (Milvus Lite) or http://host:19530; default: a temporary .db")
    ap.add_argument("--name", default="bench_synthetic", help="index name (collection rag_<name>; dropped first)")
    ap.add_argument("--queries", type=int, default=200, help="searches per leg for the latency figures")
    ap.add_argument("--k", type=int, default=50, help="candidates per search (the retriever's default)")
    ap.add_argument("--noise", type=float, default=0.5, help="noise added to the seed vectors (relative to unit length)")
    ap.add_argument("--faiss", default="", help="FAISS index of the seeds to take vectors from (default index/<RAG_INDEX_NAME>)")
    ap.add_argument("--random-vectors", action="store_true", help="no FAISS index: use random seed vectors instead of embedding the seeds")
    ap.add_argument("--keep", action="store_true", help="keep the temporary Milvus Lite file")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="also print the results as one JSON line")
    args = ap.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    random.seed(args.seed)
    base_settings = Settings()
    tmp = None
    uri = args.uri
    if not uri:
        tmp = Path(tempfile.mkdtemp(prefix="rag-milvus-bench-"))
        uri = str(tmp / "bench.db")
    settings = Settings(store="milvus", milvus_uri=uri, index_name=args.name)
    uri = resolve_uri(settings)
    faiss_root = Path(args.faiss) if args.faiss else base_settings.index_path

    sentences, sections, seed_vecs = seed_material(base_settings, faiss_root, args.random_vectors, rng)
    print(f"material: {len(sentences)} seed sentences, {len(sections)} sections, {seed_vecs.shape[0]} seed vectors of dim {seed_vecs.shape[1]}")

    mem = PeakRSS()
    rss0 = rss_bytes()
    t_conn = time.perf_counter()
    w = MilvusWriter(connect(uri), args.name, uri)
    w.drop()
    w.create(seed_vecs.shape[1])
    t_conn = time.perf_counter() - t_conn
    rss_started = rss_bytes()
    print(f"Milvus at {uri}: connected and created collections in {t_conn:.2f}s; RSS {rss0 / MB:.0f} MB before, {rss_started / MB:.0f} MB after")

    df: Counter = Counter()
    t0 = time.perf_counter()
    gen_s = 0.0
    done = 0
    last_report = t0
    while done < args.n:
        count = min(args.batch, args.n - done)
        tg = time.perf_counter()
        recs, vecs, bdf = synthetic_batch(done, count, sentences, sections, seed_vecs, rng, args.noise)
        gen_s += time.perf_counter() - tg
        df.update(bdf)
        w.add(recs, vecs)
        done += count
        if time.perf_counter() - last_report > 10 or done == args.n:
            last_report = time.perf_counter()
            el = last_report - t0
            print(f"  {done:>8,} chunks  {el:7.1f}s  {done / max(el, 1e-9):7.0f} chunks/s  RSS {rss_bytes() / MB:6.0f} MB  peak {mem.peak / MB:6.0f} MB", flush=True)
    n_docs = (args.n + 99) // 100
    files = {f"/synthetic/synthetic_{d:06d}.txt": {"source": f"synthetic_{d:06d}.txt", "sha256": hashlib.sha256(str(d).encode()).hexdigest(), "chunks": min(100, args.n - d * 100)} for d in range(n_docs)}
    w.write_file_rows(files)
    w.write_vocab(df)
    w.write_meta(
        {
            "format_version": FORMAT_VERSION,
            "name": args.name,
            "embedder": "synthetic:seed-vectors+noise",
            "dim": int(seed_vecs.shape[1]),
            "chunk_count": args.n,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "pending": [],
            "generation": f"g-bench-{int(time.time())}",
        }
    )
    t_flush = time.perf_counter()
    w.flush()
    t_flush = time.perf_counter() - t_flush
    build_s = time.perf_counter() - t0
    build_peak = mem.peak
    rss_built = rss_bytes()
    print(f"built {args.n:,} chunks in {build_s:.1f}s ({args.n / build_s:.0f} chunks/s; synthetic data {gen_s:.1f}s of it, final flush {t_flush:.1f}s); vocabulary {len(df):,} tokens")

    # ------------------------------------------------------------ search
    mem.reset()
    t_open = time.perf_counter()
    store = MilvusStore.open(settings, args.name)
    t_open = time.perf_counter() - t_open
    assert store.count == args.n, (store.count, args.n)
    q_texts = []
    for _ in range(args.queries):
        s, _ = sentences[int(rng.integers(0, len(sentences)))]
        q_texts.append(s[: int(rng.integers(8, 30))])
    q_vecs = seed_vecs[rng.integers(0, len(seed_vecs), size=args.queries)] + 0.3 * rng.standard_normal((args.queries, seed_vecs.shape[1])).astype(np.float32) / np.sqrt(seed_vecs.shape[1])
    q_vecs /= np.linalg.norm(q_vecs, axis=1, keepdims=True)
    # warm-up: the first searches build/load per-segment indexes
    t_warm = time.perf_counter()
    store.dense_search(q_vecs[0], args.k)
    store.lexical_search(q_texts[0], args.k)
    t_warm = time.perf_counter() - t_warm
    dense_ms, lex_ms, empty = [], [], 0
    for qv, qt in zip(q_vecs, q_texts):
        t = time.perf_counter()
        store.dense_search(qv, args.k)
        dense_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        hits = store.lexical_search(qt, args.k)
        lex_ms.append((time.perf_counter() - t) * 1000)
        empty += not hits
    t_idf = time.perf_counter()
    store.idf(["稻城", "贫困"])
    t_idf = time.perf_counter() - t_idf
    search_peak = mem.peak
    mem.stop()
    ru_self, ru_children = rusage_peaks()
    disk = dir_size(Path(uri)) if not uri.startswith(("http", "tcp", "unix")) else 0

    result = {
        "n": args.n,
        "batch": args.batch,
        "uri": uri,
        "build_s": round(build_s, 1),
        "chunks_per_s": round(args.n / build_s),
        "rss_before_mb": round(rss0 / MB),
        "rss_after_build_mb": round(rss_built / MB),
        "peak_rss_build_mb": round(build_peak / MB),
        "peak_rss_search_mb": round(search_peak / MB),
        "ru_maxrss_self_mb": round(ru_self),
        "ru_maxrss_children_mb": round(ru_children),
        "disk_mb": round(disk / MB),
        "open_s": round(t_open, 2),
        "first_search_s": round(t_warm, 2),
        "idf_first_call_s": round(t_idf, 2),
        "dense_p50_ms": round(statistics.median(dense_ms), 1),
        "dense_p95_ms": round(pct(dense_ms, 95), 1),
        "bm25_p50_ms": round(statistics.median(lex_ms), 1),
        "bm25_p95_ms": round(pct(lex_ms, 95), 1),
        "bm25_empty": empty,
        "k": args.k,
        "queries": args.queries,
    }
    print()
    print(f"chunks                 {args.n:,} (batches of {args.batch})")
    print(f"build                  {build_s:.1f} s ({result['chunks_per_s']} chunks/s)")
    print(f"RSS before Milvus      {rss0 / MB:.0f} MB")
    print(f"RSS after build        {rss_built / MB:.0f} MB")
    print(f"peak RSS, build        {build_peak / MB:.0f} MB")
    print(f"peak RSS, search       {search_peak / MB:.0f} MB")
    print(f"getrusage max RSS      self {ru_self:.0f} MB, children {ru_children:.0f} MB")
    if disk:
        print(f"on disk                {disk / MB:.0f} MB")
    print(f"open + first search    {t_open:.2f} s + {t_warm:.2f} s")
    print(f"dense search  (k={args.k})  p50 {result['dense_p50_ms']} ms, p95 {result['dense_p95_ms']} ms")
    print(f"BM25 search   (k={args.k})  p50 {result['bm25_p50_ms']} ms, p95 {result['bm25_p95_ms']} ms ({empty} of {args.queries} empty)")
    if args.json:
        print(json.dumps(result))

    if tmp is not None and not args.keep:
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(uri)
        shutil.rmtree(tmp, ignore_errors=True)
    elif tmp is not None:
        print(f"kept {uri}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
