"""llama.cpp's prefill and decode speed on SmolLM2, measured the way `dojo bench generate`
measures ours: a 512-token prompt in one batch, then 128 greedy tokens one at a time.

Run on the same machine, right after `dojo bench generate --threads N`, to compare:
    python refs/bench_llama_cpp.py [--threads N] [path/to/model.gguf]
Versions: llama-cpp-python 0.3.36 built with
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
"""

import argparse
import json
import os
import time

import llama_cpp
import numpy as np

HOME = os.environ.get("DOJO_HOME") or os.path.expanduser("~/.local/share/llm-dojo")
PARA = ("The history of computing is a story of machines that grew smaller, faster and cheaper "
        "while the problems they solved grew larger. Early computers filled rooms and "
        "calculated artillery tables; today a phone holds more memory than every computer "
        "of 1970 combined. ")


def last_argmax(llm):
    """Argmax of the last evaluated position's logits, read in place (no Python list)."""
    ptr = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
    return int(np.argmax(np.ctypeslib.as_array(ptr, shape=(llm.n_vocab(),))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt-tokens", type=int, default=512)
    ap.add_argument("--decode-tokens", type=int, default=128)
    ap.add_argument("model", nargs="?", default=os.path.join(HOME, "models", "SmolLM2-135M-Instruct.Q4_1.gguf"))
    a = ap.parse_args()
    llm = llama_cpp.Llama(model_path=a.model, n_ctx=1024, n_batch=512, n_threads=a.threads,
                          n_threads_batch=a.threads, verbose=False)
    ids = []
    while len(ids) < a.prompt_tokens:
        ids += llm.tokenize(PARA.encode(), add_bos=False, special=False)
    ids = ids[: a.prompt_tokens]
    best = None
    for _ in range(3):  # best of 3, as llama-bench reports steady state
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(ids)
        prefill = len(ids) / (time.perf_counter() - t0)
        nxt = last_argmax(llm)
        t1 = time.perf_counter()
        for _ in range(a.decode_tokens):
            llm.eval([nxt])
            nxt = last_argmax(llm)
        decode = a.decode_tokens / (time.perf_counter() - t1)
        if best is None or decode > best[1]:
            best = (prefill, decode)
    print(json.dumps({"threads": a.threads, "prefill_tokens_per_s": best[0], "decode_tokens_per_s": best[1]}))


if __name__ == "__main__":
    main()
