"""Stores: where an index lives. ``faiss`` (versioned files under ``<index_dir>/<name>/``, the default) or ``milvus``.

Every store answers the :class:`~rag.stores.base.Store` protocol (open, search,
write, remove, refresh, exists, drop); :func:`store_class` picks one by
``settings.store`` and imports an optional backend only when it is asked for.
Adding a store is a module in this package and one line in :data:`STORES`.

Example::

    >>> import tempfile
    >>> from rag.settings import Settings
    >>> store_class(Settings()).kind
    'faiss'
    >>> open_store(Settings(index_dir=tempfile.mkdtemp()), "nothing")
    Traceback (most recent call last):
    ...
    rag.types.IndexNotFound: no index 'nothing' at ... (build it with: rag index PATH... --name nothing)
"""
from __future__ import annotations

from importlib import import_module

from ..settings import Settings
from .base import Store

# settings.store → "module:class" (imported on first use: a backend's package is an optional extra)
STORES: dict[str, str] = {
    "faiss": "rag.stores.faiss:FaissStore",
    "milvus": "rag.stores.milvus:MilvusStore",
}


def store_class(settings: Settings) -> type[Store]:
    """The store class ``settings.store`` names."""
    kind = (settings.store or "faiss").strip().lower()
    if kind not in STORES:
        raise ValueError(f"RAG_STORE={settings.store!r} is not a store (known: {', '.join(sorted(STORES))})")
    module, cls = STORES[kind].split(":")
    return getattr(import_module(module), cls)


def open_store(settings: Settings, name: str | None = None) -> Store:
    """Open index ``name`` (default ``settings.index_name``) for reading; creates nothing."""
    return store_class(settings).open(settings, name or settings.index_name)


__all__ = ["Store", "STORES", "store_class", "open_store"]
