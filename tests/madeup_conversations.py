"""Made-up dialogues over made-up reports (``tests/data/``), for the follow-up tests: not the seeds.

``dialogues()`` reads ``tests/data/madeup_conversations.txt`` (one turn a line, see its header)
into the conversation gold schema of ``eval/README.md``; ``docs_dir()`` is the directory of the
four reports they are asked over (a prefecture, two counties, a township and a town, their bureaus).
"""
from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def docs_dir() -> Path:
    return DATA / "madeup_docs"


def doc_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(docs_dir().glob("*.txt"))]


def _words(field: str) -> list[str]:
    return [w.strip() for w in field.split(",") if w.strip()]


def dialogues(path: Path | None = None) -> list[dict]:
    out: list[dict] = []
    for n, line in enumerate((path or DATA / "madeup_conversations.txt").read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("=="):
            out.append({"id": line[2:].strip(), "turns": []})
            continue
        parts = [x.strip() for x in line.split("|")]
        if len(parts) != 6 or not out:
            raise ValueError(f"madeup_conversations.txt:{n}: expected 6 fields after a '== id' line")
        kind, question, resolved, must, must_not, contain = parts
        turns = out[-1]["turns"]
        unres = resolved == "-"
        t = {"turn": len(turns) + 1, "kind": kind, "question": question,
             "resolved": None if unres else (question if resolved == "=" else resolved),
             "must_name": _words(must), "must_not_name": _words(must_not),
             "answers": [] if contain in ("-", "?") else _words(contain),
             "must_contain": [] if contain in ("-", "?") else _words(contain),
             "doc": None if unres or contain == "-" else "madeup", "scored": contain != "?"}
        turns.append(t)
    return out
