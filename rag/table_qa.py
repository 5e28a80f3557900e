"""Answers read from table rows: the cell where the named row meets the asked column, or two named rows compared.

Tables arrive as one passage per row (``Passage.table``, see :mod:`rag.tables`).
When the question names a row among the retrieved rows (its label, or a total row
for 合计/总计/全年 questions) and a column of that row (the column's words, its year
and unit), :class:`TableAnswerer` answers with that cell, citing the row and quoting
``列名：值`` verbatim; for ``A和B哪个…更多/更高/更少`` it compares the two rows' cells
and cites both. A question about a row or column the table does not have (a name
no retrieved passage mentions where a column or row of the table matched) is
refused. Anything else returns None and goes to the general reader.

Example::

    >>> from rag.tables import Table
    >>> from rag.types import Passage
    >>> t = Table.from_grid([["县", "脱贫人口（人）", "贫困发生率"], ["稻城县", "5614", "0%"], ["乡城县", "6120", "0%"]],
    ...                     caption="表3 2019年各县脱贫情况")
    >>> ps = [Passage(rank=i + 1, doc="r.docx", chunk_id=f"c{i}", section="报告", text=t.row_text(i), score=1.0, table=t.row_dict(i))
    ...       for i in range(2)]
    >>> a = TableAnswerer().run("稻城县2019年脱贫人口多少？", ps)
    >>> a.answer, a.citations[0].quote
    ('稻城县，脱贫人口：5614人[1]', '脱贫人口：5614人')
    >>> TableAnswerer().run("稻城县和乡城县哪个脱贫人口更多？", ps).answer
    '乡城县更多：脱贫人口：6120人[1]；稻城县：5614人[2]'
"""
from __future__ import annotations

import logging
import re
import time

from .answering import question_script, refusal_text
from .grounding import extract_numbers
from .lexical import tokenize
from .normalize import match_key, nfkc, to_simplified
from .tables import CELL_SEP, PATH_SEP
from .types import Answer, Citation, Passage

log = logging.getLogger(__name__)

_TOTAL_Q = re.compile(r"合计|总计|共计|总共|一共|累计|总数|总和|全部|全年|加起来|total", re.I)
_TOTAL_LABEL = re.compile(r"^(?:合计|总计|小计|共计|总数|全部|全年|全县|全市|全区|全州|total|sum)$", re.I)
_COMPARE = re.compile(r"(?:哪个|哪一个|哪一|谁|哪项|哪种|哪县|哪乡|哪镇|which)[^，,？?]*?(?:更|较|比较)?(多|高|大|长|快|少|低|小|短|慢)")
_LESS = set("少低小短慢")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_ASK = re.compile(r"是多少|多少|几|是什么|哪个|哪一个|分别|更多|更高|更大|更少|更低|更小|占比|比例")
# words that scope a question rather than name a row or column
_GENERIC = {"全区", "全县", "全市", "全州", "全省", "全国", "各县", "各乡镇", "各乡", "各镇", "各区", "全年", "今年", "去年", "年度",
            "多少", "是多少", "哪个", "哪一个", "分别", "情况", "数量", "数据", "达到", "完成", "共有", "其中", "以及", "比较",
            "更多", "更高", "更大", "更少", "更低", "更小", "合计", "总计", "一共", "总共", "累计"}


def _key(text: str) -> str:
    return match_key(re.sub(r"[（(][^）)]*[）)]", "", text or ""))


def _stem(label: str) -> str:
    """``稻城县`` → ``稻城`` (a question may drop the suffix)."""
    return label[:-1] if len(label) >= 3 and label[-1] in "县市州区乡镇村省" else label


def _number(cell: str) -> float | None:
    nums = extract_numbers(cell)
    return nums[0].value if nums else None


class TableAnswerer:
    """``run(question, passages) -> Answer | None``: a cell lookup or a two-row comparison over table-row passages."""

    name = "table"

    def __init__(self, max_passages: int = 10, min_column: float = 0.6):
        self.max_passages = max_passages
        self.min_column = min_column

    # ------------------------------------------------------------ matching
    @staticmethod
    def _label_hit(q: str, label: str) -> int:
        """How much of the row label the question names (characters), 0 when it names none of it."""
        best = 0
        for part in [x.strip() for x in label.split("›") if x.strip()]:
            k = _key(part)
            if len(k) >= 2 and k in q:
                best = max(best, len(k))
            elif len(_stem(k)) >= 2 and _stem(k) in q:
                best = max(best, len(_stem(k)))
        return best

    def _column_score(self, q: str, q_tokens: set[str], q_years: set[str], name: str) -> float:
        """The share of the column name's words in the question (0 when the column's year is not the asked one)."""
        years = set(_YEAR.findall(name))
        if years and q_years and not years & q_years:
            return 0.0
        base = re.sub(r"[（(][^）)]*[）)]", "", name)
        toks = [t for t in dict.fromkeys(tokenize(base)) if not _YEAR.fullmatch(t) and t not in ("年", "·")]
        if not toks:
            return 0.0
        got = sum(len(t) for t in toks if t in q_tokens or match_key(t) in q)
        score = got / sum(len(t) for t in toks)
        if years and years & q_years:
            score += 0.1
        return score

    def _columns(self, p: Passage, q: str, q_tokens: set[str], q_years: set[str]) -> list[tuple[float, int]]:
        t = p.table or {}
        spans = t.get("spans") or []
        out = []
        for c, name in enumerate(t.get("header") or []):
            if c >= len(spans) or not spans[c]:
                continue
            s = self._column_score(q, q_tokens, q_years, name)
            if s >= self.min_column:
                out.append((s, c))
        return sorted(out, reverse=True)

    @staticmethod
    def _pair(p: Passage, c: int) -> tuple[str, int]:
        """The verbatim ``列名：值`` of column ``c`` in the row text, and its offset."""
        i, j = p.table["spans"][c]
        start = max(p.text.rfind(CELL_SEP, 0, i) + len(CELL_SEP), p.text.rfind(PATH_SEP, 0, i) + len(PATH_SEP), 0)
        return p.text[start:j], start

    # ------------------------------------------------------------ main entry
    def run(self, question: str, passages: list[Passage]) -> Answer | None:
        t0 = time.perf_counter()
        rows = [p for p in passages[: self.max_passages] if p.table and p.table.get("spans")]
        if not rows:
            return None
        script = question_script(question)
        if script == "en":
            return None
        q = match_key(question)
        q_tokens = set(tokenize(to_simplified(nfkc(question))))
        q_years = set(_YEAR.findall(q))
        named = [(self._label_hit(q, p.table.get("label") or ""), p) for p in rows]
        named = [(n, p) for n, p in named if n]
        named.sort(key=lambda x: (-x[0], x[1].rank))
        cmp = _COMPARE.search(to_simplified(nfkc(question)))
        ans = None
        if cmp and len({id(p) for _, p in named}) >= 2:
            ans = self._compare(question, q, q_tokens, q_years, named, cmp.group(1) in _LESS)
        if ans is None and not cmp:
            target = [p for _, p in named[:1]]
            if not target and _TOTAL_Q.search(question):
                target = [p for p in rows if p.table.get("total") or _TOTAL_LABEL.match((p.table.get("label") or "").replace(" ", ""))][:1]
            if target:
                ans = self._lookup(question, q, q_tokens, q_years, target[0])
            if ans is None:
                ans = self._missing(question, q_tokens, q_years, rows, passages, bool(target))
        if ans is not None:
            ans.timings["read_ms"] = (time.perf_counter() - t0) * 1000
            ans.passages = list(passages)
        return ans

    def _cite(self, n: int, p: Passage, c: int) -> Citation:
        quote, start = self._pair(p, c)
        return Citation(n=n, doc=p.doc, chunk_id=p.chunk_id, section=p.section, text=p.text, quote=quote, page=p.page,
                        start=start, table=p.table, ocr=p.ocr)

    def _context_ok(self, q_years: set[str], p: Passage, c: int) -> bool:
        """A year the question names must be the row's (in its column, caption, heading path or title)."""
        if not q_years:
            return True
        ctx = f"{p.title or ''} {p.section or ''} {p.table.get('caption') or ''} {p.table['header'][c]} {p.table.get('label') or ''}"
        return all(y in ctx for y in q_years)

    def _lookup(self, question, q, q_tokens, q_years, p: Passage) -> Answer | None:
        cols = [(s, c) for s, c in self._columns(p, q, q_tokens, q_years) if self._context_ok(q_years, p, c)]
        if not cols or (len(cols) > 1 and cols[0][0] - cols[1][0] < 0.05 and cols[0][0] < 1.0):
            return None  # no column asked, or two equally likely
        c = cols[0][1]
        cit = self._cite(1, p, c)
        label = p.table.get("label") or ""
        text = f"{label}，{cit.quote}[1]" if label else f"{cit.quote}[1]"
        return Answer(question=question, answer=text, refused=False, citations=[cit], backend=self.name, confidence=round(min(1.0, cols[0][0]), 3))

    def _compare(self, question, q, q_tokens, q_years, named, less: bool) -> Answer | None:
        a = named[0][1]
        same_table = [p for _, p in named[1:] if p.doc == a.doc and p.table.get("caption") == a.table.get("caption")
                      and p.table.get("label") != a.table.get("label")]
        if not same_table:
            return None
        b = same_table[0]
        cols_a = {c: s for s, c in self._columns(a, q, q_tokens, q_years) if self._context_ok(q_years, a, c)}
        cols_b = {c: s for s, c in self._columns(b, q, q_tokens, q_years) if self._context_ok(q_years, b, c)}
        common = sorted(set(cols_a) & set(cols_b), key=lambda c: -cols_a[c])
        if not common:
            return None
        c = common[0]
        va, vb = _number(a.table["row"][c]), _number(b.table["row"][c])
        if va is None or vb is None or va == vb:
            return None
        win, lose = (a, b) if (va < vb) == less else (b, a)
        cw, cl = self._cite(1, win, c), self._cite(2, lose, c)
        more = {"多": "更多", "高": "更高", "大": "更大", "长": "更长", "快": "更快", "少": "更少", "低": "更低", "小": "更小", "短": "更短", "慢": "更慢"}
        word = more.get(_COMPARE.search(to_simplified(nfkc(question))).group(1), "")
        text = f"{win.table['label']}{word}：{cw.quote}[1]；{lose.table['label']}：{cl.quote.split('：', 1)[-1]}[2]"
        return Answer(question=question, answer=text, refused=False, citations=[cw, cl], backend=self.name, confidence=1.0)

    def _missing(self, question, q_tokens, q_years, rows, passages, row_named: bool) -> Answer | None:
        """Refuse when a column (or the row) of a retrieved table matched but the question names something no passage has."""
        import jieba.posseg as pseg

        strong = row_named or any(self._columns(p, match_key(question), q_tokens, q_years)[:1] and
                                  self._columns(p, match_key(question), q_tokens, q_years)[0][0] >= 1.0 for p in rows)
        if not strong:
            return None
        seen = match_key(" ".join(f"{p.title or ''} {p.section or ''} {p.text}" for p in passages))
        absent = []
        for w in pseg.cut(to_simplified(nfkc(question))):
            word = w.word.strip()
            if len(word) < 2 or word in _GENERIC or not (w.flag.startswith("n") or w.flag in ("l", "j", "nz")):
                continue
            if match_key(word) not in seen and match_key(_stem(word)) not in seen:
                absent.append(word)
        if not absent:
            return None
        script = question_script(question)
        a = Answer(question=question, answer=refusal_text(script), refused=True, backend=self.name)
        a.warnings.append(f"refused: the retrieved table has no row or column for {'、'.join(absent)}")
        return a

