"""Several evaluation sets and readers in one run, side by side: ``rag eval --set dev --set test`` or ``--all``.

Each (set, reader) pair is one run of :func:`rag.evaluate.run_eval` written to
``OUT/<set>/`` (``OUT/<reader>/<set>/`` when more than one reader is asked for);
``OUT/summary.md`` and ``OUT/summary.json`` hold every run found under ``OUT`` in one
table. Readers: ``current`` is the answerer the settings choose (the offline reader, or
an LLM with ``--llm``); ``baseline`` is the stock best-overlap-sentence answerer
(:class:`rag.baseline_reader.BaselineReader`), passed to the same :class:`~rag.qa.Assistant`.

Example::

    >>> from rag.eval_suite import summary_table
    >>> runs = [{"set": "dev", "reader": "current", "backend": "offline", "metrics": {"n": 98, "answer_accuracy": 0.8}},
    ...         {"set": "dev", "reader": "baseline", "backend": "baseline", "metrics": {"n": 98, "answer_accuracy": 0.5}}]
    >>> print(summary_table(runs).splitlines()[2][:52])
    | dev | current (offline) | 98 | 0.800 | – | – | – |
"""
from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Callable

from . import eval_sets
from .eval_sets import EvalSet, prepare_index
from .evaluate import compare_runs, format_value, run_eval
from .qa import Assistant
from .settings import Settings

log = logging.getLogger(__name__)

READERS = ("current", "baseline")

# the summary's columns: metric key, header
SUMMARY_COLS = [
    ("n", "n"), ("answer_accuracy", "answer acc."), ("exact_match", "EM"), ("char_f1", "F1"),
    ("citation_accuracy", "citation acc."), ("refusal_accuracy", "unanswerable refused"),
    ("false_refusal_rate", "wrongly refused"), ("quote_verbatim", "quotes verbatim"), ("answer_chars", "answer chars"),
    ("recall@5", "recall@5"), ("mrr@10", "MRR@10"), ("latency_p50_ms", "p50 ms"),
]
LEGEND = (
    "answer acc.: answerable questions answered with every `must_contain` figure/term (not refused, ≤150 chars) · "
    "EM / F1: the short answer against the gold answers, CMRC 2018 style (punctuation removed, F1 over the longest common "
    "substring, best gold answer) · citation acc.: answered questions whose cited passage holds the gold quote (on the "
    "external sets the gold answer span) · unanswerable refused / wrongly refused: refusals on unanswerable / answerable "
    "questions · quotes verbatim: citation quotes that are exact substrings of their passage · answer chars: mean length "
    "of the short answer, markers stripped · recall@5, MRR@10: the supporting passage among the retrieved · p50 ms: "
    "median seconds per question, retrieval included."
)


class FixedAnswerer(Assistant):
    """The pipeline unchanged (question cleaning, retrieval, timings) with one given answer step."""

    def __init__(self, settings: Settings, answerer, retriever=None):
        super().__init__(settings, retriever=retriever)
        self._fixed = answerer

    def answerer(self, backend: str | None = None):
        return self._fixed


class SharedRetrieval:
    """Retrieve each question once for every reader of a set: the first search runs, later ones replay it.

    Readers are then compared on the same passages, and the run takes half the time. A replayed
    search reports the seconds the real one took (``replayed_ms``), which the run adds to the
    reader's latency, so every reader's figure still includes retrieval.
    """

    def __init__(self, inner):
        self.inner = inner
        self.last_timings: dict = {}
        self._cache: dict[tuple[str, int], tuple[list, dict, float]] = {}

    def __getattr__(self, name):  # anything else (max_query_chars, store …) is the real retriever's
        return getattr(self.inner, name)

    def search(self, question: str, k: int):
        import copy

        key = (question, k)
        if key in self._cache:
            passages, timings, secs = self._cache[key]
            self.last_timings = {**timings, "replayed_ms": secs * 1000}
            return copy.deepcopy(passages)
        t0 = time.perf_counter()
        passages = self.inner.search(question, k)
        secs = time.perf_counter() - t0
        self.last_timings = dict(getattr(self.inner, "last_timings", {}) or {})
        self._cache[key] = (copy.deepcopy(passages), dict(self.last_timings), secs)
        return passages


def make_assistant(settings: Settings, reader: str = "current", retriever=None) -> Assistant:
    """An :class:`~rag.qa.Assistant` over ``settings`` whose answer step is ``reader``."""
    if reader == "current":
        return Assistant(settings, retriever=retriever)
    if reader == "baseline":
        from .baseline_reader import BaselineReader

        return FixedAnswerer(settings, BaselineReader(), retriever=retriever)
    raise ValueError(f"unknown reader {reader!r}; one of {', '.join(READERS)}")


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_suite(sets: list[EvalSet], out_dir: Path | str, settings: Settings, readers: tuple[str, ...] | list[str] = ("current",),
              k: int = 10, progress: bool = True, limit: int | None = None, records_mode: str = "full",
              external_index_dir: Path | str | None = None, notify: Callable[[str], None] = _say) -> dict:
    """Run every set with every reader; write each run and the summary under ``out_dir``; return the summary."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    readers = list(dict.fromkeys(readers))
    for r in readers:
        if r not in READERS:
            raise ValueError(f"unknown reader {r!r}; one of {', '.join(READERS)}")
    for es in sets:
        s = settings
        if es.own_index and external_index_dir:
            s = s.model_copy(update={"index_dir": Path(external_index_dir)})
        s = prepare_index(es, s, progress=progress, notify=notify)
        shared = None
        if len(readers) > 1:
            from .retrieve import HybridRetriever

            shared = SharedRetrieval(HybridRetriever.from_settings(s, s.index_name))
        for reader in readers:
            d = out / reader / es.name if len(readers) > 1 else out / es.name
            bot = make_assistant(s, reader, retriever=shared)
            t0 = time.perf_counter()
            if es.runner is not None:
                metrics = es.runner(es, bot, d, k, progress, limit)
            else:
                metrics = run_eval(es.gold_path(), d, k=k, assistant=bot, progress=progress, limit=limit, records_mode=records_mode, label=es.name)
            metrics.update(set=es.name, reader=reader, index=s.index_name)
            (d / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1), encoding="utf-8")
            crashed = f" · the answerer crashed on {metrics['errors']}" if metrics.get("errors") else ""
            notify(f"{es.name} · {reader} ({metrics.get('backend')}): {metrics['n']} questions in {time.perf_counter() - t0:.0f} s · "
                   f"answer acc. {format_value(metrics.get('answer_accuracy'))} · F1 {format_value(metrics.get('char_f1'))}{crashed} → {d}")
    return write_summary(out)


# ---------------------------------------------------------------- the summary


def discover_runs(root: Path | str) -> dict[str, dict]:
    """Every run under ``root`` (a directory with metrics.json, at most two levels down), by relative path."""
    root = Path(root)
    if (root / "metrics.json").is_file():
        return {".": json.loads((root / "metrics.json").read_text(encoding="utf-8"))}
    found = {}
    for m in sorted([*root.glob("*/metrics.json"), *root.glob("*/*/metrics.json")]):
        try:
            found[str(m.parent.relative_to(root))] = json.loads(m.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.warning("%s: unreadable metrics, skipped", m)
    return found


def _order(run: dict) -> tuple:
    names = list(eval_sets.SETS)
    s, r = run.get("set"), run.get("reader")
    return (names.index(s) if s in names else len(names), str(s), READERS.index(r) if r in READERS else len(READERS))


def reader_label(run: dict) -> str:
    reader, backend = run.get("reader") or "current", run.get("backend")
    if reader == "baseline":
        return "stock baseline"
    return f"{reader} ({backend})" if backend else reader


def summary_table(runs: list[dict]) -> str:
    """A Markdown table, one row per (set, reader)."""
    head = "| set | reader | " + " | ".join(h for _, h in SUMMARY_COLS) + " |"
    lines = [head, "|---|---|" + "---:|" * len(SUMMARY_COLS)]
    for r in runs:
        m = r.get("metrics", {})
        lines.append(f"| {r.get('set')} | {reader_label(r)} | " + " | ".join(format_value(m.get(key)) for key, _ in SUMMARY_COLS) + " |")
    return "\n".join(lines)


def write_summary(out_dir: Path | str) -> dict:
    """summary.json and summary.md over every run under ``out_dir``."""
    out = Path(out_dir)
    runs = []
    for rel, m in discover_runs(out).items():
        if rel == ".":
            continue
        runs.append({
            "set": m.get("set") or Path(rel).name, "reader": m.get("reader") or "current", "backend": m.get("backend"),
            "path": rel, "gold": m.get("gold"), "index": m.get("index"), "k": m.get("k"), "created": m.get("created"),
            "limit": m.get("limit"), "errors": m.get("errors") or 0, "metrics": {key: m.get(key) for key, _ in SUMMARY_COLS},
        })
    runs.sort(key=_order)
    summary = {"created": time.strftime("%Y-%m-%dT%H:%M:%S"), "runs": runs}
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    notes = [f"- `{r['path']}/`: {r['set']} · {reader_label(r)} · gold `{r['gold']}` · index `{r['index']}` · k={r['k']} · {r['created']}"
             + (f" · **first {r['limit']} questions only**" if r.get("limit") else "")
             + (f" · **the answerer crashed on {r['errors']} question(s)** (counted as wrong; see its report.md)" if r.get("errors") else "")
             for r in runs]
    md = ["# Evaluation summary", "", summary_table(runs), "", LEGEND, "", "## Runs", "", *notes,
          "", "Per-type figures and every failure: `<run>/report.md`."]
    (out / "summary.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    return summary


# ---------------------------------------------------------------- comparing two directories

COMPARE_KEYS = [("answer_accuracy", "acc."), ("exact_match", "EM"), ("char_f1", "F1"), ("citation_accuracy", "cite"),
                ("refusal_accuracy", "refused"), ("false_refusal_rate", "wrongly ref."), ("quote_verbatim", "verbatim")]


def _pairs(a: Path, b: Path) -> list[tuple[str, str, str]]:
    """(label, run in A, run in B): the same relative paths, else the same set names (where one side ran
    several readers, its ``current`` reader stands for the set)."""
    ra, rb = discover_runs(a), discover_runs(b)
    common = [(p, p, p) for p in ra if p in rb]
    if common:
        return common

    def by_set(runs: dict[str, dict]) -> dict[str, str]:
        out: dict[str, list[tuple[str, dict]]] = {}
        for p, m in runs.items():
            out.setdefault(m.get("set") or Path(p).name, []).append((p, m))
        pick = {}
        for name, cands in out.items():
            if len(cands) > 1:
                cands = [c for c in cands if (c[1].get("reader") or "current") == "current"]
            if len(cands) == 1:
                pick[name] = cands[0][0]
        return pick

    na, nb = by_set(ra), by_set(rb)
    return [(f"{name} ({na[name]} ↔ {nb[name]})", na[name], nb[name]) for name in na if name in nb]


def compare_dirs(a: Path | str, b: Path | str, max_list: int = 15) -> str:
    """Two runs, or two directories of runs, side by side: per run the metric deltas and the flipped questions."""
    a, b = Path(a), Path(b)
    for d in (a, b):
        if not d.is_dir():
            raise FileNotFoundError(f"{d}: no such run directory")
    if (a / "metrics.json").is_file() and (b / "metrics.json").is_file():
        return compare_runs(a, b, max_list=None)
    pairs = _pairs(a, b)
    if not pairs:
        raise ValueError(f"no run in common between {a} and {b} (each needs metrics.json, or sub-directories with one)")
    head = "| run | " + " | ".join(h for _, h in COMPARE_KEYS) + " |"
    lines = [f"A = {a}", f"B = {b}", "", head, "|---|" + "---|" * len(COMPARE_KEYS)]
    blocks = []
    for label, pa, pb in pairs:
        ma = json.loads((a / pa / "metrics.json").read_text(encoding="utf-8")) if pa != "." else json.loads((a / "metrics.json").read_text(encoding="utf-8"))
        mb = json.loads((b / pb / "metrics.json").read_text(encoding="utf-8")) if pb != "." else json.loads((b / "metrics.json").read_text(encoding="utf-8"))
        cells = []
        for key, _ in COMPARE_KEYS:
            va, vb = ma.get(key), mb.get(key)
            if isinstance(va, (int, float)) and isinstance(vb, (int, float)):
                cells.append(f"{va:.3f} → {vb:.3f} ({vb - va:+.3f})")
            else:
                cells.append(f"{format_value(va)} → {format_value(vb)}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
        blocks += ["", f"== {label} ==", compare_runs(a / pa, b / pb, max_list=max_list)]
    return "\n".join(lines + blocks)
