//! Rotary position embedding (RoPE): rotate each pair of query/key features by an angle
//! proportional to the position, so that q·k depends only on the *relative* position.
//!
//! Paper: Su et al. 2021, "RoFormer", arXiv:2104.09864, section 3.4.
//! Both pairings in use are here:
//! - [`RopeStyle::Interleaved`]: pairs (2i, 2i+1), the paper's form, GPT-J, and llama.cpp's
//!   "normal" mode that GGUF Llama files expect (the converter permutes W_Q and W_K for it);
//! - [`RopeStyle::Half`]: pairs (i, i + D/2), GPT-NeoX and Hugging Face Llama ("rotate half").
//!
//! They are the same rotation applied to a permuted feature order: see
//! `half_equals_interleaved_on_permuted_features` below.
//! Built from plain ops so gradients flow (candle's fused rotary ops have no backward pass,
//! candle issue #3568). Left out on purpose: NTK/YaRN scaling of the frequencies.

use crate::nn::{expect_shape, Dim};
use crate::{Error, Result};
use candle_core::{Device, Tensor, D};

/// Which features form a rotated pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RopeStyle {
    /// Pairs (2i, 2i+1).
    Interleaved,
    /// Pairs (i, i + D/2).
    Half,
}

/// Precomputed cos and sin tables for positions 0..max_len.
///
/// For pair i of D/2 and position p the angle is p·θᵢ with θᵢ = base^(−2i/D), so the first pairs
/// turn fast (θ₀ = 1 radian per token) and the last ones slowly (wavelengths up to 2π·base).
#[derive(Debug, Clone)]
pub struct Rope {
    cos: Tensor, // (max_len, D/2)
    sin: Tensor, // (max_len, D/2)
    style: RopeStyle,
}

impl Rope {
    /// Tables for head dimension `head_dim` (even), positions up to `max_len`, frequency `base`
    /// (10 000 in the paper; SmolLM2 uses 100 000).
    pub fn new(head_dim: usize, max_len: usize, base: f64, style: RopeStyle, device: &Device) -> Result<Self> {
        if head_dim % 2 != 0 {
            return Err(Error::Config(format!("RoPE needs an even head dimension, got {head_dim}")));
        }
        let half = head_dim / 2;
        let theta: Vec<f64> = (0..half).map(|i| base.powf(-2.0 * i as f64 / head_dim as f64)).collect();
        let angles: Vec<f64> = (0..max_len).flat_map(|p| theta.iter().map(move |t| p as f64 * t)).collect();
        let table = |f: fn(f64) -> f64| -> Result<Tensor> {
            let v: Vec<f32> = angles.iter().map(|&a| f(a) as f32).collect();
            Ok(Tensor::from_vec(v, (max_len, half), device)?)
        };
        Ok(Self { cos: table(f64::cos)?, sin: table(f64::sin)?, style })
    }

    /// The pairing this table applies.
    pub fn style(&self) -> RopeStyle {
        self.style
    }

    /// Rotates `x`, whose T positions start at `offset` (the KV-cache length when decoding).
    ///
    /// For each pair (a, b) at angle φ: a' = a·cos φ − b·sin φ, b' = a·sin φ + b·cos φ.
    ///
    /// # Shapes
    /// x: (B, H, T, D) → (B, H, T, D)
    pub fn apply(&self, x: &Tensor, offset: usize) -> Result<Tensor> {
        let (max_len, half) = self.cos.dims2()?;
        let dims =
            expect_shape(x, "rope input", &[Dim::Any("B"), Dim::Any("H"), Dim::Any("T"), Dim::Is("D", 2 * half)])?;
        let t = dims[2];
        if offset + t > max_len {
            return Err(Error::Config(format!(
                "RoPE table covers {max_len} positions, asked for {}..{}",
                offset,
                offset + t
            )));
        }
        let cos = self.cos.narrow(0, offset, t)?.to_dtype(x.dtype())?; // (T, D/2)
        let sin = self.sin.narrow(0, offset, t)?.to_dtype(x.dtype())?; // (T, D/2)
        let rotate = |a: &Tensor, b: &Tensor| -> Result<(Tensor, Tensor)> {
            let a2 = (a.broadcast_mul(&cos)? - b.broadcast_mul(&sin)?)?; // a cos φ − b sin φ
            let b2 = (a.broadcast_mul(&sin)? + b.broadcast_mul(&cos)?)?; // a sin φ + b cos φ
            Ok((a2, b2))
        };
        match self.style {
            RopeStyle::Interleaved => {
                let (b, h) = (dims[0], dims[1]);
                let pairs = x.reshape((b, h, t, half, 2))?; // (B, H, T, D) -> (B, H, T, D/2, 2)
                let a = pairs.narrow(D::Minus1, 0, 1)?.squeeze(D::Minus1)?; // (B, H, T, D/2) features 2i
                let bb = pairs.narrow(D::Minus1, 1, 1)?.squeeze(D::Minus1)?; // (B, H, T, D/2) features 2i+1
                let (a2, b2) = rotate(&a, &bb)?;
                Ok(Tensor::stack(&[a2, b2], D::Minus1)?.reshape((b, h, t, 2 * half))?)
                // back to (B, H, T, D)
            }
            RopeStyle::Half => {
                let a = x.narrow(D::Minus1, 0, half)?; // (B, H, T, D/2) features i
                let bb = x.narrow(D::Minus1, half, half)?; // (B, H, T, D/2) features i + D/2
                let (a2, b2) = rotate(&a, &bb)?;
                Ok(Tensor::cat(&[a2, b2], D::Minus1)?) // (B, H, T, D)
            }
        }
    }
}

/// The feature permutation that turns the half pairing into the interleaved one:
/// output position 2i takes feature i and 2i+1 takes feature i + D/2.
pub fn half_to_interleaved_order(head_dim: usize) -> Vec<u32> {
    let half = head_dim / 2;
    (0..half).flat_map(|i| [i as u32, (i + half) as u32]).collect()
}

/// Reorders the last dimension of `x` by `order` (a permutation of 0..D).
pub fn permute_features(x: &Tensor, order: &[u32]) -> Result<Tensor> {
    let idx = Tensor::new(order, x.device())?;
    Ok(x.index_select(&idx, x.rank() - 1)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Rng, Tolerance};

    fn dev() -> Device {
        Device::Cpu
    }

    #[test]
    fn hand_computed_single_pair() {
        // D = 2, θ₀ = 1: position 1 rotates (1, 0) by 1 radian to (cos 1, sin 1).
        let rope = Rope::new(2, 4, 10_000.0, RopeStyle::Interleaved, &dev()).unwrap();
        let x = Tensor::new(&[1f32, 0.0], &dev()).unwrap().reshape((1, 1, 1, 2)).unwrap();
        let y = rope.apply(&x, 1).unwrap();
        let want = Tensor::new(&[1f32.cos(), 1f32.sin()], &dev()).unwrap().reshape((1, 1, 1, 2)).unwrap();
        assert_close(&y, &want, Tolerance::F32);
        assert_close(&rope.apply(&x, 0).unwrap(), &x, Tolerance::F32); // position 0: identity
    }

    #[test]
    fn matches_candles_fused_kernels_forward() {
        // candle_nn::rotary_emb::rope_i (interleaved) and rope (half) are independent code.
        let x = Rng::new(0).randn((2, 3, 5, 8), 1.0, &dev()).unwrap();
        for (style, fused) in [
            (
                RopeStyle::Interleaved,
                candle_nn::rotary_emb::rope_i as fn(&Tensor, &Tensor, &Tensor) -> candle_core::Result<Tensor>,
            ),
            (RopeStyle::Half, candle_nn::rotary_emb::rope),
        ] {
            let r = Rope::new(8, 16, 10_000.0, style, &dev()).unwrap();
            let want = fused(&x, &r.cos.narrow(0, 3, 5).unwrap(), &r.sin.narrow(0, 3, 5).unwrap()).unwrap();
            assert_close(&r.apply(&x, 3).unwrap(), &want, Tolerance::F32);
        }
    }

    #[test]
    fn dot_product_depends_only_on_relative_position() {
        // ⟨R_m q, R_n k⟩ = ⟨q, R_{n−m} k⟩: shifting both positions by the same amount changes nothing.
        let mut rng = Rng::new(1);
        let (q, k) = (rng.randn((1, 1, 1, 16), 1.0, &dev()).unwrap(), rng.randn((1, 1, 1, 16), 1.0, &dev()).unwrap());
        let r = Rope::new(16, 64, 10_000.0, RopeStyle::Half, &dev()).unwrap();
        let dot = |m: usize, n: usize| -> f32 {
            (r.apply(&q, m).unwrap() * r.apply(&k, n).unwrap()).unwrap().sum_all().unwrap().to_scalar().unwrap()
        };
        assert!((dot(3, 7) - dot(20, 24)).abs() < 1e-4);
        assert!((dot(0, 5) - dot(40, 45)).abs() < 1e-4);
        assert!((dot(3, 7) - dot(3, 9)).abs() > 1e-3, "a different distance must change it");
    }

    #[test]
    fn rotation_preserves_norms() {
        let x = Rng::new(2).randn((1, 2, 6, 8), 1.0, &dev()).unwrap();
        let r = Rope::new(8, 6, 10_000.0, RopeStyle::Interleaved, &dev()).unwrap();
        let norm = |t: &Tensor| t.sqr().unwrap().sum(D::Minus1).unwrap();
        assert_close(&norm(&r.apply(&x, 0).unwrap()), &norm(&x), Tolerance::F32);
    }

    #[test]
    fn half_equals_interleaved_on_permuted_features() {
        // rope_half(x) = P⁻¹ rope_interleaved(P x), where P puts feature i + D/2 next to i.
        // This is why HF → GGUF conversion permutes the rows of W_Q and W_K.
        let d = 8;
        let x = Rng::new(3).randn((1, 2, 5, d), 1.0, &dev()).unwrap();
        let p = half_to_interleaved_order(d);
        let mut inv = vec![0u32; d];
        for (to, &from) in p.iter().enumerate() {
            inv[from as usize] = to as u32;
        }
        let half = Rope::new(d, 8, 10_000.0, RopeStyle::Half, &dev()).unwrap();
        let inter = Rope::new(d, 8, 10_000.0, RopeStyle::Interleaved, &dev()).unwrap();
        let via = permute_features(&inter.apply(&permute_features(&x, &p).unwrap(), 2).unwrap(), &inv).unwrap();
        assert_close(&half.apply(&x, 2).unwrap(), &via, Tolerance::F32);
        // And the two pairings really differ on the same features.
        assert!(
            crate::nn::check_close(&half.apply(&x, 2).unwrap(), &inter.apply(&x, 2).unwrap(), Tolerance::F32).is_err()
        );
    }

    #[test]
    fn matches_both_pytorch_reference_formulations_with_gradients() {
        // refs/transformers.py: complex multiplication (pairs 2i, 2i+1) and rotate-half, offset 3.
        let f = crate::nn::fixtures::Fixture::load("transformers/rope");
        for (style, tag) in [(RopeStyle::Interleaved, "interleaved"), (RopeStyle::Half, "half")] {
            let r = Rope::new(8, 16, 10_000.0, style, &dev()).unwrap();
            let x = f.var(&format!("x_{tag}"));
            let out = r.apply(&x, 3).unwrap();
            f.assert_close(&out, &format!("out_{tag}"), Tolerance::F32);
            let grads = (out * f.get(&format!("loss_w_{tag}"))).unwrap().sum_all().unwrap().backward().unwrap();
            f.assert_grads(&grads, &[(&x, &format!("grad_x_{tag}"))], Tolerance::F32);
        }
    }

    #[test]
    fn gradient_reaches_the_input() {
        let x = candle_core::Var::from_tensor(&Rng::new(4).randn((1, 1, 3, 4), 1.0, &dev()).unwrap()).unwrap();
        let r = Rope::new(4, 3, 10_000.0, RopeStyle::Half, &dev()).unwrap();
        let g = r.apply(x.as_tensor(), 0).unwrap().sum_all().unwrap().backward().unwrap();
        assert!(g.get(&x).is_some());
    }

    #[test]
    fn errors_for_odd_dims_and_positions_past_the_table() {
        assert!(Rope::new(7, 4, 1e4, RopeStyle::Half, &dev()).is_err());
        let r = Rope::new(4, 4, 1e4, RopeStyle::Half, &dev()).unwrap();
        let x = Tensor::zeros((1, 1, 2, 4), candle_core::DType::F32, &dev()).unwrap();
        assert!(r.apply(&x, 3).unwrap_err().to_string().contains("covers 4 positions"));
    }
}
