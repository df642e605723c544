//! The synthetic tasks that separate sequence mixers: selective copying (Mamba) and
//! associative recall (H3). Each example is an input sequence, a target per position and a mask
//! saying which positions are scored.
//!
//! - **Selective copying** (Gu & Dao 2023, arXiv:2312.00752, §4.1.1): K data tokens are
//!   scattered at random positions through a region of L blanks, then K marker tokens ask for
//!   them back in order. The data's *positions* vary, so a fixed (time-invariant) filter cannot
//!   know where to look: the model must decide per token what to keep — selection. (The plain
//!   copying task, with fixed positions, is solvable by a convolution.)
//!
//!   ```text
//!   input:   _ a _ _ b _ c _ _ d _ _ ▸ ▸ ▸ ▸
//!   target:                          a b c d
//!   ```
//!
//! - **Associative recall** (Fu et al. 2023, H3, arXiv:2212.14052; multi-query as in Arora et
//!   al. 2023, "Zoology", arXiv:2312.04927): P key–value pairs, then Q of the keys again; at each
//!   query the model must output that key's value. It needs a lookup by content, what attention
//!   does with an induction head; a fixed state must hold all P pairs at once.
//!
//!   ```text
//!   input:   k₃ v₇ k₁ v₂ k₉ v₄ … k₁ k₉
//!   target:                      v₂ v₄
//!   ```
//!
//! Token ids: selective copying uses 0 = blank, 1 = marker, 2 … 2 + V − 1 = data; associative
//! recall uses 0 … K − 1 for keys and K … K + V − 1 for values.

use crate::nn::Rng;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// A synthetic sequence task: a vocabulary, a fixed length and a generator of batches.
pub trait Task {
    /// Checks the task's sizes.
    fn validate(&self) -> Result<()>;
    /// The model's vocabulary size.
    fn vocab_size(&self) -> usize;
    /// The sequence length T.
    fn seq_len(&self) -> usize;
    /// `n` examples drawn with `rng`.
    fn batch(&self, n: usize, rng: &mut Rng) -> Batch;
}

/// A batch: inputs and targets (B × T) and the scored positions.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Input token ids, B rows of T.
    pub inputs: Vec<Vec<u32>>,
    /// Target id per position (0 where not scored), B rows of T.
    pub targets: Vec<Vec<u32>>,
    /// 1 where the position is scored, B rows of T.
    pub mask: Vec<Vec<f32>>,
}

/// Selective copying: `data` tokens among `region` positions, then `data` markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectiveCopying {
    /// Region length L (blanks plus data).
    pub region: usize,
    /// Data tokens to copy K.
    pub data: usize,
    /// Distinct data tokens V.
    pub vocab: usize,
}

impl Task for SelectiveCopying {
    /// Checks K ≤ L and a non-empty vocabulary.
    fn validate(&self) -> Result<()> {
        if self.data == 0 || self.data > self.region || self.vocab == 0 {
            return Err(Error::Config(format!(
                "selective copying: needs 1 ≤ data ≤ region and vocab ≥ 1; got data {}, region {}, vocab {}",
                self.data, self.region, self.vocab
            )));
        }
        Ok(())
    }

    /// The model's vocabulary: blank, marker and the data tokens.
    fn vocab_size(&self) -> usize {
        self.vocab + 2
    }

    /// Sequence length L + K.
    fn seq_len(&self) -> usize {
        self.region + self.data
    }

    /// `n` examples.
    fn batch(&self, n: usize, rng: &mut Rng) -> Batch {
        let (l, k) = (self.region, self.data);
        let mut out = Batch { inputs: Vec::new(), targets: Vec::new(), mask: Vec::new() };
        for _ in 0..n {
            let mut positions: Vec<usize> = (0..l).collect();
            rng.shuffle(&mut positions);
            let mut chosen = positions[..k].to_vec();
            chosen.sort_unstable();
            let mut input = vec![0u32; l + k];
            let mut target = vec![0u32; l + k];
            let mut mask = vec![0f32; l + k];
            for (i, &p) in chosen.iter().enumerate() {
                let token = 2 + rng.below(self.vocab) as u32;
                input[p] = token;
                input[l + i] = 1;
                target[l + i] = token;
                mask[l + i] = 1.0;
            }
            out.inputs.push(input);
            out.targets.push(target);
            out.mask.push(mask);
        }
        out
    }
}

/// Multi-query associative recall: `pairs` distinct keys with random values, then `queries` of
/// those keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssociativeRecall {
    /// Key–value pairs P.
    pub pairs: usize,
    /// Queries Q (each a key from the pairs).
    pub queries: usize,
    /// Distinct keys K (≥ P: keys in a sequence are distinct).
    pub keys: usize,
    /// Distinct values V.
    pub values: usize,
}

impl Task for AssociativeRecall {
    /// Checks P ≤ K, and that every count is at least 1.
    fn validate(&self) -> Result<()> {
        if self.pairs == 0 || self.queries == 0 || self.values == 0 || self.pairs > self.keys {
            return Err(Error::Config(format!(
                "associative recall: needs 1 ≤ pairs ≤ keys, queries ≥ 1, values ≥ 1; got pairs {}, keys {}, queries {}, values {}",
                self.pairs, self.keys, self.queries, self.values
            )));
        }
        Ok(())
    }

    /// The model's vocabulary: keys, then values.
    fn vocab_size(&self) -> usize {
        self.keys + self.values
    }

    /// Sequence length 2P + Q.
    fn seq_len(&self) -> usize {
        2 * self.pairs + self.queries
    }

    /// `n` examples.
    fn batch(&self, n: usize, rng: &mut Rng) -> Batch {
        let (p, q) = (self.pairs, self.queries);
        let mut out = Batch { inputs: Vec::new(), targets: Vec::new(), mask: Vec::new() };
        for _ in 0..n {
            let mut keys: Vec<u32> = (0..self.keys as u32).collect();
            rng.shuffle(&mut keys);
            let values: Vec<u32> = (0..p).map(|_| (self.keys + rng.below(self.values)) as u32).collect();
            let mut input = Vec::with_capacity(2 * p + q);
            for i in 0..p {
                input.extend([keys[i], values[i]]);
            }
            let mut target = vec![0u32; 2 * p];
            let mut mask = vec![0f32; 2 * p];
            for _ in 0..q {
                let i = rng.below(p);
                input.push(keys[i]);
                target.push(values[i]);
                mask.push(1.0);
            }
            out.inputs.push(input);
            out.targets.push(target);
            out.mask.push(mask);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selective_copying_asks_for_the_data_in_order() {
        let task = SelectiveCopying { region: 12, data: 4, vocab: 8 };
        task.validate().unwrap();
        let b = task.batch(50, &mut Rng::new(0));
        for ((input, target), mask) in b.inputs.iter().zip(&b.targets).zip(&b.mask) {
            assert_eq!(input.len(), 16);
            let data: Vec<u32> = input[..12].iter().copied().filter(|&t| t >= 2).collect();
            assert_eq!(data.len(), 4);
            assert_eq!(&input[12..], &[1, 1, 1, 1]);
            assert_eq!(&target[12..], data.as_slice());
            assert_eq!(mask.iter().sum::<f32>(), 4.0);
        }
        // The data's positions vary between examples: that is what makes it selective.
        let first: Vec<usize> = b.inputs.iter().map(|s| s.iter().position(|&t| t >= 2).unwrap()).collect();
        assert!(first.iter().any(|&p| p != first[0]));
        assert!(SelectiveCopying { region: 3, data: 4, vocab: 8 }.validate().is_err());
    }

    #[test]
    fn associative_recall_queries_name_their_values() {
        let task = AssociativeRecall { pairs: 6, queries: 3, keys: 10, values: 10 };
        task.validate().unwrap();
        let b = task.batch(50, &mut Rng::new(1));
        for ((input, target), mask) in b.inputs.iter().zip(&b.targets).zip(&b.mask) {
            assert_eq!(input.len(), 15);
            let pairs: Vec<(u32, u32)> = input[..12].chunks(2).map(|c| (c[0], c[1])).collect();
            assert!(pairs.iter().all(|&(k, v)| k < 10 && (10..20).contains(&v)));
            for pos in 12..15 {
                let value = pairs.iter().find(|(k, _)| *k == input[pos]).map(|p| p.1);
                assert_eq!(value, Some(target[pos]));
                assert_eq!(mask[pos], 1.0);
            }
            let mut keys: Vec<u32> = pairs.iter().map(|p| p.0).collect();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), 6, "keys are distinct");
        }
        assert!(AssociativeRecall { pairs: 11, queries: 1, keys: 10, values: 4 }.validate().is_err());
    }
}
