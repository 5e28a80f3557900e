"""Crash safety: an indexer killed with SIGKILL never breaks the index (the FAISS store's guarantee).

A small index (one short file) is the "previous version". A writer then indexes two more
reports (not the seeds) and is killed -9:

* at known points, through the indexer's fault hook (``Indexer.run(_fail_after=...)``, here a
  callable that SIGKILLs its own process): after the first batch of embeddings, once the new
  version's data files are written in the temporary directory (``"vectors"``), and once the
  version directory is renamed into place but before ``CURRENT`` names it (``"commit"``);
* at a random moment of a real ``rag index`` run (the seed is printed; ``RAG_CRASH_SEED`` replays it).

After every kill the index must still open and answer a search, ``CURRENT`` must name a
complete version (every file there, vectors = FAISS = chunks = manifest count) that is either
the previous version or the whole new one, and the writer's lock must be free. A normal run
then completes the index.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import BATANG_Q, LITANG, LITANG_Q, write_reports

from rag.indexer import Indexer, index_lock
from rag.loaders import file_sha256
from rag.retrieve import HybridRetriever
from rag.settings import Settings
from rag.stores.faiss import VERSION_FILES, FaissStore
from rag.types import IndexBusy

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
NAME = "crash"
# the writer: index the folder, SIGKILL itself the n-th time the indexer reaches `step`
WRITER = """
import os, signal, sys
from rag.indexer import Indexer
from rag.settings import Settings
index_dir, name, docs, step, nth = sys.argv[1:6]
seen = [0]
def fault(at):
    if at == step:
        seen[0] += 1
        if seen[0] == int(nth):
            os.kill(os.getpid(), signal.SIGKILL)
s = Settings(index_dir=index_dir, index_name=name, embed_batch_size=2)
Indexer(name, settings=s, progress=False).run([docs], _fail_after=fault)
print("finished")
"""


def _env(index_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(RAG_INDEX_DIR=str(index_dir), TOKENIZERS_PARALLELISM="false")
    return env


def kill_at(step: str, nth: int, docs: Path, index_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WRITER, str(index_dir), NAME, str(docs), step, str(nth)],
                          env=_env(index_dir), cwd=ROOT, capture_output=True, text=True, timeout=600)


def start_cli(docs: Path, index_dir: Path) -> subprocess.Popen:
    script = Path(sys.executable).parent / "rag"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "rag.cli"]
    return subprocess.Popen(cmd + ["index", "-q", str(docs), "--name", NAME], env=_env(index_dir), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def check_version(root: Path, expected_files: dict[str, str]) -> FaissStore:
    """CURRENT names a complete version holding exactly ``expected_files`` (source → sha256); it opens and its parts agree."""
    version = (root / "CURRENT").read_text().strip()
    assert version.startswith("v-") and (root / version).is_dir(), version
    present = {p.name for p in (root / version).iterdir()}
    assert set(VERSION_FILES) <= present, f"CURRENT names a half-written version: {sorted(present)}"
    store = FaissStore.load(root)
    assert store.version == version
    m = store.manifest
    assert store.count == m["chunk_count"] == store.vectors.shape[0] == store.faiss_index.ntotal == store.bm25.n_docs
    assert sum(f["chunks"] for f in m["files"].values()) == store.count
    assert {r["source"] for r in store.records()} == {f["source"] for f in m["files"].values()}
    assert {f["source"]: f["sha256"] for f in m["files"].values()} == expected_files
    return store


def check_answers(root: Path, store: FaissStore) -> None:
    s = Settings(index_dir=root.parent, index_name=root.name)
    hits = HybridRetriever.from_settings(s, store=store).search(LITANG_Q, k=3)
    assert hits and hits[0].doc == "litang.txt" and "42个" in hits[0].text


def check_lock_free(root: Path) -> None:
    try:
        with index_lock(root):
            pass
    except IndexBusy:  # pragma: no cover - the finding
        pytest.fail("the killed writer's lock is still held")


def files_of(*paths: Path) -> dict[str, str]:
    return {p.name: file_sha256(p) for p in paths}


@pytest.fixture()
def workspace(tmp_path):
    base_docs = tmp_path / "base"
    base_docs.mkdir()
    litang = base_docs / "litang.txt"
    litang.write_text(LITANG, encoding="utf-8")
    index_dir = tmp_path / "index"
    s = Settings(index_dir=index_dir, index_name=NAME)
    assert Indexer(NAME, settings=s, progress=False).run([litang]).added == ["litang.txt"]
    return index_dir / NAME, litang, write_reports(tmp_path / "docs")


def test_sigkill_at_each_step_of_a_write_leaves_the_previous_version(workspace):
    root, litang, docs = workspace
    before = files_of(litang)
    previous = check_version(root, before).version
    for step, nth in (("embed", 1), ("vectors", 1), ("commit", 1)):
        proc = kill_at(step, nth, docs, root.parent)
        assert proc.returncode == -signal.SIGKILL, (step, proc.returncode, proc.stdout, proc.stderr[-2000:])
        assert "finished" not in proc.stdout
        check_lock_free(root)
        store = check_version(root, before)
        assert store.version == previous, step
        check_answers(root, store)
    # a normal run completes the work; the killed writers' leftovers do not get in its way
    proc = kill_at("never", 1, docs, root.parent)
    assert proc.returncode == 0 and "finished" in proc.stdout, proc.stderr[-2000:]
    store = check_version(root, files_of(litang, *sorted(docs.iterdir())))
    check_answers(root, store)
    hits = HybridRetriever.from_settings(Settings(index_dir=root.parent, index_name=NAME), store=store).search(BATANG_Q, k=3)
    assert hits[0].doc == "batang.txt" and "86公里" in hits[0].text


def test_sigkill_at_a_random_moment_of_rag_index(workspace):
    root, litang, docs = workspace
    seed = int(os.environ.get("RAG_CRASH_SEED") or time.time_ns() % 1_000_000)
    print(f"RAG_CRASH_SEED={seed}")
    before, after = files_of(litang), files_of(litang, *sorted(docs.iterdir()))
    previous = check_version(root, before).version
    proc = start_cli(docs, root.parent)
    delay = random.Random(seed).uniform(0.2, 6.0)  # start-up, reading, embedding or writing
    time.sleep(delay)
    was_running = proc.poll() is None
    if was_running:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    check_lock_free(root)
    cur = FaissStore.current_version(root)
    store = check_version(root, before if cur == previous else after)  # the old version, or the whole new one
    check_answers(root, store)
    print(f"killed after {delay:.2f} s: {'killed' if was_running else 'had finished'}, {'old' if cur == previous else 'new'} version live")
    proc = start_cli(docs, root.parent)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    check_answers(root, check_version(root, after))
