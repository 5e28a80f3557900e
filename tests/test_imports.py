"""No import cycles: every rag module imports on its own, in dependency order (.ci/check_imports.py)."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "check_imports.py"


def _checker():
    spec = importlib.util.spec_from_file_location("check_imports", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_module_imports_alone_in_dependency_order():
    proc = subprocess.run([sys.executable, str(SCRIPT)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    done = [ln.split()[1] for ln in proc.stdout.splitlines() if ln.startswith("ok  ")]
    assert {"rag.types", "rag.stores.faiss", "rag.indexer", "rag.service", "rag.cli"} <= set(done)
    # dependency order: the types and settings come before what uses them, the faces last
    assert done.index("rag.types") < done.index("rag.indexer") < done.index("rag.service") < done.index("rag.cli")


def test_a_cycle_is_named():
    check = _checker()
    with pytest.raises(SystemExit, match="import cycle: rag.a → rag.b → rag.a"):
        check.dependency_order({"rag.a": {"rag.b"}, "rag.b": {"rag.a"}, "rag.c": set()})
    assert check.dependency_order({"rag.a": {"rag.b"}, "rag.b": set()}) == ["rag.b", "rag.a"]


def test_the_layers_point_one_way():
    """Stores never import the indexer or the faces; library modules never import a face."""
    check = _checker()
    known = check.modules()
    faces = {"rag.cli", "rag.api", "rag.ui"}
    for name, path in known.items():
        ours, _ = check.imports_of(name, path, known)
        if name not in faces:
            assert not ours & faces, (name, ours & faces)
        if name.startswith("rag.stores"):
            assert not ours & {"rag.indexer", "rag.service", "rag.qa", "rag.retrieve"}, (name, ours)
