"""Who and when a question is about: named places, organizations and people, years, and the pronouns that stand for them.

General rules, no list of names: jieba part-of-speech (``ns`` place, ``nt`` organization,
``nr`` person), place suffixes (省 市 县 州 区 乡 镇 村 旗 盟, 自治县/州/区), organization
suffixes (委 局 厅 办 公司 大学 医院 …), capitalised English names, and the names that
occur in the indexed documents themselves (:class:`Lexicon`, built from a store's
``doc_places`` and the place names its texts spell out). Used by :mod:`rag.conversation`.

Example::

    >>> from rag.entities import parse
    >>> p = parse("格桑县2021年新建桥梁多少座？")
    >>> [(e.text, e.kind) for e in p.entities], [y.text for y in p.years]
    ([('格桑县', 'place')], ['2021年'])
    >>> [(x.text, x.need) for x in parse("该县有几个村？").pronouns]
    [('该县', '县')]
    >>> [e.text for e in parse("那卓玛乡呢？").entities]
    ['卓玛乡']
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from .normalize import nfkc, to_simplified

log = logging.getLogger(__name__)

PLACE_SUFFIX = "省市县州区乡镇村旗盟"
AUTONOMOUS = ("自治县", "自治州", "自治区", "自治旗")
# longest first: 委员会 before 委
ORG_SUFFIXES = ("委员会", "办公室", "管理局", "研究院", "研究所", "卫生院", "有限公司", "公司", "集团", "大学", "学院",
                "学校", "中学", "小学", "医院", "银行", "协会", "基金会", "法院", "检察院", "中心", "政府", "委", "局", "厅", "办", "署")
# a name part that names nothing: 全县, 各乡, 三个村, 贫困村, 行政村, 县城 ...
_QUANT_CHARS = set("一二三四五六七八九十百千万两几多数每各全该本此这那哪某其诸个第")
_GENERIC_STEMS = {"贫困", "深度贫困", "国定贫困", "行政", "自然", "中心", "城", "县", "市", "乡", "镇", "村", "州", "区", "省", "城乡", "县城",
                  "乡镇", "开发", "保护", "景", "园", "社", "山", "地", "牧", "农", "农牧", "新", "老", "小", "大", "灾", "藏", "片", "辖",
                  "市辖", "边境", "重点", "示范", "试点", "民族", "少数民族", "安置", "集中安置", "搬迁", "省市", "区县", "城市", "城镇",
                  "相关", "周边", "附近", "其他", "其余", "所在", "所属", "下辖", "全国", "外", "内", "上", "下", "东", "西", "南", "北",
                  "人民", "中", "小", "中小", "县级", "市级", "乡级", "村级", "基层", "当地", "本地", "各级", "上级", "公立", "民营", "私立"}
_GENERIC_WORDS = {"县城", "城市", "城区", "城乡", "乡村", "乡镇", "村镇", "市县", "县市", "区县", "州县", "县乡", "农村", "社区", "景区", "园区",
                  "小区", "山区", "地区", "牧区", "灾区", "藏区", "新区", "开发区", "保护区", "自治县", "自治州", "自治区", "行政村", "自然村",
                  "贫困村", "贫困县", "贫困户", "县委", "市委", "州委", "区委", "党委", "政府", "人民政府", "县政府", "市政府", "中心", "办公室",
                  "有限公司", "公司", "集团", "大学", "学院", "学校", "医院", "银行", "协会", "委员会", "当局", "全局", "大局", "格局", "布局",
                  "结局", "邮局", "书局", "饭局", "开局", "出局", "僵局", "棋局", "时局", "政局", "终局", "残局", "赌局", "骗局"}
# jieba tags some common words ns (新建, 城市, 东西, 平原); a bare ns word counts as a place only if it is rare
_NS_MAX_FREQ = 500
# a word this frequent that jieba tags as a name, right before a noun, is a common word there (林木种苗); a title after it says a person
_NR_COMMON_FREQ = 100
_TITLES = ("书记", "同志", "主任", "县长", "市长", "州长", "乡长", "镇长", "村长", "局长", "主席", "先生", "女士", "老师", "委员", "代表", "说")
_FUNCTION_CHARS = set("的了和与及或在是有为对把被将以从由于也都就而并之给向到至共约近达比等年月日个入出进回来去往赴离")
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")

ZH_QWORD = re.compile(r"多少|几|什么|啥|哪|谁|何|吗|是否|有没有|怎么|怎样|如何|为什么|多[高大长远久重深宽厚快]")
EN_QWORD = re.compile(r"\b(?:what|how|which|who|whom|whose|when|where|why|is|are|was|were|do|does|did|can|could|has|have|had)\b", re.I)
# a year as written, with a range (2017至2019年) or a period word (2016年以来, 2019年底) kept in the span
_YEAR_ZH = re.compile(r"(?<![\d.])((?:1[89]|20)\d{2})\s*(?:年\s*)?(?:(?:至|到|—|–|-|~|～)\s*((?:1[89]|20)\d{2})\s*年|年)"
                      r"(?:度)?(?:以来|以后|以前|至今|之前|之后|底|末|初|前|后|上半年|下半年)?"
                      r"|(?:今年|去年|前年|明年|后年|当年|同年|该年|这一年|那一年|上年|本年度|本年|前一年|上一年|头一年|后一年|下一年|次年|第二年)(?:以来|底|末|初)?"
                      r"|(?<![\d年])(?:[一二两三四五六七八九十]|\d{1,2})年(?:之前|之后|以前|以后|前|后)(?![\u4e00-\u9fff]?年)")
_YEAR_EN = re.compile(r"(?<![\d.,])((?:1[89]|20)\d{2})(?:\s*(?:-|–|to|through)\s*((?:1[89]|20)\d{2}))?(?![\d%]|[.,]\d)|\b(?:this|last|next) year\b"
                      r"|\b(?:the\s+)?(?:previous|preceding|prior|following|subsequent)\s+year\b|\b(?:the\s+|a\s+|one\s+)?year\s+(?:before|earlier|after|later)\b"
                      r"|\b(?:\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)\s+years\s+(?:before|earlier|after|later)\b", re.I)

_SUFFIX_EN = {"county": "县", "city": "市", "prefecture": "州", "township": "乡", "town": "镇", "village": "村",
              "district": "区", "province": "省", "region": "区"}
_EN_LEVELS = "County|City|Prefecture|Township|Town|Village|District|Province|Region"  # the level words of _SUFFIX_EN
_EN_LEVEL_END = re.compile(rf"\b({_EN_LEVELS})$")
_EN_WORD = r"[A-Z][a-z']+(?:-[A-Za-z][a-z']*)*"
_EN_NAME = re.compile(rf"\b((?:{_EN_WORD})(?:\s+{_EN_WORD})*)(\s+(?:{_EN_LEVELS}))?\b")
_EN_NOT_NAMES = {"what", "how", "which", "who", "whom", "whose", "when", "where", "why", "is", "are", "was", "were", "do", "does", "did",
                 "can", "could", "and", "the", "a", "an", "in", "of", "for", "then", "so", "please", "tell", "me", "show", "give",
                 "list", "it", "its", "this", "that", "there", "they", "their", "he", "she", "his", "her", "i", "we", "you", "about",
                 "has", "have", "had", "if", "by", "to", "on", "at", "with", "also", "same", "county", "city", "prefecture",
                 "between", "since", "during", "after", "before", "from", "according", "compared", "besides", "apart", "except",
                 "excluding", "including", "as", "under", "over", "besides", "within", "across", "among", "overall", "altogether",
                 "roughly", "approximately", "about", "exactly", "besides", "other", "than", "all", "each", "every", "any", "some",
                 "now", "then", "yes", "no", "ok", "okay", "thanks", "thank", "hi", "hello", "sorry", "could", "would", "should", "will",
                 # months and days name a time, not a place or organization
                 "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
                 "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "monday", "tuesday",
                 "wednesday", "thursday", "friday", "saturday", "sunday", "spring", "summer", "autumn", "fall", "winter"}


@dataclass
class Entity:
    """A named place, organization, person (or ``name``: a proper name of unknown kind) with its span."""

    text: str
    kind: str  # "place" | "org" | "person" | "name"
    start: int
    end: int
    parts: list["Entity"] = field(default_factory=list)  # a compound: 甘孜州稻城县, 理塘县教育局
    norm: str = ""  # ``text`` in simplified script

    @property
    def is_subject(self) -> bool:
        return self.kind != "person"

    def fits(self, need: str) -> bool:
        """Whether this entity can stand for a pronoun that needs ``need`` (a suffix like 县, or a kind)."""
        if need == "any":
            return self.kind != "person"
        if need in ("place", "org", "person"):
            return self.kind == need or self.kind == "name"  # a proper name of unknown kind fits any
        if self.kind != "place":
            return False
        # an English place name says its level in a word of its own: Gesang County is what "the county" (县) stands for
        m = _EN_LEVEL_END.search(self.text)
        if m:
            return _SUFFIX_EN[m.group(1).lower()] == need
        return (self.norm or self.text).endswith(need)


@dataclass
class Year:
    text: str  # as written: "2019年", "2016年以来", "2017至2019年", "去年", "2019"
    value: str  # the digits to swap ("2019"; "2017-2019" for a range; the word for 去年)
    start: int
    end: int

    @property
    def is_range(self) -> bool:
        return "-" in self.value


def _year(m: re.Match) -> "Year":
    if m.group(1):
        value = m.group(1) + (f"-{m.group(2)}" if m.group(2) else "")
    else:
        value = m.group(0)
    return Year(m.group(0), value, m.start(), m.end())


@dataclass
class Pronoun:
    text: str
    need: str  # "any" | "place" | "org" | "person" | a place suffix (县 市 …)
    plural: bool
    start: int
    end: int
    possessive: bool = False  # its / 其: the entity's (…)


@dataclass
class Parsed:
    """A question taken apart: its entities, years and pronouns, with spans into ``text``."""

    text: str
    lang: str  # "zh" | "en"
    entities: list[Entity]
    years: list[Year]
    pronouns: list[Pronoun]
    norm: str = ""  # ``text`` in simplified script (same length)

    @property
    def subjects(self) -> list[Entity]:
        return [e for e in self.entities if e.is_subject]

    @property
    def has_qword(self) -> bool:
        return bool((EN_QWORD if self.lang == "en" else ZH_QWORD).search(self.norm or self.text))


# ---------------------------------------------------------------- the names an index knows


class Lexicon:
    """Place and organization names known from the indexed documents (and from the conversation so far).

    ``names`` maps a name (or the stem of a place name: 稻城 for 稻城县) to its kind.

    >>> lex = Lexicon.from_texts(["色达县位于高原。色达县辖17个乡镇。"])
    >>> lex.kind("色达"), lex.kind("色达县")
    ('place', 'place')
    """

    def __init__(self, names: dict[str, str] | None = None):
        self.names: dict[str, str] = {}
        # name → the documents whose text spells it (filled by from_store; empty: not known)
        self.docs: dict[str, set[str]] = {}
        for n, k in (names or {}).items():
            self.add(n, k)
        self._rx = None

    def add(self, name: str, kind: str = "place") -> None:
        name = to_simplified(nfkc(name or "")).strip()
        if len(name) < 2 or not _CJK.match(name) or name in _GENERIC_WORDS:
            return
        self.names.setdefault(name, kind)
        if kind == "place":
            for suf in AUTONOMOUS:
                if name.endswith(suf) and len(name) > len(suf) + 1:
                    stem = re.sub(r"[\u4e00-\u9fff]{1,3}族$", "", name[: -len(suf)]) or name[: -len(suf)]
                    self.names.setdefault(stem, "place")
                    break
            else:
                if name[-1] in PLACE_SUFFIX and len(name) >= 3:
                    self.names.setdefault(name[:-1], "place")
        self._rx = None

    def kind(self, name: str) -> str | None:
        return self.names.get(name)

    def copy(self) -> "Lexicon":
        lex = Lexicon()
        lex.names = dict(self.names)
        lex.docs = {k: set(v) for k, v in self.docs.items()}
        return lex

    def matches(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, kind) of known names in ``text``, longest first."""
        if not self.names:
            return []
        if self._rx is None:
            alts = sorted(self.names, key=len, reverse=True)
            self._rx = re.compile("|".join(re.escape(a) for a in alts))
        return [(m.start(), m.end(), self.names[m.group(0)]) for m in self._rx.finditer(text)]

    @classmethod
    def from_texts(cls, texts, places: list[str] | None = None, min_count: int = 2, max_chars: int = 200_000) -> "Lexicon":
        """Names from document texts: the ``places`` given, and every place name the texts spell out ``min_count`` times.

        The texts are cut into words first (jieba, no HMM), so a name is a whole word or a word
        followed by a place suffix, never a window across words (实现乡镇 names no 实现乡).
        Only the first ``max_chars`` characters are scanned.
        """
        from .lexical import _jieba, normalize_for_match

        lex = cls()
        for p in places or []:
            lex.add(p, "place")
        jb = _jieba()
        counts: Counter = Counter()
        budget = max_chars
        for t in texts:
            if budget <= 0:
                break
            t = t[:budget]
            budget -= len(t)
            toks = [w for w in jb.cut(normalize_for_match(t), HMM=False)]
            for k, w in enumerate(toks):
                first = None  # the index of the first word of the name counted here
                if len(w) >= 3 and _good_place(w) and _name_word(w[:-1]):
                    counts[w] += 1
                    first, name = k, w
                elif len(w) == 1 and w in PLACE_SUFFIX and k > 0:
                    prev = toks[k - 1]
                    if 2 <= len(prev) <= 3 and _CJK.match(prev) and _name_word(prev) and _good_place(prev + w):
                        counts[prev + w] += 1
                        first, name = k - 1, prev + w
                    else:
                        # a name jieba does not know comes out one character at a time: 格 桑 县
                        run = []
                        j = k - 1
                        while j >= 0 and len(run) < 3 and len(toks[j]) == 1 and _CJK.match(toks[j]) and toks[j] not in _FUNCTION_CHARS \
                                and toks[j] not in _QUANT_CHARS and toks[j] not in PLACE_SUFFIX:
                            run.insert(0, toks[j])
                            j -= 1
                        if len(run) >= 2 and _good_place("".join(run) + w):
                            counts["".join(run) + w] += 1
                elif len(w) == 2 and w[-1] in PLACE_SUFFIX and k > 0:
                    # the suffix glued into a common word: 塔 + 城镇 is 塔城镇 (a short name-like word before it)
                    prev = toks[k - 1]
                    if len(prev) == 1 and _CJK.match(prev) and w[0] not in PLACE_SUFFIX and _name_word(prev) \
                            and prev not in _FUNCTION_CHARS | _QUANT_CHARS and prev not in PLACE_SUFFIX and _good_place(prev + w):
                        counts[prev + w] += 1
                # one more character before a name (小 + 中甸镇 is 小中甸镇): counted as well, kept if the texts repeat it
                if first is not None and first > 0:
                    c = toks[first - 1]
                    if len(c) == 1 and _CJK.match(c) and c not in _FUNCTION_CHARS and c not in _QUANT_CHARS and c not in PLACE_SUFFIX \
                            and _word_tag(c)[:1] not in ("v", "d", "p", "c", "u", "m", "q", "r", "f", "t"):
                        counts[c + name] += 1
        for cand, n in counts.items():
            if n >= min_count:
                lex.add(cand, "place")
        return lex

    @classmethod
    def from_store(cls, store) -> "Lexicon":
        """Names from every record of a store: its documents' places and the place names in its texts."""
        places: list[str] = []
        texts: list[str] = []
        for r in store.records():
            places.extend(r.get("doc_places") or [])
            texts.append(r.get("text") or "")
        lex = cls.from_texts(texts, sorted(set(places)))
        from .lexical import normalize_for_match

        for r, t in zip(store.records(), texts):
            doc = r.get("source") or ""
            norm = normalize_for_match(t)
            for a, b, _ in lex.matches(norm):
                lex.docs.setdefault(norm[a:b], set()).add(doc)
            for p in r.get("doc_places") or []:
                lex.docs.setdefault(to_simplified(nfkc(p)), set()).add(doc)
        log.info("lexicon: %d names from %d records", len(lex.names), len(texts))
        return lex

    def documents_naming(self, name: str) -> set[str] | None:
        """The documents that spell ``name`` (or its stem: 色达 for 色达县); None when the index does not know the name.

        >>> lex = Lexicon({"色达县": "place"}); lex.docs = {"色达": {"a.txt"}}
        >>> lex.documents_naming("色达县"), lex.documents_naming("白玛县")
        ({'a.txt'}, None)
        """
        n = to_simplified(nfkc(name or "")).strip()
        keys = [n] + ([n[:-1]] if len(n) >= 3 and n[-1] in PLACE_SUFFIX else [])
        hits = [self.docs[k] for k in keys if k in self.docs]
        return set().union(*hits) if hits else None


_GENERIC_TAILS = ("地区", "园区", "社区", "景区", "城区", "山区", "牧区", "灾区", "藏区", "小区", "片区", "库区", "矿区", "辖区", "隔离区",
                  "保护区", "开发区", "示范区", "试验区", "农村", "乡村", "城乡", "乡镇", "市县", "区县", "州县")


def _word_tag(word: str) -> str:
    pseg, _ = _posseg()
    return pseg.dt.word_tag_tab.get(word) or ""


def _name_word(stem: str) -> bool:
    """A stem jieba knows as a verb, adjective, adverb … (做到, 推进, 建立) is not a name."""
    pseg, _ = _posseg()
    tag = pseg.dt.word_tag_tab.get(stem)
    return not (tag and tag[:1] in ("v", "a", "d", "p", "c", "u", "m", "q", "r", "f", "t"))


def _good_place(name: str) -> bool:
    """A name + place suffix whose name part is not generic (全县, 贫困村, 行政村 are not names)."""
    if name in _GENERIC_WORDS or len(name) < 2 or not _CJK.match(name) or name.endswith(_GENERIC_TAILS):
        return False
    for suf in AUTONOMOUS:
        if name.endswith(suf):
            return len(name) > len(suf) + 1
    if name[-1] not in PLACE_SUFFIX:
        return False
    return _good_stem(name[:-1])


def _good_place_word(word: str) -> bool:
    """One word jieba keeps whole that ends in a place suffix (和平村): a 和 inside it is the name's, not a conjunction."""
    stem = word[:-1]
    return (word[-1] in PLACE_SUFFIX and len(stem) >= 2 and word not in _GENERIC_WORDS and not word.endswith(_GENERIC_TAILS)
            and stem not in _GENERIC_STEMS and not any(ch in "的了是在" for ch in stem) and not all(ch in _QUANT_CHARS for ch in stem))


# 县委书记, 州委, 镇党委, 县政府 right after a name (not 县长: 张某县长 is a person with a title): the name is the place the office belongs to
_OFFICE_OF_PLACE = re.compile(r"^[省市县州区乡镇](?:委|党委|政府|人民政府)")


def _good_stem(stem: str) -> bool:
    return (len(stem) >= 1 and stem not in _GENERIC_STEMS and not all(ch in _QUANT_CHARS for ch in stem)
            and stem[0] not in _FUNCTION_CHARS and not any(ch in "的了是在和与及或" for ch in stem) and not (len(stem) == 1 and stem in _QUANT_CHARS))


def _good_org(name: str) -> bool:
    if name in _GENERIC_WORDS or not _CJK.match(name):
        return False
    for suf in ORG_SUFFIXES:
        if name.endswith(suf):
            stem = name[: -len(suf)]
            return len(stem) >= 2 and _good_stem(stem)
    return False


# ---------------------------------------------------------------- pronouns

_ZH_PRONOUNS: list[tuple[re.Pattern, str | None, bool, bool]] = [
    # (pattern, need (None: the suffix it names), plural, possessive)
    (re.compile(r"(?:这|那)(?:两|几|些)个?(?:县区|区县|市县|县市|乡镇)"), "place", True, False),
    (re.compile(r"(?:这|那)(?:两|几|些)个?(?=[省市县州区乡镇村旗盟])[省市县州区乡镇村旗盟](?![城长委级域里内外民])|(?<![\u4e00-\u9fff])两(?=[县市州区乡镇])[县市州区乡镇](?![城长委级域里内外民])"), None, True, False),
    (re.compile(r"(?:该|此|本)(?=[省市县州区乡镇村旗盟])[省市县州区乡镇村旗盟](?![城长委级域里内外民])"), None, False, False),
    (re.compile(r"(?:这个|那个|这一|那一)(?=[省市县州区乡镇村旗盟])[省市县州区乡镇村旗盟](?![城长委级域里内外民])"), None, False, False),
    (re.compile(r"(?:该|这个|那个|此|本)(?:地区|地方)|(?:该|此|本)地(?![区方])|这些地方|这两个地方|那两个地方"), "place", False, False),
    (re.compile(r"(?:该|这个|那个|此)(?:公司|企业|单位|机构|部门|学校|大学|医院|银行|集团|组织|局|委|厅)"), "org", False, False),
    (re.compile(r"它们|这两个|那两个|这几个|那几个|二者|两者|两地"), "any", True, False),
    (re.compile(r"(?<!其)它(?!们)"), "any", False, False),
    (re.compile(r"(?<![尤及与极])其(?![中他它余实次后间])"), "any", False, True),
    (re.compile(r"那里|那儿|这里(?!面)|这儿|当地|那边|这边|该处|此处"), "place", False, False),
    (re.compile(r"他们|她们"), "person", True, False),
    (re.compile(r"(?<![其吉])(?:他|她)(?!们)"), "person", False, False),
]
_EN_PRONOUNS: list[tuple[re.Pattern, str | None, bool, bool]] = [
    # not when a hyphen glues the level word to the next one: "the county-seat site" is a kind of site, "the county" is not there
    (re.compile(r"\b(?:this|that|the same|the said|the)\s+(county|city|prefecture|township|town|village|district|province|region)\b(?!-)", re.I), None, False, False),
    (re.compile(r"\b(?:this|that|the)\s+(?:place|area|locality)\b(?!\s+of\b)", re.I), "place", False, False),  # not "the area of X"
    (re.compile(r"\b(?:this|that|the)\s+(?:company|organization|organisation|agency|bureau|department|office|committee)\b", re.I), "org", False, False),
    (re.compile(r"\b(?:both of them|they|them|their|these two|the two)\b", re.I), "any", True, False),
    (re.compile(r"\bits\b", re.I), "any", False, True),
    (re.compile(r"\bit\b", re.I), "any", False, False),
    (re.compile(r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )\bthere\b(?! (?:is|are|was|were|be|have been|has been)\b)|\bhere\b", re.I), "place", False, False),
    (re.compile(r"\b(?:he|him|his|she|her)\b", re.I), "person", False, False),
]


def _pronouns(text: str, lang: str) -> list[Pronoun]:
    out: list[Pronoun] = []
    taken: list[tuple[int, int]] = []
    for rx, need, plural, poss in _EN_PRONOUNS if lang == "en" else _ZH_PRONOUNS:
        for m in rx.finditer(text):
            if any(m.start() < j and i < m.end() for i, j in taken):
                continue
            n = need
            if n is None:
                n = _SUFFIX_EN.get(m.group(1).lower(), "place") if lang == "en" else m.group(0)[-1]
            out.append(Pronoun(m.group(0), n, plural, m.start(), m.end(), poss))
            taken.append((m.start(), m.end()))
    return sorted(out, key=lambda p: p.start)


# ---------------------------------------------------------------- parsing


@lru_cache(maxsize=1)
def _posseg():
    from .lexical import _jieba  # the project's jieba (same dictionary as the index)

    _jieba()
    import jieba
    import jieba.posseg as pseg

    jieba.initialize()
    return pseg, jieba.dt.FREQ


def _cut(text: str) -> list[tuple[str, str, int, int]]:
    """(word, POS, start, end) of ``text``; cached, since a conversation parses its earlier turns again."""
    return list(_cut_cached(text))


@lru_cache(maxsize=8192)
def _cut_cached(text: str) -> tuple[tuple[str, str, int, int], ...]:
    pseg, _ = _posseg()
    out, pos = [], 0
    for w, f in pseg.cut(text):
        i = text.find(w, pos)
        if i < 0:
            continue
        out.append((w, f, i, i + len(w)))
        pos = i + len(w)
    return tuple(out)


_DESCRIPTION = re.compile(r"(?:报告|文件|文档|材料|文章|本文|文中|资料|表格|表)[中里内]?的(?:[省市县州区乡镇村])(?![城长委级域里内外民])")
_LEAD = re.compile(r"^(?:那么|那要是|那在|那|要是|如果是|还有|另外|至于|关于|换成|改成|换作)(?=[\u4e00-\u9fff\d])")


# a named facility: 格萨尔 + 机场, 两河口 + 水电站 (a proper name of unknown kind)
FACILITY_SUFFIXES = ("国际机场", "机场", "水电站", "电站", "水库", "大桥", "隧道", "火车站", "车站", "高速公路", "铁路", "寺", "景区", "产业园", "工业园区", "园区")


def _good_facility(name: str) -> bool:
    for suf in FACILITY_SUFFIXES:
        if name.endswith(suf):
            stem = name[: -len(suf)]
            return len(stem) >= 2 and _good_stem(stem) and _name_word(stem)
    return False


_GLUED_PARTICLES = ("呢", "吗", "吧", "啊", "呀")


def _known(text: str, lexicon: Lexicon | None, extra: dict[str, str] | None) -> list[tuple[int, int, str]]:
    """Spans of names known from the conversation (``extra``) and the index (``lexicon``), longest first, not overlapping."""
    cands = []
    for name, kind in (extra or {}).items():
        i = text.find(name)
        while i >= 0:
            cands.append((i, i + len(name), kind))
            i = text.find(name, i + 1)
    cands.extend(lexicon.matches(text) if lexicon else [])
    out: list[tuple[int, int, str]] = []
    for i, j, kind in sorted(cands, key=lambda c: (-(c[1] - c[0]), c[0])):
        if not any(i < b and a < j for a, b, _ in out):
            out.append((i, j, kind))
    return sorted(out)


def _zh_entities(text: str, lexicon: Lexicon | None, pronoun_spans: list[tuple[int, int]], extra: dict[str, str] | None = None) -> list[Entity]:
    _, freq = _posseg()
    found: list[Entity] = []

    def free(i: int, j: int) -> bool:
        return not any(i < b and a < j for a, b in pronoun_spans) and not any(i < e.end and e.start < j for e in found)

    # a leading connective (那昌都市呢, 那卓玛乡呢) is cut off first: jieba would glue 那 to an unknown name
    lead = _LEAD.match(text)
    known_all = _known(text, lexicon, extra)
    skip = lead.end() if lead and not any(i == 0 for i, _, _ in known_all) else 0
    toks = [(w, f, i + skip, j + skip) for w, f, i, j in _cut(text[skip:])]
    bounds = {0, skip, len(text)} | {i for _, _, i, _ in toks} | {j for _, _, _, j in toks}
    # a known name counts where the question's own words start and end with it (合格村 is not a name in 合格村医)
    for i, j, kind in known_all:
        if i in bounds and j not in bounds and kind == "place" and text[j - 1] in PLACE_SUFFIX:
            # the suffix glued to the next word: 扎西 + 镇辖 → 扎西镇 + 辖 (not 合格村 + 医: the rest must not be a noun)
            tok = next((t for t in toks if t[2] < j < t[3]), None)
            if tok is None or tok[2] != j - 1 or _word_tag(text[j : tok[3]])[:1] not in ("v", "p", "d", "c", "m", "q"):
                continue
        elif not (i in bounds and (j in bounds or text[j : j + 1] in _GLUED_PARTICLES)):
            continue  # (扎西平措 + 呢: jieba glues a sentence particle to the last character of a name it does not know, 措呢)
        if free(i, j):
            found.append(Entity(text[i:j], kind, i, j))
    # a definite description stands for a place too: 报告中的县, 文件里的市
    for m in _DESCRIPTION.finditer(text):
        if free(m.start(), m.end()):
            found.append(Entity(m.group(0), "place", m.start(), m.end()))
    # 央金 + 傈僳族 + 自治县: the autonomous-area word closes a name of up to three words
    for a, (w, f, i, j) in enumerate(toks):
        if w in AUTONOMOUS:
            b = a
            while b > 0 and a - b < 3 and _CJK.match(toks[b - 1][0]) and toks[b - 1][1][:1] in ("n", "j", "x") \
                    and toks[b - 1][0] not in _GENERIC_WORDS and free(toks[b - 1][2], toks[b - 1][3]):
                b -= 1
            if b < a and free(toks[b][2], j):
                found.append(Entity(text[toks[b][2] : j], "place", toks[b][2], j))
    k = 0
    while k < len(toks):
        w, f, i, j = toks[k]
        nxt = toks[k + 1] if k + 1 < len(toks) else None
        ent = None
        # a name followed by a one-character place suffix or an organization suffix: 卓玛 + 乡, 腾讯 + 公司
        if nxt and _CJK.match(w) and len(w) <= 4 and f[:1] in ("n", "j", "x", "a") and f not in ("nt",) and nxt[2] == j:
            cand = w + nxt[0]
            if f == "nr" and len(w) == 1 and 1 <= len(nxt[0]) <= 2 and nxt[1][:1] in ("n", "j") and nxt[1] not in ("ns", "nt") \
                    and _CJK.match(nxt[0]) and nxt[0] not in _GENERIC_WORDS and not (k + 2 < len(toks) and toks[k + 2][1] in ("ns", "nr")):
                # a surname jieba cuts off its given name: 傅 + 春城
                ent, k = Entity(cand, "person", i, nxt[3]), k + 1
            elif f == "ns" and nxt[0] in ("小组", "村民小组"):  # a village group: 阳都 + 小组
                ent, k = Entity(cand, "place", i, nxt[3]), k + 1
            elif nxt[0] in PLACE_SUFFIX and len(nxt[0]) == 1 and _good_place(cand):
                ent, k = Entity(cand, "place", i, nxt[3]), k + 1
            elif nxt[0] in ORG_SUFFIXES and _good_org(cand):
                ent, k = Entity(cand, "org", i, nxt[3]), k + 1
            elif nxt[0] in AUTONOMOUS:
                ent, k = Entity(cand, "place", i, nxt[3]), k + 1
            elif nxt[0] in FACILITY_SUFFIXES and f[:1] in ("n", "j", "x") and _good_facility(cand):
                ent, k = Entity(cand, "name", i, nxt[3]), k + 1
        if ent is None and nxt and _CJK.match(w) and 2 <= len(w) <= 4 and f[:1] in ("n", "j", "x") and nxt[2] == j \
                and _OFFICE_OF_PLACE.match(nxt[0]) and w[-1] not in PLACE_SUFFIX and _good_stem(w) and w not in _GENERIC_WORDS:
            # 格桑 + 县委书记 / 县政府: the office is the place's, so the name is a place's (格桑县), not a person's
            ent = Entity(w + nxt[0][0], "place", i, j + 1)
        if ent is None and _CJK.match(w):
            if len(w) >= 3 and (w[-1] in PLACE_SUFFIX or w.endswith(AUTONOMOUS)) and (_good_place(w) or _good_place_word(w)):
                ent = Entity(w, "place", i, j)
            elif f == "nt" and len(w) >= 2:
                ent = Entity(w, "org", i, j)
            elif len(w) >= 3 and _good_org(w) and f[:1] in ("n", "j"):
                ent = Entity(w, "org", i, j)
            elif f == "ns" and len(w) >= 2 and w not in _GENERIC_WORDS and freq.get(w, 0) < _NS_MAX_FREQ and _good_stem(w):
                ent = Entity(w, "place", i, j)
            elif f in ("nr", "nrfg") and 2 <= len(w) <= 3 and freq.get(w, 0) < _NS_MAX_FREQ and not (
                    nxt is not None and nxt[2] == j and nxt[1] not in ("nr", "nrfg", "ns", "nt") and not nxt[0].endswith(_TITLES)
                    and ((freq.get(w, 0) >= _NR_COMMON_FREQ and nxt[1][:1] in ("n", "v"))
                         or (nxt[1] in ("n", "vn", "nz") and len(nxt[0]) >= 2))):
                # a common word jieba also knows as a name (林木 in 林木种苗基地) modifies the noun after it; so does any word
                # jieba calls a name when a noun of two or more characters follows it with nothing between (扶志 + 模式, 续建 + 农村公路):
                # a person's name is followed by a verb, a title (傅春城 + 书记), 的, a particle or a measure word (陆太忠 + 家)
                ent = Entity(w, "person", i, j)
            elif f == "nrt" and len(w) >= 2 and freq.get(w, 0) < _NS_MAX_FREQ:
                ent = Entity(w, "name", i, j)
        if ent is not None and free(ent.start, ent.end):
            found.append(ent)
        k += 1
    # a generic organization right after a place is that place's own: 雅砻州 + 人民医院, 格桑县 + 人民政府
    for e in list(found):
        if e.kind != "place":
            continue
        nxt = next((t for t in toks if t[2] == e.end), None)
        if not nxt or not _CJK.match(nxt[0]) or nxt[1][:1] not in ("n", "l", "i", "j", "v"):
            continue
        if len(nxt[0]) >= 2 and nxt[0].endswith(ORG_SUFFIXES) and nxt[1][:1] in ("n", "l") and free(nxt[2], nxt[3]):
            found.append(Entity(nxt[0], "org", nxt[2], nxt[3]))
            continue
        nxt2 = next((t for t in toks if t[2] == nxt[3]), None)  # 人民 + 医院, 扶贫 + 开发局
        if nxt2 and _CJK.match(nxt2[0]) and nxt2[0].endswith(ORG_SUFFIXES) and free(nxt[2], nxt2[3]) and (
                (len(nxt[0]) <= 2 and len(nxt2[0]) >= 2 and nxt[1][:1] in ("n", "l", "j") and nxt2[1][:1] in ("n", "l", "j"))  # 人民 + 医院
                or (len(nxt2[0]) == 1 and 2 <= len(nxt[0]) <= 4 and nxt[1][:1] in ("n", "i", "l", "j", "v"))):  # 扶贫开发 + 局
            found.append(Entity(text[nxt[2] : nxt2[3]], "org", nxt[2], nxt2[3]))
    # 卫生院, 医院, 小学 alone: the kind of an organization, not one named (多少所卫生院？ counts them)
    found = [e for e in found if not (e.kind == "org" and e.text in ORG_SUFFIXES)]
    return _compounds(sorted(found, key=lambda e: e.start), text)


# the county in the traditional-Chinese report, the city described in the document: a definite description stands for a place
_EN_DESCRIPTION = re.compile(r"\bthe\s+(?:county|city|prefecture|town|township|village|district|province)\s+(?:described\s+in|covered\s+by|in|of|from)\s+"
                             r"the\s+(?:[\w-]+\s+){0,3}?(?:report|document|file|article|text|paper)\b", re.I)


def _en_entities(text: str, lexicon: Lexicon | None, extra: dict[str, str] | None = None) -> list[Entity]:
    found: list[Entity] = [Entity(m.group(0), "place", m.start(), m.end()) for m in _EN_DESCRIPTION.finditer(text)]
    for m in _EN_NAME.finditer(text):
        if any(e.start <= m.start(1) < e.end for e in found):
            continue
        words = re.sub(r"'s$", "", m.group(1)).split()
        start = m.start(1)
        # drop sentence-initial question words and other capitalised function words
        while words and words[0].lower() in _EN_NOT_NAMES:
            start += len(words[0]) + 1
            words = words[1:]
        if not words:
            continue
        end = m.end(2) if m.group(2) else m.start(1) + len(re.sub(r"'s$", "", m.group(1)))
        kind = "place" if m.group(2) or words[-1].lower() in _SUFFIX_EN else "name"
        found.append(Entity(text[start:end], kind, start, end))
    # Chinese names inside an English question
    for m in re.finditer(r"[\u4e00-\u9fff]+", text):
        for e in _zh_entities(m.group(0), lexicon, [], extra):
            found.append(Entity(e.text, e.kind, m.start() + e.start, m.start() + e.end))
    return sorted(found, key=lambda e: e.start)


def _compounds(ents: list[Entity], text: str) -> list[Entity]:
    """Adjacent names with nothing between them are one: 四川省甘孜州稻城县, 理塘县教育局."""
    out: list[Entity] = []
    for e in ents:
        prev = out[-1] if out else None
        if prev and prev.end == e.start and prev.kind in ("place", "name") and e.kind in ("place", "org", "name"):
            parts = (prev.parts or [prev]) + [e]
            out[-1] = Entity(text[prev.start : e.end], e.kind, prev.start, e.end, parts)
        else:
            out.append(e)
    return out


def detect_lang(text: str) -> str:
    return "zh" if re.search(r"[\u4e00-\u9fff]", text or "") and len(re.findall(r"[\u4e00-\u9fff]", text)) * 4 >= len(re.findall(r"[A-Za-z]", text)) else "en"


def parse(text: str, lexicon: Lexicon | None = None, extra: dict[str, str] | None = None) -> Parsed:
    """Entities, years and pronouns of ``text`` (analysed in simplified script; spans index ``text``).

    ``extra``: names known from elsewhere (the conversation so far), name → kind.
    """
    raw = text or ""
    s = to_simplified(nfkc(raw))
    if len(s) != len(raw):  # spans must index the text we return
        raw = s
    lang = detect_lang(s)
    prons = _pronouns(s, lang)
    if lang == "en":
        descs = [(m.start(), m.end()) for m in _EN_DESCRIPTION.finditer(s)]
        prons = [p for p in prons if not any(a <= p.start and p.end <= b for a, b in descs)]  # "the county" inside "the county in the … report"
        ents = [e for e in _en_entities(s, lexicon, extra) if not any(e.start < p.end and p.start < e.end for p in prons)]
        years = [_year(m) for m in _YEAR_EN.finditer(s)]
    else:
        ents = _zh_entities(s, lexicon, [(p.start, p.end) for p in prons], extra)
        years = [_year(m) for m in _YEAR_ZH.finditer(s)]
    def fix(e: Entity) -> Entity:
        return Entity(raw[e.start : e.end], e.kind, e.start, e.end, [fix(x) for x in e.parts], s[e.start : e.end])

    ents = [fix(e) for e in ents]
    years = [Year(raw[y.start : y.end], y.value, y.start, y.end) for y in years]
    prons = [Pronoun(raw[p.start : p.end], p.need, p.plural, p.start, p.end, p.possessive) for p in prons]
    return Parsed(raw, lang, ents, years, prons, s)


def english_name(name: str) -> str:
    """A Chinese place name in pinyin for an English sentence (稻城县 → Daocheng County); the name itself without pypinyin."""
    try:
        from pypinyin import lazy_pinyin
    except ImportError:
        return name
    if not _CJK.match(name):
        return name
    suffix = ""
    for zh, en in (("自治县", "Autonomous County"), ("自治州", "Autonomous Prefecture"), ("县", "County"), ("市", "City"), ("州", "Prefecture"),
                   ("乡", "Township"), ("镇", "Town"), ("村", "Village"), ("区", "District"), ("省", "Province")):
        if name.endswith(zh) and len(name) > len(zh):
            name, suffix = name[: -len(zh)], " " + en
            break
    return "".join(lazy_pinyin(name)).capitalize() + suffix
