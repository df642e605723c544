//! A decoder-only language model (GPT): embed tokens, add positions, L causal pre-LN blocks,
//! a final norm, and logits through the tied embedding matrix.
//!
//! Papers: Radford et al. 2018 and 2019 (GPT, GPT-2); positions as in [`super::positions`],
//! [`super::rope`] and [`super::alibi`], switchable so labs can compare them on one model.
//! Builds on [`super::block`]. Left out on purpose: dropout, weight-init scaling by depth.

use super::alibi::alibi_bias;
use super::attention::causal_mask;
use super::block::{Block, BlockConfig, Norm, NormKind};
use super::kv_cache::KvCache;
use super::mlp::MlpKind;
use super::positions::{sinusoidal, LearnedPositions};
use super::rope::{Rope, RopeStyle};
use crate::nn::{expect_shape, Dim};
use crate::{Error, Result};
use candle_core::{Module, Tensor};
use candle_nn::{Embedding, VarBuilder};
use serde::{Deserialize, Serialize};

/// How the model knows where each token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PositionKind {
    /// A learned vector per position, added to the embedding (GPT-2).
    Learned,
    /// Fixed sines and cosines, added to the embedding (the original transformer).
    Sinusoidal,
    /// Queries and keys rotated by position inside attention (Llama).
    Rope,
    /// A per-head linear distance penalty on the attention scores (BLOOM, MPT).
    Alibi,
    /// Nothing: the causal mask alone (NoPE).
    None,
}

impl PositionKind {
    /// The name configs use: `learned`, `sinusoidal`, `rope`, `alibi`, `none`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Learned => "learned",
            Self::Sinusoidal => "sinusoidal",
            Self::Rope => "rope",
            Self::Alibi => "alibi",
            Self::None => "none",
        }
    }
}

/// Configuration of [`Gpt`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GptConfig {
    /// Vocabulary size V, e.g. 64.
    pub vocab: usize,
    /// Model width C, e.g. 64.
    pub width: usize,
    /// Attention heads H, e.g. 4.
    pub heads: usize,
    /// Layers L, e.g. 2.
    pub layers: usize,
    /// MLP hidden width, e.g. 4C = 256.
    pub hidden: usize,
    /// Longest sequence the position tables cover, e.g. 512 (training may use fewer).
    pub max_len: usize,
    /// The position scheme.
    pub positions: PositionKind,
    /// GELU MLP or SwiGLU.
    pub mlp: MlpKind,
    /// LayerNorm or RMSNorm.
    pub norm: NormKind,
    /// RoPE's base frequency, e.g. 10 000.
    pub rope_base: f64,
}

impl GptConfig {
    /// The configuration of one of its blocks: pre-LN, causal, no cross-attention.
    pub fn block(&self) -> BlockConfig {
        BlockConfig {
            width: self.width,
            heads: self.heads,
            hidden: self.hidden,
            mlp: self.mlp,
            norm: self.norm,
            pre_norm: true,
            bias: true,
            cross_attention: false,
            eps: 1e-5,
        }
    }

    /// A byte-level GPT-2-style model (V = 256, MLP of 4C, learned positions, GELU, LayerNorm)
    /// of the given width, heads, layers and context: what the training labs use.
    pub fn bytes(width: usize, heads: usize, layers: usize, max_len: usize) -> Self {
        Self { width, heads, layers, hidden: 4 * width, max_len, ..Self::tiny(256) }
    }

    /// A small model that trains in seconds on a CPU.
    pub fn tiny(vocab: usize) -> Self {
        Self {
            vocab,
            width: 64,
            heads: 4,
            layers: 2,
            hidden: 256,
            max_len: 512,
            positions: PositionKind::Learned,
            mlp: MlpKind::Gelu,
            norm: NormKind::Layer,
            rope_base: 10_000.0,
        }
    }
}

/// The model. Parameter names: `wte`, `wpe` (learned positions only), `blocks.<i>.…`, `ln_f`.
#[derive(Debug, Clone)]
pub struct Gpt {
    wte: Embedding,
    wpe: Option<LearnedPositions>,
    blocks: Vec<Block>,
    ln_f: Norm,
    cfg: GptConfig,
}

impl Gpt {
    /// Creates the model under `vb`.
    pub fn new(cfg: GptConfig, vb: VarBuilder) -> Result<Self> {
        super::mha::check_heads(cfg.width, cfg.heads)?;
        let wte_w =
            vb.get_with_hints((cfg.vocab, cfg.width), "wte.weight", candle_nn::Init::Randn { mean: 0.0, stdev: 0.02 })?;
        let wpe = match cfg.positions {
            PositionKind::Learned => Some(LearnedPositions::new(cfg.max_len, cfg.width, vb.pp("wpe"))?),
            _ => None,
        };
        let block_cfg = cfg.block();
        let rope = match cfg.positions {
            PositionKind::Rope => {
                Some(Rope::new(cfg.width / cfg.heads, cfg.max_len, cfg.rope_base, RopeStyle::Half, vb.device())?)
            }
            _ => None,
        };
        let mut blocks = Vec::with_capacity(cfg.layers);
        for i in 0..cfg.layers {
            let mut b = Block::new(block_cfg, vb.pp(format!("blocks.{i}")))?;
            if let Some(r) = &rope {
                b.attn = b.attn.with_rope(r.clone());
            }
            blocks.push(b);
        }
        Ok(Self {
            wte: Embedding::new(wte_w, cfg.width),
            wpe,
            blocks,
            ln_f: Norm::new(cfg.norm, cfg.width, 1e-5, vb.pp("ln_f"))?,
            cfg,
        })
    }

    /// The configuration.
    pub fn config(&self) -> GptConfig {
        self.cfg
    }

    /// The device its weights are on.
    pub fn device(&self) -> candle_core::Device {
        self.wte.embeddings().device().clone()
    }

    /// Every projection of every block with its parameter name (`blocks.0.attn.q_proj`, …,
    /// `blocks.1.mlp.proj`), for fine-tuning methods to wrap (see [`super::proj`]).
    pub fn projections_mut(&mut self) -> Vec<(String, &mut super::proj::Proj)> {
        let mut out = Vec::new();
        for (i, b) in self.blocks.iter_mut().enumerate() {
            out.extend(b.projections_mut().into_iter().map(|(n, p)| (format!("blocks.{i}.{n}"), p)));
        }
        out
    }

    /// Fresh per-layer KV caches for incremental decoding.
    pub fn new_caches(&self) -> Vec<KvCache> {
        vec![KvCache::new(); self.cfg.layers]
    }

    /// Next-token logits for every position. With `caches`, `ids` are the tokens after those
    /// already cached, and the caches grow by T.
    ///
    /// # Shapes
    /// ids: (B, T) u32 → (B, T, V)
    pub fn forward(&self, ids: &Tensor, caches: Option<&mut [KvCache]>) -> Result<Tensor> {
        self.logits(&self.hidden(ids, caches)?)
    }

    /// The final norm and the tied output layer: hidden states to logits.
    ///
    /// # Shapes
    /// (B, T, C) → (B, T, V)
    pub fn logits(&self, hidden: &Tensor) -> Result<Tensor> {
        let x = self.ln_f.forward(hidden)?; // (B, T, C)
        Ok(x.broadcast_matmul(&self.wte.embeddings().t()?)?) // (B, T, C) @ (C, V) -> (B, T, V)
    }

    /// The hidden states after the last block, before the final norm (what extra heads, e.g.
    /// multi-token prediction, build on).
    ///
    /// # Shapes
    /// ids: (B, T) u32 → (B, T, C)
    pub fn hidden(&self, ids: &Tensor, caches: Option<&mut [KvCache]>) -> Result<Tensor> {
        self.hidden_with(ids, None, caches)
    }

    /// [`Self::hidden`] with `extra` added to the token embeddings before the blocks:
    /// embeddings the caller owns and trains, e.g. Abacus digit-place embeddings (McLeish et
    /// al. 2024) or segment embeddings.
    ///
    /// # Shapes
    /// ids: (B, T) u32, extra: (B, T, C) → (B, T, C)
    pub fn hidden_with(&self, ids: &Tensor, extra: Option<&Tensor>, caches: Option<&mut [KvCache]>) -> Result<Tensor> {
        let dims = expect_shape(ids, "gpt token ids", &[Dim::Any("B"), Dim::Any("T")])?;
        let t = dims[1];
        if let Some(e) = extra {
            expect_shape(
                e,
                "extra embeddings",
                &[Dim::Is("B", dims[0]), Dim::Is("T", t), Dim::Is("C", self.cfg.width)],
            )?;
        }
        let offset = caches.as_ref().and_then(|c| c.first()).map_or(0, KvCache::len);
        let s = offset + t; // keys after this step
        let dev = ids.device();
        // 1) embeddings, (B, T, C)
        let mut x = self.embed(ids, extra, offset)?;
        // 2) the mask: causal, with ALiBi's distance penalty folded in when used
        let mask = match self.cfg.positions {
            PositionKind::Alibi => alibi_bias(self.cfg.heads, t, s, dev)?, // (1, H, T, S)
            _ => causal_mask(t, s, dev)?,                                  // (T, S)
        };
        // 3) the blocks
        match caches {
            Some(caches) => {
                for (b, c) in self.blocks.iter().zip(caches.iter_mut()) {
                    x = b.forward(&x, Some(&mask), Some(c), None)?;
                }
            }
            None => {
                for b in &self.blocks {
                    x = b.forward(&x, Some(&mask), None, None)?;
                }
            }
        }
        Ok(x)
    }

    /// The stack without the causal mask: every position attends to every other, in both
    /// directions, as in an encoder (BERT). With it, one set of weights can be trained as a
    /// masked language model and compared with next-token training at an equal budget: only
    /// the mask and the objective differ. The logits come from [`Self::logits`] as usual.
    /// ALiBi is refused: its bias here is the causal (one-sided) form.
    ///
    /// # Shapes
    /// ids: (B, T) u32 → (B, T, C)
    pub fn encode(&self, ids: &Tensor) -> Result<Tensor> {
        expect_shape(ids, "gpt token ids", &[Dim::Any("B"), Dim::Any("T")])?;
        if self.cfg.positions == PositionKind::Alibi {
            return Err(Error::Config("encode: this ALiBi bias is causal-only; use another position scheme".into()));
        }
        let mut x = self.embed(ids, None, 0)?; // (B, T, C)
        for b in &self.blocks {
            x = b.forward(&x, None, None, None)?; // no mask: bidirectional
        }
        Ok(x)
    }

    /// Token embeddings, plus absolute positions from `offset` if the model adds them, plus
    /// `extra`. Refuses a sequence (cache included) longer than the position table or the
    /// RoPE angles cover.
    ///
    /// # Shapes
    /// ids: (B, T) u32 → (B, T, C)
    fn embed(&self, ids: &Tensor, extra: Option<&Tensor>, offset: usize) -> Result<Tensor> {
        let (t, dev) = (ids.dim(1)?, ids.device());
        let s = offset + t;
        if s > self.cfg.max_len && matches!(self.cfg.positions, PositionKind::Learned | PositionKind::Rope) {
            return Err(Error::Config(format!("sequence of {s} tokens is longer than max_len {}", self.cfg.max_len)));
        }
        let mut x = self.wte.forward(ids)?; // (B, T) -> (B, T, C)
        match self.cfg.positions {
            PositionKind::Learned => {
                let wpe = self.wpe.as_ref().expect("learned positions have a table");
                x = x.broadcast_add(&wpe.forward(t, offset, dev)?)?; // + (T, C)
            }
            PositionKind::Sinusoidal => {
                // subtle: the sines have amplitude 1, the embeddings std 0.02, so added as they
                // are the positions drown the tokens; the paper scales embeddings by √C (3.4).
                let scale = (self.cfg.width as f64).sqrt();
                x = (x * scale)?.broadcast_add(&sinusoidal(t, self.cfg.width, offset, dev)?)?;
                // √C·E + (T, C)
            }
            PositionKind::Rope | PositionKind::Alibi | PositionKind::None => {} // inside attention, or none
        }
        if let Some(e) = extra {
            x = (x + e)?;
        }
        Ok(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Params, Tolerance};
    use candle_core::{Device, IndexOp};

    const KINDS: [PositionKind; 5] =
        [PositionKind::Learned, PositionKind::Sinusoidal, PositionKind::Rope, PositionKind::Alibi, PositionKind::None];

    fn model(kind: PositionKind) -> (Params, Gpt) {
        let p = Params::new(1);
        let cfg = GptConfig { positions: kind, width: 32, hidden: 64, max_len: 32, ..GptConfig::tiny(20) };
        let g = Gpt::new(cfg, p.var_builder(&Device::Cpu)).unwrap();
        (p, g)
    }

    fn ids(v: &[u32]) -> Tensor {
        Tensor::new(v, &Device::Cpu).unwrap().unsqueeze(0).unwrap()
    }

    #[test]
    fn a_scheme_is_named_as_configs_spell_it() {
        for k in KINDS {
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.name()));
        }
    }

    #[test]
    fn encode_lets_early_positions_see_later_tokens_and_refuses_causal_alibi() {
        for kind in KINDS {
            let (_, g) = model(kind);
            if kind == PositionKind::Alibi {
                assert!(g.encode(&ids(&[1, 2, 3])).is_err());
                continue;
            }
            let a = g.encode(&ids(&[1, 2, 3, 4, 5, 6])).unwrap();
            let b = g.encode(&ids(&[1, 2, 3, 9, 9, 9])).unwrap();
            let moved = (a.i((.., 0)).unwrap() - b.i((.., 0)).unwrap()).unwrap().abs().unwrap();
            assert!(moved.max_all().unwrap().to_scalar::<f32>().unwrap() > 1e-4, "{kind:?}: position 0 must move");
        }
    }

    #[test]
    fn logits_at_t_ignore_tokens_after_t_for_every_position_kind() {
        for kind in KINDS {
            let (_, g) = model(kind);
            let a = g.forward(&ids(&[1, 2, 3, 4, 5, 6]), None).unwrap();
            let b = g.forward(&ids(&[1, 2, 3, 9, 9, 9]), None).unwrap();
            assert_close(&a.i((.., ..3)).unwrap(), &b.i((.., ..3)).unwrap(), Tolerance::F32);
            let moved = (a.i((.., 3..)).unwrap() - b.i((.., 3..)).unwrap()).unwrap().abs().unwrap();
            assert!(moved.max_all().unwrap().to_scalar::<f32>().unwrap() > 1e-4, "{kind:?}: later logits must move");
        }
    }

    #[test]
    fn kv_cache_decoding_equals_full_recompute_for_every_position_kind() {
        let seq = [3u32, 1, 4, 1, 5, 9, 2, 6];
        for kind in KINDS {
            let (_, g) = model(kind);
            let full = g.forward(&ids(&seq), None).unwrap();
            let mut caches = g.new_caches();
            let mut outs = vec![g.forward(&ids(&seq[..3]), Some(&mut caches)).unwrap()];
            for t in 3..seq.len() {
                outs.push(g.forward(&ids(&seq[t..t + 1]), Some(&mut caches)).unwrap());
            }
            let tol = Tolerance::new(1e-4, 1e-4);
            if let Err(m) = crate::nn::check_close(&Tensor::cat(&outs, 1).unwrap(), &full, tol) {
                panic!("{kind:?}: {m}");
            }
        }
    }

    #[test]
    fn every_parameter_receives_a_gradient() {
        for kind in KINDS {
            let (p, g) = model(kind);
            let logits = g.forward(&ids(&[1, 2, 3, 4]), None).unwrap();
            let targets = Tensor::new(&[2u32, 3, 4, 5], &Device::Cpu).unwrap();
            let loss = candle_nn::loss::cross_entropy(&logits.squeeze(0).unwrap(), &targets).unwrap();
            let grads = loss.backward().unwrap();
            for (name, v) in p.named_vars() {
                let g = grads.get(&v).unwrap_or_else(|| panic!("{kind:?}: no gradient for {name}"));
                let n = g.abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap();
                assert!(n > 0.0, "{kind:?}: zero gradient for {name}");
            }
        }
    }

    #[test]
    fn extra_embeddings_add_to_the_input() {
        let (_, g) = model(PositionKind::None);
        let x = ids(&[1, 2, 3]);
        let plain = g.hidden(&x, None).unwrap();
        let zeros = Tensor::zeros((1, 3, 32), candle_core::DType::F32, &Device::Cpu).unwrap();
        assert_close(&g.hidden_with(&x, Some(&zeros), None).unwrap(), &plain, Tolerance::F32);
        // adding token 9's embedding minus token 3's at the last position turns it into token 9
        let wte = g.wte.embeddings();
        let shift = (wte.i(9).unwrap() - wte.i(3).unwrap()).unwrap().reshape((1, 1, 32)).unwrap();
        let extra = Tensor::cat(&[zeros.narrow(1, 0, 2).unwrap(), shift], 1).unwrap();
        let moved = g.hidden_with(&x, Some(&extra), None).unwrap();
        assert_close(&moved, &g.hidden(&ids(&[1, 2, 9]), None).unwrap(), Tolerance::new(1e-5, 1e-5));
        assert!(g.hidden_with(&x, Some(&zeros.narrow(1, 0, 2).unwrap()), None).is_err(), "shape is checked");
    }

    #[test]
    fn too_long_input_is_an_error_for_table_positions() {
        let (_, g) = model(PositionKind::Learned);
        let long: Vec<u32> = (0..33).map(|i| i % 20).collect();
        assert!(g.forward(&ids(&long), None).unwrap_err().to_string().contains("longer than max_len 32"));
        let (_, g) = model(PositionKind::Alibi);
        assert!(g.forward(&ids(&long), None).is_ok(), "ALiBi has no table to run out of");
    }
}
