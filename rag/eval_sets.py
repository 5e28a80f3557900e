"""The named evaluation sets ``rag eval --set NAME`` runs, and the index each one is asked against.

A set is a gold file plus the documents its questions are asked over. The project's own
splits (``dev``, ``test``) are asked against the configured index, which holds the seeds;
an external set has its own index (``ext-<set>``), built from its ``docs/`` directory the
first time and brought up to date incrementally when the documents change. Adding a set
is one :func:`register` call (or one entry in ``_BUILTIN``)::

    register(EvalSet("scans", "eval/scans.jsonl", "questions over scanned reports", index="ext-scans", docs="eval/scans/docs"))

Example::

    >>> from rag.eval_sets import get_set, set_names
    >>> set_names()[:4]
    ['dev', 'test', 'cmrc2018-dev', 'drcd-dev']
    >>> s = get_set("drcd-dev")
    >>> s.index, s.docs_dir().name, s.gold_path().name
    ('ext-drcd', 'docs', 'dev.jsonl')
    >>> get_set("seeds")
    Traceback (most recent call last):
    ...
    ValueError: unknown eval set 'seeds'; known: dev, test, cmrc2018-dev, drcd-dev, conversations-dev, conversations-synth-dev, conversations, tables-dev, tables-test
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .settings import Settings

log = logging.getLogger(__name__)


def _root() -> Path:
    from .evaluate import checkout_root

    return checkout_root()


@dataclass(frozen=True)
class EvalSet:
    """A gold file and the documents it is asked over.

    ``index``: the index name; ``None`` means the configured index (``--name`` / ``RAG_INDEX_NAME``),
    which holds the seeds. ``docs``: the directory that index is built from; ``None`` means the
    checkout's ``seeds/``. ``kind``: ``qa`` (one question per gold line, scored by
    :mod:`rag.evaluate`); another kind (a conversation set) brings its own ``runner``
    ``(evalset, assistant, out_dir, k, progress, limit) -> metrics``.
    """

    name: str
    gold: str
    description: str
    index: str | None = None
    docs: str | None = None
    kind: str = "qa"
    runner: Callable | None = None
    build: bool = True  # False: asked against the configured index as it is (a gold file given on the command line)

    def gold_path(self, root: Path | None = None) -> Path:
        return ((root or _root()) / self.gold) if not Path(self.gold).is_absolute() else Path(self.gold)

    def docs_dir(self, settings: Settings | None = None, root: Path | None = None) -> Path:
        docs = self.docs or "seeds"
        return ((root or _root()) / docs) if not Path(docs).is_absolute() else Path(docs)

    @property
    def own_index(self) -> bool:
        """True when the set has an index of its own (documents in it that are not the set's are removed)."""
        return self.index is not None


def _run_conversations(evalset: "EvalSet", assistant, out_dir: Path, k: int, progress: bool, limit: int | None) -> dict:
    """The runner of a conversation set: every turn in context and self-contained (rag.eval_conversations)."""
    from .eval_conversations import run_conversations

    metrics = run_conversations(evalset.gold_path(), out_dir, assistant=assistant, k=k, progress=progress, limit=limit)
    metrics.setdefault("answer_accuracy", metrics.get("turn_accuracy"))  # the summary's column: every turn right
    return metrics


_BUILTIN = [
    EvalSet("dev", "eval/gold_dev.jsonl", "project dev split over the seeds (tune on it)"),
    EvalSet("test", "eval/gold_test.jsonl", "project test split over the seeds (frozen: report it, never tune on it)"),
    EvalSet("cmrc2018-dev", "eval/external/cmrc2018/dev.jsonl", "CMRC 2018 trial recast as document QA, dev articles (simplified)",
            index="ext-cmrc2018", docs="eval/external/cmrc2018/docs"),
    EvalSet("drcd-dev", "eval/external/drcd/dev.jsonl", "DRCD test subset recast as document QA, dev articles (traditional)",
            index="ext-drcd", docs="eval/external/drcd/docs"),
    EvalSet("conversations-dev", "eval/conversations_dev.jsonl", "dialogues over the seeds: follow-ups in context (tune on it)",
            kind="conversation", runner=_run_conversations),
    EvalSet("conversations-synth-dev", "eval/conversations_synth_dev.jsonl",
            "two-turn follow-ups generated from gold_dev (eval/make_dialogues.py), tune and held halves", kind="conversation",
            runner=_run_conversations),
    EvalSet("conversations", "eval/conversations.jsonl", "dialogues over the seeds: follow-ups in context (frozen: report it)",
            kind="conversation", runner=_run_conversations),
    EvalSet("tables-dev", "eval/tables_dev.jsonl", "questions on tables, scans and web pages (generated documents; tune on it)",
            index="ext-tables", docs="eval/tables/docs"),
    EvalSet("tables-test", "eval/tables_test.jsonl", "questions on tables, scans and web pages (generated documents; frozen)",
            index="ext-tables", docs="eval/tables/docs"),
]
SETS: dict[str, EvalSet] = {s.name: s for s in _BUILTIN}


def register(evalset: EvalSet) -> EvalSet:
    """Add (or replace) a named set; ``rag eval --set NAME`` and ``--all`` then run it."""
    SETS[evalset.name] = evalset
    return evalset


def set_names() -> list[str]:
    return list(SETS)


def get_set(name: str) -> EvalSet:
    try:
        return SETS[name]
    except KeyError:
        raise ValueError(f"unknown eval set {name!r}; known: {', '.join(SETS)}") from None


def ad_hoc(gold: Path | str, kind: str = "qa") -> EvalSet:
    """A gold file given with ``--gold`` (or ``--conversations``): asked against the configured index, named after the file."""
    p = Path(gold)
    if kind == "conversation":
        return EvalSet(p.stem, str(p.resolve()), f"conversations {p}", kind=kind, runner=_run_conversations, build=False)
    return EvalSet(p.stem, str(p.resolve()), f"gold file {p}", build=False)


# ---------------------------------------------------------------- the index a set is asked against


def _doc_files(docs: Path) -> dict[str, Path]:
    from .loaders import iter_files

    errors: list = []
    return {p.name: p for p in iter_files([docs], errors, [])}


def index_status(evalset: EvalSet, settings: Settings) -> tuple[str, list[str], list[str]]:
    """``(state, to_index, extra)``: state is ``ok``, ``missing`` or ``stale``; ``to_index`` the
    document names that are new or changed; ``extra`` indexed documents that are not the set's.

    Compared by file name and SHA-256, so an index built from another checkout of the same
    documents counts as current (and is only read); an index chunked by another chunker version
    is stale as a whole (the indexer re-chunks it, reusing the vectors of unchanged chunks).
    """
    from .chunking import CHUNKER_VERSION
    from .loaders import file_sha256
    from .stores import open_store
    from .types import IndexNotFound

    docs = evalset.docs_dir(settings)
    if not docs.is_dir():
        raise ValueError(f"eval set {evalset.name!r}: documents directory {docs} not found")
    want = _doc_files(docs)
    try:
        store = open_store(settings, settings.index_name)
    except IndexNotFound:
        return "missing", sorted(want), []
    have = {info.get("source"): info.get("sha256") for info in store.manifest.get("files", {}).values()}
    todo = sorted(n for n, p in want.items() if have.get(n) != file_sha256(p))
    if store.manifest.get("chunker", {}).get("version") != CHUNKER_VERSION:
        todo = sorted(want)
    extra = sorted(n for n in have if n not in want)
    return ("stale" if todo or (extra and evalset.own_index) else "ok"), todo, extra


def prepare_index(evalset: EvalSet, settings: Settings, progress: bool = True, notify: Callable[[str], None] | None = None) -> Settings:
    """Settings whose ``index_name`` is the set's index, built or brought up to date first.

    A missing or stale index is (re)built incrementally with :class:`rag.indexer.Indexer`
    (only new or changed documents are embedded; a set's own index also drops documents that
    are not the set's). An index that is current is only read. The configured index (dev, test)
    is never changed when it also holds other documents: that is a ``ValueError`` naming it.
    """
    s = settings.model_copy(update={"index_name": evalset.index}) if evalset.index else settings
    if not evalset.build:
        return s
    state, todo, extra = index_status(evalset, s)
    say = notify or log.info
    if state == "ok":
        if extra and not evalset.own_index:
            say(f"note: index '{s.index_name}' holds {len(extra)} document(s) besides {evalset.docs_dir(s)}; "
                f"{evalset.name} figures are over all of them")
        return s
    from .indexer import Indexer

    docs = evalset.docs_dir(s)
    if extra and not evalset.own_index:  # someone's own index: never add documents to it behind their back
        raise ValueError(f"index '{s.index_name}' holds {len(extra)} document(s) that are not in {docs} and lacks or has an old copy "
                         f"of {len(todo)} of them: the {evalset.name} questions are about {docs}; run `rag index {docs}` "
                         f"or pick an index with --name")
    remove = extra if evalset.own_index else []
    say(f"{evalset.name}: index '{s.index_name}' is {state} ({len(todo)} of {len(_doc_files(docs))} documents to embed"
        + (f", {len(remove)} to drop" if remove else "") + f") — building it from {docs}; this takes a few minutes the first time")
    report = Indexer(s.index_name, settings=s, progress=progress).run([docs], remove=remove)
    for e in report.errors:
        say(f"warning: {e}")
    say(f"{evalset.name}: index '{s.index_name}' ready: {report.chunks} chunks, embedded {report.embedded} in {report.seconds:.0f} s")
    return s
