"""Figures in text (rag/reader/numbers.py): Arabic and Chinese numerals, magnitudes, units, dates."""
from __future__ import annotations

import doctest

import pytest

import rag.reader.numbers as numbers_mod
from rag.reader.numbers import find_figures, unit_family
from rag.reader.text import normalize


def test_doctests():
    assert doctest.testmod(numbers_mod).failed == 0


def figures(text: str) -> dict[str, str | None]:
    """Figures as the text writes them (with and without 约/达/以上 …) → unit family."""
    out = {}
    for f in find_figures(normalize(text)):
        out[text[f.start : f.end]] = out[text[f.core_start : f.core_end]] = f.family
    return out


@pytest.mark.parametrize(
    "text, figure, family",
    [
        ("全县带动农户4820户增收", "4820户", "户"),
        ("常住人口21.7万人", "21.7万人", "人"),
        ("金奖作品获得七分", "七分", "count"),
        ("工程延期三個月後完工", "三個月", "duration"),
        ("比赛持续了5个小时", "5个小时", "duration"),
        ("营收达到38亿美元", "38亿美元", "money"),
        ("普及率达到92.5%", "92.5%", "%"),
        ("占全县人口的百分之三十", "百分之三十", "%"),
        ("新改建农村公路312公里", "312公里", "length"),
        ("土地面积1.601 km²", "1.601 km²", "area"),
        ("1986年遷至現址", "1986年", "date"),
        ("4月16日召开专题会议", "4月16日", "date"),
        ("民國14年11月起", "民國14年11月", "date"),
        ("每小时可达70-80公里", "70-80公里", "length"),
        ("20余万名群众", "20余万名", "人"),
    ],
)
def test_figures_with_their_unit_family(text, figure, family):
    found = figures(text)
    assert figure in found, found
    assert found[figure] == family


def test_chinese_numerals_need_a_measure_word():
    assert figures("一些人统一了意见") == {}  # 一些 / 统一 are words, not figures
    assert "首六位" in figures("号码的首六位表示地址码")


def test_unit_families():
    assert unit_family("名") == unit_family("位") == "人"
    assert unit_family("亿元") == unit_family("美元") == "money"
    assert unit_family("个小时") == unit_family("分钟") == "duration"
    assert unit_family(None) is None
