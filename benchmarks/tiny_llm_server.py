"""Start ``llama_cpp.server`` with llama.cpp's extra (repacking) buffer types turned off.

    ~/.cache/tiny-llm/venv/bin/python benchmarks/tiny_llm_server.py --model ~/.cache/tiny-llm/qwen05.gguf \
        --host 127.0.0.1 --port 8765 --n_ctx 4096 --n_threads 2 --model_alias qwen05

Why: on this machine (a VM whose CPU advertises AMX), llama.cpp repacks Q4_K weights for AMX and the
first completion dies with a general protection fault in ``libggml-cpu.so`` (see ``dmesg``), so the
server of ``../shared/llm/serve_tiny_llm.sh`` crashes on its first request. With
``use_extra_bufts = False`` the same build and the same GGUF file answer. Arguments are those of
``python -m llama_cpp.server``. Run it with the interpreter that has ``llama_cpp`` (the tiny-LLM venv);
benchmark use only, never a dependency.
"""
import runpy


def disable_extra_bufts() -> None:
    """Make every ``llama_cpp.Llama`` loaded from now on use ``use_extra_bufts = False`` (no AMX repacking)."""
    import llama_cpp
    import llama_cpp.llama as _llama

    default = llama_cpp.llama_model_default_params

    def params():
        p = default()
        p.use_extra_bufts = False
        return p

    llama_cpp.llama_model_default_params = params
    _llama.llama_cpp.llama_model_default_params = params


if __name__ == "__main__":
    disable_extra_bufts()
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
