"""Lexical matching: a jieba tokenizer that is blind to script and width, and a saved BM25 index.

Documents and queries go through the same ``tokenize``: NFKC, traditional →
simplified (OpenCC), lower case, jieba search-mode cut with a domain
dictionary; numbers stay whole (``1268``, ``20.25%``), punctuation and stop
words go.

Example::

    >>> from rag.lexical import BM25, tokenize
    >>> tokenize("貧困戶1268戶")
    ['贫困', '贫困户', '1268', '户']
    >>> bm = BM25.build([tokenize("理塘县贫困户1268户"), tokenize("某市减贫3.84万户")])
    >>> bm.search(tokenize("理塘貧困戶"), 1)[0][0]
    0
"""
from __future__ import annotations

import json
import logging
import re
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import sparse

from .normalize import nfkc, to_simplified

log = logging.getLogger(__name__)

# general words of government and statistical reports that jieba would otherwise cut apart; no names of
# places or programmes of any one document (places come from the indexed documents themselves)
DOMAIN_WORDS = [
    "贫困村", "贫困户", "贫困人口", "贫困发生率", "贫困县", "深度贫困", "脱贫攻坚", "脱贫摘帽", "精准扶贫", "精准脱贫",
    "建档立卡", "易地扶贫搬迁", "两不愁三保障", "三区三州", "五个一批", "六个精准",
    "挂牌督战", "边缘户", "监测户", "未脱贫户", "已脱贫户", "第一书记", "驻村工作队", "农民夜校",
    "产业扶贫", "教育扶贫", "健康扶贫", "生态扶贫", "旅游扶贫", "金融扶贫", "扶贫小额信贷", "公益性岗位", "危房改造",
    "行政村", "乡镇", "地区生产总值", "一般公共预算收入", "人均可支配收入",
]

STOPWORDS = set(
    "的 了 和 与 及 或 是 在 有 为 对 等 把 被 将 以 从 由 于 中 上 下 也 都 就 而 并 其 该 此 这 那 之 "
    "吗 呢 吧 啊 么 什么 多少 几 哪些 哪个 哪 如何 怎么 怎样 是否 有没有 请问 一下 分别 共 总共 一共 "
    "个 年 月 日 到 了 过 着 所 各 每 又 还 再 要 可 能 会 向 给 让 使 当 及其 以及 "
    "多大 多高 多长 多远 多久 多重 几处 几家 几个 哪类 哪种 哪项 哪两个 哪四个 哪一年 哪年 哪天 哪里 什么样 为什么 为何 何时 叫 叫做 称为 "
    "what how many much which who when where is are was were the a an of in on for to and or did do does".split()
)

_KEEP = re.compile(r"\w")
_NUM = re.compile(r"^\d+(?:\.\d+)?%?$")


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    for w in DOMAIN_WORDS:
        jieba.add_word(w, freq=20000, tag="n")
    return jieba


def normalize_for_match(text: str) -> str:
    return to_simplified(nfkc(text)).lower()


def tokenize(text: str) -> list[str]:
    """Tokens for BM25: script- and width-insensitive jieba search-mode cut."""
    if len(text) <= 2000:
        return list(_tokenize_cached(text))
    return _tokenize(text)


@lru_cache(maxsize=65536)
def _tokenize_cached(text: str) -> tuple[str, ...]:
    return tuple(_tokenize(text))


def _tokenize(text: str) -> list[str]:
    jb = _jieba()
    out = []
    for tok in jb.cut_for_search(normalize_for_match(text), HMM=True):
        tok = tok.strip()
        if not tok or not _KEEP.search(tok) or tok in STOPWORDS:
            continue
        if tok.endswith(".") and _NUM.match(tok[:-1]):
            tok = tok[:-1]
        out.append(sys.intern(tok))  # one object per distinct token: a 100k-chunk index holds millions
    return out


_PLACE_STOP = set("的中该全各本我这那哪此其每个多少几县市州区乡镇贫困一二两三四五六七八九十百千万入出进")
_GENERIC_PLACE = {"贫困县", "深度贫困县", "国定贫困县", "行政区", "片区", "城区", "社区", "景区", "园区", "开发区", "小区", "牧区", "农牧区", "灾区", "藏区", "地区", "山区"}
PLACE_SUFFIX = "县市州区乡镇"
_UNIT_WORDS = set("平方千米 平方公里 千米 公里 万元 亿元 元 人次 台次 户次 户 人 个 名 家 所 处 台 次 条 项 座 辆 套 间 头 只 亩 吨 公斤 千克 米 倍 场 批 支 期 天 年 月 日 号".split())
_GENERIC_PLACE |= {"城市", "大都市", "都市", "自治县", "自治州", "民族自治县", "县城", "乡村", "城乡", "村镇", "市县", "县市", "区县", "州县", "县乡", "乡镇", "全县", "全市", "全州", "全区"}


_NOT_IN_NAME = {"p", "c", "u", "uj", "ul", "uz", "uv", "ug", "ud", "y", "e", "d", "r", "m", "q", "v", "vd", "vn", "f", "x", "vshi", "vyou", "t", "ad"}
_FUNCTION_CH = set("的了在是和与及或被把将为以于从由向对到也就而并其该此这那之个有各全本每等约达即年月日号")
_GENERIC_TAIL = ("园区", "景区", "社区", "城区", "片区", "小区", "牧区", "山区", "地区", "灾区", "藏区", "新区", "开发区", "自治区",
                 "城市", "省市", "县市", "市县", "区县", "小镇", "名镇", "古镇", "重镇", "强镇", "名县", "强县", "大县", "名村", "新村")


def _is_place(w: str) -> bool:
    return (
        len(w) >= 3
        and w[-1] in PLACE_SUFFIX
        and w not in _GENERIC_PLACE
        and not w.endswith(_GENERIC_TAIL)
        and not any(ch in _PLACE_STOP for ch in w[:-1])
        and all("\u4e00" <= ch <= "\u9fff" for ch in w)
    )


def _name_piece(piece: str, flag: str) -> bool:
    if not all("\u4e00" <= ch <= "\u9fff" for ch in piece):
        return False
    if len(piece) == 1:  # a single character's tag says little: only function characters stop a name
        return piece not in _FUNCTION_CH
    return flag not in _NOT_IN_NAME and piece[0] not in _FUNCTION_CH


@lru_cache(maxsize=8192)
def _place_words(norm: str) -> tuple[tuple[str, bool], ...]:
    """Place names in normalised text as ``(name, has_suffix)``: dictionary words ending in 县/市/州/区/乡/镇,
    and names jieba splits from their suffix (昌都 + 市, 卡 + 若 + 区, 塔 + 城镇), joined again; ``ns``
    words without a suffix (南宁) come with ``has_suffix=False``."""
    import jieba.posseg as pseg

    _jieba()
    words: list[tuple[str, str]] = []
    for w in pseg.cut(norm, HMM=False):
        if len(w.word) >= 3 and w.word[0] in _FUNCTION_CH:  # 在城镇 (a name in jieba's dictionary) is 在 + 城镇
            words.extend([(w.word[0], "p"), (w.word[1:], "n")])
        else:
            words.append((w.word, w.flag))
    out: list[tuple[str, bool]] = []
    k = 0
    while k < len(words):
        w, flag = words[k]
        name, j, found = "", k, None
        while j < len(words) and len(name) + len(words[j][0]) <= 7 and _name_piece(*words[j]):
            name += words[j][0]
            j += 1
            if name[-1] in PLACE_SUFFIX and j - k >= 2 and _is_place(name):
                found = (name, j)
                break
        if found:
            out.append((found[0], True))
            k = found[1]
            continue
        if _is_place(w):
            out.append((w, True))
        elif flag.startswith("ns") and len(w) >= 2 and w not in _GENERIC_PLACE and w not in _UNIT_WORDS and all("\u4e00" <= ch <= "\u9fff" for ch in w):
            out.append((w, False))
        k += 1
    return tuple(out)


def find_places(text: str) -> list[str]:
    """Named places in Chinese text (``理塘县``, ``卡若区``), by jieba part-of-speech and place suffix."""
    return list(dict.fromkeys(w for w, _ in _place_words(normalize_for_match(text))))


def main_places(text: str, top: int = 3) -> list[str]:
    """The places a document is about: those it names most (at least twice), most named first."""
    counts: dict[str, int] = {}
    for para in normalize_for_match(text).split("\n"):
        for w, has_suffix in _place_words(para):
            if has_suffix:
                counts[w] = counts.get(w, 0) + 1
    if not counts:
        return []
    best = max(counts.values())
    ranked = sorted((pl for pl, n in counts.items() if n >= max(2, best * 0.5)), key=lambda pl: -counts[pl])
    return ranked[:top]


# ---------------------------------------------------------------- BM25: the one definition every store uses

# Okapi BM25 term-frequency saturation and length normalisation. FaissStore's saved matrix and
# Milvus's BM25 index (``bm25_k1``/``bm25_b``) are built with these.
BM25_K1 = 1.2
BM25_B = 0.75


def bm25_idf(n_docs, df):
    """BM25's (Lucene) IDF: ``ln(1 + (N - df + 0.5) / (df + 0.5))``; scalars or numpy arrays.

    >>> round(float(bm25_idf(10, 1)), 4), bool(bm25_idf(10, 0) > bm25_idf(10, 1))
    (1.9924, True)
    """
    return np.log1p((n_docs - df + 0.5) / (df + 0.5))


def idf_from_df(df: dict[str, int], n_docs: int, tokens: list[str]) -> dict[str, float]:
    """IDF of each token from document frequencies (a token never seen gets the maximum IDF)."""
    n = max(n_docs, 1)
    return {t: float(bm25_idf(n, float(df.get(t, 0)))) for t in tokens}


class BM25:
    """Okapi BM25 over pre-tokenised documents, precomputed as a sparse doc × term matrix.

    Built once at index time and saved (``save``/``load``); a query costs one
    sparse column gather, never a rebuild.
    """

    def __init__(self, matrix: sparse.csc_matrix, vocab: dict[str, int], k1: float = BM25_K1, b: float = BM25_B):
        self.matrix = matrix
        self.vocab = vocab
        self.k1, self.b = k1, b

    @property
    def n_docs(self) -> int:
        return self.matrix.shape[0]

    @classmethod
    def build(cls, docs_tokens: list[list[str]], k1: float = BM25_K1, b: float = BM25_B) -> "BM25":
        vocab: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        lengths = np.zeros(len(docs_tokens), dtype=np.float32)
        for i, toks in enumerate(docs_tokens):
            lengths[i] = len(toks)
            counts: dict[int, int] = {}
            for t in toks:
                j = vocab.setdefault(t, len(vocab))
                counts[j] = counts.get(j, 0) + 1
            for j, c in counts.items():
                rows.append(i)
                cols.append(j)
                tfs.append(c)
        n = len(docs_tokens)
        if not vocab:
            return cls(sparse.csc_matrix((n, 0), dtype=np.float32), {}, k1, b)
        rows_a = np.asarray(rows, dtype=np.int64)
        cols_a = np.asarray(cols, dtype=np.int64)
        tf = np.asarray(tfs, dtype=np.float32)
        df = np.bincount(cols_a, minlength=len(vocab)).astype(np.float32)
        idf = bm25_idf(n, df).astype(np.float32)
        avgdl = float(lengths.mean()) if n else 1.0
        denom = tf + k1 * (1 - b + b * lengths[rows_a] / max(avgdl, 1e-9))
        weights = idf[cols_a] * tf * (k1 + 1) / denom
        m = sparse.csc_matrix((weights, (rows_a, cols_a)), shape=(n, len(vocab)), dtype=np.float32)
        return cls(m, vocab, k1, b)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        ids = sorted({self.vocab[t] for t in query_tokens if t in self.vocab})
        if not ids:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self.matrix[:, ids].sum(axis=1)).ravel()

    def search(self, query_tokens: list[str], k: int) -> list[tuple[int, float]]:
        s = self.scores(query_tokens)
        if not s.any():
            return []
        k = min(k, int((s > 0).sum()))
        top = np.argpartition(-s, k - 1)[:k] if k < len(s) else np.arange(len(s))
        top = top[np.argsort(-s[top], kind="stable")]
        return [(int(i), float(s[i])) for i in top if s[i] > 0]

    def save(self, directory: Path) -> None:
        sparse.save_npz(directory / "bm25.npz", self.matrix.tocsc())
        (directory / "bm25_vocab.json").write_text(
            json.dumps({"k1": self.k1, "b": self.b, "vocab": self.vocab}, ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> "BM25":
        meta = json.loads((directory / "bm25_vocab.json").read_text(encoding="utf-8"))
        m = sparse.load_npz(directory / "bm25.npz").tocsc()
        return cls(m, meta["vocab"], meta["k1"], meta["b"])


def idf_weights(bm: BM25, tokens: list[str]) -> dict[str, float]:
    """IDF of each query token in a saved BM25 index (unknown tokens get the maximum IDF)."""
    indptr = bm.matrix.indptr
    df = {t: int(indptr[j + 1] - indptr[j]) for t in tokens if (j := bm.vocab.get(t)) is not None}
    return idf_from_df(df, bm.n_docs, tokens)
