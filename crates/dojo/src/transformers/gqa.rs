//! Grouped-query attention: H query heads share G ≤ H key/value heads.
//!
//! Paper: Ainslie et al. 2023, "GQA", arXiv:2305.13245, section 2.2; multi-query attention
//! (G = 1) is Shazeer 2019, "Fast Transformer Decoding", arXiv:1911.02150.
//! Builds on [`super::mha`]; lines marked `// NEW (vs mha)` are the whole difference.
//! Left out on purpose: dropout, fused kernels.
//!
//! Why: at decode time attention is bound by reading the KV cache, which holds 2 · G · D values
//! per token per layer. GQA shrinks it H/G times (SmolLM2: H = 9, G = 3, so 3×) at a small
//! quality cost; G = H is MHA and G = 1 is MQA.

use super::attention::scaled_dot_product_attention;
use super::kv_cache::KvCache;
use super::mha::{check_heads, linear};
use super::rope::Rope;
use crate::nn::{expect_shape, Dim};
use crate::{Error, Result};
use candle_core::{Module, Tensor};
use candle_nn::{Linear, VarBuilder};

/// Configuration of [`GroupedQueryAttention`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GqaConfig {
    /// Model width C, e.g. 576.
    pub width: usize,
    /// Query heads H, e.g. 9.
    pub heads: usize,
    /// Key/value heads G, e.g. 3; must divide `heads`.
    pub kv_heads: usize,
    /// Whether the projections have biases.
    pub bias: bool,
}

impl GqaConfig {
    /// Head dimension D = C / H.
    pub fn head_dim(&self) -> usize {
        self.width / self.heads
    }

    fn check(&self) -> Result<()> {
        check_heads(self.width, self.heads)?;
        if self.kv_heads == 0 || self.heads % self.kv_heads != 0 {
            return Err(Error::Config(format!(
                "heads {} must be a multiple of kv_heads {}",
                self.heads, self.kv_heads
            )));
        }
        Ok(())
    }
}

/// Multi-head attention whose H query heads are split into G groups; the heads of a group
/// share one key head and one value head.
#[derive(Debug, Clone)]
pub struct GroupedQueryAttention {
    /// W_Q, weight (H·D, C).
    pub q_proj: Linear,
    /// W_K, weight (G·D, C): G heads, not H.
    pub k_proj: Linear,
    /// W_V, weight (G·D, C).
    pub v_proj: Linear,
    /// W_O, weight (C, H·D).
    pub out_proj: Linear,
    /// Rotary positions applied to queries and keys, if the model uses RoPE.
    pub rope: Option<Rope>,
    cfg: GqaConfig,
}

/// Repeats each of the G key/value heads H/G times, so head i reads KV head ⌊i / (H/G)⌋.
///
/// # Shapes
/// (B, G, S, D) → (B, H, S, D)
pub fn repeat_kv(x: &Tensor, groups: usize) -> Result<Tensor> {
    if groups == 1 {
        return Ok(x.clone());
    }
    let (b, g, s, d) = x.dims4()?;
    // (B, G, S, D) -> (B, G, 1, S, D) -> (B, G, H/G, S, D) -> (B, H, S, D)
    Ok(x.unsqueeze(2)?.broadcast_as((b, g, groups, s, d))?.reshape((b, g * groups, s, d))?)
}

impl GroupedQueryAttention {
    /// Creates the projections under `vb` (`q_proj`, `k_proj`, `v_proj`, `out_proj`).
    pub fn new(cfg: GqaConfig, vb: VarBuilder) -> Result<Self> {
        cfg.check()?;
        let (c, d) = (cfg.width, cfg.head_dim());
        Ok(Self {
            q_proj: linear(c, cfg.heads * d, cfg.bias, vb.pp("q_proj"))?,
            k_proj: linear(c, cfg.kv_heads * d, cfg.bias, vb.pp("k_proj"))?, // NEW (vs mha): G·D outputs
            v_proj: linear(c, cfg.kv_heads * d, cfg.bias, vb.pp("v_proj"))?, // NEW (vs mha): G·D outputs
            out_proj: linear(cfg.heads * d, c, cfg.bias, vb.pp("out_proj"))?,
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
    pub fn config(&self) -> GqaConfig {
        self.cfg
    }

    /// Self-attention; the cache stores only the G key/value heads.
    ///
    /// # Shapes
    /// x: (B, T, C), mask: broadcastable to (B, H, T, S) → (B, T, C)
    pub fn forward(&self, x: &Tensor, mask: Option<&Tensor>, cache: Option<&mut KvCache>) -> Result<Tensor> {
        let (c, h, g, d) = (self.cfg.width, self.cfg.heads, self.cfg.kv_heads, self.cfg.head_dim());
        let dims = expect_shape(x, "gqa input", &[Dim::Any("B"), Dim::Any("T"), Dim::Is("C", c)])?;
        let (b, t) = (dims[0], dims[1]);

        let q = self.q_proj.forward(x)?.reshape((b, t, h, d))?.transpose(1, 2)?; // (B, T, H·D) -> (B, H, T, D)
        let k = self.k_proj.forward(x)?.reshape((b, t, g, d))?.transpose(1, 2)?; // NEW (vs mha): (B, G, T, D)
        let v = self.v_proj.forward(x)?.reshape((b, t, g, d))?.transpose(1, 2)?; // NEW (vs mha): (B, G, T, D)
        let (q, k) = match &self.rope {
            // RoPE: rotate by absolute position; new tokens start after the cached ones
            Some(r) => {
                let offset = cache.as_ref().map_or(0, |c| c.len());
                (r.apply(&q.contiguous()?, offset)?, r.apply(&k.contiguous()?, offset)?)
            }
            None => (q, k),
        };
        let (k, v) = match cache {
            Some(cache) => cache.append(&k.contiguous()?, &v.contiguous()?)?, // (B, G, S, D): H/G× smaller than MHA's
            None => (k, v),
        };
        let k = repeat_kv(&k.contiguous()?, h / g)?; // NEW (vs mha): (B, G, S, D) -> (B, H, S, D)
        let v = repeat_kv(&v.contiguous()?, h / g)?; // NEW (vs mha): (B, G, S, D) -> (B, H, S, D)
        let y = scaled_dot_product_attention(&q.contiguous()?, &k, &v, mask)?; // (B, H, T, D)
        let y = y.transpose(1, 2)?.reshape((b, t, h * d))?; // (B, H, T, D) -> (B, T, H·D)
        Ok(self.out_proj.forward(&y)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Params, Rng, Tolerance};
    use crate::transformers::attention::causal_mask;
    use crate::transformers::mha::{MhaConfig, MultiHeadAttention};
    use candle_core::{Device, IndexOp};

    #[test]
    fn repeat_kv_gives_each_query_head_its_groups_kv_head() {
        // G = 2 heads holding 0 and 1, repeated for H = 4: heads read [0, 0, 1, 1].
        let dev = Device::Cpu;
        let x = Tensor::new(&[0f32, 1.0], &dev).unwrap().reshape((1, 2, 1, 1)).unwrap();
        let r = repeat_kv(&x, 2).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(r, [0.0, 0.0, 1.0, 1.0]);
    }

    #[test]
    fn with_g_equal_h_it_is_mha() {
        // Same parameter names, same seed: identical weights, so outputs must agree.
        let dev = Device::Cpu;
        let (p1, p2) = (Params::new(4), Params::new(4));
        let mha = MultiHeadAttention::new(MhaConfig { width: 16, heads: 4, bias: true }, p1.var_builder(&dev)).unwrap();
        let gqa = GroupedQueryAttention::new(
            GqaConfig { width: 16, heads: 4, kv_heads: 4, bias: true },
            p2.var_builder(&dev),
        )
        .unwrap();
        let x = Rng::new(1).randn((2, 5, 16), 1.0, &dev).unwrap();
        let m = causal_mask(5, 5, &dev).unwrap();
        assert_close(
            &gqa.forward(&x, Some(&m), None).unwrap(),
            &mha.forward(&x, Some(&m), None).unwrap(),
            Tolerance::F32,
        );
    }

    #[test]
    fn with_g_one_it_is_mqa_every_head_reading_the_same_kv() {
        // MQA by construction: copy the single K/V head into every head of an MHA and compare.
        let dev = Device::Cpu;
        let (p1, p2) = (Params::new(7), Params::new(8));
        let gqa = GroupedQueryAttention::new(
            GqaConfig { width: 16, heads: 4, kv_heads: 1, bias: false },
            p1.var_builder(&dev),
        )
        .unwrap();
        let mha =
            MultiHeadAttention::new(MhaConfig { width: 16, heads: 4, bias: false }, p2.var_builder(&dev)).unwrap();
        for name in ["q_proj", "out_proj"] {
            p2.set(
                &format!("{name}.weight"),
                &p1.named_vars().into_iter().find(|(n, _)| n == &format!("{name}.weight")).unwrap().1,
            )
            .unwrap();
        }
        for name in ["k_proj", "v_proj"] {
            let w = p1.named_vars().into_iter().find(|(n, _)| n == &format!("{name}.weight")).unwrap().1; // (D, C)
            p2.set(&format!("{name}.weight"), &Tensor::cat(&[w.as_tensor(); 4], 0).unwrap()).unwrap();
            // (H·D, C)
        }
        let x = Rng::new(2).randn((1, 6, 16), 1.0, &dev).unwrap();
        assert_close(&gqa.forward(&x, None, None).unwrap(), &mha.forward(&x, None, None).unwrap(), Tolerance::F32);
    }

    #[test]
    fn kv_cache_holds_g_heads_and_matches_full_recompute() {
        let dev = Device::Cpu;
        let p = Params::new(3);
        let gqa = GroupedQueryAttention::new(
            GqaConfig { width: 24, heads: 6, kv_heads: 2, bias: false },
            p.var_builder(&dev),
        )
        .unwrap();
        let x = Rng::new(5).randn((2, 5, 24), 1.0, &dev).unwrap();
        let full = gqa.forward(&x, Some(&causal_mask(5, 5, &dev).unwrap()), None).unwrap();
        let mut cache = KvCache::new();
        let mut outs = Vec::new();
        for t in 0..5 {
            let mask = causal_mask(1, t + 1, &dev).unwrap();
            outs.push(gqa.forward(&x.i((.., t..t + 1)).unwrap(), Some(&mask), Some(&mut cache)).unwrap());
        }
        assert_close(&Tensor::cat(&outs, 1).unwrap(), &full, Tolerance::F32);
        assert_eq!(cache.keys().unwrap().dims(), [2, 2, 5, 4], "the cache holds G = 2 heads, not H = 6");
    }

    #[test]
    fn matches_torch_sdpa_with_enable_gqa() {
        // refs/transformers.py: H = 6 query heads over G = 2 KV heads, torch's own GQA path.
        let f = crate::nn::fixtures::Fixture::load("transformers/gqa");
        let dev = Device::Cpu;
        let p = Params::new(0);
        let gqa = GroupedQueryAttention::new(
            GqaConfig { width: 24, heads: 6, kv_heads: 2, bias: false },
            p.var_builder(&dev),
        )
        .unwrap();
        let mask = causal_mask(6, 6, &dev).unwrap();
        crate::transformers::mha::tests::check_against_fixture(&f, &p, |x| gqa.forward(x, Some(&mask), None).unwrap());
    }

    #[test]
    fn kv_heads_must_divide_heads() {
        let p = Params::new(0);
        let e = GroupedQueryAttention::new(
            GqaConfig { width: 24, heads: 6, kv_heads: 4, bias: false },
            p.var_builder(&Device::Cpu),
        );
        assert!(e.unwrap_err().to_string().contains("multiple of kv_heads"));
    }
}
