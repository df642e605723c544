//! An encoder-only model (BERT): every token attends to every other, in both directions, and a
//! masked-language-model head predicts tokens from their context.
//!
//! Paper: Devlin et al. 2019, "BERT", arXiv:1810.04805, sections 3.1 and appendix A.
//! Builds on [`super::block`] (post-LN blocks, as BERT) and [`super::positions`] (learned).
//! Left out on purpose: segment (token-type) embeddings, the pooler and next-sentence head,
//! dropout. The 80/10/10 masking rule is the pre-training objective (topic 2).
//!
//! No causal mask: the representation of token t uses tokens after t too, which is what makes
//! BERT good at understanding tasks and unable to generate left to right.

use super::attention::padding_mask;
use super::block::{Block, BlockConfig, NormKind};
use super::mlp::MlpKind;
use super::positions::LearnedPositions;
use crate::nn::{expect_shape, Dim, LayerNorm};
use crate::Result;
use candle_core::{Module, Tensor};
use candle_nn::{Embedding, Linear, VarBuilder};

/// Configuration of [`Bert`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BertConfig {
    /// Vocabulary size V (the mask token included), e.g. 64.
    pub vocab: usize,
    /// Model width C, e.g. 64.
    pub width: usize,
    /// Heads H, e.g. 4.
    pub heads: usize,
    /// Layers L, e.g. 2.
    pub layers: usize,
    /// MLP hidden width, e.g. 4C.
    pub hidden: usize,
    /// Longest input, e.g. 128.
    pub max_len: usize,
}

/// The encoder and its MLM head. Names: `wte`, `wpe`, `ln_emb`, `blocks.<i>`, `mlm.dense`,
/// `mlm.ln`, `mlm.bias`.
#[derive(Debug, Clone)]
pub struct Bert {
    wte: Embedding,
    wpe: LearnedPositions,
    ln_emb: LayerNorm,
    blocks: Vec<Block>,
    mlm_dense: Linear,
    mlm_ln: LayerNorm,
    mlm_bias: Tensor,
    cfg: BertConfig,
}

impl Bert {
    /// Creates the model under `vb`.
    pub fn new(cfg: BertConfig, vb: VarBuilder) -> Result<Self> {
        super::mha::check_heads(cfg.width, cfg.heads)?;
        let block = BlockConfig {
            width: cfg.width,
            heads: cfg.heads,
            hidden: cfg.hidden,
            mlp: MlpKind::Gelu,
            norm: NormKind::Layer,
            pre_norm: false, // BERT is post-LN
            bias: true,
            cross_attention: false,
            eps: 1e-12,
        };
        let init = candle_nn::Init::Randn { mean: 0.0, stdev: 0.02 };
        Ok(Self {
            wte: Embedding::new(vb.get_with_hints((cfg.vocab, cfg.width), "wte.weight", init)?, cfg.width),
            wpe: LearnedPositions::new(cfg.max_len, cfg.width, vb.pp("wpe"))?,
            ln_emb: LayerNorm::new(cfg.width, 1e-12, vb.pp("ln_emb"))?,
            blocks: (0..cfg.layers).map(|i| Block::new(block, vb.pp(format!("blocks.{i}")))).collect::<Result<_>>()?,
            mlm_dense: candle_nn::linear(cfg.width, cfg.width, vb.pp("mlm.dense"))?,
            mlm_ln: LayerNorm::new(cfg.width, 1e-12, vb.pp("mlm.ln"))?,
            mlm_bias: vb.get_with_hints(cfg.vocab, "mlm.bias", candle_nn::Init::Const(0.0))?,
            cfg,
        })
    }

    /// The configuration.
    pub fn config(&self) -> BertConfig {
        self.cfg
    }

    /// Contextual representations. `lengths` gives each sequence's true length in a
    /// right-padded batch; padded keys are masked out.
    ///
    /// # Shapes
    /// ids: (B, T) u32 → (B, T, C)
    pub fn forward(&self, ids: &Tensor, lengths: Option<&[usize]>) -> Result<Tensor> {
        let t = expect_shape(ids, "bert token ids", &[Dim::Any("B"), Dim::Any("T")])?[1];
        let x = self.wte.forward(ids)?.broadcast_add(&self.wpe.forward(t, 0, ids.device())?)?; // (B, T, C)
        let mut x = self.ln_emb.forward(&x)?;
        let mask = lengths.map(|l| padding_mask(l, t, ids.device())).transpose()?; // (B, 1, 1, T)
        for b in &self.blocks {
            x = b.forward(&x, mask.as_ref(), None, None)?; // bidirectional: no causal mask
        }
        Ok(x)
    }

    /// The MLM head: logits over the vocabulary at every position, through the tied embeddings.
    ///
    /// # Shapes
    /// hidden: (B, T, C) → (B, T, V)
    pub fn mlm_logits(&self, hidden: &Tensor) -> Result<Tensor> {
        let h = self.mlm_ln.forward(&self.mlm_dense.forward(hidden)?.gelu_erf()?)?; // (B, T, C)
        Ok(h.broadcast_matmul(&self.wte.embeddings().t()?)?.broadcast_add(&self.mlm_bias)?)
        // (B, T, V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, check_close, Params, Tolerance};
    use candle_core::{Device, IndexOp};

    fn model() -> (Params, Bert) {
        let p = Params::new(3);
        let cfg = BertConfig { vocab: 20, width: 32, heads: 4, layers: 2, hidden: 64, max_len: 16 };
        let m = Bert::new(cfg, p.var_builder(&Device::Cpu)).unwrap();
        (p, m)
    }

    fn ids(rows: &[&[u32]]) -> Tensor {
        Tensor::new(rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>(), &Device::Cpu).unwrap()
    }

    #[test]
    fn early_positions_see_later_tokens() {
        let (_, m) = model();
        let a = m.forward(&ids(&[&[1, 2, 3, 4, 5]]), None).unwrap();
        let b = m.forward(&ids(&[&[1, 2, 3, 4, 9]]), None).unwrap();
        assert!(
            check_close(&a.i((.., 0)).unwrap(), &b.i((.., 0)).unwrap(), Tolerance::F32).is_err(),
            "position 0 must move"
        );
    }

    #[test]
    fn padding_does_not_change_the_real_positions() {
        let (_, m) = model();
        let a = m.forward(&ids(&[&[1, 2, 3, 0, 0]]), Some(&[3])).unwrap();
        let b = m.forward(&ids(&[&[1, 2, 3, 7, 8]]), Some(&[3])).unwrap();
        let short = m.forward(&ids(&[&[1, 2, 3]]), None).unwrap();
        assert_close(&a.i((.., ..3)).unwrap(), &b.i((.., ..3)).unwrap(), Tolerance::F32);
        assert_close(&a.i((.., ..3)).unwrap(), &short, Tolerance::F32);
    }

    #[test]
    fn mlm_loss_reaches_every_parameter() {
        let (p, m) = model();
        let logits = m.mlm_logits(&m.forward(&ids(&[&[1, 2, 3, 4]]), None).unwrap()).unwrap();
        assert_eq!(logits.dims(), [1, 4, 20]);
        let loss = candle_nn::loss::cross_entropy(
            &logits.squeeze(0).unwrap(),
            &Tensor::new(&[5u32, 6, 7, 8], &Device::Cpu).unwrap(),
        )
        .unwrap();
        let grads = loss.backward().unwrap();
        for (name, v) in p.named_vars() {
            let g = grads.get(&v).unwrap_or_else(|| panic!("no gradient for {name}"));
            assert!(g.abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap() > 0.0, "zero gradient for {name}");
        }
    }
}
