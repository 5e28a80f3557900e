"""Candidate features (rag/reader/features.py) and the model file (rag/reader/model.py)."""
from __future__ import annotations

import doctest
import gzip
import json

import numpy as np
import pytest

import rag.reader.features as features_mod
import rag.reader.model as model_mod
from rag.reader.features import FEATURES
from rag.reader.model import MODEL_PATH, load_model
from rag.reader.question import analyze
from rag.reader.reader import gather, make_pool
from rag.types import Passage

TEXT = "地球体育场可以容纳6476名观众，其中主看台有2173个坐席。球场于1985年启用。"


def evidence(question: str):
    p = Passage(rank=1, doc="a.txt", chunk_id="a#1", section="地球体育场", text=TEXT, score=1.0, title="地球体育场")
    return gather(analyze(question), make_pool([p]))


def feature(ev, text: str, name: str) -> float:
    i = next(i for i in range(len(ev.cands)) if ev.text(i) == text)
    return float(ev.X[i, FEATURES.index(name)])


def test_doctests():
    assert doctest.testmod(features_mod).failed == 0
    assert doctest.testmod(model_mod).failed == 0


def test_one_row_per_candidate_and_no_nan():
    ev = evidence("地球体育场能容纳多少名观众？")
    assert ev.X.shape == (len(ev.cands), len(FEATURES))
    assert np.isfinite(ev.X).all()


def test_unit_family_and_alignment_features():
    ev = evidence("地球体育场能容纳多少名观众？")
    assert feature(ev, "6476名", "fam_match") == 1.0  # 名 counts people, as 多少名 asks
    assert feature(ev, "2173个", "fam_match") == 0.0
    assert feature(ev, "1985年", "fam_match") == 0.0
    # the question's words before its wh-word stand right before the answer, those after it right after
    assert feature(ev, "6476名", "lsuf_loose") > feature(ev, "2173个", "lsuf_loose")
    assert feature(ev, "6476名", "counted_near") == 1.0
    assert feature(ev, "地球体育场", "q_term_in") > 0  # a span repeating the question's words


def test_model_file_matches_the_code(tmp_path):
    m = load_model()
    assert m.features == FEATURES and 0.0 <= m.threshold < 1.0
    scores = m.score(evidence("球场于哪一年启用？").X)
    assert scores.shape[0] > 0 and np.isfinite(scores).all()
    data = json.loads(gzip.decompress(MODEL_PATH.read_bytes()))
    data["features"] = FEATURES[:-1]
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="retrain"):
        load_model(stale)
    with pytest.raises(FileNotFoundError, match="train_reader"):
        load_model(tmp_path / "missing.json")


def test_the_reader_model_setting_picks_the_model_file(tmp_path):
    """RAG_READER_MODEL / Settings.reader_model: the assistant's offline reader (and the LLM answerer's
    fallback) load the named file, e.g. a model written by ``eval/train_reader.py --out``."""
    from rag.llm import get_answerer
    from rag.qa import Assistant
    from rag.settings import Settings

    data = json.loads(gzip.decompress(MODEL_PATH.read_bytes()))
    data["threshold"] = 0.987654
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    s = Settings(index_dir=tmp_path, reader_model=other)
    assert Assistant(s).answerer("none").model.threshold == pytest.approx(0.987654)
    assert get_answerer(s).model.threshold == pytest.approx(0.987654)
    assert Assistant(Settings(index_dir=tmp_path)).answerer("none").model.threshold == pytest.approx(load_model().threshold)
    with pytest.raises(FileNotFoundError, match="missing.json"):
        Assistant(Settings(index_dir=tmp_path, reader_model=tmp_path / "missing.json")).answerer("none")
