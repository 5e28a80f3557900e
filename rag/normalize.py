"""Text normalisation: width folding, Chinese script conversion, OCR line repair, de-duplication.

Display text always stays as the author wrote it; the functions here produce
*keys* for matching (``match_key``) and *paragraphs* that keep offsets into the
original text (``paragraphs``).

Example::

    >>> from rag.normalize import match_key, paragraphs, detect_script
    >>> match_key("貧困戶 １２６８戶")
    '贫困户1268户'
    >>> detect_script("貧困縣脫貧攻堅開展情況報告")
    'zh-Hant'
    >>> [p.text for p in paragraphs("全县共有行政村42个，新建通村硬化道\\n\\n路86公里。")]   # a page break mid-word
    ['全县共有行政村42个，新建通村硬化道路86公里。']
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

# ---------------------------------------------------------------- characters

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WS = re.compile(r"\s+")
# punctuation that ends a sentence (full and half width)
SENT_END = "。！？!?；;…"
CLOSERS = "”’」』）)】》\"'"
# punctuation after which a line cannot end a paragraph
CONTINUE_PUNCT = "，,、：:“‘「『（(《【—-"


def nfkc(text: str) -> str:
    """Unicode NFKC: full-width digits/letters/punctuation become ASCII; CJK is unchanged."""
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=4)
def _opencc(config: str):
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC ``t2s``); other text passes through."""
    return _opencc("t2s").convert(text) if text else text


def to_traditional(text: str) -> str:
    """Simplified → traditional Chinese in Taiwan standard forms (OpenCC ``s2tw``)."""
    return _opencc("s2tw").convert(text) if text else text


def cjk_count(text: str) -> int:
    return len(_CJK.findall(text))


def is_english(text: str) -> bool:
    """True for text with no Chinese characters (an English question)."""
    return cjk_count(text) == 0


def detect_script(text: str) -> str:
    """Return ``zh-Hant``, ``zh-Hans`` or ``en`` (no / few Chinese characters)."""
    sample = text[:20000]
    n = cjk_count(sample)
    if n == 0 or n < len(sample.strip()) * 0.05:
        return "en"
    simp = to_simplified(sample)
    changed_by_t2s = sum(1 for a, b in zip(sample, simp) if a != b)
    trad = to_traditional(sample)
    changed_by_s2t = sum(1 for a, b in zip(sample, trad) if a != b)
    return "zh-Hant" if changed_by_t2s > changed_by_s2t else "zh-Hans"


def match_key(text: str) -> str:
    """Key for comparing texts: NFKC, simplified script, lower case, no white space."""
    return _WS.sub("", to_simplified(nfkc(text or ""))).lower()


# ---------------------------------------------------------------- paragraphs


@dataclass
class Paragraph:
    """A paragraph of repaired text with a map from each character to its offset in the original."""

    text: str
    pos: list[int] = field(repr=False)

    @property
    def start(self) -> int:
        return self.pos[0] if self.pos else 0

    @property
    def end(self) -> int:
        return self.pos[-1] + 1 if self.pos else 0

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Original offsets of ``text[i:j]``."""
        return self.pos[i], self.pos[max(i, j - 1)] + 1

    def slice(self, i: int, j: int) -> "Paragraph":
        return Paragraph(self.text[i:j], self.pos[i:j])


HEADING_RE = re.compile(
    r"^(?:#{1,6}\s+\S"
    r"|第[一二三四五六七八九十百零〇\d]+[章节節篇部分]"
    r"|[一二三四五六七八九十]{1,3}、"
    r"|[（(][一二三四五六七八九十]{1,4}[）)]"
    r"|\d{1,2}[.．、](?!\d)"
    r"|[（(]\d{1,2}[）)])"
)


def _ends_sentence(line: str) -> bool:
    s = line.rstrip()
    while s and s[-1] in CLOSERS:
        s = s[:-1]
    return bool(s) and s[-1] in SENT_END


def _word_spans_boundary(left: str, right: str) -> bool:
    """True when jieba reads a word across the join of ``left`` and ``right`` (a line broken inside a word)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    a, b = left[-4:], right[:4]
    if not a or not b or not _CJK.match(a[-1]) or not _CJK.match(b[0]):
        return False
    cut = len(a)
    pos = 0
    for tok in jieba.cut(a + b, HMM=False):
        if pos < cut < pos + len(tok):
            return True
        pos += len(tok)
    return False


def is_heading_line(line: str) -> bool:
    return bool(HEADING_RE.match(line.strip()))


def _continues(line: str, nxt: str) -> bool:
    """Decide whether ``line`` was broken by layout/OCR and continues on ``nxt``."""
    s = line.rstrip()
    if not s or _ends_sentence(s):
        return False
    if is_heading_line(s) and len(s) <= 60 and not any(ch in s[:-1] for ch in SENT_END):
        return False
    if s[-1] in CONTINUE_PUNCT:
        return not is_heading_line(nxt)
    if is_heading_line(nxt) or nxt.lstrip().startswith((">", "#", "•", "·")):
        return False
    # a long line with inner punctuation that stops without ending a sentence
    if len(s) >= 20 and re.search(r"[，,。；、]", s):
        return True
    # a short line: a title, unless a word runs on into the next line
    return _word_spans_boundary(s, nxt.strip())


def paragraphs(text: str, repair: bool = True) -> list[Paragraph]:
    """Split ``text`` into paragraphs, joining lines that OCR or layout broke mid-sentence.

    Each paragraph keeps, per character, its offset in ``text`` so citations can
    point into the original file.
    """
    lines: list[tuple[str, int]] = []
    off = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        stripped = body.strip()
        if stripped:
            lead = len(body) - len(body.lstrip())
            lines.append((stripped, off + lead))
        off += len(raw)

    paras: list[Paragraph] = []
    buf_text, buf_pos = "", []
    for i, (line, start) in enumerate(lines):
        buf_text += line
        buf_pos.extend(range(start, start + len(line)))
        nxt = lines[i + 1][0] if i + 1 < len(lines) else ""
        if repair and nxt and _continues(buf_text, nxt):
            continue
        paras.append(Paragraph(buf_text, buf_pos))
        buf_text, buf_pos = "", []
    if buf_text:
        paras.append(Paragraph(buf_text, buf_pos))
    return paras


def _shingles(text: str, n: int = 4) -> set[str]:
    t = match_key(re.sub(r"[\W_]+", "", text))
    return {t[i : i + n] for i in range(max(1, len(t) - n + 1))}


def drop_duplicates(paras: list[Paragraph], threshold: float = 0.75, min_chars: int = 12) -> list[Paragraph]:
    """Drop repeated text: paragraphs that repeat an earlier one exactly or nearly (4-gram
    containment ≥ ``threshold``), then sentences already said earlier in the document."""
    kept: list[Paragraph] = []
    seen: set[str] = set()
    seen_shingles: list[set[str]] = []
    for p in paras:
        key = match_key(p.text)
        if key in seen and len(key) >= 2:
            continue
        sh = _shingles(p.text)
        if len(key) >= min_chars and sh and any(len(sh & prev) >= threshold * len(sh) for prev in seen_shingles):
            continue
        seen.add(key)
        if len(key) >= min_chars:
            seen_shingles.append(sh)
        kept.append(p)
    return _drop_repeated_sentences(kept)


def _drop_repeated_sentences(paras: list[Paragraph], n: int = 6, threshold: float = 0.9, min_chars: int = 15) -> list[Paragraph]:
    grams: set[str] = set()
    out: list[Paragraph] = []
    for p in paras:
        keep_spans = []
        for i, j in split_sentences(p.text):
            sent = p.text[i:j]
            sh = _shingles(sent, n)
            if len(sent) >= min_chars and sh and len(sh & grams) >= threshold * len(sh):
                continue
            grams |= sh
            keep_spans.append((i, j))
        if not keep_spans:
            continue
        if len(keep_spans) == len(split_sentences(p.text)):
            out.append(p)
            continue
        text = "".join(p.text[i:j] for i, j in keep_spans)
        pos = [x for i, j in keep_spans for x in p.pos[i:j]]
        out.append(Paragraph(text, pos))
    return out


SENTENCE_RE = re.compile(r"[^。！？!?；;…]*[。！？!?；;…]+[”’」』）)\"']*|[^。！？!?；;…]+$")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(i, j)`` of ``text``, cut after 。！？；… (closing quotes stay with their sentence)."""
    spans = []
    for m in SENTENCE_RE.finditer(text):
        if m.end() > m.start():
            spans.append((m.start(), m.end()))
    return spans
