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

use crate::nn::Rng;
use crate::{Error, Result};
use candle_core::{Device, Tensor};

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
}
