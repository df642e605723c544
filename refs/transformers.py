"""Reference fixtures for topic 1 (crates/dojo/src/transformers and nn/norm.rs), from PyTorch.

Each fixture is a safetensors file under crates/dojo/fixtures/transformers/ holding the inputs,
the weights, the outputs, and the gradients of the scalar loss L = sum(out * w) with respect
to every input and weight (w is a random tensor saved as "loss_w"), all float32.

The PyTorch side uses PyTorch's own implementations wherever one exists, so the check is
independent: F.scaled_dot_product_attention (also with enable_gqa for grouped-query attention),
nn.MultiheadAttention, nn.LayerNorm, nn.RMSNorm. RoPE has no PyTorch op; it is written here the
two ways the public reference code writes it: complex multiplication (Meta's Llama code, pairs
(2i, 2i+1)) and rotate-half (Hugging Face's Llama code, pairs (i, i + D/2)). ALiBi's slopes
follow the paper's published get_slopes rule.

Versions: python 3.11, torch 2.15.0 (CPU), safetensors 0.8.0, numpy 2.4.6. Seed: 1234.
Run from the repository root:  python refs/transformers.py
"""

import math
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = os.path.join("crates", "dojo", "fixtures", "transformers")
torch.manual_seed(1234)
torch.use_deterministic_algorithms(True)


def save(name, tensors):
    os.makedirs(OUT, exist_ok=True)
    tensors = {k: v.detach().contiguous().to(torch.float32) for k, v in tensors.items()}
    save_file(tensors, os.path.join(OUT, name + ".safetensors"), metadata={"torch": torch.__version__, "seed": "1234"})
    print(f"{name}: {', '.join(f'{k}{tuple(v.shape)}' for k, v in sorted(tensors.items()))}")


def leaf(*shape):
    return torch.randn(*shape, requires_grad=True)


def causal_float_mask(t):
    return torch.triu(torch.full((t, t), float("-inf")), diagonal=1)


def sdpa():
    q, k, v = leaf(2, 3, 5, 8), leaf(2, 3, 5, 8), leaf(2, 3, 5, 8)
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    w = torch.randn_like(out)
    (out * w).sum().backward()
    save("sdpa", dict(q=q, k=k, v=v, out=out, loss_w=w, grad_q=q.grad, grad_k=k.grad, grad_v=v.grad))


def mha():
    c, h, t = 16, 4, 5
    m = torch.nn.MultiheadAttention(c, h, bias=True, batch_first=True)
    x = leaf(2, t, c)
    out, _ = m(x, x, x, attn_mask=causal_float_mask(t), need_weights=False)
    w = torch.randn_like(out)
    (out * w).sum().backward()
    wq, wk, wv = m.in_proj_weight.chunk(3, 0)
    bq, bk, bv = m.in_proj_bias.chunk(3, 0)
    gwq, gwk, gwv = m.in_proj_weight.grad.chunk(3, 0)
    gbq, gbk, gbv = m.in_proj_bias.grad.chunk(3, 0)
    save(
        "mha",
        {
            "x": x, "out": out, "loss_w": w, "grad_x": x.grad,
            "q_proj.weight": wq, "k_proj.weight": wk, "v_proj.weight": wv,
            "q_proj.bias": bq, "k_proj.bias": bk, "v_proj.bias": bv,
            "out_proj.weight": m.out_proj.weight, "out_proj.bias": m.out_proj.bias,
            "grad.q_proj.weight": gwq, "grad.k_proj.weight": gwk, "grad.v_proj.weight": gwv,
            "grad.q_proj.bias": gbq, "grad.k_proj.bias": gbk, "grad.v_proj.bias": gbv,
            "grad.out_proj.weight": m.out_proj.weight.grad, "grad.out_proj.bias": m.out_proj.bias.grad,
        },
    )


def gqa():
    b, t, c, h, g = 2, 6, 24, 6, 2
    d = c // h
    x = leaf(b, t, c)
    wq, wk, wv, wo = leaf(h * d, c), leaf(g * d, c), leaf(g * d, c), leaf(c, h * d)
    for p in (wq, wk, wv, wo):
        p.data.mul_(c ** -0.5)
    q = (x @ wq.T).view(b, t, h, d).transpose(1, 2)
    k = (x @ wk.T).view(b, t, g, d).transpose(1, 2)
    v = (x @ wv.T).view(b, t, g, d).transpose(1, 2)
    y = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    out = y.transpose(1, 2).reshape(b, t, h * d) @ wo.T
    w = torch.randn_like(out)
    (out * w).sum().backward()
    save(
        "gqa",
        {
            "x": x, "out": out, "loss_w": w, "grad_x": x.grad,
            "q_proj.weight": wq, "k_proj.weight": wk, "v_proj.weight": wv, "out_proj.weight": wo,
            "grad.q_proj.weight": wq.grad, "grad.k_proj.weight": wk.grad,
            "grad.v_proj.weight": wv.grad, "grad.out_proj.weight": wo.grad,
        },
    )


def rope():
    b, h, t, d, offset, base = 1, 2, 5, 8, 3, 10000.0
    theta = base ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)  # (D/2)
    pos = torch.arange(offset, offset + t, dtype=torch.float64)
    angles = torch.outer(pos, theta)  # (T, D/2)

    # Interleaved: view pairs (2i, 2i+1) as complex numbers, multiply by e^{i p θ}.
    x1 = leaf(b, h, t, d)
    xc = torch.view_as_complex(x1.double().reshape(b, h, t, d // 2, 2))
    out_i = torch.view_as_real(xc * torch.polar(torch.ones_like(angles), angles)).reshape(b, h, t, d).float()
    w1 = torch.randn_like(out_i)
    (out_i * w1).sum().backward()

    # Half: x·cos + rotate_half(x)·sin with cos/sin repeated over both halves.
    x2 = leaf(b, h, t, d)
    cos = torch.cat([angles.cos(), angles.cos()], -1).float()
    sin = torch.cat([angles.sin(), angles.sin()], -1).float()
    rot = torch.cat([-x2[..., d // 2:], x2[..., : d // 2]], -1)
    out_h = x2 * cos + rot * sin
    w2 = torch.randn_like(out_h)
    (out_h * w2).sum().backward()
    save("rope", dict(x_interleaved=x1, out_interleaved=out_i, loss_w_interleaved=w1, grad_x_interleaved=x1.grad,
                      x_half=x2, out_half=out_h, loss_w_half=w2, grad_x_half=x2.grad))


def alibi():
    # The paper's get_slopes, transcribed; bias −m·(i − j) below the diagonal, −inf above.
    def get_slopes(n):
        def pow2(n):
            start = 2 ** (-(2 ** -(math.log2(n) - 3)))
            return [start * start ** i for i in range(n)]
        if math.log2(n).is_integer():
            return pow2(n)
        closest = 2 ** math.floor(math.log2(n))
        return pow2(closest) + get_slopes(2 * closest)[0::2][: n - closest]

    out = {}
    for heads in (8, 12):
        t = 6
        m = torch.tensor(get_slopes(heads), dtype=torch.float64).view(heads, 1, 1)
        i = torch.arange(t).view(t, 1)
        j = torch.arange(t).view(1, t)
        bias = -(m * (i - j)).float()
        bias = bias.masked_fill(j > i, float("-inf")).unsqueeze(0)  # (1, H, T, T)
        out[f"bias_h{heads}"] = bias
        out[f"slopes_h{heads}"] = m.flatten()
    save("alibi", out)


def norms():
    c = 8
    ln = torch.nn.LayerNorm(c, eps=1e-5)
    rms = torch.nn.RMSNorm(c, eps=1e-5)
    with torch.no_grad():
        ln.weight.copy_(torch.randn(c))
        ln.bias.copy_(torch.randn(c))
        rms.weight.copy_(torch.randn(c))
    x = leaf(3, 4, c)
    x.data.mul_(2.0).add_(0.5)
    out_ln, out_rms = ln(x), rms(x)
    w_ln, w_rms = torch.randn_like(out_ln), torch.randn_like(out_rms)
    ((out_ln * w_ln).sum() + (out_rms * w_rms).sum()).backward()
    save("norms", {
        "x": x, "grad_x": x.grad,
        "ln.weight": ln.weight, "ln.bias": ln.bias, "rms.weight": rms.weight,
        "out_ln": out_ln, "out_rms": out_rms, "loss_w_ln": w_ln, "loss_w_rms": w_rms,
        "grad.ln.weight": ln.weight.grad, "grad.ln.bias": ln.bias.grad, "grad.rms.weight": rms.weight.grad,
    })


def sinusoidal():
    t, c = 10, 16
    pos = torch.arange(t, dtype=torch.float64).unsqueeze(1)
    div = torch.exp(torch.arange(0, c, 2, dtype=torch.float64) * (-math.log(10000.0) / c))
    pe = torch.zeros(t, c, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    save("sinusoidal", {"pe": pe})


def torch_layer_params(layer, decoder):
    """Our parameter names for a torch Transformer{Encoder,Decoder}Layer, with the tensors."""
    attn_names = [("self_attn", "attn")] + ([("multihead_attn", "cross_attn")] if decoder else [])
    norms = [("norm1", "ln1"), ("norm2", "ln_cross"), ("norm3", "ln2")] if decoder else [("norm1", "ln1"), ("norm2", "ln2")]
    out = {}
    for theirs, ours in attn_names:
        m = getattr(layer, theirs)
        for part, w, b in zip("qkv", m.in_proj_weight.chunk(3, 0), m.in_proj_bias.chunk(3, 0)):
            out[f"{ours}.{part}_proj.weight"] = w
            out[f"{ours}.{part}_proj.bias"] = b
        out[f"{ours}.out_proj.weight"] = m.out_proj.weight
        out[f"{ours}.out_proj.bias"] = m.out_proj.bias
    for theirs, ours in [("linear1", "mlp.fc"), ("linear2", "mlp.proj")] + norms:
        m = getattr(layer, theirs)
        out[f"{ours}.weight"] = m.weight
        out[f"{ours}.bias"] = m.bias
    return out


def block_fixture(name, norm_first, decoder, causal):
    c, h, t, s = 16, 4, 5, 7
    cls = torch.nn.TransformerDecoderLayer if decoder else torch.nn.TransformerEncoderLayer
    layer = cls(c, h, dim_feedforward=32, dropout=0.0, activation="gelu", batch_first=True, norm_first=norm_first)
    with torch.no_grad():  # non-trivial norm parameters, so a swapped γ/β would show
        for m in layer.modules():
            if isinstance(m, torch.nn.LayerNorm):
                m.weight.copy_(1 + 0.3 * torch.randn_like(m.weight))
                m.bias.copy_(0.3 * torch.randn_like(m.bias))
    x = leaf(2, t, c)
    mask = causal_float_mask(t) if causal else None
    tensors = {"x": x}
    if decoder:
        memory = leaf(2, s, c)
        out = layer(x, memory, tgt_mask=mask)
        tensors["memory"] = memory
    else:
        out = layer(x, src_mask=mask)
    w = torch.randn_like(out)
    (out * w).sum().backward()
    # The split views of in_proj share one .grad: split it the same way.
    params = {}
    for k, v in torch_layer_params(layer, decoder).items():
        params[k] = v
    named = dict(layer.named_parameters())
    grads = {}
    for theirs, ours in [("self_attn", "attn"), ("multihead_attn", "cross_attn")]:
        if theirs + ".in_proj_weight" not in named:
            continue
        gw = named[theirs + ".in_proj_weight"].grad.chunk(3, 0)
        gb = named[theirs + ".in_proj_bias"].grad.chunk(3, 0)
        for part, a, b in zip("qkv", gw, gb):
            grads[f"grad.{ours}.{part}_proj.weight"] = a
            grads[f"grad.{ours}.{part}_proj.bias"] = b
    for k, v in params.items():
        if "_proj." in k and ".out_proj." not in k:
            continue
        grads["grad." + k] = v.grad
    tensors.update(params)
    tensors.update(grads)
    tensors.update({"out": out, "loss_w": w, "grad_x": x.grad})
    if decoder:
        tensors["grad_memory"] = tensors["memory"].grad
    save(name, tensors)


def blocks():
    block_fixture("gpt_block", norm_first=True, decoder=False, causal=True)
    block_fixture("bert_block", norm_first=False, decoder=False, causal=False)
    block_fixture("cross_block", norm_first=False, decoder=True, causal=True)


def moe():
    """Mixture of experts computed densely: every expert on every token, weighted by a (N, E)
    gate matrix that is zero outside each token's top-k. Our Rust layer dispatches sparsely."""
    n_exp, k, c, hidden = 4, 2, 8, 16
    x = leaf(2, 3, c)
    wr = leaf(n_exp, c)
    experts = [(leaf(hidden, c), leaf(c, hidden)) for _ in range(n_exp + 1)]  # the last is shared
    for a, b in experts:
        a.data.mul_(c ** -0.5)
        b.data.mul_(hidden ** -0.5)
    xs = x.reshape(-1, c)
    logits = xs @ wr.T
    probs = logits.softmax(-1)
    top = probs.topk(k, dim=-1).indices
    gates = logits.gather(1, top).softmax(-1)
    g = torch.zeros_like(probs).scatter(1, top, gates)  # (N, E)
    mlp = lambda a, b, h: F.gelu(h @ a.T) @ b.T  # exact (erf) GELU
    all_out = torch.stack([mlp(a, b, xs) for a, b in experts[:n_exp]])  # (E, N, C)
    y = torch.einsum("ne,enc->nc", g, all_out) + mlp(*experts[n_exp], xs)
    f = torch.stack([(top == e).sum() for e in range(n_exp)]).float() / (xs.shape[0] * k)
    aux = n_exp * (f * probs.mean(0)).sum()
    z = (torch.logsumexp(logits, -1) ** 2).mean()
    out = y.reshape(x.shape)
    w = torch.randn_like(out)
    ((out * w).sum() + aux + z).backward()
    t = {"x": x, "out": out, "loss_w": w, "grad_x": x.grad, "aux_loss": aux.reshape(1), "z_loss": z.reshape(1),
         "router.weight": wr, "grad.router.weight": wr.grad}
    for i, (a, b) in enumerate(experts):
        name = f"experts.{i}" if i < n_exp else "shared.0"
        t[f"{name}.fc.weight"], t[f"{name}.proj.weight"] = a, b
        t[f"grad.{name}.fc.weight"], t[f"grad.{name}.proj.weight"] = a.grad, b.grad
    save("moe", t)


if __name__ == "__main__":
    for f in (sdpa, mha, gqa, rope, alibi, norms, sinusoidal, blocks, moe):
        f()
