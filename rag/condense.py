"""The LLM condense step: a chat model rewrites a follow-up into a self-contained question.

It runs after the offline rules (:class:`rag.conversation.FollowUpResolver`) and only where they
rewrote something; their result is the floor. The model's rewrite replaces it only when it keeps
every entity, year and topic word the rules took from the history (``Resolution.keep``), adds no
figure the conversation does not hold, and reads as a question — otherwise the rules' rewrite
stands, with a note. A clarification is never overridden (the model would guess). Any model error
falls back to the rules.

Example::

    >>> from rag.condense import LLMCondenser
    >>> from rag.llm import get_chat_model                                         # doctest: +SKIP
    >>> c = LLMCondenser(get_chat_model(settings))                                 # doctest: +SKIP
    >>> c.run("它的面积呢？", history, rules_resolution).rewritten                  # doctest: +SKIP
    '稻城县的面积是多少？'
    >>> from rag.condense import check_rewrite
    >>> check_rewrite("稻城县的面积是多少？", keep=["稻城县"], allowed="稻城县县城海拔多高？它的面积呢？")
    >>> check_rewrite("它的面积是多少？", keep=["稻城县"], allowed="")
    'it drops 稻城县'
"""
from __future__ import annotations

import logging
import re
import time
from pathlib import Path

from .conversation import Resolution, Turn
from .normalize import match_key

log = logging.getLogger(__name__)

_LABEL = re.compile(r"^\s*(?:理解为|改写|独立问题|问题|standalone question|rewritten question|question)\s*[:：]\s*", re.I)
_FIGURE = re.compile(r"\d+(?:\.\d+)?")
SKIP_KINDS = ("first", "topic_change", "clarified", "unchanged")


def load_condense_prompt(lang: str, prompts_dir: Path | str | None = None):
    """The condense prompt for ``lang``: ``condense_<lang>.txt`` from ``prompts_dir`` or the packaged prompts
    (variables ``history``, ``question``)."""
    from .llm import load_template

    return load_template(f"condense_{lang}.txt", prompts_dir)


def format_history(history: list[Turn], lang: str, max_turns: int = 4) -> str:
    user, bot = ("User", "Assistant") if lang == "en" else ("用户", "助手")
    lines = []
    for t in history[-max_turns:]:
        lines.append(f"{user}：{t.resolved or t.question}" if lang != "en" else f"{user}: {t.resolved or t.question}")
        said = t.clarification or re.sub(r"\[\d+\]", "", (t.answer or "").split("\n")[0]).strip()
        if said:
            lines.append(f"{bot}：{said[:120]}" if lang != "en" else f"{bot}: {said[:120]}")
    return "\n".join(lines) or "（无）"


def clean_rewrite(text: str) -> str:
    """The model's question: its first non-empty line, without labels or quotes."""
    for line in (text or "").splitlines():
        line = _LABEL.sub("", line.strip()).strip().strip("\"'“”「」`").strip()
        if line:
            return line[:300]
    return ""


def check_rewrite(text: str, keep: list[str], allowed: str) -> str | None:
    """Why the rewrite is not acceptable, or None. ``allowed``: the text of the conversation so far."""
    if not text:
        return "it is empty"
    key = match_key(text)
    for w in keep:
        if w and match_key(w) not in key:
            return f"it drops {w}"
    have = set(_FIGURE.findall(match_key(allowed)))
    extra = [n for n in _FIGURE.findall(key) if n not in have]
    if extra:
        return f"it adds the figure {extra[0]}"
    if len(text) > 3 * max(len(allowed), 40):
        return "it is too long"
    return None


class LLMCondenser:
    """Rewrites follow-ups with a LangChain chat model and the ``prompts/condense_<lang>.txt`` prompts."""

    def __init__(self, model, prompts_dir: Path | str | None = None, max_turns: int = 4):
        self.model = model
        self.max_turns = max_turns
        self.prompts = {lang: load_condense_prompt(lang, prompts_dir) for lang in ("zh", "en")}

    def run(self, question: str, history: list[Turn], rules: Resolution) -> Resolution:
        if rules.clarification or rules.kind in SKIP_KINDS or not history:
            return rules
        lang = "en" if not re.search(r"[\u4e00-\u9fff]", question) else "zh"
        messages = self.prompts[lang].format_messages(history=format_history(history, lang, self.max_turns), question=question.strip())
        t0 = time.perf_counter()
        try:
            from .llm import _content_text

            raw = _content_text(self.model.invoke(messages).content)
        except Exception as e:  # noqa: BLE001 - the rules' rewrite stands
            log.warning("condense step failed: %s", e)
            return _note(rules, f"LLM condense failed ({type(e).__name__}); the offline rewrite is used")
        text = clean_rewrite(raw)
        allowed = " ".join([question] + [f"{t.question} {t.resolved or ''} {t.answer or ''}" for t in history])
        why = check_rewrite(text, rules.keep, allowed)
        ms = (time.perf_counter() - t0) * 1000
        if why:
            log.info("condense rewrite %r refused: %s", text, why)
            return _note(rules, f"LLM rewrite “{text}” not used: {why}")
        if match_key(text) == match_key(rules.rewritten):
            return _note(rules, f"LLM rewrite agrees ({ms:.0f} ms)")
        # it keeps the rules' names and years (check_rewrite), so what the rules swapped still says what the answer must be about
        return Resolution(question, text, rules.kind, by="llm", keep=rules.keep, notes=rules.notes + [f"rules: {rules.rewritten}", f"LLM condense {ms:.0f} ms"],
                          replaced=rules.replaced, replacement=rules.replacement, years_replaced=rules.years_replaced,
                          years_now=rules.years_now, fallbacks=rules.fallbacks)


def _note(r: Resolution, note: str) -> Resolution:
    r.notes = r.notes + [note]
    return r
