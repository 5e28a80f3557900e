"""Evaluation against a gold set: retrieval, answers, citations, refusals, latency.

Every metric is a named function ``metric(items) -> MetricResult`` (the aggregate
and the per-item values, ``None`` where the item does not apply), so a new metric
is one function added to ``METRICS``. ``items`` are ``(gold, record)`` pairs.

Example::

    >>> from rag.evaluate import mrr_at_10
    >>> gold = {"id": "q1", "doc": "a.txt", "quote": "贫困村55个", "answers": ["55"], "must_contain": ["55"]}
    >>> rec = {"retrieved": [{"doc": "a.txt", "section": "", "text": "x"}, {"doc": "b.txt", "section": "", "text": "y"},
    ...                      {"doc": "a.txt", "section": "", "text": "贫困村55个"}]}
    >>> mrr_at_10([(gold, rec)]).value
    0.3333333333333333
"""
from __future__ import annotations

import html
import json
import logging
import math
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .normalize import match_key, nfkc, to_simplified

log = logging.getLogger(__name__)

Item = tuple[dict, dict]


@dataclass
class MetricResult:
    name: str
    value: float | None
    per_item: list[float | None]

    @property
    def n(self) -> int:
        return sum(1 for v in self.per_item if v is not None)


def _agg(name: str, per_item: list[float | None]) -> MetricResult:
    vals = [v for v in per_item if v is not None]
    return MetricResult(name, (sum(vals) / len(vals)) if vals else None, per_item)


def answerable(g: dict) -> bool:
    return bool(g.get("quote")) and g.get("type") != "unanswerable"


# ---------------------------------------------------------------- matching

_MARKER = re.compile(r"\[\d+\]|【\d+】")


def clean_answer(text: str) -> str:
    """Answer text for matching: no citation markers, NFKC, simplified, no white space, lower case."""
    return match_key(_MARKER.sub("", text or ""))


def contains_quote(passage: dict, quote: str) -> bool:
    return match_key(quote) in match_key(f"{passage.get('section') or ''}\n{passage.get('text') or ''}")


def gold_quotes(g: dict) -> list[tuple[str, str]]:
    out = [(g["doc"], g["quote"])]
    if g.get("quote2"):
        out.append((g.get("doc2") or g["doc"], g["quote2"]))
    return out


def is_hit(passage: dict, g: dict) -> bool:
    """The passage holds a gold supporting quote (a slim record carries the verdict as ``hit``)."""
    if "text" not in passage and "hit" in passage:
        return bool(passage["hit"])
    return any(passage.get("doc") == d and contains_quote(passage, q) for d, q in gold_quotes(g))


def first_hit_rank(g: dict, rec: dict, k: int = 10) -> int | None:
    for i, p in enumerate(rec.get("retrieved", [])[:k], start=1):
        if is_hit(p, g):
            return i
    return None


# CMRC 2018's official scoring (cmrc2018_evaluate.py): punctuation removed; each CJK character is a token,
# runs of other characters are split into words; F1 over the longest common *substring* of the two token
# lists; EM on the strings without punctuation; the max over the gold answers. Here both sides are also
# NFKC-folded, put in simplified script and stripped of citation markers, so 臺/台 or ５５/55 do not count.
_CMRC_PUNCT = set("-:_*^/\\~`+=，。：？！“”；’《》……·、「」（）－～『』")
_CMRC_PUNCT |= {nfkc(ch) for ch in _CMRC_PUNCT if len(nfkc(ch)) == 1}  # the same marks after NFKC (，→, （→( …)
_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+|\d+|[^\w\s]")  # like nltk.word_tokenize on what is left


def _cmrc_normal(text: str) -> str:
    return to_simplified(nfkc(_MARKER.sub("", text or ""))).lower().strip()


def answer_tokens(text: str) -> list[str]:
    """CMRC-style tokens without punctuation: each CJK character, other runs split into words and numbers."""
    out: list[str] = []
    run = ""
    for ch in _cmrc_normal(text):
        if ch in _CMRC_PUNCT or _CJK_CHAR.match(ch) or ch.isspace():
            out.extend(_WORD.findall(run))
            run = ""
            if _CJK_CHAR.match(ch):
                out.append(ch)
        else:
            run += ch
    out.extend(_WORD.findall(run))
    return out


def _longest_common_substring(a: list[str], b: list[str]) -> int:
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def char_f1_score(pred: str, gold: str) -> float:
    """CMRC 2018 F1 of one prediction against one gold answer (longest common substring of the tokens)."""
    p, g = answer_tokens(pred), answer_tokens(gold)
    if not p or not g:
        return float(p == g)
    lcs = _longest_common_substring(g, p)
    if lcs == 0:
        return 0.0
    prec, rec = lcs / len(p), lcs / len(g)
    return 2 * prec * rec / (prec + rec)


def exact_match_score(pred: str, gold: str) -> float:
    """CMRC 2018 exact match: equal once punctuation (and white space, markers, width, script) is removed."""
    strip = lambda t: "".join(ch for ch in _cmrc_normal(t) if ch not in _CMRC_PUNCT and not ch.isspace())  # noqa: E731
    return float(bool(strip(gold)) and strip(pred) == strip(gold))


# ---------------------------------------------------------------- metrics


def recall_at(k: int) -> Callable[[list[Item]], MetricResult]:
    def metric(items: list[Item]) -> MetricResult:
        per = []
        for g, r in items:
            if not answerable(g):
                per.append(None)
                continue
            rank = first_hit_rank(g, r, k)
            per.append(1.0 if rank is not None else 0.0)
        return _agg(f"recall@{k}", per)

    metric.__name__ = f"recall_at_{k}"
    return metric


def mrr_at_10(items: list[Item]) -> MetricResult:
    per = []
    for g, r in items:
        if not answerable(g):
            per.append(None)
            continue
        rank = first_hit_rank(g, r, 10)
        per.append(1.0 / rank if rank else 0.0)
    return _agg("mrr@10", per)


def ndcg_at_10(items: list[Item]) -> MetricResult:
    per = []
    for g, r in items:
        if not answerable(g):
            per.append(None)
            continue
        rels = [1.0 if is_hit(p, g) else 0.0 for p in r.get("retrieved", [])[:10]]
        dcg = sum(rel / math.log2(i + 2) for i, rel in enumerate(rels))
        n_rel = max(1, min(len(gold_quotes(g)), sum(rels) or 1))
        idcg = sum(1.0 / math.log2(i + 2) for i in range(int(n_rel)))
        per.append(dcg / idcg if idcg else 0.0)
    return _agg("ndcg@10", per)


def answer_correct(g: dict, r: dict, max_chars: int = 150) -> bool:
    ans = r.get("answer") or ""
    if r.get("refused") or len(_MARKER.sub("", ans)) > max_chars:
        return False
    key = clean_answer(ans)
    return all(match_key(tok) in key for tok in g.get("must_contain", []))


def answer_accuracy(items: list[Item]) -> MetricResult:
    """Answerable items: not refused, at most 150 characters, every ``must_contain`` token present."""
    return _agg("answer_accuracy", [None if not answerable(g) else float(answer_correct(g, r)) for g, r in items])


def overall_accuracy(items: list[Item]) -> MetricResult:
    """Every item: answerable ones answered correctly, unanswerable ones refused."""
    return _agg("overall_accuracy", [float(answer_correct(g, r)) if answerable(g) else float(bool(r.get("refused"))) for g, r in items])


def char_f1(items: list[Item]) -> MetricResult:
    """Answerable items: CMRC 2018 F1 of the short answer, the max over gold answers (0 when refused)."""
    per = []
    for g, r in items:
        if not answerable(g):
            per.append(None)
            continue
        per.append(0.0 if r.get("refused") else max((char_f1_score(r.get("answer", ""), a) for a in g.get("answers") or [""]), default=0.0))
    return _agg("char_f1", per)


def exact_match(items: list[Item]) -> MetricResult:
    """Answerable items: the short answer equals a gold answer (CMRC 2018 style; 0 when refused)."""
    per = []
    for g, r in items:
        if not answerable(g):
            per.append(None)
            continue
        pred = r.get("answer", "")
        per.append(0.0 if r.get("refused") else max((exact_match_score(pred, a) for a in g.get("answers") or []), default=0.0))
    return _agg("exact_match", per)


def citation_accuracy(items: list[Item]) -> MetricResult:
    """Answered, answerable items: some cited passage contains a gold supporting quote. On the external
    sets the quote is the gold answer span, so this is "a cited passage holds the gold answer"."""
    per = []
    for g, r in items:
        if not answerable(g) or r.get("refused"):
            per.append(None)
            continue
        per.append(float(any(is_hit(c, g) for c in r.get("citations", []))))
    return _agg("citation_accuracy", per)


def refusal_accuracy(items: list[Item]) -> MetricResult:
    """Unanswerable items that were refused."""
    return _agg("refusal_accuracy", [None if answerable(g) else float(bool(r.get("refused"))) for g, r in items])


def false_refusal_rate(items: list[Item]) -> MetricResult:
    """Answerable items that were refused (lower is better)."""
    return _agg("false_refusal_rate", [float(bool(r.get("refused"))) if answerable(g) else None for g, r in items])


def figures_grounded(r: dict) -> bool | None:
    """Every figure of the answer stands in a cited passage; ``None`` for a refusal or an empty answer
    (a slim record carries the verdict as ``figures_grounded``)."""
    if r.get("refused") or not r.get("answer"):
        return None
    if "figures_grounded" in r:
        return r["figures_grounded"]
    from .grounding import check_answer

    return bool(check_answer(r["answer"], {c["n"]: c.get("text") or "" for c in r.get("citations", [])}).ok)


def numbers_grounded(items: list[Item]) -> MetricResult:
    """Answers whose every figure stands in a cited passage (the product's promise)."""
    per = []
    for _, r in items:
        ok = figures_grounded(r)
        per.append(None if ok is None else float(ok))
    return _agg("numbers_grounded", per)


def short_answer(text: str) -> str:
    """The answer as a person reads it: citation markers removed, outer white space stripped."""
    return _MARKER.sub("", text or "").strip()


def answer_length(items: list[Item]) -> MetricResult:
    """Answered items: characters of the short answer (markers stripped); the mean is the aggregate."""
    return _agg("answer_chars", [None if r.get("refused") or not r.get("answer") else float(len(short_answer(r["answer"]))) for _, r in items])


def quote_is_verbatim(c: dict) -> bool:
    """A citation's quote is a non-empty exact substring of its passage text, at ``start`` when given
    (a slim record carries the verdict as ``verbatim``)."""
    if "text" not in c and "verbatim" in c:
        return bool(c["verbatim"])
    quote, text, start = c.get("quote") or "", c.get("text") or "", c.get("start")
    if not quote or quote not in text:
        return False
    return start is None or text[start:start + len(quote)] == quote


def quote_verbatim(items: list[Item]) -> MetricResult:
    """The share of citation quotes found verbatim in their passage text (over all citations; per item
    the item's share, ``None`` without citations)."""
    per, found, total = [], 0, 0
    for _, r in items:
        cites = r.get("citations") or []
        if not cites:
            per.append(None)
            continue
        ok = sum(quote_is_verbatim(c) for c in cites)
        found, total = found + ok, total + len(cites)
        per.append(ok / len(cites))
    return MetricResult("quote_verbatim", (found / total) if total else None, per)


METRICS: list[Callable[[list[Item]], MetricResult]] = [
    recall_at(1), recall_at(3), recall_at(5), recall_at(10), mrr_at_10, ndcg_at_10,
    answer_accuracy, overall_accuracy, char_f1, exact_match, citation_accuracy,
    refusal_accuracy, false_refusal_rate, numbers_grounded, quote_verbatim, answer_length,
]


def latency(items: list[Item]) -> dict:
    secs = sorted(r.get("seconds", 0.0) for _, r in items)
    if not secs:
        return {}
    pick = lambda q: secs[min(len(secs) - 1, int(round(q * (len(secs) - 1))))]  # noqa: E731
    return {"latency_p50_ms": round(pick(0.5) * 1000, 1), "latency_p95_ms": round(pick(0.95) * 1000, 1), "latency_mean_ms": round(statistics.mean(secs) * 1000, 1)}


def compute_metrics(items: list[Item]) -> dict:
    """Every metric overall, per ``type`` and per ``lang``."""
    def block(sub: list[Item]) -> dict:
        out = {"n": len(sub)}
        for m in METRICS:
            res = m(sub)
            out[res.name] = None if res.value is None else round(res.value, 4)
        out.update(latency(sub))
        return out

    metrics = block(items)
    for key in ("type", "lang"):
        groups: dict[str, list[Item]] = {}
        for g, r in items:
            groups.setdefault(g.get(key) or "?", []).append((g, r))
        metrics[f"by_{key}"] = {k: block(v) for k, v in sorted(groups.items())}
    return metrics


# ---------------------------------------------------------------- running


def checkout_root() -> Path:
    """The project checkout that gold files (``eval/``) and the seeds are relative to: the working
    directory when it holds ``eval/``, else the checkout this package is imported from (an editable
    install), else the working directory."""
    cwd = Path.cwd()
    if (cwd / "eval").is_dir():
        return cwd
    here = Path(__file__).resolve().parent.parent
    return here if (here / "eval").is_dir() else cwd


def _display_path(p: Path | str) -> str:
    """A gold path relative to the checkout when it is inside it (reports and metrics stay portable)."""
    path = Path(p)
    try:
        return str(path.resolve().relative_to(checkout_root().resolve()))
    except ValueError:
        return str(p)


def load_gold(path: Path | str) -> list[dict]:
    items = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if line.strip():
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}:{n}: not valid JSON ({e.msg})") from None
    for g in items:
        missing = [k for k in ("id", "question") if k not in g]
        if missing:
            raise ValueError(f"{path}: item {g.get('id', '?')} lacks {', '.join(missing)}")
        g.setdefault("answers", [])
        g.setdefault("must_contain", [])
        g.setdefault("type", "unknown")
        g.setdefault("lang", "?")
    return items


def record_for(g: dict, ans, k: int, seconds: float) -> dict:
    rec = {
        "id": g["id"],
        "question": g["question"],
        "answer": ans.answer,
        "refused": ans.refused,
        "backend": ans.backend,
        "grounded": ans.grounded,
        "confidence": None if getattr(ans, "confidence", None) is None else round(ans.confidence, 4),
        "warnings": ans.warnings,
        "citations": [{"n": c.n, "doc": c.doc, "chunk_id": c.chunk_id, "section": c.section, "text": c.text, "quote": c.quote,
                       "start": c.start} for c in ans.citations],
        "retrieved": [{"rank": p.rank, "doc": p.doc, "chunk_id": p.chunk_id, "section": p.section, "text": p.text, "score": round(p.score, 6)} for p in ans.passages[:k]],
        "seconds": round(seconds, 4),
    }
    rec["gold_rank"] = first_hit_rank(g, rec, k) if answerable(g) else None
    return rec


def error_record(g: dict, exc: Exception, bot, k: int, seconds: float) -> dict:
    """The record of a question the answerer crashed on: no answer (so it counts as wrong), the error, and
    the passages retrieval found (so retrieval is still scored for it)."""
    from .types import Answer

    try:
        passages = bot.search(g["question"], k)
    except Exception:  # noqa: BLE001
        passages = []
    rec = record_for(g, Answer(question=g["question"], answer="", refused=False, backend="error", passages=passages), k, seconds)
    rec["error"] = f"{type(exc).__name__}: {exc}"
    return rec


def slim_record(rec: dict, g: dict) -> dict:
    """A record for a committed baseline, without passage texts: retrieved passages keep rank, doc, chunk id,
    score and whether they hold a gold quote; citations their quote, offset and whether the quote is
    verbatim and the passage holds the gold; the record whether its figures are grounded. Every metric
    still computes from it (:func:`is_hit`, :func:`quote_is_verbatim`, :func:`figures_grounded`)."""
    out = dict(rec)
    out["figures_grounded"] = figures_grounded(rec)
    gold_ok = answerable(g)
    out["retrieved"] = [{k: v for k, v in p.items() if k not in ("text", "section")} | {"hit": bool(gold_ok and is_hit(p, g))}
                        for p in rec.get("retrieved", [])]
    out["citations"] = [{k: v for k, v in c.items() if k != "text"} | {"hit": bool(gold_ok and is_hit(c, g)), "verbatim": quote_is_verbatim(c)}
                        for c in rec.get("citations", [])]
    return out


def write_records(path: Path, records: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def read_records(path: Path | str) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def run_eval(gold_path: Path | str, out_dir: Path | str, k: int = 10, assistant=None, llm: str | None = None, progress: bool = True,
             limit: int | None = None, records_mode: str = "full", label: str | None = None) -> dict:
    """Answer every gold question, write records.jsonl, metrics.json, report.md and report.html.

    ``limit`` answers only the first N questions (a smoke run, not a figure to report);
    ``records_mode="slim"`` writes records without the retrieved passages' text (see :func:`slim_record`).
    """
    from .qa import Assistant

    gold = load_gold(gold_path)[:limit] if limit else load_gold(gold_path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if assistant is None:  # the built-in defaults: the faces pass an assistant built from their settings
        from .settings import defaults

        assistant = Assistant(defaults(), llm=llm)
    bot = assistant
    bot.ask("warm-up 测试", k=k)  # load models before timing
    records = []
    it = gold
    if progress:
        from tqdm import tqdm

        it = tqdm(gold, desc=f"eval {label}" if label else "eval", unit="q", leave=False, dynamic_ncols=True, disable=None)
    for g in it:
        t0 = time.perf_counter()
        try:
            ans = bot.ask(g["question"], k=k)
        except Exception as e:  # noqa: BLE001 — a crash on one question is a result to report, not the end of the run
            log.warning("%s: the answerer failed (%s: %s); counted as a wrong answer", g["id"], type(e).__name__, e)
            records.append(error_record(g, e, bot, k, time.perf_counter() - t0))
            continue
        seconds = time.perf_counter() - t0 + ans.timings.get("search_replayed_ms", 0.0) / 1000  # a replayed search: its real cost
        records.append(record_for(g, ans, k, seconds))
    items = list(zip(gold, records))
    write_records(out / "records.jsonl", [slim_record(r, g) for g, r in items] if records_mode == "slim" else records)
    metrics = compute_metrics(items)
    metrics["gold"] = _display_path(gold_path)
    metrics["k"] = k
    metrics["backend"] = next((r["backend"] for r in records if not r.get("error")), None)
    metrics["created"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    metrics["errors"] = sum(1 for r in records if r.get("error"))
    if label:
        metrics["set"] = label
    if limit:
        metrics["limit"] = limit
    (out / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1), encoding="utf-8")
    report = render_report(metrics, items)
    (out / "report.md").write_text(report, encoding="utf-8")
    (out / "report.html").write_text(render_html(metrics, items), encoding="utf-8")
    return metrics


# ---------------------------------------------------------------- reports

HEADLINE = [
    ("recall@1", "Recall@1"), ("recall@3", "Recall@3"), ("recall@5", "Recall@5"), ("recall@10", "Recall@10"),
    ("mrr@10", "MRR@10"), ("ndcg@10", "nDCG@10"), ("answer_accuracy", "Answer accuracy"),
    ("overall_accuracy", "Overall accuracy (incl. refusals)"), ("char_f1", "Char F1"), ("exact_match", "Exact match"),
    ("citation_accuracy", "Citation accuracy"), ("refusal_accuracy", "Unanswerable refused"),
    ("false_refusal_rate", "Answerable wrongly refused"), ("numbers_grounded", "Answers with every figure grounded"),
    ("quote_verbatim", "Citation quotes verbatim in their passage"), ("answer_chars", "Short answer length (chars)"),
    ("latency_p50_ms", "Latency p50 (ms)"), ("latency_p95_ms", "Latency p95 (ms)"),
]
GROUP_COLS = ["n", "recall@5", "mrr@10", "answer_accuracy", "exact_match", "char_f1", "citation_accuracy", "refusal_accuracy",
              "false_refusal_rate", "quote_verbatim", "answer_chars", "latency_p50_ms"]


def format_value(v) -> str:
    """A metric for a table: 3 decimals for rates, 1 for milliseconds, – when not applicable."""
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) <= 1.0 else f"{v:.1f}"
    return str(v)


def failures(items: list[Item]) -> list[tuple[dict, dict, str]]:
    out = []
    for g, r in items:
        if r.get("error"):
            out.append((g, r, f"the answerer crashed ({r['error'][:120]})"))
            continue
        if answerable(g):
            if r.get("refused"):
                why = "wrongly refused"
            elif not answer_correct(g, r):
                why = "wrong or missing figure/term"
            elif not any(is_hit(c, g) for c in r.get("citations", [])):
                why = "right answer, citation misses the gold passage"
            else:
                continue
        elif not r.get("refused"):
            why = "should have refused"
        else:
            continue
        out.append((g, r, why))
    return out


def render_report(metrics: dict, items: list[Item]) -> str:
    lines = ["# Evaluation report", "", f"Gold: `{metrics.get('gold')}` · items: {metrics['n']} · k={metrics.get('k')} · backend: {metrics.get('backend')} · {metrics.get('created')}", ""]
    lines += ["## Headline", "", "| metric | value |", "|---|---|"]
    lines += [f"| {label} | {format_value(metrics.get(key))} |" for key, label in HEADLINE]
    for key in ("type", "lang"):
        lines += ["", f"## By {key}", "", "| " + key + " | " + " | ".join(GROUP_COLS) + " |", "|---" * (len(GROUP_COLS) + 1) + "|"]
        for name, m in metrics[f"by_{key}"].items():
            lines.append(f"| {name} | " + " | ".join(format_value(m.get(c)) for c in GROUP_COLS) + " |")
    fails = failures(items)
    lines += ["", f"## Failures ({len(fails)})", ""]
    if not fails:
        lines.append("None.")
    for g, r, why in fails:
        rank = first_hit_rank(g, r, 10) if answerable(g) else None
        lines += [
            f"### {g['id']} · {g.get('type')} · {why}",
            "",
            f"- **Question:** {g['question']}",
            f"- **Expected:** {' / '.join(g.get('answers') or ['(refuse)'])} (must contain: {', '.join(g.get('must_contain') or []) or '–'})",
            f"- **Gold quote:** {g.get('doc') or '–'}: {g.get('quote') or '–'}",
            f"- **Answer:** {r.get('answer')}" + (" *(refused)*" if r.get("refused") else ""),
            f"- **Gold passage rank:** {rank if rank else 'not in top 10' if answerable(g) else '–'}",
            "- **Retrieved:**",
        ]
        for p in r.get("retrieved", [])[:3]:
            mark = " ✅" if answerable(g) and is_hit(p, g) else ""
            snippet = p["text"][:90].replace("\n", " ")
            lines.append(f"  {p['rank']}. `{p['doc']}` {p['section']}{mark} — {snippet}…")
        lines.append("")
    return "\n".join(lines) + "\n"


def render_html(metrics: dict, items: list[Item]) -> str:
    def bar(v):
        if not isinstance(v, (int, float)) or v > 1:
            return format_value(v)
        return f"<div class=bar><span style='width:{v * 100:.0f}%'></span><b>{v:.3f}</b></div>"

    rows = "".join(f"<tr><td>{html.escape(label)}</td><td>{bar(metrics.get(key))}</td></tr>" for key, label in HEADLINE)
    groups = ""
    for key in ("type", "lang"):
        head = "".join(f"<th>{c}</th>" for c in GROUP_COLS)
        body = "".join(
            f"<tr><td>{html.escape(n)}</td>" + "".join(f"<td>{bar(m.get(c)) if c != 'n' else m.get(c)}</td>" for c in GROUP_COLS) + "</tr>"
            for n, m in metrics[f"by_{key}"].items()
        )
        groups += f"<h2>By {key}</h2><table><tr><th>{key}</th>{head}</tr>{body}</table>"
    fails = "".join(
        f"<tr><td>{html.escape(g['id'])}</td><td>{html.escape(g.get('type', ''))}</td><td>{html.escape(g['question'])}</td>"
        f"<td>{html.escape(' / '.join(g.get('answers') or ['(refuse)']))}</td><td>{html.escape(r.get('answer') or '')}</td><td>{html.escape(why)}</td></tr>"
        for g, r, why in failures(items)
    )
    return f"""<!doctype html><meta charset=utf-8><title>rag eval</title>
<style>body{{font-family:system-ui,'Noto Sans CJK SC',sans-serif;max-width:1100px;margin:2em auto}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;font-size:14px;vertical-align:top}}.bar{{position:relative;width:160px;height:18px;background:#eee}}
.bar span{{position:absolute;left:0;top:0;bottom:0;background:#7cb1e6}}.bar b{{position:relative;padding-left:4px;font-weight:normal}}</style>
<h1>Evaluation report</h1><p>{html.escape(str(metrics.get('gold')))} · {metrics['n']} items · backend {html.escape(str(metrics.get('backend')))}</p>
<table>{rows}</table>{groups}<h2>Failures</h2><table><tr><th>id</th><th>type</th><th>question</th><th>expected</th><th>answer</th><th>why</th></tr>{fails}</table>"""


def _resolve_gold(path: str | None) -> Path | None:
    if not path:
        return None
    p = Path(path)
    return p if p.is_absolute() or p.exists() else checkout_root() / p


def compare_runs(a: Path | str, b: Path | str, max_list: int | None = None) -> str:
    """Two runs side by side: metric deltas and the questions that flipped (at most ``max_list`` of each)."""
    a, b = Path(a), Path(b)
    ma = json.loads((a / "metrics.json").read_text(encoding="utf-8"))
    mb = json.loads((b / "metrics.json").read_text(encoding="utf-8"))
    lines = [f"{'metric':<44}{'A':>10}{'B':>10}{'Δ':>10}"]
    for key, label in [("n", "Items")] + HEADLINE:
        va, vb = ma.get(key), mb.get(key)
        delta = f"{vb - va:+.3f}" if isinstance(va, (int, float)) and isinstance(vb, (int, float)) and key != "n" else ""
        lines.append(f"{label:<44}{format_value(va):>10}{format_value(vb):>10}{delta:>10}")
    gold = {}
    try:
        gold = {g["id"]: g for g in load_gold(_resolve_gold(ma.get("gold") or mb.get("gold")))}
    except (OSError, ValueError, TypeError):
        pass
    ra = {r["id"]: r for r in read_records(a / "records.jsonl")}
    rb = {r["id"]: r for r in read_records(b / "records.jsonl")}
    improved, regressed = [], []
    for qid in sorted(set(ra) & set(rb)):
        g = gold.get(qid)
        if not g:
            continue
        ok = (lambda r: answer_correct(g, r)) if answerable(g) else (lambda r: bool(r.get("refused")))
        oa, ob = ok(ra[qid]), ok(rb[qid])
        if oa != ob:
            (improved if ob else regressed).append(f"  {qid} {g['question'][:40]}\n     A: {ra[qid]['answer'][:70]}\n     B: {rb[qid]['answer'][:70]}")

    def listed(title: str, rows: list[str]) -> list[str]:
        shown = rows if max_list is None else rows[:max_list]
        more = [f"  … and {len(rows) - len(shown)} more"] if len(shown) < len(rows) else []
        return ["", f"{title} ({len(rows)}):", *shown, *more]

    lines += listed("Improved in B", improved) + listed("Regressed in B", regressed)
    return "\n".join(lines)
