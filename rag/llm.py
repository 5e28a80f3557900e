"""LLM answers that are checked: an OpenAI-compatible server or a local GGUF model writes the
answer from the numbered passages, and :func:`rag.grounding.check_answer` decides what the
user sees.

* ``get_chat_model(settings)`` — ``llm="openai"``: ``langchain_openai.ChatOpenAI`` pointed at
  ``RAG_LLM_BASE_URL`` (vLLM, Ollama, llama.cpp server, DeepSeek, Qwen, OpenAI);
  ``llm="gguf"``: :class:`GGUFChatModel`, a LangChain chat model over
  ``llama_cpp.Llama(model_path=RAG_LLM_GGUF)``.
* ``LLMAnswerer(settings).run(question, passages) -> Answer`` and ``.stream(...)``, which
  yields text deltas as they arrive and finally the checked :class:`~rag.types.Answer`
  (a UI must replace the streamed text by ``Answer.answer``: sentences that fail the check
  are dropped there).
* ``get_answerer(settings)`` — the offline reader for ``llm="none"``, else an ``LLMAnswerer``.

What the user gets:

* the prompt is evidence-first (:mod:`rag.evidence`): the few sentences of the top passages that
  matter and the offline reader's answer as a suggestion, a few hundred characters;
* the model's answer, each sentence attached to the passages that hold its figures and words when
  its ``[n]`` markers are missing or wrong (:mod:`rag.attribution`), when every figure stands in a
  passage it cites (``grounded=True``); sentences no passage holds are dropped, each drop listed in
  ``warnings``;
* the offline reader's answer (``backend="openai→offline"`` or ``gguf→offline``, with a warning)
  where the policy learned on dev says the reader does better (:mod:`rag.llm_policy`: by case — the
  LLM refuses, agrees, says less, says another figure, or the reader refuses — and reader
  confidence); never an LLM answer that says less than the reader's;
* otherwise — nothing cited left, an empty reply, or any model error (timeout, connection
  refused, HTTP 5xx, …) — the offline reader's answer, flagged the same way;
* ``refused=True`` with the exact refusal sentence when the model says it.

Example::

    >>> from rag.settings import Settings
    >>> from rag.llm import get_answerer
    >>> a = get_answerer(Settings(llm="openai", llm_base_url="http://127.0.0.1:8000/v1",
    ...                           llm_model="qwen2.5-7b-instruct"))        # doctest: +SKIP
    >>> a.run("稻城县2014年审定贫困户多少户？", passages).answer           # doctest: +SKIP
    '2014年稻城县审定贫困户1268户[1]。'
"""
from __future__ import annotations

import copy
import inspect
import logging
import re
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.prompts import ChatPromptTemplate
from pydantic import ConfigDict, Field

from .answering import (
    REFUSAL_EN,
    REFUSAL_ZH,
    REFUSAL_ZH_HANT,
    question_script,
    refusal_text,
    strip_instructions,
)
from .grounding import (
    NumberMention,
    _supported_by,
    check_answer,
    citation_markers,
    extract_numbers,
    split_answer_sentences,
    strip_citations,
)
from .normalize import match_key
from .settings import Settings
from .types import Answer, Citation, Passage

__all__ = [
    "GGUFChatModel",
    "LLMAnswerer",
    "LLMOutcome",
    "describe_error",
    "format_passages",
    "get_answerer",
    "get_chat_model",
    "load_prompt",
    "load_llama",
    "load_template",
]

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- prompts

_SECTION = re.compile(r"^\[(system|user)\]\s*$", re.M)


@lru_cache(maxsize=16)
def _parse_prompt(text: str, origin: str) -> ChatPromptTemplate:
    parts: dict[str, str] = {}
    marks = list(_SECTION.finditer(text))
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        parts[m.group(1)] = text[m.end() : end].strip("\n").strip()
    if "system" not in parts or "user" not in parts:
        raise ValueError(f"{origin}: a prompt file needs a [system] and a [user] section (see prompts/README.md)")
    return ChatPromptTemplate.from_messages([("system", parts["system"]), ("human", parts["user"])])


def load_template(name: str, prompts_dir: Path | str | None = None) -> ChatPromptTemplate:
    """The chat prompt in the file ``name`` (``[system]`` / ``[user]`` sections) from ``prompts_dir``
    (``settings.prompts_dir``, ``RAG_PROMPTS_DIR``) or, by default, the prompts packaged with rag
    (``rag.prompts``, the project's ``prompts/`` folder).

    >>> sorted(load_template("condense_zh.txt").input_variables)
    ['history', 'question']
    """
    if prompts_dir:
        path = Path(prompts_dir) / name
        if not path.is_file():
            raise FileNotFoundError(f"prompt file {path} is missing (RAG_PROMPTS_DIR={prompts_dir})")
        return _parse_prompt(path.read_text(encoding="utf-8"), str(path))
    from importlib.resources import files

    res = files("rag.prompts") / name
    if not res.is_file():
        raise FileNotFoundError(f"the packaged prompt {name} is missing from rag.prompts (a broken install: reinstall zhdocqa)")
    return _parse_prompt(res.read_text(encoding="utf-8"), f"rag.prompts/{name}")


def load_prompt(lang: str, prompts_dir: Path | str | None = None) -> ChatPromptTemplate:
    """The answer prompt for ``lang`` ("zh" or "en"): ``answer_<lang>.txt`` (see :func:`load_template`).

    Variables: ``passages`` (the evidence, numbered), ``candidate`` (the offline reader's answer),
    ``question``, ``refusal``.

    >>> sorted(load_prompt("zh").input_variables)
    ['candidate', 'passages', 'question', 'refusal']
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"no answer prompt for language {lang!r} (use 'zh' or 'en')")
    return load_template(f"answer_{lang}.txt", prompts_dir)


def format_passages(passages: list[Passage]) -> str:
    """``[1] doc › section`` then the passage text, one block per passage."""
    blocks = []
    for i, p in enumerate(passages, 1):
        head = " › ".join(x for x in (p.doc, p.section) if x)
        blocks.append(f"[{i}] {head}\n{strip_instructions(p.text).strip()}")
    return "\n\n".join(blocks)


# ---------------------------------------------------------------- chat models


class GGUFChatModel(BaseChatModel):
    """A LangChain chat model over a local GGUF file through ``llama-cpp-python``.

    ``client`` is a ``llama_cpp.Llama`` (loaded from ``model_path`` when not given); only
    its ``create_chat_completion`` is used, so ``invoke``/``stream`` behave as for any
    LangChain chat model. ``extra_bufts=False`` (``RAG_LLM_GGUF_EXTRA_BUFTS=false``) loads the
    model without llama.cpp's extra buffer types, i.e. without weight repacking for AMX and
    similar (it crashes inside some VMs whose CPU advertises AMX); see :func:`load_llama`.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    n_ctx: int = 4096
    temperature: float = 0.0
    max_tokens: int = 512
    extra_bufts: bool = True
    client: Any = Field(default=None, exclude=True)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-gguf"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "temperature": self.temperature}

    def _llama(self):
        if self.client is None:
            self.client = load_llama(self.model_path, self.n_ctx, extra_bufts=self.extra_bufts)
        return self.client

    @staticmethod
    def _to_dicts(messages: list[BaseMessage]) -> list[dict[str, str]]:
        roles = {"system": "system", "human": "user", "ai": "assistant", "tool": "tool"}
        return [{"role": roles.get(m.type, "user"), "content": _content_text(m.content)} for m in messages]

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        out = self._llama().create_chat_completion(
            messages=self._to_dicts(messages),
            temperature=kwargs.get("temperature", self.temperature),
            max_tokens=kwargs.get("max_tokens", self.max_tokens),
            stop=stop,
        )
        text = out["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))], llm_output={"usage": out.get("usage")})

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for part in self._llama().create_chat_completion(
            messages=self._to_dicts(messages),
            temperature=kwargs.get("temperature", self.temperature),
            max_tokens=kwargs.get("max_tokens", self.max_tokens),
            stop=stop,
            stream=True,
        ):
            choices = part.get("choices") or [{}]
            delta = (choices[0].get("delta") or {}).get("content") or ""
            if not delta:
                continue
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
            if run_manager:
                run_manager.on_llm_new_token(delta, chunk=chunk)
            yield chunk


_LOAD_LOCK = threading.Lock()


def _init_params(cls) -> set[str]:
    try:
        return set(inspect.signature(cls.__init__).parameters)
    except (TypeError, ValueError):
        return set()


def load_llama(model_path: str, n_ctx: int = 4096, *, extra_bufts: bool = True, n_threads: int | None = None):
    """``llama_cpp.Llama(model_path, n_ctx)``; with ``extra_bufts=False``, without llama.cpp's extra
    buffer types (no weight repacking for AMX and similar).

    A llama-cpp-python whose ``Llama`` takes ``use_extra_bufts`` gets it as an argument. An older one
    that has the field only in its model parameters (``llama_model_default_params().use_extra_bufts``,
    e.g. 0.3.36) gets it there for this one load (its default-parameter function is swapped for the
    duration of the constructor, under a lock, and put back). A version with neither loads with its
    defaults, and a warning says so.
    """
    try:
        import llama_cpp
        from llama_cpp import Llama
    except ImportError as e:
        raise ImportError("llm=gguf needs llama-cpp-python: pip install 'zhdocqa[gguf]'") from e
    kw: dict[str, Any] = {"model_path": model_path, "n_ctx": n_ctx, "verbose": False}
    if n_threads:
        kw["n_threads"] = n_threads
    if "use_extra_bufts" in _init_params(Llama):
        return Llama(**kw, use_extra_bufts=extra_bufts)
    if extra_bufts:
        return Llama(**kw)  # llama.cpp's default: extra buffer types on
    version = getattr(llama_cpp, "__version__", "?")
    low = sys.modules.get("llama_cpp.llama_cpp")  # the ctypes layer Llama.__init__ reads its defaults from
    holders = [m for m in (llama_cpp, low) if m is not None and hasattr(m, "llama_model_default_params")]
    default = getattr(holders[0], "llama_model_default_params", None) if holders else None
    if default is None or not any(f[0] == "use_extra_bufts" for f in getattr(type(default()), "_fields_", [])):
        log.warning("RAG_LLM_GGUF_EXTRA_BUFTS=false is ignored: llama-cpp-python %s has no use_extra_bufts (neither a Llama "
                    "argument nor a model parameter), so %s loads with llama.cpp's default buffer types; upgrade "
                    "llama-cpp-python if this load crashes", version, model_path)
        return Llama(**kw)

    def params():
        p = default()
        p.use_extra_bufts = False
        return p

    with _LOAD_LOCK:
        saved = [(m, m.llama_model_default_params) for m in holders]
        for m, _ in saved:
            m.llama_model_default_params = params
        try:
            client = Llama(**kw)
        finally:
            for m, f in saved:
                m.llama_model_default_params = f
    log.info("llama-cpp-python %s: %s loaded without extra buffer types (model parameter use_extra_bufts=False)", version, model_path)
    return client


def get_chat_model(settings: Settings) -> BaseChatModel:
    """The LangChain chat model ``settings.llm`` names ("openai" or "gguf")."""
    s = settings
    if s.llm == "openai":
        if not (s.llm_base_url or "").strip():
            raise ValueError(
                "llm=openai needs the URL of an OpenAI-compatible server: set RAG_LLM_BASE_URL "
                "(e.g. RAG_LLM_BASE_URL=http://127.0.0.1:8000/v1)"
            )
        if not (s.llm_model or "").strip():
            raise ValueError("llm=openai needs a model name: set RAG_LLM_MODEL (e.g. RAG_LLM_MODEL=qwen2.5-7b-instruct)")
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as e:
            raise ImportError("llm=openai needs langchain-openai: pip install 'zhdocqa[llm]'") from e
        return ChatOpenAI(
            base_url=s.llm_base_url.strip(),
            model=s.llm_model.strip(),
            api_key=s.llm_api_key or "EMPTY",
            timeout=s.llm_timeout,
            max_retries=0,
            temperature=s.llm_temperature,
            max_tokens=s.llm_max_tokens,
        )
    if s.llm == "gguf":
        path = (s.llm_gguf or "").strip()
        if not path:
            raise ValueError("llm=gguf needs a model file: set RAG_LLM_GGUF to the path of a .gguf file")
        if not Path(path).expanduser().is_file():
            raise ValueError(f"RAG_LLM_GGUF={path}: no such file")
        client = load_llama(str(Path(path).expanduser()), 4096, extra_bufts=s.llm_gguf_extra_bufts)
        return GGUFChatModel(model_path=path, temperature=s.llm_temperature, max_tokens=s.llm_max_tokens,
                             extra_bufts=s.llm_gguf_extra_bufts, client=client)
    raise ValueError(f"llm={s.llm!r} has no chat model (set RAG_LLM to 'openai' or 'gguf')")


# ---------------------------------------------------------------- helpers


def _content_text(content: Any) -> str:
    """Text of a message's ``content`` (a string or a list of content blocks)."""
    if isinstance(content, str):
        return content
    out = []
    for block in content or []:
        if isinstance(block, str):
            out.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            out.append(block.get("text") or "")
    return "".join(out)


_THINK = re.compile(r"<think>.*?</think>", re.S)


def _visible(text: str, final: bool = False) -> str:
    """The answer without a reasoning model's ``<think>…</think>`` block (an unfinished one hides
    everything after it)."""
    s = _THINK.sub("", text).lstrip()
    k = s.find("<think>")
    if k >= 0:
        s = s[:k]
    elif not final and s and "<think>".startswith(s):
        return ""  # could still become <think>
    return s


def describe_error(err: BaseException, settings: Settings) -> str:
    """A short, user-readable account of a model failure."""
    name = type(err).__name__
    where = (settings.llm_base_url or "the model server") if settings.llm == "openai" else "the GGUF model"
    status = getattr(err, "status_code", None)
    if "Timeout" in name or isinstance(err, TimeoutError):
        return f"timed out after {settings.llm_timeout:g} s"
    if isinstance(status, int):
        kind = "server error" if status >= 500 else "request refused"
        return f"HTTP {status} ({kind}) from {where}"
    if "Connection" in name or isinstance(err, ConnectionError):
        cause = err.__cause__ or err.__context__
        detail = f": {cause}" if cause else ""
        return f"could not connect to {where}{detail}"
    msg = str(err).strip()
    return f"{name}: {msg}" if msg else name


_NOTHING = {"无", "沒有", "没有", "none", "no", "na", "无答案", "不知道", "unknown"}


def _is_refusal(text: str, refusal: str) -> bool:
    key = re.sub(r"[\W_]+", "", match_key(text))
    if key in _NOTHING:  # the "(none)" of an empty suggestion echoed back
        return True
    for r in {refusal, REFUSAL_ZH, REFUSAL_ZH_HANT, REFUSAL_EN}:
        rk = re.sub(r"[\W_]+", "", match_key(r))
        if rk and rk in key:
            return True
    return False


def _bigrams(text: str) -> set[str]:
    k = re.sub(r"[\W_]+", "", match_key(strip_citations(text)))
    return {k[i : i + 2] for i in range(len(k) - 1)}


def _quote(text: str, claims: list[str]) -> tuple[str, int]:
    """The sentence of ``text`` that holds the claims' figures (else the one that shares most
    with the claims, else the first sentence), and its offset in ``text``."""
    figures: list[NumberMention] = [m for c in claims for m in extract_numbers(c)]
    claim_grams = set().union(*(_bigrams(c) for c in claims)) if claims else set()
    best, best_score, pos = None, 0.0, 0
    first = None
    for sent in split_answer_sentences(text):
        start = pos + (len(sent) - len(sent.lstrip()))
        pos += len(sent)
        body = sent.strip()
        if not body:
            continue
        if first is None:
            first = (body, start)
        nums = extract_numbers(body)
        hits = sum(1 for f in figures if _supported_by(f, nums))
        grams = _bigrams(body)
        overlap = len(grams & claim_grams) / (len(claim_grams) or 1)
        score = hits * 10 + overlap
        if score > best_score:
            best, best_score = (body, start), score
    return best or first or (text.strip(), 0)


@dataclass
class _Prepared:
    question: str
    passages: list[Passage]  # everything the caller gave
    used: list[Passage]  # the numbered ones
    script: str
    refusal: str
    messages: list[BaseMessage]
    check_map: dict[int, str]
    check_tables: dict[int, dict] | None = None
    reader: Answer | None = None  # the offline reader's answer from the same passages
    reader_error: str = ""


@dataclass
class LLMOutcome:
    """One question through :class:`LLMAnswerer`: the ``final`` answer the user gets, the LLM's own
    checked answer ``llm`` (None when nothing of it survived, or the model failed), the offline
    ``reader``'s answer, the model's ``raw`` reply, and ``used_llm`` (``final`` is the LLM's)."""

    final: Answer
    llm: Answer | None
    reader: Answer | None
    raw: str = ""
    used_llm: bool = False
    prompt_chars: int = 0


_LEADS = re.compile(r"^\s*(?:参考答案|建议答案|答案|回答|答|Suggested answer|Answer)\s*[:：]\s*", re.I)
_QUESTION_LABEL = re.compile(r"^\s*(?:问题|問題|Question)\s*[:：]\s*", re.I)


def drop_echo(text: str, question: str) -> str:
    """The model's answer without what it copied from the end of the prompt: a leading copy of the
    question and the prompt's own labels (问题：… 参考答案：…).

    >>> drop_echo("稻城有多大面积？参考答案：7323平方千米[1]", "稻城有多大面积？")
    '7323平方千米[1]'
    >>> drop_echo("Question: How big is it? Suggested answer: 7323 km2 [1]", "How big is it?")
    '7323 km2 [1]'
    >>> drop_echo("稻城县面积7323平方千米[1]。", "稻城有多大面积？")
    '稻城县面积7323平方千米[1]。'
    """
    t = _LEADS.sub("", _QUESTION_LABEL.sub("", text.strip(), count=1)).strip()
    q = question.strip()
    if q and t.startswith(q) and len(t) > len(q):
        t = _LEADS.sub("", t[len(q):]).strip()
    return t


# ---------------------------------------------------------------- the answerer


class LLMAnswerer:
    """Answers with a chat model from an evidence-first prompt, then keeps only what the passages back.

    The prompt (:func:`rag.evidence.build_evidence`) shows the sentences of the top ``top_n``
    passages that matter and the offline reader's answer as a suggestion; the reply gets markers
    where it lacks them (:func:`rag.attribution.attribute`), then the figure check; the reader's
    answer wins where the learned policy says so (:mod:`rag.llm_policy`), and stands in when
    nothing of the reply survives.

    ``run(question, passages) -> Answer``; ``stream(question, passages)`` yields ``str``
    deltas, then the final ``Answer``; ``run_detailed`` gives the :class:`LLMOutcome`.
    ``policy`` is the reader-wins policy (:func:`rag.llm_policy.decide`; default: the learned one,
    :func:`rag.llm_policy.load_policy`); ``reader_wins`` (a confidence, or ``None``: the LLM's checked
    answer stands) and ``over_refusal`` (whether an LLM answer stands against the reader's refusal)
    replace it by the single-threshold rule (:func:`rag.llm_policy.threshold_policy`).
    """

    _LEARNED = object()

    def __init__(self, settings: Settings, top_n: int = 3, model: BaseChatModel | None = None, reader_wins: Any = _LEARNED,
                 over_refusal: bool | None = None, policy: dict | None = None):
        self.settings = settings
        self.backend = self.settings.llm if self.settings.llm != "none" else "llm"
        self.model = model if model is not None else get_chat_model(self.settings)
        self.top_n = top_n
        self.prompts = {lang: load_prompt(lang, self.settings.prompts_dir) for lang in ("zh", "en")}
        from .llm_policy import load_policy, threshold_policy

        if reader_wins is not LLMAnswerer._LEARNED or over_refusal is not None:
            policy = threshold_policy(None if reader_wins is LLMAnswerer._LEARNED else reader_wins,
                                      True if over_refusal is None else over_refusal)
        self.policy = policy if policy is not None else load_policy()
        self._reader = None

    # ------------------------------------------------------------ prompt
    def _read(self, question: str, passages: list[Passage]) -> tuple[Answer | None, str]:
        if self._reader is None:
            from .reader import OfflineReader  # lazily: the reader loads its model on first use
            from .reader.model import load_model

            self._reader = OfflineReader(load_model(self.settings.reader_model))
        try:
            return self._reader.run(question, passages), ""
        except Exception as e:  # noqa: BLE001 - keep the user informed rather than crash
            return None, f"offline reader failed: {type(e).__name__}: {e}"

    def _prepare(self, question: str, passages: list[Passage]) -> _Prepared:
        from .evidence import build_evidence, renumber_candidate

        passages = list(passages)
        script = question_script(question)
        refusal = refusal_text(script)
        reader, reader_error = self._read(question, passages) if passages else (None, "")
        ev = build_evidence(question, passages, reader, max_passages=self.top_n)
        if ev.blocks:
            used = [ev.numbered[n] for n in sorted(ev.numbered)]
            block, candidate = ev.passages_block(), ev.candidate
        else:  # nothing in the passages shares a word with the question: show the top ones whole
            used = passages[: self.top_n]
            block = format_passages(used)
            candidate = renumber_candidate(reader, {p.chunk_id: i for i, p in enumerate(used, 1)})
        prompt = self.prompts["en" if script == "en" else "zh"]
        none = "(none)" if script == "en" else "（无）"
        messages = prompt.format_messages(passages=block, question=question.strip(), refusal=refusal, candidate=candidate or none)
        # a figure that stands only in a planted instruction is not supported
        check_map = {i: f"{p.section}\n{strip_instructions(p.text)}" for i, p in enumerate(used, 1)}
        tables = {i: p.table for i, p in enumerate(used, 1) if p.table}
        return _Prepared(question, passages, used, script, refusal, messages, check_map, tables, reader, reader_error)

    # ------------------------------------------------------------ entry points
    def run(self, question: str, passages: list[Passage]) -> Answer:
        return self.run_detailed(question, passages).final

    def run_detailed(self, question: str, passages: list[Passage]) -> LLMOutcome:
        t0 = time.perf_counter()
        prep = self._prepare(question, passages)
        if not prep.used:
            return LLMOutcome(self._no_passages(prep, t0), None, None)
        t_call = time.perf_counter()
        text, err = "", None
        try:
            text = _content_text(self.model.invoke(prep.messages).content)
        except Exception as e:  # noqa: BLE001 - every model failure falls back, flagged
            err = e
        return self._finish(prep, text, err, t0, t_call, time.perf_counter())

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str | Answer]:
        t0 = time.perf_counter()
        prep = self._prepare(question, passages)
        if not prep.used:
            yield self._no_passages(prep, t0)
            return
        t_call = time.perf_counter()
        full, sent, err = "", "", None
        try:
            for chunk in self.model.stream(prep.messages):
                piece = _content_text(chunk.content)
                if not piece:
                    continue
                full += piece
                visible = _visible(full)
                if len(visible) > len(sent) and visible.startswith(sent):
                    yield visible[len(sent) :]
                    sent = visible
        except Exception as e:  # noqa: BLE001
            err = e
        yield self._finish(prep, full, err, t0, t_call, time.perf_counter()).final

    # ------------------------------------------------------------ outcomes
    def _no_passages(self, prep: _Prepared, t0: float) -> Answer:
        return Answer(
            question=prep.question, answer=prep.refusal, refused=True, backend=self.backend,
            timings={"answer_ms": (time.perf_counter() - t0) * 1000},
            warnings=["refused: no passage retrieved"], passages=prep.passages,
        )

    def _finish(self, prep: _Prepared, text: str, err: BaseException | None, t0: float, t_call: float, t_llm: float) -> LLMOutcome:
        timings = {"prepare_ms": (t_call - t0) * 1000, "llm_ms": (t_llm - t_call) * 1000}
        raw = text
        prompt_chars = sum(len(_content_text(m.content)) for m in prep.messages)

        def outcome(final: Answer, llm: Answer | None) -> LLMOutcome:
            return LLMOutcome(final, llm, prep.reader, raw, final is llm, prompt_chars)

        if err is not None:
            return outcome(self._fallback(prep, f"LLM error: {describe_error(err, self.settings)}; answered by the offline reader", timings), None)
        text = drop_echo(_visible(text, final=True), prep.question)
        if not text:
            return outcome(self._fallback(prep, "LLM error: the model returned an empty answer; answered by the offline reader", timings), None)
        if _is_refusal(text, prep.refusal):
            llm = Answer(
                question=prep.question, answer=prep.refusal, refused=True, backend=self.backend,
                timings=timings, grounded=True, passages=prep.passages,
            )
            return outcome(self._reader_or(prep, llm, timings), llm)
        t1 = time.perf_counter()
        from .attribution import attribute

        att = attribute(text, prep.check_map, prep.question)
        res = check_answer(att.text, prep.check_map, prep.check_tables)
        timings["check_ms"] = (time.perf_counter() - t1) * 1000
        reasons = list(att.reasons) + list(res.reasons)
        dropped = list(att.dropped) + list(res.dropped_sentences)
        if not res.cited:
            why = "; ".join(dict.fromkeys(reasons)) or "it cites no passage"
            return outcome(self._fallback(prep, f"LLM answer dropped: {why}; answered by the offline reader", timings), None)
        warnings = [f"LLM sentence dropped: “{s}” — {why}" for s, why in zip(dropped, reasons)]
        if att.attached:
            warnings.append("LLM answer without (right) markers: cited the passages that hold it, " + "".join(f"[{n}]" for n in att.attached))
        answer = res.repaired if not res.ok else att.text
        llm = Answer(
            question=prep.question, answer=answer, refused=False, citations=self._citations(answer, prep),
            backend=self.backend, timings=timings, grounded=True, warnings=warnings, passages=prep.passages,
        )
        return outcome(self._reader_or(prep, llm, timings), llm)

    def _reader_or(self, prep: _Prepared, llm: Answer, timings: dict) -> Answer:
        """``llm``, unless the offline reader's answer should win (:func:`rag.llm_policy.decide`)."""
        from .llm_policy import decide

        why = decide(llm, prep.reader, prep.question, self.policy)
        if why is None:
            return llm
        return self._fallback(prep, f"offline answer preferred: {why}", timings)

    def _citations(self, text: str, prep: _Prepared) -> list[Citation]:
        claims: dict[int, list[str]] = {}
        for s in split_answer_sentences(text):
            for n in dict.fromkeys(citation_markers(s)):
                if 1 <= n <= len(prep.used):
                    claims.setdefault(n, []).append(strip_citations(s))
        out = []
        for n, cl in claims.items():
            p = prep.used[n - 1]
            quote, start = _quote(p.text, cl)
            out.append(Citation(n=n, doc=p.doc, chunk_id=p.chunk_id, section=p.section, text=p.text, quote=quote, page=p.page, start=start, table=p.table, ocr=p.ocr))
        return out

    def _fallback(self, prep: _Prepared, warning: str, timings: dict) -> Answer:
        if prep.reader is not None:
            ans = copy.deepcopy(prep.reader)
        else:
            ans = Answer(question=prep.question, answer=prep.refusal, refused=True, warnings=[prep.reader_error or "offline reader failed"])
        ans.backend = f"{self.backend}→offline"
        ans.warnings.insert(0, warning)
        ans.timings = {**timings, **ans.timings}
        ans.passages = prep.passages
        # the offline reader is extractive; check it anyway so nothing unflagged reaches the user
        if not ans.refused and ans.citations:
            res = check_answer(ans.answer, {c.n: f"{c.section}\n{c.text}" for c in ans.citations}, {c.n: c.table for c in ans.citations if c.table})
            if not res.ok:
                ans.grounded = False
                ans.warnings.append("offline answer failed the number check: " + "; ".join(res.reasons))
        return ans


def get_answerer(settings: Settings):
    """``OfflineReader()`` for ``llm="none"``, else ``LLMAnswerer(settings)``; both have
    ``run(question, passages) -> Answer``."""
    s = settings
    if s.llm == "none":
        from .reader import OfflineReader
        from .reader.model import load_model

        return OfflineReader(load_model(s.reader_model))
    return LLMAnswerer(s)
