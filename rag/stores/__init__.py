"""Stores: where an index lives. ``faiss`` (files under ``index/<name>/``, the default) or ``milvus``.

Every store answers the :class:`~rag.stores.base.Store` protocol; ``open_store`` picks
one by ``settings.store`` and imports an optional backend only when it is asked for.
"""
from __future__ import annotations

from pathlib import Path

from ..settings import Settings, get_settings
from .base import Store


def open_store(settings: Settings | None = None, name: str | None = None) -> Store:
    """Open the configured store for reading: FAISS files (default) or Milvus (``RAG_STORE=milvus``)."""
    s = settings or get_settings()
    name = name or s.index_name
    if s.store == "milvus":
        from .milvus import MilvusStore

        return MilvusStore.open(s, name)
    from .faiss import FaissStore

    return FaissStore.open(Path(s.index_dir) / name)


__all__ = ["Store", "open_store"]
