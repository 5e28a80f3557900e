"""The store contract (rag/stores/base.py): the same tests over every store.

``faiss`` (files in tmp_path) and ``milvus`` (a real Milvus Lite file in tmp_path).
The records are real chunks of two small reports that are not the seeds
(rag.loaders → rag.chunking → rag.records); the vectors come from a small
deterministic character-hash embedder, because what is tested here is the store,
not the embedding. Nothing is mocked.
"""
from __future__ import annotations

import inspect
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from rag.chunking import SectionChunker
from rag.lexical import idf_from_df
from rag.loaders import load_file
from rag.records import record_from_chunk
from rag.settings import Settings
from rag.stores import STORES, store_class
from rag.stores.base import Store
from rag.types import IndexFormatError, IndexNotFound

LITANG = """理塘县茶马古道发展报告

一、基本情况
理塘县位于高原西部，平均海拔4014米。2018年全县接待游客86万人次，实现旅游收入9.3亿元。

二、主要做法
全县建成牦牛养殖合作社42个，带动农户3150户增收。
"""
BATANG = """巴塘縣交通建設簡報

一、道路
2019年巴塘縣新建通村硬化路86公里，改造危橋7座。
"""
DIM = 16


def embed(texts: list[str]) -> np.ndarray:
    out = np.zeros((len(texts), DIM), np.float32)
    for i, t in enumerate(texts):
        for ch in t:
            out[i, ord(ch) % DIM] += 1.0
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def chunk_records(path: Path) -> list[dict]:
    return [record_from_chunk(c) for c in SectionChunker().run(load_file(path))]


def manifest_for(records: list[dict], files: dict[str, dict]) -> dict:
    return {"name": "t", "embedder": "test:hash16", "dim": DIM, "chunk_count": len(records), "files": files, "chunker": {}}


def file_entry(path: Path, recs: list[dict]) -> dict:
    return {"source": path.name, "sha256": recs[0]["sha256"], "size": path.stat().st_size, "chunks": len(recs), "script": recs[0]["script"]}


class Corpus:
    """Two documents on disk, their records and vectors, and the manifest of an index holding both."""

    def __init__(self, d: Path):
        d.mkdir(parents=True, exist_ok=True)
        self.litang, self.batang = d / "litang.txt", d / "batang.txt"
        self.litang.write_text(LITANG, encoding="utf-8")
        self.batang.write_text(BATANG, encoding="utf-8")
        self.by_file = {str(p.resolve()): chunk_records(p) for p in (self.litang, self.batang)}

    def state(self, *paths: Path) -> tuple[list[dict], np.ndarray, dict]:
        keys = [str(p.resolve()) for p in paths]
        records = [r for k in keys for r in self.by_file[k]]
        files = {k: file_entry(Path(k), self.by_file[k]) for k in keys}
        return records, embed([r["text"] for r in records]), manifest_for(records, files)


@pytest.fixture(scope="module", params=sorted(STORES))
def kind(request) -> str:
    if request.param == "milvus":
        pytest.importorskip("pymilvus", reason="the milvus extra: pip install 'zhdocqa[milvus]'")
        pytest.importorskip("milvus_lite", reason="the milvus extra: pip install 'zhdocqa[milvus]'")
    return request.param


@pytest.fixture(scope="module")
def store_dir(kind, tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp(f"store-{kind}")


@pytest.fixture()
def settings(kind, store_dir, request) -> Settings:
    # one Milvus Lite file per module (a Lite server starts per file); one index name per test
    return Settings(index_dir=store_dir / "index", index_name=f"t_{request.node.name[-40:]}".replace("[", "_").replace("]", "_"),
                    store=kind, milvus_uri=str(store_dir / "milvus.db"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    return Corpus(tmp_path_factory.mktemp("docs"))


def write(settings: Settings, corpus: Corpus, *paths: Path, fault=None) -> str:
    records, vectors, manifest = corpus.state(*paths)
    return store_class(settings).write(settings, settings.index_name, records, vectors, manifest, fault=fault)


def opened(settings: Settings):
    return store_class(settings).open(settings, settings.index_name)


def ids(store) -> set[str]:
    return {r["chunk_id"] for r in store.records()}


# ---------------------------------------------------------------- the protocol itself


def test_every_store_has_the_same_signatures(kind):
    cls = store_class(Settings(store=kind))
    faiss_cls = store_class(Settings(store="faiss"))
    for method in ("exists", "open", "write", "remove", "drop", "refresh", "dense_search", "lexical_search", "get", "records", "vocabulary", "idf"):
        params = inspect.signature(getattr(cls, method)).parameters
        assert params == inspect.signature(getattr(faiss_cls, method)).parameters, method
    assert cls.kind == kind
    assert cls.__doc__ and inspect.getmodule(cls).__doc__
    # the guarantees are stated per store under the same headings
    doc = inspect.getmodule(cls).__doc__
    for heading in ("**Atomicity**", "**Readers during a write**", "**Crash**"):
        assert heading in doc, (kind, heading)


def test_unknown_store_is_a_clear_error():
    with pytest.raises(ValueError, match="known: faiss, milvus"):
        store_class(Settings(store="chroma"))


# ---------------------------------------------------------------- opening


def test_missing_index_is_not_found_and_nothing_is_created(kind, tmp_path):
    s = Settings(index_dir=tmp_path / "index", index_name="nothing", store=kind, milvus_uri=str(tmp_path / "fresh" / "m.db"))
    cls = store_class(s)
    assert cls.exists(s, "nothing") is False
    with pytest.raises(IndexNotFound) as ei:
        cls.open(s, "nothing")
    assert "'nothing'" in str(ei.value) and "rag index" in str(ei.value)
    assert not (tmp_path / "index").exists() and not (tmp_path / "fresh").exists()


def test_write_then_read(settings, corpus):
    version = write(settings, corpus, corpus.litang, corpus.batang)
    assert version
    store = opened(settings)
    assert isinstance(store, Store) and store_class(settings).exists(settings, settings.index_name)
    records, vectors, manifest = corpus.state(corpus.litang, corpus.batang)
    assert store.version == version and store.count == len(records) == len(store.records())
    assert ids(store) == {r["chunk_id"] for r in records}
    assert store.manifest["embedder"] == "test:hash16" and store.manifest["dim"] == DIM
    assert store.manifest["files"] == manifest["files"]
    rec = records[1]
    got = store.get(rec["chunk_id"])
    assert got["text"] == rec["text"] and got["source"] == rec["source"] and got["section"] == rec["section"]
    # vectors come back aligned with records()
    by_id = {r["chunk_id"]: v for r, v in zip(records, vectors)}
    for r, v in zip(store.records(), store.vectors):
        np.testing.assert_allclose(v, by_id[r["chunk_id"]], atol=1e-6)
    # dense: a stored vector finds its own chunk first
    assert store.dense_search(by_id[rec["chunk_id"]], 3)[0][0] == rec["chunk_id"]
    # lexical: the chunk with the figure ranks first, whatever the script of the query
    hit = next(r["chunk_id"] for r in records if "牦牛养殖合作社42个" in r["text"])
    for q in ("牦牛养殖合作社多少个", "犛牛養殖合作社多少個"):
        res = store.lexical_search(q, 5)
        assert res[0][0] == hit and all(s > 0 for _, s in res)
        assert [s for _, s in res] == sorted((s for _, s in res), reverse=True)
    trad = next(r["chunk_id"] for r in records if "86公里" in r["text"])
    assert store.lexical_search("巴塘县新建通村硬化路", 1)[0][0] == trad
    assert store.lexical_search("？？ 的", 5) == [] and store.lexical_search("牦牛", 0) == []
    assert store.dense_search(by_id[rec["chunk_id"]], 0) == []


def test_bm25_statistics_are_rag_lexical(settings, corpus):
    write(settings, corpus, corpus.litang, corpus.batang)
    store = opened(settings)
    records, _, _ = corpus.state(corpus.litang, corpus.batang)
    df = Counter(t for r in records for t in set(r["tokens"]))
    assert store.vocabulary() == set(df)
    toks = ["理塘县", "合作社", "86", "不存在的词"]
    assert store.idf(toks) == pytest.approx(idf_from_df(df, len(records), toks))
    assert store.idf(["不存在的词"])["不存在的词"] > store.idf(["理塘县"])["理塘县"]


# ---------------------------------------------------------------- updating


def test_refresh_picks_up_a_new_version(settings, corpus):
    write(settings, corpus, corpus.litang)
    reader = opened(settings)
    n_before = reader.count
    assert reader.refresh() is False
    new = write(settings, corpus, corpus.litang, corpus.batang)
    assert reader.refresh() is True
    assert reader.version == new and reader.count == n_before + len(corpus.by_file[str(corpus.batang.resolve())])
    assert ids(reader) == ids(opened(settings))
    assert reader.refresh() is False


def test_remove_drops_every_chunk_of_a_file(settings, corpus):
    first = write(settings, corpus, corpus.litang, corpus.batang)
    gone = str(corpus.batang.resolve())
    version = store_class(settings).remove(settings, settings.index_name, [gone])
    assert version != first
    store = opened(settings)
    left, vectors, manifest = corpus.state(corpus.litang)
    assert ids(store) == {r["chunk_id"] for r in left} and store.count == len(left)
    assert list(store.manifest["files"]) == [str(corpus.litang.resolve())]
    assert store.lexical_search("巴塘县新建通村硬化路", 5) == []
    removed_vec = embed([corpus.by_file[gone][0]["text"]])[0]
    assert not {c for c, _ in store.dense_search(removed_vec, 10)} & {r["chunk_id"] for r in corpus.by_file[gone]}
    assert "巴塘" not in store.vocabulary()


def test_a_failed_write_is_completed_by_the_next(settings, corpus):
    """Killed (here: failing) after the new data is staged: files not being rewritten stay whole,
    and the next write of the same state completes the index."""
    write(settings, corpus, corpus.litang)
    litang_ids = {r["chunk_id"] for r in corpus.by_file[str(corpus.litang.resolve())]}
    for step in ("vectors", "commit"):
        with pytest.raises(RuntimeError, match="simulated"):
            write(settings, corpus, corpus.litang, corpus.batang, fault=step)
        during = opened(settings)
        assert litang_ids <= ids(during)  # the untouched file is intact
        assert str(corpus.batang.resolve()) not in during.manifest["files"]  # not reported as indexed
    write(settings, corpus, corpus.litang, corpus.batang)
    store = opened(settings)
    records, _, manifest = corpus.state(corpus.litang, corpus.batang)
    assert ids(store) == {r["chunk_id"] for r in records} and store.count == len(records)
    assert store.manifest["files"] == manifest["files"]


def test_fault_hook_sees_every_step_in_order(settings, corpus):
    steps: list[str] = []
    write(settings, corpus, corpus.litang, fault=steps.append)
    assert steps == ["vectors", "commit"]


def test_drop(settings, corpus):
    write(settings, corpus, corpus.litang)
    cls = store_class(settings)
    assert cls.exists(settings, settings.index_name)
    cls.drop(settings, settings.index_name)
    assert not cls.exists(settings, settings.index_name)
    with pytest.raises(IndexNotFound):
        cls.open(settings, settings.index_name)


def test_an_index_of_another_format_is_refused(settings, corpus):
    write(settings, corpus, corpus.litang)
    if settings.store == "faiss":
        import json

        root = Path(settings.index_dir) / settings.index_name
        mf = root / (root / "CURRENT").read_text().strip() / "manifest.json"
        mf.write_text(json.dumps({**json.loads(mf.read_text(encoding="utf-8")), "format_version": 99}), encoding="utf-8")
    else:
        from rag.stores.milvus import MilvusWriter, connect, resolve_uri

        uri = resolve_uri(settings)
        w = MilvusWriter(connect(uri), settings.index_name, uri)
        w.write_meta({**w.read_meta(), "format_version": 99})
    with pytest.raises(IndexFormatError, match="format 99.*--rebuild"):
        opened(settings)
