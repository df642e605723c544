//! A hybrid sequence model: a stack of pre-norm residual layers, each with one token mixer —
//! causal softmax attention, S4D or Mamba — and an MLP. A pattern of one mixer is a plain
//! Transformer, S4D model or Mamba model; a mixed pattern is a hybrid.
//!
//! Papers: Fu, Dao, Saab, Thomas, Rudra, Ré 2023, "Hungry Hungry Hippos" (H3, arXiv:2212.14052),
//! whose hybrid of H3 layers and two attention layers beat a Transformer's perplexity; Lieber et
//! al. 2024, "Jamba" (arXiv:2403.19887), one attention layer per eight, Mamba layers between.
//!
//! Why hybrids are winning: a fixed-size state is cheap to carry but lossy, and exact recall of
//! something seen long ago (copying, looking up a key) needs a memory that grows with the
//! context — so a few attention layers supply the recall, and the SSM layers everything else at
//! a fraction of the KV cache ([`HybridModel::cache_numbers_per_token`]).
//!
//! Layer l: h ← h + Mixer(RMSNorm(h)); h ← h + MLP(RMSNorm(h)). Attention uses RoPE (the SSM
//! mixers know order from their recurrence); the S4D mixer is the S4D paper's layer, S4D per
//! channel, GELU, then a linear map across channels.

use super::trainable::{MambaLayer, S4dLayer};
use crate::nn::RmsNorm;
use crate::transformers::attention::causal_mask;
use crate::transformers::mha::{MhaConfig, MultiHeadAttention};
use crate::transformers::mlp::{Mlp, MlpKind};
use crate::transformers::proj::linear as apply;
use crate::transformers::rope::{Rope, RopeStyle};
use crate::{Error, Result};
use candle_core::{Module, Tensor};
use candle_nn::{Embedding, Linear, VarBuilder};
use serde::{Deserialize, Serialize};

/// The token mixer of one layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MixerKind {
    /// Causal multi-head softmax attention with RoPE.
    Attention,
    /// S4D (time-invariant SSM) per channel, GELU, linear.
    S4d,
    /// The Mamba block (selective SSM).
    Mamba,
}

/// Configuration of a [`HybridModel`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HybridConfig {
    /// Vocabulary size V.
    pub vocab: usize,
    /// Width M.
    pub width: usize,
    /// One mixer per layer, bottom first, e.g. [mamba, attention].
    pub pattern: Vec<MixerKind>,
    /// Attention heads (attention layers only).
    pub heads: usize,
    /// SSM states per channel N (S4D and Mamba layers).
    pub states: usize,
    /// Mamba's convolution width K.
    pub conv: usize,
    /// MLP hidden width per layer; 0 for no MLP.
    pub mlp_hidden: usize,
    /// Longest sequence (RoPE's table).
    pub max_len: usize,
}

enum Mixer {
    Attention(MultiHeadAttention),
    S4d(S4dLayer, Linear),
    Mamba(MambaLayer),
}

struct Layer {
    norm: RmsNorm,
    mixer: Mixer,
    mlp: Option<(RmsNorm, Mlp)>,
}

/// Embedding → layers → RMSNorm → linear head.
pub struct HybridModel {
    cfg: HybridConfig,
    embed: Embedding,
    layers: Vec<Layer>,
    norm: RmsNorm,
    head: Linear,
}

impl HybridModel {
    /// Builds the model under `vb` (layer l's parameters under `layers.l`).
    pub fn new(cfg: HybridConfig, vb: VarBuilder) -> Result<Self> {
        if cfg.pattern.is_empty() || cfg.vocab == 0 || cfg.width == 0 {
            return Err(Error::Config("hybrid model: needs a vocabulary, a width and at least one layer".into()));
        }
        let (m, dev) = (cfg.width, vb.device().clone());
        let embed = Embedding::new(
            vb.get_with_hints((cfg.vocab, m), "embed", candle_nn::init::Init::Randn { mean: 0.0, stdev: 1.0 })?,
            m,
        );
        let mut layers = Vec::new();
        for (l, kind) in cfg.pattern.iter().enumerate() {
            let vb = vb.pp(format!("layers.{l}"));
            let mixer = match kind {
                MixerKind::Attention => {
                    let mha = MhaConfig { width: m, heads: cfg.heads, bias: false };
                    let rope = Rope::new(mha.head_dim(), cfg.max_len, 10_000.0, RopeStyle::Half, &dev)?;
                    Mixer::Attention(MultiHeadAttention::new(mha, vb.pp("attn"))?.with_rope(rope))
                }
                MixerKind::S4d => {
                    Mixer::S4d(S4dLayer::new(m, cfg.states, vb.pp("s4d"))?, candle_nn::linear(m, m, vb.pp("s4d_out"))?)
                }
                MixerKind::Mamba => Mixer::Mamba(MambaLayer::new(m, cfg.states, cfg.conv, vb.pp("mamba"))?),
            };
            let mlp = if cfg.mlp_hidden > 0 {
                Some((
                    RmsNorm::new(m, 1e-5, vb.pp("mlp_norm"))?,
                    Mlp::new(MlpKind::Gelu, m, cfg.mlp_hidden, false, vb.pp("mlp"))?,
                ))
            } else {
                None
            };
            layers.push(Layer { norm: RmsNorm::new(m, 1e-5, vb.pp("norm"))?, mixer, mlp });
        }
        Ok(Self {
            norm: RmsNorm::new(m, 1e-5, vb.pp("norm"))?,
            head: candle_nn::linear_no_bias(m, cfg.vocab, vb.pp("head"))?,
            cfg,
            embed,
            layers,
        })
    }

    /// Its configuration.
    pub fn config(&self) -> &HybridConfig {
        &self.cfg
    }

    /// Next-token logits for every position.
    ///
    /// # Shapes
    /// ids: (B, T) u32 → (B, T, V)
    pub fn forward(&self, ids: &Tensor) -> Result<Tensor> {
        let (_, t) = ids.dims2()?;
        if t > self.cfg.max_len {
            return Err(Error::Config(format!("hybrid model: length {t} exceeds max_len {}", self.cfg.max_len)));
        }
        let mask = causal_mask(t, t, ids.device())?;
        let mut h = self.embed.forward(ids)?; // (B, T, M)
        for layer in &self.layers {
            let x = layer.norm.forward(&h)?;
            let mixed = match &layer.mixer {
                Mixer::Attention(attn) => attn.forward(&x, Some(&mask), None)?,
                Mixer::S4d(s4d, out) => apply(out, &s4d.forward(&x)?.gelu()?)?,
                Mixer::Mamba(mamba) => mamba.forward(&x)?,
            };
            h = (h + mixed)?;
            if let Some((norm, mlp)) = &layer.mlp {
                h = (&h + mlp.forward(&norm.forward(&h)?)?)?;
            }
        }
        Ok(apply(&self.head, &self.norm.forward(&h)?)?)
    }

    /// Numbers a decoder must cache per generated token: keys and values, 2·M per attention
    /// layer. S4D and Mamba layers add none.
    pub fn cache_numbers_per_token(&self) -> usize {
        self.cfg.pattern.iter().filter(|k| **k == MixerKind::Attention).count() * 2 * self.cfg.width
    }

    /// Numbers of fixed-size recurrent state, whatever the length: per S4D layer M·N complex
    /// states (2 numbers each); per Mamba layer E·N states and E·(K − 1) convolution inputs,
    /// E = 2M.
    pub fn state_numbers(&self) -> usize {
        let (m, n, k) = (self.cfg.width, self.cfg.states, self.cfg.conv);
        self.cfg
            .pattern
            .iter()
            .map(|kind| match kind {
                MixerKind::Attention => 0,
                MixerKind::S4d => 2 * m * n,
                MixerKind::Mamba => 2 * m * (n + k - 1),
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Params;
    use candle_core::{DType, Device, IndexOp};

    fn cfg(pattern: Vec<MixerKind>) -> HybridConfig {
        HybridConfig { vocab: 11, width: 16, pattern, heads: 2, states: 4, conv: 3, mlp_hidden: 32, max_len: 32 }
    }

    #[test]
    fn every_pattern_is_causal_and_shaped() {
        let dev = Device::Cpu;
        use MixerKind::*;
        for pattern in [vec![Attention], vec![S4d, S4d], vec![Mamba], vec![Mamba, Attention, S4d]] {
            let params = Params::new(1);
            let model = HybridModel::new(cfg(pattern.clone()), params.var_builder(&dev)).unwrap();
            let a = Tensor::new(&[[1u32, 2, 3, 4, 5, 6]], &dev).unwrap();
            let b = Tensor::new(&[[1u32, 2, 3, 4, 5, 9]], &dev).unwrap();
            let (la, lb) = (model.forward(&a).unwrap(), model.forward(&b).unwrap());
            assert_eq!(la.dims(), &[1, 6, 11]);
            let early = (la.i((.., ..5)).unwrap() - lb.i((.., ..5)).unwrap()).unwrap().abs().unwrap();
            assert_eq!(
                early.max_all().unwrap().to_dtype(DType::F32).unwrap().to_scalar::<f32>().unwrap(),
                0.0,
                "{pattern:?}"
            );
            let last = (la.i((.., 5)).unwrap() - lb.i((.., 5)).unwrap()).unwrap().abs().unwrap();
            assert!(last.max_all().unwrap().to_scalar::<f32>().unwrap() > 0.0, "{pattern:?}");
        }
    }

    #[test]
    fn only_attention_layers_cache_per_token() {
        let dev = Device::Cpu;
        use MixerKind::*;
        let params = Params::new(0);
        let model = HybridModel::new(cfg(vec![Mamba, Mamba, Attention, S4d]), params.var_builder(&dev)).unwrap();
        assert_eq!(model.cache_numbers_per_token(), 2 * 16);
        // Two Mamba layers: 2 · (32·4 + 32·2); one S4D layer: 16·4 complex states.
        assert_eq!(model.state_numbers(), 2 * (32 * 4 + 32 * 2) + 2 * 16 * 4);
        assert!(HybridModel::new(cfg(vec![]), params.var_builder(&dev)).is_err());
    }
}
