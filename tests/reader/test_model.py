"""The shipped reader model: its two-stage scoring of long candidate lists."""
from __future__ import annotations

import numpy as np

from rag.reader import model as M
from rag.reader.model import load_model


def _rows(n: int, seed: int = 0) -> np.ndarray:
    m = load_model()
    rng = np.random.default_rng(seed)
    return rng.random((n, len(m.features))).astype(np.float32)


def test_short_list_is_scored_by_the_whole_ensemble():
    m = load_model()
    X = _rows(M.CASCADE_KEEP)
    assert np.array_equal(m.score(X), m.full_score(X))


def test_long_list_keeps_the_pre_ranked_best_exact_and_estimates_the_rest():
    m = load_model()
    X = _rows(3 * M.CASCADE_KEEP, seed=1)
    got, full = m.score(X), m.full_score(X)
    pre = m.rankers[0].predict(X, raw_score=True, num_iteration=M.CASCADE_TREES, num_threads=1)
    keep = np.argsort(-pre, kind="stable")[: M.CASCADE_KEEP]
    rest = np.setdiff1d(np.arange(len(X)), keep)
    assert np.array_equal(got[keep], full[keep])  # the kept rows: the ensemble's own scores
    assert not np.array_equal(got[rest], full[rest])  # the rest: estimated, not scored
    # the estimate follows the pre-ranking: a row pre-ranked higher is never estimated lower
    order = rest[np.argsort(-pre[rest], kind="stable")]
    assert np.all(np.diff(got[order]) <= 1e-12)
    assert np.corrcoef(got[rest], full[rest])[0, 1] > 0.3  # and it tracks the true score


def test_empty_list():
    assert load_model().score(np.zeros((0, len(load_model().features)), dtype=np.float32)).shape == (0,)
