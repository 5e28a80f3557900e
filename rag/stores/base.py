"""The store protocol: what the indexer writes and retrieval reads, whichever backend keeps the index.

A store keeps, for one named index: the chunk records (text, provenance, BM25
tokens), one dense vector per record, a lexical (BM25) index over the records and
a manifest (embedder, dimension, chunker, the indexed files with their SHA-256).

Every store is a class with the same class methods and instance methods:

=========================================  ==================================================
``exists(settings, name) -> bool``         is there an index (never creates anything)
``open(settings, name, for_update=False)`` the live index; :class:`IndexNotFound`,
                                           :class:`IndexFormatError`, :class:`IndexDamaged`,
                                           :class:`StoreUnavailable`
``write(settings, name, records, vectors,  make ``records`` (every chunk of the new index) and
manifest, fault=None) -> str``             ``manifest`` the index; returns the new version
``remove(settings, name, paths,            drop the chunks of these files; returns the new
fault=None) -> str``                       version (nothing is embedded)
``drop(settings, name)``                   delete the index
``refresh() -> bool``                      pick up a version another writer committed
``count``, ``manifest``, ``version``,      what is loaded
``records()``, ``get(chunk_id)``,
``vectors``
``dense_search(qvec, n)``,                 ``[(chunk_id, score)]``, best first
``lexical_search(query, n)``
``vocabulary()``, ``idf(tokens)``          BM25 statistics (:func:`rag.lexical.idf_from_df`)
=========================================  ==================================================

Each store's docstring states its guarantees under the same three headings:
**atomicity** (what a write changes at once), **readers during a write** (what an
open store sees while another process writes) and **crash** (what a killed writer
leaves behind). One writer per index at a time is the caller's job
(:func:`rag.indexer.index_lock`).

``fault`` is a test hook: a callable invoked with the name of each step
(``"vectors"`` once the new data is staged but before it is visible, ``"commit"``
right before the version becomes live) or a step name at which to raise
``RuntimeError("simulated failure ...")``.

Adding a store is adding a module here and a line in :data:`rag.stores.STORES`.
"""
from __future__ import annotations

from typing import Any, Callable, ClassVar, Protocol, runtime_checkable

import numpy as np

from ..settings import Settings
from ..types import IndexDamaged, IndexError_, IndexFormatError, IndexNotFound

Fault = Callable[[str], None] | str | None


def at_step(fault: Fault, step: str, what: str = "the index") -> None:
    """Run the ``fault`` hook for ``step`` (see the module docstring)."""
    if fault is None:
        return
    if callable(fault):
        fault(step)
    elif fault == step:
        raise RuntimeError(f"simulated failure while writing {what} (at step {step!r})")


# ---------------------------------------------------------------- messages written once


def not_found(name: str, where: str, env: str = "") -> IndexNotFound:
    """The error for a missing index, with the command that builds it."""
    prefix = f"{env} " if env else ""
    err = IndexNotFound(f"no index '{name}' at {where} (build it with: {prefix}rag index PATH... --name {name})")
    err.name = name
    return err


def check_format(name: str, where: str, found: Any, expected: int) -> None:
    """Raise :class:`IndexFormatError` when an index was written in another format."""
    if found != expected:
        raise IndexFormatError(
            f"index '{name}' at {where} has format {found}, this version reads {expected}: "
            f"rebuild it (rag index PATH... --name {name} --rebuild)"
        )


def damaged(name: str, where: str, part: str, err: BaseException) -> IndexDamaged:
    detail = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
    return IndexDamaged(
        f"index '{name}' at {where} is damaged ({part}: {detail[:200]}): "
        f"rebuild it (rag index PATH... --name {name} --rebuild)"
    )


# ---------------------------------------------------------------- the protocol


@runtime_checkable
class Store(Protocol):
    """One index in one backend (see the module docstring for the contract)."""

    kind: ClassVar[str]
    name: str
    manifest: dict
    version: str | None

    @classmethod
    def exists(cls, settings: Settings, name: str) -> bool: ...

    @classmethod
    def open(cls, settings: Settings, name: str, for_update: bool = False) -> "Store": ...

    @classmethod
    def write(cls, settings: Settings, name: str, records: list[dict], vectors: np.ndarray, manifest: dict, fault: Fault = None) -> str: ...

    @classmethod
    def remove(cls, settings: Settings, name: str, paths: list[str], fault: Fault = None) -> str: ...

    @classmethod
    def drop(cls, settings: Settings, name: str) -> None: ...

    @property
    def count(self) -> int: ...

    @property
    def vectors(self) -> np.ndarray: ...

    def refresh(self) -> bool: ...

    def records(self) -> list[dict]: ...

    def get(self, chunk_id: str) -> dict: ...

    def dense_search(self, qvec: np.ndarray, n: int) -> list[tuple[str, float]]: ...

    def lexical_search(self, query: str, n: int) -> list[tuple[str, float]]: ...

    def vocabulary(self) -> set[str]: ...

    def idf(self, tokens: list[str]) -> dict[str, float]: ...


class StoreBase:
    """What every store shares: ``refresh`` (reload when the live version changed) and ``remove``.

    A store implements ``_live_version()`` (the committed version, cheap to read) and
    ``_reload()`` (load that version into ``self``).
    """

    kind: ClassVar[str] = "?"
    name: str
    manifest: dict
    version: str | None

    def _live_version(self) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _reload(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def refresh(self) -> bool:
        """Reload if another writer committed a new version; True when it did.

        A version that cannot be read (a writer is mid-way, the backend is briefly
        unreachable) keeps the loaded one answering.
        """
        try:
            live = self._live_version()
        except IndexError_:
            return False
        if live is None or live == self.version:
            return False
        self._reload()
        return True

    @classmethod
    def remove(cls, settings: Settings, name: str, paths: list[str], fault: Fault = None) -> str:
        """Drop every chunk of ``paths`` (resolved file paths as in ``manifest["files"]``)."""
        store = cls.open(settings, name, for_update=True)
        gone = set(paths)
        keep = [i for i, r in enumerate(store.records()) if r.get("path") not in gone]
        records = [store.records()[i] for i in keep]
        vectors = np.asarray(store.vectors, dtype=np.float32)[keep] if keep else np.zeros((0, int(store.manifest.get("dim", 0))), np.float32)
        files = {p: info for p, info in store.manifest.get("files", {}).items() if p not in gone}
        manifest = {**store.manifest, "files": files, "chunk_count": len(records)}
        return cls.write(settings, name, records, vectors, manifest, fault=fault)


__all__ = ["Store", "StoreBase", "Fault", "at_step", "not_found", "check_format", "damaged"]
