//! Linformer: project keys and values along the *sequence* axis from T rows down to k, so
//! attention costs T·k instead of T².
//!
//! Paper: Wang et al. 2020, "Linformer: Self-Attention with Linear Complexity",
//! arXiv:2006.04768, section 4.
//! Builds on [`super::attention`]; the only new step is `E K` and `F V` before the usual
//! softmax attention.
//! Left out on purpose: sharing E and F across heads and layers (the paper's cheaper options).
//!
//! Linformer(Q, K, V) = softmax(Q (E K)ᵀ / √D) (F V)
//!
//! where E, F are (k, T) learned projections. The paper's observation: the T × T attention
//! matrix is approximately low-rank, so k ≪ T rows of "mixed" keys carry most of it. The price:
//! E and F mix every position, future included, so Linformer is for encoders (no causal mask),
//! and E, F fix the sequence length T.

use super::attention::{scaled_dot_product_attention, AttentionKernel};
use crate::nn::Rng;
use crate::{Error, Result};
use candle_core::{Device, Tensor};

/// Linformer's sequence projections for one fixed length T.
#[derive(Debug, Clone)]
pub struct Linformer {
    /// E, (k, T): mixes the T keys into k.
    pub e: Tensor,
    /// F, (k, T): mixes the T values into k.
    pub f: Tensor,
}

impl Linformer {
    /// Random projections with N(0, 1/k) entries (the Johnson–Lindenstrauss scaling the
    /// paper's analysis uses); training would learn them.
    pub fn random(k: usize, t: usize, rng: &mut Rng, device: &Device) -> Result<Self> {
        let std = 1.0 / (k as f64).sqrt();
        Ok(Self { e: rng.randn((k, t), std, device)?, f: rng.randn((k, t), std, device)? })
    }
}

impl AttentionKernel for Linformer {
    fn name(&self) -> String {
        format!("linformer (k={})", self.e.dims()[0])
    }

    /// # Shapes
    /// q, k, v: (B, H, T, D) → (B, H, T, D)
    fn forward(&self, q: &Tensor, k: &Tensor, v: &Tensor) -> Result<Tensor> {
        let t = self.e.dims2()?.1;
        if k.dim(2)? != t {
            return Err(Error::Config(format!("this Linformer was built for T={t}, got {} keys", k.dim(2)?)));
        }
        let k_low = self.e.broadcast_matmul(k)?; // (k, T) @ (B, H, T, D) -> (B, H, k, D)
        let v_low = self.f.broadcast_matmul(v)?; // (k, T) @ (B, H, T, D) -> (B, H, k, D)
        scaled_dot_product_attention(q, &k_low, &v_low, None) // (B, H, T, k) scores -> (B, H, T, D)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Tolerance};
    use crate::transformers::attention::FullAttention;

    #[test]
    fn with_k_equal_t_and_identity_projections_it_is_full_attention() {
        let dev = Device::Cpu;
        let mut rng = Rng::new(0);
        let (q, k, v) = (
            rng.randn((2, 3, 6, 4), 1.0, &dev).unwrap(),
            rng.randn((2, 3, 6, 4), 1.0, &dev).unwrap(),
            rng.randn((2, 3, 6, 4), 1.0, &dev).unwrap(),
        );
        let eye = Tensor::eye(6, candle_core::DType::F32, &dev).unwrap();
        let lin = Linformer { e: eye.clone(), f: eye };
        let full = FullAttention { causal: false }.forward(&q, &k, &v).unwrap();
        assert_close(&lin.forward(&q, &k, &v).unwrap(), &full, Tolerance::F32);
    }

    #[test]
    fn output_keeps_the_query_shape_and_wrong_length_is_refused() {
        let dev = Device::Cpu;
        let mut rng = Rng::new(1);
        let lin = Linformer::random(4, 16, &mut rng, &dev).unwrap();
        let x = rng.randn((1, 2, 16, 8), 1.0, &dev).unwrap();
        assert_eq!(lin.forward(&x, &x, &x).unwrap().dims(), [1, 2, 16, 8]);
        let short = rng.randn((1, 2, 8, 8), 1.0, &dev).unwrap();
        assert!(lin.forward(&short, &short, &short).unwrap_err().to_string().contains("built for T=16"));
    }
}
