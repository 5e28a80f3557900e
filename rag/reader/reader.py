"""The offline reader: question → candidates from the retrieved passages → a learned ranking → a short,
cited answer, or a refusal.

Steps (each in its own module):

1. :mod:`~rag.reader.question` — expected answer type, unit family, constraints, parts;
2. the sentences of the top passages (planted instructions dropped), the best-covered kept;
3. :mod:`~rag.reader.candidates` — spans of every type in those sentences;
4. :mod:`~rag.reader.features` + :mod:`~rag.reader.model` — each span scored by LightGBM;
5. refusal — the subject check (a name, year or place the question is about must be in the
   evidence, and a county's figure must come from a passage about that county, not a sibling's; a
   rate the question names must be said with the figure; a figure in the asked unit must exist;
   English place names are matched to the passages' Chinese places by pinyin) and a calibrated
   answerable probability;
6. the answer — the top span per part with its ``[n]`` marker; each citation quotes the clause or
   sentence that holds it, verbatim, with its offset.

Example::

    >>> from rag.reader import OfflineReader
    >>> from rag.types import Passage
    >>> p = Passage(rank=1, doc="litang.txt", chunk_id="c1", section="理塘县报告 › 二、主要做法",
    ...             text="全县建成牦牛养殖合作社42个，带动农户3150户增收。", score=1.0)
    >>> a = OfflineReader().run("理塘县建成牦牛养殖合作社多少个？", [p])
    >>> a.answer, a.citations[0].quote
    ('42个[1]', '全县建成牦牛养殖合作社42个，带动农户3150户增收。')
    >>> a.citations[0].text[a.citations[0].start:].startswith(a.citations[0].quote)
    True
"""
from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass, field, replace

import numpy as np

from ..answering import INSTRUCTION_RE, in_script, refusal_text
from ..crosslingual import translate_query
from ..grounding import check_answer
from ..lexical import PLACE_SUFFIX, find_places, tokenize
from ..types import Answer, Citation, Passage
from .candidates import Candidate, candidates
from .english import english_places, title_level_problem
from .features import FEATURES, Context, build, coverage, idf_weights
from .focus import focus_score, focus_slots, head_units, slot_weights
from .model import ANSWERABLE_FEATURES, ReaderModel, load_model
from .paraphrase import align_terms, spoken_terms_dropped
from .numbers import find_figures
from .question import _NOT_RATE, _PERSON_HEAD, _QUANTIFIERS, ATYPES, UNIT_FAMILIES, Question, _bare_part, _noun_unit, analyze
from .refusal import (_item_label, bare_verb_problem, did_what_problem, negated_problem, per_year_problem, choice_problem, item_label_problem, concept_problem, contrast_problem, criterion_problem, dated_clause_problem, listed_problem, event_problem, label_problem, listed_item_problem, measure_problem, measure_word_problem, modifier_problem,
                      person_problem, premise_problem, qualifier_problem, reach_problem, relative_year_problem, try_next, type_problem)
from .text import Sentence, clause_end, clause_start, normalize, pos_words, sentences

log = logging.getLogger(__name__)

_F = {n: i for i, n in enumerate(FEATURES)}
_CLAUSE_END = "，,；;：:。！？!?…"


@dataclass
class Evidence:
    """One question (or part) read against the passages: its candidates, their features and scores."""

    q: Question
    ctx: Context
    cands: list[tuple[int, Candidate]]
    X: np.ndarray
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def text(self, i: int) -> str:
        k, c = self.cands[i]
        return self.ctx.sentences[k].raw[c.start : c.end]


@dataclass
class Pool:
    """The sentences of the passages in use, tokenised once per question."""

    passages: list[Passage]
    sentences: list[Sentence]
    sent_tokens: list[set[str]]
    passage_tokens: list[set[str]]
    ctx_tokens: list[set[str]]
    passage_norm: list[str]
    ctx_norm: list[str]

    @property
    def vocab(self) -> set[str]:
        """Every token of the passages and their heading paths."""
        return set().union(*self.passage_tokens, *self.ctx_tokens)


def make_pool(passages: list[Passage]) -> Pool:
    sents: list[Sentence] = []
    toks: list[set[str]] = []
    p_toks: list[set[str]] = []
    for pi, p in enumerate(passages):
        ptok: set[str] = set()
        for s in sentences(pi, p.text):
            if INSTRUCTION_RE.search(s.raw):
                continue  # an instruction planted in a document is not evidence
            t = set(tokenize(s.raw))
            sents.append(s)
            toks.append(t)
            ptok |= t
        p_toks.append(ptok)
    ctx_text = [f"{p.title or ''} {p.section or ''} {' '.join(p.doc_places or [])}" for p in passages]
    return Pool(
        passages=passages,
        sentences=sents,
        sent_tokens=toks,
        passage_tokens=p_toks,
        ctx_tokens=[set(tokenize(t)) for t in ctx_text],
        passage_norm=[normalize(p.text) for p in passages],
        ctx_norm=[normalize(t) for t in ctx_text],
    )


def gather(q: Question, pool: Pool, max_sentences: int = 8) -> Evidence:
    """Keep the sentences that cover ``q`` best, list their candidates and compute their features.
    Everyday words the passages lack are read as the report words they hold (:mod:`.paraphrase`)."""
    if q.script != "en":
        terms = align_terms(q.terms, pool.vocab)
        if terms != q.terms:
            q = replace(q, terms=terms)
    idf = idf_weights(q.terms, pool.sent_tokens)
    scored = []
    for k, (s, toks) in enumerate(zip(pool.sentences, pool.sent_tokens)):
        cov = coverage(q.terms, idf, toks | pool.ctx_tokens[s.passage])
        own = coverage(q.terms, idf, toks)
        scored.append((cov + own, -s.passage, k))
    scored.sort(reverse=True)
    keep = sorted(k for _, _, k in scored[:max_sentences])
    kept = [pool.sentences[k] for k in keep]
    ctx = Context(
        passages=pool.passages,
        sentences=kept,
        sent_tokens=[pool.sent_tokens[k] for k in keep],
        passage_tokens=pool.passage_tokens,
        ctx_tokens=pool.ctx_tokens,
        passage_norm=pool.passage_norm,
        ctx_norm=pool.ctx_norm,
        idf=idf,
    )
    cands = [(k, c) for k, s in enumerate(kept) for c in candidates(s.norm)]
    return Evidence(q, ctx, cands, build(q, ctx, cands))


_CN_DIGIT = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _label_listed(label: str, text: str) -> bool:
    """A numbered label (三清, 四好) stands in ``text`` as that many quoted items each saying its word
    (“户户清”“村村清”“县县清”): reports name the members and leave the label to the reader.

    >>> _label_listed("三清", "以“户户清”“村村清”“县县清”为抓手"), _label_listed("四清", "以“户户清”“村村清”为抓手")
    (True, False)
    """
    m = re.fullmatch(r"([两二三四五六七八九十])([\u4e00-\u9fff]{1,2})", label)
    if not m:
        return False
    word = re.escape(m.group(2))
    return bool(re.search(rf"(?:“[^”]{{0,8}}{word}[^”]{{0,8}}”[、，,和及与]?){{{_CN_DIGIT[m.group(1)]}}}", text))


def _present(entity: str, text: str) -> bool:
    """``entity`` stands in ``text``, whole or (for a long name) by most of it, or (a numbered label)
    by its listed members."""
    if entity in text or _label_listed(entity, text):
        return True
    if len(entity) >= 4:
        n = math.ceil(len(entity) * 0.75)
        return any(entity[i : i + n] in text for i in range(len(entity) - n + 1))
    return False


def answerable_row(ev: Evidence, pool: Pool) -> np.ndarray:
    """Question-level evidence features (:data:`ANSWERABLE_FEATURES`) after ranking."""
    f = dict.fromkeys(ANSWERABLE_FEATURES, 0.0)
    q = ev.q
    sc = ev.scores
    if len(sc):
        order = np.argsort(-sc)
        top = int(order[0])
        row = ev.X[top]
        f["top_score"] = float(sc[top])
        f["second_score"] = float(sc[order[1]]) if len(sc) > 1 else -10.0
        f["margin"] = f["top_score"] - f["second_score"]
        z = np.exp(sc - sc.max())
        f["top_prob"] = float(z[top] / z.sum())
        for name, feat in (("top_s_cov", "s_cov"), ("top_s_cov_ctx", "s_cov_ctx"), ("top_p_cov", "p_cov"), ("top_p_rank", "p_rank"),
                           ("top_c_cov", "c_cov"), ("top_prox", "prox_cov"), ("top_fam_match", "fam_match"), ("top_q_term_in", "q_term_in"),
                           ("top_left_l", "left_l"), ("top_right_r", "right_r"), ("top_len", "len_chars")):
            f[name] = float(row[_F[feat]])
        k, _ = ev.cands[top]
        ts = ev.ctx.sentences[k]
        tp = ts.passage
    else:
        f["second_score"] = f["top_score"] = -10.0
        tp, ts = 0, None
    f["n_cands"] = len(sc)
    # how the asker talks (跟…相比, 来, 那些) is not evidence the passages must hold
    terms = spoken_terms_dropped(q.terms, pool.vocab) or q.terms
    idf = ev.ctx.idf
    covs = [coverage(terms, idf, t) for t in ev.ctx.sent_tokens] or [0.0]
    f["best_s_cov"] = max(covs)
    f["best_s_cov_ctx"] = max([coverage(terms, idf, t | pool.ctx_tokens[s.passage]) for s, t in zip(ev.ctx.sentences, ev.ctx.sent_tokens)] or [0.0])
    f["best_p_cov"] = max([coverage(terms, idf, t) for t in pool.passage_tokens] or [0.0])
    f["best_ctx_cov"] = max([coverage(terms, idf, t) for t in pool.ctx_tokens] or [0.0])
    ents = [e for e in q.entities if len(e) >= 2]
    f["n_entities"] = len(ents)
    if ents:
        every = "".join(pool.passage_norm) + "".join(pool.ctx_norm)
        f["ent_any"] = sum(_present(e, every) for e in ents) / len(ents)
        if pool.passages:
            here = pool.passage_norm[tp] + pool.ctx_norm[tp]
            f["ent_top_passage"] = sum(_present(e, here) for e in ents) / len(ents)
        if ts is not None:
            f["ent_top_sent"] = sum(_present(e, ts.norm) for e in ents) / len(ents)
    else:
        f["ent_any"] = f["ent_top_passage"] = f["ent_top_sent"] = -1.0
    vocab = set().union(*pool.passage_tokens, *pool.ctx_tokens) if pool.passage_tokens else set()
    total = sum(idf.get(t, 1.0) for t in terms) or 1.0
    f["missing_terms"] = sum(idf.get(t, 1.0) for t in terms if t not in vocab) / total
    f["missing_long_terms"] = sum(1 for t in terms if len(t) >= 3 and t not in vocab)
    f["has_year"] = float(bool(q.years))
    if q.years and pool.passages:
        f["year_top_passage"] = float(all(y in pool.passage_norm[tp] + pool.ctx_norm[tp] for y in q.years))
        f["year_top_sent"] = float(ts is not None and all(y in ts.norm for y in q.years))
    else:
        f["year_top_passage"] = f["year_top_sent"] = -1.0
    if q.atype == "number" and q.unit:
        f["fam_available"] = float(bool(len(ev.X)) and bool((ev.X[:, _F["fam_match"]] > 0).any()))
    else:
        f["fam_available"] = -1.0
    f["q_atype"] = ATYPES.index(q.atype) if q.atype in ATYPES else 0
    f["q_unit"] = (UNIT_FAMILIES.index(q.unit) + 1) if q.unit in UNIT_FAMILIES else 0
    f["q_en"] = float(q.script == "en")
    f["q_terms"] = len(terms)
    top_score = max((p.score for p in pool.passages), default=1.0) or 1.0
    f["p1_score_rel"] = pool.passages[tp].score / top_score if pool.passages else 0.0
    docs = [p.doc for p in pool.passages[:3]]
    f["same_doc_top3"] = docs.count(pool.passages[tp].doc) if pool.passages else 0
    if ents and q.script != "en":
        every = "".join(pool.passage_norm) + "".join(pool.ctx_norm)
        missing = [e for e in ents if not _present(e, every)]
        f["ent_missing"] = len(missing)
        f["strong_missing"] = sum(1 for e in missing if e in q.strong)
        f["near_miss"] = float(any(_near_miss(e, pool) for e in missing))
    else:
        f["ent_missing"] = f["strong_missing"] = f["near_miss"] = -1.0
    if q.concept:
        f["concept_top_sent"] = float(ts is not None and q.concept in ts.norm)
        f["concept_any"] = float(any(q.concept in n for n in pool.passage_norm))
    else:
        f["concept_top_sent"] = f["concept_any"] = -1.0
    return np.array([f[n] for n in ANSWERABLE_FEATURES], dtype=np.float32)


# ---------------------------------------------------------------- the subject check


def subject_problem(q: Question, ev: Evidence, i: int, pool: Pool) -> str | None:
    """Why candidate ``i`` cannot answer ``q`` though it ranks well.

    * a name the question is about stands in none of the passages, and one of them is about a name
      one character away (一号风球 asked, 九号风球 found: a sibling article), or the name is one that
      cannot be a tagging slip (a quoted term, an ordinal name, an organisation, a Latin name);
    * for a figure: the candidate is no figure; a year the question names is not said with it (in its
      sentence, the one before, or the heading path); a place the question names is not where it is;
      or it is in another unit than the one the question names (多少户 answered in 人).
    """
    k, c = ev.cands[i]
    s = ev.ctx.sentences[k]
    p = pool.passages[s.passage]
    if q.script != "en":
        every = "".join(pool.passage_norm) + "".join(pool.ctx_norm)
        for e in q.entities:
            if len(e) < 2 or _present(e, every):
                continue
            sibling = _near_miss(e, pool)
            if sibling:
                return f"the passages are about {sibling}, not {e}"
            if e in q.strong:
                return f"the passages are about {_about(p)}, not {e}"
        why = choice_problem(q, s.norm[c.start : c.end], every, s.norm)
        if why:
            return why  # 甲县和乙县哪个更多: the answer is one of the two, and the passages speak of both
    rank = re.search(r"第[\d一二三四五六七八九十百千两]+", s.norm[c.start : c.end]) if q.wh == "第几" else None
    if q.wh == "第几" and not rank:
        return "the figure found is no rank"  # 排第几: 第一, not the figure beside it (逾期率为0%)
    why = type_problem(q, s.norm, s.norm[c.start : c.end]) or person_problem(q, s.norm, c.start, c.end)
    if not why and q.script == "en" and q.atype == "person":
        why = title_level_problem(q.text, s.norm, c.start)
    if why:
        return why  # a 谁 / 哪一年 question: a candidate from a sentence naming nobody / no date
    prev = next((x.norm for x in pool.sentences if x.passage == s.passage and x.index == s.index - 1), "")
    near = s.norm + prev + pool.ctx_norm[s.passage]
    why = event_problem(q, s.norm + prev) or dated_clause_problem(q, s.norm, c.start, c.end)
    if why:
        return why
    if q.script == "en" and q.atype != "date" and q.years and _years_missing(q, near):
        return f"the passages give no figure for {_years_missing(q, near)[0]}"
    if q.atype == "number" or q.script == "en":
        # 女性 / 平均 / 增长率 asked, the unqualified figure found: the qualifier is said next to the figure
        why = (measure_problem(q, s.norm[max(0, c.start - 30) : c.end + 15]) or modifier_problem(q, s.norm + pool.ctx_norm[s.passage])
               or contrast_problem(q, s.norm[: c.start]))
        if why:
            return why
    if q.atype != "number":
        return None
    if not (c.kinds & {"fig", "date"}) and not rank:
        return "no figure where the question's terms are"  # a question for a number is answered by a number
    why = (label_problem(q, s.norm, c.start, c.end) or item_label_problem(q, s.norm, c.start) or bare_verb_problem(q, s.norm, c.start) or per_year_problem(q, s.norm, c.start) or negated_problem(q, s.norm, c.start, c.end)
           or did_what_problem(q, s.norm, c.start) or premise_problem(q, s.norm[c.start : c.end], _clause(s.norm, c.start, c.end))
           or criterion_problem(q, s.norm, c.start, c.end)
           or concept_problem(q, s.norm[max(0, c.start - 40) : c.end + 10] + _clause_tail(s.norm, c.end) + pool.ctx_norm[s.passage],
                              s.norm[c.start : c.end])
           or listed_problem(q, s.norm))
    if why:
        return why
    if q.script != "en":
        latin = [e for e in q.strong if re.fullmatch(r"[a-z][a-z0-9\-]{1,}", e) and e not in q.places]
        lost = [e for e in latin if e not in s.norm[max(0, c.start - 30) : c.end] and e not in pool.ctx_norm[s.passage]]
        if lost:
            return f"the passages give no figure for {lost[0].upper()}"  # 人均GDP asked, 人均收入 found
    if q.counted and q.script != "en" and not any(_present(w, "".join(pool.passage_norm) + "".join(pool.ctx_norm))
                                                 for w in ({q.counted, q.counted[-2:]} if len(q.counted) >= 4 else {q.counted})):
        return f"the passages count no {q.counted}"  # 多少座水库 over passages that name no 水库 (工作岗位: nor 岗位)
    same_doc = "".join(pool.passage_norm[j] + pool.ctx_norm[j] for j, x in enumerate(pool.passages) if x.doc == p.doc)
    rate = _rate_word(q)
    if rate and rate not in near:
        # a rate the question names (逾期率) that is not said with the figure: the figure is another rate
        return f"the passages give no {rate}"
    base = baseline_years(q)
    before = s.norm[max(0, c.start - 10) : c.start]
    if base and re.search(rf"(?:从|由)?(?:{'|'.join(base)})年(?:的|底|末)?(?:为|是)?$", before):
        return f"the figure found is the {base[0]} baseline, not the change"  # 跟2014年相比涨了多少: not 2014年的2257元
    start_year = re.search(r"(?:从|由)(\d{4})年(?:的|底|末)?$", before)
    if start_year and start_year.group(1) not in q.years:
        return f"the figure found is the {start_year.group(1)} starting value"  # 从2014年的2257元增长到13910元
    why = (relative_year_problem(q, s.norm, c.start) or measure_word_problem(q, s.norm[c.start : c.end])
           or listed_item_problem(q, s.norm, c.start) or reach_problem(q, s.norm, c.start)
           or qualifier_problem(q, s.norm, c.end))
    if why:
        return why
    if q.years and q.script != "en" and q.atype == "number":
        dated = _dated_by_another_year(q.years, s.norm, c.start, c.end)
        if dated:
            return f"the figure found is dated {dated}, not {q.years[0]}"
        own = _year_breakdown(q.years, s.norm, c.start, c.end)
        if own:
            return f"the figure found is a total; the year's own is {own}"
    if q.years:
        # a baseline year (跟2014年相比) dates the comparison: the passage states it once, often sentences before
        missing = [y for y in _years_missing(q, near) if y not in base or y not in pool.passage_norm[s.passage]]
        if missing:
            return f"the passages give no figure for {missing[0]}"
    places = sorted(q.places, key=lambda pl: _LEVEL.get(pl[-1], -1))
    for place in places:
        if place[-1] in _LEVEL and not _place_in(place, same_doc):
            # a named place (理塘县) the document never mentions; a bare word jieba tagged as a place
            # (上门, 东西) is too often a slip to refuse on
            return f"the passages are about {_about(p)}, not {place}"
    places = [pl for pl in places if pl[-1] in _LEVEL]
    if places:
        finest = places[-1]
        stem = _stem(finest)
        level = _LEVEL.get(finest[-1])
        section = normalize(p.section or "")
        said = s.norm + prev + pool.passage_norm[s.passage] + normalize(p.title or "") + section
        if not _place_in(finest, said):
            # the document names the place, but this passage's section is about another one (a newspaper
            # page of county articles: 维西县's section does not give 香格里拉市's figure)
            others = [o for o in find_places(section) if o[-1] in _LEVEL and o not in _GENERIC_LOCAL and not _place_in(o, finest)
                      and not any(_place_in(o, x) or _place_in(x, o) for x in q.places)]
            if others:
                return f"the figure found is for {others[-1]}, not {finest}"
        if not _place_in(finest, near):
            here = pool.passage_norm[s.passage] + pool.ctx_norm[s.passage]
            if level in (1, 2) and not _place_in(finest, here):
                # a county's figure from a passage that does not name the county and is about another
                # place of the same or a higher level (a sibling county, a city section of a prefecture report)
                asked = {_stem(x) for x in q.places}
                others = sorted((o for o in find_places(here) if _LEVEL.get(o[-1], 9) <= level and _stem(o) not in asked
                                 and not _place_in(o, finest)), key=lambda o: -_LEVEL[o[-1]])  # a sibling county first
                if others:
                    return f"the figure found is for {others[0]}, not {finest}"
            if level is not None and level >= 3 and finest not in here:
                # a township's figure is said with the township: not in a passage about another one, nor in
                # another document than the one naming it
                if p.doc not in {x.doc for x, n in zip(pool.passages, pool.passage_norm) if finest in n} or any(
                    _LEVEL.get(o[-1], -1) >= 3 and _stem(o) != stem for o in find_places(pool.passage_norm[s.passage])
                ):
                    return f"the figure found is not said of {finest}"
            others = [o for o in find_places(s.norm) if level is not None and _LEVEL.get(o[-1]) == level and _stem(o) != stem]
            if others:
                return f"the figure found is for {others[0]}, not {finest}"
        named = [o for o in find_places(s.norm[: c.start]) if o[-1] in _LEVEL and o not in _GENERIC_LOCAL
                 and not _duty_phrase(o)]
        last = max(named, key=lambda o: s.norm.rfind(o, 0, c.start)) if named else None
        finer = [last] if (last and level is not None and level <= 2 and _LEVEL[last[-1]] >= 3 and not _place_in(last, finest)
                           and not any(_place_in(last, x) for x in q.places)) else []
        if finer and not _place_in(finest, s.norm + prev):
            # a township's figure (塔城镇…贫困发生率降至1.04%) is not the city's or the county's
            return f"the figure found is for {finer[0]}, not {finest}"
    if q.script == "en" and p.doc_places:
        for place in places:
            lv = _LEVEL.get(place[-1])
            if (lv is not None and lv <= 1 and not _place_in(place, s.norm)
                    and not any(_stem(place) in d or _stem(d) in place for d in p.doc_places)
                    and any(_LEVEL.get(d[-1], -1) > lv for d in p.doc_places)):
                # a prefecture's figure asked, from a county's report that mentions the prefecture (稻城位于甘孜州南部)
                # but not in the figure's sentence: the figure is the county's
                return f"the figure found is for {p.doc_places[0]}, not {place}"
    if q.unit and q.unit_explicit and ev.X[i, _F["fam_match"]] <= 0 and not _counts_in_noun(q.unit, s.norm, c.start, c.end):
        return f"no figure in the asked unit ({q.unit})"
    if q.script == "en" and _EN_CHANGE.search(q.text):
        before, after = s.norm[max(0, c.start - 12) : c.start], s.norm[c.end : c.end + 8]
        if ("从" in before and _ZH_CHANGE_TO.match(after)) or re.search(r"(?:增加|增长|提高|上升|下降|减少|降低|降)(?:到|至)$", before):
            # by how much did it grow, over 从3.5亿元增加到39.52亿元: either end is a level, not the change
            return "the figure found is a level before or after the change, not the change"
    if q.script == "en" and q.counted_zh:
        fig = re.match(r"[\d.,，万亿千百余多近约]+[个名户人家所座项条处类]?", s.norm[c.start : c.end + 6])
        after = re.match(r"[\u4e00-\u9fff]{1,6}", s.norm[c.start + fig.end() : c.start + fig.end() + 6]) if fig else None
        run = after.group(0) if after else ""
        at = run.find(q.counted_zh[-1])
        if at >= 1 and q.counted_zh not in run[: at + 1]:
            # how many poor villages answered with 89个行政村: the figure counts another kind of the thing
            return f"the figure found counts {run[: at + 1]}, not {q.counted_zh}"
        # 272个以上: 以上 / 左右 after a count say how exact it is, not what it counts
        noun = re.match(r"(?:以上|以下|左右|上下|之多)?([\u4e00-\u9fff]{2,12})", s.norm[c.start + fig.end() : c.start + fig.end() + 14]) if fig else None
        noun = noun if noun is None or noun.group(1) not in ("以上", "以下", "左右", "上下", "之多") else None
        if fig and fig.group(0)[-1] in "个名户人家所座项条处类" and noun and not any(ch in noun.group(1) for ch in q.counted_zh):
            # how many resettlement sites answered with 50个工作目标: the figure counts something else
            return f"the figure found counts {noun.group(1)}, not {q.counted_zh}"
    if q.atype == "number" and not _NUMERAL.search(ev.text(i)):
        # a unit without its figure (a report's blank 投资资金万元) does not answer how much
        return "the passages give no figure"
    if q.script == "en" and q.unit == "人" and q.counted_en:
        kinds = [t for t in translate_query(q.counted_en).split() if len(t) >= 2 and t not in ("人次",)]
        after = s.norm[c.end : c.end + 6]
        if kinds and not any(t in s.norm or t[0] in after for t in kinds):
            # how many tourists answered with 贫困人口5610人: the sentence counts other people (the kind may
            # follow the figure in other words: 1000名合格村医 for village doctors)
            return f"the figure found does not count {kinds[0]}"
    if (q.script == "en" and q.unit == "count" and q.unit_explicit and q.counted_en
            and not _EN_UNIT_PEOPLE.search(q.counted_en) and not _EN_PERSON_SUFFIX.search(q.counted_en)):
        if _only_counts_of(ev, i, ("人", "户", "人次", "户次")):
            # how many enterprises answered with 10300余户: people or households are not a count of enterprises
            return f"no figure in the asked unit ({q.counted_en})"
    if q.script != "en" and q.unit == "count" and q.wh in ("多少", "几") and q.right[:1] in _COUNT_CLASSIFIERS and q.counted:
        why = counted_problem(q.counted, s.norm, c.start, c.end)
        if why:
            return why
    if (q.unit == "count" and q.wh in ("多少", "几") and q.right[:1] in _COUNT_CLASSIFIERS and q.counted
            and _noun_unit([(q.counted, "n")]) not in ("人", "户") and not _PERSON_HEAD.search(q.counted)):
        if _only_counts_of(ev, i, ("人", "户")):
            # 几个安置点 answered with 312户1105人: people or households are not a count of 安置点
            return f"no figure in the asked unit ({q.counted})"
    return None


_COUNT_CLASSIFIERS = "个家所座处项条支台辆间栋"  # 多少家医院, 几所学校: a count of things, not of people


_UNIT_NOUN_END = {"户": "户", "人": "[人民众]"}


def _counts_in_noun(unit: str, text: str, start: int, end: int) -> bool:
    """A figure without a measure word followed by a noun that ends in the asked unit (结对帮扶3.84万贫困户,
    帮扶1.2万群众) counts in that unit.

    >>> _counts_in_noun("户", "全市干部结对帮扶3.84万贫困户。", 8, 13), _counts_in_noun("户", "建设项目581个，覆盖贫困户", 4, 8)
    (True, False)
    """
    tail = _UNIT_NOUN_END.get(unit)
    figs = find_figures(text[start:end])
    if not tail or len(figs) != 1 or figs[0].unit not in (None, "万", "亿") or figs[0].end != end - start:
        return False
    return bool(re.match(rf"[\u4e00-\u9fff]{{0,4}}?{tail}", text[end:]))


def _clause_tail(text: str, end: int, limit: int = 40) -> str:
    """The rest of the figure's clause (12个二级甲等、24个二级乙等公立医院: the head a list shares comes last)."""
    m = re.match(rf"[^，,；;。！？]{{0,{limit}}}", text[end:])
    return m.group(0) if m else ""


def _clause(text: str, start: int, end: int) -> str:
    """The clause of ``text`` holding ``text[start:end]`` (between ，；。、 and the like)."""
    return text[clause_start(text, start, _CLAUSE_END + "、") : clause_end(text, end, _CLAUSE_END + "、")]


_COUNT_FIG = re.compile(r"[\d.,，]+(?:万|亿)?[余多]?|[一二三四五六七八九十百千两]+")

# the administrative level a noun phrase opens with (县(市)级医院, 乡镇卫生院, 村卫生室): 0 province ... 4 village
_ADMIN_LEVEL = re.compile(r"(省|州|地区|市|县|区|乡镇|乡|镇|街道|村|社区)(?:[（(][^)）]{1,4}[)）])?(级)?")
_ADMIN_RANK = {"省": 0, "州": 1, "地区": 1, "市": 1, "县": 2, "区": 2, "乡镇": 3, "乡": 3, "镇": 3, "街道": 3, "村": 4, "社区": 4}


_ADMIN_HEADS = "省州市县区乡镇村"


def _admin_level(noun: str) -> int | None:
    """The level of government a noun names first (县级医院 2, 乡镇卫生院 3), when the level word qualifies a
    noun after it; None for no level or a bare place word (县城, 乡镇 alone).

    >>> _admin_level("县(市)级医院、二级医院"), _admin_level("乡镇卫生院"), _admin_level("村卫生室"), _admin_level("卫生院")
    (2, 3, 4, None)
    >>> _admin_level("乡镇"), _admin_level("县城")
    (None, None)
    """
    m = _ADMIN_LEVEL.match(noun)
    if not m:
        return None
    rest = noun[m.end() :]
    if not m.group(2) and not re.match(r"[\u4e00-\u9fff]{2}", rest) or re.match(r"[城委长里场域民]", rest):
        return None
    return _ADMIN_RANK[m.group(1)]


def _clause_subject_problem(counted: str, sent: str, start: int) -> str | None:
    """A count ending its clause (…措施已完成1293条。) counts the noun its clause names before it; when the clause
    names a noun and shares no character with ``counted``, the figure counts that noun, not ``counted``.

    >>> s = "截至目前，帮扶措施已完成1293条。"
    >>> _clause_subject_problem("问题", s, s.index("1293"))
    'the figure found counts 措施, not 问题'
    >>> s = "全县新建集中安置区共12个。"
    >>> _clause_subject_problem("安置点", s, s.index("12")) is None
    True
    >>> _clause_subject_problem("问题", "截至目前，已完成整改12个。", 10) is None
    True
    """
    clause = sent[clause_start(sent, start, "，,；;。！!？?：:") : start]
    if set(clause) & set(counted):
        return None
    nouns = [w.text for w in pos_words(clause) if len(w.text) >= 2 and w.flag.startswith("n") and w.flag not in ("ns", "nr", "nrt")
             and not w.text.startswith("全") and w.text not in ("目前", "累计", "共计", "其中")]
    return f"the figure found counts {nouns[-1]}, not {counted}" if nouns else None


def counted_problem(counted: str, sent: str, start: int, end: int) -> str | None:
    """A 多少个 / 几家 question counting ``counted`` (乡镇卫生院) answered by the figure ``sent[start:end]``:
    when the figure is a count followed by the noun it counts (18个贫困县) that noun shares nothing with
    ``counted``, or the figure is no count at all (一级, 三年), it counts something else.

    >>> s = "确保18个贫困县全部摘帽，建成卫生院42个。"
    >>> counted_problem("乡镇卫生院", s, s.index("18"), s.index("18") + 3)
    'the figure found counts 贫困县, not 乡镇卫生院'
    >>> counted_problem("乡镇卫生院", s, s.index("42"), s.index("42") + 3) is None
    True
    >>> counted_problem("医院", "定点医院作为一级医学隔离点。", 6, 8)
    'the figure found is no count of 医院'
    >>> counted_problem("家庭医生队伍", "组建485个家庭医生服务团队。", 2, 6) is None
    True

    A count of the same kind of thing at another level of government (18个县级医院 for 乡镇卫生院: both are
    hospitals) counts something else:

    >>> s = "三级医院对口支援18个县(市)级医院、二级医院对口支援乡镇卫生院。"
    >>> counted_problem("乡镇卫生院", s, s.index("18"), s.index("18") + 3)
    'the figure found counts 县(市)级医院, not 乡镇卫生院'
    >>> counted_problem("乡镇卫生院", "建成36个乡镇中心卫生院。", 2, 5) is None
    True
    >>> counted_problem("贫困村", "确保18个贫困县全部摘帽。", 2, 5)  # the same qualifier, another level
    'the figure found counts 贫困县, not 贫困村'
    >>> counted_problem("贫困村", "确保120个重点贫困村全部退出。", 2, 6) is None
    True
    """
    m = _COUNT_FIG.match(sent, start)
    if not m:
        return None
    after = sent[m.end() : m.end() + 8]
    if after[:1] in _COUNT_CLASSIFIERS and re.match(r"[，,；;。！!？?]|$", after[1:2]):
        why = _clause_subject_problem(counted, sent, start)
        if why:
            return why
    if not after:
        return None
    cls = after[0]
    if re.match(r"[\u4e00-\u9fff]", cls) and cls not in _COUNT_CLASSIFIERS + "户人名位次种类批" and cls not in counted:
        return f"the figure found is no count of {counted}"
    if cls not in _COUNT_CLASSIFIERS:
        return None
    asked, found = _admin_level(counted), _admin_level(sent[m.end() + 1 :])
    if asked is not None and found is not None and asked != found:
        noun = re.match(r"[^，,；;。、和及与]{1,12}", sent[m.end() + 1 :]).group(0)
        return f"the figure found counts {noun}, not {counted}"
    words = [w for w in pos_words(after[1:]) if w.text.strip()]
    if not words or not words[0].flag.startswith("n") or len(words[0].text) < 2:
        return None
    run = []
    for w in words:  # the whole noun phrase (重点贫困村), not its first word (重点)
        if not (w.flag.startswith("n") or w.flag == "vn") or w.text in _QUANTIFIERS or w.flag.startswith("ns") and run:
            break
        run.append(w.text)
    noun = "".join(run)
    if noun[-1] != counted[-1] and noun[-1] in _ADMIN_HEADS and counted[-1] in _ADMIN_HEADS:
        return f"the figure found counts {noun}, not {counted}"  # 18个贫困县 for 贫困村: another level's units
    if set(noun) & set(counted):
        return None
    return f"the figure found counts {noun}, not {counted}"
_NUMERAL = re.compile(r"[\d０-９零〇一二两三四五六七八九十百千]")  # 万 or 亿 alone is a unit's magnitude, not a figure


def _duty_phrase(name: str) -> bool:
    """``name`` looks like a place by its suffix but is a noun and a verb (县领导包乡: 领导 + 包 + 乡, who is
    responsible for which level), not a township's name.

    >>> _duty_phrase("领导包乡"), _duty_phrase("塔城镇"), _duty_phrase("攀天阁乡"), _duty_phrase("保和镇")
    (True, False, False, False)
    """
    words = [w for w in pos_words(name[:-1]) if w.text.strip()]
    return any(a.flag == "n" and len(a.text) >= 2 and b.flag.startswith("v") and len(b.text) == 1
               for a, b in zip(words, words[1:]))


def _only_counts_of(ev: Evidence, i: int, families: tuple[str, ...]) -> bool:
    """Candidate ``i``'s text has figures and every one is in a unit of ``families`` (people, households)."""
    figs = find_figures(ev.text(i))
    return bool(figs) and all(f.family in families for f in figs)


_EN_UNIT_PEOPLE = re.compile(r"people|persons?|residents?|households?|families|workers?|labou?rers?|cadres?|staff|students?|"
                             r"teachers?|doctors?|members?|officials?|population|poor|villagers?|farmers?|herders?|times", re.I)
# nouns for people by their ending (undergraduates, commissioners, residents, children): not a count of things
_EN_PERSON_SUFFIX = re.compile(r"(?:er|or|ist|ian|ant|ent|ate|ee|man|men|ple|dre|ren|ff)s?$", re.I)
_EN_CHANGE = re.compile(r"\bby how much\b|\bhow much (?:did|has|have|had|does|do) .*\b(?:grow|increase|rise|fall|drop|decline)\b", re.I)
_ZH_CHANGE_TO = re.compile(r"[^，。；]{0,2}(?:增加|增长|提高|上升|下降|减少|降低|降)(?:到|至)")
_EN_YEAR_RANGE = re.compile(r"\b(?:compared (?:with|to)|from|between|since|than)\b", re.I)


_YEAR_SAID = re.compile(r"((?:1[89]|20)\d{2})年")


def _dated_by_another_year(years: list[str], sent: str, start: int, end: int) -> str | None:
    """The year a figure is dated by when a sentence lists figures year by year and the asked year
    comes only after the figure (核定2016年490户、2219人，2017年415户: 490户 is 2016's, not 2017's).

    >>> s = "核定2016年对象490户、2219人，2017年415户、2010人。"
    >>> _dated_by_another_year(["2017"], s, s.index("490"), s.index("490") + 4)
    '2016'
    >>> _dated_by_another_year(["2017"], s, s.index("415"), s.index("415") + 4) is None
    True
    >>> s = "预计2020年较2014年地区生产总值增159.9%"
    >>> _dated_by_another_year(["2020"], s, s.index("159"), s.index("159") + 6) is None
    True
    """
    before, after = sent[:start], sent[end:]
    said = _YEAR_SAID.findall(before)
    for y in years:
        if y not in before and y in after and said and said[-1] != y:
            return said[-1]
    return None


def _year_breakdown(years: list[str], sent: str, start: int, end: int) -> str | None:
    """A total followed by its breakdown by year (安排项目477个（2014年26个、2016年125个…）): the asked
    year's own figure is the one said right after the year, not the total before it.

    >>> s = "安排项目477个（2014年26个、2016年125个、2018年94个）。"
    >>> _year_breakdown(["2016"], s, s.index("477"), s.index("477") + 4)
    '2016年125个'
    >>> _year_breakdown(["2016"], s, s.index("125"), s.index("125") + 4) is None
    True
    """
    fig = find_figures(sent[start:end])
    unit = fig[0].unit if fig else None
    if not unit:
        return None
    for y in years:
        if re.search(rf"{y}\s*年\S{{0,3}}$", sent[max(0, start - 8) : start]):
            continue  # the figure is the asked year's own
        m = re.search(rf"{y}\s*年(?:的|为|是|共|达)?\s*(\d[\d.,]*\s*(?:万|亿)?\s*{re.escape(unit)})", sent[end:])
        if m:
            return f"{y}年{m.group(1)}"
    return None


_BASELINE = re.compile(r"(?:跟|和|与|同|较|比|相比于?|相较于?)(\d{4})年(?:底|末)?(?:相比|比|比较|以来)?")
_CHANGE_ASKED = re.compile(r"涨|增|提高|提升|翻|多了|上升|减少|下降|降低|少了|变化")


def baseline_years(q: Question) -> list[str]:
    """Years a Chinese question compares against (跟2014年相比…涨了多少): the change is asked, not
    that year's value.

    >>> from rag.reader.question import analyze
    >>> baseline_years(analyze("跟2010年相比，白溪县的游客人数涨了多少？")), baseline_years(analyze("2010年白溪县有多少游客？"))
    (['2010'], [])
    """
    if q.script == "en" or not _CHANGE_ASKED.search(q.norm):
        return []
    return [y for y in dict.fromkeys(_BASELINE.findall(q.norm)) if y in q.years]


def _years_missing(q: Question, near: str) -> list[str]:
    """The years a question names that ``near`` does not say. An English question comparing two years
    (in 2020 compared with 2014, from 2014 to 2020) is answered by a figure said with either: reports
    state a change once, with the range in a sentence before it.

    >>> from rag.reader.question import analyze
    >>> _years_missing(analyze("By how much did income grow in 2020 compared with 2014?"), "预计2020年收入增92.6%")
    []
    >>> _years_missing(analyze("How many people were trained in 2019?"), "2018年培训1000人")
    ['2019']
    """
    missing = [y for y in q.years if y not in near]
    if q.script == "en" and len(q.years) >= 2 and len(missing) < len(q.years) and _EN_YEAR_RANGE.search(q.text):
        return []
    return missing


_RATE = re.compile(r"[\u4e00-\u9fff]{2}率")


def _rate_word(q: Question) -> str | None:
    """The rate a Chinese question asks for (逾期率 in …小额信贷逾期率是多少, 入学率), as the two characters
    before 率 and 率; not a verb (率先, 率队) nor a word that is no percentage (效率, 频率)."""
    if q.script == "en" or q.atype != "number":
        return None
    for m in _RATE.finditer(q.left):
        w = m.group(0)
        if w[1:] not in _NOT_RATE and not any(x in q.norm[m.start():m.end() + 1] for x in _NOT_RATE):
            return w
    return None


def _stem(place: str) -> str:
    return place[:-1] if len(place) >= 3 and place[-1] in PLACE_SUFFIX else place


def _place_in(place: str, text: str) -> bool:
    """``place`` is named in ``text``: whole, by its stem (稻城 for 稻城县), or by a shorter place name it
    ends with (稻城县 for 后稻城县, a word jieba glued to the name)."""
    if place in text or _stem(place) in text:
        return True
    return any(place[i:] in text for i in range(1, len(place) - 2) if place[-1] in PLACE_SUFFIX)


def _near_miss(entity: str, pool: Pool) -> str | None:
    """A title (or heading) of the passages that is ``entity`` with one character changed: a sibling
    article (九号风球 for 一号风球, 梁X for 梁诚), not the one asked about."""
    if len(entity) < 2 or len(entity) > 8:
        return None
    seen = set()
    for p, ctx in zip(pool.passages, pool.ctx_norm):
        title = normalize((p.title or "") + " " + (p.section or "").split(" › ")[0].lstrip("# "))
        if title in seen:
            continue
        seen.add(title)
        n = len(entity)
        for a in range(0, max(0, len(title) - n) + 1):
            w = title[a : a + n]
            if len(w) == n and w != entity and sum(x != y for x, y in zip(w, entity)) == 1 and re.fullmatch(r"[\u4e00-\u9fff\w]+", w):
                return (p.title or w).strip()
    return None


_GENERIC_LOCAL = {"乡镇", "城镇", "村镇", "全乡", "全镇", "各乡", "各镇", "本乡", "本镇", "该镇", "该乡"}
_LEVEL = {"省": 0, "州": 1, "市": 1, "县": 2, "区": 2, "乡": 3, "镇": 3, "村": 4}


def _about(p: Passage) -> str:
    return (p.title or (p.section or "").split(" › ")[0].lstrip("# ") or p.doc).strip()


# ---------------------------------------------------------------- the reader


class OfflineReader:
    """Extractive, cited short answers with learned ranking and calibrated refusal; needs no LLM.

    ``run(question, passages) -> Answer``. ``max_passages`` passages are read, the
    ``max_sentences`` sentences covering the question best are searched for candidates.
    """

    name = "offline"

    def __init__(self, model: ReaderModel | None = None, max_passages: int = 5, max_sentences: int = 8):
        self.model = model or load_model()
        self.max_passages = max_passages
        self.max_sentences = max_sentences

    def run(self, question: str, passages: list[Passage]) -> Answer:
        t0 = time.perf_counter()
        passages = list(passages)
        q = analyze(question)
        # a multi-part question may draw on more passages: one more per extra part
        use = passages[: self.max_passages + max(0, len(q.parts) - 1) * 2]
        en = None
        if q.script == "en":
            # the places it names, once per question; when no passage in use names the place asked about,
            # the next passages that name it are read too (the dense leg ranks a sibling county as high)
            en = english_places(q.text, use)
            if en[1] and len(passages) > len(use):
                more = [p for p in passages[len(use):] if english_places(q.text, [p])[0]][:2]
                if more:
                    use = use + more
                    en = english_places(q.text, use)
        ans = self._answer(q, use, en)
        ans.passages = passages
        ans.timings["read_ms"] = (time.perf_counter() - t0) * 1000
        return ans

    def read(self, q: Question, pool: Pool) -> Evidence:
        ev = gather(q, pool, self.max_sentences)
        ev.scores = self.model.score(ev.X)
        return ev

    def _refuse(self, q: Question, reason: str, detail: str = "") -> Answer:
        a = Answer(question=q.text, answer=refusal_text(q.script, detail), refused=True, backend=self.name)
        a.warnings.append(f"refused: {reason}")
        return a

    def _answer(self, q: Question, passages: list[Passage], en: tuple[list[str], str | None] | None = None) -> Answer:
        if not passages:
            return self._refuse(q, "no passage retrieved")
        pool = make_pool(passages)
        if not pool.sentences:
            return self._refuse(q, "no text in the retrieved passages")
        parts = q.parts or [q]
        if q.script == "en":
            places, missing = en if en is not None else english_places(q.text, passages)
            if missing:
                return self._refuse(q, f"the passages are about {_about(passages[0])}, not {missing}",
                                    _detail(f"the passages are about {_about(passages[0])}, not {missing}", "en"))
            if places:  # the Chinese names of the places asked about: the place checks apply as to a Chinese question
                parts = [replace(part, places=list(dict.fromkeys(part.places + places))) for part in parts]
        picks: list[tuple[Evidence, int]] = []
        kinds: list[str | None] = []
        probs: list[float] = []
        last_p = 0.0  # the answerability of the last part answered (read only once a part is)
        for k, part in enumerate(parts):
            ev = self.read(part, pool)
            if not len(ev.scores):
                if k == 0:
                    return self._refuse(q, "no candidate answer in the passages")
                continue
            order = np.argsort(-ev.scores)
            taken = [(e.ctx.sentences[e.cands[i][0]], e.cands[i][1]) for e, i in picks]
            choice, problem = None, None
            dated_family = None
            order, unrelated = _focus_first(part, ev, pool, order[:40])
            for i in order:
                kk, c = ev.cands[int(i)]
                if int(i) in unrelated:
                    continue  # the passages say what is measured next to other figures (of another year or place)
                s = ev.ctx.sentences[kk]
                if any(ts.passage == s.passage and ts.index == s.index and not (c.end <= tc.start or c.start >= tc.end) for ts, tc in taken):
                    continue  # another part's answer
                if dated_family and c.family != dated_family:
                    continue  # the asked year's figure is of the kind the best figure (another year's) was
                why = subject_problem(part, ev, int(i), pool)
                if why and why.startswith("the figure found is dated ") and c.family:
                    dated_family = dated_family or c.family
                if why is None:
                    choice = int(i)
                    break
                problem = problem or why
                if part.atype != "number" and not try_next(why):
                    break  # a name or year the evidence lacks: the next candidate lacks it too
            if choice is not None and picks:
                choice = _nearest_repeat(ev, choice, picks[-1], part, pool)
            if choice is not None:
                choice = _with_unit(ev, choice)
            if choice is None:
                if k == 0 or not picks:
                    return self._refuse(q, problem or "no supporting candidate", _detail(problem, q.script))
                continue
            p_ans = self.model.p_answerable(answerable_row(ev, pool))
            if k and picks and _bare_part(part):
                # a bare part (…，已经发出去多少) answered from the sentence that answered the part before is as
                # answerable as that part: its words (已经, 发出) alone say little of the passage
                pe, pi = picks[-1]
                ps_, cs = pe.ctx.sentences[pe.cands[pi][0]], ev.ctx.sentences[ev.cands[choice][0]]
                if (ps_.passage, ps_.index) == (cs.passage, cs.index):
                    p_ans = max(p_ans, last_p)
            # the refusal model learned from Chinese questions; English ones rely on the subject check
            if p_ans < self.model.threshold and part.script != "en":
                if k == 0 or not picks:
                    return self._refuse(q, f"the passages do not seem to answer it (confidence {p_ans:.2f})")
                continue
            picks.append((ev, choice))
            kinds.append(_part_kind(part, parts))
            last_p = p_ans
            probs.append(p_ans * _sigmoid(float(ev.scores[choice])))
        ans = self._compose(q, pool, picks, kinds=kinds)
        if not check_answer(ans.answer, {c.n: c.text for c in ans.citations}).ok:
            ans = self._compose(q, pool, picks, convert=False, kinds=kinds)  # the document's own characters, as quoted
            res = check_answer(ans.answer, {c.n: c.text for c in ans.citations})
            if not res.ok:  # never show a figure the cited text does not hold
                return self._refuse(q, "a figure of the answer is not found in its citation: " + "; ".join(res.reasons))
        ans.confidence = float(min(probs)) if probs else None
        return ans

    def _compose(self, q: Question, pool: Pool, picks: list[tuple[Evidence, int]], convert: bool = True,
                 kinds: list[str | None] | None = None) -> Answer:
        citations: list[Citation] = []
        shown: list[str] = []
        by_quote: dict[tuple[int, int, int], int] = {}
        for n, (ev, i) in enumerate(picks):
            k, c = ev.cands[i]
            s = ev.ctx.sentences[k]
            p = pool.passages[s.passage]
            a, b = s.start + c.start, s.start + c.end
            b += _kind_after(kinds[n] if kinds and n < len(kinds) else None, p.text, b)
            qa, qb = _quote_span(p.text, s, c)
            key = (s.passage, qa, qb)
            if key not in by_quote:
                by_quote[key] = len(citations) + 1
                citations.append(Citation(n=len(citations) + 1, doc=p.doc, chunk_id=p.chunk_id, section=p.section, text=p.text,
                                          quote=p.text[qa:qb], page=p.page, start=qa, table=p.table, ocr=p.ocr))
            short = p.text[a:b]
            doc_script = p.script or ("zh-Hant" if normalize(short) != short and q.script != "zh-Hant" else None)
            if convert and q.script in ("zh-Hans", "zh-Hant") and doc_script and doc_script != q.script:
                short = in_script(short, q.script)  # display only; the quote stays as the document has it
            shown.append(f"{short}[{by_quote[key]}]")
        return Answer(question=q.text, answer="；".join(shown), refused=False, citations=citations, backend=self.name)


def _part_kind(part: Question, parts: list[Question]) -> str | None:
    """What tells one part from the others when each counts a kind of one thing after its wh-word and measure
    word (几个三级甲等和几个二级甲等公立医院 → 三级甲等 / 二级甲等公立医院): the answer shows it with the figure.

    >>> from rag.reader.question import analyze
    >>> [_part_kind(x, analyze("要建成几个三级甲等和几个二级甲等公立医院？").parts) for x in analyze("要建成几个三级甲等和几个二级甲等公立医院？").parts]
    ['三级甲等', '二级甲等公立医院']
    >>> _part_kind(analyze("有多少户、多少人？").parts[0], analyze("有多少户、多少人？").parts) is None
    True
    >>> _part_kind(analyze("多少个贫困村和多少个贫困县全部摘帽？").parts[1], analyze("多少个贫困村和多少个贫困县全部摘帽？").parts)
    '贫困县'
    """
    if len(parts) < 2 or part.script == "en" or part.atype != "number" or len({x.unit for x in parts}) != 1:
        return None
    m = re.match(rf"\s*{_KIND_UNIT}?([\u4e00-\u9fff“”]{{2,12}})[？?。！!]*$", part.right)
    if not m:
        return None
    kind = ""
    for w in pos_words(m.group(1)):  # the noun phrase, not what is said of it (贫困县全部摘帽 → 贫困县)
        if w.flag.startswith(("v", "d", "p", "u")) and kind or w.text in _QUANTIFIERS:
            break
        kind += w.text
    return kind if len(kind) >= 2 else None


_KIND_UNIT = r"(?:[个家所座项条处名位类种批次])"


def _kind_after(kind: str | None, text: str, b: int) -> int:
    """How many characters after a figure ending at ``text[b]`` say the part's ``kind`` (12个二级甲等、… → 4 for 二级甲等…)."""
    if not kind:
        return 0
    n = 0
    while n < len(kind) and b + n < len(text) and normalize(text[b + n]) == kind[n]:
        n += 1
    return n if n == len(kind) or n >= 4 else 0  # 贫困县 is not the 贫困村 asked: no half-said kind


def _nearest_repeat(ev: Evidence, choice: int, prev: tuple[Evidence, int], part: Question, pool: Pool) -> int:
    """A later part's measure said twice in the sentence that answered the part before (乡镇通畅120个、通畅率93.02%，
    建制村通畅680个、通畅率62.79%): the one said right after the part before's figure goes with it."""
    pe, pi = prev
    pk, pc = pe.cands[pi]
    k, c = ev.cands[choice]
    ps_, s = pe.ctx.sentences[pk], ev.ctx.sentences[k]
    if (ps_.passage, ps_.index) != (s.passage, s.index) or c.start <= pc.end:
        return choice
    label = _item_label(s.norm, c.start)
    if len(label) < 2:
        return choice
    for j, (kj, cj) in enumerate(ev.cands):
        sj = ev.ctx.sentences[kj]
        if ((sj.passage, sj.index) == (s.passage, s.index) and pc.end <= cj.start < c.start and cj.family == c.family
                and "fig" in cj.kinds and _item_label(s.norm, cj.start) == label and subject_problem(part, ev, j, pool) is None):
            return j
    return choice


_BARE_NUMBER = re.compile(r"^[\d.,，]+$")


def _with_unit(ev: Evidence, i: int) -> int:
    """A bare number (8489.8) is reported with its unit when the sentence gives one (8489.8万元)."""
    k, c = ev.cands[i]
    if not _BARE_NUMBER.match(ev.text(i)):
        return i
    best = i
    for j, (kk, cj) in enumerate(ev.cands):
        if kk == k and cj.start == c.start and c.end < cj.end <= c.end + 6 and "fig" in cj.kinds and (
            cj.family or re.fullmatch(r"[\d.,，]+\s*(?:万亿|万|亿|千|百)", ev.text(j))
        ):
            if best == i or cj.end < ev.cands[best][1].end:
                best = j
    return best


def _quote_span(text: str, s: Sentence, c: Candidate, max_chars: int = 120) -> tuple[int, int]:
    """The sentence holding the answer, or when it is long the clauses around the answer (offsets in ``text``)."""
    a, b = s.start, s.end
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b - a <= max_chars:
        return a, b
    i, j = s.start + c.start, s.start + c.end
    lo, hi = i, j
    while lo > a and text[lo - 1] not in _CLAUSE_END:
        lo -= 1
    while hi < b and text[hi] not in _CLAUSE_END:
        hi += 1
    if hi < b:
        hi += 1
    # grow by whole clauses while it stays short
    while hi - lo < 40 and (lo > a or hi < b):
        if lo > a:
            lo2 = lo - 1
            while lo2 > a and text[lo2 - 1] not in _CLAUSE_END:
                lo2 -= 1
            if hi - lo2 > max_chars:
                break
            lo = lo2
        else:
            hi2 = hi
            while hi2 < b and text[hi2] not in _CLAUSE_END:
                hi2 += 1
            hi = min(b, hi2 + 1)
    if hi - lo > max_chars:  # one very long clause: a window around the answer
        lo = max(lo, i - (max_chars - (j - i)) // 2)
        hi = min(hi, lo + max(max_chars, j - i))
    return lo, hi


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


def _focus_first(q: Question, ev: Evidence, pool: Pool, order: np.ndarray) -> tuple[np.ndarray, set[int]]:
    """``order`` with the figures said next to what an English number question measures first, and the
    figures that are no answer to it.

    An English question reaches the Chinese passage through translated words, so the model's ranking
    of figures leans on their unit and place; the figure the report writes next to the measured thing
    (``油橄榄100亩`` for olive trees, not ``葡萄50余亩`` in the same list) is the answer: the candidate
    figures (of the asked unit, when the question names one) whose window says the most of it (the measured
    phrase's words first, then the rest's words with it, whether it is of the year asked, the rest's words
    in its sentence: :func:`.focus.focus_score`) are tried first, in the model's order; the others follow in it.
    When some figures are said with the measured thing, a figure whose sentence says nothing of the
    question's words at all is no answer: if the figures said with it fail the checks (another year, another
    place), the question is refused rather than answered with an unrelated figure of the passages."""
    none: set[int] = set()
    if q.script != "en" or q.atype != "number":
        return order, none
    slots = focus_slots(q.text, q.context)
    if not slots:
        return order, none
    units = head_units(q.text)
    weights = slot_weights(slots, [s.norm for s in pool.sentences], units)
    if not any(weights):
        return order, none
    years = tuple(q.years)
    scores = []
    for i in order:
        k, c = ev.cands[int(i)]
        s = ev.ctx.sentences[k]
        ok = "fig" in c.kinds and (not q.unit or ev.X[int(i), _F["fam_match"]] > 0)
        if not ok:
            scores.append((0.0,) * 4)
            continue
        scores.append(tuple(round(x, 6) for x in focus_score(slots, weights, s.norm, c.start, c.end, units, years)))
    best = max(scores)
    if best <= (0.0,) * 4:
        return order, none
    first = [i for i, sc in zip(order, scores) if sc == best]
    if best[0] > 0:
        none = {int(i) for i, sc in zip(order, scores) if sc[0] == sc[1] == sc[3] == 0.0}
    return np.array(first + [i for i, sc in zip(order, scores) if sc != best], dtype=order.dtype), none


def _detail(problem: str | None, script: str = "zh-Hans") -> str:
    """The refusal's reason for the user, in the asker's language (names stay as the documents write them)."""
    if not problem:
        return ""
    if script == "en":
        return problem if re.match(r"the (?:passages|figure)", problem) else ""
    m = re.match(r"the passages are about (.+), not (.+)$", problem)
    if m:
        return f"检索到的内容讲的是{m.group(1)}，没有{m.group(2)}"
    m = re.match(r"the figure found is for (.+), not (.+)$", problem)
    if m:
        return f"找到的数字是{m.group(1)}的，不是{m.group(2)}的"
    m = re.match(r"the passages give no figure for (.+)$", problem)
    if m:
        return f"没有{m.group(1)}的数字"
    m = re.match(r"the figure found is not one of (.+)$", problem)
    if m:
        return f"没有关于{m.group(1)}的数字"
    return ""
