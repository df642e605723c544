//! Emergence as a property of the metric (Schaeffer, Miranda & Koyejo 2023, "Are emergent
//! abilities of large language models a mirage?").
//!
//! Score a family of models on multi-digit addition two ways. Per-token accuracy p (each answer
//! digit right given the true digits before it) rises smoothly with scale. Exact match (every
//! one of the L answer digits right) is close to p^L when errors are spread out, so it stays
//! near 0 while p climbs and then shoots up: L = 5 and p = 0.5, 0.8, 0.95 give 0.03, 0.33, 0.77.
//! The abrupt "emergence" is the metric's non-linearity, not a change in the models.
//!
//! Teacher-forced exact match equals greedy-decoding exact match: if every answer token is the
//! arg-max given the true prefix, greedy decoding reproduces that prefix token by token.

use super::addition::Batch;
use crate::Result;
use candle_core::{DType, Tensor, D};

/// The scores of one model on one batch.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Scores {
    /// Share of answer digits predicted right (teacher-forced).
    pub token_accuracy: f64,
    /// Share of problems with every answer digit right.
    pub exact_match: f64,
    /// Mean log-probability of the answer digits (nats, ≤ 0): a continuous score.
    pub logprob: f64,
}

/// Scores next-token `logits` (B, T, V) of `batch` (see [`super::addition::batch`]).
///
/// # Errors
/// Tensor errors for mismatched shapes.
pub fn score(logits: &Tensor, batch: &Batch) -> Result<Scores> {
    let n_answer = batch.answer_len;
    let t = logits.dim(1)?;
    let answer_logits = logits.narrow(1, t - n_answer, n_answer)?; // (B, L, V)
    let targets = batch.target.narrow(1, t - n_answer, n_answer)?.contiguous()?; // (B, L)
    let hits = answer_logits.argmax(D::Minus1)?.eq(&targets)?.to_dtype(DType::F32)?; // (B, L)
    let token_accuracy = f64::from(hits.mean_all()?.to_scalar::<f32>()?);
    let all_right = hits.min(1)?; // (B,) 1 only if every digit is right
    let exact_match = f64::from(all_right.mean_all()?.to_scalar::<f32>()?);
    let logp = candle_nn::ops::log_softmax(&answer_logits, D::Minus1)?;
    let picked = logp.gather(&targets.unsqueeze(D::Minus1)?, D::Minus1)?; // (B, L, 1)
    let logprob = f64::from(picked.mean_all()?.to_scalar::<f32>()?);
    Ok(Scores { token_accuracy, exact_match, logprob })
}

/// The share of problems with each answer digit right (teacher-forced), in the order the
/// answer is written: where in the answer a model's errors sit.
///
/// # Shapes
/// logits: (B, T, V) → batch.answer_len values
///
/// # Errors
/// Tensor errors for mismatched shapes.
pub fn digit_accuracy(logits: &Tensor, batch: &Batch) -> Result<Vec<f64>> {
    let n_answer = batch.answer_len;
    let t = logits.dim(1)?;
    let pred = logits.narrow(1, t - n_answer, n_answer)?.argmax(D::Minus1)?; // (B, L)
    let targets = batch.target.narrow(1, t - n_answer, n_answer)?.contiguous()?; // (B, L)
    let hits = pred.eq(&targets)?.to_dtype(DType::F32)?.mean(0)?; // (L,)
    Ok(hits.to_vec1::<f32>()?.into_iter().map(f64::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generalization::addition::batch;
    use crate::nn::Rng;
    use candle_core::Device;

    #[test]
    fn exact_match_needs_every_digit_and_token_accuracy_counts_each() {
        let dev = Device::Cpu;
        let b = batch(2, 1, false, &mut Rng::new(3), &dev).unwrap(); // T = 5, answer = last 2 positions
        let y = b.target.to_vec2::<u32>().unwrap();
        // Logits that put 10.0 on the target everywhere, except problem 1's last digit.
        let mut l = vec![0f32; 2 * 5 * 12];
        for i in 0..2 {
            for t in 0..5 {
                let mut right = y[i][t] as usize;
                if i == 1 && t == 4 {
                    right = (right + 1) % 10;
                }
                l[(i * 5 + t) * 12 + right] = 10.0;
            }
        }
        let logits = Tensor::from_vec(l, (2, 5, 12), &dev).unwrap();
        let s = score(&logits, &b).unwrap();
        assert_eq!(s.token_accuracy, 0.75);
        assert_eq!(s.exact_match, 0.5);
        assert!(s.logprob < 0.0);
        assert_eq!(digit_accuracy(&logits, &b).unwrap(), [1.0, 0.5], "only the last digit of one problem is wrong");
    }
}
