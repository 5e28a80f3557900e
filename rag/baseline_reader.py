"""A stock baseline answerer to report beside ours: the best-overlap sentence of the top 3 passages.

The "40-line baseline" of reading-comprehension papers: split the top ``top`` passages into
sentences, count the distinct jieba tokens each shares with the question (both sides in
simplified script, punctuation dropped), and answer with the best sentence, cited verbatim.
It refuses only when no sentence shares a token. It knows nothing of this project's lexicon
or rules (it uses its own jieba tokenizer), so it is a fixed point to compare a reader against.

Example::

    >>> from rag.baseline_reader import BaselineReader
    >>> from rag.types import Passage
    >>> p = Passage(rank=1, doc="a.txt", chunk_id="a#0", section="", score=1.0,
    ...             text="全县辖8乡5镇。全县面积2100平方公里，常住人口4.1万人。")
    >>> a = BaselineReader().run("全县面积多少平方公里？", [p])
    >>> a.answer, a.citations[0].quote
    ('全县面积2100平方公里，常住人口4.1万人。[1]', '全县面积2100平方公里，常住人口4.1万人。')
    >>> BaselineReader().run("How big is it?", [p]).refused
    True
"""
from __future__ import annotations

import re
import threading

from .answering import question_script, refusal_text
from .normalize import nfkc, to_simplified
from .types import Answer, Citation, Passage

_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
_WORDLIKE = re.compile(r"\w", re.UNICODE)
_lock = threading.Lock()
_tokenizer = None


def _jieba():
    """A private jieba tokenizer: words other modules add to jieba's default one do not reach it."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba

            jieba.setLogLevel(60)
            _tokenizer = jieba.Tokenizer()
        return _tokenizer


def tokens(text: str) -> set[str]:
    """Distinct lower-case jieba tokens of ``text`` in simplified script, punctuation and spaces dropped."""
    return {t.lower() for t in _jieba().lcut(to_simplified(nfkc(text))) if _WORDLIKE.search(t)}


class BaselineReader:
    """Answer with the sentence of the top ``top`` passages that shares most question tokens."""

    backend = "baseline"

    def __init__(self, top: int = 3):
        self.top = top

    def run(self, question: str, passages: list[Passage]) -> Answer:
        q = tokens(question)
        best = None  # (overlap, -rank, passage index, start, end)
        for i, p in enumerate(passages[: self.top]):
            for m in _SENTENCE.finditer(p.text):
                s, e = m.start(), m.end()
                while s < e and p.text[s].isspace():
                    s += 1
                if s >= e:
                    continue
                score = len(q & tokens(p.text[s:e]))
                if score and (best is None or score > best[0]):
                    best = (score, i, s, e)
        if best is None:
            return Answer(question=question, answer=refusal_text(question_script(question)), refused=True, backend=self.backend, confidence=0.0)
        score, i, s, e = best
        p = passages[i]
        quote = p.text[s:e].rstrip()
        cite = Citation(n=1, doc=p.doc, chunk_id=p.chunk_id, section=p.section, text=p.text, quote=quote, page=p.page, start=s, table=p.table)
        return Answer(question=question, answer=f"{quote}[1]", refused=False, citations=[cite], backend=self.backend,
                      confidence=score / max(1, len(q)))
