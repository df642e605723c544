//! Most-recent recall: a stream of letters and filler tokens with query tokens sprinkled in;
//! after each query the answer is the most recent letter.
//!
//! The answer is always nearby (letters are frequent), so the rule "find the nearest letter
//! before me" is the same at every absolute position. A model that learned it through relative
//! distance keeps working on longer sequences; one that learned it through absolute positions
//! seen in training does not. Order matters, so a model with no position information at all
//! can only guess among the letters it has seen.

use crate::nn::Rng;
use crate::{Error, Result};
use candle_core::{Device, Tensor};

/// Token layout of the task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecencyTask {
    /// Letters are tokens `0..letters`, e.g. 8.
    pub letters: usize,
    /// Fillers are the next `fillers` tokens, e.g. 6; the query token comes last.
    pub fillers: usize,
    /// Probability that a position is a letter, e.g. 0.25.
    pub p_letter: f64,
    /// Probability that a position (after a letter has appeared) is a query, e.g. 0.15.
    pub p_query: f64,
}

impl RecencyTask {
    /// Vocabulary size: letters, fillers and the query token.
    pub fn vocab(&self) -> usize {
        self.letters + self.fillers + 1
    }

    fn query(&self) -> u32 {
        (self.letters + self.fillers) as u32
    }
}

/// A batch for next-token prediction on the task.
#[derive(Debug, Clone)]
pub struct RecencyBatch {
    /// Input tokens, (B, T) u32.
    pub inputs: Tensor,
    /// Next-token targets, (B, T) u32.
    pub targets: Tensor,
    /// 1.0 where the input is a query (the next token is determined), else 0.0; (B, T) f32.
    pub mask: Tensor,
}

/// `batch` sequences of `len` inputs.
pub fn recency_batch(
    rng: &mut Rng,
    task: RecencyTask,
    batch: usize,
    len: usize,
    device: &Device,
) -> Result<RecencyBatch> {
    if task.letters < 2 || task.fillers < 1 || !(0.0..1.0).contains(&(task.p_letter + task.p_query)) {
        return Err(Error::Config(format!(
            "recency task needs ≥ 2 letters, ≥ 1 filler and p_letter + p_query < 1: {task:?}"
        )));
    }
    let (mut inputs, mut targets, mut mask) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..batch {
        let mut s: Vec<u32> = Vec::with_capacity(len + 1);
        let mut last_letter: Option<u32> = None;
        let mut answers = vec![false; len + 1]; // answers[i]: s[i] is the answer to a query at i − 1
        while s.len() < len + 1 {
            let i = s.len();
            if i > 0 && s[i - 1] == task.query() {
                s.push(last_letter.expect("a query follows a letter")); // the answer
                answers[i] = true;
                continue;
            }
            let u = rng.uniform();
            let tok = if u < task.p_letter {
                let l = rng.below(task.letters) as u32;
                last_letter = Some(l);
                l
            } else if u < task.p_letter + task.p_query && last_letter.is_some() && i < len {
                task.query()
            } else {
                (task.letters + rng.below(task.fillers)) as u32
            };
            s.push(tok);
        }
        inputs.extend_from_slice(&s[..len]);
        targets.extend_from_slice(&s[1..]);
        mask.extend((1..=len).map(|i| if answers[i] { 1f32 } else { 0.0 }));
    }
    Ok(RecencyBatch {
        inputs: Tensor::from_vec(inputs, (batch, len), device)?,
        targets: Tensor::from_vec(targets, (batch, len), device)?,
        mask: Tensor::from_vec(mask, (batch, len), device)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TASK: RecencyTask = RecencyTask { letters: 4, fillers: 3, p_letter: 0.25, p_query: 0.15 };

    #[test]
    fn every_masked_target_is_the_latest_letter_before_the_query() {
        let b = recency_batch(&mut Rng::new(0), TASK, 8, 64, &Device::Cpu).unwrap();
        let (x, y, m) =
            (b.inputs.to_vec2::<u32>().unwrap(), b.targets.to_vec2::<u32>().unwrap(), b.mask.to_vec2::<f32>().unwrap());
        let mut queries = 0;
        for r in 0..8 {
            for t in 0..64 {
                let is_query = x[r][t] == 7;
                assert_eq!(m[r][t] == 1.0, is_query, "mask marks exactly the queries");
                if is_query {
                    queries += 1;
                    let latest = x[r][..t].iter().rev().find(|&&v| v < 4).expect("a letter came first");
                    assert_eq!(y[r][t], *latest);
                }
            }
        }
        assert!(queries > 8 * 64 / 20, "queries are frequent: {queries}");
    }

    #[test]
    fn vocabulary_counts_letters_fillers_and_the_query() {
        assert_eq!(TASK.vocab(), 8);
        let bad = RecencyTask { p_letter: 0.9, ..TASK };
        assert!(recency_batch(&mut Rng::new(0), bad, 1, 8, &Device::Cpu).is_err());
    }
}
