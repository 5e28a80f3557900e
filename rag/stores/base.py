"""The store protocol: what retrieval needs from an index, whichever backend keeps it."""
from __future__ import annotations

from typing import Protocol

import numpy as np


class Store(Protocol):
    """What retrieval needs from a store (FAISS files or Milvus)."""

    manifest: dict

    @property
    def count(self) -> int: ...

    def dense_search(self, qvec: np.ndarray, n: int) -> list[tuple[str, float]]: ...

    def lexical_search(self, query: str, n: int) -> list[tuple[str, float]]: ...

    def get(self, chunk_id: str) -> dict: ...

    def records(self) -> list[dict]: ...

    def refresh(self) -> bool: ...

    def vocabulary(self) -> set[str]: ...

    def idf(self, tokens: list[str]) -> dict[str, float]: ...
