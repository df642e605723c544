//! Softmax written from plain tensor ops, so gradients flow through it.
//!
//! softmax(x)ᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m), where m = maxⱼ xⱼ.
//!
//! Subtracting the row maximum m changes nothing mathematically (it cancels between numerator
//! and denominator) but keeps every exp ≤ 1, so large logits cannot overflow to ∞/∞ = NaN.
//!
//! subtle: candle's fused `candle_nn::ops::softmax_last_dim` has no backward pass: `backward()`
//! succeeds but no gradient reaches the input (DESIGN.md, "Silent gradient loss"). This version
//! is the definition; [`softmax_last`] runs it fused, with the same values and gradients.

use candle_core::{Result, Tensor};

/// Numerically stable softmax over `dim`; a row that is all −∞ gives NaN (0/0), as in PyTorch.
///
/// # Shapes
/// Any shape in, the same shape out.
pub fn softmax<Dm: candle_core::shape::Dim + Copy>(x: &Tensor, dim: Dm) -> Result<Tensor> {
    let m = x.max_keepdim(dim)?.detach(); // max is piecewise constant: no gradient through it
    let e = x.broadcast_sub(&m)?.exp()?; // every entry in (0, 1]
    e.broadcast_div(&e.sum_keepdim(dim)?)
}

/// Softmax over the last dimension, as one fused pass with a hand-written backward
/// ([`super::fused::softmax_last`]); equal to [`softmax`] over `D::Minus1`.
pub fn softmax_last(x: &Tensor) -> Result<Tensor> {
    super::fused::softmax_last(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Tolerance};
    use candle_core::{Device, Var};

    #[test]
    fn hand_computed_case() {
        // softmax([0, ln 2, ln 5]) = [1, 2, 5] / 8
        let x = Tensor::new(&[[0f32, 2f32.ln(), 5f32.ln()]], &Device::Cpu).unwrap();
        let want = Tensor::new(&[[0.125f32, 0.25, 0.625]], &Device::Cpu).unwrap();
        assert_close(&softmax_last(&x).unwrap(), &want, Tolerance::F32);
    }

    #[test]
    fn large_logits_do_not_overflow() {
        // exp(1000) overflows f32; after subtracting the max the row is [e⁻¹, 1] / (1 + e⁻¹).
        let x = Tensor::new(&[[999f32, 1000.0]], &Device::Cpu).unwrap();
        let p1 = 1.0 / (1.0 + (-1f32).exp());
        let want = Tensor::new(&[[1.0 - p1, p1]], &Device::Cpu).unwrap();
        assert_close(&softmax_last(&x).unwrap(), &want, Tolerance::F32);
    }

    #[test]
    fn matches_candle_fused_softmax_forward() {
        let x = crate::nn::Rng::new(0).randn((3, 7), 3.0, &Device::Cpu).unwrap();
        let fused = candle_nn::ops::softmax_last_dim(&x).unwrap();
        assert_close(&softmax_last(&x).unwrap(), &fused, Tolerance::F32);
    }

    #[test]
    fn gradient_reaches_the_input_and_is_the_softmax_jacobian() {
        // L = Σ w·softmax(x)  ⇒  ∂L/∂x = s ⊙ (w − Σ s·w)
        let dev = Device::Cpu;
        let x = Var::new(&[[0.5f32, -1.0, 2.0]], &dev).unwrap();
        let w = Tensor::new(&[[1f32, 2.0, 3.0]], &dev).unwrap();
        let s = softmax_last(x.as_tensor()).unwrap();
        let grads = (&s * &w).unwrap().sum_all().unwrap().backward().unwrap();
        let got = grads.get(&x).expect("softmax must pass a gradient to its input");
        let sw = (&s * &w).unwrap().sum_keepdim(1).unwrap();
        let want = (&s * w.broadcast_sub(&sw).unwrap()).unwrap();
        assert_close(got, &want, Tolerance::F32);
    }
}
