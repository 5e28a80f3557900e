"""Everyday words of a question read as the written words of the passages (挣 → 收入/增收).

A question in everyday words (稻城的贫困户一年能挣多少钱) shares few terms with a report (人均收入
13910元), and a question term no sentence holds weighs the most in coverage, so such questions look
unanswered. ``align_terms(terms, vocab)`` replaces each term that ``vocab`` (the tokens of the
retrieved sentences) lacks by the report words of ``rag/data/paraphrase_zh.tsv`` that ``vocab``
holds; a term the passages hold, or one with no such word, stays as it is.

Example::

    >>> from rag.reader.paraphrase import align_terms
    >>> align_terms(["贫困户", "一年", "挣", "钱"], {"贫困户", "人均", "收入", "资金"})
    ['贫困户', '一年', '收入', '资金']
    >>> align_terms(["挣"], {"挣"}), align_terms(["理塘"], {"稻城"})
    (['挣'], ['理塘'])
    >>> spoken_terms_dropped(["跟", "2014", "相比", "来", "游客", "增"], {"2014", "游客", "增", "来"})
    ['2014', '来', '游客', '增']
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..data import tsv_pairs

# spoken-question grammar words: comparison frames, motion verbs of "coming to" a place, determiners,
# degree words and time deixis; dropped from a question's terms when the passages do not hold them
SPOKEN_FUNCTION_WORDS = frozenset(
    "跟 同 相比 比起 来 去 那些 这些 那个 这个 最 现在 如今 一年 能 能够 可以 大概 大约 到底 究竟".split()
)

PARAPHRASE_PATH = Path(__file__).resolve().parent.parent / "data" / "paraphrase_zh.tsv"


@lru_cache(maxsize=1)
def lexicon() -> dict[str, list[str]]:
    """Everyday word → report words, from ``rag/data/paraphrase_zh.tsv``."""
    out: dict[str, list[str]] = {}
    for word, alts in tsv_pairs(PARAPHRASE_PATH):
        out.setdefault(word, []).extend(a for a in alts.split() if a != word)
    return out


def align_terms(terms: list[str], vocab: set[str]) -> list[str]:
    """``terms`` with each one ``vocab`` lacks replaced by its report words that ``vocab`` holds."""
    lex = lexicon()
    out: list[str] = []
    for t in terms:
        alts = [a for a in lex.get(t, ()) if a in vocab] if t not in vocab else []
        out.extend(alts[:2] if alts else [t])
    return list(dict.fromkeys(out))


def spoken_terms_dropped(terms: list[str], vocab: set[str]) -> list[str]:
    """``terms`` without the spoken-question grammar words (:data:`SPOKEN_FUNCTION_WORDS`) ``vocab`` lacks."""
    return [t for t in terms if t not in SPOKEN_FUNCTION_WORDS or t in vocab]
