"""Package data: the word lists (``glossary_en_zh.tsv``, ``exonyms_en.tsv``, ``paraphrase_zh.tsv``) and the
learned models and weights the code reads."""
from __future__ import annotations

from pathlib import Path


def tsv_pairs(path: Path) -> list[tuple[str, str]]:
    """``(left, right)`` for every line of a word-list file: ``left<TAB>right``; blank lines and ``#``
    comments skipped, ``left`` stripped.

    >>> tsv_pairs(Path(__file__).with_name("exonyms_en.tsv"))[0]
    ('lhasa', 'lasa')
    """
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        left, right = line.split("\t", 1)
        out.append((left.strip(), right))
    return out
