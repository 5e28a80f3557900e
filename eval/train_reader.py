"""Train the offline reader's model (``rag/data/reader_model.json.gz``) and print its dev metrics.

    python eval/train_reader.py [--out rag/data/reader_model.json.gz] [--ext-index-dir DIR] [--hold-out REGEX]

One command, from scratch: it retrieves the passages for every question of the external train and
dev splits (CMRC 2018, DRCD; each against an index of that set's ``docs/``, built when missing) and of
the project's dev split (against the seed index), caching them under ``eval/runs/reader_cache/``;
lists the answer candidates in those passages and labels each by its F1 against the gold answer
(only spans of the gold document count); trains

* the candidate ranker (three LightGBM lambdarank models bagged with different seeds; a candidate's
  grade is its F1 in fifths, an exact match one more) on the external train splits plus the project dev split,
* the answerable model (LightGBM, binary) on question-level evidence features, with ranker scores
  from 4-fold cross-fitting so they look as they will on new questions; unanswerable examples are the
  train splits' own (questions about articles kept out of the index), every answerable train
  question asked again without its article's passages, and near-twins of the answerable train
  questions whose topic *is* in the index (:mod:`near_twins`: another year or figure, a breakdown or
  qualifier, another subject, none of which an answering document says; retrieved and cached like
  the rest) when ``--twins`` is given,

picks the refusal threshold on the external dev splits (at most 3% of answerable questions refused),
and prints the dev metrics (EM, F1, refusals) per set, measured with the functions ``rag eval`` uses.
Seeded and deterministic: the same data gives the same model.

``--twins`` (measured 2026-12-02, --hold-out 'n(09[89]|1[0-4][0-9])', with four extra answerable
features that the shipped model does not have): against the same training without twins, the held-out
blind batch refused 8 of 15 unanswerable instead of 6 (wrongly refused 3 of 35 both, right 23 both) and
the external dev splits 95 of 113 instead of 93 (wrongly refused 13 of 460 both); not yet better than the
shipped model through the whole pipeline, so it is not the default.

``--hold-out REGEX`` keeps the project dev items whose id matches (``re.search``) out of everything
the training uses (ranker rows, answerable rows, threshold choice) and prints their metrics apart
(``seeds-dev-held``): a measure of how the reader generalizes to new questions over the seeds, where
the ``seeds-dev`` row (in the training data) only shows fit. Write such a model elsewhere (``--out``)
and run it through the whole pipeline with ``RAG_READER_MODEL=<file> rag eval --set dev``.
``--compare MODEL`` measures another model file (e.g. the shipped one) on the same questions and
passages, so the two are compared with the same functions; ``--seeds-weight`` is a seeds-dev
question's weight in the ranker's training (an external one weighs 1).
"""
from __future__ import annotations

import argparse
import logging
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

from near_twins import Corpus, donor_names, twins  # noqa: E402
from reader_data import gold_sets, retrieval_for, retrieve  # noqa: E402

from rag.evaluate import answer_correct, compute_metrics  # noqa: E402
from rag.evaluate import answerable as gold_answerable  # noqa: E402
from rag.reader.features import FEATURES  # noqa: E402
from rag.reader.model import ANSWERABLE_FEATURES, MODEL_PATH, ReaderModel, load_model, save_model  # noqa: E402
from rag.reader.question import analyze  # noqa: E402
from rag.reader.reader import Evidence, OfflineReader, answerable_row, gather, make_pool  # noqa: E402
from rag.reader.text import normalize  # noqa: E402
from rag.types import Passage  # noqa: E402

log = logging.getLogger("train_reader")

TRAIN_SETS = ["cmrc2018-train", "drcd-train", "seeds-dev"]
DEV_SETS = ["cmrc2018-dev", "drcd-dev", "seeds-dev"]
MAX_PASSAGES = 5
MAX_SENTENCES = 8
NEG_PER_QUESTION = 150
SEED = 13
# near-twin kinds the answerable model learns from (eval/near_twins.py); the qualifier twins (a noun of another
# article put before the measured noun) are left out: they look like hard answerable paraphrases
# (words missing from the answer's sentence), pulled the answerable external-dev questions' scores down
# and so the refusal threshold (0.233 → 0.064), and refused fewer external-dev unanswerable questions
TWIN_KINDS = ("year", "number", "breakdown", "entity")
SEEDS_WEIGHT = 3.0  # a seeds-dev question's weight in the ranker's training, against an external one's 1

_PUNCT = set("，,；;：:。！？!?…、（）()《》“”\"'‘’「」『』【】[]〈〉—-·/ \n\t")

RANKER_PARAMS = {
    "objective": "lambdarank", "lambdarank_truncation_level": 20, "learning_rate": 0.05, "num_leaves": 31, "min_data_in_leaf": 40,
    "feature_fraction": 0.6, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0, "max_bin": 63,
    "verbose": -1, "num_threads": 2, "seed": SEED, "deterministic": True, "force_row_wise": True,
}
RANKER_ROUNDS = 400
RANKER_BAG = 3  # rankers with different seeds, averaged
ANSWERABLE_PARAMS = {
    "objective": "binary", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 20,
    "feature_fraction": 0.9, "bagging_fraction": 0.9, "bagging_freq": 1, "lambda_l2": 1.0,
    "verbose": -1, "num_threads": 2, "seed": SEED, "deterministic": True, "force_row_wise": True,
}
ANSWERABLE_ROUNDS = 300


def answerable(g: dict) -> bool:
    return g.get("type") != "unanswerable" and bool(g.get("answers"))


@dataclass
class Example:
    set: str
    gold: dict
    passages: list[Passage]
    ev: Evidence | None = None
    y: np.ndarray | None = None  # F1 label per candidate
    group: str = ""  # the document (fold key)


def _golds(g: dict) -> list[str]:
    out = []
    for a in g.get("answers") or []:
        n = normalize(a).strip()
        while n and n[-1] in _PUNCT:
            n = n[:-1]
        while n and n[0] in _PUNCT:
            n = n[1:]
        if n:
            out.append(n)
    return out


def labels(ev: Evidence, g: dict) -> np.ndarray:
    """F1 of each candidate against the gold answers, by overlap of their (non-punctuation) characters.
    Only spans of the gold document can be right."""
    y = np.zeros(len(ev.cands), dtype=np.float32)
    if not answerable(g):
        return y
    golds = [(a, sum(1 for ch in a if ch not in _PUNCT) or 1) for a in _golds(g)]
    docs = {g.get("doc"), g.get("doc2")} - {None}
    per_sent: dict[int, list[tuple[int, int, int]]] = {}
    for k, s in enumerate(ev.ctx.sentences):
        if ev.ctx.passages[s.passage].doc not in docs:
            continue
        pn = ev.ctx.passage_norm[s.passage]
        occ = []
        for a, n in golds:
            pos = 0
            while (i := pn.find(a, pos)) >= 0:
                if max(i, s.start) < min(i + len(a), s.end):
                    occ.append((i - s.start, i + len(a) - s.start, n))
                pos = i + 1
        if occ:
            per_sent[k] = occ
    for m, (k, c) in enumerate(ev.cands):
        occ = per_sent.get(k)
        if not occ:
            continue
        norm = ev.ctx.sentences[k].norm
        cand_chars = sum(1 for ch in norm[c.start : c.end] if ch not in _PUNCT) or 1
        best = 0.0
        for a, b, n in occ:
            lo, hi = max(a, c.start), min(b, c.end)
            ov = sum(1 for ch in norm[lo:hi] if ch not in _PUNCT) if lo < hi else 0
            if ov:
                prec, rec = ov / cand_chars, ov / n
                best = max(best, 2 * prec * rec / (prec + rec))
        y[m] = best
    return y


def prepare(name: str, rows: list[tuple[dict, list[Passage]]], progress: bool = True) -> list[Example]:
    from tqdm import tqdm

    out = []
    for g, ps in tqdm(rows, desc=f"candidates {name}", unit="q", disable=not progress or None, leave=False):
        if g.get("type") == "multi_part":
            continue  # several answers to one question: trained part by part would need part-level gold
        q = analyze(g["question"])
        use = ps[:MAX_PASSAGES]
        ex = Example(name, g, ps, group=f"{name.split('-')[0]}:{g.get('doc') or g.get('article') or g['id']}")
        if use:
            ex.ev = gather(q, make_pool(use), MAX_SENTENCES)
            ex.y = labels(ex.ev, g)
        out.append(ex)
    return out


def sample_rows(ex: Example, rng: random.Random) -> np.ndarray:
    """All positive candidates, every candidate of a sentence holding the answer, and a sample of the rest."""
    y = ex.y
    keep = set(np.nonzero(y > 0)[0].tolist())
    pos_sents = {ex.ev.cands[i][0] for i in keep}
    hard = [i for i, (k, _) in enumerate(ex.ev.cands) if k in pos_sents and i not in keep]
    rest = [i for i, (k, _) in enumerate(ex.ev.cands) if k not in pos_sents]
    keep.update(hard[: NEG_PER_QUESTION])
    keep.update(rng.sample(rest, min(len(rest), NEG_PER_QUESTION)))
    return np.array(sorted(keep), dtype=np.int64)


def grade(y: np.ndarray) -> np.ndarray:
    """Relevance grade of a candidate from its F1: 0-5 in fifths, 6 for an exact match."""
    return (np.round(y * 5) + (y >= 0.999)).astype(np.int32)


def train_ranker(exs: list[Example], rounds: int = RANKER_ROUNDS, weight_seeds: float = SEEDS_WEIGHT, seed: int = SEED):
    import lightgbm as lgb

    from rag.reader.features import CATEGORICAL

    rng = random.Random(SEED)
    Xs, ys, groups, ws = [], [], [], []
    for ex in exs:
        if ex.ev is None or not len(ex.y) or not answerable(ex.gold):
            continue
        if ex.y.max() <= 0:
            continue  # the answer is not in the retrieved passages: nothing to learn about spans
        rows = sample_rows(ex, rng)
        Xs.append(ex.ev.X[rows])
        ys.append(grade(ex.y[rows]))
        groups.append(len(rows))
        ws.append(weight_seeds if ex.set.startswith("seeds") else 1.0)
    X = np.vstack(Xs)
    y = np.concatenate(ys)
    ds = lgb.Dataset(X, y, group=groups, weight=np.repeat(np.array(ws, dtype=np.float32), groups),
                     feature_name=FEATURES, categorical_feature=CATEGORICAL, free_raw_data=True)
    booster = lgb.train({**RANKER_PARAMS, "seed": seed}, ds, num_boost_round=rounds)
    return booster, len(y)


def ans_row(ex: Example, booster, passages: list[Passage] | None = None) -> np.ndarray:
    q = analyze(ex.gold["question"])
    if passages is None:
        ev = ex.ev
    else:
        ev = gather(q, make_pool(passages[:MAX_PASSAGES]), MAX_SENTENCES) if passages else None
    if ev is None:
        return np.array([0.0] * len(ANSWERABLE_FEATURES), dtype=np.float32)
    ev.scores = booster.predict(ev.X, raw_score=True, num_threads=2) if len(ev.X) else np.zeros(0)
    pool = make_pool(passages[:MAX_PASSAGES] if passages is not None else ex.passages[:MAX_PASSAGES])
    return answerable_row(ev, pool)


def crossfit_answerable(exs: list[Example], folds: int = 4, weight_seeds: float = SEEDS_WEIGHT):
    """Answerable rows scored by rankers that did not see the question (4 folds by document)."""
    groups = sorted({ex.group for ex in exs})
    rng = random.Random(SEED)
    rng.shuffle(groups)
    fold_of = {g: i % folds for i, g in enumerate(groups)}
    rows, ys = [], []
    for f in range(folds):
        train = [ex for ex in exs if fold_of[ex.group] != f]
        test = [ex for ex in exs if fold_of[ex.group] == f]
        booster, _ = train_ranker(train, weight_seeds=weight_seeds)  # as many rounds as the final rankers: the same score scale
        for ex in test:
            if ex.ev is None:
                continue
            rows.append(ans_row(ex, booster))
            ys.append(1.0 if answerable(ex.gold) else 0.0)
            if answerable(ex.gold) and ex.gold.get("doc"):
                # the same question with its article kept out of the index
                others = [p for p in ex.passages if p.doc not in (ex.gold.get("doc"), ex.gold.get("doc2"))]
                if others:
                    rows.append(ans_row(ex, booster, others))
                    ys.append(0.0)
        log.info("fold %d: %d answerable rows so far", f, len(rows))
    return np.vstack(rows), np.array(ys, dtype=np.float32)


def twin_rows(sets: dict, data: dict[str, list], names: list[str]) -> dict[str, list[tuple[dict, list[Passage]]]]:
    """Unanswerable near-twins (:mod:`near_twins`) of every answerable question of ``names``, each
    asked against its set's index (retrieved and cached like the gold questions). The names an entity
    twin puts in come from the other sets' documents, so they occur nowhere in the question's index."""
    corpora: dict[str, Corpus] = {}
    docs_of = {n: sets[n].docs for n in names}
    for n, d in docs_of.items():
        if str(d) not in corpora:
            corpora[str(d)] = Corpus({f.name: f.read_text(encoding="utf-8", errors="replace") for f in sorted(Path(d).iterdir())
                                      if f.is_file() and f.suffix in (".txt", ".md")})
    out = {}
    for n in names:
        own = corpora[str(docs_of[n])]
        donors = donor_names([t for k, c in corpora.items() if k != str(docs_of[n]) for t in c.texts.values()])
        golds = [t for g, _ in data[n] for t in twins(g, own, donors, kinds=TWIN_KINDS)]
        got = retrieval_for(sets[n]).get([t["question"] for t in golds], desc=f"retrieve {n} twins")
        out[n] = [(t, got[t["question"]]) for t in golds]
        kinds: dict[str, int] = {}
        for t in golds:
            kinds[t["twin_kind"]] = kinds.get(t["twin_kind"], 0) + 1
        log.info("near-twins of %s: %d (%s)", n, len(golds), ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    return out


def train_answerable(X: np.ndarray, y: np.ndarray):
    import lightgbm as lgb

    ds = lgb.Dataset(X, y, feature_name=ANSWERABLE_FEATURES, categorical_feature=["q_atype", "q_unit"], free_raw_data=True)
    return lgb.train(ANSWERABLE_PARAMS, ds, num_boost_round=ANSWERABLE_ROUNDS)


# ---------------------------------------------------------------- measuring the whole reader on dev


def record(g: dict, ans, passages: list[Passage]) -> dict:
    return {
        "id": g["id"], "question": g["question"], "answer": ans.answer, "refused": ans.refused, "backend": ans.backend,
        "grounded": ans.grounded, "warnings": ans.warnings,
        "citations": [{"n": c.n, "doc": c.doc, "chunk_id": c.chunk_id, "section": c.section, "text": c.text, "quote": c.quote} for c in ans.citations],
        "retrieved": [{"rank": p.rank, "doc": p.doc, "chunk_id": p.chunk_id, "section": p.section, "text": p.text, "score": p.score} for p in passages],
        "seconds": ans.timings.get("read_ms", 0.0) / 1000, "confidence": ans.confidence,
    }


def evaluate(reader: OfflineReader, rows: list[tuple[dict, list[Passage]]]) -> tuple[dict, list[dict]]:
    recs = []
    for g, ps in rows:
        ans = reader.run(g["question"], ps)
        recs.append(record(g, ans, ps))
    m = compute_metrics(list(zip([r[0] for r in rows], recs)))
    return m, recs


def outcomes(rows: list[tuple[dict, list[Passage]]], recs: list[dict]) -> dict:
    """Counts behind the rates, with the metric functions' own tests (``rag.evaluate``): answerable
    questions answered right, wrongly refused, answered wrong (a wrong figure or span, not refused);
    unanswerable questions refused and answered."""
    out = {"answerable": 0, "right": 0, "wrongly_refused": 0, "wrong": 0, "unanswerable": 0, "refused": 0, "answered": 0}
    for (g, _), r in zip(rows, recs):
        if gold_answerable(g):
            out["answerable"] += 1
            key = "right" if answer_correct(g, r) else "wrongly_refused" if r.get("refused") else "wrong"
        else:
            out["unanswerable"] += 1
            key = "refused" if r.get("refused") else "answered"
        out[key] += 1
    return out


def pick_threshold(reader: OfflineReader, sets: dict[str, list], max_refused: float = 0.03) -> float:
    """The highest threshold that refuses at most ``max_refused`` of the answerable dev questions
    (pooled over the external dev splits), counting the refusals the subject check makes anyway."""
    saved = reader.model.threshold
    reader.model.threshold = 0.0
    p_ans, refused, is_ans = [], [], []
    orig = reader.model.p_answerable
    seen: list[float] = []

    def spy(x):
        v = orig(x)
        seen.append(v)
        return v

    reader.model.p_answerable = spy  # type: ignore[method-assign]
    for name, rows in sets.items():
        for g, ps in rows:
            seen.clear()
            ans = reader.run(g["question"], ps)
            p_ans.append(min(seen) if seen else 1.0)
            refused.append(ans.refused)
            is_ans.append(answerable(g))
    reader.model.p_answerable = orig  # type: ignore[method-assign]
    reader.model.threshold = saved
    p = np.array(p_ans)
    r = np.array(refused)
    a = np.array(is_ans)
    best = 0.0
    for t in np.unique(np.concatenate([[0.0], p])):
        wrong = np.mean((r | (p < t))[a]) if a.any() else 0.0
        if wrong <= max_refused + 1e-9:
            best = max(best, float(t))
    base = np.mean(r[a]) if a.any() else 0.0
    log.info("refused by the subject check alone: %.3f of answerable; threshold %.3f", base, best)
    return best


def hold_out(rows: list[tuple[dict, list[Passage]]], regex: str) -> tuple[list, list]:
    """``(kept, held)``: the rows whose gold id matches ``regex`` (``re.search``) are held out.
    A bad pattern, or one that matches nothing, is an error naming the option."""
    try:
        pat = re.compile(regex)
    except re.error as e:
        raise SystemExit(f"--hold-out {regex!r}: not a regular expression ({e})") from None
    held = [r for r in rows if pat.search(r[0]["id"])]
    if not held:
        raise SystemExit(f"--hold-out {regex!r}: no seeds-dev id matches")
    return [r for r in rows if not pat.search(r[0]["id"])], held


def report(reader: OfflineReader, data: dict[str, list], names: list[str], label: str) -> dict:
    """Measure ``reader`` on each set and print two tables: the rates (EM, F1, accuracy, citations,
    refusals) and the outcome counts behind them. Returns the metrics per set (counts under ``outcomes``)."""
    metrics = {}
    fmt = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
    label = label.ljust(max(12, len(label) + 2))
    lines = [f"\n{label}{'set':<16}{'n':>5}{'EM':>8}{'F1':>8}{'acc':>8}{'cited':>8}{'refused':>9}{'wrong-ref':>10}"]
    counts = []
    for name in names:
        m, recs = evaluate(reader, data[name])
        metrics[name] = {k: m.get(k) for k in ("n", "exact_match", "char_f1", "answer_accuracy", "citation_accuracy", "refusal_accuracy", "false_refusal_rate")}
        metrics[name]["outcomes"] = c = outcomes(data[name], recs)
        lines.append(f"{label}{name:<16}{m['n']:>5}{fmt(m.get('exact_match')):>8}{fmt(m.get('char_f1')):>8}{fmt(m.get('answer_accuracy')):>8}"
                     f"{fmt(m.get('citation_accuracy')):>8}{fmt(m.get('refusal_accuracy')):>9}{fmt(m.get('false_refusal_rate')):>10}")
        counts.append(f"{label}{name:<16}{c['answerable']:>11}{c['right']:>7}{c['wrongly_refused']:>10}{c['wrong']:>7}"
                      f"{c['unanswerable']:>13}{c['refused']:>9}{c['answered']:>9}")
    lines.append(f"\n{label}{'set':<16}{'answerable':>11}{'right':>7}{'wrong-ref':>10}{'wrong':>7}{'unanswerable':>13}{'refused':>9}{'answered':>9}")
    print("\n".join(lines + counts))
    return metrics


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(MODEL_PATH), help="where to write the model (default: the package's)")
    ap.add_argument("--ext-index-dir", help="directory holding ext-cmrc2018 / ext-drcd (default RAG_EXT_INDEX_DIR or index/)")
    ap.add_argument("--seed-index-dir", help="directory holding the seed index 'default' (default RAG_INDEX_DIR or index/)")
    ap.add_argument("--max-refused", type=float, default=0.03, help="answerable dev questions the threshold may refuse")
    ap.add_argument("--hold-out", metavar="REGEX", help="project dev (seeds-dev) items whose id matches are left out of the "
                    "training and the threshold choice; their metrics are printed apart as seeds-dev-held")
    ap.add_argument("--seeds-weight", type=float, default=SEEDS_WEIGHT, help="weight of a seeds-dev question in the ranker's "
                    f"training (an external one weighs 1; default {SEEDS_WEIGHT:g})")
    ap.add_argument("--twins", action="store_true", help="add generated near-twin unanswerable questions (eval/near_twins.py, "
                    "kinds TWIN_KINDS) to the answerable model's training; off by default: measured in the docstring")
    ap.add_argument("--compare", action="append", metavar="MODEL", help="also measure this model file (e.g. the shipped one) "
                    "on the same questions and passages (repeatable)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("jieba").setLevel(logging.WARNING)
    t0 = time.time()
    sets = gold_sets(Path(args.ext_index_dir) if args.ext_index_dir else None, Path(args.seed_index_dir) if args.seed_index_dir else None)
    data = {name: retrieve(sets[name]) for name in dict.fromkeys(TRAIN_SETS + DEV_SETS)}
    log.info("retrieval ready (%.0f s)", time.time() - t0)
    eval_sets = list(DEV_SETS)
    if args.hold_out:
        data["seeds-dev"], data["seeds-dev-held"] = hold_out(data["seeds-dev"], args.hold_out)
        eval_sets.append("seeds-dev-held")
        log.info("held out of training: %d seeds-dev items (%d kept)", len(data["seeds-dev-held"]), len(data["seeds-dev"]))
    train_ex = [ex for name in TRAIN_SETS for ex in prepare(name, data[name])]
    log.info("candidates ready: %d questions, %d candidates (%.0f s)", len(train_ex),
             sum(len(ex.ev.cands) for ex in train_ex if ex.ev), time.time() - t0)
    twin_ex = []
    if args.twins:
        tw = twin_rows(sets, data, TRAIN_SETS)
        twin_ex = [ex for name in TRAIN_SETS for ex in prepare(name, tw[name])]
        log.info("near-twin questions ready: %d (%.0f s)", len(twin_ex), time.time() - t0)
    # the twins are unanswerable: the rankers skip them; they only add rows to the answerable model's training
    Xa, ya = crossfit_answerable(train_ex + twin_ex, weight_seeds=args.seeds_weight)
    answerable_model = train_answerable(Xa, ya)
    rankers = []
    for b in range(RANKER_BAG):
        ranker, n_rows = train_ranker(train_ex, weight_seeds=args.seeds_weight, seed=SEED + b)
        rankers.append(ranker)
    log.info("ranker trained on %d candidate rows; answerable model on %d questions (%.0f s)", n_rows, len(ya), time.time() - t0)
    model = ReaderModel(rankers=rankers, answerable=answerable_model, threshold=0.0, features=FEATURES,
                        answerable_features=ANSWERABLE_FEATURES)
    reader = OfflineReader(model=model, max_passages=MAX_PASSAGES, max_sentences=MAX_SENTENCES)
    ext_dev = {n: data[n] for n in DEV_SETS if not n.startswith("seeds")}
    model.threshold = pick_threshold(reader, ext_dev, args.max_refused)
    metrics = report(reader, data, eval_sets, "retrained")
    print("(seeds-dev is also in the training data: its figures show fit, not generalization"
          + ("; seeds-dev-held is not)" if args.hold_out else ")"))
    for other in args.compare or []:
        print(f"\n{other} (threshold {load_model(other).threshold:.3f}), on the same questions and passages:")
        report(OfflineReader(model=load_model(other), max_passages=MAX_PASSAGES, max_sentences=MAX_SENTENCES), data, eval_sets, Path(other).name)
    metrics["threshold"] = model.threshold
    if args.hold_out:
        metrics["hold_out"] = args.hold_out
    metrics["train_rows"] = n_rows
    metrics["near_twins"] = len(twin_ex)
    save_model(args.out, [r.model_to_string() for r in rankers], answerable_model.model_to_string(), model.threshold, metrics)
    print(f"\nwrote {args.out} (threshold {model.threshold:.3f}) in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
