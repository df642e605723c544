//! LayerNorm and RMSNorm, defined in plain tensor ops so gradients reach their weights;
//! LayerNorm runs as one fused kernel with the same values and gradients ([`super::fused`]).
//!
//! Papers: Ba et al. 2016, "Layer Normalization", arXiv:1607.06450; Zhang & Sennrich 2019,
//! "Root Mean Square Layer Normalization", arXiv:1910.07467.
//!
//! subtle: candle's fused `ops::layer_norm` and `ops::rms_norm` (and so `candle_nn::LayerNorm`
//! and `RmsNorm` on contiguous input) have no backward pass: `backward()` succeeds, but no
//! gradient reaches γ, β or anything upstream (DESIGN.md, "Silent gradient loss"). Every
//! trainable model in the library uses these instead.

use candle_core::{Module, Result, Tensor, D};
use candle_nn::{Init, VarBuilder};

/// LayerNorm over the last dimension:
///
/// y = (x − μ) / √(σ² + ε) · γ + β
///
/// where μ and σ² are the mean and the (biased, divide-by-C) variance of x over its last
/// dimension, and γ (init 1), β (init 0) are learned per channel.
#[derive(Debug, Clone)]
pub struct LayerNorm {
    /// γ, shape (C).
    pub weight: Tensor,
    /// β, shape (C).
    pub bias: Tensor,
    /// ε, e.g. 1e-5.
    pub eps: f64,
}

impl LayerNorm {
    /// Creates `weight` (ones) and `bias` (zeros) of width `c` under `vb`.
    pub fn new(c: usize, eps: f64, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            weight: vb.get_with_hints(c, "weight", Init::Const(1.0))?,
            bias: vb.get_with_hints(c, "bias", Init::Const(0.0))?,
            eps,
        })
    }
}

impl LayerNorm {
    /// The definition in plain ops (what [`super::fused::layer_norm`], the forward pass, is
    /// tested against).
    ///
    /// # Shapes
    /// (…, C) → (…, C)
    pub fn forward_plain(&self, x: &Tensor) -> Result<Tensor> {
        let mu = x.mean_keepdim(D::Minus1)?; // (…, 1)
        let xc = x.broadcast_sub(&mu)?; // (…, C) centred
        let var = xc.sqr()?.mean_keepdim(D::Minus1)?; // (…, 1) biased variance
        let xhat = xc.broadcast_div(&(var + self.eps)?.sqrt()?)?; // (…, C) zero mean, unit variance
        xhat.broadcast_mul(&self.weight)?.broadcast_add(&self.bias)
    }
}

impl Module for LayerNorm {
    /// One fused pass with a hand-written backward; equal to [`LayerNorm::forward_plain`].
    ///
    /// # Shapes
    /// (…, C) → (…, C)
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        super::fused::layer_norm(x, &self.weight, &self.bias, self.eps)
    }
}

/// RMSNorm over the last dimension (no centring, no bias):
///
/// y = x / √(mean(x²) + ε) · γ
///
/// Cheaper than LayerNorm (one reduction instead of two) and what Llama-family models use.
#[derive(Debug, Clone)]
pub struct RmsNorm {
    /// γ, shape (C).
    pub weight: Tensor,
    /// ε, e.g. 1e-5.
    pub eps: f64,
}

impl RmsNorm {
    /// Creates `weight` (ones) of width `c` under `vb`.
    pub fn new(c: usize, eps: f64, vb: VarBuilder) -> Result<Self> {
        Ok(Self { weight: vb.get_with_hints(c, "weight", Init::Const(1.0))?, eps })
    }
}

impl Module for RmsNorm {
    /// # Shapes
    /// (…, C) → (…, C)
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let ms = x.sqr()?.mean_keepdim(D::Minus1)?; // (…, 1) mean square
        x.broadcast_div(&(ms + self.eps)?.sqrt()?)?.broadcast_mul(&self.weight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Params, Rng, Tolerance};
    use candle_core::Device;

    #[test]
    fn layer_norm_hand_computed() {
        // x = [1, 2, 3, 6]: μ = 3, σ² = (4 + 1 + 0 + 9)/4 = 3.5 → (x − 3)/√3.5 (ε = 0)
        let dev = Device::Cpu;
        let p = Params::new(0);
        let ln = LayerNorm::new(4, 0.0, p.var_builder(&dev)).unwrap();
        let x = Tensor::new(&[[1f32, 2.0, 3.0, 6.0]], &dev).unwrap();
        let s = 3.5f32.sqrt();
        let want = Tensor::new(&[[-2.0 / s, -1.0 / s, 0.0, 3.0 / s]], &dev).unwrap();
        assert_close(&ln.forward(&x).unwrap(), &want, Tolerance::F32);
    }

    #[test]
    fn rms_norm_hand_computed() {
        // x = [3, 4]: mean square = 12.5 → x / √12.5 (ε = 0)
        let dev = Device::Cpu;
        let rn = RmsNorm::new(2, 0.0, Params::new(0).var_builder(&dev)).unwrap();
        let x = Tensor::new(&[[3f32, 4.0]], &dev).unwrap();
        let r = 12.5f32.sqrt();
        assert_close(&rn.forward(&x).unwrap(), &Tensor::new(&[[3.0 / r, 4.0 / r]], &dev).unwrap(), Tolerance::F32);
    }

    #[test]
    fn forwards_match_candles_fused_ops() {
        let dev = Device::Cpu;
        let x = Rng::new(1).randn((2, 3, 8), 2.0, &dev).unwrap();
        let p = Params::new(0);
        let vb = p.var_builder(&dev);
        let (ln, rn) = (LayerNorm::new(8, 1e-5, vb.pp("ln")).unwrap(), RmsNorm::new(8, 1e-5, vb.pp("rn")).unwrap());
        let fused_ln = candle_nn::ops::layer_norm(&x, &ln.weight, &ln.bias, 1e-5).unwrap();
        let fused_rn = candle_nn::ops::rms_norm(&x, &rn.weight, 1e-5).unwrap();
        assert_close(&ln.forward(&x).unwrap(), &fused_ln, Tolerance::F32);
        assert_close(&rn.forward(&x).unwrap(), &fused_rn, Tolerance::F32);
    }

    #[test]
    fn match_torch_layer_norm_and_rms_norm_with_gradients() {
        // refs/transformers.py: torch.nn.LayerNorm(8) and torch.nn.RMSNorm(8), random γ and β.
        let f = crate::nn::fixtures::Fixture::load("transformers/norms");
        let dev = Device::Cpu;
        let p = Params::new(0);
        let vb = p.var_builder(&dev);
        let (ln, rn) = (LayerNorm::new(8, 1e-5, vb.pp("ln")).unwrap(), RmsNorm::new(8, 1e-5, vb.pp("rms")).unwrap());
        for (name, _) in p.named_vars() {
            p.set(&name, &f.get(&name)).unwrap();
        }
        let x = f.var("x");
        let (y_ln, y_rms) = (ln.forward(&x).unwrap(), rn.forward(&x).unwrap());
        f.assert_close(&y_ln, "out_ln", Tolerance::F32);
        f.assert_close(&y_rms, "out_rms", Tolerance::F32);
        let loss = ((y_ln * f.get("loss_w_ln")).unwrap().sum_all().unwrap()
            + (y_rms * f.get("loss_w_rms")).unwrap().sum_all().unwrap())
        .unwrap();
        let grads = loss.backward().unwrap();
        let named = p.named_vars();
        let var = |n: &str| &named.iter().find(|(k, _)| k == n).unwrap().1;
        f.assert_grads(
            &grads,
            &[
                (&x, "grad_x"),
                (var("ln.weight"), "grad.ln.weight"),
                (var("ln.bias"), "grad.ln.bias"),
                (var("rms.weight"), "grad.rms.weight"),
            ],
            Tolerance::F32,
        );
    }

    #[test]
    fn every_parameter_and_the_input_receive_gradients() {
        let dev = Device::Cpu;
        let p = Params::new(0);
        let vb = p.var_builder(&dev);
        let (ln, rn) = (LayerNorm::new(8, 1e-5, vb.pp("ln")).unwrap(), RmsNorm::new(8, 1e-5, vb.pp("rn")).unwrap());
        let x = candle_core::Var::from_tensor(&Rng::new(2).randn((4, 8), 1.0, &dev).unwrap()).unwrap();
        let w = Rng::new(3).randn((4, 8), 1.0, &dev).unwrap();
        let y = rn.forward(&ln.forward(x.as_tensor()).unwrap()).unwrap();
        let grads = (y * w).unwrap().sum_all().unwrap().backward().unwrap();
        for (name, v) in p.named_vars() {
            let g = grads.get(&v).unwrap_or_else(|| panic!("no gradient for {name}"));
            assert!(g.abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap() > 0.0, "zero gradient for {name}");
        }
        assert!(grads.get(&x).is_some(), "no gradient for the input");
    }
}
