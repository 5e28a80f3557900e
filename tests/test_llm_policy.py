"""When the offline reader's answer wins over a checked LLM answer (rag.llm_policy), and how
eval/tune_llm_policy.py learns it from the saved outcomes of a dev run (synthetic outcomes here: the
script's choice must follow from them; no model runs)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from rag.llm_policy import HARD_RULES, agrees, case_of, decide, less_specific, load_policy, reader_wins, rule_key
from rag.types import Answer

ROOT = Path(__file__).resolve().parent.parent
TUNE = ROOT / "eval" / "tune_llm_policy.py"
REFUSAL = "文档中没有找到能回答这个问题的内容。"


def _reader(text="1683户[1]", conf=0.8, refused=False):
    return Answer(question="q", answer=text, refused=refused, confidence=conf)


def _llm(text, refused=False):
    return Answer(question="q", answer=text, refused=refused)


def test_agreement_is_on_the_figures_or_the_words():
    assert agrees("玛多县建档立卡贫困户1683户[1]。", "1,683户[1]")
    assert not agrees("贫困人口5183人[1]。", "1683户[1]")
    assert agrees("由黄河乡牵头[2]。", "黄河乡[2]")
    assert not agrees("由扎陵湖乡牵头[2]。", "黄河乡[2]")


def test_less_specific_is_saying_less_than_the_reader():
    assert less_specific("建档立卡贫困户1683户[1]。", "1683户；5183人[1]")  # one part of two
    assert less_specific("玛多县建档立卡贫困户较多[1]。", "1683户[1]")  # no figure at all
    assert less_specific("黄河乡[2]", "黄河乡和扎陵湖乡[2]")
    assert not less_specific("贫困户1683户，贫困人口5183人[1]。", "1683户[1]")  # says more: agrees
    assert not less_specific("贫困人口5183人[1]。", "1683户[1]")  # another figure
    assert not less_specific("由扎陵湖乡牵头[2]。", "黄河乡[2]")
    # a figure of the question repeated is not one of the LLM's own
    assert less_specific("2014年建档立卡贫困户1683户[1]。", "1683户；5183人[1]", "2014年贫困户和贫困人口各多少？")
    assert not less_specific("2014年建档立卡贫困户1683户[1]。", "1683户；5183人[1]", "贫困户和贫困人口各多少？")
    assert case_of(_llm("2014年贫困户1683户[1]。"), _reader(), "2014年贫困户多少？") == "agree"
    assert case_of(_llm("2014年贫困户1683户[1]。"), _reader(), "贫困户多少？") == "agree_more"


def test_every_pair_of_answers_falls_in_one_case():
    refusal = _llm(REFUSAL, refused=True)
    no_answer = _reader(REFUSAL, conf=None, refused=True)
    assert case_of(refusal, no_answer) is None
    assert case_of(_llm("贫困人口5183人[1]。"), no_answer) == "reader_refuses"
    assert case_of(refusal, _reader()) == "llm_refuses"
    assert case_of(_llm("贫困户1683户[1]。"), _reader()) == "agree"
    assert case_of(_llm("贫困户1683户，贫困人口5183人[1]。"), _reader()) == "agree_more"
    assert case_of(_llm("贫困户很多[1]。"), _reader()) == "less_specific"
    assert case_of(_llm("贫困人口5183人[1]。"), _reader()) == "other_figure"
    assert case_of(_llm("由扎陵湖乡牵头[2]。"), _reader("黄河乡[2]")) == "other_words"
    assert rule_key("agree", "How many households?") == "agree/en" and rule_key("agree", "多少户？") == "agree/zh"


def test_decide_applies_the_rule_of_the_case_and_language():
    other = _llm("贫困人口5183人[1]。")
    policy = {"rules": {"other_figure": 0.7, "other_figure/en": None, "agree": 0.0, "reader_refuses": 0.0, "llm_refuses": None}}
    assert "another figure" in decide(other, _reader(conf=0.8), "贫困户多少户？", policy)
    assert decide(other, _reader(conf=0.6), "贫困户多少户？", policy) is None
    assert decide(other, _reader(conf=0.99), "How many poor households?", policy) is None  # the language's own rule
    assert "as the LLM does" in decide(_llm("贫困户1683户[1]。"), _reader(conf=0.1), "贫困户多少户？", policy)
    assert decide(_llm(REFUSAL, refused=True), _reader(conf=0.99), "贫困户多少户？", policy) is None
    no_answer = _reader(REFUSAL, conf=None, refused=True)
    assert "not trusted" in decide(other, no_answer, "贫困户多少户？", policy)  # a refusal counts as confidence 0
    assert decide(other, no_answer, "贫困户多少户？", {"rules": {"reader_refuses": None}}) is None
    assert decide(other, _reader(conf=0.99), "贫困户多少户？", {"rules": {}}) is None  # no rule: the LLM stands
    assert decide(None, _reader(), "q", policy) is None


def test_a_reader_answer_is_never_dropped_for_a_less_specific_one():
    assert HARD_RULES == {"less_specific": 0.0}
    vague = _llm("玛多县建档立卡贫困户较多[1]。")
    for rules in ({}, {"less_specific": None}, {"less_specific/zh": None}):
        assert "less precisely" in decide(vague, _reader(conf=0.01), "贫困户多少户？", {"rules": rules})


def test_the_single_threshold_rule_still_answers_for_explicit_overrides():
    other = _llm("贫困人口5183人[1]。")
    same = _llm("贫困户1683户[1]。")
    refusal = _llm(REFUSAL, refused=True)
    assert "another figure" in reader_wins(other, _reader(conf=0.8), 0.7)
    assert reader_wins(other, _reader(conf=0.6), 0.7) is None
    assert reader_wins(same, _reader(conf=0.99), 0.0) is None
    assert "refused" in reader_wins(refusal, _reader(conf=0.8), 0.7)
    assert reader_wins(other, _reader(refused=True, text=REFUSAL), 0.0) is None
    assert reader_wins(other, _reader(conf=0.99), None) is None  # no threshold: the LLM's checked answer stands
    no_answer = _reader(refused=True, text=REFUSAL, conf=None)
    assert reader_wins(other, no_answer, 0.5, over_refusal=True) is None
    assert "not trusted" in reader_wins(other, no_answer, 0.5, over_refusal=False)


def test_the_stored_policy_was_learned_on_dev_by_the_tuning_script():
    policy = load_policy()
    if not (ROOT / "rag" / "data" / "llm_policy.json").is_file():
        pytest.skip("no stored policy")
    assert policy["learned_by"] == "eval/tune_llm_policy.py" and policy["from"]["gold"].endswith("gold_dev.jsonl")
    assert all(v is None or 0.0 <= v <= 1.0 for v in policy["rules"].values())
    dev = policy["dev"]
    # chosen by cross-validation, and not worse than the offline reader there
    assert dev["cv"] == "leave-one-out" and dev["cv_overall_accuracy"] >= dev["offline_overall_accuracy"]


# ---------------------------------------------------------------- the tuning script on saved outcomes


def _o(i, case_llm, conf, reader_ok, llm_ok, reader="1683户[1]", question="玛多县建档立卡贫困户多少户？", reader_refused=False):
    return {"id": f"d{i}", "question": question, "table": False, "reader": reader, "reader_refused": reader_refused,
            "reader_confidence": conf, "reader_correct": reader_ok, "llm": case_llm, "llm_refused": case_llm == REFUSAL,
            "llm_correct": llm_ok}


def _run(tmp_path, outcomes, *args, gold="eval/gold_dev.jsonl", name="outcomes.jsonl"):
    (tmp_path / "metrics.json").write_text(json.dumps({"gold": gold, "backend": "openai", "model": "m"}), encoding="utf-8")
    (tmp_path / name).write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in outcomes), encoding="utf-8")
    out = tmp_path / "policy.json"
    p = subprocess.run([sys.executable, str(TUNE), str(tmp_path), "--write", "--policy-out", str(out), *args],
                       capture_output=True, text=True, timeout=120)
    return p, (json.loads(out.read_text(encoding="utf-8")) if out.is_file() else None)


def test_the_tuning_script_refuses_a_test_run(tmp_path):
    p, policy = _run(tmp_path, [], gold="eval/gold_test.jsonl")
    assert p.returncode != 0 and "dev only" in p.stderr and policy is None


def test_the_tuning_script_learns_a_rule_per_case_by_cross_validation(tmp_path):
    other = "贫困人口5183人[1]。"
    outcomes = (
        # another figure: the reader right when confident, the LLM right when it is not
        [_o(i, other, c, True, False) for i, c in enumerate((0.95, 0.9, 0.85, 0.8))]
        + [_o(10 + i, other, c, False, True) for i, c in enumerate((0.4, 0.3, 0.2, 0.1))]
        # the LLM refuses rightly (unanswerable) although the reader is confident: one threshold cannot serve both
        + [_o(20 + i, REFUSAL, c, False, True) for i, c in enumerate((0.97, 0.92, 0.9, 0.95))]
        # agreeing, both right: a tie goes to the reader's short answer
        + [_o(30 + i, "贫困户1683户[1]。", c, True, True) for i, c in enumerate((0.5, 0.9))]
    )
    p, policy = _run(tmp_path, outcomes)
    assert p.returncode == 0, p.stderr
    assert policy["family"] == "cases", p.stdout
    r = policy["rules"]
    assert r["llm_refuses"] is None and 0.4 < r["other_figure"] < 0.8 and r["agree"] == 0.0
    dev = policy["dev"]
    assert dev["cv_overall_accuracy"] == 1.0 and dev["offline_overall_accuracy"] == round(6 / 14, 4)
    assert dev["families"]["threshold"]["cv_overall_accuracy"] < 1.0
    assert policy["from"]["n"] == len(outcomes) and policy["hard_rules"] == {"less_specific": 0.0}


def test_the_tuning_script_never_picks_worse_than_the_reader(tmp_path):
    # the LLM is right only where the reader is too, and wrong elsewhere: the reader must win everywhere
    other = "贫困人口5183人[1]。"
    outcomes = ([_o(i, other, c, True, False) for i, c in enumerate((0.2, 0.5, 0.9, 0.3))]
                + [_o(10 + i, "贫困户1683户[1]。", c, True, True) for i, c in enumerate((0.4, 0.6))]
                + [_o(20, other, None, False, False, reader=REFUSAL, reader_refused=True)])
    p, policy = _run(tmp_path, outcomes)
    assert p.returncode == 0, p.stderr
    dev = policy["dev"]
    assert dev["cv_overall_accuracy"] >= dev["offline_overall_accuracy"] > dev["llm_always_overall_accuracy"]


def test_the_tuning_script_learns_per_language_from_a_partial_run(tmp_path):
    other = "贫困人口5183人[1]。"
    en = "How many poor households does Maduo have?"
    outcomes = ([_o(i, other, 0.9, True, False) for i in range(8)]  # zh: the confident reader is right
                + [_o(10 + i, other, 0.9, False, True, question=en) for i in range(8)])  # en: the LLM is right
    p, policy = _run(tmp_path, outcomes, "--min-lang", "4", name="outcomes.partial.jsonl")
    assert p.returncode == 0, p.stderr
    assert policy["family"] == "cases_by_lang", p.stdout
    assert policy["rules"]["other_figure/zh"] == 0.0 and policy["rules"]["other_figure/en"] is None
    assert policy["dev"]["cv_overall_accuracy"] == 1.0
