"""Package data: the English → Chinese glossary (``glossary_en_zh.tsv``) of :mod:`rag.crosslingual`."""
