"""The offline reader: short, cited answers from retrieved passages, ranked by a learned model.

``OfflineReader().run(question, passages) -> Answer`` (see :mod:`rag.reader.reader`); the question
analysis, candidates, features and model live in their own modules. Retrain the model with
``python eval/train_reader.py``.
"""
from .question import Question, analyze
from .reader import OfflineReader

__all__ = ["OfflineReader", "Question", "analyze"]
