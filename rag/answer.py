"""Grounded answers: the ``Answer`` shape and the offline reader (no LLM needed).

The offline reader is extractive: it finds, inside the retrieved passages, the
clause that answers the question (question terms, places, years and the asked
unit — 个/户/人/万元/% — decide) and answers with that clause, cited. Every
figure in its answers therefore stands in the cited passage. It refuses when
the evidence does not cover the question (a place or year the passages never
mention, a quantity whose unit no candidate carries, too little of the question
matched).

Example::

    >>> from rag.answer import OfflineReader
    >>> from rag.retrieve import Passage
    >>> p = Passage(rank=1, doc="000.txt", chunk_id="c1", section="稻城 › 一、基本情况",
    ...             text="2014年审定贫困村55个、贫困户1268户、贫困人口5614人，贫困发生率为20.25%。", score=1.0)
    >>> a = OfflineReader().run("稻城县2014年审定贫困户多少户？", [p])
    >>> a.answer
    '贫困户1268户[1]'
    >>> a.citations[0].quote
    '贫困户1268户'
"""
from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass, field

from .answering import INSTRUCTION_RE as _INSTRUCTION
from .answering import in_script, question_script, refusal_text
from .crosslingual import translate_query
from .lexical import PLACE_SUFFIX, find_places, tokenize
from .normalize import is_english, nfkc, split_sentences, to_simplified
from .types import Answer, Citation, Passage

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- question analysis

# measure words that follow a figure in Chinese reports (longest first)
UNITS = (
    "平方千米|平方公里|千米|公里|万元|亿元|元|人次|台次|户次|户|人|个|名|家|所|处|台|次|条|项|座|辆|套|间|头|只|"
    "亩|吨|公斤|千克|米|倍|场|批|支|期|天|年|月|日|号|%|％"
)
_NUM_UNIT = re.compile(rf"(\d+(?:[.,]\d+)*)\s*(?:余|多)?\s*(万|亿|千(?![米克]))?\s*(?:余|多)?\s*({UNITS})?")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_ASK_UNIT = re.compile(rf"(?:多少|几)\s*(?:万|亿)?\s*({UNITS}|钱)")
_DATE_Q = re.compile(r"哪一?年|哪一?天|几月几日|几月几号|哪个月|哪月哪日|which year|what year|what date|which day|by what date|on what day", re.I)
_NUMERIC_Q = re.compile(
    r"多少|几[个户人名家所处台次条项年月天亩位]|百分之|比例|比重|占比|[^效]率|how many|how much|what percentage|what proportion|"
    r"what share|\brate\b|\bnumber of\b|\bamount\b|in yuan|population|how (?:large|big|high|long|far)|多大|多高|多长|多远|多重",
    re.I,
)
_ASK_WORD = re.compile(r"多少|几|什么|哪|分别|各|how|what|which|who|when|where", re.I)

# the unit a noun in the question implies when it asks "是多少"
NOUN_UNITS = [
    (re.compile(r"发生率|比例|比重|占比|覆盖率|普及率|达标率|入学率|增长率|增速|毛入学|百分|[^效]率|percent|\brate\b|proportion|share", re.I), "%"),
    (re.compile(r"钱|资金|收入|投资|投入|金额|额度|限额|上限|补助|补贴|保障金|保险金|分红|元|yuan|money|funds?|income|investment|subsid|insurance|gdp|loan", re.I), "元"),
    (re.compile(r"期限|年限|多久|多长时间|how long|term", re.I), "date"),
    (re.compile(r"贫困户|未脱贫户|户数|农户|households?|families", re.I), "户"),
    (re.compile(r"人口|人数|群众|劳动力|人员|干部|学生|教师|医生|穷人|people|persons?|population|workers?|cadres?|tourists?|residents?", re.I), "人"),
    (re.compile(r"贫困村|行政村|项目|单位|企业|合作社|医院|学校|villages?|projects?|enterprises?|bodies|teams?|cooperatives?|economies", re.I), "个"),
    (re.compile(r"面积|亩|\bmu\b|area", re.I), "亩"),
    (re.compile(r"公里|千米|里程|kilomet", re.I), "千米"),
]
UNIT_FAMILY = {
    "户": {"户", "户次"},
    "人": {"人", "名"},
    "人次": {"人次"},
    "个": {"个", "处", "家", "所", "项", "座", "条", "支", "批"},
    "元": {"元", "万元", "亿元", "钱"},
    "%": {"%", "％"},
    "亩": {"亩", "平方千米", "平方公里"},
    "千米": {"千米", "公里"},
    "date": {"年", "月", "日", "号"},
}


def _unit_family(unit: str | None) -> str | None:
    if not unit:
        return None
    unit = unit.replace("％", "%")
    for fam, members in UNIT_FAMILY.items():
        if unit in members or unit == fam:
            return fam
    return unit


def _noun_unit(text: str) -> str | None:
    """Unit implied by the nouns in ``text``: the one mentioned last (closest to the question word) wins."""
    best, pos = None, -1
    for pat, unit in NOUN_UNITS:
        for m in pat.finditer(text):
            if m.start() > pos:
                best, pos = unit, m.start()
    return best


@dataclass
class Part:
    terms: list[str]
    unit: str | None
    noun: list[str]  # tokens of the thing counted ("贫困村" in 多少个贫困村)
    concept: list[str] = field(default_factory=list)  # what is measured (地区生产总值 in 地区生产总值是多少)


@dataclass
class QuestionInfo:
    text: str
    script: str
    terms: list[str]
    years: list[str]
    places: list[str]
    numeric: bool
    multi: bool
    units: list[str]  # asked unit families
    parts: list[Part]
    focus: list[str] = field(default_factory=list)  # what a what/which question asks for


def _asked_noun(seg: str) -> list[str]:
    """The counted thing: ``多少个贫困村`` → 贫困村; ``贫困村多少个`` → 贫困村 (nouns only)."""
    m = re.search(rf"(?:多少|几)\s*(?:万|亿)?\s*(?:{UNITS})?([\u4e00-\u9fff]{{2,8}})", seg)
    if m:
        noun = re.split(r"[是为有在的了呢吗？?，,]|进行|完成|实现|达到|开展|发现|获得", m.group(1))[0]
        toks = [t for t in tokenize(noun) if len(t) >= 2] if len(noun) >= 2 else []
        toks = [t for t in toks if not any(t != o and t in o for o in toks)]
        if toks:
            return toks[:2]
    return []


_FUNCTION_TAIL = re.compile(r"(?:是|为|有|达到|达|共|一共|总共|累计|约|大约|了|到|的|能|可以|还|又|已|已经|将|要|在|则|就|都)+$")


def _concept(seg: str) -> list[str]:
    """What the question measures: the words just before 多少/几 (``地区生产总值是多少`` → 地区生产总值),
    or, with nothing there, the counted thing after it (``多少个贫困村`` → 贫困村)."""
    s = to_simplified(nfkc(seg))
    m = re.search(r"(多少|几)", s)
    if not m:
        return []
    head = re.split(r"[，,。；;：:、（(）)和与及]", s[: m.start()])[-1]
    head = _FUNCTION_TAIL.sub("", head)
    head = re.sub(r"^.*?\d{4}年(?:底|末|初)?", "", head)  # the year is checked on its own
    places = find_places(s)
    toks = [t for t in tokenize(head[-10:]) if len(t) >= 2 and not t.isdigit() and not any(t in pl for pl in places)]
    # keep the longest tokens (search-mode cut repeats sub-words)
    toks = [t for t in toks if not any(t != o and t in o for o in toks)]
    if toks:
        return toks[-2:]
    tail = re.sub(rf"^(?:多少|几)\s*(?:万|亿)?\s*(?:{UNITS})?", "", s[m.start():])
    tail = re.split(r"[是为有在了呢吗？?，,。的]", tail)[0]
    toks = [t for t in tokenize(tail[:8]) if len(t) >= 2]
    return [t for t in toks if not any(t != o and t in o for o in toks)][:2]


def _focus(question: str) -> list[str]:
    """The kind of thing a what/which question wants: ``哪个卡点`` → 卡点, ``什么种植合同`` → 种植, 合同."""
    s = to_simplified(nfkc(question))
    m = re.search(r"(?:哪|什么|何)[一两三四五六七八九十几]?[个项类种些位家所条]?([\u4e00-\u9fff“”\"]{1,8})", s)
    if not m:
        return []
    phrase = re.split(r"[是为在了呢吗？?，,的与和]|发现|开展|组成|实行|签订|提供|离开|实现|支持|惠及", m.group(1))[0]
    return [t for t in tokenize(phrase) if len(t) >= 1][:3]


def _part_unit(seg: str, script: str) -> str | None:
    s = to_simplified(seg)
    if _DATE_Q.search(seg):
        return "date"
    m = _ASK_UNIT.search(s)
    if m:
        return _unit_family(m.group(1))
    if script == "en":
        if re.search(r"\brate\b|percentage|proportion|\bshare\b|per ?cent", seg, re.I):
            return "%"
        m = re.search(r"how (?:many|much)\s+([a-z\- ]+)", seg, re.I)
        if m:
            u = _noun_unit(m.group(1).split(" of ")[0][:40])
            if u:
                return u
        if re.search(r"\bin yuan\b|how much money|how much did .* (?:pay|invest|spend|raise)|how much .* (?:fund|insurance|subsid)", seg, re.I):
            return "元"
        return _noun_unit(seg)
    # a figure with a unit in the question ("从2257元增长到多少") fixes the unit
    head = re.split(r"多少|几", s, maxsplit=1)[0]
    m = None
    for m in _NUM_UNIT.finditer(nfkc(head)):
        pass
    if m and m.group(3) and _unit_family(m.group(3)) not in ("date", None):
        return _unit_family(m.group(3))
    tail = re.split(r"多少|几", s, maxsplit=1)[1] if re.search(r"多少|几", s) else ""
    return _noun_unit(tail[:8]) or _noun_unit(head)


def analyze_question(question: str, place_names: dict[str, str] | None = None) -> QuestionInfo:
    script = question_script(question)
    q = nfkc(question)
    places: list[str]
    if script == "en":
        from .crosslingual import translate_query_detail

        search_text, places = translate_query_detail(q, place_names)
    else:
        search_text = to_simplified(q)
        places = find_places(search_text)
    terms = list(dict.fromkeys(tokenize(search_text)))
    years = _YEAR.findall(q)
    date_q = bool(_DATE_Q.search(q))
    numeric = bool(_NUMERIC_Q.search(q)) or date_q
    # multi-part: question segments that ask something, split further at 和/与/、
    segs = [s for s in re.split(r"[，,？?；;]", q if script != "en" else q) if s.strip()]
    ask_segs = [s for s in segs if _ASK_WORD.search(s)]
    context = [s for s in segs if s not in ask_segs]
    parts: list[Part] = []
    for seg in ask_segs:
        subs = [seg]
        if re.search(r"分别|各|respectively|both", seg, re.I) or len(ask_segs) == 1:
            pieces = [x for x in re.split(r"和|与|以及|及|、|\band\b", seg) if x.strip()]
            if len(pieces) >= 2:
                subs = pieces
        for sub in subs:
            toks = [t for t in tokenize(translate_query(sub) if script == "en" else sub) if t not in years]
            parts.append(Part(toks, _part_unit(sub, script), _asked_noun(to_simplified(sub)) if script != "en" else [],
                              _concept(sub) if script != "en" else []))
    # a sub-part with no unit borrows the question's (贫困户和贫困人口分别是多少 → 户, 人 by noun)
    whole_unit = _part_unit(q, script)
    for p in parts:
        if p.unit is None and numeric:
            p.unit = whole_unit
    multi = len(parts) >= 2 and (bool(re.search(r"分别|各|respectively|both", q, re.I)) or len(re.findall(r"多少|几|how many|how much", q, re.I)) >= 2)
    if not multi:
        parts = [Part([t for t in terms if t not in years], whole_unit if numeric else None, _asked_noun(to_simplified(q)) if script != "en" else [],
                      _concept(q) if script != "en" else [])]
    for p in parts:  # shared context ("稻城县2014年…") counts for every part
        ctx = [t for c in context for t in tokenize(translate_query(c) if script == "en" else c) if t not in years]
        p.terms = list(dict.fromkeys(p.terms + ctx))
    units = [p.unit for p in parts if p.unit]
    info = QuestionInfo(question, script, terms, years, places, numeric, multi, units, parts)
    info.focus = _focus(q) if script != "en" else []
    return info


# ---------------------------------------------------------------- the reader


def number_units(text: str) -> list[tuple[str, str | None, int, int]]:
    """Figures in ``text`` with their unit family: ``("1268户", "户", start, end)``."""
    out = []
    norm = to_simplified(nfkc(text))
    for m in _NUM_UNIT.finditer(norm):
        raw = m.group(0).strip()
        if not raw or not re.search(r"\d", raw):
            continue
        out.append((raw, _unit_family(m.group(3)), m.start(), m.end()))
    return out


@dataclass
class _Clause:
    passage: int
    sent_idx: int
    sent_start: int  # offset of the sentence in the passage text
    sentence: str
    i: int  # clause span inside the sentence
    j: int
    tokens: set[str]
    sent_tokens: set[str]
    ctx_tokens: set[str]
    units: set[str | None]
    has_number: bool
    year_ctx: str | None  # the nearest year said in or before the clause

    @property
    def text(self) -> str:
        return self.sentence[self.i : self.j]


# a half-width comma between digits is a thousands separator (16,800), not a clause break
_SPLIT_NUMERIC = re.compile(r"(?<=[，；;：:、])|(?<=\D,)|(?<=,)(?=\D)|(?=[（(])")
_SPLIT_TEXT = re.compile(r"(?<=[，；;：:])|(?<=\D,)|(?<=,)(?=\D)")


def _counts_other(text: str, part: Part) -> bool:
    """True when the figures in the asked unit count something named right after them ("5个方面") that is not the asked thing."""
    import jieba.posseg as pseg

    norm = to_simplified(nfkc(text))
    for raw, fam, i, j in number_units(norm):
        if fam != part.unit:
            continue
        after = re.match(r"[\u4e00-\u9fff]{2,4}", norm[j:])
        before = re.search(r"([\u4e00-\u9fff]{2,6})[)）]?(?:共|有|达|为|共有)?$", norm[:i])
        named = []
        if after:
            words = list(pseg.cut(after.group(0)))
            named.append(words[0] if words else None)
        if before:
            words = list(pseg.cut(before.group(1)))
            named.append(words[-1] if words else None)
        named = [w for w in named if w is not None and (w.flag.startswith("n") or w.flag == "l") and len(w.word) >= 2]
        if named and not any(t in w.word or w.word in t for w in named for t in part.noun):
            return True
    return False


class OfflineReader:
    """Extractive, cited answers with calibrated refusal; needs no LLM.

    ``run(question, passages) -> Answer``. Every clause of the top
    ``max_passages`` passages is scored by IDF-weighted coverage of the
    question's terms (in the clause, its sentence, or the passage's context),
    the asked unit and counted thing, years and places; the best clause is the
    answer (one per part for multi-part questions), cited.
    """

    name = "offline"

    def __init__(self, max_passages: int = 6, min_coverage: float = 0.15, max_chars: int = 100):
        self.max_passages = max_passages
        self.min_coverage = min_coverage
        self.max_chars = max_chars

    # ------------------------------------------------------------ building blocks
    def _clauses(self, passages: list[Passage], numeric: bool) -> list[_Clause]:
        out = []
        splitter = _SPLIT_NUMERIC if numeric else _SPLIT_TEXT
        for pi, p in enumerate(passages):
            ctx = set(tokenize(f"{p.title or ''} {p.section or ''}"))
            prev: set[str] = set()
            last_year = None
            for si, (a, b) in enumerate(split_sentences(p.text)):
                sent = p.text[a:b]
                if not sent.strip() or _INSTRUCTION.search(sent):
                    continue  # an instruction planted in a document is not evidence
                stoks = set(tokenize(sent))
                pos = 0
                for piece in splitter.split(sent):
                    if not piece:
                        continue
                    i, j = pos, pos + len(piece)
                    pos = j
                    years = _YEAR.findall(piece)
                    nums = number_units(piece)
                    out.append(_Clause(pi, si, a, sent, i, j, set(tokenize(piece)), stoks, ctx | prev,
                                       {u for _, u, _, _ in nums}, bool(nums), years[0] if years else last_year))
                    if years:
                        last_year = years[-1]
                prev = stoks
        return out

    @staticmethod
    def _idf(clauses: list[_Clause], terms: list[str]) -> dict[str, float]:
        sents = {}
        for c in clauses:
            sents[(c.passage, c.sent_idx)] = c.sent_tokens
        n = len(sents) or 1
        out = {}
        for t in terms:
            df = sum(1 for toks in sents.values() if t in toks)
            out[t] = math.log(1 + n / (1 + df)) * (1.0 if df else 1.5)
        return out

    @staticmethod
    def _coverage(terms: list[str], idf: dict[str, float], c: _Clause) -> tuple[float, float]:
        """(coverage with context discounts, coverage by the clause alone)."""
        total = sum(idf.get(t, 1.0) for t in terms) or 1.0
        got = own = 0.0
        for t in terms:
            w = idf.get(t, 1.0)
            if t in c.tokens:
                got += w
                own += w
            elif t in c.sent_tokens:
                got += 0.7 * w
            elif t in c.ctx_tokens:
                got += 0.4 * w
        return got / total, own / total

    # ------------------------------------------------------------ main entry
    def run(self, question: str, passages: list[Passage]) -> Answer:
        t0 = time.perf_counter()
        passages = list(passages)
        use = passages[: self.max_passages]
        place_names = None
        if is_english(question):
            from .crosslingual import build_place_index

            place_names = build_place_index({t for p in use for t in tokenize(p.text) + tokenize(p.section or "")})
        info = analyze_question(question, place_names)
        # the words the retrieved passages use at all: a question word none of them uses is paraphrase, not evidence
        vocab = {t for p in passages for t in tokenize(p.text) + tokenize(p.section or "")}
        ans = self._answer(info, use, vocab)
        ans.passages = passages
        ans.timings["read_ms"] = (time.perf_counter() - t0) * 1000
        return ans

    def _refuse(self, info: QuestionInfo, reason: str) -> Answer:
        a = Answer(question=info.text, answer=refusal_text(info.script), refused=True, backend=self.name)
        a.warnings.append(f"refused: {reason}")
        return a

    def _main_places(self, passages: list[Passage]) -> dict[str, set[str]]:
        """Per document, the places it is about: its title's and those the index found most in it."""
        out: dict[str, set[str]] = {}
        for p in passages:
            out.setdefault(p.doc, set()).update(find_places(f"{p.title or ''}"), p.doc_places or ())
        return out

    @staticmethod
    def _place_ok(place: str, p: Passage, main: set[str], elsewhere: str) -> bool:
        """A place named in the question must be where the answer is.

        It is named in the passage (or its heading path); or the passage's document
        is about it (or, for a township, village or an unmarked name, names it in
        another retrieved passage) and the passage does not name another place of
        the same kind instead.
        """
        stem = place[:-1] if len(place) >= 3 and place[-1] in PLACE_SUFFIX else place
        blob = to_simplified(f"{p.title or ''} {p.section or ''} {p.text}")
        if place in blob or stem in blob:
            return True
        about = any(place in m or stem in m for m in main)
        sub_place = place[-1] not in "县市州"
        if not about and not (sub_place and (place in elsewhere or stem in elsewhere)):
            return False
        kind = place[-1] if place[-1] in PLACE_SUFFIX else None
        others = [o for o in find_places(f"{p.section or ''} {p.text[:300]}") if kind and o[-1] == kind and o[:-1] != stem]
        return not others

    def _answer(self, info: QuestionInfo, passages: list[Passage], vocab: set[str] | None = None) -> Answer:
        if not passages:
            return self._refuse(info, "no passage retrieved")
        clauses = self._clauses(passages, info.numeric)
        if not clauses:
            return self._refuse(info, "no text in the retrieved passages")
        all_terms = list(dict.fromkeys(t for part in info.parts for t in part.terms)) or info.terms
        idf = self._idf(clauses, all_terms)
        main = self._main_places(passages)
        elsewhere = {d: to_simplified(" ".join(p.text for p in passages if p.doc == d)) for d in {p.doc for p in passages}}

        picks: list[_Clause] = []
        reasons: list[str] = []
        best_cov = 0.0
        for k, part in enumerate(info.parts):
            cand = self._best_clause(info, part, idf, clauses, passages, main, elsewhere, vocab, picks, reasons)
            if cand is None:
                if k == 0 or not picks:
                    return self._refuse(info, reasons[0] if reasons else "no supporting clause")
                continue
            picks.append(cand[1])
            best_cov = max(best_cov, cand[0])
        ans = self._compose(info, passages, picks)
        ans.timings["coverage"] = best_cov
        return ans

    def _best_clause(self, info, part: Part, idf, clauses, passages, main, elsewhere, vocab, picks, reasons):
        terms = part.terms or info.terms
        vocab = vocab or (set().union(*(c.sent_tokens for c in clauses)) if clauses else set())
        scored = []
        for c in clauses:
            cov, own = self._coverage(terms, idf, c)
            score = cov + 0.6 * own + 0.05 / (1 + c.passage)
            unit_ok = part.unit is None or part.unit in c.units
            if info.numeric:
                if not c.has_number:
                    continue
                score += 0.35 if (part.unit and part.unit in c.units) else 0.0
                if part.noun:
                    noun_here = sum(1 for t in part.noun if t in c.tokens) / len(part.noun)
                    score += 0.3 * noun_here
            else:
                # what/which questions: the answer says something the question does not
                new = [t for t in c.tokens if t not in terms and len(t) >= 2]
                score += 0.05 * min(len(new), 4)
                if re.search(r"“[^”]{1,20}”|《[^》]{1,30}》|「[^」]{1,20}」", c.text):
                    score += 0.15
                if info.focus:
                    score += 0.3 * sum(1 for t in info.focus if t in c.tokens) / len(info.focus)
            if info.years:
                if c.year_ctx in info.years:
                    score += 0.2
                elif c.year_ctx is not None:
                    score -= 0.15
            if picks:
                if any(c.passage == p.passage and c.sent_idx == p.sent_idx for p in picks):
                    score += 0.1
                if any(c.passage == p.passage and c.sent_idx == p.sent_idx and c.i == p.i for p in picks):
                    continue
            scored.append((score, cov, unit_ok, c))
        scored.sort(key=lambda x: -x[0])
        for score, cov, unit_ok, c in scored[:25]:
            p = passages[c.passage]
            log.debug("candidate %.2f coverage %.2f units %s passage %d: %r", score, cov, c.units, c.passage, c.text[:40])
            if any(not self._place_ok(pl, p, main.get(p.doc, set()), elsewhere.get(p.doc, "")) for pl in info.places):
                reasons.append("a place named in the question is not where the figures are")
                continue
            chunk = to_simplified(nfkc(f"{p.section} {p.text}"))
            if any(y not in chunk for y in info.years):
                reasons.append("a year named in the question is not in the passages")
                continue
            if cov < self.min_coverage:
                reasons.append(f"too little of the question matched (coverage {cov:.2f})")
                continue
            if info.numeric and part.unit and not unit_ok:
                reasons.append(f"no figure in the asked unit ({part.unit}) where the question's terms are")
                continue
            known = [t for t in part.concept if t in vocab]
            if info.numeric and known:
                near = c.sent_tokens | c.ctx_tokens
                if sum(1 for t in known if t in near) * 2 < len(known):
                    reasons.append(f"the passages give no figure for {'、'.join(part.concept)}")
                    continue
            noun_near = any(t in c.sent_tokens or t in c.ctx_tokens for t in part.noun)
            if info.numeric and part.noun and not noun_near and (any(t in vocab for t in part.noun) or _counts_other(c.text, part)):
                reasons.append(f"the figures found do not count {part.noun[-1]}")
                continue
            return cov, c
        return None

    def _span(self, info: QuestionInfo, c: _Clause, clauses: list[_Clause] | None = None) -> tuple[int, int]:
        s = c.sentence
        i, j = c.i, c.j
        # a bare figure needs its subject: widen to the clause before when short
        if j - i < 8 and i > 0:
            k = max(s.rfind(ch, 0, max(0, i - 1)) for ch in "，,；;：:、（(")
            i = k + 1 if k >= 0 else 0
        if not info.numeric:
            if len(s) <= 90:
                i, j = 0, len(s)  # a short sentence is the answer
            else:
                # what/which answers: grow by neighbouring clauses up to about 80 characters
                while j < len(s) and j - i < 80:
                    k = min([x for x in (s.find(ch, j + 1) for ch in "，,；;。") if x >= 0] or [len(s)])
                    if k + 1 - i > 90:
                        break
                    j = k + 1
                while i > 0 and j - i < 60:
                    k = max(s.rfind(ch, 0, max(0, i - 1)) for ch in "，,；;")
                    if j - (k + 1) > 90:
                        break
                    i = k + 1 if k >= 0 else 0
        while i < j and s[i] in "，,；;：:、。 ”\"'）)":
            i += 1
        while j > i and s[j - 1] in "，,；;：:、。 （(“":
            j -= 1
        if j - i > self.max_chars:
            m = re.search(r"\d", s[i:j])
            mid = i + (m.start() if m else 0)
            i = max(i, mid - self.max_chars // 2)
            j = min(j, i + self.max_chars)
        return i, j

    def _compose(self, info: QuestionInfo, passages: list[Passage], picks: list[_Clause]) -> Answer:
        spans: list[tuple[_Clause, int, int]] = []
        for c in picks:
            i, j = self._span(info, c)
            if spans and spans[-1][0].passage == c.passage and spans[-1][0].sent_idx == c.sent_idx:
                pc, a, b = spans[-1]
                lo, hi = min(a, i), max(b, j)
                if hi - lo <= self.max_chars and (i - b <= 24 and a - j <= 24):
                    spans[-1] = (pc, lo, hi)
                    continue
            spans.append((c, i, j))
        citations: list[Citation] = []
        cite_no: dict[int, int] = {}
        parts_text: list[str] = []
        for c, i, j in spans:
            p = passages[c.passage]
            quote = c.sentence[i:j]
            if c.passage not in cite_no:
                cite_no[c.passage] = len(cite_no) + 1
                citations.append(Citation(n=cite_no[c.passage], doc=p.doc, chunk_id=p.chunk_id, section=p.section,
                                          text=p.text, quote=quote, page=p.page, start=c.sent_start + i, table=p.table, ocr=p.ocr))
            else:
                cit = citations[cite_no[c.passage] - 1]
                if quote not in cit.quote:
                    cit.quote = f"{cit.quote} … {quote}"
            shown = quote if info.script == "en" else in_script(quote, info.script)
            parts_text.append((shown, cite_no[c.passage]))
        if info.script == "en":
            # the Chinese figures, quoted, and where they stand
            figures = list(dict.fromkeys(raw for t, _ in parts_text for raw, _, _, _ in number_units(t)))
            lead = f"{', '.join(figures[:3])} — " if figures and info.numeric else ""
            body = "; ".join(f"“{t}”[{n}]" for t, n in parts_text)
            where = "; ".join(dict.fromkeys(
                f"{c.doc}{f' p.{c.page}' if c.page else ''} › {c.section.split(' › ')[-1]}" if c.section else c.doc for c in citations
            ))
            answer = f"{lead}{body} ({where})"
            if len(answer) > 150:
                answer = f"{lead}{body} (in {', '.join(dict.fromkeys(c.doc for c in citations))})"
        else:
            answer = "；".join(f"{t}[{n}]" for t, n in parts_text)
        return Answer(question=info.text, answer=answer, refused=False, citations=citations, backend=self.name)
