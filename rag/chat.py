"""Conversations: each turn resolved into a self-contained question, then answered, for every face.

* :class:`ConversationalQA` — over one :class:`~rag.qa.Assistant` (any answerer: the offline reader
  or an LLM): ``resolve(question, history)`` → :class:`~rag.conversation.Resolution` (offline rules,
  then the LLM condense step when the answer backend is an LLM); ``ask(question, history)`` →
  :class:`~rag.types.Answer` with ``rewritten_question`` set, or a clarifying question
  (``Answer.clarification``, ``refused=True``, ``backend="conversation"``) when the history does not
  say what the turn means; ``stream`` yields the resolution first, then text deltas, then the answer.
* :func:`history_from_messages` — OpenAI-style ``messages`` → earlier turns + the new question
  (stateless clients send the whole conversation; the ``理解为：`` line of our own replies tells
  what an earlier turn meant).
* :class:`ChatSession` — the turns of one conversation (the UI and ``rag chat`` keep one per user),
  :func:`export_markdown` and :func:`reply_text` (the text an OpenAI-compatible client shows).

Example::

    >>> from rag.chat import ChatSession, ConversationalQA
    >>> from rag.qa import Assistant
    >>> chat = ChatSession(ConversationalQA(Assistant()))                      # doctest: +SKIP
    >>> chat.ask("稻城县县城海拔多高？").answer.answer                          # doctest: +SKIP
    '3750米[1]'
    >>> chat.ask("它的面积是多少？").answer.rewritten_question                  # doctest: +SKIP
    '稻城县的面积是多少？'
    >>> from rag.chat import answer_from_reply
    >>> answer_from_reply("理解为：稻城县的面积是多少？\\n\\n7323平方公里[1]\\n\\n来源：\\n[1] a.txt")
    ('稻城县的面积是多少？', '7323平方公里[1]')
"""
from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Iterator

from .answering import question_script
from .conversation import BORROWED_TOPIC, FollowUpResolver, Resolution, Turn
from .entities import PLACE_SUFFIX, Lexicon
from .normalize import nfkc, to_simplified
from .types import Answer

log = logging.getLogger(__name__)

ROLES = ("system", "developer", "user", "assistant", "tool", "function")
# a follow-up is a short question; longer text is taken as self-contained (and never cut into words at length)
MAX_FOLLOW_UP_CHARS = 300
# how many earlier user turns a stateless request's history is rebuilt from
MAX_HISTORY_TURNS = 12
UNDERSTOOD = {"zh": "理解为：", "en": "Understood as: "}
SOURCES = {"zh": "来源：", "en": "Sources:"}
_UNDERSTOOD_RX = re.compile(r"^\s*(?:理解为|理解為)[:：]\s*(.+)$|^\s*Understood as:\s*(.+)$", re.M)
_SOURCES_RX = re.compile(r"^\s*(?:来源|來源|Sources)\s*[:：]\s*$", re.M)


# ---------------------------------------------------------------- the pipeline


class ConversationalQA:
    """Resolve a turn against its history, then answer the self-contained question with ``assistant``."""

    def __init__(self, assistant, settings=None, resolver: FollowUpResolver | None = None):
        self.assistant = assistant
        self.settings = settings or assistant.settings
        self._resolver = resolver
        self._lexicon: tuple[object, Lexicon] | None = None
        self._condensers: dict[str, object] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------ resolution
    def lexicon(self) -> Lexicon | None:
        """Names the index knows (its documents' places and the place names its texts spell), rebuilt when the index changes."""
        try:
            store = self.assistant.retriever.store
        except Exception:  # noqa: BLE001 - no index yet: the rules run without it
            return None
        key = (id(store), getattr(store, "version", None), getattr(store, "count", None))
        with self._lock:
            if self._lexicon is None or self._lexicon[0] != key:
                t0 = time.perf_counter()
                self._lexicon = (key, Lexicon.from_store(store))
                log.info("conversation lexicon built in %.0f ms", (time.perf_counter() - t0) * 1000)
            return self._lexicon[1]

    def resolver(self) -> FollowUpResolver:
        if self._resolver is not None:
            return self._resolver
        lex = self.lexicon()
        return FollowUpResolver(lex)

    def condenser(self, backend: str | None):
        """The LLM condense step for an LLM answer backend (None for the offline reader)."""
        backend = backend or self.assistant.llm
        if backend in (None, "", "none"):
            return None
        with self._lock:
            if backend not in self._condensers:
                try:
                    from .condense import LLMCondenser

                    model = getattr(self.assistant.answerer(backend), "model", None)
                    self._condensers[backend] = LLMCondenser(model, self.settings.prompts_dir) if model is not None else None
                except (ValueError, ImportError, FileNotFoundError) as e:
                    log.warning("no condense step for backend %s: %s", backend, e)
                    self._condensers[backend] = None
            return self._condensers[backend]

    def resolve(self, question: str, history: list[Turn], backend: str | None = None) -> Resolution:
        t0 = time.perf_counter()
        if len(question or "") > MAX_FOLLOW_UP_CHARS:
            q = (question or "").strip()
            return Resolution(q, q, "unchanged" if history else "first", notes=["resolve_ms=0.0", "long question: taken as self-contained"])
        res = self.resolver().run(question, history)
        cond = self.condenser(backend)
        if cond is not None:
            res = cond.run(question, history, res)
        res.notes = res.notes + [f"resolve_ms={(time.perf_counter() - t0) * 1000:.1f}"]
        return res

    # ------------------------------------------------------------ answering
    def ask(self, question: str, history: list[Turn] | None = None, k: int | None = None, backend: str | None = None,
            resolution: Resolution | None = None) -> Answer:
        """The answer to one turn (its ``rewritten_question`` says what was searched)."""
        t0 = time.perf_counter()
        res = resolution or self.resolve(question, list(history or []), backend)
        if res.clarification:
            return clarification_answer(res, (time.perf_counter() - t0) * 1000)
        ans = not_the_last_figure_again(self._finish(self.assistant.ask(res.rewritten, k, backend), question, res, t0), res, history, self.lexicon() if res.replacement else None)
        return self._fall_back(ans, question, res, k, backend, t0, history)

    def _fall_back(self, ans: Answer, question: str, res: Resolution, k, backend, t0: float, history: list[Turn] | None = None) -> Answer:
        """A refused swap asked again in looser words (``Resolution.fallbacks``, in turn); the first answered one is kept.

        The looser words are worked out here, only for a swap that was refused (``FollowUpResolver.looser``).
        """
        if ans.refused and not ans.clarification and not res.replacement:
            ans2 = self._without_borrowed_year(ans, question, res, k, backend, t0, history)
            if ans2 is not ans:
                return ans2
            return self._without_borrowed_topic(ans, question, res, k, backend, t0)
        if not ans.refused or ans.clarification or not res.replacement:
            return ans
        if not res.fallbacks:
            res.fallbacks = self.resolver().looser(question, res)
        if not res.fallbacks:
            return ans
        llm = (backend or self.assistant.llm) not in (None, "", "none")
        for loose in res.fallbacks[:1] if llm else res.fallbacks:  # an LLM answer takes seconds: one more try at most
            res2 = replace(res, rewritten=loose, years_replaced=[], years_now=[], fallbacks=[], notes=res.notes + ["relaxed"])
            ans2 = not_the_last_figure_again(self._finish(self.assistant.ask(loose, k, backend), question, res2, t0), res2, history, self.lexicon() if res.replacement else None)
            if ans2.refused:
                continue
            # a figure the reports give for another year is not the one for the year the conversation was about
            borrowed = set(_YEAR_RX.findall(res.rewritten)) - set(_YEAR_RX.findall(loose))
            years = [set(_YEAR_RX.findall(_sentence_of(c, _FULL_STOP))) for c in ans2.citations]
            if borrowed and years and all(ys - borrowed and not ys & borrowed for ys in years):
                continue
            ans2.warnings = ans2.warnings + [f"follow-up: nothing found for {res.rewritten}; asked {loose}"]
            return ans2
        return ans

    def _without_borrowed_year(self, ans: Answer, question: str, res: Resolution, k, backend, t0: float,
                               history: list[Turn] | None = None) -> Answer:
        """A refused new question about the same subject (``该县…？`` / a question naming no place) that borrowed the last
        question's year asked again without it; kept unless every cited sentence names only other years.

        The year is the conversation's guess, not the user's words: ``该市解决了多少人的用电问题？`` after a question about
        2015 asks about the city, and the reports may give the figure for no year. A figure whose sentence names another
        year, not the borrowed one, is that year's: the refusal stands.
        """
        if res.kind not in ("pronoun", "missing_subject"):
            return ans
        loose = self.resolver()._without_borrowed_time(question, res)
        if not loose:
            return ans
        res2 = replace(res, rewritten=loose, notes=res.notes + ["relaxed"])
        ans2 = not_the_last_figure_again(self._finish(self.assistant.ask(loose, k, backend), question, res2, t0), res2, history)
        if ans2.refused or not ans2.citations:
            return ans
        borrowed = set(_YEAR_RX.findall(res.rewritten)) - set(_YEAR_RX.findall(loose))
        years = [set(_YEAR_RX.findall(_sentence_of(c, _FULL_STOP))) for c in ans2.citations]
        if borrowed and years and all(ys - borrowed and not ys & borrowed for ys in years):
            return ans
        ans2.warnings = ans2.warnings + [f"follow-up: nothing found for {res.rewritten}; asked {loose} (the year was taken from the conversation)"]
        return ans2

    def _without_borrowed_topic(self, ans: Answer, question: str, res: Resolution, k, backend, t0: float) -> Answer:
        """A refused question that borrowed the last question's topic (``2020年安排了多少钱？`` → …饮水安全工程点2020年…) asked
        again without it; kept only when the cited sentence names a word of that topic (饮水安全), so the figure is still about it.

        The topic is the user's only in part: they asked about the money, the words of the thing counted before are ours.
        """
        topic = next((n[len(BORROWED_TOPIC):] for n in res.notes if n.startswith(BORROWED_TOPIC)), "")
        if not topic:
            return ans
        loose = re.sub(r"^的", "", res.rewritten.replace(topic, "", 1)) if res.rewritten.count(topic) == 1 else ""
        words = [w for w in _topic_words(topic) if w in res.rewritten]
        if not loose or not words or loose == res.rewritten:
            return ans
        res2 = replace(res, rewritten=loose, notes=res.notes + ["relaxed"])
        ans2 = self._finish(self.assistant.ask(loose, k, backend), question, res2, t0)
        if ans2.refused or not ans2.citations:
            return ans
        sents = [to_simplified(nfkc(_sentence_of(c, _FULL_STOP))) for c in ans2.citations]
        if not all(any(to_simplified(nfkc(w)) in s_ for w in words) for s_ in sents):
            return ans
        ans2.rewritten_question = res.rewritten
        ans2.warnings = ans2.warnings + [f"follow-up: nothing found for {res.rewritten}; asked {loose} (the cited sentence names {'、'.join(words)})"]
        return ans2

    def stream(self, question: str, history: list[Turn] | None = None, k: int | None = None,
               backend: str | None = None) -> Iterator[Resolution | str | Answer]:
        """The resolution, then ``str`` deltas while an LLM writes, then the final checked answer."""
        t0 = time.perf_counter()
        res = self.resolve(question, list(history or []), backend)
        yield res
        if res.clarification:
            yield clarification_answer(res, (time.perf_counter() - t0) * 1000)
            return
        hist = list(history or [])
        for item in self.assistant.stream(res.rewritten, k, backend):
            if isinstance(item, Answer):
                item = not_the_last_figure_again(self._finish(item, question, res, t0), res, hist, self.lexicon() if res.replacement else None)
                yield self._fall_back(item, question, res, k, backend, t0, hist)
            else:
                yield item

    def _finish(self, ans: Answer, question: str, res: Resolution, t0: float) -> Answer:
        lexicon = self.lexicon() if res.replacement else None
        ans.question = question
        ans.rewritten_question = res.rewritten
        ans = about_the_swapped_entity(ans, res, lexicon, strict="relaxed" in res.notes)
        ans = about_the_swapped_year(ans, res)
        resolve_ms = next((float(n.split("=")[1]) for n in res.notes if n.startswith("resolve_ms=")), None)
        if resolve_ms is not None:
            ans.timings["resolve_ms"] = resolve_ms
        ans.timings["chat_total_ms"] = (time.perf_counter() - t0) * 1000
        if res.by == "llm":
            ans.warnings = ans.warnings + [f"follow-up rewritten by the LLM ({res.rewritten}); the rules gave: "
                                           + next((n[7:] for n in res.notes if n.startswith("rules: ")), res.rewritten)]
        return ans

    # ------------------------------------------------------------ stateless clients
    def history(self, messages: list[dict]) -> tuple[list[Turn], str]:
        """Earlier turns and the new question from OpenAI-style ``messages`` (see :func:`history_from_messages`)."""
        return history_from_messages(messages, self.resolver())

    def chat(self, messages: list[dict], k: int | None = None, backend: str | None = None) -> Answer:
        history, question = self.history(messages)
        return self.ask(question, history, k, backend)


_HEAD_WORDS = {"项目", "工程", "建设", "资金", "工作", "任务", "情况", "问题", "方面", "措施", "计划", "体系", "机制"}


def _topic_words(topic: str) -> list[str]:
    """The words that say which thing a borrowed topic is: its modifiers, not its head noun (饮水 of 饮水安全工程点, 农村公路 of 农村公路项目).

    >>> _topic_words("饮水安全工程点"), _topic_words("农村公路项目"), _topic_words("项目")
    (['饮水', '安全工程'], ['农村公路'], [])
    """
    from .entities import _cut

    toks = [w for w, _, _, _ in _cut(topic)]
    return [w for w in dict.fromkeys(toks[:-1]) if len(w) >= 2 and re.match(r"[\u4e00-\u9fff]+$", w) and w not in _HEAD_WORDS]


def _names_in(name: str, text: str) -> bool:
    n, t = to_simplified(nfkc(name)), to_simplified(nfkc(text))
    stem = n[:-1] if len(n) >= 3 and n[-1] in PLACE_SUFFIX else n
    return n in t or (len(stem) >= 2 and stem in t)


def _refused(ans: Answer, res: Resolution, detail_en: str, detail_zh: str, warning: str) -> Answer:
    from .answering import question_script, refusal_text

    script = question_script(res.rewritten)
    return replace(ans, answer=refusal_text(script, detail_en if script == "en" else detail_zh), refused=True, citations=[],
                   grounded=False, warnings=ans.warnings + [warning])


def about_the_swapped_entity(ans: Answer, res: Resolution, lexicon: Lexicon | None = None, strict: bool = False) -> Answer:
    """After an entity swap (``那白玛县呢？``), an answer whose cited passages name only the place swapped out is about that place.

    The same for any follow-up that took its subject from the history: cited passages that name only
    places the conversation has left (``Resolution.replaced``), none it is about now.

    Its figure answers the last question again, not this one: the reply becomes a refusal (a real
    figure that answers a different question is as wrong as an invented one). With ``lexicon``
    (the names the index knows, and which documents spell them), a passage from a document that
    never names the new place is refused too; ``strict`` (a relaxed rewrite, see
    ``Resolution.fallbacks``) also refuses a figure whose sentence names only other places.

    >>> from rag.types import Answer, Citation
    >>> res = Resolution("那白玛县呢？", "白玛县新建桥梁多少座？", "entity_swap", replaced=["格桑县"], replacement=["白玛县"])
    >>> c = Citation(1, "a.txt", "c1", "", "2020年，格桑县新建桥梁14座。", "格桑县新建桥梁14座")
    >>> about_the_swapped_entity(Answer("q", "14座[1]", False, [c]), res).refused
    True
    >>> c2 = Citation(1, "b.txt", "c2", "", "2020年，白玛县新建桥梁6座。", "白玛县新建桥梁6座")
    >>> about_the_swapped_entity(Answer("q", "6座[1]", False, [c2]), res).refused
    False
    """
    if not res.replaced or not res.replacement or ans.refused or not ans.citations:
        return ans
    new = [n for n in chinese_names(res.replacement, lexicon) if re.search(r"[\u4e00-\u9fff]{2,}", n)]
    old = [n for n in chinese_names(res.replaced, lexicon) if re.search(r"[\u4e00-\u9fff]{2,}", n)]
    if not old:
        return ans
    # a new place the documents cannot spell (an English description: the county in the second report) still is not the old one
    texts = [c.text or c.quote or "" for c in ans.citations]
    if all(any(_names_in(o, t) for o in old) and not any(_names_in(n, t) for n in new) for t in texts):
        named = [o for o in old if any(_names_in(o, t) for t in texts)]
        return _refused(ans, res, f"the cited passage is about {', '.join(named)}", f"引用的段落说的是{'、'.join(named)}",
                        f"follow-up: the cited passage names {', '.join(named)}, not {', '.join(new)}")
    if strict and lexicon is not None and lexicon.names:
        # the sentence that gives the figure names another place, not this one: it is that place's figure (塔城镇's rate is not 雅砻州's)
        others = []
        for c in ans.citations:
            sent = _sentence_of(c, _FULL_STOP)
            if any(_names_in(n, sent) for n in new):
                break
            norm = to_simplified(nfkc(sent))
            named = [norm[a:b] for a, b, kind in lexicon.matches(norm) if kind == "place"]
            named = [n for n in named if not any(_names_in(n, x) or _names_in(x, n) for x in new)]
            if not named:
                break
            others.extend(named)
        else:
            others = list(dict.fromkeys(others))
            return _refused(ans, res, f"the cited sentence is about {', '.join(others)}", f"引用的句子说的是{'、'.join(others)}",
                            f"follow-up: the cited sentence names {', '.join(others)}, not {', '.join(new)}")
    if lexicon is not None and not any(_names_in(n, t) for n in new for t in texts):
        # the documents that name the new place are known: a passage from a document that never names it is not about it
        naming = [lexicon.documents_naming(n) for n in new]
        if naming and all(d is not None for d in naming) and not any(c.doc in d for d in naming for c in ans.citations):
            docs = list(dict.fromkeys(c.doc for c in ans.citations))
            return _refused(ans, res, f"the cited document does not mention {', '.join(new)}", f"引用的文档没有提到{'、'.join(new)}",
                            f"follow-up: {', '.join(docs)} never names {', '.join(new)}")
    return ans


def chinese_names(names: list[str], lexicon: Lexicon | None) -> list[str]:
    """Names as the documents spell them: an English place name (Ganzi, Baima County) becomes the indexed
    Chinese names whose pinyin it is; Chinese names stay. Names the index does not know are left out.

    >>> chinese_names(["Baima County", "格桑县"], Lexicon({"白玛县": "place", "格桑县": "place"}))
    ['白玛县', '格桑县']
    """
    out: list[str] = []
    for n in names:
        if re.search(r"[\u4e00-\u9fff]", n):
            out.append(n)
            continue
        if lexicon is None or not lexicon.names:
            continue
        key = re.sub(r"[\s'’-]+", "", re.sub(r"\b(?:Autonomous|County|City|Prefecture|Township|Town|Village|District|Province|Region)\b", "", n, flags=re.I)).lower()
        if len(key) < 3:
            continue
        table = _pinyin_table(lexicon)
        out.extend(table.get(key, []))
    return list(dict.fromkeys(out))


_PINYIN_CACHE: dict[int, tuple[object, dict[str, list[str]]]] = {}


def _pinyin_table(lexicon: Lexicon) -> dict[str, list[str]]:
    """pinyin of a place's stem → the lexicon's full place names (built once per lexicon)."""
    hit = _PINYIN_CACHE.get(id(lexicon))
    if hit is not None and hit[0] is lexicon:
        return hit[1]
    from .entities import english_name

    table: dict[str, list[str]] = {}
    for name, kind in lexicon.names.items():
        if kind != "place" or len(name) < 3 or name[-1] not in PLACE_SUFFIX:
            continue
        key = english_name(name[:-1]).lower()
        if key != name[:-1]:
            table.setdefault(key, []).append(name)
    _PINYIN_CACHE.clear()
    _PINYIN_CACHE[id(lexicon)] = (lexicon, table)
    return table


def _figure(text: str | None) -> str:
    return re.sub(r"\s+", "", re.sub(r"\[\d+\]", "", text or ""))


def not_the_last_figure_again(ans: Answer, res: Resolution, history: list[Turn] | None, lexicon: Lexicon | None = None) -> Answer:
    """After a swap to another place, the very figure just given for the last place, from a sentence that does not name the new one,
    answers the last question again: it is refused (and the looser rewrites are tried).

    >>> from rag.types import Answer, Citation
    >>> res = Resolution("白玛县呢？", "白玛县有多少个贫困村？", "entity_swap", replaced=["格桑县"], replacement=["白玛县"])
    >>> c = Citation(1, "a.txt", "c1", "", "格桑县位于雅砻州南部。审定贫困村55个。", "审定贫困村55个")
    >>> h = [Turn("格桑县有多少个贫困村？", resolved="格桑县有多少个贫困村？", answer="55个[1]")]
    >>> not_the_last_figure_again(Answer("q", "55个[1]", False, [c]), res, h).refused
    True

    The same figure from a document that names the new place and never the old one is the new place's (the last
    answer, about a place whose report lacks the measure, was the one that borrowed it):

    >>> lex = Lexicon({"格桑县": "place", "白玛县": "place"}); lex.docs = {"格桑县": {"a.txt"}, "白玛县": {"b.txt"}}
    >>> res2 = Resolution("格桑县呢？", "格桑县有多少个贫困村？", "entity_swap", replaced=["白玛县"], replacement=["格桑县"])
    >>> h2 = [Turn("白玛县有多少个贫困村？", resolved="白玛县有多少个贫困村？", answer="55个[1]")]
    >>> not_the_last_figure_again(Answer("q", "55个[1]", False, [c]), res2, h2, lex).refused
    False
    >>> not_the_last_figure_again(Answer("q", "55个[1]", False, [c]), res2, h2).refused  # without the index's names: refused
    True
    """
    if not history or ans.refused or not ans.citations or not history[-1].answer:
        return ans
    if _figure(ans.answer) != _figure(history[-1].answer):
        return ans
    if not res.replacement:
        return same_figure_for_another_thing(ans, res, history[-1].resolved or "")
    new = chinese_names(res.replacement, lexicon)
    if new and any(_names_in(n, _sentence_of(c, _FULL_STOP)) for n in new for c in ans.citations):
        return ans  # the new place's own sentence says the same figure
    if lexicon is not None and new and res.replaced:
        # the figure comes from a document that names the new place and never the one swapped out: it cannot be the old place's
        # figure, so it was the last answer that borrowed it (a place whose report lacks the measure), not this one
        old_docs = [lexicon.documents_naming(n) for n in chinese_names(res.replaced, lexicon)]
        new_docs = [lexicon.documents_naming(n) for n in new]
        if old_docs and new_docs and all(d is not None for d in old_docs + new_docs):
            olds, news = set().union(*old_docs), set().union(*new_docs)
            if all(c.doc in news and c.doc not in olds for c in ans.citations):
                return ans
    return _refused(ans, res, "the figure found is the one just given for the place before", "找到的数字是上一个地方的",
                    f"follow-up: {ans.answer} is the last answer again, from a sentence that does not name {', '.join(res.replacement)}")


_SAME_FOR_BOTH = re.compile(r"均|都|同为|同样|分别为|各为|各有|\bboth\b|\beach\b", re.I)


def same_figure_for_another_thing(ans: Answer, res: Resolution, last_question: str = "") -> Answer:
    """After a follow-up that changed the year (``2016年呢？``) or the asked thing (``星级乡村酒店呢？``), the very figure just given,
    said once in its passage, answers the last question again: one mention cannot be the figure of both.

    Called with an answer whose figure equals the last one. Two things with the same value are said
    twice (2019年14座、2020年14座) or together (均为0%); then the answer stands. So does a figure whose
    passage ties it to what is asked now: the nearest year before it is the new year, or its clause
    names the new thing (初中毛入学率达100.38% after a question about another rate: the last answer was the wrong one).

    >>> from rag.types import Answer, Citation
    >>> res = Resolution("2016年呢？", "格桑县2016年安排了多少个项目？", "year_swap", years_replaced=["2018"], years_now=["2016"])
    >>> t = "安排项目310个(2016年40个、2017年90个、2018年180个)。"
    >>> same_figure_for_another_thing(Answer("q", "310个[1]", False, [Citation(1, "a.txt", "c", "", t, "安排项目310个")]), res).refused
    True
    >>> t2 = "2017年贫困发生率为0%，2018年贫困发生率为0%。"
    >>> same_figure_for_another_thing(Answer("q", "0%[1]", False, [Citation(1, "a.txt", "c", "", t2, "2018年贫困发生率为0%")]), res).refused
    False
    """
    if res.kind not in ("year_swap", "ellipsis") or res.clarification:
        return ans
    fig = to_simplified(nfkc(_figure(ans.answer).split("；")[0]))
    if not fig or not re.search(r"\d", fig):
        return ans
    last = to_simplified(nfkc(last_question))
    new_words = [to_simplified(nfkc(w)) for w in res.keep if w and not _YEAR_RX.search(w) and to_simplified(nfkc(w)) not in last]
    for c in ans.citations:
        text = to_simplified(nfkc(re.sub(r"\s+", "", c.text or c.quote or "")))
        if text.count(fig) != 1 or _SAME_FOR_BOTH.search(_sentence_of(c, _FULL_STOP)):
            return ans
        at = text.find(fig)
        years_before = _YEAR_RX.findall(text[:at])
        if res.years_now and years_before and years_before[-1] in res.years_now:
            return ans  # （2020年动态管理后，…5610人）: the figure is the new year's
        clause = text[max(text.rfind(ch, 0, at) for ch in _SENTENCE_END + "、（(）)") + 1 : at]
        if any(w in clause for w in new_words):
            return ans  # 初中毛入学率达100.38%: the figure's own clause names what is asked now
    return _refused(ans, res, "the figure found is the one just given for the last question", "找到的数字是上一个问题的答案",
                    f"follow-up: {ans.answer} is the last answer again, said once in its passage: not the figure of what is asked now")


_FULL_STOP = "。；;！!？?\n"
_YEAR_RX = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_SENTENCE_END = _FULL_STOP + "，,"


def _sentence_of(c, ends: str = _SENTENCE_END, figure: str = "") -> str:
    """The clause of the cited passage that holds the quote (from the comma or full stop before it to the one after it).

    With ``figure`` (the short answer), the clause of the quote that holds the figure.
    """
    text, quote = c.text or "", c.quote or ""
    i = c.start if c.start is not None and text[c.start : c.start + len(quote)] == quote else text.find(quote)
    if i < 0 or not quote:
        return quote or text
    k = quote.find(figure) if figure else -1
    if k >= 0:
        i, quote = i + k, figure
    a = max(text.rfind(ch, 0, i) for ch in ends) + 1
    after = [k for k in (text.find(ch, i + len(quote)) for ch in ends) if k >= 0]
    return text[a : min(after) if after else len(text)]


def about_the_swapped_year(ans: Answer, res: Resolution) -> Answer:
    """After a year swap (``2020年呢？``), an answer whose cited clauses name only the year swapped out is about that year.

    Its figure answers the last question again: the reply becomes a refusal.

    >>> from rag.types import Answer, Citation
    >>> res = Resolution("2020年呢？", "格桑县2020年新建桥梁多少座？", "year_swap", years_replaced=["2019"], years_now=["2020"])
    >>> c = Citation(1, "a.txt", "c1", "", "2019年格桑县新建桥梁14座，2020年改造公路8公里。", "新建桥梁14座")
    >>> about_the_swapped_year(Answer("q", "14座[1]", False, [c]), res).refused
    True
    >>> c2 = Citation(1, "a.txt", "c1", "", "格桑县新建桥梁2019年14座、2020年9座。", "2020年9座")
    >>> about_the_swapped_year(Answer("q", "9座[1]", False, [c2]), res).refused
    False
    >>> c3 = Citation(1, "a.txt", "c1", "", "2019年投入2.1亿元,改造危房900户,2020年计划改造危房300户。", "2019年投入2.1亿元,改造危房900户,2020年计划改造危房300户")
    >>> about_the_swapped_year(Answer("q", "2.1亿元[1]", False, [c3]), res).refused
    True
    """
    if not res.years_replaced or not res.years_now or ans.refused or not ans.citations:
        return ans
    figures = [re.sub(r"\[\d+\]", "", part).strip() for part in re.split(r"[；;]", ans.answer or "")]
    sents = [_sentence_of(c, figure=next((f for f in figures if f and f in (c.quote or "")), "")) for c in ans.citations]
    if all(any(y in s for y in res.years_replaced) and not any(y in s for y in res.years_now) for s in sents):
        old = "、".join(res.years_replaced)
        return _refused(ans, res, f"the cited passage is about {', '.join(res.years_replaced)}", f"引用的段落说的是{old}年",
                        f"follow-up: the cited sentence names {', '.join(res.years_replaced)}, not {', '.join(res.years_now)}")
    return ans


def clarification_answer(res: Resolution, ms: float = 0.0) -> Answer:
    """The reply to a turn that cannot be resolved: the clarifying question, flagged."""
    return Answer(question=res.question, answer=res.clarification or "", refused=True, backend="conversation",
                  clarification=res.clarification, rewritten_question=None, timings={"total_ms": ms, "resolve_ms": ms},
                  warnings=["clarification: the conversation does not say what this question refers to"])


# ---------------------------------------------------------------- messages (stateless clients)


def message_text(content) -> str:
    """The text of a message ``content``: a string, or a list of parts (``{"type": "text", "text": ...}``)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, dict) and part.get("type") in ("text", "input_text", None) and isinstance(part.get("text"), str):
                out.append(part["text"])
        return "\n".join(out)
    raise ValueError("content must be a string or a list of text parts")


def validate_messages(messages) -> list[dict]:
    """``messages`` checked: a non-empty list of {role, content}, ending with a user message that has text."""
    if not isinstance(messages, list) or not messages:
        raise ValueError("messages must be a non-empty list of {\"role\", \"content\"} objects")
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            raise ValueError(f"messages[{i}] must be an object with role and content")
        role = m.get("role")
        if role not in ROLES:
            raise ValueError(f"messages[{i}].role must be one of {', '.join(ROLES[:4])} (got {role!r})")
        try:
            text = message_text(m.get("content"))
        except ValueError as e:
            raise ValueError(f"messages[{i}].content: {e}") from None
        out.append({"role": role, "content": text})
    if out[-1]["role"] != "user":
        raise ValueError(f"the last message must be the user's question (role 'user'), not {out[-1]['role']!r}")
    if not re.search(r"[\w\u3400-\u9fff]", out[-1]["content"]):
        raise ValueError("the last user message has no question in it")
    return out


def answer_from_reply(text: str) -> tuple[str | None, str]:
    """(the ``理解为：`` question, the answer text) of a reply this system wrote."""
    text = text or ""
    m = _UNDERSTOOD_RX.search(text.split("\n\n")[0]) if text.strip() else None
    understood = (m.group(1) or m.group(2)).strip() if m else None
    body = text
    if m:
        body = text.split("\n\n", 1)[1] if "\n\n" in text else ""
    s = _SOURCES_RX.search(body)
    if s:
        body = body[: s.start()]
    return understood, body.strip()


def history_from_messages(messages: list[dict], resolver: FollowUpResolver) -> tuple[list[Turn], str]:
    """Turns before the last user message (each with what it meant), and that message.

    An assistant reply with a ``理解为：`` / ``Understood as:`` line gives its turn's resolved
    question; other turns are resolved again by the offline rules (cheap), which also tell
    which of them got a clarifying question.
    """
    msgs = validate_messages(messages)
    question = msgs[-1]["content"].strip()
    turns: list[Turn] = []
    pending: str | None = None
    earlier = msgs[:-1]
    users = [i for i, m in enumerate(earlier) if m["role"] == "user"]
    if len(users) > MAX_HISTORY_TURNS:  # only the last turns can matter to the rules
        earlier = earlier[users[-MAX_HISTORY_TURNS]:]
    for m in earlier:
        if m["role"] == "user":
            if pending is not None:
                turns.append(_turn(pending, None, turns, resolver))
            pending = m["content"].strip()
        elif m["role"] == "assistant" and pending is not None:
            turns.append(_turn(pending, m["content"], turns, resolver))
            pending = None
    if pending is not None:
        turns.append(_turn(pending, None, turns, resolver))
    return turns, question


def _turn(question: str, reply: str | None, earlier: list[Turn], resolver: FollowUpResolver) -> Turn:
    understood, answer = answer_from_reply(reply or "")
    if understood:
        return Turn(question, resolved=understood, answer=answer)
    if len(question) > MAX_FOLLOW_UP_CHARS:
        return Turn(question, resolved=question, answer=answer or None)
    res = resolver.run(question, earlier)
    if res.clarification:
        return Turn(question, resolved=None, answer=None, clarification=res.clarification, options=res.options)
    return Turn(question, resolved=res.rewritten, answer=answer or None)


# ---------------------------------------------------------------- one conversation


@dataclass
class ChatTurn:
    """A turn as the user saw it: the question typed, what it was understood as, the answer."""

    question: str
    resolution: Resolution
    answer: Answer
    at: float = field(default_factory=time.time)

    def as_history(self) -> Turn:
        r = self.resolution
        return Turn(self.question, resolved=None if r.clarification else (self.answer.rewritten_question or r.rewritten),
                    answer=None if r.clarification else self.answer.answer, clarification=r.clarification, options=r.options)


def history_of(turns: list[ChatTurn]) -> list[Turn]:
    return [t.as_history() for t in turns]


class ChatSession:
    """One conversation: ``ask`` a turn, ``reset`` to start over, ``to_markdown`` to export it."""

    def __init__(self, engine: ConversationalQA, k: int | None = None, backend: str | None = None):
        self.engine = engine
        self.k = k
        self.backend = backend
        self.turns: list[ChatTurn] = []

    def ask(self, question: str) -> ChatTurn:
        history = history_of(self.turns)
        res = self.engine.resolve(question, history, self.backend)
        ans = self.engine.ask(question, history, self.k, self.backend, resolution=res)
        turn = ChatTurn(question, res, ans)
        self.turns.append(turn)
        return turn

    def stream(self, question: str) -> Iterator[Resolution | str | ChatTurn]:
        res, ans = None, None
        for item in self.engine.stream(question, history_of(self.turns), self.k, self.backend):
            if isinstance(item, Resolution):
                res = item
                yield item
            elif isinstance(item, Answer):
                ans = item
            else:
                yield item
        turn = ChatTurn(question, res, ans)
        self.turns.append(turn)
        yield turn

    def reset(self) -> None:
        self.turns = []

    def to_markdown(self, title: str | None = None) -> str:
        return export_markdown(self.turns, title)


# ---------------------------------------------------------------- what people read


def lang_of(text: str) -> str:
    return "en" if question_script(text or "") == "en" else "zh"


def reply_text(ans: Answer, lang: str | None = None, sources: bool = True) -> str:
    """The reply as plain text: the ``理解为：`` line when the question was rewritten, the answer with
    its ``[n]`` markers, and the sources (document › section, and the quote)."""
    lang = lang or lang_of(ans.question)
    if ans.clarification:
        return ans.clarification
    parts = []
    if ans.rewritten_question and _norm(ans.rewritten_question) != _norm(ans.question):
        parts.append(UNDERSTOOD[lang] + ans.rewritten_question)
    parts.append(ans.answer)
    if sources and ans.citations and not ans.refused:
        lines = [SOURCES[lang]]
        for c in ans.citations:
            where = " › ".join(x for x in (c.doc + (f" p.{c.page}" if c.page else ""), c.section) if x)
            lines.append(f"[{c.n}] {where}: “{c.quote}”" if lang == "zh" else f"[{c.n}] {where}: \"{c.quote}\"")
        parts.append("\n".join(lines))
    return "\n\n".join(p for p in parts if p)


def _norm(s: str) -> str:
    return re.sub(r"[\s？?。.!！]+", "", s or "")


def export_markdown(turns: list[ChatTurn], title: str | None = None) -> str:
    """A conversation as Markdown: each question, what it was understood as, the answer, and its citations."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(turns[0].at)) if turns else time.strftime("%Y-%m-%d %H:%M")
    out = [f"# {title or '对话记录 Conversation'}", "", f"*{when} · {len(turns)} 轮 turns*", ""]
    for i, t in enumerate(turns, 1):
        a = t.answer
        out.append(f"## {i}. {_md(t.question)}")
        out.append("")
        if a.clarification:
            out.append(f"**需要澄清 Clarification:** {_md(a.clarification)}")
            out.append("")
            continue
        if a.rewritten_question and _norm(a.rewritten_question) != _norm(t.question):
            out.append(f"*理解为 Understood as:* {_md(a.rewritten_question)}")
            out.append("")
        label = "未找到答案 Not found" if a.refused else "回答 Answer"
        out.append(f"**{label}:** {_md(a.answer)}")
        if not a.grounded:
            out.append("")
            out.append("> ⚠ 数字未核实 Figures not verified")
        for w in a.warnings:
            if not w.startswith(("refused:", "clarification:")):
                out.append(f"> ⚠ {_md(w)}")
        if a.citations:
            out.append("")
            out.append("引文 Citations:")
            out.append("")
            for c in a.citations:
                page = f", 第{c.page}页 p.{c.page}" if c.page else ""
                out.append(f"- [{c.n}] **{_md(c.doc)}**{page} › {_md(c.section)}  ")
                out.append(f"  > {_md(c.quote)}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _md(text: str) -> str:
    """Text safe inside Markdown (no stray emphasis, headings or HTML)."""
    s = str(text or "").replace("\r", " ").replace("\n", " ")
    s = s.replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*])", r"\\\1", s)
