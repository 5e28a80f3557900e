#!/usr/bin/env python3
"""Generate two-turn follow-up dialogues from a single-turn gold file, mechanically (no hand-picked items).

Usage:
    python eval/make_dialogues.py [--gold eval/gold_dev.jsonl] [--out eval/conversations_synth_dev.jsonl]
                                  [--seed 11] [--max-per-kind N] [--split tune|held|all]

Every dialogue ends on a turn whose self-contained form is a gold question itself, so the gold
item's ``answers``, ``must_contain``, ``doc`` and ``quote`` apply to it unchanged. Turn 1 is context
only (``"scored": false``: the scorer and the validator do not judge its answer). Five kinds:

* ``entity_swap`` — turn 1 asks the gold question about another place of the same level known to
  the index (its own place lexicon, :class:`rag.entities.Lexicon`); turn 2 is ``那<entity>呢？`` /
  ``<entity>呢？`` (``What about <entity>?`` / ``And <entity>?`` for an English item);
* ``year_swap`` — turn 1 asks it for another year; turn 2 is ``<year>呢？`` / ``那<year>呢？``
  (``What about <year>?`` / ``And in <year>?``);
* ``pronoun`` — turn 1 is another gold question naming the same entity; turn 2 is the gold question
  with the entity said as a person would (该县 这个州 它的 其 / there its it the county);
* ``missing_subject`` — the same turn 1; turn 2 is the gold question without its subject;
* ``ellipsis`` (quantity) — turn 1 is the gold question asking another quantity (taken from another
  gold question of the same document); turn 2 is ``<quantity>呢？``.

Choices are made by a seeded hash of the gold id (same input and seed → same file). Each dialogue
carries ``split``: ``tune`` or ``held`` by a hash of the source gold id (:func:`split_of`), so every
dialogue made from one gold item lands in the same half. Tune on ``tune`` only.

Example (an invented gold item and lexicon)::

    >>> from rag.entities import Lexicon
    >>> lex = Lexicon({"格桑县": "place", "白玛县": "place"}); lex.docs = {"格桑县": {"a"}, "白玛县": {"b"}, "格桑": {"a"}, "白玛": {"b"}}
    >>> g = {"id": "x1", "question": "格桑县2019年新建桥梁多少座？", "answers": ["12座"], "must_contain": ["12"],
    ...      "doc": "a.txt", "quote": "2019年新建桥梁12座", "lang": "zh-Hans"}
    >>> d = entity_swap(g, lex, seed=1)
    >>> [t["question"] for t in d["turns"]], d["turns"][1]["resolved"]
    (['白玛县2019年新建桥梁多少座？', '格桑县呢？'], '格桑县2019年新建桥梁多少座？')
    >>> [t["question"] for t in year_swap(g, lex, seed=1)["turns"]]
    ['格桑县2020年新建桥梁多少座？', '那2019年呢？']
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rag.entities import Entity, Lexicon, english_name, parse  # noqa: E402
from rag.normalize import to_simplified, to_traditional  # noqa: E402

KINDS = ("entity_swap", "year_swap", "pronoun", "missing_subject", "ellipsis")
LEVELS = "省市县州区乡镇村"
EN_LEVEL = {"County": "县", "City": "市", "Prefecture": "州", "Township": "乡", "Town": "镇", "Village": "村", "District": "区",
            "Province": "省"}
ZH_LEVEL_NOUN = {"县": "county", "市": "city", "州": "prefecture", "乡": "township", "镇": "town", "村": "village", "区": "district",
                 "省": "province"}
_QUANTIFIERS = set("一二三四五六七八九十百千两几多各全每诸某")
GOLD_FIELDS = ("answers", "must_contain", "doc", "quote", "doc2", "quote2")


# ---------------------------------------------------------------- deterministic choices


def _h(*parts) -> int:
    return int(hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest(), 16)


def split_of(gold_id: str) -> str:
    """``tune`` or ``held``: half of the gold ids each, by a hash of the id (the same everywhere).

    >>> split_of("q001") in ("tune", "held")
    True
    """
    return "tune" if _h("split", gold_id) % 2 == 0 else "held"


def _pick(xs: list, *key):
    return xs[_h(*key) % len(xs)] if xs else None


# ---------------------------------------------------------------- entities a question names


def _level_of(name: str) -> str:
    n = to_simplified(name)
    m = re.search(r"\b(County|City|Prefecture|Township|Town|Village|District|Province)$", name)
    if m:
        return EN_LEVEL[m.group(1)]
    return n[-1] if n[-1:] in LEVELS else ""


_CACHE: dict = {}


def _cached(what: str, lex: Lexicon, key, make):
    """``make()`` once per lexicon and key (the lexicon is kept with the value, so a new one never reads an old one's)."""
    k = (what, id(lex), key)
    hit = _CACHE.get(k)
    if hit is None or hit[0] is not lex:
        hit = _CACHE[k] = (lex, make())
    return hit[1]


def _place_names(lex: Lexicon) -> list[str]:
    """Whole place names the index spells (not bare stems), each one a place by itself in a question.

    A name opening on a numeral or a quantifier (三区三州, 各县) counts a group; it names no one place.
    """
    return _cached("places", lex, None, lambda: _make_place_names(lex))


def _make_place_names(lex: Lexicon) -> list[str]:
    out = []
    for n in sorted(lex.docs):
        if lex.kind(n) != "place" or len(n) < 3 or n[-1] not in LEVELS or n[0] in _QUANTIFIERS:
            continue
        p = parse(f"{n}有多少人口？", lex)
        if len(p.subjects) == 1 and p.subjects[0].norm == n and not p.subjects[0].parts:
            out.append(n)
    return out


def _en_forms(lex: Lexicon) -> dict[str, str]:
    """English spellings of the index's places (Daocheng County, Daocheng) → the Chinese name."""
    return _cached("en", lex, None, lambda: _make_en_forms(lex))


def _make_en_forms(lex: Lexicon) -> dict[str, str]:
    out = {}
    for n in _place_names(lex):
        en = english_name(n)
        if en == n:
            continue
        out[en] = n
        out[en.rsplit(" ", 1)[0] if " " in en else en] = n
    return out


def subject(g: dict, lex: Lexicon) -> tuple[Entity, str, str] | None:
    """The one entity the gold question is about: (entity, its Chinese name in the index, level); None when not exactly one."""
    return _cached("subject", lex, g["question"], lambda: _subject(g, lex))


def _subject(g: dict, lex: Lexicon) -> tuple[Entity, str, str] | None:
    p = parse(g["question"], lex)
    subs = [e for e in p.subjects]
    if len({e.norm or e.text for e in subs}) != 1:
        return None
    e = subs[0]
    if p.lang == "en":
        zh = _en_forms(lex).get(e.text)
        if zh is None and re.search(r"[\u4e00-\u9fff]", e.text):
            zh = e.norm
    else:
        zh = e.norm or e.text
    if not zh or zh[0] in _QUANTIFIERS:  # 三区三州, 各县: a group, not one place
        return None
    known = lex.documents_naming(zh) is not None
    if e.kind == "place" and not known:
        return None
    return e, zh, _level_of(zh) if e.kind == "place" else ""


def _whole_word(q: str, e: Entity) -> bool:
    """Whether the name ends where a word of the question ends (稻城县 + 城 is 稻城 | 县城; 迪庆州 + 委 is 迪庆 | 州委): only then can it be cut out."""
    if not re.search(r"[\u4e00-\u9fff]", q[e.end - 1 : e.end]) or not re.search(r"[\u4e00-\u9fff]", q[e.end : e.end + 1]):
        return True
    from rag.entities import _cut

    from rag.entities import _posseg

    norm = to_simplified(q)
    if norm[e.end - 1 : e.end + 1] in _posseg()[1]:  # the level character and the next one are a word of their own (县城, 州委)
        return False
    return any(j == e.end for _, _, _, j in _cut(norm)) or not any(i < e.end < j for _, _, i, j in _cut(norm))


def _en_stem(name: str) -> str:
    """An English place name without its level word (Daocheng County → Daocheng): what a rewrite must name."""
    return re.sub(r"\s+(?:County|City|Prefecture|Township|Town|Village|District|Province)$", "", name)


def _script(text: str, lang: str) -> str:
    return to_traditional(text) if lang == "zh-Hant" else text


def _turn(n: int, kind: str, question: str, resolved: str, must_name: list[str], lang: str, gold: dict | None = None,
          must_not_name: list[str] | None = None) -> dict:
    t = {"turn": n, "kind": kind, "question": question, "resolved": resolved, "must_name": [w for w in must_name if w],
         "answers": [], "must_contain": [], "doc": None, "quote": None, "lang": lang}
    if gold is None:
        t["scored"] = False
    else:
        for f in GOLD_FIELDS:
            if f in gold:
                t[f] = gold[f]
    if must_not_name:
        t["must_not_name"] = must_not_name
    return t


def _dialogue(kind: str, g: dict, t1: dict, t2: dict) -> dict:
    return {"id": f"syn-{kind}-{g['id']}", "source": g["id"], "split": split_of(g["id"]), "turns": [t1, t2]}


def _must(g: dict, lex: Lexicon, extra: list[str] = ()) -> list[str]:
    p = parse(g["question"], lex)
    words = [_en_stem(e.text) if p.lang == "en" else e.text for e in p.subjects] + [y.text for y in p.years if re.match(r"\d{4}", y.value)] + list(extra)
    return list(dict.fromkeys(w for w in words if w))


# ---------------------------------------------------------------- the five kinds


def entity_swap(g: dict, lex: Lexicon, seed: int = 0) -> dict | None:
    s = subject(g, lex)
    if s is None:
        return None
    e, zh, level = s
    if e.kind != "place" or not level or e.parts or not _whole_word(g["question"], e):
        return None
    others = [n for n in _place_names(lex) if n[-1] == level and n != zh and zh not in n and n not in zh]
    new = _pick(others, seed, "entity", g["id"])
    if new is None:
        return None
    q = g["question"]
    lang = g.get("lang") or "zh-Hans"
    if lang == "en":
        en_new = english_name(new)
        if " " not in e.text and " " in en_new:
            en_new = en_new.rsplit(" ", 1)[0]
        q1 = q[: e.start] + en_new + q[e.end :]
        said = e.text
        q2 = (f"What about {said}?", f"And {said}?")[_h(seed, "en2", g["id"]) % 2]
        not_name = [en_new]
    else:
        new_s = _script(new, lang)
        q1 = q[: e.start] + new_s + q[e.end :]
        q2 = (f"那{e.text}呢？", f"{e.text}呢？")[_h(seed, "zh2", g["id"]) % 2]
        q2 = _script(q2, lang)
        not_name = [new_s]
    if q1 == q:
        return None
    return _dialogue("entity_swap", g, _turn(1, "first", q1, q1, [not_name[0]], lang),
                     _turn(2, "entity_swap", q2, q, _must(g, lex), lang, g, not_name))


def year_swap(g: dict, lex: Lexicon, seed: int = 0) -> dict | None:
    q = g["question"]
    p = parse(q, lex)
    years = [y for y in p.years if re.fullmatch(r"\d{4}", y.value)]
    if len({y.value for y in years}) != 1 or len(p.years) != len(years):
        return None
    y = years[0]
    step = (1, -1, 2, -2)[_h(seed, "year", g["id"]) % 4]
    new = str(int(y.value) + step)
    q1 = q[: y.start] + y.text.replace(y.value, new) + q[y.end :]
    lang = g.get("lang") or "zh-Hans"
    if lang == "en":
        q2 = (f"What about {y.value}?", f"And in {y.value}?")[_h(seed, "en2", g["id"]) % 2]
        say = y.value
    else:
        say = y.text if y.text.endswith("年") or "年" in y.text else y.value + "年"
        q2 = (f"{say}呢？", f"那{say}呢？")[_h(seed, "zh2", g["id"]) % 2]
        q2 = _script(q2, lang)
    must = [_en_stem(e.text) if p.lang == "en" else e.text for e in p.subjects] + [y.value]
    return _dialogue("year_swap", g, _turn(1, "first", q1, q1, [new], lang),
                     _turn(2, "year_swap", q2, q, must, lang, g, [new]))


def _same_entity_question(g: dict, golds: list[dict], lex: Lexicon, zh: str, seed: int) -> dict | None:
    """Another gold question (same language) naming the same entity and nothing else."""
    cands = []
    for o in golds:
        if o["id"] == g["id"] or (o.get("lang") == "en") != (g.get("lang") == "en"):
            continue
        s = subject(o, lex)
        if s is not None and s[1] == zh and to_simplified(o["question"]) != to_simplified(g["question"]):
            cands.append(o)
    return _pick(cands, seed, "context", g["id"])


_ZH_ORG_NOUNS = ("医院", "卫生院", "公司", "学校", "中学", "小学", "大学", "银行", "局", "委员会", "中心")


def _zh_pronoun(q: str, e: Entity, level: str, kind: str, key: int, names_person: bool = False) -> str | None:
    after = q[e.end : e.end + 1]
    before = q[max(0, e.start - 1) : e.start]
    if after == "的" and e.start == 0:
        # 其 + a noun (其面积); before a person's name 其 would read as his/her: 它的 there
        pron = ("它的", "其")[key % 2] if not names_person else "它的"
        return pron + q[e.end + 1 :]
    if kind == "place" and level:
        pron = (f"该{level}", f"这个{level}")[key % 2]
        if before == "在":
            pron = ("那里", "当地")[key % 2] if key % 3 == 0 else pron
        return q[: e.start] + pron + q[e.end :]
    if kind == "org":
        noun = next((n for n in _ZH_ORG_NOUNS if (e.norm or e.text).endswith(n)), None)
        if noun:
            return q[: e.start] + "该" + noun + q[e.end :]
    if e.start == 0:
        return "它" + q[e.end :]
    return None


def _en_pronoun(q: str, e: Entity, level: str) -> str | None:
    end = e.end
    if q[end : end + 2] in ("'s", "’s"):
        return q[: e.start] + "its" + q[end + 2 :]
    m = re.search(r"\b(in|at)\s+(?:the\s+)?$", q[: e.start])
    if m:
        return q[: m.start()] + "there" + q[end:]
    if level:
        noun = ZH_LEVEL_NOUN.get(level, "place")
        m = re.search(r"\b(?:the\s+)?$", q[: e.start])
        return q[: m.start() if m else e.start] + f"the {noun}" + q[end:]
    m = re.search(r"\b(?:of|for|about|by|does|did|has|have|is|was)\s+$", q[: e.start])
    if m:
        return q[: e.start] + "it" + q[end:]
    return None


def pronoun(g: dict, golds: list[dict], lex: Lexicon, seed: int = 0) -> dict | None:
    s = subject(g, lex)
    if s is None:
        return None
    e, zh, level = s
    if e.parts or not _whole_word(g["question"], e):
        return None
    ctx = _same_entity_question(g, golds, lex, zh, seed)
    if ctx is None:
        return None
    q = g["question"]
    lang = g.get("lang") or "zh-Hans"
    if lang == "en":
        q2 = _en_pronoun(q, e, level)
    else:
        q2 = _zh_pronoun(q, e, level, e.kind, _h(seed, "pron", g["id"]), any(x.kind == "person" for x in parse(q, lex).entities))
        q2 = _script(q2, lang) if q2 else None
    if not q2 or q2 == q:
        return None
    return _dialogue("pronoun", g, _turn(1, "first", ctx["question"], ctx["question"], [e.text], ctx.get("lang") or lang),
                     _turn(2, "pronoun", q2, q, _must(g, lex), lang, g))


def missing_subject(g: dict, golds: list[dict], lex: Lexicon, seed: int = 0) -> dict | None:
    s = subject(g, lex)
    if s is None:
        return None
    e, zh, level = s
    if not _whole_word(g["question"], e):
        return None
    ctx = _same_entity_question(g, golds, lex, zh, seed + 1)
    if ctx is None:
        return None
    q = g["question"]
    lang = g.get("lang") or "zh-Hans"
    if lang == "en":
        if q[e.end : e.end + 2] in ("'s", "’s"):
            m = re.search(r"\b(?:the\s+)?$", q[: e.start])
            q2 = q[: m.start() if m else e.start] + "the" + q[e.end + 2 :]
        else:
            m = re.search(r"\s+(?:in|of|for|at)\s+(?:the\s+)?$", q[: e.start])
            if not m:
                return None
            q2 = q[: m.start()] + q[e.end :]
    else:
        a, b = e.start, e.end
        # the name can go where it opens the sentence or a clause (after a time said first: 2017至2019年，X…);
        # inside the clause (援建省市为X提供) the sentence would lose a needed word
        if not (a == 0 or re.search(r"[，,、]\s*$", q[:a])):
            return None
        if q[b : b + 1] == "的":
            b += 1
        q2 = q[:a] + q[b:]
    q2 = re.sub(r"\s{2,}", " ", q2).strip()
    q2 = re.sub(r"^[，,、\s]+", "", q2)
    if len(q2) < 5 or q2 == q or not parse(q2, lex).has_qword:
        return None
    if parse(q2, lex).subjects:  # another name is still there: no missing subject
        return None
    return _dialogue("missing_subject", g, _turn(1, "first", ctx["question"], ctx["question"], [e.text], ctx.get("lang") or lang),
                     _turn(2, "missing_subject", q2, q, _must(g, lex), lang, g))


_QWORD = re.compile(r"多少|几")
_MEASURE = "个名户人座所家条项亩位只头台辆套间处块张批次元吨米"


def asked_quantity(q: str, lex: Lexicon) -> tuple[int, int] | None:
    """The span of the noun phrase a Chinese question asks the amount of: after 多少个/几名 (what it counts) or right before 多少.

    >>> q = "格桑县2019年新建桥梁多少座？"; q[slice(*asked_quantity(q, None))]
    '新建桥梁'
    >>> q = "格桑县有多少个行政村？"; q[slice(*asked_quantity(q, None))]
    '行政村'
    """
    from rag.entities import _cut

    p = parse(q, lex)
    norm = p.norm
    toks = _cut(norm)
    blocked = [(x.start, x.end) for x in p.entities] + [(y.start, y.end) for y in p.years]
    free = lambda i, j: not any(i < b and a < j for a, b in blocked)  # noqa: E731
    qi = next((k for k, t in enumerate(toks) if _QWORD.match(t[0])), None)
    if qi is None:
        return None
    nounish = lambda t: t[1][:1] in ("n", "j") or t[1] in ("vn", "l")  # noqa: E731
    k = qi + 1
    if k < len(toks) and (toks[k][1][:1] in ("q", "m") or toks[k][0] in _MEASURE):
        k += 1
    if k < len(toks) and nounish(toks[k]) and free(toks[k][2], toks[k][3]):
        a = k
        while k + 1 < len(toks) and nounish(toks[k + 1]) and free(toks[k + 1][2], toks[k + 1][3]):
            k += 1
        return (toks[a][2], toks[k][3])
    k = qi - 1
    while k >= 0 and toks[k][0] in ("是", "有", "为", "的", "达", "了", "达到"):
        k -= 1
    if k >= 0 and nounish(toks[k]) and free(toks[k][2], toks[k][3]):
        b = k
        while k - 1 >= 0 and nounish(toks[k - 1]) and free(toks[k - 1][2], toks[k - 1][3]):
            k -= 1
        return (toks[k][2], toks[b][3])
    return None


def quantity_swap(g: dict, golds: list[dict], lex: Lexicon, seed: int = 0) -> dict | None:
    lang = g.get("lang") or "zh-Hans"
    if lang == "en":
        return None
    q = g["question"]
    sp = asked_quantity(q, lex)
    if sp is None or sp[1] - sp[0] < 2:
        return None
    mine = q[sp[0] : sp[1]]
    p = parse(q, lex)
    # what is asked stands apart from the names (稻城县 + 城海拔 cuts 县城 in two) and names a thing, not a scope (全国, 全县)
    if q.count(mine) != 1 or any(e.end == sp[0] or e.start == sp[1] for e in p.entities) or mine[0] in _QUANTIFIERS:
        return None
    others = []
    for o in golds:
        if o.get("doc") != g.get("doc") or o["id"] == g["id"] or o.get("lang") == "en":
            continue
        osp = asked_quantity(o["question"], lex)
        if osp and osp[1] - osp[0] >= 2 and o["question"][osp[0]] not in _QUANTIFIERS:
            w = to_simplified(o["question"][osp[0] : osp[1]])
            if w not in to_simplified(q) and to_simplified(mine) not in w:
                others.append(w)
    new = _pick(sorted(set(others)), seed, "quantity", g["id"])
    if new is None:
        return None
    new = _script(new, lang)
    q1 = q[: sp[0]] + new + q[sp[1] :]
    q2 = _script(f"{mine}呢？", lang) if lang == "zh-Hant" else f"{mine}呢？"
    return _dialogue("ellipsis", g, _turn(1, "first", q1, q1, [new], lang),
                     _turn(2, "ellipsis", q2, q, _must(g, lex, [mine]), lang, g, [new]))


# ---------------------------------------------------------------- all of them


def make(golds: list[dict], lex: Lexicon, seed: int = 11, max_per_kind: int | None = None) -> list[dict]:
    """Every dialogue the answerable gold items allow, at most ``max_per_kind`` of each kind (chosen by hash, not by hand)."""
    # a gold question that says 该县 / 报告里那个县 leans on its document, not on a conversation: as an opening turn it would be
    # asked back, so no dialogue is built on it
    answerable = [g for g in golds if g.get("doc") and g.get("answers") and not parse(g["question"], lex).pronouns]
    out: dict[str, list[dict]] = defaultdict(list)
    for g in answerable:
        for kind, fn in (("entity_swap", lambda g: entity_swap(g, lex, seed)), ("year_swap", lambda g: year_swap(g, lex, seed)),
                         ("pronoun", lambda g: pronoun(g, golds, lex, seed)), ("missing_subject", lambda g: missing_subject(g, golds, lex, seed)),
                         ("ellipsis", lambda g: quantity_swap(g, answerable, lex, seed))):
            d = fn(g)
            if d is not None:
                out[kind].append(d)
    res = []
    for kind in KINDS:
        ds = out[kind]
        if max_per_kind and len(ds) > max_per_kind:
            ds = sorted(ds, key=lambda d: _h(seed, "cap", d["id"]))[:max_per_kind]
            ds = sorted(ds, key=lambda d: d["id"])
        res.extend(ds)
    return res


def index_lexicon(index: str | None = None, index_dir: str | None = None) -> Lexicon:
    """The place lexicon of an index (the names its documents spell); the configured one by default."""
    from rag.settings import defaults
    from rag.stores import open_store

    s = defaults()
    if index_dir:
        s = s.model_copy(update={"index_dir": Path(index_dir)})
    return Lexicon.from_store(open_store(s, index))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gold", default=str(ROOT / "eval" / "gold_dev.jsonl"))
    ap.add_argument("--out", default=str(ROOT / "eval" / "conversations_synth_dev.jsonl"))
    ap.add_argument("--index", default=None, help="index name (default: the configured one)")
    ap.add_argument("--index-dir", default=None, help="index directory (default: the configured one)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--max-per-kind", type=int, default=None)
    ap.add_argument("--split", choices=("all", "tune", "held"), default="all", help="write only one half")
    args = ap.parse_args(argv)
    name = Path(args.gold).name
    if "test" in name or name == "conversations.jsonl":
        print(f"error: {args.gold}: frozen gold files are not used to make dialogues", file=sys.stderr)
        return 2
    try:
        golds = [json.loads(line) for line in open(args.gold, encoding="utf-8") if line.strip()]
    except (OSError, json.JSONDecodeError) as e:
        print(f"error: {args.gold}: {e}", file=sys.stderr)
        return 2
    try:
        lex = index_lexicon(args.index, args.index_dir)
    except Exception as e:  # noqa: BLE001 - no index: one line, not a traceback
        print(f"error: index {args.index or '(configured)'}: {e} (build it first: rag index DIR)", file=sys.stderr)
        return 2
    ds = make(golds, lex, args.seed, args.max_per_kind)
    if args.split != "all":
        ds = [d for d in ds if d["split"] == args.split]
    with open(args.out, "w", encoding="utf-8") as f:
        for d in ds:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    c = Counter((d["turns"][1]["kind"], d["split"]) for d in ds)
    print(f"{len(ds)} dialogues → {args.out}")
    for k in KINDS:
        print(f"  {k:<16} tune {c[(k, 'tune')]:>4}  held {c[(k, 'held')]:>4}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
