#!/usr/bin/env python3
"""Fail on an import cycle inside ``rag``; print the modules in dependency order.

1. The import graph of every module under ``rag/`` is read from the source (every
   ``import`` statement, at module level or inside a function: a lazy import that
   reaches back is a cycle too) and must have no cycle; its topological order is the
   dependency order (a module after everything it imports).
2. Each module is then imported on its own in a fresh interpreter state, in that
   order: this process imports the third-party libraries once, then forks one child
   per module, in which no ``rag`` module is loaded yet, and the child imports just that
   module. A module that only imports when another one was imported first fails here.

Usage: ``python .ci/check_imports.py [--quiet]`` from the project root (exit 1 on a problem).
"""
from __future__ import annotations

import ast
import importlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "rag"


def modules() -> dict[str, Path]:
    out = {}
    for p in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = p
    return out


def _walk(tree: ast.AST, into_functions: bool):
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if into_functions or not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                todo.append(child)


def imports_of(name: str, path: Path, known: dict[str, Path]) -> tuple[set[str], set[str]]:
    """(rag modules it imports anywhere in its source, third-party packages it imports at module level)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    top_level = {id(n) for n in _walk(tree, into_functions=False)}
    ours, theirs = set(), set()
    for node in _walk(tree, into_functions=True):
        level = 0
        if isinstance(node, ast.ImportFrom):
            level = node.level
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target] + [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        for c in candidates:
            if c in known:
                ours.add(c)
            elif c and not level and c.split(".")[0] != PACKAGE and id(node) in top_level:
                theirs.add(c.split(".")[0])
    ours.discard(name)
    return ours, theirs


def dependency_order(graph: dict[str, set[str]]) -> list[str]:
    """Topological order (dependencies first); raises SystemExit naming a cycle."""
    order, state = [], {}

    def visit(m: str, path: list[str]) -> None:
        if state.get(m) == "done":
            return
        if state.get(m) == "active":
            cycle = path[path.index(m):] + [m]
            raise SystemExit("import cycle: " + " → ".join(cycle))
        state[m] = "active"
        for d in sorted(graph[m]):
            visit(d, path + [d])
        state[m] = "done"
        order.append(m)

    for m in sorted(graph):
        visit(m, [m])
    return order


def import_alone(name: str) -> str | None:
    """Import ``name`` in a forked child with no rag module loaded; the error text, or None."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(r)
        try:
            importlib.import_module(name)
            code, msg = 0, b""
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            code, msg = 1, f"{type(e).__name__}: {e}".encode()
        os.write(w, msg)
        os.close(w)
        os._exit(code)
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return b"".join(chunks).decode() or f"exit status {status}"
    return None


def main(argv: list[str]) -> int:
    quiet = "--quiet" in argv
    sys.path.insert(0, str(ROOT))
    known = modules()
    graph, third_party = {}, set()
    for name, path in known.items():
        graph[name], theirs = imports_of(name, path, known)
        third_party |= theirs
    order = dependency_order(graph)
    # load the libraries once in this process, so each child pays only for its rag module
    for lib in sorted(third_party):
        try:
            importlib.import_module(lib)
        except Exception:  # noqa: BLE001 - optional extras (llama_cpp, ...) may be absent; the child reports what matters
            pass
    assert not any(m == PACKAGE or m.startswith(PACKAGE + ".") for m in sys.modules), "a library imported rag"
    problems = []
    for name in order:
        err = import_alone(name)
        if err:
            problems.append(f"{name}: {err}")
        elif not quiet:
            print(f"ok  {name}  (imports {', '.join(sorted(graph[name])) or 'nothing of rag'})")
    for p in problems:
        print(f"FAIL {p}", file=sys.stderr)
    if not quiet:
        print(f"{len(order) - len(problems)}/{len(order)} modules import alone, in dependency order, no cycle")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
