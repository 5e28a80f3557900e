"""Load test of ``POST /api/ask`` on loopback: concurrent clients for a bounded time.

    .venv/bin/python benchmarks/load_api.py                      # own server, 8 clients, 60 s
    .venv/bin/python benchmarks/load_api.py --clients 4 --seconds 20
    .venv/bin/python benchmarks/load_api.py --url http://127.0.0.1:7860   # a running `rag serve`

Without ``--url`` it starts the app (UI + API, as ``rag serve`` does) on a free
127.0.0.1 port over the index named by RAG_INDEX_DIR/RAG_INDEX_NAME, or, when that
index does not exist, over a seeds index it builds in a temporary directory.
Questions rotate through eval/gold_dev.jsonl (or ``--questions FILE``). Only loopback targets are accepted. The run is bounded by ``--seconds`` and
``--max-requests`` and stops by itself; it prints throughput, latency
percentiles and the error count (non-200 answers and transport errors).
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [
    "稻城县2014年审定贫困村多少个？",
    "貧困縣精準識別了多少個貧困村？",
    "How many poor households did Daocheng County identify in 2014?",
    "昌都市2016年以来累计减贫多少户？",
]


def load_questions(path: str | None) -> list[str]:
    """Questions to rotate through: a gold JSONL file's ``question`` fields (default eval/gold_dev.jsonl), else the UI examples."""
    p = Path(path) if path else ROOT / "eval" / "gold_dev.jsonl"
    if not p.exists():
        if path:
            raise SystemExit(f"{p}: no such file")
        return list(EXAMPLES)
    qs = [json.loads(line)["question"] for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    return qs or list(EXAMPLES)


def loopback_only(url: str) -> str:
    host = urlparse(url).hostname or ""
    ok = host == "localhost"
    if not ok:
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = False
    if not ok:
        raise SystemExit(f"refusing {url}: this load test only targets loopback addresses (127.0.0.0/8, ::1, localhost)")
    return url.rstrip("/")


class OwnServer:
    """The app served by uvicorn in a background thread on a free loopback port."""

    def __init__(self):
        import uvicorn

        from rag.indexer import Indexer
        from rag.settings import Settings
        from rag.stores.faiss import FaissStore
        from rag.ui import create_app

        s = Settings()
        self.tmp = None
        if s.store == "faiss" and not FaissStore.exists(s.index_path):
            self.tmp = tempfile.TemporaryDirectory(prefix="rag-load-")
            s = s.model_copy(update={"index_dir": Path(self.tmp.name), "index_name": "seeds"})
            print(f"building a seeds index in {s.index_path} …", file=sys.stderr, flush=True)
            report = Indexer(s.index_name, settings=s, progress=False).run([ROOT / "seeds"])
            print(f"  {report.chunks} chunks in {report.seconds:.1f} s", file=sys.stderr, flush=True)
        self.settings = s
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(create_app(s), log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "OwnServer":
        self.thread.start()
        deadline = time.time() + 120
        while not self.server.started:
            if not self.thread.is_alive() or time.time() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.05)
        print(f"serving index '{self.settings.index_name}' ({self.settings.index_path}) at {self.url}", file=sys.stderr, flush=True)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()
        if self.tmp is not None:
            self.tmp.cleanup()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    xs = sorted(values)
    i = (len(xs) - 1) * q
    lo, hi = int(i), min(int(i) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (i - lo)


def run(url: str, clients: int, seconds: float, max_requests: int, k: int, token: str | None, timeout: float,
        questions: list[str] | None = None) -> dict:
    import httpx

    questions = questions or list(EXAMPLES)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    lock = threading.Lock()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    issued = [0]
    stop_at = time.perf_counter() + seconds

    with httpx.Client(base_url=url, headers=headers, timeout=timeout) as c:  # warm-up, not counted
        r = c.post("/api/ask", json={"question": EXAMPLES[0], "k": k})
        if r.status_code != 200:
            raise SystemExit(f"warm-up request failed: HTTP {r.status_code} {r.text[:200]}")

    def client(n: int) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=timeout) as c:
            i = n * max(1, len(questions) // clients)  # clients start at different questions
            while time.perf_counter() < stop_at:
                with lock:
                    if issued[0] >= max_requests:
                        return
                    issued[0] += 1
                q = questions[i % len(questions)]
                i += 1
                t0 = time.perf_counter()
                try:
                    r = c.post("/api/ask", json={"question": q, "k": k})
                    kind = None if r.status_code == 200 and "answer" in r.json() else f"HTTP {r.status_code}"
                except (httpx.HTTPError, json.JSONDecodeError) as e:
                    kind = type(e).__name__
                dt = time.perf_counter() - t0
                with lock:
                    if kind is None:
                        latencies.append(dt)
                    else:
                        errors[kind] = errors.get(kind, 0) + 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + timeout + 30)
    wall = time.perf_counter() - t0
    ok = len(latencies)
    n_err = sum(errors.values())
    return {
        "url": url, "clients": clients, "questions": len(questions), "seconds": round(wall, 2), "requests": ok + n_err, "ok": ok, "errors": n_err,
        "error_kinds": errors, "throughput_rps": round(ok / wall, 2) if wall else 0.0,
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50) * 1000, 1), "p95": round(percentile(latencies, 0.95) * 1000, 1),
            "p99": round(percentile(latencies, 0.99) * 1000, 1), "max": round(max(latencies) * 1000, 1) if latencies else None,
            "mean": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        },
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", help="a running server on loopback (default: start one on a free port)")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients (1-64, default 8)")
    p.add_argument("--seconds", type=float, default=60.0, help="duration (1-600 s, default 60)")
    p.add_argument("--max-requests", type=int, default=100_000, help="stop after this many requests (default 100000)")
    p.add_argument("--questions", help="JSONL file whose 'question' fields are asked in turn (default eval/gold_dev.jsonl)")
    p.add_argument("-k", type=int, default=10, help="passages per question (default 10)")
    p.add_argument("--token", default=os.environ.get("RAG_API_TOKEN") or None, help="API token (default RAG_API_TOKEN)")
    p.add_argument("--timeout", type=float, default=60.0, help="per-request timeout in seconds")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    a = p.parse_args(argv)
    if not 1 <= a.clients <= 64 or not 1 <= a.seconds <= 600 or a.max_requests < 1:
        p.error("--clients must be 1-64, --seconds 1-600, --max-requests ≥ 1")
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost,::1")
    questions = load_questions(a.questions)

    if a.url:
        res = run(loopback_only(a.url), a.clients, a.seconds, a.max_requests, a.k, a.token, a.timeout, questions)
    else:
        with OwnServer() as srv:
            res = run(srv.url, a.clients, a.seconds, a.max_requests, a.k, a.token or srv.settings.api_token or None, a.timeout, questions)
    if a.json:
        print(json.dumps(res, ensure_ascii=False, indent=1))
    else:
        lat = res["latency_ms"]
        print(f"POST /api/ask · {res['clients']} clients · {res['seconds']} s · {res['questions']} distinct questions · {res['url']}")
        print(f"  requests   {res['requests']} ({res['ok']} ok, {res['errors']} errors{' ' + str(res['error_kinds']) if res['errors'] else ''})")
        print(f"  throughput {res['throughput_rps']} req/s")
        print(f"  latency    p50 {lat['p50']} ms · p95 {lat['p95']} ms · p99 {lat['p99']} ms · max {lat['max']} ms")
    return 1 if res["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
