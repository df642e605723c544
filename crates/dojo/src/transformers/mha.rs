//! Multi-head attention: H attention heads in parallel, each on its own D = C/H slice.
//!
//! Paper: Vaswani et al. 2017, "Attention Is All You Need", arXiv:1706.03762, section 3.2.2.
//! Builds on [`super::attention`] (the per-head computation) and [`super::kv_cache`].
//! Left out on purpose: dropout, fused QKV kernels. Separate Q, K, V projections (rather than
//! one (3C, C) matrix) keep the shapes readable; `torch.nn.MultiheadAttention` stacks the same
//! three matrices as its `in_proj_weight`.

use super::attention::scaled_dot_product_attention;
use super::kv_cache::KvCache;
use super::proj::Proj;
use super::rope::Rope;
use crate::nn::{expect_shape, Dim};
use crate::{Error, Result};
use candle_core::{Module, Tensor};
use candle_nn::{Linear, VarBuilder};

/// Configuration of [`MultiHeadAttention`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MhaConfig {
    /// Model width C, e.g. 128.
    pub width: usize,
    /// Heads H, e.g. 4; must divide `width`.
    pub heads: usize,
    /// Whether the projections have biases (GPT-2 and BERT: yes; Llama: no).
    pub bias: bool,
}

impl MhaConfig {
    /// Head dimension D = C / H.
    pub fn head_dim(&self) -> usize {
        self.width / self.heads
    }

    fn check(&self) -> Result<()> {
        check_heads(self.width, self.heads)
    }
}

/// The one rule every attention layer and model shares: C splits into H heads of D = C / H.
pub(crate) fn check_heads(width: usize, heads: usize) -> Result<()> {
    if heads == 0 || width % heads != 0 {
        return Err(Error::Config(format!("width {width} must be a multiple of heads {heads}")));
    }
    Ok(())
}

/// MultiHead(X) = Concat(head₁, …, head_H) W_O,  headᵢ = Attention(X W_Qⁱ, X W_Kⁱ, X W_Vⁱ)
///
/// where each W_Qⁱ, W_Kⁱ, W_Vⁱ is a (C, D) slice of one (C, C) projection: splitting the
/// projected width into H groups of D is the same as H separate small projections.
#[derive(Debug, Clone)]
pub struct MultiHeadAttention {
    /// W_Q as a linear layer, weight (C, C).
    pub q_proj: Proj,
    /// W_K, weight (C, C).
    pub k_proj: Proj,
    /// W_V, weight (C, C).
    pub v_proj: Proj,
    /// W_O, weight (C, C).
    pub out_proj: Proj,
    /// Rotary positions applied to queries and keys, if the model uses RoPE.
    pub rope: Option<Rope>,
    cfg: MhaConfig,
}

/// A linear layer with or without bias.
pub(crate) fn linear(i: usize, o: usize, bias: bool, vb: VarBuilder) -> Result<Linear> {
    Ok(if bias { candle_nn::linear(i, o, vb)? } else { candle_nn::linear_no_bias(i, o, vb)? })
}

impl MultiHeadAttention {
    /// Creates the four projections under `vb` (`q_proj`, `k_proj`, `v_proj`, `out_proj`).
    pub fn new(cfg: MhaConfig, vb: VarBuilder) -> Result<Self> {
        cfg.check()?;
        let c = cfg.width;
        Ok(Self {
            q_proj: Proj::new(linear(c, c, cfg.bias, vb.pp("q_proj"))?),
            k_proj: Proj::new(linear(c, c, cfg.bias, vb.pp("k_proj"))?),
            v_proj: Proj::new(linear(c, c, cfg.bias, vb.pp("v_proj"))?),
            out_proj: Proj::new(linear(c, c, cfg.bias, vb.pp("out_proj"))?),
            rope: None,
            cfg,
        })
    }

    /// Applies `rope` to queries and keys after projection (RoPE models).
    pub fn with_rope(mut self, rope: Rope) -> Self {
        self.rope = Some(rope);
        self
    }

    /// The configuration.
    pub fn config(&self) -> MhaConfig {
        self.cfg
    }

    /// The four projections with their parameter names, for fine-tuning methods to wrap.
    pub fn projections_mut(&mut self) -> [(&'static str, &mut Proj); 4] {
        [
            ("q_proj", &mut self.q_proj),
            ("k_proj", &mut self.k_proj),
            ("v_proj", &mut self.v_proj),
            ("out_proj", &mut self.out_proj),
        ]
    }

    /// Self-attention: queries, keys and values all come from `x`.
    ///
    /// With a `cache`, the new keys and values are appended to it and the queries attend to all
    /// of them; the mask must then be (T, S) with S the cache length after appending
    /// (`causal_mask(t, s)` does this).
    ///
    /// # Shapes
    /// x: (B, T, C), mask: broadcastable to (B, H, T, S) → (B, T, C)
    pub fn forward(&self, x: &Tensor, mask: Option<&Tensor>, cache: Option<&mut KvCache>) -> Result<Tensor> {
        self.attend(x, x, mask, cache)
    }

    /// General attention: queries from `xq`, keys and values from `xkv`. Self-attention passes
    /// the same tensor twice; cross-attention (encoder–decoder) passes the encoder output as `xkv`.
    ///
    /// # Shapes
    /// xq: (B, T, C), xkv: (B, S, C) → (B, T, C)
    pub fn attend(
        &self,
        xq: &Tensor,
        xkv: &Tensor,
        mask: Option<&Tensor>,
        cache: Option<&mut KvCache>,
    ) -> Result<Tensor> {
        let c = self.cfg.width;
        let (h, d) = (self.cfg.heads, self.cfg.head_dim());
        let dims = expect_shape(xq, "mha query input", &[Dim::Any("B"), Dim::Any("T"), Dim::Is("C", c)])?;
        let (b, t) = (dims[0], dims[1]);
        let s = expect_shape(xkv, "mha key/value input", &[Dim::Is("B", b), Dim::Any("S"), Dim::Is("C", c)])?[1];

        // 1) project, then split the width into H heads of D
        let q = self.q_proj.forward(xq)?.reshape((b, t, h, d))?.transpose(1, 2)?; // (B, T, C) -> (B, H, T, D)
        let k = self.k_proj.forward(xkv)?.reshape((b, s, h, d))?.transpose(1, 2)?; // (B, S, C) -> (B, H, S, D)
        let v = self.v_proj.forward(xkv)?.reshape((b, s, h, d))?.transpose(1, 2)?; // (B, S, C) -> (B, H, S, D)

        // 1b) RoPE: rotate by absolute position; new tokens start after the cached ones
        let (q, k) = match &self.rope {
            Some(r) => {
                let offset = cache.as_ref().map_or(0, |c| c.len());
                (r.apply(&q.contiguous()?, offset)?, r.apply(&k.contiguous()?, offset)?)
            }
            None => (q, k),
        };
        // 2) with a cache, attend to every key so far, not just the new ones
        let (k, v) = match cache {
            Some(cache) => cache.append(&k, &v)?, // (B, H, S_cache + S, D)
            None => (k, v),
        };
        // 3) every head attends independently
        let y = scaled_dot_product_attention(&q.contiguous()?, &k.contiguous()?, &v.contiguous()?, mask)?; // (B, H, T, D)

        // 4) concatenate the heads and mix them with W_O
        let y = y.transpose(1, 2)?.reshape((b, t, c))?; // (B, H, T, D) -> (B, T, H·D = C)
        Ok(self.out_proj.forward(&y)?)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::nn::{assert_close, Params, Rng, Tolerance};
    use crate::transformers::attention::causal_mask;
    use candle_core::{Device, IndexOp};

    fn model(heads: usize) -> (Params, MultiHeadAttention) {
        let p = Params::new(0);
        let m =
            MultiHeadAttention::new(MhaConfig { width: 16, heads, bias: true }, p.var_builder(&Device::Cpu)).unwrap();
        (p, m)
    }

    #[test]
    fn one_head_equals_plain_attention_on_the_projections() {
        let (_, m) = model(1);
        let x = Rng::new(1).randn((2, 5, 16), 1.0, &Device::Cpu).unwrap();
        let q = m.q_proj.forward(&x).unwrap().unsqueeze(1).unwrap();
        let k = m.k_proj.forward(&x).unwrap().unsqueeze(1).unwrap();
        let v = m.v_proj.forward(&x).unwrap().unsqueeze(1).unwrap();
        let y = scaled_dot_product_attention(&q, &k, &v, None).unwrap().squeeze(1).unwrap();
        assert_close(&m.forward(&x, None, None).unwrap(), &m.out_proj.forward(&y).unwrap(), Tolerance::F32);
    }

    #[test]
    fn kv_cache_matches_full_recompute_token_by_token_with_and_without_rope() {
        let dev = Device::Cpu;
        let rope =
            crate::transformers::rope::Rope::new(4, 16, 10_000.0, crate::transformers::rope::RopeStyle::Half, &dev)
                .unwrap();
        for m in [model(4).1, model(4).1.with_rope(rope)] {
            let x = Rng::new(2).randn((2, 7, 16), 1.0, &dev).unwrap();
            let full = m.forward(&x, Some(&causal_mask(7, 7, &dev).unwrap()), None).unwrap();
            let mut cache = KvCache::new();
            // A 3-token prefill, then one token at a time.
            let prefill =
                m.forward(&x.i((.., ..3)).unwrap(), Some(&causal_mask(3, 3, &dev).unwrap()), Some(&mut cache));
            let mut outs = vec![prefill.unwrap()];
            for t in 3..7 {
                let mask = causal_mask(1, t + 1, &dev).unwrap();
                outs.push(m.forward(&x.i((.., t..t + 1)).unwrap(), Some(&mask), Some(&mut cache)).unwrap());
            }
            assert_eq!(cache.len(), 7);
            assert_close(&Tensor::cat(&outs, 1).unwrap(), &full, Tolerance::F32);
        }
    }

    /// Loads a fixture's weights into `p` by name and checks forward and every gradient.
    pub(crate) fn check_against_fixture(
        f: &crate::nn::fixtures::Fixture,
        p: &Params,
        forward: impl Fn(&Tensor) -> Tensor,
    ) {
        for (name, _) in p.named_vars() {
            p.set(&name, &f.get(&name)).unwrap();
        }
        let x = f.var("x");
        let out = forward(x.as_tensor());
        f.assert_close(&out, "out", Tolerance::F32);
        let grads = (out * f.get("loss_w")).unwrap().sum_all().unwrap().backward().unwrap();
        f.assert_grads(&grads, &[(&x, "grad_x")], Tolerance::F32);
        let named = p.named_vars();
        let pairs: Vec<(String, &candle_core::Var)> = named.iter().map(|(n, v)| (format!("grad.{n}"), v)).collect();
        let pairs: Vec<(&candle_core::Var, &str)> = pairs.iter().map(|(k, v)| (*v, k.as_str())).collect();
        f.assert_grads(&grads, &pairs, Tolerance::F32);
    }

    #[test]
    fn matches_torch_multihead_attention_forward_and_gradients() {
        // refs/transformers.py: torch.nn.MultiheadAttention(16, 4, batch_first=True), causal.
        let f = crate::nn::fixtures::Fixture::load("transformers/mha");
        let (p, m) = model(4);
        let mask = causal_mask(5, 5, &Device::Cpu).unwrap();
        check_against_fixture(&f, &p, |x| m.forward(x, Some(&mask), None).unwrap());
    }

    #[test]
    fn width_must_divide_into_heads() {
        let p = Params::new(0);
        let e = MultiHeadAttention::new(MhaConfig { width: 10, heads: 4, bias: false }, p.var_builder(&Device::Cpu));
        assert!(e.unwrap_err().to_string().contains("multiple of heads"));
    }
}
