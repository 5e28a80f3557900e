"""The LLM answer prompts (see README.md here); installed as the package ``rag.prompts``.

``rag.llm.load_prompt`` reads them with :mod:`importlib.resources`; ``RAG_PROMPTS_DIR``
points it at another folder instead.
"""
