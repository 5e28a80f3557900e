"""Figures in Chinese text: Arabic and Chinese numerals, 万/亿 magnitudes, ranges, percentages, dates,
and the measure word after them, grouped into unit families.

Text is matched in its normalised form (NFKC, simplified, same length as the original; see
:func:`rag.reader.text.normalize`), so offsets point into the original text.

Example::

    >>> from rag.reader.numbers import find_figures, unit_family
    >>> [(f.text, f.family) for f in find_figures("贫困户1268户，发生率20.25%，历时三个月，耗资3.2万美元")]
    [('1268户', '户'), ('20.25%', '%'), ('三个月', 'duration'), ('3.2万美元', 'money')]
    >>> unit_family("小时"), unit_family("名"), unit_family("亿元")
    ('duration', '人', 'money')
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# ---------------------------------------------------------------- measure words and their families

# family -> measure words (simplified script). Longest alternatives are tried first.
FAMILIES: dict[str, tuple[str, ...]] = {
    "money": ("元", "万元", "亿元", "千元", "百元", "美元", "欧元", "英镑", "日元", "日圆", "港元", "港币", "澳元", "卢布",
              "新台币", "台币", "人民币", "法郎", "马克", "比索", "韩元", "块钱", "块", "角"),
    "%": ("%", "‰", "个百分点", "百分点", "成"),
    "人": ("人", "名", "位", "员"),
    "人次": ("人次", "万人次"),  # visits are not people
    "户": ("户", "家庭"),
    "户次": ("户次",),
    "duration": ("小时", "个小时", "分钟", "秒钟", "秒", "天", "日", "周", "星期", "个星期", "个月", "月", "年", "个年头",
                 "世纪", "年代", "昼夜", "夜", "晚", "刻"),
    "length": ("米", "千米", "公里", "公尺", "厘米", "毫米", "公分", "英里", "英尺", "英寸", "里", "海里", "公厘", "光年", "纳米", "微米"),
    "area": ("平方米", "平方千米", "平方公里", "平方英里", "公顷", "亩", "顷", "平方"),
    "weight": ("吨", "公斤", "千克", "克", "斤", "磅", "毫克", "盎司", "万吨", "克拉"),
    "volume": ("升", "毫升", "立方米", "方"),
    "age": ("岁", "周岁"),
    "degree": ("度", "摄氏度", "华氏度", "℃"),
    "times": ("倍", "番"),
    "count": ("个", "家", "所", "处", "座", "项", "条", "支", "批", "台", "次", "辆", "套", "间", "头", "只", "匹",
              "株", "棵", "本", "部", "篇", "首", "册", "张", "件", "份", "片", "层", "栋", "艘", "架", "枚", "颗", "粒",
              "场", "届", "期", "级", "类", "种", "样", "门", "所", "轮", "集", "章", "节", "卷", "幅", "副", "口", "根",
              "道", "趟", "对", "双", "组", "队", "把", "封", "餐", "顿", "声", "步", "拳", "分", "票", "席", "局",
              "代", "任", "号", "宗", "起", "例", "笔", "款", "家次", "台次", "艘次", "架次", "班", "区", "乡", "镇", "村",
              "县", "市", "省", "国", "字", "画", "位数", "码", "列", "段", "波", "季", "话", "回", "针", "剂", "瓶", "杯",
              "碗", "桶", "箱", "包", "盒", "袋", "束", "朵", "串", "行", "排", "层楼", "楼", "室", "床", "台套", "辆次"),
    "power": ("瓦", "千瓦", "兆瓦", "马力", "伏", "千伏", "安培", "赫兹", "焦耳", "卡路里", "大卡", "千瓦时", "度电"),
    "data": ("字节", "位元", "比特", "兆", "GB", "MB", "KB", "TB", "bit", "像素"),
    "speed": ("公里每小时", "公里/小时", "千米/小时", "米/秒", "节", "km/h", "mph"),
}
# Latin-letter units (text is lower-cased when normalised)
_LATIN_UNITS = {"km2": "area", "km²": "area", "m2": "area", "m²": "area", "ha": "area", "km": "length", "cm": "length",
                "mm": "length", "kg": "weight", "mg": "weight", "ml": "volume", "kw": "power", "mw": "power", "gw": "power",
                "kwh": "power", "hz": "power", "khz": "power", "mhz": "power", "ghz": "power", "kb": "data", "mb": "data",
                "gb": "data", "tb": "data", "usd": "money", "us$": "money", "$": "money", "m": "length", "t": "weight"}
# a measure word that belongs to one family in particular (人次 counts people, 户次 households)
_UNIT_TO_FAMILY: dict[str, str] = {}
for _fam, _units in FAMILIES.items():
    for _u in _units:
        _UNIT_TO_FAMILY.setdefault(_u, _fam)
_UNIT_TO_FAMILY.update({"万元": "money", "亿元": "money", "%": "%"})
_UNIT_TO_FAMILY.update(_LATIN_UNITS)

UNITS = sorted(_UNIT_TO_FAMILY, key=len, reverse=True)
# a Latin unit must end its word (1.601 km², not the "m" of "more")
_UNIT_RE = "|".join(re.escape(u) + (r"(?![a-z])" if re.match(r"[a-z$]", u) else "") for u in UNITS)

ZH_DIGITS = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"
_ZH_NUM = rf"[{ZH_DIGITS}]+"
_AR_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_MAG = r"(?:万亿|千亿|百亿|十亿|千万|百万|十万|万|亿|千|百)"
_NUM = rf"(?:{_AR_NUM}|{_ZH_NUM})"

FIGURE_RE = re.compile(
    r"(?P<pre>约|近|逾|超过|超|达|大约|将近|不到|不足|不少于|不低于|至少|多达|高达|仅|只有|共|共计|合计|累计|首|前|第|每)?"
    rf"(?P<num>(?:百分之|千分之)?{_NUM}(?:余|多)?(?:\s*{_MAG})?"
    rf"(?:\s*(?:至|到|-|~|—|－|～|或)\s*{_NUM}(?:余|多)?(?:\s*{_MAG})?)?)"
    r"(?P<approx>余|多|几|来)?"
    rf"(?:\s?(?P<unit>{_UNIT_RE}))?"
    r"(?P<post>左右|以上|以下|以内|多|余)?"
)
_YEAR = rf"(?:(?:公元前|公元|西元前|西元|民国|民國)\s*(?:{_AR_NUM}|{_ZH_NUM})|\d{{3,4}}|[〇零一二三四五六七八九]{{4}})\s*年"
_MD = rf"(?:{_AR_NUM}|{_ZH_NUM})\s*月(?:\s*(?:{_AR_NUM}|{_ZH_NUM})\s*[日号])?"
_DATE_RE = re.compile(
    rf"{_YEAR}(?:代|初|底|末|中|间)?(?:\s*{_MD})?"
    rf"|(?:{_AR_NUM}|{_ZH_NUM})\s*月\s*(?:{_AR_NUM}|{_ZH_NUM})\s*[日号]"
    rf"|(?:{_AR_NUM}|{_ZH_NUM})\s*世纪(?:初|末|中叶|中期|初期|末期|\d+年代)?"
)


_RATIO_RE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?\s*[:：比]\s*\d+(?:\.\d+)?(?![\d.])")


def unit_family(unit: str | None) -> str | None:
    """The family of a measure word (``名`` → ``人``, ``亿元`` → ``money``); None for no unit."""
    if not unit:
        return None
    unit = unit.replace("％", "%")
    if unit in _UNIT_TO_FAMILY:
        return _UNIT_TO_FAMILY[unit]
    for u in UNITS:  # 万户 → 户, 亿美元 → money
        if unit.endswith(u):
            return _UNIT_TO_FAMILY[u]
    return None


@dataclass(frozen=True)
class Figure:
    """A figure found in normalised text: ``text == norm[start:end]``; ``core`` without 约/以上 etc."""

    start: int
    end: int
    text: str
    family: str | None  # unit family, "date" for dates, "%" for percentages, None for a bare number
    unit: str | None
    core_start: int
    core_end: int
    chinese: bool  # written in Chinese numerals


@lru_cache(maxsize=65536)
def find_figures(norm: str) -> tuple[Figure, ...]:
    """Figures and dates in normalised text, longest first where they overlap (dates win over counts).

    >>> [f.text for f in find_figures("制定一户一方案，帮扶一户3人")]
    ['一户', '3人']
    """
    out: list[Figure] = []
    taken = [False] * len(norm)
    for m in _DATE_RE.finditer(norm):
        txt = m.group(0)
        out.append(Figure(m.start(), m.end(), txt, "date", None, m.start(), m.end(), not re.search(r"\d", txt)))
        for k in range(m.start(), m.end()):
            taken[k] = True
    for m in FIGURE_RE.finditer(norm):
        num = m.group("num")
        if not num or taken[m.start("num")]:
            continue
        unit = m.group("unit")
        chinese = not re.search(r"\d", num)
        if num.startswith(("百分之", "千分之")):
            unit = unit or "%"
        if chinese and not unit:
            continue  # 一些, 一般, 统一: Chinese numerals are a figure only with a measure word
        if num == "一" and (norm[m.end("unit") : m.end("unit") + 1] == "一" or norm[max(0, m.start("num") - 2) : m.start("num") - 1] == "一"):
            continue  # 一户一方案, 一村一品, 一对一: a pattern of one thing each, not a count
        fam = unit_family(unit)
        if num.startswith(("百分之", "千分之")):
            fam = "%"
        start = m.start("num")
        end = m.end("unit") if m.group("unit") else m.end("num")
        if m.group("approx") and not unit:
            end = m.end("approx")
        core = (start, end)
        s0 = m.start() if m.group("pre") else start
        e0 = m.end() if m.group("post") else end
        out.append(Figure(s0, e0, norm[s0:e0], fam, unit, core[0], core[1], chinese))
    for m in _RATIO_RE.finditer(norm):  # 1:7, 3比2: a proportion
        out.append(Figure(m.start(), m.end(), m.group(0), "%", None, m.start(), m.end(), False))
    out.sort(key=lambda f: (f.start, -(f.end - f.start)))
    return tuple(out)
