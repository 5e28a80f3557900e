"""Text the reader works on: a normalised copy of each sentence that keeps the original's offsets,
and its words with jieba part-of-speech tags (cached per sentence).

``normalize`` folds width (NFKC) and script (traditional → simplified) character by character, so
``normalize(s)`` has the length of ``s`` and a span found in it is the same span of the original:
the reader matches on the normalised text and quotes the original.

Example::

    >>> from rag.reader.text import normalize, pos_words
    >>> normalize("貧困戶１２６８戶")
    '贫困户1268户'
    >>> [(w.text, w.flag) for w in pos_words("稻城县辖8乡5镇")][:2]
    [('稻城县', 'ns'), ('辖', 'v')]
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ..normalize import split_sentences, to_simplified


def clause_start(text: str, start: int, marks: str) -> int:
    """Where the clause holding ``text[start]`` begins: just after the last of ``marks`` before it (0 if none).

    >>> clause_start("全县建成合作社42个，带动农户3400户。", 17, "，。")
    11
    """
    return max((text.rfind(ch, 0, start) for ch in marks), default=-1) + 1


def clause_end(text: str, end: int, marks: str) -> int:
    """Where the clause holding ``text[end - 1]`` ends: at the first of ``marks`` from ``end`` on (the text's end if none).

    >>> s = "全县建成合作社42个，带动农户3400户。"
    >>> s[clause_start(s, 17, "，。") : clause_end(s, 17, "，。")]
    '带动农户3400户'
    """
    return min([j for j in (text.find(ch, end) for ch in marks) if j >= 0] or [len(text)])


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    f = unicodedata.normalize("NFKC", ch)
    return f.lower() if len(f) == 1 else ch


@lru_cache(maxsize=32768)
def normalize(text: str) -> str:
    """NFKC + simplified + lower case, one character for one character (offsets are kept)."""
    folded = "".join(_fold_char(ch) for ch in text)
    simp = to_simplified(folded)
    if len(simp) != len(folded):  # a phrase conversion changed the length: convert character by character
        simp = "".join(c if len(c) == 1 else o for o, c in ((o, to_simplified(o)) for o in folded))
    return simp


@dataclass(frozen=True)
class Word:
    """A jieba word of a normalised sentence: ``text == norm[start:end]``."""

    start: int
    end: int
    text: str
    flag: str


@lru_cache(maxsize=1)
def _posseg():
    import jieba
    import jieba.posseg as pseg

    from ..lexical import _jieba

    _jieba()  # the project's dictionary additions
    jieba.setLogLevel(logging.WARNING)
    return pseg


@lru_cache(maxsize=16384)
def pos_words(norm: str) -> tuple[Word, ...]:
    """Words with part-of-speech tags of a normalised sentence.

    jieba's dictionary cut (its HMM for unknown words is ten times slower); a run of single
    characters the dictionary does not join is one unknown word (``un``), usually a name."""
    out: list[Word] = []
    pos = 0
    run: list[Word] = []

    def flush() -> None:
        if len(run) >= 2:
            out.append(Word(run[0].start, run[-1].end, norm[run[0].start : run[-1].end], "un"))
        else:
            out.extend(run)
        run.clear()

    for w in _posseg().cut(norm, HMM=HMM):
        n = len(w.word)
        word = Word(pos, pos + n, w.word, w.flag)
        pos += n
        if not HMM and n == 1 and "\u4e00" <= w.word <= "\u9fff" and w.flag not in _FUNCTION_FLAGS and w.word not in _FUNCTION_CHARS:
            run.append(word)
            continue
        flush()
        out.append(word)
    flush()
    return tuple(out)


HMM = False
_FUNCTION_FLAGS = {"p", "c", "u", "uj", "ul", "uz", "uv", "ug", "ud", "y", "e", "d", "m", "q", "f", "r", "x", "zg", "vshi", "vyou"}
_FUNCTION_CHARS = set("的了是在和与及或被把将为以于从由向对到也都就而并其该此这那之个年月日人")


@dataclass
class Sentence:
    """A sentence of a passage: ``raw == passage.text[start:end]``; ``norm`` its normalised form."""

    passage: int  # index into the reader's passages
    index: int  # sentence number inside the passage
    start: int
    end: int
    raw: str
    norm: str

    @property
    def words(self) -> tuple[Word, ...]:
        return pos_words(self.norm)


_LINE_BREAK = re.compile(r"\n+|<br\s*/?>", re.I)


def _lines(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` between line breaks (a heading line is never part of the next sentence)."""
    out, pos = [], 0
    for m in _LINE_BREAK.finditer(text):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    return out


def sentences(passage_index: int, text: str, max_chars: int = 220) -> list[Sentence]:
    """The sentences of a passage text; a long run without a full stop is cut at its commas."""
    out = []
    for a, b in _lines(text):
        for i, j in split_sentences(text[a:b]):
            i, j = a + i, a + j
            while j - i > max_chars:  # a table row or a list without full stops
                cut = max(text.rfind(ch, i, i + max_chars) for ch in "，,、 ")
                if cut <= i:
                    cut = i + max_chars - 1
                out.append((i, cut + 1))
                i = cut + 1
            out.append((i, j))
    res = []
    for k, (i, j) in enumerate(out):
        raw = text[i:j]
        if raw.strip():
            res.append(Sentence(passage_index, k, i, j, raw, normalize(raw)))
    return res
