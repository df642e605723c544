//! Sliding-window attention with global tokens: each query sees only the last w keys, plus a
//! few global tokens everyone can see; cost T·(w + g) instead of T².
//!
//! Papers: Beltagy et al. 2020, "Longformer", arXiv:2004.05150, section 3.1; Mistral 7B
//! (Jiang et al. 2023) uses the causal window alone.
//! Builds on [`super::attention`]: each block of w queries runs ordinary softmax attention
//! over the at most 2w keys it can reach, so no T × T matrix is ever built.
//! Left out on purpose: the bidirectional (encoder) form, where the window is symmetric and
//! global tokens also attend to everything; dilation.
//!
//! Rule (causal): query i may see key j ≤ i when  i − w < j  (the window)  or  j < g  (a global
//! token). Stacking L layers widens the receptive field to about L·w.

use super::attention::{scaled_dot_product_attention, AttentionKernel};
use crate::{Error, Result};
use candle_core::{Tensor, D};

/// Causal sliding-window attention with `global` leading tokens visible to all.
#[derive(Debug, Clone, Copy)]
pub struct SlidingWindow {
    /// Window w: a query sees itself and the w − 1 keys before it, e.g. 128.
    pub window: usize,
    /// The first g tokens are global: every later query sees them, e.g. 1 (a BOS/CLS token).
    pub global: usize,
}

impl SlidingWindow {
    /// Whether query i may attend to key j.
    pub fn allowed(&self, i: usize, j: usize) -> bool {
        j <= i && (i - j < self.window || j < self.global)
    }
}

impl AttentionKernel for SlidingWindow {
    fn name(&self) -> String {
        format!("sliding window (w={}, g={})", self.window, self.global)
    }

    /// # Shapes
    /// q, k, v: (B, H, T, D) → (B, H, T, D)
    fn forward(&self, q: &Tensor, k: &Tensor, v: &Tensor) -> Result<Tensor> {
        if self.window == 0 {
            return Err(Error::Config("sliding window needs w ≥ 1".into()));
        }
        let t = q.dim(2)?;
        let w = self.window;
        let mut outs = Vec::new();
        // Blocks of w queries; block [a, e) can reach keys [a − w + 1, e), within [a − w, e).
        for a in (0..t).step_by(w) {
            let e = (a + w).min(t);
            let lo = a.saturating_sub(w); // first local key
            let g = self.global.min(lo); // global keys not already in the local range
            let mut keys: Vec<usize> = (0..g).collect();
            keys.extend(lo..e);
            let (kb, vb) = if g > 0 {
                (
                    Tensor::cat(&[k.narrow(2, 0, g)?, k.narrow(2, lo, e - lo)?], 2)?, // (B, H, g + e − lo, D)
                    Tensor::cat(&[v.narrow(2, 0, g)?, v.narrow(2, lo, e - lo)?], 2)?,
                )
            } else {
                (k.narrow(2, lo, e - lo)?, v.narrow(2, lo, e - lo)?) // (B, H, e − lo, D)
            };
            let mask: Vec<f32> = (a..e)
                .flat_map(|i| keys.iter().map(move |&j| (i, j)))
                .map(|(i, j)| if self.allowed(i, j) { 0.0 } else { f32::NEG_INFINITY })
                .collect();
            let mask = Tensor::from_vec(mask, (e - a, keys.len()), q.device())?; // (w, ≤ 2w + g)
            outs.push(scaled_dot_product_attention(
                &q.narrow(2, a, e - a)?,
                &kb.contiguous()?,
                &vb.contiguous()?,
                Some(&mask),
            )?);
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

    fn qkv(t: usize) -> (Tensor, Tensor, Tensor) {
        let mut r = Rng::new(t as u64);
        let dev = Device::Cpu;
        (
            r.randn((2, 2, t, 4), 1.0, &dev).unwrap(),
            r.randn((2, 2, t, 4), 1.0, &dev).unwrap(),
            r.randn((2, 2, t, 4), 1.0, &dev).unwrap(),
        )
    }

    #[test]
    fn equals_dense_attention_with_the_same_mask() {
        for (t, w, g) in [(13, 4, 0), (13, 4, 2), (16, 5, 1), (7, 1, 0), (9, 3, 6)] {
            let (q, k, v) = qkv(t);
            let sw = SlidingWindow { window: w, global: g };
            let mask = mask_from(t, &Device::Cpu, |i, j| sw.allowed(i, j)).unwrap();
            let dense = scaled_dot_product_attention(&q, &k, &v, Some(&mask)).unwrap();
            assert_close(&sw.forward(&q, &k, &v).unwrap(), &dense, Tolerance::F32);
        }
    }

    #[test]
    fn window_at_least_t_is_full_causal_attention() {
        let (q, k, v) = qkv(10);
        let full = FullAttention { causal: true }.forward(&q, &k, &v).unwrap();
        assert_close(&SlidingWindow { window: 10, global: 0 }.forward(&q, &k, &v).unwrap(), &full, Tolerance::F32);
        assert_close(&SlidingWindow { window: 64, global: 3 }.forward(&q, &k, &v).unwrap(), &full, Tolerance::F32);
    }

    #[test]
    fn global_tokens_are_seen_from_far_away() {
        let sw = SlidingWindow { window: 2, global: 1 };
        assert!(sw.allowed(9, 0) && sw.allowed(9, 8) && !sw.allowed(9, 7) && !sw.allowed(3, 4));
    }
}
