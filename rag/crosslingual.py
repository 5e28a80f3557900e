"""English questions → Chinese search terms, so BM25 can help the dense leg on English questions.

Two sources, both offline:

* a glossary of general report vocabulary (``rag/data/glossary_en_zh.tsv``; one
  ``english<TAB>中文 词`` per line, ``*`` matching any word ending), which users can extend;
* place names in the index itself, matched by pinyin (``Litang`` → 理塘), built from the index
  vocabulary and from the places the indexed chunks name (``records[i]["places"]``: 塔城镇,
  which jieba splits into 塔 + 城镇, is ``Tacheng``) with ``pypinyin``.

Example::

    >>> from rag.crosslingual import build_place_index, translate_query
    >>> translate_query("How many poor households did the county have in 2014?")
    '多少 贫困户 县 2014'
    >>> translate_query("How many households did Litang County have?", build_place_index({"理塘县", "农户"}))
    '多少 户 农户 理塘 县'
    >>> translate_query("How many households did Tacheng Town have?", build_place_index(set(), ["塔城镇"]))
    '多少 户 农户 塔城镇 镇'
"""
from __future__ import annotations

import itertools
import logging
import re
from functools import lru_cache
from pathlib import Path

from .data import tsv_pairs

log = logging.getLogger(__name__)

GLOSSARY_PATH = Path(__file__).with_name("data") / "glossary_en_zh.tsv"
_WORD = re.compile(r"[a-z][a-z\-']*|\d+(?:\.\d+)?%?", re.I)
_PLACE_SUFFIX = "县市州乡镇村区省"


@lru_cache(maxsize=1)
def _glossary() -> list[tuple[list[str], list[str]]]:
    entries = [(en.lower().split(), zh.split()) for en, zh in tsv_pairs(GLOSSARY_PATH)]
    # longest phrases first so "poor households" wins over "households"
    entries.sort(key=lambda e: (-len(e[0]), -len("".join(e[0]).rstrip("*"))))  # then the more specific word
    return entries


EXONYMS_PATH = Path(__file__).with_name("data") / "exonyms_en.tsv"


@lru_cache(maxsize=1)
def exonyms() -> dict[str, str]:
    """English names of Chinese places that are not pinyin (``qamdo``, ``shangrila``), to the pinyin of the
    Chinese name (``changdu``, ``xianggelila``): a general gazetteer in ``rag/data/exonyms_en.tsv``.

    >>> exonyms()["lhasa"]
    'lasa'
    """
    return {en: py.strip() for en, py in tsv_pairs(EXONYMS_PATH)}


def with_exonyms(index: dict[str, str]) -> dict[str, str]:
    """``index`` (pinyin → place) with the English names of its places that are not pinyin added.

    >>> with_exonyms({"changdu": "昌都市", "daocheng": "稻城县"})["qamdo"]
    '昌都市'
    """
    for en, py in exonyms().items():
        if py in index and en not in index:
            index[en] = index[py]
    return index


def _word_matches(pattern: str, word: str) -> bool:
    if pattern.endswith("*"):
        return word.startswith(pattern[:-1])
    return word == pattern or word == pattern + "s" or word == pattern + "es"


def _pinyin_variants(word: str, limit: int = 16) -> list[str]:
    from pypinyin import Style, pinyin

    readings = pinyin(word, style=Style.NORMAL, heteronym=True)
    combos = itertools.islice(itertools.product(*[r[:3] for r in readings]), limit)
    return ["".join(c) for c in combos]


def build_place_index(vocab, places=()) -> dict[str, str]:
    """Map pinyin (no tones, no spaces) → Chinese place name, for place-like words in ``vocab`` and for
    ``places`` the documents name (a name, and its stem without the 县/市/镇… suffix, both map to the
    whole name as the documents write it; pinyin of fewer than 4 letters is left out: too many English
    words spell one)."""
    try:
        import pypinyin  # noqa: F401
    except ImportError:
        log.info("pypinyin not installed: English place names are matched only through the glossary")
        return {}
    out: dict[str, str] = {}
    for pl in sorted(set(places)):
        if not (2 <= len(pl) <= 8) or not all("\u4e00" <= ch <= "\u9fff" for ch in pl):
            continue
        stem = pl[:-1] if len(pl) >= 3 and pl[-1] in _PLACE_SUFFIX else pl
        for form in dict.fromkeys((pl, stem)):
            for py in _pinyin_variants(form):
                if len(py) >= 4:
                    out.setdefault(py, pl)
    for w in vocab:
        if not (2 <= len(w) <= 6) or not all("\u4e00" <= ch <= "\u9fff" for ch in w):
            continue
        if w[-1] not in _PLACE_SUFFIX:
            continue
        stem = w[:-1]
        for form in {w, stem} if len(stem) >= 2 else {w}:
            for py in _pinyin_variants(form):
                out.setdefault(py, form)
    return with_exonyms(out)


def translate_query(question: str, places: dict[str, str] | None = None) -> str:
    """Chinese terms (space separated) for an English question; numbers are kept."""
    return translate_query_detail(question, places)[0]


_COMMON_CAPS = {"how", "what", "which", "who", "when", "where", "why", "in", "the", "a", "an", "according", "since", "does", "did", "is", "was", "are", "were", "i", "covid-19", "gdp", "it", "of"}


def translate_query_detail(question: str, places: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """Chinese terms for an English question, and the terms that translate its proper names (places)."""
    raw_words = _WORD.findall(question.replace("’", "'"))
    caps = [bool(w[:1].isupper()) and i > 0 and w.lower() not in _COMMON_CAPS for i, w in enumerate(raw_words)]
    words = [w.lower() for w in raw_words]
    out: list[str] = []
    entities: list[str] = []
    i = 0
    glossary = _glossary()
    while i < len(words):
        w = words[i]
        if w[0].isdigit():
            out.append(w)
            i += 1
            continue
        matched = False
        for en, zh in glossary:
            n = len(en)
            if i + n <= len(words) and all(_word_matches(p, x) for p, x in zip(en, words[i : i + n])):
                out.extend(zh[:2])
                if any(caps[i : i + n]) and n == 1 and not en[0].endswith("*"):
                    entities.append(zh[0])
                i += n
                matched = True
                break
        if matched:
            continue
        if "-" in w.strip("-") and not any(caps[i:i + 1]):
            # minimum-living-allowance: the glossary has the words, not the hyphenated compound
            parts = [x for x in w.split("-") if x]
            words[i:i + 1] = parts
            caps[i:i + 1] = [False] * len(parts)
            continue
        if places:
            # one word or two joined ("shangri la", "dong wang")
            for span in (2, 1):
                key = re.sub(r"'s?$", "", "".join(words[i : i + span])).replace("-", "").replace("'", "")
                if i + span <= len(words) and key in places:
                    out.append(places[key])
                    entities.append(places[key])
                    i += span
                    matched = True
                    break
        if not matched:
            i += 1
    uniq = list(dict.fromkeys(out))
    return " ".join(uniq), [e for e in dict.fromkeys(entities) if len(e) >= 2]


def learned_places(records) -> list[str]:
    """The names of administrative units (…县, …镇, …村) the indexed chunks name (stored with each record
    at index time; for an index written before records carried them, read from the chunk's text now).

    >>> learned_places([{"places": ["塔城镇"], "doc_places": ["维西县"]}, {"text": "东旺乡种植葡萄50亩。", "doc_places": []}])
    ['塔城镇', '维西县', '东旺乡']
    """
    from .lexical import find_places

    out: dict[str, None] = {}
    for r in records:
        own = r["places"] if "places" in r else [pl for para in (r.get("text") or "").split("\n") for pl in find_places(para)]
        for pl in list(own or []) + list(r.get("doc_places") or []):
            if len(pl) >= 2 and pl[-1] in _PLACE_SUFFIX:  # 新建 is tagged a place name too: only names of a unit
                out.setdefault(pl, None)
    return list(out)
