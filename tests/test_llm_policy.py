"""When the offline reader's answer wins over a checked LLM answer (rag.llm_policy)."""
import json
import subprocess
import sys
from pathlib import Path

from rag.llm_policy import agrees, load_policy, reader_wins
from rag.types import Answer

ROOT = Path(__file__).resolve().parent.parent


def _reader(text="1683户[1]", conf=0.8, refused=False):
    return Answer(question="q", answer=text, refused=refused, confidence=conf)


def test_agreement_is_on_the_figures_or_the_words():
    assert agrees("玛多县建档立卡贫困户1683户[1]。", "1,683户[1]")
    assert not agrees("贫困人口5183人[1]。", "1683户[1]")
    assert agrees("由黄河乡牵头[2]。", "黄河乡[2]")
    assert not agrees("由扎陵湖乡牵头[2]。", "黄河乡[2]")


def test_the_reader_wins_only_when_confident_and_contradicted():
    other = Answer(question="q", answer="贫困人口5183人[1]。", refused=False)
    same = Answer(question="q", answer="贫困户1683户[1]。", refused=False)
    refusal = Answer(question="q", answer="文档中没有找到能回答这个问题的内容。", refused=True)
    assert "another figure" in reader_wins(other, _reader(conf=0.8), 0.7)
    assert reader_wins(other, _reader(conf=0.6), 0.7) is None
    assert reader_wins(same, _reader(conf=0.99), 0.0) is None
    assert "refused" in reader_wins(refusal, _reader(conf=0.8), 0.7)
    assert reader_wins(other, _reader(refused=True, text="文档中没有找到能回答这个问题的内容。"), 0.0) is None
    assert reader_wins(other, _reader(conf=0.99), None) is None  # no threshold: the LLM's checked answer stands
    no_answer = _reader(refused=True, text="文档中没有找到能回答这个问题的内容。", conf=None)
    assert reader_wins(other, no_answer, 0.5, over_refusal=True) is None
    assert "not trusted" in reader_wins(other, no_answer, 0.5, over_refusal=False)


def test_the_stored_policy_was_learned_by_the_tuning_script():
    policy = load_policy()
    t = policy["reader_wins_confidence"]
    assert t is None or 0.0 <= t <= 1.0
    if (ROOT / "rag" / "data" / "llm_policy.json").is_file():
        assert policy["learned_by"] == "eval/tune_llm_policy.py" and "gold_dev" in policy["from"]["gold"]


def test_the_tuning_script_refuses_a_test_run(tmp_path):
    (tmp_path / "metrics.json").write_text(json.dumps({"gold": "eval/gold_test.jsonl", "backend": "openai"}), encoding="utf-8")
    (tmp_path / "outcomes.jsonl").write_text("", encoding="utf-8")
    p = subprocess.run([sys.executable, str(ROOT / "eval" / "tune_llm_policy.py"), str(tmp_path)], capture_output=True, text=True)
    assert p.returncode != 0 and "dev only" in p.stderr


def test_the_tuning_script_picks_the_threshold_that_is_best_on_dev(tmp_path):
    def o(conf, reader_ok, llm, llm_ok, reader="1683户[1]"):
        return {"table": False, "reader": reader, "reader_refused": False, "reader_confidence": conf, "reader_correct": reader_ok,
                "llm": llm, "llm_refused": False, "llm_correct": llm_ok}
    outcomes = [o(0.95, True, "贫困人口5183人[1]。", False),   # confident reader right, LLM another figure
                o(0.40, False, "贫困人口5183人[1]。", True),   # unsure reader wrong, LLM right
                o(0.90, True, "贫困户1683户[1]。", True)]      # they agree
    (tmp_path / "metrics.json").write_text(json.dumps({"gold": "eval/gold_dev.jsonl", "backend": "openai"}), encoding="utf-8")
    (tmp_path / "outcomes.jsonl").write_text("\n".join(json.dumps(x) for x in outcomes), encoding="utf-8")
    p = subprocess.run([sys.executable, str(ROOT / "eval" / "tune_llm_policy.py"), str(tmp_path)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "reader wins at confidence ≥ 0.95 → dev overall accuracy 1.000" in p.stdout, p.stdout
