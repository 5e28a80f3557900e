"""The gold evaluation sets (eval/gold_dev.jsonl, eval/gold_test.jsonl, eval/conversations*.jsonl) and their validators."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV = REPO_ROOT / "eval" / "gold_dev.jsonl"
TEST = REPO_ROOT / "eval" / "gold_test.jsonl"
CONV = REPO_ROOT / "eval" / "conversations.jsonl"
CONV_DEV = REPO_ROOT / "eval" / "conversations_dev.jsonl"
SEEDS = REPO_ROOT / "seeds" if (REPO_ROOT / "seeds").is_dir() else REPO_ROOT.parent / "shared" / "seeds"

DOC_SIMPL = "000_0be71c8bf9467bc8.txt"   # 稻城县 report (simplified)
DOC_TRAD = "001_b897b2bc94b4a626.txt"    # county report in traditional Chinese


def _load(name):
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "eval" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


vg = _load("validate_gold")
vc = _load("validate_conversations")


def _write(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _good(id_="g001"):
    return {
        "id": id_, "question": "稻城县2014年审定贫困村多少个？", "answers": ["55个"], "must_contain": ["55"],
        "doc": DOC_SIMPL, "quote": "2014年审定贫困村55个、贫困户1268户、贫困人口5614人",
        "type": "numeric", "lang": "zh-Hans",
    }


def _item_problems(problems, id_):
    return [p for p in problems if f"({id_})" in p]


# --------------------------------------------------------------------------- the committed gold file

def test_seeds_present():
    assert SEEDS.is_dir(), f"seed directory missing: {SEEDS}"
    assert len(list(SEEDS.glob("*.txt"))) >= 5


@pytest.mark.parametrize("path", [DEV, TEST], ids=["dev", "test"])
def test_committed_split_validates(path):
    problems = vg.validate(path, SEEDS)
    assert problems == [], "\n".join(problems)


def test_validator_cli_checks_both_splits_and_their_leakage(capsys):
    assert vg.main(["--seeds", str(SEEDS)]) == 0
    out = capsys.readouterr().out
    assert "gold_dev.jsonl is valid" in out and "gold_test.jsonl is valid" in out
    assert "no id or question is in both" in out and "no near-duplicate question" in out
    assert "unanswerable" in out and DOC_TRAD in out


def test_splits_keep_every_original_item_and_the_new_test_questions():
    dev = [json.loads(l) for l in DEV.read_text(encoding="utf-8").splitlines()]
    test = [json.loads(l) for l in TEST.read_text(encoding="utf-8").splitlines()]
    old = sorted(r["id"] for r in dev + test if r["id"].startswith("q"))
    assert old == [f"q{i:03d}" for i in range(1, 194)]  # the 193 questions of the retired eval/gold.jsonl, none lost
    new = [r["id"] for r in test if r["id"].startswith("t")]
    assert new == [f"t{i:03d}" for i in range(1, len(new) + 1)] and len(new) >= 70
    assert {r["type"] for r in test if r["id"].startswith("t")} == set(vg.TYPES)  # new questions of every type
    added = [r["id"] for r in dev if r["id"].startswith("d")]  # dev questions written after the split (d001…)
    assert added == [f"d{i:03d}" for i in range(1, len(added) + 1)] and len(added) >= 40
    assert sum(r["type"] == "unanswerable" for r in dev) >= 20 and sum(r["type"] == "english" for r in dev) >= 20
    assert not (REPO_ROOT / "eval" / "gold.jsonl").exists()
    for path in (DEV, TEST):  # written with ensure_ascii=False: Chinese is stored as-is, not as \\u escapes
        assert "\\u" not in path.read_text(encoding="utf-8")


def test_split_leakage_is_reported(tmp_path):
    dev = _write(tmp_path / "dev.jsonl", [_good("g001")])
    test = _write(tmp_path / "test.jsonl", [_good("g001"), dict(_good("g002"), question="稻城縣2014年審定貧困村多少個？")])
    problems = vg.validate_split(dev, test)
    assert any("id 'g001'" in p for p in problems), problems
    assert any("'g001' (dev) is the question of 'g002'" in p for p in problems), problems  # the same question in another script


def _unanswerable(id_, question, lang="zh-Hans"):
    return {"id": id_, "question": question, "answers": [], "must_contain": [], "doc": None, "quote": None,
            "type": "unanswerable", "lang": lang}


def test_split_leakage_catches_reworded_questions_and_a_test_fact_asked_again(tmp_path):
    test = _write(tmp_path / "test.jsonl", [
        _good("t001"),
        _unanswerable("t002", "稻城县2021年的贫困发生率是多少？"),
        _unanswerable("t003", "How many tourists visited Weixi County in 2019?", lang="en"),
    ])
    dev = _write(tmp_path / "dev.jsonl", [
        dict(_good("d001"), question="稻城县2014年审定了几个贫困村？"),                      # reworded: particles, word order
        dict(_good("d002"), question="那次审定，稻城一共认定了多少个穷村子？"),              # other words, the same figure at the same place
        _unanswerable("d003", "2021年稻城县贫困发生率为多少？"),                           # reordered
        _unanswerable("d004", "In 2019, how many tourists came to Weixi County?", lang="en"),
        dict(_good("d005"), question="稻城县2014年的贫困人口有多少人？", answers=["5614人"], must_contain=["5614"]),  # same passage, another fact
        _unanswerable("d006", "昌都市2017年的农村低保对象有多少户？"),
    ])
    problems = vg.validate_split(dev, test, SEEDS)
    text = "\n".join(problems)
    assert any("'d001' (dev) is a near-duplicate of 't001'" in p for p in problems), text
    assert any("'d002' (dev) asks the fact of 't001'" in p and "'55'" in p for p in problems), text
    assert any("'d001' (dev) asks the fact of 't001'" in p for p in problems), text
    assert any("'d003' (dev) is a near-duplicate of 't002'" in p for p in problems), text
    assert any("'d004' (dev) is a near-duplicate of 't003'" in p for p in problems), text
    assert not any("贫困发生率是多少" in p or "visited Weixi" in p for p in problems), text  # never a test question's text
    assert not any("'d005'" in p or "'d006'" in p for p in problems), text


@pytest.mark.parametrize("a, b, dup", [
    ("稻城县2014年审定贫困村多少个？", "稻城縣2014年審定貧困村多少個？", True),              # script only
    ("稻城县2014年审定贫困村多少个？", "稻城县2014年审定了几个贫困村？", True),
    ("甘孜州2010年农村贫困人口有多少？", "甘孜州2010年的农村贫困人口是多少？", True),
    ("What is the resident population of Daocheng County?", "What's the resident population of Daocheng county", True),
    ("稻城县卫生扶贫基金累计救助多少人？", "稻城縣衛生扶貧基金累計救助了多少錢？", True),        # one word apart: too close to keep apart
    ("稻城县2014年审定贫困村多少个？", "昌都市贫困村退出了多少个？", False),
    ("甘孜州2010年农村贫困人口有多少？", "甘孜州2010年的贫困发生率是多少？", False),
    ("How many poor villages has Changdu lifted out of poverty?", "How many students are enrolled in schools in Changdu?", False),
])
def test_near_duplicate(a, b, dup):
    assert (vg.near_duplicate(a, b) is not None) is dup, (a, b, vg.near_duplicate(a, b))


def test_fact_sites_are_the_figures_place_in_the_seed():
    seeds = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    a = vg.fact_sites(_good(), seeds)
    assert {(d, tok) for d, tok, _ in a} == {(DOC_SIMPL, "55")}
    shorter = dict(_good(), quote="2014年审定贫困村55个、贫困户1268户")                 # another span around the same figure
    assert vg.fact_sites(shorter, seeds) == a
    dynamic = dict(_good(), quote="2020年动态管理后，共有贫困村55个，贫困户1257户")     # 55 villages again, another place
    assert vg.fact_sites(dynamic, seeds).isdisjoint(a)
    assert vg.fact_sites(_unanswerable("u1", "稻城县2021年的贫困发生率是多少？"), seeds) == set()


def test_profiles_come_from_the_file_name(tmp_path):
    assert vg.profile_for(tmp_path / "gold_test.jsonl") is vg.PROFILES["test"]
    assert vg.profile_for(tmp_path / "gold_dev.jsonl") is vg.PROFILES["dev"]
    assert vg.profile_for(tmp_path / "mine.jsonl") is vg.PROFILES["none"]
    small = _write(tmp_path / "mine.jsonl", [_good()])
    assert vg.validate(small, SEEDS) == []  # no minimums for an ad-hoc file
    assert any(p.startswith("coverage:") for p in vg.validate(small, SEEDS, profile="test"))


# --------------------------------------------------------------------------- the validator catches defects

def test_good_record_has_no_item_problems(tmp_path):
    problems = vg.validate(_write(tmp_path / "g.jsonl", [_good()]), SEEDS)
    assert _item_problems(problems, "g001") == []
    # a one-item file must still fail the coverage minimums of a split
    assert any(p.startswith("coverage:") for p in vg.validate(_write(tmp_path / "gold_dev.jsonl", [_good()]), SEEDS))


def test_traditional_quote_matches_simplified_token(tmp_path):
    rec = {
        "id": "g002", "question": "报告中的县总人口有多少？", "answers": ["3.3万人"], "must_contain": ["3.3万"],
        "doc": DOC_TRAD, "quote": "轄3鎮7鄉,57個行政村,總人口3.3萬人", "type": "cross_script", "lang": "zh-Hans",
    }
    problems = vg.validate(_write(tmp_path / "g.jsonl", [rec]), SEEDS)
    assert _item_problems(problems, "g002") == []


def test_validator_reports_each_defect(tmp_path):
    quote_missing = dict(_good("b001"), quote="稻城县2014年审定贫困村99个、贫困户1268户")
    token_missing = dict(_good("b002"), must_contain=["1268户", "5615"], answers=["1268户、5615人"])
    dup_a, dup_b = _good("b003"), dict(_good("b003"), question="稻城县2014年审定了几个贫困村？")
    unans_with_doc = {
        "id": "b004", "question": "稻城县2021年的贫困发生率是多少？", "answers": [], "must_contain": [],
        "doc": DOC_SIMPL, "quote": None, "type": "unanswerable", "lang": "zh-Hans",
    }
    gold = _write(tmp_path / "bad.jsonl", [quote_missing, token_missing, dup_a, dup_b, unans_with_doc])
    problems = vg.validate(gold, SEEDS)
    text = "\n".join(problems)

    assert any("(b001)" in p and "not an exact substring" in p for p in problems), text
    assert any("(b002)" in p and "'5615'" in p and "not in quote" in p for p in problems), text
    assert not any("(b002)" in p and "'1268户'" in p for p in problems), text
    assert any("duplicate id 'b003'" in p for p in problems), text
    assert any("(b004)" in p and "doc null" in p for p in problems), text
    assert vg.main([str(gold), "--seeds", str(SEEDS)]) == 1


@pytest.mark.parametrize("mutate, expect", [
    (lambda r: r.update(quote="贫困户1268户"), "length"),                       # too short
    (lambda r: r.update(doc="999_missing.txt"), "not found"),
    (lambda r: r.update(type="trivia"), "type 'trivia'"),
    (lambda r: r.update(lang="fr"), "lang 'fr'"),
    (lambda r: r.update(answers=[]), "no answers"),
    (lambda r: r.update(answers=["55个", "五十五个"]), "lacks must_contain"),
    (lambda r: r.pop("must_contain"), "missing keys"),
    (lambda r: r.update(quote2="贫困人口5614人，贫困发生率为20.25%"), "quote2 and doc2"),
    (lambda r: r.update(type="multi_part"), "needs quote2"),
    (lambda r: r.update(type="english"), "requires lang 'en'"),
    (lambda r: r.update(lang="zh-Hant"), "no traditional characters"),
    (lambda r: r.update(quote="二、工作开展情况\n\n始终聚焦“两不愁、三保障”"), "line break"),
])
def test_validator_field_checks(tmp_path, mutate, expect):
    rec = _good("m001")
    mutate(rec)
    problems = vg.validate(_write(tmp_path / "m.jsonl", [rec]), SEEDS)
    assert any(expect in p for p in _item_problems(problems, "m001")), "\n".join(problems)


def test_invalid_json_line_reported(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text(json.dumps(_good(), ensure_ascii=False) + "\n{not json\n", encoding="utf-8")
    problems = vg.validate(path, SEEDS)
    assert any(p.startswith("line 2:") and "invalid JSON" in p for p in problems), problems


# --------------------------------------------------------------------------- conversational gold (issue 11)

def test_committed_conversations_validate():
    for path in (CONV, CONV_DEV):
        problems = vc.validate(path, SEEDS)
        assert problems == [], "\n".join(problems)
    assert vc.main(["--seeds", str(SEEDS)]) == 0  # both files, and no dev dialogue repeating a test one


def test_conversation_sets_cover_every_kind():
    test = vc.load(CONV)
    dev = vc.load(CONV_DEV)
    assert len(test) >= 40 and len(dev) >= 20
    for dialogues in (test, dev):
        kinds = {t["kind"] for d in dialogues for t in d["turns"]}
        assert kinds == set(vc.KINDS)
        assert all(2 <= len(d["turns"]) <= 4 for d in dialogues)
    replies = {vc.expected(t) for d in test for t in d["turns"]}
    assert replies == {"answer", "refuse", "clarify"}


def _dialogue(**turn2):
    t1 = {"turn": 1, "kind": "first", "question": "稻城县县城海拔多高？", "resolved": "稻城县县城海拔多高？", "must_name": ["稻城县", "海拔"],
          "answers": ["3750米"], "must_contain": ["3750"], "doc": DOC_SIMPL, "quote": "面积7323平方千米，县城海拔3750米", "lang": "zh-Hans"}
    t2 = {"turn": 2, "kind": "pronoun", "question": "它的面积是多少？", "resolved": "稻城县的面积是多少？", "must_name": ["稻城县", "面积"],
          "answers": ["7323平方千米"], "must_contain": ["7323"], "doc": DOC_SIMPL, "quote": "面积7323平方千米，县城海拔3750米", "lang": "zh-Hans"}
    t2.update(turn2)
    return {"id": "x001", "turns": [t1, t2]}


def test_a_good_dialogue_has_no_item_problems(tmp_path):
    assert vc.validate(_write(tmp_path / "c.jsonl", [_dialogue()]), SEEDS, profile="none") == []


@pytest.mark.parametrize("turn2, expect", [
    ({"kind": "sarcasm"}, "kind 'sarcasm'"),
    ({"must_name": ["昌都市"]}, "must_name '昌都市' not in resolved"),
    ({"quote": "面积7324平方千米，县城海拔3750米"}, "not an exact substring"),
    ({"must_contain": ["7324"]}, "'7324' not in quote"),
    ({"answers": ["七千多平方千米"]}, "lacks must_contain"),
    ({"resolved": "它的面积是多少？"}, "resolved should differ"),
    ({"kind": "unresolvable"}, "unresolvable turn must have resolved null"),
    ({"kind": "topic_change", "must_not_name": ["稻城县"]}, "must_not_name '稻城县' is in resolved"),
    ({"kind": "first"}, "only the first turn"),
    ({"doc": None}, "doc null (refuse) must have quote null"),
    ({"turn": 3}, "turn is 3, expected 2"),
])
def test_conversation_validator_catches(tmp_path, turn2, expect):
    problems = vc.validate(_write(tmp_path / "c.jsonl", [_dialogue(**turn2)]), SEEDS, profile="none")
    assert any(expect in p for p in problems), "\n".join(problems)


def test_conversation_validator_coverage_and_structure(tmp_path):
    one_turn = {"id": "x002", "turns": _dialogue()["turns"][:1]}
    problems = vc.validate(_write(tmp_path / "conversations.jsonl", [_dialogue(), _dialogue(), one_turn]), SEEDS)
    assert any("duplicate id 'x001'" in p for p in problems)
    assert any("(x002)" in p and "2-4 turns" in p for p in problems)
    assert any(p.startswith("coverage:") and "dialogues" in p for p in problems)  # the test profile wants 40
    refuse = _dialogue(doc=None, quote=None, answers=[], must_contain=[])
    assert vc.expected(refuse["turns"][1]) == "refuse"
    assert vc.expected({"kind": "unresolvable"}) == "clarify"
