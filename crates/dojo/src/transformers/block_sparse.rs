//! Block-sparse attention with the "fixed" pattern: each query sees its own block and a few
//! summary positions at the end of every earlier block.
//!
//! Paper: Child et al. 2019, "Generating Long Sequences with Sparse Transformers",
//! arXiv:1904.10509, section 4.2 ("fixed" attention).
//! Builds on [`super::attention`]: each query block runs ordinary softmax attention over the
//! keys the pattern allows, gathered into one small matrix.
//! Left out on purpose: the strided pattern, and splitting the pattern across heads.
//!
//! Rule (causal), with block length l and c summary columns per block: query i in block
//! ⌊i / l⌋ may see key j ≤ i when j is in the same block, or when j is one of the last c
//! positions of its own block (j mod l ≥ l − c). Information from far away flows through the
//! summary positions, so two layers connect any pair; per query the cost is l + c·T/l, which
//! is O(T·√T) overall for l ≈ √T.

use super::attention::{scaled_dot_product_attention, AttentionKernel};
use crate::{Error, Result};
use candle_core::{Tensor, D};

/// The fixed block-sparse pattern.
#[derive(Debug, Clone, Copy)]
pub struct BlockSparse {
    /// Block length l, e.g. 64.
    pub block: usize,
    /// Summary positions per block c, e.g. 8 (1 ≤ c ≤ l).
    pub summary: usize,
}

impl BlockSparse {
    /// Whether query i may attend to key j.
    pub fn allowed(&self, i: usize, j: usize) -> bool {
        j <= i && (j / self.block == i / self.block || j % self.block >= self.block - self.summary)
    }
}

impl AttentionKernel for BlockSparse {
    fn name(&self) -> String {
        format!("block-sparse (l={}, c={})", self.block, self.summary)
    }

    /// # Shapes
    /// q, k, v: (B, H, T, D) → (B, H, T, D)
    fn forward(&self, q: &Tensor, k: &Tensor, v: &Tensor) -> Result<Tensor> {
        let (l, c) = (self.block, self.summary);
        if l == 0 || c == 0 || c > l {
            return Err(Error::Config(format!("block-sparse needs 1 ≤ summary ≤ block, got l={l}, c={c}")));
        }
        let t = q.dim(2)?;
        let mut outs = Vec::new();
        for a in (0..t).step_by(l) {
            let e = (a + l).min(t);
            // Keys: the summary positions of every earlier block, then this whole block.
            let mut keys: Vec<u32> = (0..a).filter(|j| j % l >= l - c).map(|j| j as u32).collect();
            keys.extend((a..e).map(|j| j as u32));
            let idx = Tensor::new(keys.as_slice(), q.device())?;
            let kb = k.index_select(&idx, 2)?; // (B, H, n_keys, D), n_keys = c·(a / l) + (e − a)
            let vb = v.index_select(&idx, 2)?;
            let mask: Vec<f32> = (a..e)
                .flat_map(|i| keys.iter().map(move |&j| (i, j as usize)))
                .map(|(i, j)| if self.allowed(i, j) { 0.0 } else { f32::NEG_INFINITY })
                .collect();
            let mask = Tensor::from_vec(mask, (e - a, keys.len()), q.device())?;
            outs.push(scaled_dot_product_attention(&q.narrow(2, a, e - a)?, &kb, &vb, Some(&mask))?);
        }
        Ok(Tensor::cat(&outs, D::Minus2)?) // (B, H, T, D)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Rng, Tolerance};
    use crate::transformers::attention::{mask_from, FullAttention};
    use candle_core::Device;

    #[test]
    fn equals_dense_attention_with_the_same_mask() {
        let dev = Device::Cpu;
        for (t, l, c) in [(16, 4, 1), (13, 4, 2), (10, 3, 3), (5, 8, 2)] {
            let mut r = Rng::new(t as u64);
            let (q, k, v) = (
                r.randn((1, 2, t, 4), 1.0, &dev).unwrap(),
                r.randn((1, 2, t, 4), 1.0, &dev).unwrap(),
                r.randn((1, 2, t, 4), 1.0, &dev).unwrap(),
            );
            let bs = BlockSparse { block: l, summary: c };
            let mask = mask_from(t, &dev, |i, j| bs.allowed(i, j)).unwrap();
            let dense = scaled_dot_product_attention(&q, &k, &v, Some(&mask)).unwrap();
            assert_close(&bs.forward(&q, &k, &v).unwrap(), &dense, Tolerance::F32);
            if c == l {
                // Every position is a summary: the pattern is full causal attention.
                assert_close(&dense, &FullAttention { causal: true }.forward(&q, &k, &v).unwrap(), Tolerance::F32);
            }
        }
    }

    #[test]
    fn pattern_hand_checked() {
        // l = 4, c = 1: query 9 (block 2) sees 8, 9 (own block) and 3, 7 (summaries of blocks 0, 1).
        let bs = BlockSparse { block: 4, summary: 1 };
        let seen: Vec<usize> = (0..16).filter(|&j| bs.allowed(9, j)).collect();
        assert_eq!(seen, [3, 7, 8, 9]);
    }
}
