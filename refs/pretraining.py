"""Reference fixtures for topic 2's training stack (crates/dojo/src/pretraining), from PyTorch.

adamw.safetensors: three parameters (a 3x4 matrix "w", a 5x3 "embedding" "e", a bias "b" of 4),
six steps of given gradients (steps 1 and 4 scaled up so that clipping acts), each step:
torch.nn.utils.clip_grad_norm_(max_norm=1.0), torch.optim.AdamW with two parameter groups
(rank >= 2 decayed with weight_decay 0.1, the bias not decayed), betas (0.9, 0.95), eps 1e-8,
and a LambdaLR of linear warmup (2 steps) then cosine to 0.1 x peak at step 6, peak 0.01.
Saves the initial parameters ("w0", "e0", "b0"), the gradients ("g{s}.w", ...), and after
every step the parameters ("p{s}.w", ...), the norm before clipping ("norm{s}") and the rate
used ("lr{s}"). The update itself is PyTorch's; only the schedule formula is written here.

Versions: python 3.11, torch 2.15.0 (CPU), safetensors 0.8.0. Seed: 1234.
Run from the repository root:  python refs/pretraining.py
"""

import math
import os

import torch
from safetensors.torch import save_file

OUT = os.path.join("crates", "dojo", "fixtures", "pretraining")
torch.manual_seed(1234)


def schedule(step, peak=0.01, floor=0.001, warmup=2, total=6):
    """Linear warmup over `warmup` steps, then cosine from peak to floor at `total`."""
    if step < warmup:
        return peak * (step + 1) / warmup
    if step >= total:
        return floor
    progress = (step - warmup) / (total - warmup)
    return floor + 0.5 * (peak - floor) * (1 + math.cos(math.pi * progress))


def adamw():
    w = torch.randn(3, 4, requires_grad=True)
    e = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(4, requires_grad=True)
    out = {"w0": w.detach().clone(), "e0": e.detach().clone(), "b0": b.detach().clone()}
    opt = torch.optim.AdamW(
        [{"params": [w, e], "weight_decay": 0.1}, {"params": [b], "weight_decay": 0.0}],
        lr=0.01, betas=(0.9, 0.95), eps=1e-8,
    )
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: schedule(s) / 0.01)
    for s in range(6):
        scale = 5.0 if s in (1, 4) else 0.3
        for name, p in (("w", w), ("e", e), ("b", b)):
            p.grad = torch.randn_like(p) * scale
            out[f"g{s}.{name}"] = p.grad.detach().clone()
        out[f"lr{s}"] = torch.tensor([opt.param_groups[0]["lr"]])
        norm = torch.nn.utils.clip_grad_norm_([w, e, b], max_norm=1.0)
        out[f"norm{s}"] = norm.reshape(1)
        opt.step()
        sched.step()
        for name, p in (("w", w), ("e", e), ("b", b)):
            out[f"p{s}.{name}"] = p.detach().clone()
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    t = {k: v.contiguous().to(torch.float32) for k, v in adamw().items()}
    save_file(t, os.path.join(OUT, "adamw.safetensors"), metadata={"torch": torch.__version__, "seed": "1234"})
    print("adamw:", len(t), "tensors")


if __name__ == "__main__":
    main()
