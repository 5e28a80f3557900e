"""The reader's learned parts, loaded from one file in the package (``rag/data/reader_model.json.gz``).

The file is written by ``eval/train_reader.py`` and holds

* ``rankers`` — LightGBM lambdarank models (bagged with different seeds) scoring answer candidates
  (:data:`rag.reader.features.FEATURES`); their scores are averaged;
* ``answerable`` — a LightGBM model over question-level evidence features
  (:data:`ANSWERABLE_FEATURES`) giving the probability that the passages answer the question;
* ``threshold`` — the answerable probability under which the reader refuses, picked on the dev
  splits for at most 3% of answerable questions refused;
* ``features``/``answerable_features`` (checked against the code) and the training ``metrics``.

Example::

    >>> from rag.reader.model import load_model
    >>> m = load_model()
    >>> 0.0 < m.threshold < 1.0 and m.features[0] == "p_rank"
    True
"""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .features import FEATURES

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "reader_model.json.gz"

ANSWERABLE_FEATURES = [
    "top_score", "second_score", "margin", "top_prob", "n_cands",
    "top_s_cov", "top_s_cov_ctx", "top_p_cov", "top_p_rank", "top_c_cov", "top_prox", "top_fam_match", "top_q_term_in",
    "top_left_l", "top_right_r", "top_len",
    "best_s_cov", "best_s_cov_ctx", "best_p_cov", "best_ctx_cov",
    "ent_any", "ent_top_passage", "ent_top_sent", "n_entities",
    "missing_terms", "missing_long_terms", "year_top_passage", "year_top_sent", "has_year",
    "fam_available", "q_atype", "q_unit", "q_en", "q_terms", "p1_score_rel", "same_doc_top3",
    "ent_missing", "strong_missing", "near_miss", "concept_top_sent", "concept_any",
]

# the two-stage scoring of long candidate lists (see ReaderModel.score); speed settings, not learned:
# benchmarks/bench_cascade.py prints how often they lose the ensemble's best candidate (none on dev)
CASCADE_TREES = 80
CASCADE_KEEP = 300


@dataclass
class ReaderModel:
    rankers: list
    answerable: object | None
    threshold: float
    features: list[str]
    answerable_features: list[str]
    metrics: dict = field(default_factory=dict)

    def score(self, X: np.ndarray) -> np.ndarray:
        """Ranker scores (higher is better, the mean over the bagged rankers) for rows of candidate features.

        A long candidate list is scored in two stages, as search engines do: the first
        :data:`CASCADE_TREES` trees of the first ranker pre-rank every row, and only the
        :data:`CASCADE_KEEP` best are scored by the whole ensemble (the ensemble costs ~40 times the
        pre-ranking per row, and a question has ~1,500 candidates). The other rows get the linear map of
        their pre-rank score fitted on the kept rows: an estimate of their score, so that what is computed
        over all candidates (the answer's share of the softmax mass, for refusal) stays close to exact.
        ``benchmarks/bench_cascade.py`` measures what this changes (how often the ensemble's best is lost)
        and what it saves.
        """
        if len(X) == 0:
            return np.zeros(0, dtype=np.float64)
        if len(X) <= CASCADE_KEEP or not self.rankers:
            return self.full_score(X)
        pre = np.asarray(self.rankers[0].predict(X, raw_score=True, num_iteration=CASCADE_TREES, num_threads=1), dtype=np.float64)
        keep = np.argsort(-pre, kind="stable")[:CASCADE_KEEP]
        full = self.full_score(X[keep])
        rest = np.ones(len(X), dtype=bool)
        rest[keep] = False
        slope, icpt = np.polyfit(pre[keep], full, 1) if np.ptp(pre[keep]) > 0 else (0.0, 0.0)
        if slope <= 0:  # no usable relation: the rest sit at the lowest kept score
            slope, icpt = 0.0, float(full.min())
        out = np.empty(len(X), dtype=np.float64)
        out[keep] = full
        out[rest] = slope * pre[rest] + icpt
        return out

    def full_score(self, X: np.ndarray) -> np.ndarray:
        """Every row scored by the whole bagged ensemble (what :meth:`score` does for short lists)."""
        if len(X) == 0:
            return np.zeros(0, dtype=np.float64)
        return np.mean([np.asarray(r.predict(X, raw_score=True, num_threads=1), dtype=np.float64) for r in self.rankers], axis=0)

    def p_answerable(self, x: np.ndarray) -> float:
        if self.answerable is None:
            return 1.0
        return float(self.answerable.predict(x.reshape(1, -1), num_threads=1)[0])


def _booster(model_str: str):
    try:
        import lightgbm as lgb
    except ImportError as e:  # pragma: no cover - lightgbm is a core dependency
        raise ImportError("the offline reader needs lightgbm: pip install lightgbm") from e
    return lgb.Booster(model_str=model_str)


@lru_cache(maxsize=4)
def load_model(path: Path | str | None = None) -> ReaderModel:
    """The trained reader model (cached per path)."""
    p = Path(path or MODEL_PATH)
    try:
        raw = p.read_bytes()
        data = json.loads((gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{p}: the reader model is missing; train it with `python eval/train_reader.py`") from None
    if data.get("features") != FEATURES:
        raise ValueError(f"{p}: the model was trained on other features than the code computes; retrain with `python eval/train_reader.py`")
    if data.get("answerable_features") != ANSWERABLE_FEATURES:
        raise ValueError(f"{p}: the refusal model was trained on other features; retrain with `python eval/train_reader.py`")
    return ReaderModel(
        rankers=[_booster(r) for r in data["rankers"]],
        answerable=_booster(data["answerable"]) if data.get("answerable") else None,
        threshold=float(data.get("threshold", 0.5)),
        features=data["features"],
        answerable_features=data["answerable_features"],
        metrics=data.get("metrics", {}),
    )


def save_model(path: Path | str, ranker_strs: list[str], answerable_str: str | None, threshold: float, metrics: dict) -> None:
    data = {
        "format": 2,
        "features": FEATURES,
        "answerable_features": ANSWERABLE_FEATURES,
        "threshold": threshold,
        "metrics": metrics,
        "rankers": ranker_strs,
        "answerable": answerable_str,
    }
    blob = json.dumps(data, ensure_ascii=False).encode("utf-8")
    # gzip without a timestamp: the same model gives the same bytes
    Path(path).write_bytes(gzip.compress(blob, compresslevel=9, mtime=0) if str(path).endswith(".gz") else blob)
