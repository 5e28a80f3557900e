"""Numeric grounding: every number in an answer must appear in a cited passage.

``extract_numbers`` finds the figures in a text (full-width digits, ``1,268``,
decimals, ``20.25%``, ``3.84万`` = 38400, ``2.95億`` = 295000000, years such as
``2014年``), skipping citation markers such as ``[1]`` / ``【1】``. Chinese
numerals written as words (一、二十) are not parsed.

``check_answer`` splits an answer into sentences, and keeps a sentence only when
each of its citation markers names a given passage and each of its figures has
the same value in a passage the sentence cites (any given passage when it cites
none). ``repaired`` is the answer without the failing sentences.

Example::

    >>> from rag.grounding import check_answer, extract_numbers
    >>> [m.value for m in extract_numbers("贫困户3.84万户，贫困发生率20.25%[1]")]
    [38400.0, 20.25]
    >>> r = check_answer("贫困村55个[1]。贫困户1300户[1]。", {1: "贫困村55个、贫困户1268户。"})
    >>> r.ok, r.unsupported, r.repaired
    (False, ['1300'], '贫困村55个[1]。')
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Iterable, Mapping

__all__ = [
    "NumberMention",
    "GroundingResult",
    "extract_numbers",
    "number_supported",
    "citation_markers",
    "split_answer_sentences",
    "check_answer",
    "strip_citations",
]


@dataclass
class NumberMention:
    """A figure in a text: ``raw`` as written (``text[start:end]``: digits, magnitude and
    % sign, without the measure word), its ``value`` with any
    万/亿/千 magnitude applied, and its ``unit`` (``%``, ``‰``, a measure word such as
    ``户``/``年``/``元``, or None)."""

    raw: str
    value: float
    unit: str | None
    start: int
    end: int

    @property
    def is_percent(self) -> bool:
        return self.unit in ("%", "‰")


@dataclass
class GroundingResult:
    """The verdict of :func:`check_answer`."""

    ok: bool
    bad_citations: list[int] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # raw figures
    kept_sentences: list[str] = field(default_factory=list)
    dropped_sentences: list[str] = field(default_factory=list)
    repaired: str = ""
    # one human-readable reason per dropped sentence (same order as dropped_sentences)
    reasons: list[str] = field(default_factory=list)
    # citation numbers still present in ``repaired``, in order of first appearance
    cited: list[int] = field(default_factory=list)


# ---------------------------------------------------------------- folding

_KEEP_WIDE = {"，", "、"}  # a full-width comma is punctuation, never a thousands separator
_TRAD_MAG = {"萬": "万", "億": "亿"}


def _fold(text: str) -> str:
    """Fold full-width forms (digits, ％, ．, ［］) to ASCII, one character for one, so offsets
    stay valid; 萬/億 become 万/亿. Other characters (①, ², CJK) are left alone."""
    out = []
    for ch in text:
        if ch in _TRAD_MAG:
            out.append(_TRAD_MAG[ch])
        elif "\uff01" <= ch <= "\uff5e" and ch not in _KEEP_WIDE:
            n = unicodedata.normalize("NFKC", ch)
            out.append(n if len(n) == 1 else ch)
        elif ch == "\u3000":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


# ---------------------------------------------------------------- citation markers

# [1]  [1, 2]  [1][2]  【1】  ［1］ (folded to [1])
_MARKER = re.compile(r"[\[【]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]】]")


def citation_markers(text: str) -> list[int]:
    """Citation numbers in ``text`` in order of appearance (``[1]``, ``[1, 2]``, ``【3】``)."""
    out = []
    for m in _MARKER.finditer(_fold(text)):
        out.extend(int(x) for x in re.split(r"\s*[,，、]\s*", m.group(1).strip()))
    return out


def strip_citations(text: str) -> str:
    """``text`` without its citation markers."""
    folded = _fold(text)
    pieces, pos = [], 0
    for m in _MARKER.finditer(folded):
        pieces.append(text[pos : m.start()])
        pos = m.end()
    pieces.append(text[pos:])
    return "".join(pieces)


# ---------------------------------------------------------------- numbers

_MAGNITUDES = {
    "千": 10**3,
    "万": 10**4,
    "亿": 10**8,
    "百万": 10**6,
    "千万": 10**7,
    "百亿": 10**10,
    "千亿": 10**11,
    "万亿": 10**12,
}
_MEASURE = (
    "平方千米|平方公里|平方米|千米|公里|千克|公斤|人次|户次|台次|百分点|小时|分钟|"
    "元|户|人|个|名|家|所|处|台|次|条|项|座|辆|套|间|头|只|亩|吨|米|倍|场|批|支|期|天|年|月|日|岁|"
    "村|乡|镇|县|册|本|篇|份|张|株|棵|角|分|"
    r"(?:kg|km|m2|mu|yuan|households?|people|persons?|villages?|years?)(?![A-Za-z])"
)
_NUMBER = re.compile(
    r"(?<![\d.A-Za-z_])"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?![\d,])|\d+)(?P<frac>\.\d+)?"
    r"(?P<mag>[ \t]?(?:百万|千万|百亿|千亿|万亿|千|万|亿))?"
    r"(?P<pct>[ \t]?[%‰])?"
    rf"(?P<unit>[ \t]?(?:{_MEASURE}))?",
)


# file names ("000_0be71c8bf9467bc8.txt") are names, not figures
_FILENAME = re.compile(r"[\w\-.]+\.(?:txt|md|markdown|pdf|docx?|html?|csv|json|xlsx?|pptx?)\b", re.I)


# list enumerators at the start of a line: "1. ", "2、", "3)", "(4)", "（5）"
_ENUMERATOR = re.compile(r"(?m)^[ \t>*-]*(?:\d{1,2}(?:[.、)）](?!\d))|[（(]\d{1,2}[）)])")


def _mask_markers(folded: str) -> str:
    blank = lambda m: " " * (m.end() - m.start())  # noqa: E731
    return _ENUMERATOR.sub(blank, _FILENAME.sub(blank, _MARKER.sub(blank, folded)))


def extract_numbers(text: str) -> list[NumberMention]:
    """Every figure in ``text``, in order. Citation markers, file names and digits glued to
    a preceding Latin letter (identifiers such as ``G318``) are not figures.

    >>> [(m.raw, m.value, m.unit) for m in extract_numbers("２０１４年贫困户1,268户、3.84万户；20.25%【2】")]
    [('２０１４', 2014.0, '年'), ('1,268', 1268.0, '户'), ('3.84万', 38400.0, '户'), ('20.25%', 20.25, '%')]
    """
    if not text:
        return []
    folded = _mask_markers(_fold(text))
    out: list[NumberMention] = []
    for m in _NUMBER.finditer(folded):
        digits = m.group("num").replace(",", "") + (m.group("frac") or "")
        try:
            value = Decimal(digits)
        except InvalidOperation:  # pragma: no cover - the pattern only admits digits
            continue
        mag = (m.group("mag") or "").strip()
        if mag:
            value *= _MAGNITUDES[mag]
        unit: str | None = None
        if m.group("pct"):
            unit = m.group("pct").strip()
        elif m.group("unit"):
            unit = m.group("unit").strip()
        # raw/start/end cover the figure with its magnitude and % sign, not the measure word
        end = m.end("pct") if m.group("pct") else m.end("mag") if m.group("mag") else m.end("frac") if m.group("frac") else m.end("num")
        out.append(NumberMention(raw=text[m.start() : end], value=float(value), unit=unit, start=m.start(), end=end))
    return out


def _same_value(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _supported_by(m: NumberMention, mentions: Iterable[NumberMention]) -> bool:
    for p in mentions:
        if not _same_value(m.value, p.value):
            continue
        if m.is_percent:
            # a percentage is supported only by the same percentage
            if p.unit == m.unit:
                return True
        else:
            return True
    return False


def number_supported(m: NumberMention, passages_text: str) -> bool:
    """True when the value of ``m`` stands in ``passages_text`` ("3.84万" ↔ "38400",
    "1268" ↔ "1,268"; a percentage only by the same percentage)."""
    return _supported_by(m, extract_numbers(passages_text))


# ---------------------------------------------------------------- sentences

# a sentence ends at 。！？!?；;… or a newline, or at a "." followed by a space, the end, a
# closer or a CJK character (not at decimal points, nor inside "file.txt");
# closing quotes and the citation markers right after the end stay with the sentence.
_SENT_END = re.compile(
    r"(?:[。！？!?；;…\n]+|\.(?=\s|$|[”’」』）)\"'\[【［]|[^\x00-\x7f]))"
    r"[”’」』）)\"']*"
    r"(?:\s*[\[【［]\s*\d{1,3}(?:\s*[,，、]\s*\d{1,3})*\s*[\]】］])*"
)


_BARE_ENUMERATOR = re.compile(r"^[ \t>*-]*\d{1,2}\.$")


def split_answer_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences at 。！？.!?；and newlines (not at decimal points).
    Joining the pieces gives back ``text``."""
    out, pos = [], 0
    for m in _SENT_END.finditer(text):
        if m.end() <= pos:
            continue
        piece = text[pos : m.end()]
        if _BARE_ENUMERATOR.match(piece) and (pos == 0 or text[pos - 1] == "\n"):
            continue  # "1." opening a list item belongs to the item
        out.append(piece)
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def _fmt_cites(ns: Iterable[int]) -> str:
    return "".join(f"[{n}]" for n in ns)


_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def _wrong_cell(m: NumberMention, sent: str, rows: list[dict]) -> str | None:
    """For a figure found in cited table rows: the column it stands in when that column's year is not
    the one the sentence names (3 is 新建水库·2022年, the sentence says 2021年), else None."""
    if m.unit == "年" and 1900 <= m.value <= 2100:
        return None  # a year is a label, not a cell value
    said = set(_YEAR_RE.findall(_fold(sent)))
    cols = [h for t in rows for h, v in zip(t.get("header") or [], t.get("row") or [])
            if any(_same_value(m.value, x.value) for x in extract_numbers(v))]
    if not cols or not said:
        return None
    fitting = [h for h in cols if not set(_YEAR_RE.findall(h)) or set(_YEAR_RE.findall(h)) & said]
    return None if fitting else cols[0]


def check_answer(answer_text: str, passages: Mapping[int, str], tables: Mapping[int, dict] | None = None) -> GroundingResult:
    """Check ``answer_text`` against ``passages`` (citation number → passage text).

    A sentence is dropped when it cites a number not in ``passages`` (a bad
    citation) or carries a figure that no passage it cites contains (any given
    passage when it cites none). A figure from a table cell (``tables``: citation
    number → the row dict of a table-row passage) is grounded in the cited row
    like text, and must come from a column of the year the sentence names.
    ``ok`` is True when nothing was dropped.

    >>> row = {"header": ["县", "新建水库·2021年", "新建水库·2022年"], "row": ["西岭县", "1座", "3座"]}
    >>> text = "表1 › 西岭县 › 新建水库·2021年：1座；新建水库·2022年：3座"
    >>> check_answer("西岭县2022年新建水库3座[1]。", {1: text}, {1: row}).ok
    True
    >>> check_answer("西岭县2021年新建水库3座[1]。", {1: text}, {1: row}).reasons
    ['the figure 3 is the 新建水库·2022年 cell of the cited row, not the year the sentence names']
    """
    passage_numbers = {n: extract_numbers(t) for n, t in passages.items()}
    all_numbers = [m for ms in passage_numbers.values() for m in ms]
    given = sorted(passages)

    bad: list[int] = []
    unsupported: list[str] = []
    kept: list[str] = []
    dropped: list[str] = []
    reasons: list[str] = []
    cited: list[int] = []

    for sent in split_answer_sentences(answer_text or ""):
        if not sent.strip():
            kept.append(sent)
            continue
        markers = citation_markers(sent)
        sent_bad = [n for n in dict.fromkeys(markers) if n not in passages]
        good = [n for n in dict.fromkeys(markers) if n in passages]
        pool = [m for n in good for m in passage_numbers[n]] if markers else all_numbers
        missing = [m.raw.strip() for m in extract_numbers(sent) if not _supported_by(m, pool)]
        why = []
        wrong = []  # figures from a cell of another year's column than the sentence names
        rows = [tables[n] for n in (good if markers else given) if tables and tables.get(n)]
        for m in extract_numbers(sent) if rows else []:
            col = _wrong_cell(m, sent, rows) if m.raw.strip() not in missing else None
            if col:
                why.append(f"the figure {m.raw.strip()} is the {col} cell of the cited row, not the year the sentence names")
                wrong.append(m.raw.strip())
        if sent_bad:
            rng = f"[{given[0]}]–[{given[-1]}]" if given else "none"
            why.append(f"it cites {_fmt_cites(sent_bad)}, but the passages given are {rng}")
        if missing and (good or not markers):  # with only bad markers, the bad citation is the reason
            where = f"cited passage{'s' if len(good) != 1 else ''} {_fmt_cites(good)}" if good else "any passage"
            figs = ", ".join(missing)
            why.append(f"the figure{'s' if len(missing) > 1 else ''} {figs} {'are' if len(missing) > 1 else 'is'} not in {where}")
        if why:
            dropped.append(sent)
            reasons.append("; ".join(why))
            for n in sent_bad:
                if n not in bad:
                    bad.append(n)
            for raw in missing + wrong:
                if raw not in unsupported:
                    unsupported.append(raw)
        else:
            kept.append(sent)
            for n in good:
                if n not in cited:
                    cited.append(n)

    repaired = "".join(kept).strip()
    kept_sentences = [s.strip() for s in kept if s.strip()]
    return GroundingResult(
        ok=not dropped,
        bad_citations=bad,
        unsupported=unsupported,
        kept_sentences=kept_sentences,
        dropped_sentences=[s.strip() for s in dropped],
        repaired=repaired,
        reasons=reasons,
        cited=cited,
    )
