"""Question answering over Chinese documents, with cited, number-checked answers (distribution ``zhdocqa``).

Data flows one way: files (:mod:`rag.loaders`) → chunks (:mod:`rag.chunking`) →
index (:mod:`rag.indexer` into a store of :mod:`rag.stores`) → passages
(:mod:`rag.retrieve`) → answer with citations (:mod:`rag.qa`); :mod:`rag.service`
is what the faces (:mod:`rag.cli`, :mod:`rag.api`, :mod:`rag.ui`) share, and
:mod:`rag.settings` the one settings object passed down.
"""
from __future__ import annotations

DISTRIBUTION = "zhdocqa"


def __getattr__(name: str):
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version(DISTRIBUTION)
        except PackageNotFoundError:  # running from a source tree that is not installed
            return "0+unknown"
    raise AttributeError(name)
