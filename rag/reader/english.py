"""The places an English question names, matched to the Chinese names of the passages by pinyin.

English questions write places in pinyin (``Weixi County`` → 维西县, ``Tacheng Town`` → 塔城镇), or by
an English name that is not pinyin (``Qamdo`` → 昌都, from the general gazetteer of
:func:`rag.crosslingual.exonyms`).
Nothing here knows any place: the names come from the passages (the places they name and the
places their documents are about), and their pinyin is computed once per name and once per set
of names (:func:`pinyin_index`), so reading a question costs a dictionary look-up per word.

A question that names a place as a place (``Litang County``, ``in Lhasa``) that no passage names is
about somewhere else; two things are not such a place: a capitalised phrase of ordinary report
words (``National Civilized Village``, a title), and a village, town or township the passage text
spells in characters with the same level (``Heping Village`` → 和平村), which jieba did not tag as a
place (it is then one of the places asked about).

Example::

    >>> from rag.types import Passage
    >>> ps = [Passage(rank=1, doc="a.txt", chunk_id="c", section="", text="维西县建成合作社42个。", score=1.0)]
    >>> english_places("How many cooperatives has Weixi County built?", ps)
    (['维西县'], None)
    >>> english_places("How many cooperatives has Litang County built?", ps)
    ([], 'Litang County')
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..lexical import PLACE_SUFFIX, find_places
from ..types import Passage
from .text import clause_start, normalize

_LEVEL_CHARS = set("省州市县区乡镇村")
_SPELLED_LEVELS = set("乡镇村")
# the level an English place word names, and the character a Chinese place of that level ends with
_EN_LEVEL = {"county": "县", "city": "市", "prefecture": "州", "town": "镇", "township": "乡", "village": "村",
             "district": "区", "province": "省"}
_EN_PLACE = re.compile(r"\b((?:[A-Z][a-z]+[ \-]?){1,3}?)\s+(County|City|Prefecture|Town|Township|Village|District|Province)\b")
_EN_NAME = re.compile(r"\b[A-Z][a-z]+(?:-[A-Z]?[a-z]+)?(?:'s)?")
_EN_BARE_PLACE = re.compile(r"\b(?:in|of|at|from)\s+([A-Z][a-z]+(?:-[A-Z]?[a-z]+)?)\b(?!\s+(?:[A-Z]|County|City|Prefecture|Town|Township|Village|District|Province))")
_NOT_NAMES = ("the", "this", "that", "which", "what", "each", "every")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


def _key(word: str) -> str:
    return re.sub(r"'s$|[^a-z]", "", word.lower())


def _stem(place: str) -> str:
    return place[:-1] if len(place) >= 3 and place[-1] in PLACE_SUFFIX else place


@lru_cache(maxsize=4096)
def _name_pinyin(name: str) -> tuple[str, ...]:
    """The pinyin spellings (no tones, no spaces; a few readings of heteronyms) of a name and its stem."""
    from ..crosslingual import _pinyin_variants

    return tuple(dict.fromkeys(py for form in dict.fromkeys((name, _stem(name))) for py in _pinyin_variants(form)))


@lru_cache(maxsize=256)
def pinyin_index(names: frozenset[str]) -> dict[str, str]:
    """pinyin → place, for a set of Chinese place names (built once per set and reused).

    >>> pinyin_index(frozenset({"稻城县"}))["daocheng"]
    '稻城县'
    """
    from ..crosslingual import with_exonyms

    index: dict[str, str] = {}
    for pl in sorted(names):
        for py in _name_pinyin(pl):
            index.setdefault(py, pl)
    return with_exonyms(index)  # Qamdo → 昌都市, Shangri-La → 香格里拉市: English names that are not pinyin


@lru_cache(maxsize=2048)
def _text_places(text: str, context: str, doc_places: tuple[str, ...]) -> frozenset[str]:
    names = {pl for pl in find_places(normalize(text) + "\n" + normalize(context)) if pl[-1] in _LEVEL_CHARS}
    names.update(pl for pl in doc_places if pl and pl[-1] in _LEVEL_CHARS)
    return frozenset(names)


def passage_places(p: Passage) -> frozenset[str]:
    """The places a passage names, with the places its document is about (cached by its text)."""
    ctx = f"{p.title or ''} {p.section or ''} {' '.join(p.doc_places or [])}"
    return _text_places(p.text, ctx, tuple(p.doc_places or ()))


@lru_cache(maxsize=2048)
def _spelled_places(text: str) -> dict[str, str]:
    """pinyin → name, for every 2-4 character run of ``text`` followed by the character of a village,
    town or township (``hepingcun`` → 和平村): names below the county that jieba does not tag as places.
    A county or city is left to :func:`find_places`: one named in passing (a road to a neighbouring
    county) is not what the passage is about."""
    from pypinyin import lazy_pinyin

    out: dict[str, str] = {}
    for m in _CJK_RUN.finditer(normalize(text)):
        run = m.group(0)
        syl = lazy_pinyin(run)
        if len(syl) != len(run):
            continue
        for j, ch in enumerate(run):
            if ch not in _SPELLED_LEVELS:
                continue
            for n in range(2, 5):
                if j - n >= 0:
                    out.setdefault("".join(syl[j - n : j]) + ch, run[j - n : j + 1])
    return out


def _ordinary_words(phrase: str) -> bool:
    """Every word of a capitalised phrase is report vocabulary (National Civilized Village): a title or a
    kind of place, not a name."""
    from ..crosslingual import _glossary, _word_matches

    singles = [en[0] for en, _ in _glossary() if len(en) == 1]
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", phrase)]
    return bool(words) and all(any(_word_matches(p, w) for p in singles) for w in words)


def english_places(text: str, passages: list[Passage]) -> tuple[list[str], str | None]:
    """The Chinese places of ``passages`` an English question names, by pinyin (``Weixi County`` → 维西县),
    and the first place it names as a place (``Litang County``) that no passage names (then the passages
    are about somewhere else)."""
    names: set[str] = set()
    for p in passages:
        names |= passage_places(p)
    try:
        index = pinyin_index(frozenset(names))
    except ImportError:  # pragma: no cover - pypinyin is a core dependency
        return [], None
    found = [index[_key(m.group(0))] for m in _EN_NAME.finditer(text) if m.start() > 0 and _key(m.group(0)) in index]
    missing = None
    for m in _EN_PLACE.finditer(text):
        k = _key(m.group(1))
        if k in index or k in _NOT_NAMES or _ordinary_words(m.group(1)):
            continue
        level = _EN_LEVEL[m.group(2).lower()]
        spelled = next((sp[k + level] for sp in (_spelled_places(p.text) for p in passages) if k + level in sp), None)
        if spelled:
            found.append(spelled)
            continue
        missing = m.group(0).strip()
        break
    if missing is None and index:
        # a bare name after in/of/at/from (in Lhasa): a place the question is about that no passage names
        for m in _EN_BARE_PLACE.finditer(text):
            k = _key(m.group(1))
            if k not in index and not any(k.startswith(x) or x.startswith(k) for x in index if len(k) >= 4 and len(x) >= 4):
                missing = m.group(1)
                break
    return list(dict.fromkeys(found)), missing


_EN_TITLE_OF = re.compile(r"\b[Ww]ho (?:is|was|are|were) the ([A-Za-z][A-Za-z\- ]+?) of (?:the )?((?:[A-Z][a-z]+[ \-]?){1,3}?)\s+"
                          r"(County|City|Prefecture|Town|Township|Village|District|Province)\b")
_ZH_POST = "(?:委|长|政府|人大|政协)"  # 县委书记, 县长, 州政府…: a post of that level's government or party committee


def title_level_problem(question: str, norm: str, start: int) -> str | None:
    """An English question for who holds a post of a place of some level (*the Party secretary of Weixi
    County*) is answered by a person whose title, in the clause before the name, is of that level's
    committee or government (县委书记, 县长); a town's or a village's secretary named in the county's report
    (XX县YY镇党委书记, 村党总支书记) holds no post of the county.

    >>> title_level_problem("Who is the Party secretary of Qingling County?", "青岭县龙溪镇党委书记张立新说", 10)
    'the person found holds no post of the county asked'
    >>> title_level_problem("Who is the Party secretary of Qingling County?", "青岭县委书记王海峰主持会议", 6) is None
    True
    >>> title_level_problem("Who led the team?", "张立新说", 0) is None
    True
    """
    m = _EN_TITLE_OF.search(question)
    if not m:
        return None
    level = _EN_LEVEL[m.group(3).lower()]
    before = norm[clause_start(norm, start, "，,；;。：:！!？?\n") : start][-14:]
    if re.search(level + _ZH_POST, before):
        return None
    return f"the person found holds no post of the {m.group(3).lower()} asked"

