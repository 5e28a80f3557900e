"""Soak test: kill ``rag index`` with SIGKILL again and again; the index must never break.

    python benchmarks/reliability_soak.py [--cycles 20] [--seed N] [--workdir DIR] [--keep]

Setup (in a temporary directory): a small index of one short file (``litang.txt``), then a
complete build of two seed copies. Each cycle then changes the documents (appends a line to a
seed copy, adds, edits or deletes a small note file), starts ``rag index`` in a subprocess and
kills it with SIGKILL, either after a random delay (up to a little more than the last complete
run took: startup, reading, embedding, writing) or, every fourth cycle, the instant its
temporary version directory appears (mid-write). After each kill it checks that

* ``CURRENT`` names a complete version (every file present; vectors = FAISS = BM25 = chunk
  count = manifest) that holds either exactly the previous files or exactly the new ones,
* the index opens with ``FaissStore.open`` and a search answers from it,
* the killed writer's lock is free (the next writer is not told the index is busy).

At the end a normal run must complete and match the documents on disk exactly. Prints one
line per cycle and a summary; exits 1 when any cycle failed.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.indexer import Indexer, index_lock  # noqa: E402
from rag.loaders import file_sha256  # noqa: E402
from rag.retrieve import HybridRetriever  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.stores.faiss import FaissStore  # noqa: E402
from rag.types import IndexBusy  # noqa: E402

NAME = "soak"
SEEDS = ROOT / "seeds"
VERSION_FILES = {"manifest.json", "chunks.jsonl", "vectors.npy", "dense.faiss", "bm25.npz", "bm25_vocab.json"}
LITANG = (
    "理塘县茶马古道发展报告\n\n一、基本情况\n理塘县位于甘孜州西部，平均海拔4014米。"
    "2018年全县接待游客86万人次，实现旅游收入9.3亿元。\n\n二、主要做法\n全县建成牦牛养殖合作社42个，带动农户3150户增收。\n"
)
LITANG_Q = "理塘县建成牦牛养殖合作社多少个？"
PLACES = ["巴塘县", "得荣县", "乡城县", "白玉县", "石渠县", "色达县", "炉霍县", "丹巴县"]


def rag_command() -> list[str]:
    script = Path(sys.executable).parent / "rag"
    return [str(script)] if script.exists() else [sys.executable, "-m", "rag.cli"]


class Soak:
    def __init__(self, work: Path, rng: random.Random):
        self.work = work
        self.rng = rng
        self.index_dir = work / "index"
        self.root = self.index_dir / NAME
        self.settings = Settings(index_dir=self.index_dir, index_name=NAME)
        self.litang = work / "base" / "litang.txt"
        self.docs = work / "docs"
        self.notes: list[Path] = []
        self.last_run_s = 10.0

    # ------------------------------------------------------------ processes
    def start(self) -> subprocess.Popen:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
        env.update(RAG_INDEX_DIR=str(self.index_dir), TOKENIZERS_PARALLELISM="false")
        return subprocess.Popen(
            rag_command() + ["index", "-q", str(self.docs), "--name", NAME], env=env, cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )

    def run_to_end(self) -> None:
        t0 = time.monotonic()
        proc = self.start()
        out, err = proc.communicate(timeout=1800)
        if proc.returncode != 0:
            raise RuntimeError(f"rag index exited {proc.returncode}: {err.strip()[-500:]}")
        self.last_run_s = time.monotonic() - t0

    @staticmethod
    def kill(proc: subprocess.Popen) -> bool:
        running = proc.poll() is None
        if running:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        return running

    # ------------------------------------------------------------ state
    def expected(self) -> dict[str, str]:
        files = [self.litang] + sorted(p for p in self.docs.iterdir() if p.is_file())
        return {p.name: file_sha256(p) for p in files}

    def check(self, allowed: list[dict[str, str]]) -> tuple[FaissStore, int]:
        """The checks; returns the store and which of ``allowed`` it holds. Raises AssertionError."""
        version = (self.root / "CURRENT").read_text().strip()
        present = {p.name for p in (self.root / version).iterdir()} if (self.root / version).is_dir() else set()
        assert VERSION_FILES <= present, f"CURRENT={version} is not a complete version: {sorted(present)}"
        store = FaissStore.load(self.root)
        m = store.manifest
        counts = (store.count, m["chunk_count"], store.vectors.shape[0], store.faiss_index.ntotal, store.bm25.n_docs)
        assert len(set(counts)) == 1, f"parts disagree (records, manifest, vectors, faiss, bm25) = {counts}"
        assert sum(f["chunks"] for f in m["files"].values()) == store.count, "manifest file counts != chunks"
        held = {f["source"]: f["sha256"] for f in m["files"].values()}
        assert held in allowed, f"the index holds neither the previous nor the new files: {sorted(held)}"
        hits = HybridRetriever.from_settings(self.settings, store=store).search(LITANG_Q, k=3)
        assert hits and hits[0].doc == "litang.txt", f"search broke: {[h.doc for h in hits]}"
        try:
            with index_lock(self.root):
                pass
        except IndexBusy as e:
            raise AssertionError(f"the killed writer's lock is still held: {e}") from None
        return store, allowed.index(held)

    def mutate(self, i: int) -> str:
        choice = self.rng.choice(["append", "add", "add", "edit", "delete"])
        if choice in ("edit", "delete") and not self.notes:
            choice = "add"
        place = self.rng.choice(PLACES)
        line = f"\n{place}2020年第{i}批新建村级活动场所{self.rng.randint(2, 99)}个。\n"
        if choice == "append":
            target = self.rng.choice(sorted(p for p in self.docs.iterdir() if p.name[:3].isdigit()))
            with open(target, "a", encoding="utf-8") as f:
                f.write(line)
            return f"append to {target.name}"
        if choice == "add":
            p = self.docs / f"note_{i:03d}.txt"
            p.write_text(f"{place}工作简报（第{i}期）\n{line}", encoding="utf-8")
            self.notes.append(p)
            return f"add {p.name}"
        p = self.rng.choice(self.notes)
        if choice == "edit":
            with open(p, "a", encoding="utf-8") as f:
                f.write(line)
            return f"edit {p.name}"
        p.unlink()
        self.notes.remove(p)
        return f"delete {p.name}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--seed", type=int, default=None, help="random seed (printed; replays the kill points)")
    ap.add_argument("--workdir", help="work here instead of a temporary directory")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args(argv)

    seed = args.seed if args.seed is not None else time.time_ns() % 1_000_000
    rng = random.Random(seed)
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="rag-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    soak = Soak(work, rng)
    t_begin = time.monotonic()
    print(f"soak: {args.cycles} cycles · seed {seed} · work {work}", flush=True)
    try:
        (work / "base").mkdir(exist_ok=True)
        soak.litang.write_text(LITANG, encoding="utf-8")
        Indexer(NAME, settings=soak.settings, progress=False).run([soak.litang])
        soak.docs.mkdir(exist_ok=True)
        for p in sorted(SEEDS.glob("*.txt"))[:1] + sorted(SEEDS.glob("*.txt"))[4:5]:
            shutil.copyfile(p, soak.docs / p.name)
        soak.run_to_end()
        soak.check([soak.expected()])
        print(f"setup: complete build of {len(soak.expected())} files in {soak.last_run_s:.1f} s", flush=True)
        soak.mutate(0)  # one incremental run: how long the runs the cycles kill take
        soak.run_to_end()
        soak.check([soak.expected()])
        print(f"setup: an incremental run takes {soak.last_run_s:.1f} s", flush=True)

        outcomes = {"old": 0, "new": 0}
        failures: list[str] = []
        killed = finished = write_kills = 0
        for i in range(1, args.cycles + 1):
            before = {f["source"]: f["sha256"] for f in FaissStore.load(soak.root).manifest["files"].values()}
            what = soak.mutate(i)
            after = soak.expected()
            proc = soak.start()
            t0 = time.monotonic()
            if i % 4 == 0:
                known = {p.name for p in soak.root.iterdir()}
                how = "on write"
                while proc.poll() is None and time.monotonic() - t0 < 600:
                    if any(p.name not in known and p.name.startswith((".tmp-", "v-")) for p in soak.root.iterdir()):
                        break
                    time.sleep(0.001)
                write_kills += 1
            else:
                delay = rng.uniform(0.2, max(1.0, soak.last_run_s * 1.1))
                how = f"after {delay:.1f} s"
                while proc.poll() is None and time.monotonic() - t0 < delay:
                    time.sleep(0.01)
            t_end = time.monotonic()
            was_running = Soak.kill(proc)
            killed += was_running
            finished += not was_running
            try:
                store, which = soak.check([before, after])
                state = "old" if which == 0 and before != after else "new"
                outcomes[state] += 1
                status = f"ok ({state} version {store.version}, {store.count} chunks)"
            except Exception as e:  # noqa: BLE001 - every failure is reported
                failures.append(f"cycle {i}: {type(e).__name__}: {e}")
                status = f"FAIL {type(e).__name__}: {e}"
            print(f"cycle {i:>3}: {what:<34} killed {how:<14} {'(still running)' if was_running else '(had finished)':<16} {status}", flush=True)
            if not was_running:  # it finished within t_end - t0: track how long runs take now
                soak.last_run_s = 0.5 * soak.last_run_s + 0.5 * (t_end - t0)

        # the last normal run must complete the index exactly
        final_ok = True
        try:
            soak.run_to_end()
            store, _ = soak.check([soak.expected()])
            final = f"ok: {store.count} chunks, {len(store.manifest['files'])} files, matches the documents on disk ({soak.last_run_s:.1f} s)"
        except Exception as e:  # noqa: BLE001
            final_ok = False
            final = f"FAIL {type(e).__name__}: {e}"
        leftovers = sorted(p.name for p in soak.root.iterdir() if p.name.startswith("."))
        versions = sorted(p.name for p in soak.root.glob("v-*"))
        ok = not failures and final_ok
        print()
        print("summary")
        print(f"  cycles            {args.cycles} (seed {seed})")
        print(f"  successes         {args.cycles - len(failures)}")
        print(f"  failures          {len(failures)}")
        print(f"  killed mid-run    {killed} ({write_kills} at the moment the new version was being written)")
        print(f"  finished first    {finished}")
        print(f"  index after kill  previous version {outcomes['old']} · new complete version {outcomes['new']}")
        print(f"  final run         {final}")
        print(f"  left on disk      {len(versions)} version dirs, {len(leftovers)} temp entries {leftovers[:6]}")
        print(f"  time              {time.monotonic() - t_begin:.0f} s")
        for f in failures:
            print(f"  ! {f}")
        print(f"{'PASS' if ok else 'FAIL'}: {args.cycles - len(failures)} passed, {len(failures)} failed")
        return 0 if ok else 1
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
