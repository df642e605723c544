//! Multi-token prediction: k output heads on one trunk, head j predicting the token j places
//! ahead; at inference the extra heads draft tokens that the next-token head then verifies.
//!
//! Papers: Gloeckle et al. 2024, "Better & Faster Large Language Models via Multi-token
//! Prediction", arXiv:2404.19737 (this file's **parallel-heads** form: a shared trunk, one
//! transformer block per head, shared unembedding); Stern et al. 2018, "Blockwise Parallel
//! Decoding" (the draft-and-verify loop). DeepSeek-V3 uses a *sequential* variant instead,
//! where head j also sees the embedding of token t + j − 1, keeping the causal chain.
//! Builds on [`super::gpt`] (the trunk) and [`super::block`] (the heads).
//! Left out on purpose: KV caching inside the speculative loop (each step recomputes the
//! context, which is simple and exact).
//!
//! Training loss: L = (1/k) Σⱼ CE(headⱼ(h_t), x_{t+j}),  j = 1 … k.
//! Head 1 is an ordinary next-token predictor; the others are extra supervision that, the
//! paper argues, pushes the trunk to plan ahead, and that can be dropped or used as a draft.

use super::attention::causal_mask;
use super::block::Block;
use super::gpt::{Gpt, GptConfig};
use crate::{Error, Result};
use candle_core::{Device, IndexOp, Tensor, D};
use candle_nn::VarBuilder;

/// A trunk with k prediction heads. Names: `trunk.…`, `heads.<j>.…`.
#[derive(Debug, Clone)]
pub struct MultiTokenPredictor {
    /// The shared decoder (its final norm and unembedding are shared by all heads).
    pub trunk: Gpt,
    /// One block per head; `heads[j]` predicts the token j + 1 places ahead.
    pub heads: Vec<Block>,
    device: Device,
}

/// Statistics of one speculative generation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpeculativeStats {
    /// Forward passes of the model.
    pub forwards: usize,
    /// Tokens generated.
    pub tokens: usize,
    /// Draft tokens proposed by heads 2 … k.
    pub drafted: usize,
    /// Of those, accepted by the next-token head.
    pub accepted: usize,
}

impl MultiTokenPredictor {
    /// A trunk of `cfg` and `k` heads under `vb`.
    pub fn new(cfg: GptConfig, k: usize, vb: VarBuilder) -> Result<Self> {
        if k == 0 {
            return Err(Error::Config("multi-token prediction needs at least one head".into()));
        }
        let block = cfg.block(); // each head is one more trunk-style block
        Ok(Self {
            trunk: Gpt::new(cfg, vb.pp("trunk"))?,
            heads: (0..k).map(|j| Block::new(block, vb.pp(format!("heads.{j}")))).collect::<Result<_>>()?,
            device: vb.device().clone(),
        })
    }

    /// Logits of every head at every position: entry j predicts x_{t+j+1} from x_{≤t}.
    ///
    /// # Shapes
    /// ids: (B, T) → k × (B, T, V)
    pub fn forward(&self, ids: &Tensor) -> Result<Vec<Tensor>> {
        let h = self.trunk.hidden(ids, None)?; // (B, T, C)
        let mask = causal_mask(ids.dim(1)?, ids.dim(1)?, ids.device())?;
        self.heads.iter().map(|head| self.trunk.logits(&head.forward(&h, Some(&mask), None, None)?)).collect()
    }

    /// The mean cross-entropy over heads, and each head's, for a stream of T + k tokens: the
    /// model reads the first T, head j is scored on tokens j + 1 … j + T.
    ///
    /// # Shapes
    /// stream: (B, T + k) u32 → (scalar, k values)
    pub fn loss(&self, stream: &Tensor) -> Result<(Tensor, Vec<f64>)> {
        let k = self.heads.len();
        let t = stream.dim(1)? - k;
        let logits = self.forward(&stream.narrow(1, 0, t)?)?;
        let mut per_head = Vec::with_capacity(k);
        let mut total = Tensor::new(0f32, stream.device())?;
        for (j, l) in logits.iter().enumerate() {
            let (b, _, v) = l.dims3()?;
            let target = stream.narrow(1, j + 1, t)?.contiguous()?; // the token j + 1 ahead
            let ce = candle_nn::loss::cross_entropy(&l.reshape((b * t, v))?, &target.flatten_all()?)?;
            per_head.push(ce.to_scalar::<f32>()? as f64);
            total = (total + ce)?;
        }
        Ok(((total / k as f64)?, per_head))
    }

    /// Greedy generation with the next-token head only: one forward pass per token.
    pub fn greedy(&self, prompt: &[u32], n: usize) -> Result<Vec<u32>> {
        let mut ctx = prompt.to_vec();
        for _ in 0..n {
            let logits = &self.forward(&ids(&ctx, self)?)?[0];
            ctx.push(argmax_at(logits, ctx.len() - 1)?);
        }
        Ok(ctx[prompt.len()..].to_vec())
    }

    /// Self-speculative greedy generation: the heads draft k tokens at once, and the next-token
    /// head accepts the longest prefix it agrees with. The output equals [`Self::greedy`]'s
    /// (up to floating-point ties), in fewer forward passes when drafts are accepted.
    ///
    /// Each step: one forward pass over context + draft. Head 1 at the position before each
    /// draft token says what greedy decoding would put there; draft token j + 1 is accepted if it
    /// matches and all before it were accepted. The same pass gives the next draft from the last
    /// accepted position, whose hidden state depends on accepted tokens only (causality).
    pub fn speculative(&self, prompt: &[u32], n: usize) -> Result<(Vec<u32>, SpeculativeStats)> {
        let k = self.heads.len();
        let mut stats = SpeculativeStats::default();
        let mut ctx = prompt.to_vec();
        // 1) the first draft, from the prompt
        let logits = self.forward(&ids(&ctx, self)?)?;
        stats.forwards += 1;
        let mut draft: Vec<u32> = (0..k).map(|j| argmax_at(&logits[j], ctx.len() - 1)).collect::<Result<_>>()?;
        while ctx.len() - prompt.len() < n {
            // 2) verify: run context + draft; draft[0] is head 1's own greedy token, always kept
            let base = ctx.len(); // position of draft[0]
            let mut seq = ctx.clone();
            seq.extend(&draft);
            let logits = self.forward(&ids(&seq, self)?)?;
            stats.forwards += 1;
            let mut accepted = 1;
            while accepted < k && argmax_at(&logits[0], base + accepted - 1)? == draft[accepted] {
                accepted += 1;
            }
            stats.drafted += k - 1;
            stats.accepted += accepted - 1;
            let take = accepted.min(n - (ctx.len() - prompt.len()));
            ctx.extend(&draft[..take]);
            // 3) the next draft comes from the last accepted position of this same pass
            let last = base + accepted - 1;
            draft = (0..k).map(|j| argmax_at(&logits[j], last)).collect::<Result<_>>()?;
        }
        stats.tokens = ctx.len() - prompt.len();
        Ok((ctx[prompt.len()..].to_vec(), stats))
    }
}

/// `(1, T)` token tensor on the model's device.
fn ids(v: &[u32], m: &MultiTokenPredictor) -> Result<Tensor> {
    Ok(Tensor::new(v, &m.device)?.unsqueeze(0)?)
}

/// The arg-max token of batch row 0 at position `t`.
fn argmax_at(logits: &Tensor, t: usize) -> Result<u32> {
    Ok(logits.i((0, t))?.argmax(D::Minus1)?.to_scalar::<u32>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Params;

    fn model(k: usize, seed: u64) -> MultiTokenPredictor {
        let p = Params::new(seed);
        let cfg = GptConfig { width: 32, hidden: 64, max_len: 64, ..GptConfig::tiny(12) };
        MultiTokenPredictor::new(cfg, k, p.var_builder(&Device::Cpu)).unwrap()
    }

    #[test]
    fn speculative_output_equals_greedy_output() {
        for (k, seed) in [(1, 0), (2, 1), (4, 2)] {
            let m = model(k, seed);
            let prompt = [3u32, 1, 4, 1, 5];
            let greedy = m.greedy(&prompt, 20).unwrap();
            let (spec, stats) = m.speculative(&prompt, 20).unwrap();
            assert_eq!(spec, greedy, "k = {k}");
            assert_eq!(stats.tokens, 20);
            assert!(stats.forwards <= 21, "never more passes than greedy's 20 (+1 initial draft)");
            if k == 1 {
                assert_eq!(stats.drafted, 0);
            }
        }
    }

    #[test]
    fn loss_scores_head_j_on_the_token_j_ahead() {
        // A stream where token t+j is determined: the per-head losses exist and are finite.
        let m = model(3, 0);
        let stream = Tensor::new(&[[1u32, 2, 3, 4, 5, 6, 7, 8]], &Device::Cpu).unwrap();
        let (loss, per_head) = m.loss(&stream).unwrap();
        assert_eq!(per_head.len(), 3);
        let mean = per_head.iter().sum::<f64>() / 3.0;
        assert!((loss.to_scalar::<f32>().unwrap() as f64 - mean).abs() < 1e-5);
    }
}
