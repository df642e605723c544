"""The `dojo bench train` configuration in PyTorch, the baseline a user would otherwise pick.

A GPT with vocab 256, 4 layers, 4 heads, width 128, context 128, batch 16, pre-LayerNorm,
GELU MLP x4, learned positions, tied embeddings, no dropout; AdamW lr 3e-4 (PyTorch's
defaults otherwise: betas (0.9, 0.999), weight_decay 0.01); random tokens; 3 warm-up steps,
then 15 timed. Prints JSON like `dojo bench train --json`.

Versions: python 3.11, torch 2.15.0 (CPU). Run:  python refs/bench_train.py --threads 2
"""

import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, c, h):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.qkv, self.proj = nn.Linear(c, 3 * c), nn.Linear(c, c)
        self.fc, self.out = nn.Linear(c, 4 * c), nn.Linear(4 * c, c)
        self.h = h

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.h, c // self.h).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, c))
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class Gpt(nn.Module):
    def __init__(self, v=256, c=128, h=4, layers=4, t=128):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(v, c), nn.Embedding(t, c)
        self.blocks = nn.ModuleList(Block(c, h) for _ in range(layers))
        self.ln_f = nn.LayerNorm(c)

    def forward(self, ids):
        x = self.wte(ids) + self.wpe(torch.arange(ids.shape[1]))
        for blk in self.blocks:
            x = blk(x)
        return self.ln_f(x) @ self.wte.weight.T  # tied embeddings


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=15)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    b, t = 16, 128
    model = Gpt()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    times = []
    for i in range(a.steps + 3):
        ids = torch.randint(0, 256, (b, t + 1))
        t0 = time.perf_counter()
        logits = model(ids[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, 256), ids[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i >= 3:
            times.append(time.perf_counter() - t0)
    ms = 1e3 * sum(times) / len(times)
    params = sum(p.numel() for p in model.parameters())
    print(json.dumps({"tokens_per_s": b * t / (ms / 1e3), "step_ms": ms, "threads": a.threads, "params": params, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
