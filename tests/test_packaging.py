"""The wheel: built from the source, installed into a fresh virtual environment, ``rag ask`` run from there.

Nothing is downloaded: the wheel is built with this environment's setuptools
(``--no-build-isolation``), installed with ``--no-deps --no-index``, and the fresh
environment reaches its dependencies through a ``.pth`` file naming this environment's
site-packages (a path entry only: the editable install of the checkout is not
activated there, so ``rag`` can only come from the wheel). Runs from a directory
outside the checkout.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "稻城县2014年审定贫困村多少个？"

pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", timeout=timeout)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout}\n{proc.stderr}"
    return proc


def _offline_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "PIP_", "PYTHON"))}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_FIND_LINKS="", PIP_CONSTRAINT="", HF_HUB_OFFLINE="1", **extra)
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """``pip wheel`` of a copy of the sources (an in-tree build would leave build/ and *.egg-info in the checkout)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for d in ("rag", "prompts"):
        shutil.copytree(ROOT / d, src / d, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(out), str(src)],
         cwd=src, env=_offline_env())
    (whl,) = out.glob("zhdocqa-*.whl")
    return whl


@pytest.fixture(scope="module")
def fresh(wheel, tmp_path_factory) -> Path:
    """A new virtual environment with only the wheel installed (dependencies through a .pth path entry)."""
    venv = tmp_path_factory.mktemp("venv") / "fresh"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=venv.parent)
    py = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", "-q", str(wheel)],
         cwd=venv.parent, env=_offline_env())
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=venv.parent).stdout.strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_test_dependencies.pth").write_text("\n".join(sorted(deps)) + "\n", encoding="utf-8")
    return venv


def test_the_wheel_holds_every_package_the_prompts_and_the_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "rag").rglob("__init__.py")}
    missing = sorted(p for p in packages if f"{p}/__init__.py" not in names)
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"
    assert {"rag/prompts/answer_zh.txt", "rag/prompts/answer_en.txt", "rag/data/glossary_en_zh.tsv"} <= names
    assert not any(n.startswith(("tests/", "seeds/", "index/", "eval/")) for n in names)
    meta = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "rag = rag.cli:main" in zipfile.ZipFile(wheel).read(meta).decode()


def test_rag_ask_and_the_llm_prompts_from_a_fresh_install(fresh, seed_index, tmp_path):
    work = tmp_path / "elsewhere"  # not the checkout: nothing of the source tree is importable from here
    work.mkdir()
    py = fresh / "bin" / "python"
    code = ("import json, rag, rag.llm\n"
            "from rag.llm import load_prompt\n"
            "from rag.llm_policy import load_policy\n"
            "print(json.dumps({'rag': rag.__file__, 'version': rag.__version__, 'policy': load_policy().get('learned_by'),"
            " 'prompt': sorted(load_prompt('zh').input_variables), 'en': load_prompt('en').messages[0].prompt.template[:20]}))\n")
    info = json.loads(_run([str(py), "-c", code], cwd=work, env=_offline_env()).stdout)
    assert info["rag"].startswith(str(fresh)), info
    assert info["version"] == "0.1.0" and info["prompt"] == ["candidate", "passages", "question", "refusal"] and info["en"]
    assert info["policy"] == "eval/tune_llm_policy.py"  # the learned reader-wins policy ships in the wheel

    shutil.copytree(seed_index.index_path, work / "index" / "seeds")
    with socket.socket() as s:  # a port nobody listens on: the LLM is unreachable, so the offline reader answers
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = _offline_env(RAG_LLM_BASE_URL=f"http://127.0.0.1:{port}/v1", RAG_LLM_MODEL="stand-in", RAG_LLM_TIMEOUT="5", NO_PROXY="127.0.0.1")
    proc = _run([str(fresh / "bin" / "rag"), "ask", QUESTION, "--name", "seeds", "--llm", "openai", "--json"], cwd=work, env=env)
    ans = json.loads(proc.stdout)
    assert "55" in ans["answer"] and ans["citations"][0]["quote"] in ans["citations"][0]["text"]
    # the LLM backend loaded its prompts from the wheel, tried the server, and fell back with a warning
    assert ans["backend"] == "openai→offline" and "could not connect" in ans["warnings"][0], ans
    assert not (work / "index" / "default").exists()
