"""LLM path benchmark: the offline reader vs an LLM answer (checked) on the same questions.

    python benchmarks/llm_path.py [--gold eval/gold_test.jsonl] [--limit N --seed 0]
                                  [--backend openai --base-url http://127.0.0.1:8765/v1 --model qwen05]
                                  [--backend gguf --gguf ~/.cache/tiny-llm/qwen05.gguf --llama-cpp-from SITE]
                                  [--reader-wins learned|none|0.7] [--out runs/llm_path]

Every question is retrieved once on the existing index (``rag index seeds/``); the same passages go to
the table answerer (as in ``rag ask``), then to the offline reader and to the LLM answerer
(:class:`rag.llm.LLMAnswerer`). Printed side by side, with the metrics of ``rag eval``
(:mod:`rag.evaluate`): answer accuracy, overall accuracy, refusals, EM/F1, citation accuracy, quotes
verbatim; then the share of questions answered by the LLM's own checked answer (vs the offline fallback,
with the reasons), ungrounded figures (figures of an answer its citations lack; must be 0) and seconds
per answer. ``--limit N`` takes a fixed sample (``random.Random(seed)``) of the gold file.

The tiny model for it: ``setsid nohup bash ../shared/llm/serve_tiny_llm.sh 8765 &`` (model ``qwen05``). On a
CPU that advertises AMX inside a VM (this machine) that server dies on its first request (llama.cpp's AMX
weight repacking faults); start the same server with ``benchmarks/tiny_llm_server.py`` instead, and give
``--backend gguf`` ``--no-extra-bufts`` (the product's ``RAG_LLM_GGUF_EXTRA_BUFTS=false``).
``--out`` writes ``outcomes.jsonl`` (per question: the reader's answer and confidence, the LLM's own
checked answer, the final one, and whether each is correct; ``outcomes.partial.jsonl`` grows line by
line while it runs), which ``eval/tune_llm_policy.py`` learns the reader-wins policy from in seconds
(dev only). ``--reader-wins none`` (the LLM's checked answer stands) or a confidence replaces the
learned policy by the single-threshold rule.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROWS = [("answer_accuracy", "answer accuracy"), ("overall_accuracy", "overall accuracy (incl. refusals)"),
        ("refusal_accuracy", "unanswerable refused"), ("false_refusal_rate", "answerable wrongly refused"),
        ("exact_match", "exact match"), ("char_f1", "char F1"), ("citation_accuracy", "citation accuracy"),
        ("numbers_grounded", "answers with every figure grounded"), ("quote_verbatim", "quotes verbatim")]


def sample(gold: list[dict], limit: int | None, seed: int) -> list[dict]:
    if not limit or limit >= len(gold):
        return gold
    keep = set(random.Random(seed).sample(range(len(gold)), limit))
    return [g for i, g in enumerate(gold) if i in keep]


def ungrounded_figures(rec: dict) -> int:
    """Figures of the answer that no cited passage holds (0 for a refusal)."""
    from rag.grounding import _supported_by, extract_numbers, strip_citations

    if rec.get("refused") or not rec.get("answer"):
        return 0
    pool = [m for c in rec.get("citations", []) for m in extract_numbers(f"{c.get('section') or ''}\n{c.get('text') or ''}")]
    return sum(1 for m in extract_numbers(strip_citations(rec["answer"])) if not _supported_by(m, pool))


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else 0.0


def reason(warnings: list[str]) -> str:
    w = (warnings or [""])[0]
    for key in ("cites no passage", "in no passage", "no passage holds", "not in cited", "empty answer", "timed out",
                "could not connect", "HTTP", "offline answer preferred", "cites ["):
        if key in w:
            return key
    return w[:60]


def policy_text(policy: dict) -> str:
    """One line for the reader-wins policy: its family and rules."""
    rules = ", ".join(f"{k}: {'LLM' if v is None else 'reader' if v == 0 else f'reader ≥ {v:.3f}'}" for k, v in (policy.get("rules") or {}).items())
    return f"{policy.get('family', '?')} ({rules or 'the LLM stands'}; less specific: reader)"


def gguf_model(args):
    """The project's GGUF chat model over ``args.gguf``, with ``args.threads`` threads
    (``--no-extra-bufts``: as ``RAG_LLM_GGUF_EXTRA_BUFTS=false``, see :func:`rag.llm.load_llama`)."""
    from rag.llm import GGUFChatModel, load_llama

    client = load_llama(args.gguf, 4096, extra_bufts=not args.no_extra_bufts, n_threads=args.threads)
    return GGUFChatModel(model_path=args.gguf, temperature=0.0, max_tokens=200, extra_bufts=not args.no_extra_bufts, client=client)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", default=str(ROOT / "eval" / "gold_test.jsonl"))
    ap.add_argument("--limit", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--backend", choices=["openai", "gguf"], default="openai")
    ap.add_argument("--base-url", default="http://127.0.0.1:8765/v1")
    ap.add_argument("--model", default="qwen05")
    ap.add_argument("--gguf", default=str(Path("~/.cache/tiny-llm/qwen05.gguf").expanduser()))
    ap.add_argument("--llama-cpp-from", help="a site-packages folder holding llama_cpp (e.g. the tiny-LLM venv's), appended to sys.path")
    ap.add_argument("--no-extra-bufts", action="store_true",
                    help="gguf: load without llama.cpp's repacking buffers (its AMX path crashes on this VM), as RAG_LLM_GGUF_EXTRA_BUFTS=false")
    ap.add_argument("--threads", type=int, default=2, help="gguf: llama.cpp threads")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--reader-wins", default="learned", help="'learned' (rag/data/llm_policy.json), 'none', or a confidence")
    ap.add_argument("--name", default="default", help="index name")
    ap.add_argument("--k", type=int)
    ap.add_argument("--out", help="folder for outcomes.jsonl and metrics.json")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")  # the model server is on loopback
    if args.llama_cpp_from:
        sys.path.append(str(Path(args.llama_cpp_from).expanduser()))

    from tqdm import tqdm

    from rag.evaluate import answer_correct, answerable, compute_metrics, load_gold, record_for
    from rag.llm import LLMAnswerer
    from rag.qa import Assistant
    from rag.settings import get_settings

    s = get_settings().model_copy(update={
        "index_name": args.name, "llm": args.backend, "llm_base_url": args.base_url, "llm_model": args.model,
        "llm_gguf": args.gguf, "llm_timeout": args.timeout, "llm_temperature": 0.0,
    })
    k = args.k or s.top_k
    gold = sample(load_gold(args.gold), args.limit, args.seed)
    bot = Assistant(s, llm="none")
    reader = bot.answerer("none")
    kw = {} if args.reader_wins == "learned" else {"reader_wins": None if args.reader_wins == "none" else float(args.reader_wins)}
    if args.backend == "gguf":
        kw["model"] = gguf_model(args)
    llm = LLMAnswerer(s, **kw)
    bot.ask("warm-up 测试", k=k)
    llm.run_detailed("warm-up 测试", bot.search("warm-up 测试", k))  # load the GGUF file / reach the server once

    off_recs, llm_recs, outcomes = [], [], []
    partial = None
    if args.out:  # one line per question as it is answered: a long run can be studied (or re-learned from) before it ends
        Path(args.out).mkdir(parents=True, exist_ok=True)
        partial = open(Path(args.out) / "outcomes.partial.jsonl", "w", encoding="utf-8")
    for g in tqdm(gold, desc=f"llm_path {args.backend}", unit="q", dynamic_ncols=True):
        q = bot.query(g["question"])
        t0 = time.perf_counter()
        passages = bot.retriever.search(q, k)
        t_ret = time.perf_counter() - t0
        t1 = time.perf_counter()
        table = bot.tables.run(q.text, passages)
        off = table or reader.run(q.text, passages)
        t_off = time.perf_counter() - t1
        t2 = time.perf_counter()
        out = None if table else llm.run_detailed(q.text, passages)
        t_llm = time.perf_counter() - t2
        ans = table or out.final
        for a in (off, ans):
            a.passages = passages
        off_recs.append(record_for(g, off, k, t_ret + t_off))
        llm_recs.append(record_for(g, ans, k, t_ret + t_llm))
        own = out.llm if out else None
        outcomes.append({
            "id": g["id"], "question": q.text, "answerable": answerable(g), "table": bool(table),
            "reader": off.answer, "reader_refused": off.refused, "reader_confidence": off.confidence,
            "reader_correct": answer_correct(g, off_recs[-1]) if answerable(g) else bool(off.refused),
            "llm_raw": out.raw if out else None, "llm": own.answer if own else None, "llm_refused": own.refused if own else None,
            "llm_correct": (answer_correct(g, {"answer": own.answer, "refused": own.refused}) if answerable(g) else bool(own.refused)) if own else None,
            "final": ans.answer, "used_llm": bool(out and out.used_llm), "why": None if (out and out.used_llm) else reason(ans.warnings),
            "prompt_chars": out.prompt_chars if out else 0, "llm_seconds": round(t_llm, 3),
        })
        if partial:
            partial.write(json.dumps(outcomes[-1], ensure_ascii=False) + "\n")
            partial.flush()
    if partial:
        partial.close()

    m_off, m_llm = compute_metrics(list(zip(gold, off_recs))), compute_metrics(list(zip(gold, llm_recs)))
    n = len(gold)
    n_table = sum(o["table"] for o in outcomes)
    used = sum(o["used_llm"] for o in outcomes)
    why = Counter(o["why"] for o in outcomes if not o["used_llm"] and not o["table"])
    ug_off, ug_llm = sum(map(ungrounded_figures, off_recs)), sum(map(ungrounded_figures, llm_recs))
    secs_llm = [o["llm_seconds"] for o in outcomes if not o["table"]]
    secs_off = [r["seconds"] for r in off_recs]
    prompt = [o["prompt_chars"] for o in outcomes if not o["table"]]

    def f(v):
        return "–" if v is None else f"{v:.3f}"

    print(f"\n{args.gold} — {n} questions" + (f" (seeded sample: --limit {args.limit} --seed {args.seed})" if args.limit else "")
          + f"; LLM: {args.backend} {args.model if args.backend == 'openai' else args.gguf}; policy: {policy_text(llm.policy)}")
    print(f"{'metric':40s} {'offline':>9s} {'LLM':>9s}")
    for key, label in ROWS:
        print(f"{label:40s} {f(m_off.get(key)):>9s} {f(m_llm.get(key)):>9s}")
    print(f"{'ungrounded figures (must be 0)':40s} {ug_off:>9d} {ug_llm:>9d}")
    print(f"{'seconds per answer (mean)':40s} {statistics.mean(secs_off):>9.3f} {statistics.mean([r['seconds'] for r in llm_recs]):>9.3f}")
    print(f"{'seconds per answer (p50)':40s} {pct(secs_off, .5):>9.3f} {pct([r['seconds'] for r in llm_recs], .5):>9.3f}")
    asked = n - n_table
    print(f"\nLLM's own checked answer used: {used}/{n} = {used / n:.3f} (of the {asked} the LLM was asked: {used / max(asked, 1):.3f}); "
          f"table answerer first: {n_table}")
    print("fallbacks to the offline reader: " + (", ".join(f"{c}× {w}" for w, c in why.most_common()) or "none"))
    own = [o for o in outcomes if o["llm"] is not None]
    if own:
        print(f"LLM's own checked answer correct (where one survived): {sum(bool(o['llm_correct']) for o in own)}/{len(own)}; "
              f"reader correct on those: {sum(bool(o['reader_correct']) for o in own)}/{len(own)}")
    if prompt:
        print(f"prompt: {statistics.mean(prompt):.0f} characters on average; LLM call {statistics.mean(secs_llm):.2f} s mean, "
              f"p50 {pct(secs_llm, .5):.2f} s")
    if args.out:
        d = Path(args.out)
        d.mkdir(parents=True, exist_ok=True)
        with open(d / "outcomes.jsonl", "w", encoding="utf-8") as fh:
            for o in outcomes:
                fh.write(json.dumps(o, ensure_ascii=False) + "\n")
        summary = {"gold": args.gold, "n": n, "limit": args.limit, "seed": args.seed, "backend": args.backend,
                   "model": args.model if args.backend == "openai" else args.gguf, "policy": llm.policy, "offline": m_off, "llm": m_llm, "llm_used": used, "table": n_table,
                   "ungrounded_figures": {"offline": ug_off, "llm": ug_llm}, "fallbacks": dict(why),
                   "seconds_mean": {"offline": statistics.mean(secs_off), "llm": statistics.mean([r["seconds"] for r in llm_recs])}}
        (d / "metrics.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"wrote {d / 'outcomes.jsonl'}")


if __name__ == "__main__":
    main()
