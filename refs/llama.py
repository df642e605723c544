"""Reference tokenization and log-probabilities for SmolLM2-135M-Instruct (GGUF), for
crates/dojo/src/tokenizer/ and crates/dojo/src/models/llama.rs.

Two independent references:
  1. llama.cpp (through llama-cpp-python): its tokenizer, and its forward pass, which quantizes
     activations to 8 bits inside its quantized dot products;
  2. an exact float32 forward written here in numpy from the weights dequantized by the `gguf`
     package (RoPE on adjacent pairs, as llama.cpp's "normal" mode; GGUF's converter permuted
     W_Q and W_K for it).

Writes crates/dojo/fixtures/models/smollm2_tokens.json: {"cases": [{"text", "ids"}]} with
llama.cpp's ids (add_bos=False, special=True).
Writes crates/dojo/fixtures/models/smollm2_logprobs.json: for each fixture text, the ids and,
for each reference, the log-probability of every token after the first and the argmax of each
position's distribution.

Versions: python 3.11, llama-cpp-python 0.3.36, gguf 0.19.0, numpy 2.4.6. Build
llama-cpp-python with
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
(the default native build dies with SIGILL on machines without AMX). No randomness.
Run from the repository root with the model pulled (`dojo models pull smollm2`):
    python refs/llama.py [path/to/SmolLM2-135M-Instruct.Q4_1.gguf]
"""

import json
import os
import sys

import gguf
import llama_cpp
import numpy as np

HOME = os.environ.get("DOJO_HOME") or os.path.expanduser("~/.local/share/llm-dojo")
MODEL = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HOME, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
OUT = "crates/dojo/fixtures/models"

TOKEN_CASES = [
    "Hello world",
    "Hello, world! How are you doing today?",
    "The quick brown fox jumps over the lazy dog.",
    "I'm sure they'll say it's fine; we've done it, you'd agree.",
    "Numbers: 3.14159, 2026-11-28, 1,000,000 and 42nd.",
    "    four leading spaces, then   three, then a tab\there.",
    "line one\nline two\n\nafter a blank line\r\nwindows line",
    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
    "fn main() { println!(\"{}\", 1 + 2); }",
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "Emoji: 🎉🚀 👍🏽 and a family 👨‍👩‍👧",
    "日本語のテキストと中文文本，还有한국어.",
    "Ünïcödé àccents, ß, Æsir, naïve café.",
    "Trailing spaces   ",
    "   ",
    "",
    "a",
    "<|endoftext|>",
    "email@example.com http://example.org/path?q=1&r=2#frag",
    "$x^2 + y^2 = z^2$ and \\frac{a}{b}",
    "Mixed123abc456 and x1y2z3",
    "'s 't 're 've 'm 'll 'd IT'S DON'T",
    "Tabs\t\tand\n\t\tindentation\n",
    "Ελληνικά και русский текст",
    "السلام عليكم",
    "control\x04chars\x1dare dropped",
    "<|im_start|><|im_end|><|endoftext|>",
    "x = [1, 2, 3]  # a list\n    y = {'a': 1}\n",
]

LOGPROB_TEXTS = [
    "The capital of France is Paris. It is known for the Eiffel Tower, which was built in 1889 for the World's Fair. "
    "Millions of tourists visit the city every year to see its museums, cafes and gardens.",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    "<|im_start|>user\nWhat is the boiling point of water at sea level?<|im_end|>\n<|im_start|>assistant\n"
    "The boiling point of water at sea level is 100 degrees Celsius, or 212 degrees Fahrenheit.<|im_end|>\n",
    "Photosynthesis is the process by which green plants, algae and some bacteria turn light into chemical "
    "energy. Inside the chloroplasts, chlorophyll absorbs mostly red and blue light and uses its energy to split "
    "water molecules, releasing oxygen as a by-product. The energy captured this way is stored in two carrier "
    "molecules, ATP and NADPH, which then power the Calvin cycle: a chain of reactions that fixes carbon dioxide "
    "from the air into three-carbon sugars. Those sugars are the raw material for glucose, starch and cellulose, "
    "and ultimately for almost every food chain on Earth. Scientists estimate that photosynthesis captures about "
    "130 terawatts of energy worldwide, roughly six times the power consumed by human civilization. Without it, "
    "the atmosphere would hold almost no free oxygen, and complex animal life could never have evolved.",
    "Q: Tom has 3 apples and buys 5 more. He gives 2 to his sister. How many apples does he have now?\n"
    "A: Tom starts with 3 apples. After buying 5 more he has 3 + 5 = 8. Giving away 2 leaves 8 - 2 = 6. "
    "The answer is 6.\n\nQ: A train travels 60 miles per hour for 2 hours. How far does it go?\n"
    "A: Distance is speed times time, so 60 * 2 = 120 miles. The answer is 120.\n",
    "def add(a, b):\n    \"\"\"Return the sum of a and b.\"\"\"\n    return a + b\n\n\nprint(add(2, 3))\n",
]


def tokens_fixture(llm):
    cases = [{"text": t, "ids": llm.tokenize(t.encode("utf-8"), add_bos=False, special=True)} for t in TOKEN_CASES]
    return {"model": os.path.basename(MODEL), "cases": cases}


def log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def llamacpp_logits(ids):
    llm = llama_cpp.Llama(model_path=MODEL, n_ctx=512, logits_all=True, n_threads=2, verbose=False)
    llm.eval(ids)
    return np.array(llm.scores[: len(ids)], dtype=np.float64)


class Exact:
    """A float32 Llama forward from dequantized weights."""

    def __init__(self, path):
        r = gguf.GGUFReader(path)
        self.w = {}
        for t in r.tensors:
            a = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)
            shape = [int(x) for x in reversed(t.shape)]  # ggml lists ne0 (columns) first
            self.w[t.name] = a.reshape(shape)
        f = lambda k: r.fields[k].parts[r.fields[k].data[0]][0]
        self.layers = int(f("llama.block_count"))
        self.heads = int(f("llama.attention.head_count"))
        self.kv = int(f("llama.attention.head_count_kv"))
        self.eps = float(f("llama.attention.layer_norm_rms_epsilon"))
        self.base = float(f("llama.rope.freq_base"))

    def rms(self, x, w):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + self.eps) * w

    def rope(self, x):  # x: (n, T, D); pairs (2i, 2i+1)
        n, t, d = x.shape
        theta = self.base ** (-np.arange(0, d, 2, dtype=np.float64) / d)
        ang = np.arange(t)[:, None] * theta[None, :]
        cos, sin = np.cos(ang).astype(np.float32), np.sin(ang).astype(np.float32)
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = a * cos - b * sin
        out[..., 1::2] = a * sin + b * cos
        return out

    def logits(self, ids):
        w = self.w
        x = w["token_embd.weight"][ids]  # (T, C)
        t, c = x.shape
        d = c // self.heads
        mask = np.triu(np.full((t, t), -np.inf, dtype=np.float32), 1)
        for i in range(self.layers):
            p = f"blk.{i}."
            h = self.rms(x, w[p + "attn_norm.weight"])
            q = (h @ w[p + "attn_q.weight"].T).reshape(t, self.heads, d).transpose(1, 0, 2)
            k = (h @ w[p + "attn_k.weight"].T).reshape(t, self.kv, d).transpose(1, 0, 2)
            v = (h @ w[p + "attn_v.weight"].T).reshape(t, self.kv, d).transpose(1, 0, 2)
            q, k = self.rope(q), self.rope(k)
            rep = self.heads // self.kv
            k, v = np.repeat(k, rep, axis=0), np.repeat(v, rep, axis=0)
            s = q @ k.transpose(0, 2, 1) / np.sqrt(d) + mask
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            y = (s @ v).transpose(1, 0, 2).reshape(t, c)
            x = x + y @ w[p + "attn_output.weight"].T
            h = self.rms(x, w[p + "ffn_norm.weight"])
            g = h @ w[p + "ffn_gate.weight"].T
            u = h @ w[p + "ffn_up.weight"].T
            x = x + ((g / (1 + np.exp(-g))) * u) @ w[p + "ffn_down.weight"].T
        out = w.get("output.weight", w["token_embd.weight"])
        return (self.rms(x, w["output_norm.weight"]) @ out.T).astype(np.float64)


def summary(logits, ids):
    lp = log_softmax(logits)
    return {
        "logprobs": [float(lp[i, ids[i + 1]]) for i in range(len(ids) - 1)],
        "argmax": [int(a) for a in lp[:-1].argmax(-1)],
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    vocab = llama_cpp.Llama(model_path=MODEL, vocab_only=True, verbose=False)
    with open(os.path.join(OUT, "smollm2_tokens.json"), "w") as fh:
        json.dump(tokens_fixture(vocab), fh, ensure_ascii=False, indent=1)
    exact = Exact(MODEL)
    texts = []
    for text in LOGPROB_TEXTS:
        ids = vocab.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        a, b = summary(llamacpp_logits(ids), ids), summary(exact.logits(ids), ids)
        da = np.abs(np.array(a["logprobs"]) - np.array(b["logprobs"])).mean()
        agree = np.mean(np.array(a["argmax"]) == np.array(b["argmax"]))
        ppl = lambda s: float(np.exp(-np.mean(s["logprobs"])))
        print(f"{len(ids)} tokens: llama.cpp vs exact: mean |dlogp| {da:.4f}, top-1 agree {agree:.3f}, "
              f"ppl {ppl(a):.3f} vs {ppl(b):.3f}")
        texts.append({"text": text, "ids": ids, "llamacpp": a, "exact": b})
    cat = lambda k, r: np.concatenate([np.array(t[r][k]) for t in texts])
    a, b = cat("logprobs", "llamacpp"), cat("logprobs", "exact")
    print(f"all {len(a)} predictions: mean |dlogp| {np.abs(a - b).mean():.4f}, "
          f"top-1 agree {np.mean(cat('argmax', 'llamacpp') == cat('argmax', 'exact')):.3f}, "
          f"ppl {np.exp(-a.mean()):.3f} vs {np.exp(-b.mean()):.3f}")
    with open(os.path.join(OUT, "smollm2_logprobs.json"), "w") as fh:
        json.dump({"model": os.path.basename(MODEL), "texts": texts}, fh, ensure_ascii=False)


if __name__ == "__main__":
    main()
