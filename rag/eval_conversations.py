"""Conversation scoring: every turn of a conversational gold file, in context and asked self-contained.

A gold file (``eval/conversations.jsonl``; schema in ``eval/README.md``) holds one dialogue per
line, ``{"id", "turns": [...]}``; each turn has ``kind`` (first, pronoun, ellipsis, entity_swap,
year_swap, missing_subject, topic_change, unresolvable), ``question`` (as typed), ``resolved``
(the self-contained question; null when unresolvable), ``must_name`` (words the rewrite must
contain), optional ``must_not_name``, and the single-turn gold fields (``answers``,
``must_contain``, ``doc``, ``quote``; ``doc: null`` = the reports do not say, refuse).

Each dialogue is played turn by turn through :class:`rag.chat.ConversationalQA` (history = what
the system itself resolved and answered), and each resolvable turn's ``resolved`` question is
also asked alone. Metrics (each a named function: aggregate + per-item values):

* ``followup_accuracy`` — follow-up turns (not first, not unresolvable) answered right in context
  (``rag.evaluate.answer_correct``; a refusal where the reports do not say);
* ``selfcontained_accuracy`` — the same turns asked as their ``resolved`` question;
  ``followup_ratio`` — the first over the second (the acceptance asks ≥ 0.85);
* ``rewrite_accuracy`` — follow-up turns whose rewritten question names every ``must_name``
  word and no ``must_not_name`` word (NFKC, simplified, case-blind);
* ``clarification_rate`` — unresolvable turns answered with a clarifying question;
  ``false_clarification_rate`` — resolvable turns that got one;
* per ``kind`` and the latency of resolution (``resolve_ms``) beside the whole turn.

Example::

    >>> from rag.eval_conversations import rewrite_ok
    >>> rewrite_ok({"must_name": ["稻城县", "面积"]}, "稻城縣的面積是多少？")
    True
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

from .evaluate import MetricResult, _agg, answer_correct, format_value
from .normalize import match_key

KINDS = ("first", "pronoun", "ellipsis", "entity_swap", "year_swap", "missing_subject", "topic_change", "unresolvable")
Item = tuple[dict, dict]  # (gold turn, record)


# ---------------------------------------------------------------- loading


def load_conversations(path: Path | str) -> list[dict]:
    """Dialogues from a JSONL file, checked enough to score (one clear line per problem)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{n}: not valid JSON ({e.msg})") from None
            if not isinstance(d, dict) or not isinstance(d.get("turns"), list) or not d["turns"]:
                raise ValueError(f"{path}:{n}: a dialogue needs \"id\" and a non-empty \"turns\" list")
            d.setdefault("id", f"line{n}")
            for i, t in enumerate(d["turns"], 1):
                if not isinstance(t, dict) or not str(t.get("question") or "").strip():
                    raise ValueError(f"{path}:{n}: turn {i} of {d['id']} has no question")
                t.setdefault("turn", i)
                t.setdefault("kind", "first" if i == 1 else "unknown")
                for key in ("must_name", "answers", "must_contain"):
                    t.setdefault(key, [])
            out.append(d)
    return out


def expected(t: dict) -> str:
    """``clarify`` (ask back), ``refuse`` (the reports do not say) or ``answer``."""
    if t.get("kind") == "unresolvable":
        return "clarify"
    return "answer" if t.get("doc") else "refuse"


# ---------------------------------------------------------------- per-turn judgements


def rewrite_ok(t: dict, rewritten: str | None) -> bool:
    key = match_key(rewritten or "")
    return all(match_key(w) in key for w in t.get("must_name") or []) and not any(match_key(w) in key for w in t.get("must_not_name") or [])


def reply_correct(t: dict, r: dict) -> bool:
    """A reply is right when it answers what it should, refuses where the reports do not say, asks back when unresolvable."""
    want = expected(t)
    if want == "clarify":
        return bool(r.get("clarification"))
    if r.get("clarification"):
        return False
    if want == "refuse":
        return bool(r.get("refused"))
    return answer_correct(t, r)


def scored(t: dict) -> bool:
    """A turn marked ``"scored": false`` is context only (a generated dialogue's opening turn): no metric judges its reply."""
    return t.get("scored", True) is not False


def _followup(t: dict) -> bool:
    return scored(t) and t.get("turn", 1) > 1 and t.get("kind") not in ("first", "unresolvable")


# ---------------------------------------------------------------- metrics


def followup_accuracy(items: list[Item]) -> MetricResult:
    return _agg("followup_accuracy", [float(reply_correct(t, r)) if _followup(t) else None for t, r in items])


def selfcontained_accuracy(items: list[Item]) -> MetricResult:
    return _agg("selfcontained_accuracy", [float(reply_correct(t, r["single"])) if _followup(t) and r.get("single") else None for t, r in items])


def rewrite_accuracy(items: list[Item]) -> MetricResult:
    return _agg("rewrite_accuracy", [float(rewrite_ok(t, r.get("rewritten"))) if _followup(t) else None for t, r in items])


def clarification_rate(items: list[Item]) -> MetricResult:
    return _agg("clarification_rate", [float(bool(r.get("clarification"))) if scored(t) and expected(t) == "clarify" else None for t, r in items])


def false_clarification_rate(items: list[Item]) -> MetricResult:
    return _agg("false_clarification_rate", [float(bool(r.get("clarification"))) if scored(t) and expected(t) != "clarify" else None for t, r in items])


def first_turn_accuracy(items: list[Item]) -> MetricResult:
    return _agg("first_turn_accuracy", [float(reply_correct(t, r)) if scored(t) and t.get("kind") == "first" else None for t, r in items])


def turn_accuracy(items: list[Item]) -> MetricResult:
    return _agg("turn_accuracy", [float(reply_correct(t, r)) if scored(t) else None for t, r in items])


METRICS: list[Callable[[list[Item]], MetricResult]] = [
    turn_accuracy, first_turn_accuracy, followup_accuracy, selfcontained_accuracy, rewrite_accuracy,
    clarification_rate, false_clarification_rate,
]


def _pct(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))], 1)


def compute_metrics(items: list[Item]) -> dict:
    def block(sub: list[Item]) -> dict:
        out: dict = {"n": len(sub)}
        for m in METRICS:
            res = m(sub)
            out[res.name] = None if res.value is None else round(res.value, 4)
            out[f"n_{res.name}"] = res.n
        fa, sa = out.get("followup_accuracy"), out.get("selfcontained_accuracy")
        out["followup_ratio"] = round(fa / sa, 4) if fa is not None and sa else None
        return out

    metrics = block(items)
    metrics["by_kind"] = {k: block([x for x in items if x[0].get("kind") == k]) for k in KINDS if any(x[0].get("kind") == k for x in items)}
    # generated dialogues carry a split (tune / held): each half reported on its own, by kind as well
    splits = sorted({x[1].get("split") for x in items if x[1].get("split")})
    if splits:
        metrics["by_split"] = {}
        for s in splits:
            sub = [x for x in items if x[1].get("split") == s]
            b = block(sub)
            b["by_kind"] = {k: block([x for x in sub if x[0].get("kind") == k]) for k in KINDS if any(x[0].get("kind") == k for x in sub)}
            metrics["by_split"][s] = b
    res_ms = [r["resolve_ms"] for _, r in items if r.get("resolve_ms") is not None]
    turn_ms = [r["seconds"] * 1000 for _, r in items if r.get("seconds") is not None and not r.get("clarification")]
    single_ms = [r["single"]["seconds"] * 1000 for _, r in items if r.get("single")]
    metrics.update(resolve_p50_ms=_pct(res_ms, 0.5), resolve_p95_ms=_pct(res_ms, 0.95), resolve_max_ms=round(max(res_ms), 1) if res_ms else None,
                   turn_p50_ms=_pct(turn_ms, 0.5), single_p50_ms=_pct(single_ms, 0.5))
    return metrics


# ---------------------------------------------------------------- running


def _record(ans, k: int, seconds: float) -> dict:
    return {
        "answer": ans.answer, "refused": ans.refused, "clarification": ans.clarification, "backend": ans.backend,
        "grounded": ans.grounded, "warnings": ans.warnings, "rewritten": ans.rewritten_question,
        "citations": [{"n": c.n, "doc": c.doc, "section": c.section, "quote": c.quote} for c in ans.citations],
        "retrieved": [{"rank": p.rank, "doc": p.doc, "chunk_id": p.chunk_id} for p in ans.passages[:k]],
        "resolve_ms": ans.timings.get("resolve_ms"), "seconds": round(seconds, 4),
    }


def run_conversations(path: Path | str, out_dir: Path | str | None = None, assistant=None, k: int = 10,
                      backend: str | None = None, progress: bool = True, resolver=None, limit: int | None = None) -> dict:
    """Play every dialogue of ``path`` (the first ``limit`` only, when given); write records.jsonl, metrics.json and report.md under ``out_dir``."""
    from .chat import ConversationalQA, history_of, ChatTurn
    from .qa import Assistant
    from .settings import defaults

    dialogues = load_conversations(path)[:limit] if limit else load_conversations(path)
    bot = assistant or Assistant(defaults())
    engine = ConversationalQA(bot, resolver=resolver)
    bot.ask("warm-up", k=k)
    items: list[Item] = []
    singles: dict[str, dict] = {}  # the same self-contained question asked once (generated sets end many dialogues on one gold question)
    it = dialogues
    if progress:
        from tqdm import tqdm

        it = tqdm(dialogues, desc="conversations", unit="dialogue", leave=False, dynamic_ncols=True, disable=None)
    for d in it:
        turns: list[ChatTurn] = []
        for t in d["turns"]:
            t0 = time.perf_counter()
            hist = history_of(turns)
            res = engine.resolve(t["question"], hist, backend)
            ans = engine.ask(t["question"], hist, k, backend, resolution=res)
            rec = {"id": d["id"], "turn": t["turn"], "kind": t.get("kind"), "question": t["question"], "gold_resolved": t.get("resolved"),
                   **_record(ans, k, time.perf_counter() - t0), "resolution": res.kind, "by": res.by}
            if d.get("split"):
                rec["split"] = d["split"]
            if not scored(t):
                rec["scored"] = False
            turns.append(ChatTurn(t["question"], res, ans))
            if _followup(t) and t.get("resolved"):
                if t["resolved"] not in singles:
                    t1 = time.perf_counter()
                    single = bot.ask(t["resolved"], k, backend)
                    singles[t["resolved"]] = {"answer": single.answer, "refused": single.refused, "clarification": None,
                                              "seconds": round(time.perf_counter() - t1, 4)}
                rec["single"] = singles[t["resolved"]]
            rec["correct"] = reply_correct(t, rec) if scored(t) else None
            rec["rewrite_ok"] = rewrite_ok(t, rec.get("rewritten")) if _followup(t) else None
            items.append((t, rec))
    metrics = compute_metrics(items)
    metrics.update(gold=str(path), dialogues=len(dialogues), k=k, backend=backend or bot.llm, created=time.strftime("%Y-%m-%dT%H:%M:%S"))
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "records.jsonl", "w", encoding="utf-8") as f:
            for _, r in items:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        (out / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1), encoding="utf-8")
        (out / "report.md").write_text(render_report(metrics, items), encoding="utf-8")
    return metrics


HEADLINE = [
    ("turn_accuracy", "All turns right (answer / refusal / clarification)"), ("first_turn_accuracy", "First turns"),
    ("followup_accuracy", "Follow-up turns, in context"), ("selfcontained_accuracy", "Same turns asked self-contained"),
    ("followup_ratio", "Ratio follow-up / self-contained"), ("rewrite_accuracy", "Rewrite names every must_name word"),
    ("clarification_rate", "Unresolvable turns answered with a clarifying question"),
    ("false_clarification_rate", "Resolvable turns wrongly asked back"),
    ("resolve_p50_ms", "Resolution p50 (ms)"), ("resolve_p95_ms", "Resolution p95 (ms)"), ("turn_p50_ms", "Turn p50 (ms)"),
]


def render_report(metrics: dict, items: list[Item]) -> str:
    lines = [f"# Conversations: {metrics.get('gold')}", "",
             f"{metrics.get('dialogues')} dialogues · {metrics['n']} turns · backend {metrics.get('backend')} · k={metrics.get('k')} · {metrics.get('created')}", "",
             "| metric | value |", "|---|---|"]
    lines += [f"| {label} | {format_value(metrics.get(key))} |" for key, label in HEADLINE]
    lines += ["", "## By kind", "", "| kind | n | in context | self-contained | rewrite | clarification |", "|---|---|---|---|---|---|"]
    for kind, b in metrics.get("by_kind", {}).items():
        inctx = b["turn_accuracy"] if kind in ("first", "unresolvable") else b["followup_accuracy"]
        lines.append(f"| {kind} | {b['n']} | {format_value(inctx)} | {format_value(b['selfcontained_accuracy'])} | "
                     f"{format_value(b['rewrite_accuracy'])} | {format_value(b['clarification_rate'])} |")
    for split, sb in (metrics.get("by_split") or {}).items():
        lines += ["", f"## Split {split}: follow-ups {format_value(sb['followup_accuracy'])} · self-contained "
                  f"{format_value(sb['selfcontained_accuracy'])} · ratio {format_value(sb['followup_ratio'])} · rewrite {format_value(sb['rewrite_accuracy'])}",
                  "", "| kind | n | in context | self-contained | ratio | rewrite |", "|---|---|---|---|---|---|"]
        lines += [f"| {k} | {b['n_followup_accuracy']} | {format_value(b['followup_accuracy'])} | {format_value(b['selfcontained_accuracy'])} | "
                  f"{format_value(b['followup_ratio'])} | {format_value(b['rewrite_accuracy'])} |" for k, b in sb["by_kind"].items() if b["n_followup_accuracy"]]
    held = any(r.get("split") == "held" for _, r in items)
    lines += ["", "## Turns that went wrong" + (" (tune half only: the held half's are not listed, do not tune on them)" if held else ""), ""]
    for t, r in items:
        if not scored(t) or r.get("split") == "held":
            continue
        if r["correct"] and r.get("rewrite_ok") is not False:
            continue
        lines.append(f"- **{r['id']}#{r['turn']}** ({t.get('kind')}) {t['question']} → {r.get('clarification') or r.get('rewritten')} "
                     f"[{r['resolution']}]; gold: {t.get('resolved')} (must name {', '.join(t.get('must_name') or []) or '–'}); "
                     f"answer: {r['answer'][:80]}{'' if r['correct'] else ' ✗'}"
                     + (f"; alone: {r['single']['answer'][:60]}" if r.get("single") else ""))
    return "\n".join(lines) + "\n"


def summary_lines(metrics: dict) -> list[str]:
    out = [f"{label:<58} {format_value(metrics.get(key))}" for key, label in HEADLINE] + [
        f"  {k:<16} n={b['n']:<3} in context {format_value(b['turn_accuracy'] if k in ('first', 'unresolvable') else b['followup_accuracy'])}"
        f" · alone {format_value(b['selfcontained_accuracy'])} · rewrite {format_value(b['rewrite_accuracy'])}"
        for k, b in metrics.get("by_kind", {}).items()]
    for split, sb in (metrics.get("by_split") or {}).items():
        out.append(f"split {split:<6} follow-ups {format_value(sb['followup_accuracy'])} · alone {format_value(sb['selfcontained_accuracy'])}"
                   f" · ratio {format_value(sb['followup_ratio'])} · rewrite {format_value(sb['rewrite_accuracy'])} (n={sb['n_followup_accuracy']})")
    return out
