//! Next-token prediction: the pretraining objective of decoder-only models (GPT).
//!
//! Paper: Radford et al. 2018, "Improving Language Understanding by Generative Pre-Training"
//! (section 3.1). For a window x₀ … x_T of a token stream, the inputs are x₀ … x_{T−1}, the
//! targets x₁ … x_T, and with a causal mask every position is a training example:
//!
//!   L = −(1/T) Σ_{t=0}^{T−1} log p(x_{t+1} | x₀ … x_t)
//!
//! so one window of T + 1 tokens gives T predictions. Windows are drawn at random offsets of
//! the stream; the offset of example i of step s comes from `Rng::new(seed).fork(…)` of (s, i),
//! so a batch depends only on its step (what the trainer's resume needs).

use super::trainer::Objective;
use crate::nn::{masked_cross_entropy, Rng};
use crate::transformers::gpt::Gpt;
use crate::{Error, Result};
use candle_core::{DType, Device, Tensor, D};

/// Random windows of a token stream, as (inputs, targets) batches.
#[derive(Debug, Clone)]
pub struct Windows {
    tokens: Vec<u32>,
    /// T: predictions per window, e.g. 64.
    pub seq_len: usize,
    seed: u64,
}

impl Windows {
    /// Windows of `seq_len` + 1 tokens from `tokens`.
    pub fn new(tokens: Vec<u32>, seq_len: usize, seed: u64) -> Result<Self> {
        if seq_len == 0 || tokens.len() < seq_len + 1 {
            return Err(Error::Config(format!(
                "need at least seq_len + 1 = {} tokens, got {}",
                seq_len + 1,
                tokens.len()
            )));
        }
        Ok(Self { tokens, seq_len, seed })
    }

    /// Batch `key` (e.g. step · accum + micro) of `batch` windows.
    ///
    /// # Shapes
    /// → (inputs (B, T) u32, targets (B, T) u32)
    pub fn batch(&self, key: u64, batch: usize, dev: &Device) -> Result<(Tensor, Tensor)> {
        let t = self.seq_len;
        let mut rng = Rng::new(self.seed).fork(key);
        let (mut x, mut y) = (Vec::with_capacity(batch * t), Vec::with_capacity(batch * t));
        for _ in 0..batch {
            let start = rng.below(self.tokens.len() - t); // window [start, start + T]
            x.extend_from_slice(&self.tokens[start..start + t]);
            y.extend_from_slice(&self.tokens[start + 1..start + t + 1]); // shifted by one
        }
        Ok((Tensor::from_vec(x, (batch, t), dev)?, Tensor::from_vec(y, (batch, t), dev)?))
    }

    /// Every non-overlapping window in order (for a deterministic validation loss).
    pub fn sequential(&self, max_windows: usize, dev: &Device) -> Result<(Tensor, Tensor)> {
        let t = self.seq_len;
        let n = ((self.tokens.len() - 1) / t).min(max_windows).max(1);
        let x: Vec<u32> = (0..n).flat_map(|i| self.tokens[i * t..i * t + t].to_vec()).collect();
        let y: Vec<u32> = (0..n).flat_map(|i| self.tokens[i * t + 1..i * t + t + 1].to_vec()).collect();
        Ok((Tensor::from_vec(x, (n, t), dev)?, Tensor::from_vec(y, (n, t), dev)?))
    }
}

/// The mean next-token loss of `gpt` on a batch (nats per token).
///
/// # Shapes
/// x, y: (B, T) u32 → scalar
pub fn loss(gpt: &Gpt, x: &Tensor, y: &Tensor) -> Result<Tensor> {
    let logits = gpt.forward(x, None)?; // (B, T) -> (B, T, V)
    masked_cross_entropy(&logits, y, &Tensor::ones(y.dims(), DType::F32, y.device())?)
}

/// [`loss`] on a fixed (inputs, targets) batch, as a number: what evaluations report.
pub fn batch_loss(gpt: &Gpt, batch: &(Tensor, Tensor)) -> Result<f64> {
    Ok(f64::from(loss(gpt, &batch.0, &batch.1)?.to_scalar::<f32>()?))
}

/// Next-token training of a GPT on a stream: random windows per step, and the loss on a fixed
/// validation batch (`val_loss`) at each evaluation.
pub struct NextToken<'a> {
    /// The model being trained.
    pub gpt: &'a Gpt,
    /// Where training windows come from.
    pub train: Windows,
    /// Windows per micro-batch B, e.g. 16.
    pub batch: usize,
    /// Validation (inputs, targets), e.g. from [`Windows::sequential`]; None = no evaluation.
    pub val: Option<(Tensor, Tensor)>,
}

impl Objective for NextToken<'_> {
    fn loss(&mut self, step: usize, micro: usize) -> Result<Tensor> {
        let dev = self.gpt.device();
        let (x, y) = self.train.batch((step as u64) << 8 | micro as u64, self.batch, &dev)?;
        loss(self.gpt, &x, &y)
    }

    fn evaluate(&mut self, _step: usize) -> Result<Vec<(String, f64)>> {
        match &self.val {
            Some(val) => Ok(vec![("val_loss".into(), batch_loss(self.gpt, val)?)]),
            None => Ok(Vec::new()),
        }
    }
}

/// log p(continuation | prefix) summed over the continuation's tokens, for each continuation:
/// how a language model answers a multiple-choice question (pick the argmax). All choices run
/// as one batch, right-padded; padding comes after every scored token, so under the causal mask
/// it changes nothing.
///
/// # Shapes
/// prefix: P tokens, continuations: N lists → N log-probabilities
pub fn continuation_logprobs(gpt: &Gpt, prefix: &[u32], continuations: &[Vec<u32>]) -> Result<Vec<f64>> {
    if prefix.is_empty() || continuations.iter().any(Vec::is_empty) {
        return Err(Error::Config("prefix and every continuation need at least one token".into()));
    }
    let p = prefix.len();
    let t = p + continuations.iter().map(Vec::len).max().unwrap_or(0) - 1; // inputs exclude the last token
    let rows: Vec<u32> = continuations
        .iter()
        .flat_map(|c| {
            let mut r: Vec<u32> = prefix.iter().chain(c).copied().collect();
            r.truncate(t);
            r.resize(t, 0);
            r
        })
        .collect();
    let x = Tensor::from_vec(rows, (continuations.len(), t), &gpt.device())?;
    let logp = candle_nn::ops::log_softmax(&gpt.forward(&x, None)?, D::Minus1)?.to_vec3::<f32>()?; // (N, T, V)
    Ok(continuations
        .iter()
        .zip(&logp)
        .map(|(c, lp)| c.iter().enumerate().map(|(j, &tok)| f64::from(lp[p - 1 + j][tok as usize])).sum())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_inputs_shifted_by_one_and_batches_depend_only_on_their_key() {
        let w = Windows::new((0..100).collect(), 8, 5).unwrap();
        let (x, y) = w.batch(3, 4, &Device::Cpu).unwrap();
        let (x, y) = (x.to_vec2::<u32>().unwrap(), y.to_vec2::<u32>().unwrap());
        for (xr, yr) in x.iter().zip(&y) {
            for t in 0..8 {
                assert_eq!(yr[t], xr[t] + 1); // the stream is 0, 1, 2, …
            }
        }
        let (x2, _) = w.batch(3, 4, &Device::Cpu).unwrap();
        assert_eq!(x2.to_vec2::<u32>().unwrap(), x);
        let (x3, _) = w.batch(4, 4, &Device::Cpu).unwrap();
        assert_ne!(x3.to_vec2::<u32>().unwrap(), x);
        assert!(Windows::new(vec![1, 2], 2, 0).is_err());
        let (sx, sy) = w.sequential(100, &Device::Cpu).unwrap();
        assert_eq!(sx.dims(), [12, 8]); // ⌊99 / 8⌋ windows
        assert_eq!(sy.to_vec2::<u32>().unwrap()[11][7], 96);
    }

    #[test]
    fn continuation_logprobs_equal_the_log_probs_of_full_sequences() {
        use crate::transformers::gpt::GptConfig;
        let dev = Device::Cpu;
        let gpt =
            Gpt::new(GptConfig { max_len: 16, ..GptConfig::tiny(9) }, crate::nn::Params::new(1).var_builder(&dev))
                .unwrap();
        let got = continuation_logprobs(&gpt, &[1, 2], &[vec![3], vec![4, 5, 6]]).unwrap();
        // By hand for [1, 2, 4, 5, 6]: log p(4|1 2) + log p(5|1 2 4) + log p(6|1 2 4 5).
        let x = Tensor::new(&[[1u32, 2, 4, 5]], &dev).unwrap();
        let lp =
            candle_nn::ops::log_softmax(&gpt.forward(&x, None).unwrap(), D::Minus1).unwrap().to_vec3::<f32>().unwrap();
        let want = f64::from(lp[0][1][4] + lp[0][2][5] + lp[0][3][6]);
        assert!((got[1] - want).abs() < 1e-5, "{got:?} vs {want}");
        assert!(got[0] < 0.0 && continuation_logprobs(&gpt, &[], &[vec![1]]).is_err());
    }
}
