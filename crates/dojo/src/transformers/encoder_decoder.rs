//! An encoder–decoder (the original transformer, T5): a bidirectional encoder reads the source;
//! a causal decoder writes the target, reading the encoder through cross-attention.
//!
//! Paper: Vaswani et al. 2017, section 3.1 and figure 1.
//! Builds on [`super::block`] (pre-LN blocks; the decoder's have cross-attention) and
//! [`super::positions`] (sinusoidal, as in the paper). The token embedding is shared by the
//! encoder, the decoder and the output layer.
//! Left out on purpose: dropout, label smoothing, relative position buckets (T5).

use super::attention::{causal_mask, padding_mask};
use super::block::{Block, BlockConfig, Memory, Norm, NormKind};
use super::kv_cache::KvCache;
use super::mlp::MlpKind;
use super::positions::sinusoidal;
use crate::{Error, Result};
use candle_core::{Module, Tensor};
use candle_nn::{Embedding, VarBuilder};

/// Configuration of [`EncoderDecoder`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncoderDecoderConfig {
    /// Shared vocabulary size V, e.g. 64.
    pub vocab: usize,
    /// Model width C, e.g. 64.
    pub width: usize,
    /// Heads H, e.g. 4.
    pub heads: usize,
    /// Encoder layers, e.g. 1.
    pub encoder_layers: usize,
    /// Decoder layers, e.g. 1.
    pub decoder_layers: usize,
    /// MLP hidden width, e.g. 4C.
    pub hidden: usize,
}

/// The model. Names: `wte`, `encoder.<i>`, `ln_enc`, `decoder.<i>`, `ln_dec`.
#[derive(Debug, Clone)]
pub struct EncoderDecoder {
    wte: Embedding,
    encoder: Vec<Block>,
    ln_enc: Norm,
    decoder: Vec<Block>,
    ln_dec: Norm,
    cfg: EncoderDecoderConfig,
}

impl EncoderDecoder {
    /// Creates the model under `vb`.
    pub fn new(cfg: EncoderDecoderConfig, vb: VarBuilder) -> Result<Self> {
        super::mha::check_heads(cfg.width, cfg.heads)?;
        if cfg.width % 2 != 0 {
            return Err(Error::Config(format!(
                "width {} must be even (sinusoidal positions pair channels)",
                cfg.width
            )));
        }
        let block = |cross: bool| BlockConfig {
            width: cfg.width,
            heads: cfg.heads,
            hidden: cfg.hidden,
            mlp: MlpKind::Gelu,
            norm: NormKind::Layer,
            pre_norm: true,
            bias: true,
            cross_attention: cross,
            eps: 1e-5,
        };
        let init = candle_nn::Init::Randn { mean: 0.0, stdev: 0.02 };
        Ok(Self {
            wte: Embedding::new(vb.get_with_hints((cfg.vocab, cfg.width), "wte.weight", init)?, cfg.width),
            encoder: (0..cfg.encoder_layers)
                .map(|i| Block::new(block(false), vb.pp(format!("encoder.{i}"))))
                .collect::<Result<_>>()?,
            ln_enc: Norm::new(NormKind::Layer, cfg.width, 1e-5, vb.pp("ln_enc"))?,
            decoder: (0..cfg.decoder_layers)
                .map(|i| Block::new(block(true), vb.pp(format!("decoder.{i}"))))
                .collect::<Result<_>>()?,
            ln_dec: Norm::new(NormKind::Layer, cfg.width, 1e-5, vb.pp("ln_dec"))?,
            cfg,
        })
    }

    /// Fresh per-layer self-attention caches for the decoder.
    pub fn new_caches(&self) -> Vec<KvCache> {
        vec![KvCache::new(); self.cfg.decoder_layers]
    }

    /// Embeddings scaled by √C plus sinusoidal positions starting at `offset` (paper, 3.4).
    fn embed(&self, ids: &Tensor, offset: usize) -> Result<Tensor> {
        let t = ids.dim(1)?;
        let x = (self.wte.forward(ids)? * (self.cfg.width as f64).sqrt())?; // (B, T, C)
        Ok(x.broadcast_add(&sinusoidal(t, self.cfg.width, offset, ids.device())?)?)
    }

    /// Reads the source bidirectionally; `lengths` masks right padding.
    ///
    /// # Shapes
    /// src: (B, S) u32 → memory (B, S, C)
    pub fn encode(&self, src: &Tensor, lengths: Option<&[usize]>) -> Result<Tensor> {
        let s = src.dim(1)?;
        let mask = lengths.map(|l| padding_mask(l, s, src.device())).transpose()?; // (B, 1, 1, S)
        let mut x = self.embed(src, 0)?;
        for b in &self.encoder {
            x = b.forward(&x, mask.as_ref(), None, None)?;
        }
        Ok(self.ln_enc.forward(&x)?)
    }

    /// Next-token logits for the target, attending causally to itself and fully to `memory`.
    /// With `caches`, `tgt` holds only the new tokens.
    ///
    /// # Shapes
    /// tgt: (B, T) u32, memory: (B, S, C) → (B, T, V)
    pub fn decode(
        &self,
        tgt: &Tensor,
        memory: &Tensor,
        src_lengths: Option<&[usize]>,
        caches: Option<&mut [KvCache]>,
    ) -> Result<Tensor> {
        let t = tgt.dim(1)?;
        let offset = caches.as_ref().and_then(|c| c.first()).map_or(0, KvCache::len);
        let self_mask = causal_mask(t, offset + t, tgt.device())?; // (T, S_self)
        let mem_mask = src_lengths.map(|l| padding_mask(l, memory.dim(1)?, tgt.device())).transpose()?; // (B, 1, 1, S)
        let mem = Memory { states: memory, mask: mem_mask.as_ref() };
        let mut x = self.embed(tgt, offset)?;
        match caches {
            Some(caches) => {
                for (b, c) in self.decoder.iter().zip(caches.iter_mut()) {
                    x = b.forward(&x, Some(&self_mask), Some(c), Some(mem))?;
                }
            }
            None => {
                for b in &self.decoder {
                    x = b.forward(&x, Some(&self_mask), None, Some(mem))?;
                }
            }
        }
        let x = self.ln_dec.forward(&x)?;
        Ok(x.broadcast_matmul(&self.wte.embeddings().t()?)?) // (B, T, C) @ (C, V) -> (B, T, V)
    }

    /// Teacher-forced logits: encode `src`, decode `tgt`.
    ///
    /// # Shapes
    /// src: (B, S), tgt: (B, T) → (B, T, V)
    pub fn forward(&self, src: &Tensor, tgt: &Tensor) -> Result<Tensor> {
        let memory = self.encode(src, None)?;
        self.decode(tgt, &memory, None, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, check_close, Params, Tolerance};
    use candle_core::{Device, IndexOp};

    fn model() -> (Params, EncoderDecoder) {
        let p = Params::new(5);
        let cfg =
            EncoderDecoderConfig { vocab: 20, width: 32, heads: 4, encoder_layers: 2, decoder_layers: 2, hidden: 64 };
        (p.clone(), EncoderDecoder::new(cfg, p.var_builder(&Device::Cpu)).unwrap())
    }

    fn ids(v: &[u32]) -> Tensor {
        Tensor::new(v, &Device::Cpu).unwrap().unsqueeze(0).unwrap()
    }

    #[test]
    fn decoder_is_causal_and_reads_the_source() {
        let (_, m) = model();
        let src = ids(&[3, 4, 5]);
        let a = m.forward(&src, &ids(&[1, 2, 3, 4])).unwrap();
        let b = m.forward(&src, &ids(&[1, 2, 9, 9])).unwrap();
        assert_close(&a.i((.., ..2)).unwrap(), &b.i((.., ..2)).unwrap(), Tolerance::F32);
        let c = m.forward(&ids(&[3, 4, 6]), &ids(&[1, 2, 3, 4])).unwrap();
        assert!(
            check_close(&a.i((.., 0)).unwrap(), &c.i((.., 0)).unwrap(), Tolerance::F32).is_err(),
            "source must matter"
        );
    }

    #[test]
    fn cached_decoding_equals_teacher_forcing() {
        let (_, m) = model();
        let src = ids(&[3, 4, 5, 6]);
        let tgt = [1u32, 7, 8, 2, 9];
        let full = m.forward(&src, &ids(&tgt)).unwrap();
        let memory = m.encode(&src, None).unwrap();
        let mut caches = m.new_caches();
        let steps: Vec<Tensor> =
            (0..tgt.len()).map(|t| m.decode(&ids(&tgt[t..t + 1]), &memory, None, Some(&mut caches)).unwrap()).collect();
        assert_close(&Tensor::cat(&steps, 1).unwrap(), &full, Tolerance::new(1e-4, 1e-4));
    }

    #[test]
    fn every_parameter_receives_a_gradient() {
        let (p, m) = model();
        let logits = m.forward(&ids(&[3, 4, 5]), &ids(&[1, 2, 3])).unwrap();
        let loss = candle_nn::loss::cross_entropy(
            &logits.squeeze(0).unwrap(),
            &Tensor::new(&[2u32, 3, 4], &Device::Cpu).unwrap(),
        )
        .unwrap();
        let grads = loss.backward().unwrap();
        for (name, v) in p.named_vars() {
            assert!(grads.get(&v).is_some(), "no gradient for {name}");
        }
    }
}
