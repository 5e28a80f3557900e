"""Features of answer candidates, computed for all candidates at once with numpy.

For a question (or one part of a multi-part question) and the sentences the reader kept, every
candidate span gets one row of :data:`FEATURES`:

* how well its sentence, clause, passage and heading path cover the question's terms (IDF-weighted,
  script-blind through :func:`rag.lexical.tokenize`), and how near the matched terms are to the span;
* whether the question's words before the wh-word stand just before the span and those after it just
  after (a sentence that repeats the question has its answer where the wh-word is);
* whether the span repeats question words (answers rarely do), its length, kinds and part of speech;
* whether its type and unit family are what the question asks for, and the year / name constraints;
* the passage's retrieval rank and fused score.

Example::

    >>> from rag.reader.features import FEATURES, CATEGORICAL
    >>> len(FEATURES) > 50, set(CATEGORICAL) <= set(FEATURES)
    (True, True)
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from ..lexical import tokenize
from ..types import Passage
from .candidates import KINDS, Candidate
from .numbers import UNITS
from .question import ATYPES, UNIT_FAMILIES, Question
from .text import Sentence

POS_CODES = {f: i for i, f in enumerate(
    "n nr nrt nrfg ns nt nz nw vn v vd vshi vyou a ad an d m q mq t tg s f b r p c u uj ul uv uz ug ud y e o x eng j l i ng zg h k g".split(), start=1)}

_CLAUSE_PUNCT = set("，,；;：:。！？!?…")
_PUNCT = set("，,；;：:。！？!?…、（）()《》“”\"'‘’「」『』【】[]〈〉—-·/ ")
_NAME = {"nr", "nrt", "nrfg", "ns", "nt", "nz", "eng"}
_NOUN = {"n", "nr", "nrt", "nrfg", "ns", "nt", "nz", "nw", "vn", "eng", "j", "l", "ng", "an", "s", "t", "tg"}
_VERB = {"v", "vd", "vshi", "vyou", "vg", "vq"}
_DIGIT = re.compile(r"[0-9零〇一二两三四五六七八九十百千万亿]")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
WINDOW = 10

FEATURES = [
    # passage
    "p_rank", "p_score_rel", "p_dense_rank", "p_bm25_rank", "p_cov", "p_ctx_cov", "p_ent", "p_year",
    # sentence
    "s_cov", "s_cov_ctx", "s_cov_prev", "s_cov_rank", "s_cov_gap", "s_index", "s_len", "s_ent", "s_year", "s_other_year",
    "s_n_figs_fam", "s_has_unit_fig",
    # clause
    "c_cov", "c_len",
    # span
    "len_chars", "len_words", "q_chars", "q_term_in", "name_frac", "noun_frac", "verb_frac", "digit_frac", "punct_frac",
    "n_dun", "first_pos", "last_pos", "prev_pos", "next_pos", "on_words", "is_clause", "is_sent", "span_frac_sent",
    *[f"k_{k}" for k in KINDS],
    "fam", "fam_match", "fam_any", "head_end", "head_in", "head_next", "quoted_in", "counted_near", "concept_near",
    # alignment with the question around its wh-word
    "left_l", "left_q", "right_r", "right_q", "left_r", "right_l", "adj_left", "adj_right", "dist_left", "dist_right",
    "prox_cov", "prox_cov_l", "prox_cov_r", "lsuf", "rpre", "lsuf_loose", "rpre_loose",

    # question
    "q_atype", "q_unit", "q_has_head", "q_wh_pos", "q_len", "q_terms", "q_en",
]
CATEGORICAL = ["first_pos", "last_pos", "prev_pos", "next_pos", "fam", "q_atype", "q_unit"]
_F = {name: i for i, name in enumerate(FEATURES)}
KIND_BIT = {k: i for i, k in enumerate(KINDS)}


@dataclass
class Context:
    """What the features need besides the candidates: the passages and the sentences kept."""

    passages: list[Passage]
    sentences: list[Sentence]
    sent_tokens: list[set[str]]
    passage_tokens: list[set[str]]
    ctx_tokens: list[set[str]]  # heading path and title of each passage
    passage_norm: list[str]
    ctx_norm: list[str]
    idf: dict[str, float] = field(default_factory=dict)


def idf_weights(terms: list[str], token_sets: list[set[str]]) -> dict[str, float]:
    """IDF of each term over the sentences in play; a term no sentence has weighs the most."""
    n = max(1, len(token_sets))
    out = {}
    for t in terms:
        df = sum(1 for s in token_sets if t in s)
        w = math.log(1.0 + n / (1.0 + df))
        if len(t) == 1 and not t.isdigit():
            w *= 0.5  # a single character says little
        out[t] = w
    return out


def coverage(terms: list[str], idf: dict[str, float], tokens: set[str]) -> float:
    total = sum(idf.get(t, 1.0) for t in terms)
    if not total:
        return 0.0
    return sum(idf.get(t, 1.0) for t in terms if t in tokens) / total


def _occurrences(norm: str, term: str) -> list[int]:
    out, pos = [], 0
    while True:
        i = norm.find(term, pos)
        if i < 0:
            return out
        out.append(i)
        pos = i + 1


_NUM_PREFIX = re.compile(r"(?:前|后|第|首|约|近|共|达|有|为|是)$")
_UNIT_HEAD = re.compile(rf"^\s*(?:万|亿|千|百)?\s*(?:{'|'.join(re.escape(u) for u in UNITS)})")
_FUNC_TAIL = re.compile(r"(?:是|的|为|在|有|于|了|即|乃|叫|称|称为|叫做|被称为|就是|则是|又称|为了)+$")
_FUNC_HEAD = re.compile(r"^(?:的|是|了|呢|吗|之|所)+")


def _common_suffix(a: str, b: str, cap: int = 12) -> int:
    n = 0
    while n < cap and n < len(a) and n < len(b) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_prefix(a: str, b: str, cap: int = 12) -> int:
    n = 0
    while n < cap and n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


def _side_terms(q: Question) -> tuple[list[str], list[str]]:
    if q.wh_start < 0:
        return q.terms, []
    left = set(tokenize(q.left)) if q.left else set()
    right = set(tokenize(q.right)) if q.right else set()
    return [t for t in q.terms if t in left], [t for t in q.terms if t in right and t not in left]


def build(q: Question, ctx: Context, cands: list[tuple[int, Candidate]]) -> np.ndarray:
    """One row of :data:`FEATURES` per ``(sentence number in ctx.sentences, candidate)``."""
    n = len(cands)
    X = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if not n:
        return X
    sents = ctx.sentences
    terms = [t for t in q.terms if t]
    idf = {t: ctx.idf.get(t, 1.0) for t in terms}
    total_w = sum(idf.values()) or 1.0
    tl, tr = _side_terms(q)
    wl = sum(idf[t] for t in tl) or 1.0
    wr = sum(idf[t] for t in tr) or 1.0
    ml_terms, mr_terms = set(tl), set(tr)

    # ---- one long char axis over the kept sentences
    offs = np.zeros(len(sents) + 1, dtype=np.int64)
    for k, s in enumerate(sents):
        offs[k + 1] = offs[k] + len(s.norm)
    L = int(offs[-1])
    mq = np.zeros(L + 1, dtype=np.float32)
    ml = np.zeros(L + 1, dtype=np.float32)
    mr = np.zeros(L + 1, dtype=np.float32)
    name = np.zeros(L + 1, dtype=np.float32)
    noun = np.zeros(L + 1, dtype=np.float32)
    verb = np.zeros(L + 1, dtype=np.float32)
    digit = np.zeros(L + 1, dtype=np.float32)
    punct = np.zeros(L + 1, dtype=np.float32)
    sent_of = np.zeros(L + 1, dtype=np.int64)
    wstart = np.zeros(L + 1, dtype=np.float32)
    code_start = np.zeros(L + 1, dtype=np.int64)  # POS code of the word starting at a char (0: none)
    code_end = np.zeros(L + 1, dtype=np.int64)  # POS code of the word ending just before a char
    occ: dict[str, list[tuple[int, int]]] = {t: [] for t in terms}
    clause_id = np.zeros(L + 1, dtype=np.int64)
    clause_cov: list[float] = []
    clause_len: list[int] = []
    cid = 0
    for k, s in enumerate(sents):
        o = int(offs[k])
        sent_of[o : o + len(s.norm)] = k
        for t in terms:
            if len(t) < 2 and not t.isdigit():
                continue
            for i in _occurrences(s.norm, t):
                w = idf[t] / total_w
                occ[t].append((o + i, o + i + len(t)))
                mq[o + i : o + i + len(t)] = np.maximum(mq[o + i : o + i + len(t)], w)
                if t in ml_terms:
                    ml[o + i : o + i + len(t)] = np.maximum(ml[o + i : o + i + len(t)], idf[t] / wl)
                if t in mr_terms:
                    mr[o + i : o + i + len(t)] = np.maximum(mr[o + i : o + i + len(t)], idf[t] / wr)
        for w in s.words:
            code = POS_CODES.get(w.flag, 0) or len(POS_CODES) + 1
            wstart[o + w.start] = 1
            code_start[o + w.start] = code
            code_end[o + w.end] = code
            seg = slice(o + w.start, o + w.end)
            if w.flag in _NAME:
                name[seg] = 1
            if w.flag in _NOUN:
                noun[seg] = 1
            if w.flag in _VERB:
                verb[seg] = 1
        for i, ch in enumerate(s.norm):
            if ch in _PUNCT or ch.isspace():
                punct[o + i] = 1
            elif _DIGIT.match(ch):
                digit[o + i] = 1
        # clauses of this sentence, with their own coverage
        a = 0
        for i, ch in enumerate(s.norm + "。"):
            if ch in _CLAUSE_PUNCT or i == len(s.norm):
                toks = set(tokenize(s.norm[a : i + 1])) if i + 1 > a else set()
                clause_id[o + a : o + min(i + 1, len(s.norm))] = cid
                clause_cov.append(sum(idf[t] for t in terms if t in toks) / total_w)
                clause_len.append(i + 1 - a)
                cid += 1
                a = i + 1
                if i >= len(s.norm):
                    break
    cq, cl, cr = (np.concatenate([[0.0], np.cumsum(m[:L])]) for m in (mq, ml, mr))
    cname, cnoun, cverb, cdigit, cpunct, cword = (np.concatenate([[0.0], np.cumsum(m[:L])]) for m in (name, noun, verb, digit, punct, wstart))
    matched = mq[:L] > 0
    idx = np.arange(L)
    last_m = np.maximum.accumulate(np.where(matched, idx, -1)) if L else np.zeros(0, dtype=np.int64)
    next_m = (np.minimum.accumulate(np.where(matched, idx, L)[::-1])[::-1]) if L else np.zeros(0, dtype=np.int64)

    # ---- sentence and passage level
    s_cov = np.array([coverage(terms, idf, toks) for toks in ctx.sent_tokens], dtype=np.float32)
    s_cov_ctx = np.array([coverage(terms, idf, toks | ctx.ctx_tokens[s.passage]) for s, toks in zip(sents, ctx.sent_tokens)], dtype=np.float32)
    prev_tokens = []
    for k, s in enumerate(sents):
        prev = ctx.sent_tokens[k - 1] if k > 0 and sents[k - 1].passage == s.passage and sents[k - 1].index == s.index - 1 else set()
        prev_tokens.append(prev)
    s_cov_prev = np.array([coverage(terms, idf, toks | prev) for toks, prev in zip(ctx.sent_tokens, prev_tokens)], dtype=np.float32)
    order = np.argsort(-s_cov_ctx, kind="stable")
    s_rank = np.empty(len(sents), dtype=np.float32)
    s_rank[order] = np.arange(len(sents))
    best = float(s_cov_ctx.max()) if len(sents) else 0.0
    p_cov = [coverage(terms, idf, toks) for toks in ctx.passage_tokens]
    p_ctx = [coverage(terms, idf, toks) for toks in ctx.ctx_tokens]
    top_score = max((p.score for p in ctx.passages), default=1.0) or 1.0
    ents = [e for e in q.entities if len(e) >= 2]

    def frac_in(items: list[str], text: str) -> float:
        if not items:
            return -1.0
        return sum(1 for e in items if e in text) / len(items)

    p_ent = [frac_in(ents, ctx.passage_norm[i] + ctx.ctx_norm[i]) for i in range(len(ctx.passages))]
    p_year = [frac_in(q.years, ctx.passage_norm[i] + ctx.ctx_norm[i]) for i in range(len(ctx.passages))]
    s_ent = [frac_in(ents, s.norm) for s in sents]
    s_year = [frac_in(q.years, s.norm) for s in sents]
    s_other_year = [float(bool(set(_YEAR.findall(s.norm)) - set(q.years))) if q.years else -1.0 for s in sents]

    # ---- candidate arrays
    S = np.array([offs[k] + c.start for k, c in cands], dtype=np.int64)
    E = np.array([offs[k] + c.end for k, c in cands], dtype=np.int64)
    K = np.array([k for k, _ in cands], dtype=np.int64)
    P = np.array([sents[k].passage for k, _ in cands], dtype=np.int64)
    ln = (E - S).astype(np.float32)
    sent_start = offs[K]
    sent_end = offs[K + 1]

    def col(name_: str, values) -> None:
        X[:, _F[name_]] = values

    col("p_rank", [ctx.passages[p].rank for p in P])
    col("p_score_rel", [ctx.passages[p].score / top_score for p in P])
    col("p_dense_rank", [ctx.passages[p].dense_rank or 99 for p in P])
    col("p_bm25_rank", [ctx.passages[p].bm25_rank or 99 for p in P])
    col("p_cov", [p_cov[p] for p in P])
    col("p_ctx_cov", [p_ctx[p] for p in P])
    col("p_ent", [p_ent[p] for p in P])
    col("p_year", [p_year[p] for p in P])
    col("s_cov", s_cov[K])
    col("s_cov_ctx", s_cov_ctx[K])
    col("s_cov_prev", s_cov_prev[K])
    col("s_cov_rank", s_rank[K])
    col("s_cov_gap", best - s_cov_ctx[K])
    col("s_index", [sents[k].index for k in K])
    col("s_len", (sent_end - sent_start).astype(np.float32))
    col("s_ent", [s_ent[k] for k in K])
    col("s_year", [s_year[k] for k in K])
    col("s_other_year", [s_other_year[k] for k in K])
    fams = [c.family for _, c in cands]
    want = q.unit
    fam_in_sent: dict[int, int] = {}
    unit_fig_in_sent: dict[int, int] = {}
    for (k, c), fam in zip(cands, fams):
        if "fig" in c.kinds and fam:
            unit_fig_in_sent[k] = 1
            if want and fam == want:
                fam_in_sent[k] = fam_in_sent.get(k, 0) + 1
    col("s_n_figs_fam", [fam_in_sent.get(k, 0) for k in K])
    col("s_has_unit_fig", [unit_fig_in_sent.get(k, 0) for k in K])
    cidx = clause_id[np.minimum(S, L - 1)]
    col("c_cov", [clause_cov[c] for c in cidx])
    col("c_len", [clause_len[c] for c in cidx])
    col("len_chars", ln)
    col("len_words", cword[E] - cword[S])
    col("q_chars", (cq[E] - cq[S]) / np.maximum(ln, 1))
    q_in = np.zeros(n, dtype=np.float32)
    for t in terms:
        spans = occ.get(t) or []
        if len(t) < 2 or not spans:
            continue
        hit = np.zeros(n, dtype=bool)
        for a, b in spans:
            hit |= (S <= a) & (E >= b)
        q_in += hit * (idf[t] / total_w)
    col("q_term_in", q_in)
    col("name_frac", (cname[E] - cname[S]) / np.maximum(ln, 1))
    col("noun_frac", (cnoun[E] - cnoun[S]) / np.maximum(ln, 1))
    col("verb_frac", (cverb[E] - cverb[S]) / np.maximum(ln, 1))
    col("digit_frac", (cdigit[E] - cdigit[S]) / np.maximum(ln, 1))
    col("punct_frac", (cpunct[E] - cpunct[S]) / np.maximum(ln, 1))
    col("n_dun", [sents[k].norm[c.start : c.end].count("、") for k, c in cands])
    col("first_pos", code_start[S])
    col("last_pos", code_end[E])
    edge = len(POS_CODES) + 2  # the span starts / ends its sentence
    col("prev_pos", np.where(S > sent_start, code_end[S], edge))
    col("next_pos", np.where(E < sent_end, code_start[np.minimum(E, L)], edge))
    col("on_words", [float(c.w0 >= 0 and c.w1 >= 0) for _, c in cands])
    col("is_clause", [float("clause" in c.kinds) for _, c in cands])
    col("is_sent", [float("sent" in c.kinds) for _, c in cands])
    col("span_frac_sent", ln / np.maximum((sent_end - sent_start).astype(np.float32), 1))
    bits = np.array([sum(1 << KIND_BIT[k] for k in c.kinds) for _, c in cands], dtype=np.int64)
    for kind in KINDS:
        col(f"k_{kind}", (bits >> KIND_BIT[kind]) & 1)
    fam_codes = {f: i for i, f in enumerate(UNIT_FAMILIES, start=1)}
    col("fam", [fam_codes.get(f or "", 0) for f in fams])
    # a count of things (多少个) may be answered in any counting unit (个, 家, 人, 户 …)
    col("fam_match", [(-1.0 if not want else float(f == want or (want == "count" and f in ("count", "人", "户")))) for f in fams])
    col("fam_any", [float(bool(f)) for f in fams])
    head = q.head or ""
    he, hi, hn, qi = [], [], [], []
    for k, c in cands:
        norm = sents[k].norm
        span = norm[c.start : c.end]
        if head:
            he.append(float(span.endswith(head) or (len(head) >= 2 and span.endswith(head[-1]) and len(span) > 1)))
            hi.append(float(head in span))
            hn.append(float(norm[c.end : c.end + len(head)] == head))
        else:
            he.append(-1.0)
            hi.append(-1.0)
            hn.append(-1.0)
        qi.append(float(any(x in span for x in q.quoted)) if q.quoted else -1.0)
    if q.counted:
        tail2 = q.counted[-2:]
        col("counted_near", [float(tail2 in sents[k].norm[max(0, c.start - 12) : c.end + 12]) for k, c in cands])
    else:
        col("counted_near", -1.0)
    if q.concept:
        col("concept_near", [float(q.concept in sents[k].norm) for k, _ in cands])
    else:
        col("concept_near", -1.0)
    col("head_end", he)
    col("head_in", hi)
    col("head_next", hn)
    col("quoted_in", qi)

    # ---- alignment: the question's words before / after its wh-word around the span
    lo = np.maximum(S - WINDOW, sent_start)
    hi_ = np.minimum(E + WINDOW, sent_end)
    col("left_l", (cl[S] - cl[lo]) / WINDOW)
    col("left_q", (cq[S] - cq[lo]) / WINDOW)
    col("right_r", (cr[hi_] - cr[E]) / WINDOW)
    col("right_q", (cq[hi_] - cq[E]) / WINDOW)
    col("left_r", (cr[S] - cr[lo]) / WINDOW)
    col("right_l", (cl[hi_] - cl[E]) / WINDOW)

    nonp = punct[:L] == 0
    prev_np = np.maximum.accumulate(np.where(nonp, idx, -1)) if L else np.zeros(0, dtype=np.int64)
    next_np = (np.minimum.accumulate(np.where(nonp, idx, L)[::-1])[::-1]) if L else np.zeros(0, dtype=np.int64)
    j = np.where(S > 0, prev_np[np.maximum(S - 1, 0)], -1)
    adj_l = (j >= sent_start) & (mq[np.maximum(j, 0)] > 0)
    m_ = np.where(E < L, next_np[np.minimum(E, L - 1)], L)
    adj_r = (m_ < sent_end) & (mq[np.minimum(m_, L)] > 0)
    lm = np.where(S > 0, last_m[np.maximum(S - 1, 0)], -1)
    dl = np.where(lm >= sent_start, S - lm, 60).astype(np.float32)
    nm = np.where(E < L, next_m[np.minimum(E, L - 1)], L)
    dr = np.where(nm < sent_end, nm - E + 1, 60).astype(np.float32)
    col("adj_left", adj_l)
    col("adj_right", adj_r)
    col("dist_left", dl)
    col("dist_right", dr)
    # proximity-weighted coverage: each question term counts by how near its nearest occurrence is
    prox = np.zeros(n, dtype=np.float32)
    prox_l = np.zeros(n, dtype=np.float32)
    prox_r = np.zeros(n, dtype=np.float32)
    for t in terms:
        spans = occ.get(t) or []
        if not spans:
            continue
        st = np.array([a for a, _ in spans], dtype=np.int64)
        en = np.array([b for _, b in spans], dtype=np.int64)
        so = sent_of[st]
        d = np.full(n, 1e9, dtype=np.float64)
        for a, b, sk in zip(st, en, so):
            same = K == sk
            dist = np.where(b <= S, S - b, np.where(a >= E, a - E, 0))
            d = np.where(same, np.minimum(d, dist), d)
        w = np.exp(-d / 12.0).astype(np.float32)
        prox += w * idf[t] / total_w
        if t in ml_terms:
            prox_l += w * idf[t] / wl
        if t in mr_terms:
            prox_r += w * idf[t] / wr
    col("prox_cov", prox)
    col("prox_cov_l", prox_l)
    col("prox_cov_r", prox_r)

    # exact character alignment: the question's text just before its wh-word ends where the span
    # starts, and the text after the wh-word begins where the span ends (…即算为什么 / …即算为踢爆)
    left_q = q.left.rstrip(" ?？。") if q.wh_start >= 0 else ""
    right_q = q.right.rstrip(" ?？。！!") if q.wh_start >= 0 else ""
    if q.atype == "number":  # 前几位 / 多少名观众: the prefix and the unit belong to the figure, not to its context
        left_q = _NUM_PREFIX.sub("", left_q)
        right_q = _UNIT_HEAD.sub("", right_q)
    left_loose = _FUNC_TAIL.sub("", left_q)
    right_loose = _FUNC_HEAD.sub("", right_q)
    cache_l: dict[tuple[int, int], tuple[int, int]] = {}
    cache_r: dict[tuple[int, int], tuple[int, int]] = {}
    ls, rp, lsl, rpl = (np.zeros(n, dtype=np.float32) for _ in range(4))
    for idx_, (k, c) in enumerate(cands):
        norm = sents[k].norm
        key = (k, c.start)
        if key not in cache_l:
            before = norm[: c.start]
            cache_l[key] = (_common_suffix(left_q, before), _common_suffix(left_loose, _FUNC_TAIL.sub("", before)))
        key2 = (k, c.end)
        if key2 not in cache_r:
            after = norm[c.end :]
            cache_r[key2] = (_common_prefix(right_q, after), _common_prefix(right_loose, _FUNC_HEAD.sub("", after)))
        ls[idx_], lsl[idx_] = cache_l[key]
        rp[idx_], rpl[idx_] = cache_r[key2]
    col("lsuf", ls)
    col("rpre", rp)
    col("lsuf_loose", lsl)
    col("rpre_loose", rpl)

    # ---- the question
    col("q_atype", ATYPES.index(q.atype) if q.atype in ATYPES else 0)
    col("q_unit", fam_codes.get(q.unit or "", 0))
    col("q_has_head", float(bool(q.head)))
    col("q_wh_pos", (q.wh_start / max(1, len(q.norm))) if q.wh_start >= 0 else -1.0)
    col("q_len", len(q.norm))
    col("q_terms", len(terms))
    col("q_en", float(q.script == "en"))
    return X

