"""Near-twin unanswerable questions, made mechanically from answerable ones, for the answerable model.

A near-twin keeps an answerable question's topic (so retrieval brings the same article and its
figures) and changes one thing the answer depends on to something no document that could answer it
holds, so it is unanswerable by construction:

* ``year`` — a year in the question replaced by a nearby year that appears in none of those documents
  (``2015年的…`` → ``2017年的…``);
* ``number`` — another figure in the question (``第3届``, ``第三次``, ``60个``) replaced by one that appears
  in none of them;
* ``breakdown`` — a count question restated with its own answer and asked for a part of it that
  none of them names (``青石县新建水库多少座？`` → ``青石县新建水库12座，其中有多少座是Y的？``): every
  word and the figure are in the answer's sentence, only the breakdown is not;
* ``qualifier`` — a measured noun of the question narrowed by a noun (``Y的贫困村``: a subset or
  breakdown) that none of them says; the noun is taken from another document of the same index, so
  the passages may hold it, only not where the answer is;
* ``entity`` — the question's subject (a name, place or organisation) replaced by a name of the same
  kind that occurs nowhere in the indexed set (taken from a donor text, e.g. another corpus).

"The documents that could answer it" (:meth:`Corpus.scope`) are the gold document(s) and every
indexed document holding at least half of the question's content words: one holding fewer cannot
state the asked fact. Everything is deterministic: the choices depend on the question id only.

Example::

    >>> c = Corpus({"a.txt": "2015年，青石县建成水库12座，新修道路30公里。", "b.txt": "白鹭湖湿地的芦苇面积很大。"})
    >>> g = {"id": "x1", "question": "2015年青石县建成水库多少座？", "answers": ["12座"], "doc": "a.txt", "type": "numeric"}
    >>> [(t["twin_kind"], t["question"]) for t in twins(g, c, donors={"ns": ["黑松岭"]})]
    [('year', '2016年青石县建成水库多少座？'), ('breakdown', '2015年青石县建成水库12座，其中有多少座是面积的？')]
    >>> [t["question"] for t in twins(g, c, kinds=("qualifier",))]
    ['2015年青石县建成芦苇的水库多少座？']
    >>> [t["question"] for t in twins(g, c, donors={"ns": ["黑松岭"]}, kinds=("entity",))]
    ['2015年黑松岭建成水库多少座？']
"""
from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field

from rag.answering import in_script, question_script
from rag.lexical import tokenize
from rag.reader.question import analyze
from rag.reader.text import normalize, pos_words

KINDS = ("year", "number", "breakdown", "qualifier", "entity")

_YEAR = re.compile(r"(?<![\d.])((?:1[5-9]|20)\d\d)(?![\d.])")
_FIG = re.compile(r"(?<![\d.])(\d+)(?![\d.])")
_CN_ORD = re.compile(r"第([一二三四五六七八九十])")
_CN = "一二三四五六七八九十"
_NAME_POS = ("nr", "ns", "nt", "nz")


def _rng(key: str) -> random.Random:
    return random.Random(int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:12], 16))


@dataclass
class Corpus:
    """The indexed documents of one index (name → text), normalised once."""

    texts: dict[str, str]
    norm: dict[str, str] = field(init=False)
    joined: str = field(init=False)
    _nouns: dict[str, list[str]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.norm = {d: normalize(t) for d, t in self.texts.items()}
        self.joined = "\n".join(self.norm.values())

    def scope(self, g: dict) -> list[str]:
        """The documents that could answer ``g``'s question: its gold document(s) and every document
        holding at least half of its content words (tokens of two or more characters)."""
        terms = [t for t in dict.fromkeys(tokenize(g["question"])) if len(t) >= 2]
        out = [d for d in (g.get("doc"), g.get("doc2")) if d in self.norm]
        for d, text in self.norm.items():
            if d not in out and terms and sum(t in text for t in terms) * 2 >= len(terms):
                out.append(d)
        return out

    def nouns(self, doc: str) -> list[str]:
        """Common nouns (two or three characters) of one document, in order of first occurrence."""
        if doc not in self._nouns:
            seen: dict[str, None] = {}
            for w in pos_words(self.norm[doc][:20000]):
                if w.flag == "n" and 2 <= len(w.text) <= 3 and re.fullmatch(r"[\u4e00-\u9fff]+", w.text):
                    seen.setdefault(w.text)
            self._nouns[doc] = list(seen)
        return self._nouns[doc]


def _absent(pattern: str, texts: list[str]) -> bool:
    rx = re.compile(pattern)
    return not any(rx.search(t) for t in texts)


def _year_twin(g: dict, q: str, texts: list[str], rng: random.Random) -> tuple[str, str] | None:
    m = _YEAR.search(q)
    if not m:
        return None
    y = int(m.group(1))
    steps = [d for k in range(1, 13) for d in (k, -k)]
    for d in steps:
        new = y + d
        if new > 2035:
            continue
        if _absent(rf"(?<!\d){new}(?!\d)", texts):
            return q[: m.start(1)] + str(new) + q[m.end(1):], str(new)
    return None


def _number_twin(g: dict, q: str, texts: list[str], rng: random.Random) -> tuple[str, str] | None:
    years = {m.start(1) for m in _YEAR.finditer(q)}
    for m in _FIG.finditer(q):
        if m.start(1) in years:
            continue
        n = int(m.group(1))
        cands = [n + d for k in range(1, 10) for d in (k, -k)] + [n * 10, n * 2 + 7]
        for new in cands:
            if new <= 0 or new == n or len(str(new)) > len(str(n)) + 1:
                continue
            if _absent(rf"(?<![\d.]){new}(?![\d.])", texts):
                return q[: m.start(1)] + str(new) + q[m.end(1):], str(new)
    m = _CN_ORD.search(normalize(q))
    if m:
        i = _CN.index(m.group(1))
        for j in [i + d for k in range(1, 10) for d in (k, -k)]:
            if 0 <= j < len(_CN) and _absent(rf"第(?:{_CN[j]}|{j + 1})(?![\d十])", texts):
                return q[: m.start(1)] + _CN[j] + q[m.end(1):], "第" + _CN[j]
    return None


_COUNT_ANSWER = re.compile(r"^\s*(\d+(?:\.\d+)?\s*(?:万|亿)?)\s*(个|座|户|人|名|家|所|项|条|处|批|支|台|辆|套|间|头|只|位|篇|部|种|类|次|人次|户次|村|乡|镇)\s*$")


def _other_noun(q: str, corpus: Corpus, scope: list[str], rng: random.Random, avoid: str = "") -> str | None:
    """A common noun of another document of the index that no document of ``scope`` says."""
    texts = [corpus.norm[d] for d in scope]
    qn = normalize(q)
    others = [d for d in sorted(corpus.norm) if d not in scope]
    rng.shuffle(others)
    for d in others[:6]:
        words = [w for w in corpus.nouns(d) if w not in qn and w != avoid and not any(w in t for t in texts)]
        if words:
            return in_script(words[rng.randrange(min(len(words), 40))], question_script(q))
    return None


def _breakdown_twin(g: dict, q: str, corpus: Corpus, scope: list[str], rng: random.Random) -> tuple[str, str] | None:
    qa = analyze(q)
    if qa.atype != "number" or qa.wh not in ("多少", "几") or qa.wh_start < 0:
        return None
    m = next((m for m in (_COUNT_ANSWER.match(normalize(a)) for a in g.get("answers") or []) if m), None)
    if not m:
        return None
    unit = m.group(2)
    norm = normalize(q)
    after = norm[qa.wh_end:]
    if not after.startswith(unit) or re.match(r"(?:以上|以下|左右|多|余)", after[len(unit):]):
        return None  # the question must count in the answer's unit (多少座 … 12座), not ask for a bound
    y = _other_noun(q, corpus, scope, rng)
    if not y:
        return None
    stem = (q[: qa.wh_start] + g["answers"][0].strip()[: len(m.group(1))] + q[qa.wh_end:]).rstrip("？?。！! ")
    return f"{stem}，其中有多少{q[qa.wh_end: qa.wh_end + len(unit)]}是{y}的？", y


def _anchor(q: str) -> tuple[int, str] | None:
    """Where a qualifier goes: before the measured noun (what a number question counts or measures, the
    noun a 什么/哪个 question asks for), else before the content noun nearest the wh-word; always at the
    start of a word of the question. ``(offset in q, the noun)``."""
    qa = analyze(q)
    norm = normalize(q)
    words = pos_words(norm)
    starts = {w.start: w for w in words}
    for noun in (qa.counted, qa.concept, qa.head):
        if noun and len(noun) >= 2 and noun in norm:
            i = norm.index(noun)
            if i in starts and starts[i].flag.startswith("n"):
                return i, noun
    if qa.wh_start < 0:
        return None
    best = None
    for w in words:
        if w.flag.startswith("n") and w.flag not in _NAME_POS and len(w.text) >= 2 and w.text in qa.terms:
            d = abs(w.start - qa.wh_start)
            if best is None or d < best[0]:
                best = (d, w.start, w.text)
    return (best[1], best[2]) if best else None


def _qualifier_twin(g: dict, q: str, corpus: Corpus, scope: list[str], rng: random.Random) -> tuple[str, str] | None:
    anchor = _anchor(q)
    if not anchor:
        return None
    pos, noun = anchor
    y = _other_noun(q, corpus, scope, rng, avoid=noun)
    return (q[:pos] + y + "的" + q[pos:], y) if y else None


def _subject(q: str) -> tuple[str, str] | None:
    """The name the question is about and its kind (``nr`` person, ``ns`` place, ``nt`` organisation):
    the first place it names, else its first name of those kinds."""
    qa = analyze(q)
    norm = normalize(q)
    for e in qa.places:
        if len(e) >= 2 and e in norm:
            return e, "ns"
    for w in pos_words(norm):
        if w.flag in _NAME_POS[:3] and len(w.text) >= 2:
            return w.text, w.flag
    return None


def _entity_twin(g: dict, q: str, corpus: Corpus, donors: dict[str, list[str]], rng: random.Random) -> tuple[str, str] | None:
    got = _subject(q)
    if not got:
        return None
    e, kind = got
    pool = [d for d in donors.get(kind, ()) if d != e and d not in corpus.joined]
    if not pool:
        return None
    i = normalize(q).index(e)
    new = in_script(pool[rng.randrange(min(len(pool), 400))], question_script(q))
    return q[:i] + new + q[i + len(e):], new


def twins(g: dict, corpus: Corpus, donors: dict[str, list[str]] | None = None, kinds: tuple[str, ...] = KINDS,
          per_question: int = 2) -> list[dict]:
    """Unanswerable near-twins of the answerable gold item ``g`` over ``corpus``: a year, number and
    breakdown twin whenever the question allows one, and one of a qualifier or an entity twin (chosen by the id), at
    most ``per_question`` in all. ``donors`` are the names (by kind: ``nr``, ``ns``, ``nt``) an entity twin
    may put in (:func:`donor_names`).

    Each twin is a gold item of type ``unanswerable`` with ``twin_of`` (the source id), ``twin_kind`` and
    ``twin_says`` (what it put in: the year, figure, qualifier or name no answering document says);
    it keeps ``doc`` (the article whose topic it shares) for grouping. English and multi-part questions
    get none."""
    q = g["question"]
    if question_script(q) == "en" or not g.get("answers") or g.get("type") in ("unanswerable", "multi_part"):
        return []
    scope = corpus.scope(g)
    texts = [corpus.norm[d] for d in scope]
    out = []
    soft = [k for k in ("qualifier", "entity") if k in kinds]
    _rng(g["id"]).shuffle(soft)
    soft_done = False
    for kind in [k for k in ("year", "number", "breakdown") if k in kinds] + soft:
        if len(out) >= per_question:
            break
        if kind in soft and soft_done:
            continue
        rng = _rng(f"{g['id']}|{kind}")
        if kind == "year":
            new = _year_twin(g, q, texts, rng)
        elif kind == "number":
            new = _number_twin(g, q, texts, rng)
        elif kind == "breakdown":
            new = _breakdown_twin(g, q, corpus, scope, rng)
        elif kind == "qualifier":
            new = _qualifier_twin(g, q, corpus, scope, rng)
        else:
            new = _entity_twin(g, q, corpus, donors or {}, rng)
        if new and new[0] != q:
            out.append({"id": f"{g['id']}~{kind}", "question": new[0], "type": "unanswerable", "answers": [], "must_contain": [],
                        "doc": g.get("doc"), "twin_of": g["id"], "twin_kind": kind, "twin_says": new[1], "lang": g.get("lang")})
            soft_done = soft_done or kind in soft  # one of the two
    return out


def donor_names(texts, limit: int = 3000) -> dict[str, list[str]]:
    """Names of donor texts by kind (``nr`` people, ``ns`` places, ``nt`` organisations; two to four
    characters), in order of first occurrence: what an entity twin puts in place of the question's subject."""
    out: dict[str, dict[str, None]] = {k: {} for k in _NAME_POS[:3]}
    for t in texts:
        for w in pos_words(normalize(t)[:20000]):
            if w.flag in out and 2 <= len(w.text) <= 4 and re.fullmatch(r"[\u4e00-\u9fff]+", w.text):
                if len(out[w.flag]) < limit:
                    out[w.flag].setdefault(w.text)
    return {k: list(v) for k, v in out.items()}
