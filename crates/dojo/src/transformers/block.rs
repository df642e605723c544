//! The transformer block: attention and an MLP, each wrapped in a residual connection and a norm,
//! optionally with cross-attention between them (the encoder–decoder's decoder).
//!
//! Papers: Vaswani et al. 2017, section 3.1 (post-LN); Xiong et al. 2020, "On Layer
//! Normalization in the Transformer Architecture", arXiv:2002.04745 (pre-LN).
//! Builds on [`super::mha`], [`super::mlp`] and the norms of [`crate::nn`].
//! Left out on purpose: dropout.
//!
//! Post-LN (original, BERT):  x = Norm(x + Attn(x));  x = Norm(x + MLP(x))
//! Pre-LN (GPT-2 onwards):     x = x + Attn(Norm(x));  x = x + MLP(Norm(x))
//!
//! Pre-LN keeps an un-normalised residual path from input to output, so gradients reach early
//! layers undiminished and training is stable without a long learning-rate warm-up; post-LN
//! normalises the sum and tends to need warm-up, but can end slightly better when it trains.

use super::kv_cache::KvCache;
use super::mha::{MhaConfig, MultiHeadAttention};
use super::mlp::{Mlp, MlpKind};
use crate::nn::{LayerNorm, RmsNorm};
use crate::Result;
use candle_core::{Module, Tensor};
use candle_nn::VarBuilder;
use serde::{Deserialize, Serialize};

/// Which normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NormKind {
    /// LayerNorm: centre and scale, with γ and β.
    Layer,
    /// RMSNorm: scale only, with γ.
    Rms,
}

/// A norm of either kind.
#[derive(Debug, Clone)]
pub enum Norm {
    /// LayerNorm.
    Layer(LayerNorm),
    /// RMSNorm.
    Rms(RmsNorm),
}

impl Norm {
    /// Creates a norm of width `c` under `vb`.
    pub fn new(kind: NormKind, c: usize, eps: f64, vb: VarBuilder) -> Result<Self> {
        Ok(match kind {
            NormKind::Layer => Norm::Layer(LayerNorm::new(c, eps, vb)?),
            NormKind::Rms => Norm::Rms(RmsNorm::new(c, eps, vb)?),
        })
    }
}

impl Module for Norm {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Norm::Layer(n) => n.forward(x),
            Norm::Rms(n) => n.forward(x),
        }
    }
}

/// Configuration of a [`Block`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockConfig {
    /// Model width C, e.g. 128.
    pub width: usize,
    /// Attention heads H, e.g. 4.
    pub heads: usize,
    /// MLP hidden width, e.g. 4C.
    pub hidden: usize,
    /// GELU MLP or SwiGLU.
    pub mlp: MlpKind,
    /// LayerNorm or RMSNorm.
    pub norm: NormKind,
    /// Pre-LN (true) or post-LN (false).
    pub pre_norm: bool,
    /// Biases in the linear layers.
    pub bias: bool,
    /// Adds cross-attention to an encoder's output (the decoder of an encoder–decoder).
    pub cross_attention: bool,
    /// The norms' ε, e.g. 1e-5.
    pub eps: f64,
}

/// What cross-attention attends to: the encoder's output and its padding mask.
#[derive(Debug, Clone, Copy)]
pub struct Memory<'a> {
    /// Encoder states, (B, S, C).
    pub states: &'a Tensor,
    /// Additive mask over the S encoder positions, broadcastable to (B, H, T, S).
    pub mask: Option<&'a Tensor>,
}

/// One transformer block. Parameter names: `attn`, `ln1`, `cross_attn`, `ln_cross`, `mlp`, `ln2`.
#[derive(Debug, Clone)]
pub struct Block {
    /// Self-attention.
    pub attn: MultiHeadAttention,
    /// The norm around self-attention.
    pub ln1: Norm,
    /// Cross-attention and its norm, in a decoder.
    pub cross: Option<(MultiHeadAttention, Norm)>,
    /// The feed-forward network.
    pub mlp: Mlp,
    /// The norm around the MLP.
    pub ln2: Norm,
    pre_norm: bool,
}

impl Block {
    /// Creates the block's layers under `vb`.
    pub fn new(cfg: BlockConfig, vb: VarBuilder) -> Result<Self> {
        let attn_cfg = MhaConfig { width: cfg.width, heads: cfg.heads, bias: cfg.bias };
        let norm = |name: &str| Norm::new(cfg.norm, cfg.width, cfg.eps, vb.pp(name));
        let cross = if cfg.cross_attention {
            Some((MultiHeadAttention::new(attn_cfg, vb.pp("cross_attn"))?, norm("ln_cross")?))
        } else {
            None
        };
        Ok(Self {
            attn: MultiHeadAttention::new(attn_cfg, vb.pp("attn"))?,
            ln1: norm("ln1")?,
            cross,
            mlp: Mlp::new(cfg.mlp, cfg.width, cfg.hidden, cfg.bias, vb.pp("mlp"))?,
            ln2: norm("ln2")?,
            pre_norm: cfg.pre_norm,
        })
    }

    /// Its projections with their parameter names (`attn.q_proj`, …, `mlp.fc`, …), for
    /// fine-tuning methods to wrap.
    pub fn projections_mut(&mut self) -> Vec<(String, &mut super::proj::Proj)> {
        let mut out: Vec<(String, &mut super::proj::Proj)> =
            self.attn.projections_mut().into_iter().map(|(n, p)| (format!("attn.{n}"), p)).collect();
        if let Some((cross, _)) = &mut self.cross {
            out.extend(cross.projections_mut().into_iter().map(|(n, p)| (format!("cross_attn.{n}"), p)));
        }
        out.extend(self.mlp.projections_mut().into_iter().map(|(n, p)| (format!("mlp.{n}"), p)));
        out
    }

    /// Applies the block. `mask` is self-attention's additive mask (causal for a decoder, padding
    /// for an encoder); `memory` is required exactly when the block has cross-attention.
    ///
    /// # Shapes
    /// x: (B, T, C) → (B, T, C)
    pub fn forward(
        &self,
        x: &Tensor,
        mask: Option<&Tensor>,
        cache: Option<&mut KvCache>,
        memory: Option<Memory<'_>>,
    ) -> Result<Tensor> {
        // 1) self-attention sub-layer
        let x = self.sublayer(x, &self.ln1, |h| self.attn.forward(h, mask, cache))?;
        // 2) cross-attention sub-layer: queries from the decoder, keys and values from the encoder
        let x = match (&self.cross, memory) {
            (Some((attn, norm)), Some(m)) => self.sublayer(&x, norm, |h| attn.attend(h, m.states, m.mask, None))?,
            (None, None) => x,
            (Some(_), None) => {
                return Err(crate::Error::Config("this block has cross-attention: pass the encoder memory".into()))
            }
            (None, Some(_)) => {
                return Err(crate::Error::Config("this block has no cross-attention: memory given".into()))
            }
        };
        // 3) MLP sub-layer
        self.sublayer(&x, &self.ln2, |h| Ok(self.mlp.forward(h)?))
    }

    /// Residual connection around `f`, with the norm before it (pre-LN) or after the sum (post-LN).
    fn sublayer(&self, x: &Tensor, norm: &Norm, f: impl FnOnce(&Tensor) -> Result<Tensor>) -> Result<Tensor> {
        if self.pre_norm {
            Ok((x + f(&norm.forward(x)?)?)?) // x + f(Norm(x))
        } else {
            Ok(norm.forward(&(x + f(x)?)?)?) // Norm(x + f(x))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::fixtures::Fixture;
    use crate::nn::{Params, Tolerance};
    use crate::transformers::attention::causal_mask;
    use candle_core::Device;

    fn cfg(pre_norm: bool, cross_attention: bool) -> BlockConfig {
        BlockConfig {
            width: 16,
            heads: 4,
            hidden: 32,
            mlp: MlpKind::Gelu,
            norm: NormKind::Layer,
            pre_norm,
            bias: true,
            cross_attention,
            eps: 1e-5,
        }
    }

    /// Loads the fixture's weights by name; returns the inputs as variables.
    fn load(f: &Fixture, p: &Params) {
        for (name, _) in p.named_vars() {
            p.set(&name, &f.get(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    /// Checks the output and the gradients of the input and of every parameter.
    fn check(f: &Fixture, p: &Params, inputs: &[(&candle_core::Var, &str)], out: Tensor) {
        f.assert_close(&out, "out", Tolerance::F32);
        let grads = (out * f.get("loss_w")).unwrap().sum_all().unwrap().backward().unwrap();
        f.assert_grads(&grads, inputs, Tolerance::F32);
        for (name, var) in p.named_vars() {
            f.assert_grads(&grads, &[(&var, &format!("grad.{name}"))], Tolerance::F32);
        }
    }

    #[test]
    fn pre_ln_causal_block_matches_torch_encoder_layer_norm_first() {
        // refs/transformers.py: nn.TransformerEncoderLayer(norm_first=True, gelu) + causal mask,
        // the GPT block.
        let f = Fixture::load("transformers/gpt_block");
        let p = Params::new(0);
        let b = Block::new(cfg(true, false), p.var_builder(&Device::Cpu)).unwrap();
        load(&f, &p);
        let x = f.var("x");
        let mask = causal_mask(5, 5, &Device::Cpu).unwrap();
        check(&f, &p, &[(&x, "grad_x")], b.forward(&x, Some(&mask), None, None).unwrap());
    }

    #[test]
    fn post_ln_bidirectional_block_matches_torch_encoder_layer() {
        // refs/transformers.py: nn.TransformerEncoderLayer(norm_first=False, gelu), the BERT block.
        let f = Fixture::load("transformers/bert_block");
        let p = Params::new(0);
        let b = Block::new(cfg(false, false), p.var_builder(&Device::Cpu)).unwrap();
        load(&f, &p);
        let x = f.var("x");
        check(&f, &p, &[(&x, "grad_x")], b.forward(&x, None, None, None).unwrap());
    }

    #[test]
    fn cross_attention_block_matches_torch_decoder_layer() {
        // refs/transformers.py: nn.TransformerDecoderLayer(norm_first=False, gelu), causal
        // self-attention over the target, cross-attention to a 7-position memory.
        let f = Fixture::load("transformers/cross_block");
        let p = Params::new(0);
        let b = Block::new(cfg(false, true), p.var_builder(&Device::Cpu)).unwrap();
        load(&f, &p);
        let (x, mem) = (f.var("x"), f.var("memory"));
        let mask = causal_mask(5, 5, &Device::Cpu).unwrap();
        let out = b.forward(&x, Some(&mask), None, Some(Memory { states: &mem, mask: None })).unwrap();
        check(&f, &p, &[(&x, "grad_x"), (&mem, "grad_memory")], out);
    }

    #[test]
    fn memory_must_match_the_blocks_shape() {
        let p = Params::new(0);
        let b = Block::new(cfg(true, true), p.var_builder(&Device::Cpu)).unwrap();
        let x = Tensor::zeros((1, 2, 16), candle_core::DType::F32, &Device::Cpu).unwrap();
        assert!(b.forward(&x, None, None, None).unwrap_err().to_string().contains("pass the encoder memory"));
    }
}
