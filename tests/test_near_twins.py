"""eval/near_twins.py: near-twin unanswerable questions made from answerable ones, on an invented index
(a county report, a lake article, a football article; none of them the seeds). Each twin must be
unanswerable by construction — what it changed is said in no document that could answer it — and
the generation must be deterministic."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from rag.reader.text import normalize

SCRIPT = Path(__file__).resolve().parent.parent / "eval" / "near_twins.py"

REPORT = ("青石县位于川西高原。2018年，青石县新建水库12座，新修通村道路340公里，"
          "累计减贫2456户9871人。2019年全县接待游客86万人次，实现旅游收入7.2亿元。"
          "第三届青石县牦牛文化节吸引游客3万人次。全县建成卫生院14个。")
LAKE = "白鹭湖是一处高原湿地，湖边的芦苇面积约有40平方公里，每年冬季有候鸟在此越冬。"
FOOTBALL = "红星足球俱乐部成立于1932年，主场为东郊体育场，曾三次夺得联赛冠军。"
DONOR = "翠屏山下的望江镇有一所学堂，由林婉清创办，后来并入青川书院。"


@pytest.fixture(scope="module")
def nt():
    sys.path.insert(0, str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("near_twins", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def corpus(nt):
    return nt.Corpus({"qingshi.txt": REPORT, "lake.txt": LAKE, "football.txt": FOOTBALL})


def gold(i: str, q: str, a: str, doc: str = "qingshi.txt") -> dict:
    return {"id": i, "question": q, "answers": [a], "must_contain": [a], "doc": doc, "type": "numeric"}


GOLDS = [
    gold("g1", "2018年青石县新建水库多少座？", "12座"),
    gold("g2", "第三届青石县牦牛文化节吸引了多少游客？", "3万人次"),
    gold("g3", "青石县建成卫生院多少个？", "14个"),
    gold("g4", "2019年青石县实现旅游收入多少亿元？", "7.2亿元"),
    gold("g5", "红星足球俱乐部成立于哪一年？", "1932年", "football.txt"),
]


def changed(a: str, b: str) -> tuple[str, str]:
    """The differing middle of two strings: (what ``a`` had, what ``b`` has there)."""
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    j = 0
    while j < min(len(a), len(b)) - i and a[-1 - j] == b[-1 - j]:
        j += 1
    return a[i : len(a) - j], b[i : len(b) - j]


def test_every_twin_changes_what_no_answering_document_says(nt, corpus):
    donors = nt.donor_names([DONOR])
    seen = set()
    for g in GOLDS:
        scope = corpus.scope(g)
        assert g["doc"] in scope
        for t in [t for k in nt.KINDS for t in nt.twins(g, corpus, donors, kinds=(k,))]:
            seen.add(t["twin_kind"])
            assert t["type"] == "unanswerable" and t["answers"] == [] and t["twin_of"] == g["id"] and t["doc"] == g["doc"]
            said = normalize(t["twin_says"])
            assert said and said in normalize(t["question"]) and said not in normalize(g["question"])
            for d in scope:
                text = corpus.norm[d]
                if t["twin_kind"] in ("year", "number") and said.isdigit():
                    assert not re.search(rf"(?<![\d.]){said}(?![\d.])", text), (t, d)
                else:  # a qualifier, a name, a Chinese ordinal (第四)
                    assert said not in text, (t, d)
            if t["twin_kind"] == "entity":
                assert said not in corpus.joined  # a name of the donor text, nowhere in the index
    assert seen == {"year", "number", "breakdown", "qualifier", "entity"}


def test_twins_of_kinds(nt, corpus):
    donors = nt.donor_names([DONOR])
    by = {t["id"]: t["question"] for g in GOLDS for k in nt.KINDS for t in nt.twins(g, corpus, donors, kinds=(k,))}
    # another year that the report does not name (2017, not 2018 or 2019)
    assert by["g1~year"] == "2017年青石县新建水库多少座？"
    # 第三届 → the nearest ordinal the report does not give (第四届)
    assert by["g2~number"] == "第四届青石县牦牛文化节吸引了多少游客？"
    # a qualifier taken from another article of the index, put before the counted noun
    q = by["g3~qualifier"]
    assert q.endswith("的卫生院多少个？") and q.startswith("青石县建成")
    assert changed("青石县建成卫生院多少个？", q)[1].removesuffix("的") in LAKE + FOOTBALL
    # the count restated with its own answer, asked for a part the report does not name
    q = by["g3~breakdown"]
    assert q.startswith("青石县建成卫生院14个，其中有多少个是") and q.endswith("的？")
    assert changed("青石县建成卫生院14个，其中有多少个是", q)[1].removesuffix("的？") in LAKE + FOOTBALL
    # the subject place replaced by a place of the donor text
    assert by["g3~entity"].endswith("建成卫生院多少个？") and changed("青石县建成卫生院多少个？", by["g3~entity"])[1] in DONOR


def test_twins_are_deterministic_and_skip_what_cannot_be_twinned(nt, corpus):
    donors = nt.donor_names([DONOR])
    a = [nt.twins(g, corpus, donors) for g in GOLDS]
    b = [nt.twins(g, corpus, nt.donor_names([DONOR])) for g in GOLDS]
    assert a == b
    assert all(len(x) <= 2 for x in a)
    assert nt.twins(gold("e1", "How many reservoirs did Qingshi County build?", "12"), corpus, donors) == []
    assert nt.twins({**gold("u1", "青石县有多少座桥？", ""), "answers": []}, corpus, donors) == []
