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

import math
import re
import time
from dataclasses import asdict, dataclass, field

from .crosslingual import translate_query
from .lexical import tokenize
from .normalize import detect_script, nfkc, split_sentences, to_simplified, to_traditional
from .retrieve import Passage, is_english


@dataclass
class Citation:
    """A cited passage; ``quote`` is the exact span of ``text`` that supports the claim."""

    n: int
    doc: str
    chunk_id: str
    section: str
    text: str
    quote: str
    page: int | None = None
    start: int | None = None  # offset of ``quote`` inside ``text``

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    """What every answerer returns."""

    question: str
    answer: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    backend: str = "offline"
    timings: dict = field(default_factory=dict)
    grounded: bool = True  # every figure in the answer stands in a cited passage
    warnings: list[str] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list, repr=False)

    def to_json(self, with_passages: bool = False) -> dict:
        d = {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "backend": self.backend,
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
            "grounded": self.grounded,
            "warnings": list(self.warnings),
        }
        if with_passages:
            d["retrieved"] = [p.to_json() for p in self.passages]
        return d


REFUSAL_ZH = "文档中没有找到能回答这个问题的内容。"
REFUSAL_ZH_HANT = "文件中沒有找到能回答這個問題的內容。"
REFUSAL_EN = "The documents do not answer this question."


def question_script(question: str) -> str:
    if is_english(question):
        return "en"
    return detect_script(question)


def refusal_text(script: str, detail: str = "") -> str:
    base = {"en": REFUSAL_EN, "zh-Hant": REFUSAL_ZH_HANT}.get(script, REFUSAL_ZH)
    if detail:
        if script == "zh-Hant":
            detail = to_traditional(detail)
        base = f"{base}（{detail}）" if script != "en" else f"{base} ({detail})"
    return base


def in_script(text: str, script: str) -> str:
    """Render Chinese ``text`` in the question's script (display only; quotes stay as written)."""
    if script == "zh-Hant":
        return to_traditional(text)
    if script == "zh-Hans":
        return to_simplified(text)
    return text


# ---------------------------------------------------------------- question analysis

# measure words that follow a figure in Chinese reports
UNITS = (
    "平方千米|平方公里|千米|公里|万元|亿元|元|人次|台次|户次|万户|万人|户|人|个|名|家|所|处|台|次|条|项|座|辆|套|间|头|只|"
    "亩|吨|公斤|千克|米|倍|场|批|支|期|天|年|月|%|％"
)
_NUM_UNIT = re.compile(rf"(\d+(?:[.,，]\d+)*)\s*(?:余|多)?\s*(万|亿|千)?\s*({UNITS})?")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_ASK_UNIT = re.compile(rf"(?:多少|几)\s*(?:万|亿)?\s*({UNITS})")
_NUMERIC_Q = re.compile(r"多少|几[个户人名家所处台次条项年月天亩]|百分之|比例|比重|占比|率|how many|how much|what percentage|what proportion|what share|what (?:is|was) the .*(?:rate|number|amount|total|population|standard|area)", re.I)
_MULTI_Q = re.compile(r"分别|各(?:有|是|为|达到|多少)|respectively|[和与及、，,].{0,20}多少.{0,20}多少|多少.{1,30}[，,、和与].{0,20}多少|both", re.I)

# the unit a noun in the question implies when it asks "是多少"
NOUN_UNITS = [
    (re.compile(r"发生率|比例|比重|占比|覆盖率|普及率|达标率|入学率|增长率|增速|率|百分|percent|rate|proportion|share", re.I), "%"),
    (re.compile(r"贫困户|户数|农户|households?|families", re.I), "户"),
    (re.compile(r"人口|人数|群众|劳动力|人员|干部|学生|教师|医生|people|persons?|population|workers?|cadres?", re.I), "人"),
    (re.compile(r"贫困村|行政村|村|乡镇|项目|villages?|projects?", re.I), "个"),
    (re.compile(r"资金|收入|投资|投入|金额|补助|补贴|标准.*元|元|钱|yuan|money|funds?|income|investment|subsid", re.I), "元"),
    (re.compile(r"面积|亩|mu\b|area", re.I), "亩"),
    (re.compile(r"公里|千米|里程|kilomet", re.I), "千米"),
]
UNIT_FAMILY = {
    "户": {"户", "万户", "户次"},
    "人": {"人", "万人", "名", "人次"},
    "个": {"个", "处", "家", "所", "项", "座", "条"},
    "元": {"元", "万元", "亿元"},
    "%": {"%", "％"},
    "亩": {"亩", "平方千米", "平方公里"},
    "千米": {"千米", "公里"},
}
_PLACE = re.compile(r"^[\u4e00-\u9fff]{1,6}(?:县|市|州|乡|镇|村|区|省)$")
_GENERIC_PLACE = {"全县", "全市", "全州", "全省", "该县", "本县", "我县", "各县", "县市", "乡镇", "行政村", "贫困村", "贫困县", "全村", "各乡", "县区", "市县", "州县", "中县", "的县"}


def _unit_family(unit: str | None) -> str | None:
    if not unit:
        return None
    unit = unit.replace("％", "%")
    for fam, members in UNIT_FAMILY.items():
        if unit in members or unit == fam:
            return fam
    return unit


@dataclass
class QuestionInfo:
    text: str
    script: str
    terms: list[str]
    years: list[str]
    places: list[str]
    numeric: bool
    multi: bool
    units: list[str]  # asked unit families, in question order
    parts: list[tuple[list[str], str | None]]  # (terms, unit) per part of a multi-part question


def analyze_question(question: str) -> QuestionInfo:
    script = question_script(question)
    q = nfkc(question)
    search_text = translate_query(q) if script == "en" else q
    terms = list(dict.fromkeys(tokenize(search_text)))
    years = _YEAR.findall(q)
    places = [t for t in terms if _PLACE.match(t) and t not in _GENERIC_PLACE]
    numeric = bool(_NUMERIC_Q.search(q))
    units = [_unit_family(u) for u in _ASK_UNIT.findall(to_simplified(q))]
    multi = bool(_MULTI_Q.search(q))
    # parts: split at conjunctions and commas; each part keeps its own terms and unit
    parts: list[tuple[list[str], str | None]] = []
    if multi:
        segs = [s for s in re.split(r"[，,、；;？?]|和|与|以及|及|and", search_text) if s.strip()]
        for seg in segs:
            seg_terms = [t for t in tokenize(seg) if t not in years]
            m = _ASK_UNIT.search(to_simplified(seg))
            unit = _unit_family(m.group(1)) if m else None
            if unit is None:
                for pat, u in NOUN_UNITS:
                    if pat.search(seg if script != "en" else seg + " " + search_text):
                        unit = u
                        break
            if seg_terms or unit:
                parts.append((seg_terms, unit))
        # glue parts that carry no content term to the previous one
        merged: list[tuple[list[str], str | None]] = []
        for t, u in parts:
            content = [x for x in t if not x.isdigit()]
            if merged and not content:
                merged[-1] = (merged[-1][0] + t, merged[-1][1] or u)
            else:
                merged.append((t, u))
        parts = merged
        if len([p for p in parts if p[1] or p[0]]) < 2:
            multi = False
    if numeric and not units:
        head = re.split(r"是多少|为多少|有多少|多少|几|how many|how much|what", q, maxsplit=1, flags=re.I)
        probe = head[0] if head and head[0].strip() else q
        for pat, u in NOUN_UNITS:
            if pat.search(probe) or (script == "en" and pat.search(q)):
                units = [u]
                break
    return QuestionInfo(question, script, terms, years, places, numeric, multi, units, parts)


# ---------------------------------------------------------------- the reader


@dataclass
class _Sentence:
    passage: int  # index into passages
    text: str
    start: int  # offset in passage text
    tokens: set[str]
    prev_tokens: set[str]
    numbers: list[tuple[str, str | None]]  # (raw figure with unit, unit family)


def _numbers(text: str) -> list[tuple[str, str | None, int, int]]:
    out = []
    for m in _NUM_UNIT.finditer(nfkc(text)):
        raw = m.group(0).strip()
        if not raw:
            continue
        unit = m.group(3)
        if m.group(2) and unit in ("户", "人", "元"):
            unit = m.group(2) + unit
        out.append((raw, _unit_family(unit), m.start(), m.end()))
    return out


_CLAUSE_SPLIT = re.compile(r"(?<=[，,；;：:])")
_LIST_SPLIT = re.compile(r"(?<=[，,；;：:、])")


class OfflineReader:
    """Extractive, cited answers with calibrated refusal; needs no LLM.

    ``run(question, passages) -> Answer``. Looks at the top ``max_passages``
    passages, scores every sentence by IDF-weighted coverage of the question's
    terms (the sentence before it and the passage's heading path count at a
    discount), the asked unit, years and places, and answers with the best
    clause (one per part for multi-part questions), cited.
    """

    name = "offline"

    def __init__(self, max_passages: int = 6, min_coverage: float = 0.45, max_chars: int = 100):
        self.max_passages = max_passages
        self.min_coverage = min_coverage
        self.max_chars = max_chars

    # ------------------------------------------------------------ scoring helpers
    @staticmethod
    def _idf(sentences: list[_Sentence], terms: list[str]) -> dict[str, float]:
        n = len(sentences) or 1
        out = {}
        for t in terms:
            df = sum(1 for s in sentences if t in s.tokens)
            out[t] = math.log(1 + n / (1 + df)) * (1.0 if df else 1.6)
        return out

    def _sentences(self, passages: list[Passage]) -> list[_Sentence]:
        out = []
        for pi, p in enumerate(passages):
            prev: set[str] = set()
            for i, j in split_sentences(p.text):
                text = p.text[i:j]
                if not text.strip():
                    continue
                toks = set(tokenize(text))
                nums = [(raw, fam) for raw, fam, _, _ in _numbers(text)]
                out.append(_Sentence(pi, text, i, toks, prev, nums))
                prev = toks
        return out

    def _coverage(self, terms: list[str], idf: dict[str, float], s: _Sentence, ctx: set[str]) -> float:
        total = sum(idf[t] for t in terms) or 1.0
        got = 0.0
        for t in terms:
            if t in s.tokens:
                got += idf[t]
            elif t in s.prev_tokens or t in ctx:
                got += 0.6 * idf[t]
        return got / total

    # ------------------------------------------------------------ main entry
    def run(self, question: str, passages: list[Passage]) -> Answer:
        t0 = time.perf_counter()
        info = analyze_question(question)
        passages = list(passages)
        use = passages[: self.max_passages]
        ans = self._answer(info, use)
        ans.passages = passages
        ans.timings["read_ms"] = (time.perf_counter() - t0) * 1000
        return ans

    def _refuse(self, info: QuestionInfo, reason: str) -> Answer:
        detail = "" if info.script == "en" else ""
        a = Answer(question=info.text, answer=refusal_text(info.script, detail), refused=True, backend=self.name)
        a.warnings.append(f"refused: {reason}")
        return a

    def _answer(self, info: QuestionInfo, passages: list[Passage]) -> Answer:
        if not passages:
            return self._refuse(info, "no passage retrieved")
        sents = self._sentences(passages)
        if not sents:
            return self._refuse(info, "no text in the retrieved passages")
        terms = [t for t in info.terms if t not in info.years] or info.terms
        idf = self._idf(sents, terms)
        ctx_tokens = [set(tokenize(f"{p.title or ''} {p.section or ''}")) for p in passages]
        doc_text = {}
        for p in passages:
            doc_text.setdefault(p.doc, []).append(to_simplified(nfkc(f"{p.title or ''} {p.section} {p.text}")))

        # places named in the question must occur in the document the answer comes from
        def places_ok(p: Passage) -> bool:
            blob = " ".join(doc_text.get(p.doc, []))
            for place in info.places:
                stem = place[:-1] if len(place) >= 3 else place
                if place not in blob and stem not in blob:
                    return False
            return True

        scored = []
        for s in sents:
            p = passages[s.passage]
            cov = self._coverage(terms, idf, s, ctx_tokens[s.passage])
            score = cov + 0.08 / (1 + s.passage)
            fam_units = {f for _, f in s.numbers}
            if info.numeric:
                if info.units and any(u in fam_units for u in info.units):
                    score += 0.25
                elif s.numbers:
                    score += 0.05
                else:
                    score -= 0.3
            chunk_blob = to_simplified(nfkc(p.section + p.text))
            for y in info.years:
                if y in s.text:
                    score += 0.1
                elif y not in chunk_blob:
                    score -= 0.3
            scored.append((score, cov, s))
        scored.sort(key=lambda x: -x[0])

        best = None
        reasons = []
        for score, cov, s in scored[:12]:
            p = passages[s.passage]
            if not places_ok(p):
                reasons.append("a place named in the question is not in the passages")
                continue
            chunk_blob = to_simplified(nfkc(p.section + p.text))
            if any(y not in chunk_blob for y in info.years):
                reasons.append("a year named in the question is not in the passages")
                continue
            if cov < self.min_coverage:
                reasons.append(f"too little of the question matched (coverage {cov:.2f})")
                continue
            if info.numeric and info.units and not info.multi and not any(f in info.units for _, f in s.numbers):
                reasons.append(f"no figure in {'/'.join(info.units)} where the question's terms are")
                continue
            if info.numeric and not s.numbers and not info.multi:
                reasons.append("no figure where the question's terms are")
                continue
            best = (score, cov, s)
            break
        if best is None:
            return self._refuse(info, reasons[0] if reasons else "no supporting sentence")

        _, cov, s = best
        p = passages[s.passage]
        if info.multi and info.parts:
            picks = self._pick_parts(info, idf, scored, s, passages)
        else:
            picks = [(s, self._pick_clause(info, terms, idf, s))]
        return self._compose(info, passages, picks, cov)

    def _clauses(self, s: _Sentence, numeric: bool) -> list[tuple[int, int]]:
        splitter = _LIST_SPLIT if numeric else _CLAUSE_SPLIT
        spans, pos = [], 0
        for piece in splitter.split(s.text):
            if piece:
                spans.append((pos, pos + len(piece)))
                pos += len(piece)
        return spans or [(0, len(s.text))]

    def _pick_clause(self, info: QuestionInfo, terms: list[str], idf: dict[str, float], s: _Sentence, unit: str | None = None, exclude: set = frozenset()) -> tuple[int, int]:
        units = [unit] if unit else info.units
        spans = self._clauses(s, info.numeric)
        best, best_score = spans[0], -1e9
        total = sum(idf.get(t, 1.0) for t in terms) or 1.0
        for k, (i, j) in enumerate(spans):
            if (i, j) in exclude:
                continue
            text = s.text[i:j]
            toks = set(tokenize(text))
            sc = sum(idf.get(t, 1.0) for t in terms if t in toks) / total
            nums = _numbers(text)
            if info.numeric:
                if units and any(f in units for _, f, _, _ in nums):
                    sc += 1.0
                elif nums:
                    sc += 0.2
            for y in info.years:
                if y in text:
                    sc += 0.05
            sc -= 0.001 * k
            if sc > best_score:
                best, best_score = (i, j), sc
        i, j = best
        # a bare figure needs its subject: widen to the clause before when too short
        if j - i < 8 and best != spans[0]:
            k = spans.index(best)
            i = spans[k - 1][0]
        return self._trim(s.text, i, j)

    def _trim(self, text: str, i: int, j: int) -> tuple[int, int]:
        # strip leading/trailing punctuation and cap the length around the first figure
        while i < j and text[i] in "，,；;：:、。 “”\"'（）()":
            if text[i] in "“(（" and any(c in text[i:j] for c in "”)）"):
                break
            i += 1
        while j > i and text[j - 1] in "，,；;：:、。 ":
            j -= 1
        if j - i > self.max_chars:
            m = re.search(r"\d", text[i:j])
            c = i + (m.start() if m else 0)
            i = max(i, c - self.max_chars // 2)
            j = min(j, i + self.max_chars)
        return i, j

    def _pick_parts(self, info, idf, scored, first: _Sentence, passages) -> list[tuple[_Sentence, tuple[int, int]]]:
        picks: list[tuple[_Sentence, tuple[int, int]]] = []
        used: set[tuple[int, int, int]] = set()
        for terms, unit in info.parts:
            part_terms = [t for t in terms if t in idf] or terms
            pidf = {**idf, **{t: idf.get(t, 1.0) for t in part_terms}}
            cands = []
            for _, _, s in scored[:15]:
                total = sum(pidf.get(t, 1.0) for t in part_terms) or 1.0
                cov = sum(pidf.get(t, 1.0) for t in part_terms if t in s.tokens) / total
                has_unit = unit is not None and any(f == unit for _, f in s.numbers)
                cands.append((cov + (0.5 if has_unit else 0) + (0.3 if s is first else 0), s))
            cands.sort(key=lambda x: -x[0])
            for _, s in cands[:3]:
                span = self._pick_clause(info, part_terms, pidf, s, unit=unit, exclude={(a, b) for (pi, a, b) in used if pi == id(s)})
                key = (id(s), span[0], span[1])
                if key not in used:
                    used.add(key)
                    picks.append((s, span))
                    break
        # drop exact duplicates and keep document order inside a sentence
        out, seen = [], set()
        for s, span in picks:
            key = (id(s), span)
            if key not in seen:
                seen.add(key)
                out.append((s, span))
        return out or [(first, self._pick_clause(info, info.terms, idf, first))]

    def _compose(self, info: QuestionInfo, passages: list[Passage], picks, cov: float) -> Answer:
        citations: list[Citation] = []
        cite_no: dict[int, int] = {}
        parts_text: list[str] = []
        # merge picks from the same sentence into one contiguous span when they touch
        merged: list[tuple[_Sentence, tuple[int, int]]] = []
        for s, (i, j) in picks:
            if merged and merged[-1][0] is s:
                a, b = merged[-1][1]
                gap = s.text[min(b, j) : max(a, i)] if (i >= b or a >= j) else ""
                if len(gap) <= 12:
                    merged[-1] = (s, (min(a, i), max(b, j)))
                    continue
            merged.append((s, (i, j)))
        for s, (i, j) in merged:
            p = passages[s.passage]
            quote = s.text[i:j]
            if s.passage not in cite_no:
                cite_no[s.passage] = len(cite_no) + 1
                citations.append(
                    Citation(
                        n=cite_no[s.passage], doc=p.doc, chunk_id=p.chunk_id, section=p.section, text=p.text,
                        quote=quote, page=p.page, start=s.start + i,
                    )
                )
            else:
                c = citations[cite_no[s.passage] - 1]
                if quote not in c.quote:
                    c.quote = f"{c.quote} … {quote}"
            shown = quote if info.script == "en" else in_script(quote, info.script)
            parts_text.append(f"{shown}[{cite_no[s.passage]}]")
        if info.script == "en":
            body = "; ".join(f"“{t[: t.rindex('[')]}”{t[t.rindex('['):]}" for t in parts_text)
            docs = ", ".join(dict.fromkeys(c.doc for c in citations))
            answer = f"{body} (in {docs})"
        else:
            answer = "；".join(parts_text)
        return Answer(question=info.text, answer=answer, refused=False, citations=citations, backend=self.name)
