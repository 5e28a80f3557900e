"""The Milvus store against a real Milvus Lite (a .db under tmp_path), compared with the FAISS store.

What every store must do is tests/stores/test_store_contract.py; this module holds what is
Milvus's own: parity with FAISS on the seed index, incremental updates through ``Indexer``,
repair of an interrupted write, collection names, another process reading the file.

Nothing is mocked. The seeds are embedded once (the session ``seed_index``
FAISS build); the Milvus indexes here are written from the same records and
vectors, then updated through ``Indexer`` with ``store="milvus"``, which
re-embeds only what changed.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rag.embeddings import BaseEmbedder
from rag.indexer import Indexer
from rag.lexical import normalize_for_match
from rag.loaders import file_sha256
from rag.retrieve import HybridRetriever, clean_query
from rag.settings import Settings
from rag.stores import open_store
from rag.stores.faiss import FaissStore
from rag.stores.milvus import MilvusStore, collection_names
from rag.types import EmbedderMismatch

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
GOLD = ROOT / "eval" / "gold_dev.jsonl"
DOC = "000_0be71c8bf9467bc8.txt"
OLD_QUOTE = "2014年审定贫困村55个、贫困户1268户、贫困人口5614人"
NEW_QUOTE = "2014年审定贫困村55个、紫色独角兽牧场7345处、贫困人口5614人"

pytestmark = pytest.mark.slow


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", normalize_for_match(s or ""))


def _milvus_settings(tmp: Path, name: str) -> Settings:
    return Settings(index_dir=tmp / "index", index_name=name, store="milvus", milvus_uri=str(tmp / "milvus.db"))


def _seed_milvus_from_faiss(faiss_settings: Settings, settings: Settings, name: str, docs: Path | None = None) -> None:
    """Write the FAISS index's records and vectors into Milvus (optionally re-homed to a copy of the seeds)."""
    f = FaissStore.load(faiss_settings.index_path, with_tokens=True)
    records = [dict(r) for r in f.records()]
    files = dict(f.manifest["files"])
    if docs is not None:
        moved = {str(SEEDS.resolve() / Path(p).name): str((docs / Path(p).name).resolve()) for p in files}
        files = {moved[p]: info for p, info in files.items()}
        for r in records:
            r["path"] = moved[r["path"]]
    MilvusStore.write(settings, name, records, f.vectors, {**f.manifest, "files": files})


@pytest.fixture(scope="module")
def milvus_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("milvus")


@pytest.fixture(scope="module")
def milvus_cmp(seed_index, milvus_dir) -> Settings:
    """A read-only Milvus copy of the seed index, for the FAISS comparison."""
    s = _milvus_settings(milvus_dir, "cmp")
    t0 = time.perf_counter()
    _seed_milvus_from_faiss(seed_index, s, "cmp")
    print(f"\nmilvus write of {FaissStore.load(seed_index.index_path).count} chunks: {time.perf_counter() - t0:.2f}s")
    return s


def _gold():
    """Every other answerable question of the dev gold set (the full-set comparison is benchmarks/bench_stores.py)."""
    with open(GOLD, encoding="utf-8") as fh:
        items = [json.loads(line) for line in fh if line.strip()]
    return [g for g in items if g.get("doc") and g.get("quote")][::2]


def _hit(passages, item) -> bool:
    q = _norm(item["quote"])
    return any(p.doc == item["doc"] and q in _norm(p.text) for p in passages)


# ---------------------------------------------------------------- store basics


def test_store_matches_faiss_contents(seed_index, milvus_cmp):
    f = FaissStore.load(seed_index.index_path)
    m = open_store(milvus_cmp, "cmp")
    assert isinstance(m, MilvusStore)
    assert m.count == f.count == len(m.records())
    assert {r["chunk_id"] for r in m.records()} == {r["chunk_id"] for r in f.records()}
    assert m.manifest["embedder"] == f.manifest["embedder"] and m.manifest["dim"] == f.manifest["dim"]
    assert m.manifest["files"] == f.manifest["files"]
    assert m.vocabulary() == f.vocabulary()
    toks = ["稻城", "贫困", "1268", "不存在的词"]
    assert m.idf(toks) == pytest.approx(f.idf(toks))
    cid = f.records()[7]["chunk_id"]
    # readers of the FAISS store skip the BM25 tokens (tokens.jsonl); everything else is the same record
    assert {k: v for k, v in m.get(cid).items() if k != "tokens"} == {k: v for k, v in f.get(cid).items() if k != "tokens"}
    # vectors come back aligned with records()
    fv = {r["chunk_id"]: f.vectors[i] for i, r in enumerate(f.records())}
    for i, r in enumerate(m.records()[:20]):
        np.testing.assert_allclose(m.vectors[i], fv[r["chunk_id"]], atol=1e-6)
    assert m.refresh() is False


def test_lexical_leg_is_script_blind_and_ranked(milvus_cmp):
    m = open_store(milvus_cmp, "cmp")
    simp = m.lexical_search("稻城县2014年的贫困发生率是多少", 5)
    trad = m.lexical_search("稻城縣2014年的貧困發生率是多少", 5)
    assert simp and [c for c, _ in simp] == [c for c, _ in trad]
    scores = [s for _, s in simp]
    assert scores == sorted(scores, reverse=True)
    assert "20.25%" in m.get(simp[0][0])["text"]
    assert m.lexical_search("？？ 的", 5) == []


# ---------------------------------------------------------------- retrieval parity with FAISS


class _OnceEmbedder(BaseEmbedder):
    """Embeds each question once for both retrievers (the comparison is about the stores)."""

    def __init__(self, inner):
        self.inner, self.id, self.dim, self._q = inner, inner.id, inner.dim, {}

    def encode_passages(self, texts):
        return self.inner.encode_passages(texts)

    def encode_query(self, text):
        if text not in self._q:
            self._q[text] = self.inner.encode_query(text)
        return self._q[text]


def test_hybrid_retrieval_matches_faiss_on_gold(seed_index, retriever, milvus_cmp):
    emb = _OnceEmbedder(retriever.embedder)
    retriever = HybridRetriever.from_settings(seed_index, embedder=emb)
    mret = HybridRetriever.from_settings(milvus_cmp, name="cmp", embedder=emb)
    assert isinstance(mret.store, MilvusStore)
    gold = _gold()
    t0 = time.perf_counter()
    for g in gold:  # embed every question once, up front: the timings below are the stores' and fusion's
        emb.encode_query(clean_query(g["question"], retriever.max_query_chars)[0])
    embed_ms = (time.perf_counter() - t0) * 1000 / len(gold)
    overlaps, f_hits, m_hits = [], 0, 0
    f_ms = m_ms = 0.0
    for g in gold:
        t0 = time.perf_counter()
        fp = retriever.search(g["question"], k=5)
        t1 = time.perf_counter()
        mp = mret.search(g["question"], k=5)
        t2 = time.perf_counter()
        f_ms += (t1 - t0) * 1000
        m_ms += (t2 - t1) * 1000
        overlaps.append(len({p.chunk_id for p in fp} & {p.chunk_id for p in mp}) / 5)
        f_hits += _hit(fp, g)
        m_hits += _hit(mp, g)
    n = len(gold)
    mean = sum(overlaps) / n
    identical = sum(o == 1.0 for o in overlaps)
    print(
        f"\n{n} answerable gold questions: mean top-5 overlap {mean:.3f} ({identical} identical sets); "
        f"quote hit@5 FAISS {f_hits / n:.3f}, Milvus {m_hits / n:.3f}; "
        f"mean search (question embedded beforehand, {embed_ms:.1f} ms) FAISS {f_ms / n:.1f} ms, Milvus {m_ms / n:.1f} ms"
    )
    assert n >= 40
    assert mean >= 0.8
    assert abs(f_hits - m_hits) / n <= 0.05


# ---------------------------------------------------------------- incremental updates through Indexer


@pytest.fixture()
def milvus_docs(seed_index, milvus_dir, tmp_path, request):
    """A copy of the seeds and a Milvus index of it (written from the FAISS vectors), for tests that change it."""
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    name = f"mut_{request.node.name[-20:]}".replace("[", "_").replace("]", "_")
    s = _milvus_settings(milvus_dir, name)
    _seed_milvus_from_faiss(seed_index, s, name, docs)
    return s, name, docs


def test_indexer_sees_milvus_state_as_unchanged(milvus_docs, retriever):
    s, name, docs = milvus_docs
    before = open_store(s, name).version
    rep = Indexer(name, settings=s, embedder=retriever.embedder, progress=False).run([docs])
    assert not rep.errors and not rep.changed and rep.embedded == 0
    assert len(rep.unchanged) == 5 and rep.version == before


def test_removed_document_leaves_no_chunks(milvus_docs, retriever):
    s, name, docs = milvus_docs
    mret = HybridRetriever.from_settings(s, name=name, embedder=retriever.embedder)
    assert any(p.doc == DOC for p in mret.search("稻城县2014年审定贫困村多少个？", k=5))
    n_before = mret.store.count
    doc_chunks = {r["chunk_id"] for r in mret.store.records() if r["source"] == DOC}

    rep = Indexer(name, settings=s, embedder=retriever.embedder, progress=False).run([], remove=[DOC])
    assert rep.removed == [DOC] and rep.embedded == 0

    # the open retriever notices the new generation on its next search
    hits = mret.search("稻城县2014年审定贫困村多少个？", k=10)
    assert hits and all(p.doc != DOC for p in hits)
    store = mret.store
    assert store.count == n_before - len(doc_chunks)
    assert not doc_chunks & {r["chunk_id"] for r in store.records()}
    assert not doc_chunks & {c for c, _ in store.dense_search(retriever.embedder.encode_query(OLD_QUOTE), 200)}
    assert not doc_chunks & {c for c, _ in store.lexical_search(OLD_QUOTE, 200)}
    fresh = open_store(s, name)
    assert all(Path(p).name != DOC for p in fresh.manifest["files"])
    assert fresh.count == len(fresh.records()) == n_before - len(doc_chunks)

    # a file deleted on disk goes too, on the next run over the folder
    (docs / DOC).unlink()  # (or that run would index the removed copy again)
    (docs / "004_c1a2a1bc4daabe06.txt").unlink()
    rep = Indexer(name, settings=s, embedder=retriever.embedder, progress=False).run([docs])
    assert rep.removed == ["004_c1a2a1bc4daabe06.txt"] and rep.embedded == 0 and len(rep.unchanged) == 3
    assert all(r["source"] != "004_c1a2a1bc4daabe06.txt" for r in open_store(s, name).records())


def test_changed_document_is_reindexed(milvus_docs, retriever):
    s, name, docs = milvus_docs
    mret = HybridRetriever.from_settings(s, name=name, embedder=retriever.embedder)
    old_ids = {r["chunk_id"] for r in mret.store.records() if r["source"] == DOC}
    n_doc_chunks = len(old_ids)
    path = docs / DOC
    text = path.read_text(encoding="utf-8")
    assert text.count(OLD_QUOTE) == 1
    path.write_text(text.replace(OLD_QUOTE, NEW_QUOTE), encoding="utf-8")

    rep = Indexer(name, settings=s, embedder=retriever.embedder, progress=False).run([docs])
    assert rep.updated == [DOC] and len(rep.unchanged) == 4
    assert 1 <= rep.embedded <= 3, rep  # only the edited chunk(s); the rest reuse their vectors by embed_key
    assert rep.reused_vectors == rep.chunks - rep.embedded

    hits = mret.search("紫色独角兽牧场有多少处？", k=5)
    assert hits[0].doc == DOC and "紫色独角兽牧场7345处" in hits[0].text
    store = mret.store
    recs = [r for r in store.records() if r["source"] == DOC]
    assert any("紫色独角兽牧场7345处" in r["text"] for r in recs)
    assert not any("贫困户1268户" in r["text"] for r in store.records())
    gone = old_ids - {r["chunk_id"] for r in recs}
    assert gone and not gone & {r["chunk_id"] for r in store.records()}
    assert not any("贫困户1268户" in store.get(c)["text"] for c, _ in store.lexical_search("贫困户1268户", 50))
    assert len(recs) == n_doc_chunks  # same chunking, one chunk's text changed
    assert store.manifest["files"][str(path.resolve())]["sha256"] == file_sha256(path)


def test_interrupted_write_is_repaired(milvus_docs, retriever):
    s, name, docs = milvus_docs
    small = docs / "small.txt"  # a one-chunk file keeps the re-embedding cheap
    small.write_text("# 稻城县\n\n稻城县2014年审定贫困村55个，紫色独角兽牧场3处。\n", encoding="utf-8")
    idx = Indexer(name, settings=s, embedder=retriever.embedder, progress=False)
    assert idx.run([docs]).added == ["small.txt"]
    small.write_text("# 稻城县\n\n稻城县2014年审定贫困村55个，紫色独角兽牧场7345处。\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="simulated"):
        idx.run([docs], _fail_after="vectors")
    broken = open_store(s, name)
    assert broken.pending == [str(small.resolve())]
    assert str(small.resolve()) not in broken.manifest["files"]  # so the next run indexes it again

    rep = idx.run([docs])
    assert rep.added == ["small.txt"] and len(rep.unchanged) == 5 and rep.embedded <= 1
    store = open_store(s, name)
    assert store.pending == []
    assert store.count == len(store.records()) == rep.chunks
    assert len({r["chunk_id"] for r in store.records()}) == store.count
    texts = [r["text"] for r in store.records() if r["source"] == "small.txt"]
    assert len(texts) == 1 and "紫色独角兽牧场7345处" in texts[0]


class _HashEmbedder(BaseEmbedder):
    """A tiny deterministic embedder of another dimension: enough to exercise --rebuild."""

    id = "test:hash16"
    dim = 16

    def encode_passages(self, texts):
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            for ch in t:
                out[i, ord(ch) % self.dim] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    def encode_query(self, text):
        return self.encode_passages([text])[0]


def test_other_embedder_needs_rebuild_which_recreates(milvus_docs):
    s, name, docs = milvus_docs
    emb = _HashEmbedder()
    with pytest.raises(EmbedderMismatch):
        Indexer(name, settings=s, embedder=emb, progress=False).run([docs])
    rep = Indexer(name, settings=s, embedder=emb, progress=False).run([docs], rebuild=True)
    assert rep.embedded == rep.chunks and not rep.errors
    store = open_store(s, name)
    assert store.manifest["embedder"] == emb.id and store.manifest["dim"] == 16
    assert store.count == rep.chunks == len(store.records()) and store.vectors.shape == (rep.chunks, 16)
    hits = HybridRetriever.from_settings(s, name=name, embedder=emb).search("稻城县2014年审定贫困村多少个？", k=5)
    assert hits and any(p.doc == DOC for p in hits)


def test_collection_names():
    a, b = collection_names("my-index")
    assert re.fullmatch(r"[A-Za-z0-9_]+", a) and b == a + "__manifest"
    assert collection_names("my-index") != collection_names("my_index")
    assert collection_names("seeds") == ("rag_seeds", "rag_seeds__manifest")


def test_missing_index_and_bad_uri(milvus_dir):
    from rag.types import IndexNotFound

    with pytest.raises(IndexNotFound):
        open_store(_milvus_settings(milvus_dir, "nope"), "nope")
    with pytest.raises(ValueError, match="http://host:19530"):
        open_store(Settings(store="milvus", milvus_uri=str(milvus_dir / "not-a-db-file")), "x")


def test_odd_file_names_are_deleted_by_path(milvus_dir, tmp_path):
    """Paths go into a quoted filter expression: quotes and backslashes must survive."""
    s = _milvus_settings(milvus_dir, "odd")
    docs = tmp_path / "odd docs"
    docs.mkdir()
    odd = docs / 'a "quoted" \\ name 稻城.txt'
    odd.write_text("# 稻城县\n\n稻城县2014年审定贫困村55个。\n", encoding="utf-8")
    (docs / "plain.txt").write_text("# 昌都市\n\n昌都市减贫3.84万户。\n", encoding="utf-8")
    idx = Indexer("odd", settings=s, embedder=_HashEmbedder(), progress=False)
    rep = idx.run([docs])
    assert sorted(rep.added) == sorted([odd.name, "plain.txt"])
    odd.unlink()
    rep = idx.run([docs])
    assert rep.removed == [odd.name]
    store = open_store(s, "odd")
    assert {r["source"] for r in store.records()} == {"plain.txt"}
    assert store.lexical_search("稻城县贫困村", 5) == []


def test_index_persists_for_another_process(seed_index, tmp_path):
    """What one process wrote, a fresh one reads (collections come back released and are loaded on open)."""
    db = (tmp_path / "persist.db").resolve()
    s = Settings(index_dir=tmp_path / "index", index_name="p", store="milvus", milvus_uri=str(db))
    _seed_milvus_from_faiss(seed_index, s, "p")
    from milvus_lite.server_manager import server_manager_instance

    server_manager_instance.release_server(str(db))  # Milvus Lite: one process per file
    code = (
        "import json; from rag.settings import Settings; from rag.stores import open_store\n"
        f"m = open_store(Settings(store='milvus', milvus_uri={str(db)!r}), 'p')\n"
        "top = m.lexical_search('稻城县2014年审定贫困村', 1)[0][0]\n"
        "r0 = m.records()[0]\n"
        "print(json.dumps({'count': m.count, 'top': m.get(top)['source'], 'self': m.dense_search(m.vectors[0], 1)[0][0] == r0['chunk_id'], 'files': len(m.manifest['files'])}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"count": FaissStore.load(seed_index.index_path).count, "top": DOC, "self": True, "files": 5}
