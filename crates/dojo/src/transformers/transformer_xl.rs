//! Transformer-XL: process a long stream segment by segment, letting each segment attend to the
//! cached hidden states of the previous one, with relative position encodings so cached and
//! new positions mean the same thing.
//!
//! Paper: Dai et al. 2019, "Transformer-XL", arXiv:1901.02860, sections 3.2 (segment-level
//! recurrence) and 3.3 (relative positional encodings).
//! Builds on [`super::attention`] (masks), [`super::positions`] (the sinusoid table, here
//! indexed by *distance*) and [`super::mlp`].
//! Left out on purpose: the "rel-shift" trick (we gather the distance scores directly, which is
//! clearer and fine at lab sizes), adaptive softmax, dropout.
//!
//! For query i and key j at distance δ = i − j, the score is
//!
//!   (a) qᵢ·kⱼ  +  (b) qᵢ·W_R r_δ  +  (c) u·kⱼ  +  (d) v·W_R r_δ       (then / √D, causal mask)
//!
//! where r_δ is the sinusoid of δ, W_R projects it per head, and u, v are learned vectors that
//! replace the query's role in (c) and (d) — a query-independent preference for some content
//! and some distances. Nothing depends on absolute positions, so a key cached from the previous
//! segment carries no stale position; the memory is detached (no gradient flows into the past
//! segment), which bounds the cost of backpropagation.

use super::attention::causal_mask;
use super::mha::linear;
use super::mlp::{Mlp, MlpKind};
use super::positions::sinusoidal;
use crate::nn::{softmax_last, LayerNorm};
use crate::{Error, Result};
use candle_core::{Module, Tensor, D};
use candle_nn::{Embedding, Linear, VarBuilder};

/// Configuration of [`TransformerXl`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XlConfig {
    /// Vocabulary size V, e.g. 32.
    pub vocab: usize,
    /// Width C, e.g. 64.
    pub width: usize,
    /// Heads H, e.g. 4.
    pub heads: usize,
    /// Layers L, e.g. 2.
    pub layers: usize,
    /// Cached positions per layer M, e.g. 32 (0 turns recurrence off).
    pub mem_len: usize,
}

/// Relative multi-head self-attention over [memory; segment].
#[derive(Debug, Clone)]
pub struct RelAttention {
    qkv: Linear,
    r_proj: Linear,
    out: Linear,
    u: Tensor, // (H, 1, D)
    v: Tensor, // (H, 1, D)
    heads: usize,
}

impl RelAttention {
    /// Creates the layer under `vb` (`qkv`, `r_proj`, `out`, `u`, `v`).
    pub fn new(width: usize, heads: usize, vb: VarBuilder) -> Result<Self> {
        let d = width / heads;
        let init = candle_nn::Init::Randn { mean: 0.0, stdev: 0.02 };
        Ok(Self {
            qkv: linear(width, 3 * width, false, vb.pp("qkv"))?,
            r_proj: linear(width, width, false, vb.pp("r_proj"))?,
            out: linear(width, width, false, vb.pp("out"))?,
            u: vb.get_with_hints((heads, 1, d), "u", init)?,
            v: vb.get_with_hints((heads, 1, d), "v", init)?,
            heads,
        })
    }

    /// # Shapes
    /// h: (B, T, C) the segment, mem: (B, M, C) cached states (M may be 0) → (B, T, C)
    pub fn forward(&self, h: &Tensor, mem: Option<&Tensor>) -> Result<Tensor> {
        let (b, t, c) = h.dims3()?;
        let (hh, d) = (self.heads, c / self.heads);
        let m = mem.map_or(Ok(0), |m| m.dim(1))?;
        let s = m + t; // keys: memory then segment
        let ctx = match mem {
            Some(mem) => Tensor::cat(&[mem, h], 1)?, // (B, M + T, C)
            None => h.clone(),
        };
        let split = |x: Tensor, len: usize| -> Result<Tensor> {
            Ok(x.reshape((b, len, hh, d))?.transpose(1, 2)?.contiguous()?)
        };
        // 1) queries from the segment only; keys and values from memory + segment
        let q = split(self.qkv.forward(h)?.narrow(D::Minus1, 0, c)?, t)?; // (B, H, T, D)
        let kv = self.qkv.forward(&ctx)?; // (B, S, 3C)
        let k = split(kv.narrow(D::Minus1, c, c)?, s)?; // (B, H, S, D)
        let v = split(kv.narrow(D::Minus1, 2 * c, c)?, s)?; // (B, H, S, D)

        // 2) content terms (a) + (c): (q + u)·k
        let content = q.broadcast_add(&self.u)?.matmul(&k.t()?)?; // (B, H, T, S)

        // 3) position terms (b) + (d): (q + v)·W_R r_δ for every distance δ = 0 … S − 1
        let r = self.r_proj.forward(&sinusoidal(s, c, 0, h.device())?)?; // (S, C): row δ = W_R r_δ
        let r = r.reshape((s, hh, d))?.transpose(0, 1)?.contiguous()?; // (H, S, D)
        let by_dist = q.broadcast_add(&self.v)?.broadcast_matmul(&r.t()?)?; // (B, H, T, S): column δ

        // query i sits at absolute position M + i, key j at j: δ = M + i − j (clamped at 0
        // where j is in the future; those entries are masked next)
        let idx: Vec<u32> = (0..t).flat_map(|i| (0..s).map(move |j| (m + i).saturating_sub(j) as u32)).collect();
        let idx = Tensor::from_vec(idx, (1, 1, t, s), h.device())?.broadcast_as((b, hh, t, s))?.contiguous()?;
        let position = by_dist.gather(&idx, 3)?; // (B, H, T, S): entry (i, j) = column M + i − j

        // 4) the usual softmax attention on the sum
        let scores = ((content + position)? / (d as f64).sqrt())?.broadcast_add(&causal_mask(t, s, h.device())?)?;
        let y = softmax_last(&scores)?.matmul(&v)?; // (B, H, T, D)
        Ok(self.out.forward(&y.transpose(1, 2)?.reshape((b, t, c))?)?)
    }
}

/// The model: embeddings, L pre-LN blocks of relative attention and MLP, tied output.
#[derive(Debug, Clone)]
pub struct TransformerXl {
    wte: Embedding,
    blocks: Vec<(LayerNorm, RelAttention, LayerNorm, Mlp)>,
    ln_f: LayerNorm,
    cfg: XlConfig,
}

impl TransformerXl {
    /// Creates the model under `vb`.
    pub fn new(cfg: XlConfig, vb: VarBuilder) -> Result<Self> {
        super::mha::check_heads(cfg.width, cfg.heads)?;
        if cfg.width % 2 != 0 {
            return Err(Error::Config(format!(
                "width {} must be even (sinusoidal positions pair channels)",
                cfg.width
            )));
        }
        let blocks = (0..cfg.layers)
            .map(|i| {
                let v = vb.pp(format!("blocks.{i}"));
                Ok((
                    LayerNorm::new(cfg.width, 1e-5, v.pp("ln1"))?,
                    RelAttention::new(cfg.width, cfg.heads, v.pp("attn"))?,
                    LayerNorm::new(cfg.width, 1e-5, v.pp("ln2"))?,
                    Mlp::new(MlpKind::Gelu, cfg.width, 4 * cfg.width, true, v.pp("mlp"))?,
                ))
            })
            .collect::<Result<_>>()?;
        let init = candle_nn::Init::Randn { mean: 0.0, stdev: 0.02 };
        Ok(Self {
            wte: Embedding::new(vb.get_with_hints((cfg.vocab, cfg.width), "wte.weight", init)?, cfg.width),
            blocks,
            ln_f: LayerNorm::new(cfg.width, 1e-5, vb.pp("ln_f"))?,
            cfg,
        })
    }

    /// Processes one segment. `mems` holds each layer's cached input states from earlier
    /// segments (empty at the start of a stream); returns the logits and the updated memory:
    /// per layer, the last `mem_len` positions of [old memory; this segment's layer input],
    /// detached.
    ///
    /// # Shapes
    /// ids: (B, T) u32, mems: L × (B, M, C) → logits (B, T, V), L × (B, min(M + T, mem_len), C)
    pub fn forward(&self, ids: &Tensor, mems: &[Tensor]) -> Result<(Tensor, Vec<Tensor>)> {
        if !mems.is_empty() && mems.len() != self.blocks.len() {
            return Err(Error::Config(format!(
                "expected {} memories (one per layer), got {}",
                self.blocks.len(),
                mems.len()
            )));
        }
        let mut x = (self.wte.forward(ids)? * (self.cfg.width as f64).sqrt())?; // (B, T, C)
        let mut new_mems = Vec::with_capacity(self.blocks.len());
        for (l, (ln1, attn, ln2, mlp)) in self.blocks.iter().enumerate() {
            let mem = mems.get(l);
            // the memory stores each layer's *input*, detached: no gradient into the past
            if self.cfg.mem_len > 0 {
                let all = match mem {
                    Some(m) => Tensor::cat(&[m, &x], 1)?,
                    None => x.clone(),
                };
                let keep = all.dim(1)?.min(self.cfg.mem_len);
                new_mems.push(all.narrow(1, all.dim(1)? - keep, keep)?.detach());
            }
            let normed_mem = mem.map(|m| ln1.forward(m)).transpose()?;
            x = (&x + attn.forward(&ln1.forward(&x)?, normed_mem.as_ref())?)?;
            x = (&x + mlp.forward(&ln2.forward(&x)?)?)?;
        }
        let logits = self.ln_f.forward(&x)?.broadcast_matmul(&self.wte.embeddings().t()?)?; // (B, T, V)
        Ok((logits, new_mems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Params, Tolerance};
    use candle_core::Device;

    fn model(mem_len: usize) -> TransformerXl {
        let p = Params::new(2);
        TransformerXl::new(XlConfig { vocab: 20, width: 32, heads: 4, layers: 2, mem_len }, p.var_builder(&Device::Cpu))
            .unwrap()
    }

    fn ids(v: &[u32]) -> Tensor {
        Tensor::new(v, &Device::Cpu).unwrap().unsqueeze(0).unwrap()
    }

    #[test]
    fn second_segment_with_memory_equals_processing_both_at_once() {
        // With memory ≥ one segment, segment 2 attends to exactly the keys it would see if the
        // two segments were one sequence, at the same relative distances.
        let m = model(4);
        let (s1, s2) = ([1u32, 2, 3, 4], [5u32, 6, 7, 8]);
        let (_, mems) = m.forward(&ids(&s1), &[]).unwrap();
        let (seg2, _) = m.forward(&ids(&s2), &mems).unwrap();
        let (both, _) = m.forward(&ids(&[s1, s2].concat()), &[]).unwrap();
        assert_close(&seg2, &both.narrow(1, 4, 4).unwrap(), Tolerance::new(1e-5, 1e-4));
    }

    #[test]
    fn without_memory_the_previous_segment_is_invisible() {
        let m = model(0);
        let (_, mems) = m.forward(&ids(&[1, 2, 3, 4]), &[]).unwrap();
        assert!(mems.is_empty());
        let (a, _) = m.forward(&ids(&[5, 6]), &mems).unwrap();
        let (b, _) = m.forward(&ids(&[5, 6]), &[]).unwrap();
        assert_close(&a, &b, Tolerance::F32);
    }

    #[test]
    fn memory_is_truncated_and_detached() {
        let m = model(3);
        let (_, mems) = m.forward(&ids(&[1, 2, 3, 4, 5]), &[]).unwrap();
        assert_eq!(mems.len(), 2);
        assert_eq!(mems[0].dims(), [1, 3, 32]);
        assert!(!mems[0].track_op(), "memory must carry no graph");
    }
}
