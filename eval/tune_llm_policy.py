"""Learn when the offline reader's answer wins over a checked LLM answer (dev data only), in seconds.

    python benchmarks/llm_path.py --gold eval/gold_dev.jsonl --out /tmp/llm_dev      # ~15 s per question
    python eval/tune_llm_policy.py /tmp/llm_dev [--write]

Reads the per-question outcomes of a dev run of the LLM benchmark (``outcomes.jsonl``, or
``outcomes.partial.jsonl`` of a run still going): the reader's answer, calibrated confidence and
correctness, the LLM's own checked answer and its correctness. Every question the LLM answered falls in
one case of :func:`rag.llm_policy.case_of` (the reader refuses, the LLM refuses, they agree, the LLM
says less, another figure, other words). Candidate policy families:

* ``offline`` — the reader always; ``llm`` — the LLM's checked answer always (references);
* ``threshold`` — the older rule: one reader confidence for every disagreement, and whether an LLM
  answer may stand against the reader's refusal;
* ``cases`` — per case (agree, agree_more, …), the reader confidence from which the reader wins (or always / never);
* ``cases_by_lang`` — the same per case and question language (``en`` / ``zh``; a pair with fewer
  than ``--min-lang`` questions takes its case's rule).

Every family but the references also keeps the one unlearned rule (never drop a reader's answer for a
less specific one). A rule is fitted by dev overall accuracy (answerable answered right, unanswerable
refused); on a tie, the reader (the LLM must never make it worse, and its short answer is the
product's format). The family is picked by **leave-one-out cross-validation** on the same outcomes
(each question answered by the rules fitted on the others), on a tie the simpler one; then refitted on
all of dev; the whole procedure (family choice included) is also cross-validated, nested in 10 outer
folds. Prints per case what the reader and the LLM got right, every family's cross-validated
and in-sample figures; ``--write`` stores the policy, with its dev figures, in
``rag/data/llm_policy.json``. A run on the test split is refused.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.llm_policy import CASES, HARD_RULES, case_of, rule_key, threshold_policy  # noqa: E402
from rag.types import Answer  # noqa: E402

FAMILIES = ("offline", "llm", "threshold", "cases", "cases_by_lang")  # simplest first (wins a tie)
LEARNED = ("threshold", "cases", "cases_by_lang")


def load_outcomes(run: Path, gold: str | None = None) -> tuple[dict, list[dict]]:
    meta_file = run / "metrics.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else ({"gold": gold} if gold else {})
    gold = meta.get("gold") or ""
    if "test" in Path(gold).name:
        sys.exit(f"{run}: a run on {gold}; the policy is learned on dev only (eval/gold_dev.jsonl)")
    f = run / "outcomes.jsonl"
    if not f.is_file():
        f = run / "outcomes.partial.jsonl"
    if not f.is_file():
        sys.exit(f"{run}: no outcomes.jsonl (write one with benchmarks/llm_path.py --gold eval/gold_dev.jsonl --out {run})")
    if not meta:
        sys.exit(f"{run}: no metrics.json beside {f.name} (a run still going?): name its gold file with --gold")
    rows = [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    if any("question" not in o for o in rows):  # an older run: the question from the gold file
        gpath = ROOT / gold if not Path(gold).is_absolute() else Path(gold)
        qs = {g["id"]: g["question"] for g in map(json.loads, gpath.read_text(encoding="utf-8").splitlines()) if g}
        for o in rows:
            o.setdefault("question", qs.get(o["id"], ""))
    return meta, rows


def items_of(outcomes: list[dict]) -> list[dict]:
    """Per question: its case, language and reader confidence, and what is right if the reader wins / the LLM."""
    out = []
    for o in outcomes:
        it = {"id": o["id"], "reader_ok": bool(o["reader_correct"]), "llm_ok": bool(o["reader_correct"]), "case": None,
              "key": None, "conf": 0.0}
        if not o["table"] and o["llm"] is not None:  # else the table answerer, or nothing of the LLM's answer survived
            llm = Answer(question="", answer=o["llm"], refused=bool(o["llm_refused"]))
            reader = Answer(question="", answer=o["reader"] or "", refused=bool(o["reader_refused"]), confidence=o["reader_confidence"])
            case = case_of(llm, reader, o["question"])
            it.update(llm_ok=bool(o["llm_correct"]), case=case, key=rule_key(case, o["question"]) if case else None,
                      conf=o["reader_confidence"] if o["reader_confidence"] is not None else 0.0)
        out.append(it)
    return out


def _reader_wins(it: dict, policy: dict) -> bool:
    case = it["case"]
    if case is None:
        return True  # no choice (both refuse, the table answerer, or no LLM answer): what the reader says
    if policy["family"] == "offline":
        return True
    if policy["family"] != "llm" and policy.get("hard", True) and case in HARD_RULES:
        t = HARD_RULES[case]
    else:
        rules = policy["rules"]
        t = rules[it["key"]] if it["key"] in rules else rules.get(case)
    return t is not None and it["conf"] >= t


def score(items: list[dict], policy: dict) -> tuple[float, float]:
    """(overall accuracy, share of questions answered by the LLM's own answer) under ``policy``."""
    right = used = 0
    for it in items:
        if _reader_wins(it, policy):
            right += it["reader_ok"]
        else:
            right += it["llm_ok"]
            used += it["case"] is not None
    n = len(items) or 1
    return right / n, used / n


def _best_threshold(group: list[dict]) -> float | None:
    """The reader confidence from which the reader wins that gets ``group`` most right: 0.0 (always),
    a midpoint between two confidences seen, or None (never); on a tie, the reader wins more."""
    g = sorted(group, key=lambda it: it["conf"])
    total_reader = sum(it["reader_ok"] for it in g)
    best, best_right = 0.0, total_reader  # the reader always
    llm_below = reader_below = 0
    for j in range(1, len(g) + 1):  # the reader wins from g[j] on; the LLM below
        llm_below += g[j - 1]["llm_ok"]
        reader_below += g[j - 1]["reader_ok"]
        if j < len(g) and g[j]["conf"] == g[j - 1]["conf"]:
            continue  # no threshold between equal confidences
        right = llm_below + total_reader - reader_below
        if right > best_right:
            best, best_right = ((g[j - 1]["conf"] + g[j]["conf"]) / 2 if j < len(g) else None), right
    return best


def fit(items: list[dict], family: str, min_lang: int = 8) -> dict:
    """The policy of ``family`` that is best on ``items``."""
    if family in ("offline", "llm"):
        return {"family": family, "rules": {}}
    if family == "threshold":  # one confidence for every disagreement; the cases are independent, so fitted apart
        conflict = [it for it in items if it["case"] in ("llm_refuses", "other_figure", "other_words")]
        refused = [it for it in items if it["case"] == "reader_refuses"]
        over = sum(it["llm_ok"] for it in refused) > sum(it["reader_ok"] for it in refused)  # a tie: the refusal stands
        return threshold_policy(_best_threshold(conflict) if conflict else 0.0, over)
    by_case: dict[str, list[dict]] = defaultdict(list)
    by_key: dict[str, list[dict]] = defaultdict(list)
    for it in items:
        if it["case"] and it["case"] not in HARD_RULES:
            by_case[it["case"]].append(it)
            by_key[it["key"]].append(it)
    rules: dict[str, float | None] = {c: (_best_threshold(by_case[c]) if by_case[c] else 0.0) for c in CASES if c not in HARD_RULES}
    if family == "cases_by_lang":
        for key, group in by_key.items():
            if len(group) >= min_lang:
                rules[key] = _best_threshold(group)
    return {"family": family, "rules": rules}


def cross_validate(items: list[dict], family: str, min_lang: int = 8) -> tuple[float, float, list[bool]]:
    """Leave-one-out: each question decided by the rules of ``family`` fitted on all the others."""
    right, used, per = 0, 0, []
    for i, it in enumerate(items):
        p = fit(items[:i] + items[i + 1 :], family, min_lang)
        rw = _reader_wins(it, p)
        ok = it["reader_ok"] if rw else it["llm_ok"]
        right += ok
        used += (not rw) and it["case"] is not None
        per.append(bool(ok))
    n = len(items) or 1
    return right / n, used / n, per


def nested_cross_validate(items: list[dict], folds: int = 10, min_lang: int = 8) -> tuple[float, float, dict]:
    """The whole procedure cross-validated: in each of ``folds`` outer folds (questions by index modulo
    ``folds``), the family is chosen by leave-one-out on the other folds and fitted on them."""
    right = used = 0
    chosen: dict[str, int] = defaultdict(int)
    for k in range(folds):
        train = [it for i, it in enumerate(items) if i % folds != k]
        test = [it for i, it in enumerate(items) if i % folds == k]
        if not test:
            continue
        cv = {f: cross_validate(train, f, min_lang)[0] for f in ("offline", *LEARNED)}
        fam = max(LEARNED, key=lambda f: (cv[f], -LEARNED.index(f)))
        fam = fam if cv[fam] >= cv["offline"] else "offline"
        chosen[fam] += 1
        p = fit(train, fam, min_lang)
        for it in test:
            rw = _reader_wins(it, p)
            right += it["reader_ok"] if rw else it["llm_ok"]
            used += (not rw) and it["case"] is not None
    n = len(items) or 1
    return right / n, used / n, dict(chosen)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", help="folder written by benchmarks/llm_path.py --out (outcomes.jsonl, metrics.json)")
    ap.add_argument("--write", action="store_true", help="store the policy in rag/data/llm_policy.json")
    ap.add_argument("--gold", help="the gold file of a run without metrics.json yet (one still going)")
    ap.add_argument("--policy-out", default=str(ROOT / "rag" / "data" / "llm_policy.json"), help="where --write stores it")
    ap.add_argument("--min-lang", type=int, default=8, help="cases_by_lang: fewest questions for a per-language rule")
    args = ap.parse_args()
    run = Path(args.run)
    meta, outcomes = load_outcomes(run, args.gold)
    items = items_of(outcomes)
    n = len(items)
    print(f"{run}: {n} dev questions of {meta['gold']} ({meta.get('backend')} {meta.get('model')})")
    print(f"\n{'case':>16s} {'n':>4s} {'reader right':>13s} {'LLM right':>10s}   (questions the LLM answered)")
    cases: dict[str, list[dict]] = defaultdict(list)
    for it in items:
        cases[it["case"] or "no choice"].append(it)
    for c, group in sorted(cases.items(), key=lambda kv: -len(kv[1])):
        print(f"{c:>16s} {len(group):>4d} {sum(i['reader_ok'] for i in group):>13d} {sum(i['llm_ok'] for i in group):>10d}")

    old = None
    try:
        from rag.llm_policy import load_policy

        old = load_policy()
    except Exception:  # noqa: BLE001 - a broken stored policy is replaced, not a reason to stop
        pass
    print(f"\n{'family':>14s} {'CV overall acc':>15s} {'CV LLM used':>12s} {'dev fit acc':>12s} {'dev LLM used':>13s}")
    results = {}
    for fam in FAMILIES:
        cv_acc, cv_used, _ = cross_validate(items, fam, args.min_lang)
        p = fit(items, fam, args.min_lang)
        acc, used = score(items, p)
        results[fam] = {"cv_overall_accuracy": round(cv_acc, 4), "cv_llm_used": round(cv_used, 4),
                        "overall_accuracy": round(acc, 4), "llm_used": round(used, 4)}
        print(f"{fam:>14s} {cv_acc:>15.3f} {cv_used:>12.3f} {acc:>12.3f} {used:>13.3f}")
    if old and old.get("rules") is not None and old.get("family") not in ("offline", "llm", None):
        # a stored single-threshold file ran without the hard rule
        acc, used = score(items, {**old, "hard": "reader_wins_confidence" not in old})
        print(f"{'stored policy':>14s} {'':>15s} {'':>12s} {acc:>12.3f} {used:>13.3f}   ({old.get('family')}, as in rag/data/llm_policy.json)")
        results["stored_before"] = {"overall_accuracy": round(acc, 4), "llm_used": round(used, 4)}
    nested_acc, nested_used, nested_chosen = nested_cross_validate(items, min_lang=args.min_lang)
    print(f"{'nested CV':>14s} {nested_acc:>15.3f} {nested_used:>12.3f}   (10 outer folds, the family chosen by LOO inside each: "
          + ", ".join(f"{f} {c}×" for f, c in nested_chosen.items()) + ")")
    fam = max(LEARNED, key=lambda f: (results[f]["cv_overall_accuracy"], -LEARNED.index(f)))
    if results[fam]["cv_overall_accuracy"] < results["offline"]["cv_overall_accuracy"]:
        print(f"no learned family reaches the offline reader by cross-validation: the reader always ('offline')")
        fam = "offline"
    policy = fit(items, fam, args.min_lang)
    llm_own = [it for it in items if it["case"] is not None]
    print(f"\nchosen: {fam} (leave-one-out CV overall accuracy {results[fam]['cv_overall_accuracy']:.3f} vs offline "
          f"{results['offline']['overall_accuracy']:.3f}, LLM always {results['llm']['overall_accuracy']:.3f}); refitted on all {n}:")
    for k, v in policy["rules"].items():
        if k in HARD_RULES:
            continue
        print(f"    {k:>22s}: {'the LLM stands' if v is None else 'the reader always' if v == 0 else f'the reader at confidence ≥ {v:.4f}'}")
    print(f"    {'less_specific':>22s}: the reader always (not learned)")
    print(f"dev (in-sample) overall accuracy {results[fam]['overall_accuracy']:.3f}, LLM's own answer used {results[fam]['llm_used']:.3f}; "
          f"LLM's own checked answer right on {sum(i['llm_ok'] for i in llm_own)}/{len(llm_own)} it answered "
          f"(reader {sum(i['reader_ok'] for i in llm_own)}/{len(llm_own)})")
    if args.write:
        out = {
            "family": fam,
            "rules": policy["rules"],
            "hard_rules": {"less_specific": 0.0},
            "learned_by": "eval/tune_llm_policy.py",
            "from": {"gold": meta["gold"], "n": n, "limit": meta.get("limit"), "seed": meta.get("seed"),
                     "backend": meta.get("backend"), "model": meta.get("model")},
            "dev": {"offline_overall_accuracy": results["offline"]["overall_accuracy"],
                    "llm_always_overall_accuracy": results["llm"]["overall_accuracy"],
                    "overall_accuracy": results[fam]["overall_accuracy"], "llm_used": results[fam]["llm_used"],
                    "cv_overall_accuracy": results[fam]["cv_overall_accuracy"], "cv_llm_used": results[fam]["cv_llm_used"],
                    "cv": "leave-one-out", "families": results,
                    "nested_cv_overall_accuracy": round(nested_acc, 4), "nested_cv_llm_used": round(nested_used, 4)},
        }
        path = Path(args.policy_out)
        path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
