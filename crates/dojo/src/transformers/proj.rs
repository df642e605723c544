//! A linear projection that fine-tuning can wrap: the one hook through which LoRA, adapters and
//! AdapterFusion change a trained transformer without changing its code.
//!
//! Every linear layer of attention ([`super::mha`]) and of the MLP ([`super::mlp`]) is a
//! [`Proj`]: a base layer y = W x + b and, optionally, a [`Wrapper`] that computes the output
//! from the base layer and the input instead. The methods of topic 2 are wrappers:
//!
//! - LoRA ([`crate::pretraining::lora`]): y = W x + b + (α/r)·B(A x), beside the layer;
//! - a bottleneck adapter ([`crate::pretraining::adapter`]): y = Adapter(W x + b), after it
//!   (Houlsby wraps attention's output projection and the MLP's last layer);
//! - AdapterFusion ([`crate::pretraining::adapter_fusion`]): y = Fusion(W x + b).
//!
//! Models list their projections by parameter name (`Gpt::projections_mut`), so a method picks
//! its targets by name, e.g. every `attn.q_proj` and `attn.v_proj` as in the LoRA paper.

use crate::Result;
use candle_core::{Module, Tensor};
use candle_nn::Linear;
use std::sync::Arc;

/// Replaces a projection's forward pass; given the base layer so it can build on it.
pub trait Wrapper: Send + Sync {
    /// The wrapped output for input `x` of the base layer `base`.
    ///
    /// # Shapes
    /// x: (…, in) → (…, out)
    fn forward(&self, base: &Linear, x: &Tensor) -> Result<Tensor>;

    /// What the wrapper is, for `Debug` (e.g. "lora r=8").
    fn describe(&self) -> String;
}

/// A linear layer, possibly wrapped.
#[derive(Clone)]
pub struct Proj {
    base: Linear,
    wrapper: Option<Arc<dyn Wrapper>>,
}

impl std::fmt::Debug for Proj {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (out, inp) = self.base.weight().dims2().map_err(|_| std::fmt::Error)?;
        match &self.wrapper {
            Some(w) => write!(f, "Proj({inp} → {out}, {})", w.describe()),
            None => write!(f, "Proj({inp} → {out})"),
        }
    }
}

impl Proj {
    /// A plain projection.
    pub fn new(base: Linear) -> Self {
        Self { base, wrapper: None }
    }

    /// The base layer (W (out, in), b).
    pub fn base(&self) -> &Linear {
        &self.base
    }

    /// Wraps the projection, replacing any wrapper it had.
    pub fn wrap(&mut self, wrapper: Arc<dyn Wrapper>) {
        self.wrapper = Some(wrapper);
    }

    /// Removes the wrapper: the base layer alone again.
    pub fn unwrap_base(&mut self) {
        self.wrapper = None;
    }

    /// Whether a wrapper is in place.
    pub fn is_wrapped(&self) -> bool {
        self.wrapper.is_some()
    }
}

/// x·Wᵀ + b as one 2-D matmul over all leading positions.
///
/// subtle: candle's `Linear` broadcasts W to (B, in, out) for a 3-D input, so its backward
/// makes B copies of ∂L/∂W and sums them; flattening (B, T, in) to (B·T, in) gives one GEMM and
/// one gradient (a training step went from 775 to ~600 ms in `dojo bench train`).
///
/// # Shapes
/// x: (…, in) → (…, out)
pub fn linear(layer: &Linear, x: &Tensor) -> candle_core::Result<Tensor> {
    let dims = x.dims();
    if dims.len() <= 2 {
        return layer.forward(x);
    }
    let (inp, lead) = (dims[dims.len() - 1], &dims[..dims.len() - 1]);
    let flat = x.reshape(((), inp))?; // (N, in)
    let mut y = flat.matmul(&layer.weight().t()?)?; // (N, out)
    if let Some(b) = layer.bias() {
        y = y.broadcast_add(b)?;
    }
    let mut shape = lead.to_vec();
    shape.push(y.dim(1)?);
    y.reshape(shape)
}

impl Module for Proj {
    /// # Shapes
    /// x: (…, in) → (…, out)
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        match &self.wrapper {
            None => linear(&self.base, x),
            Some(w) => w.forward(&self.base, x).map_err(candle_core::Error::wrap),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Params, Rng, Tolerance};
    use candle_core::Device;

    /// y = 2·base(x): a wrapper that is easy to check by hand.
    struct Double;

    impl Wrapper for Double {
        fn forward(&self, base: &Linear, x: &Tensor) -> Result<Tensor> {
            Ok((base.forward(x)? * 2.0)?)
        }
        fn describe(&self) -> String {
            "double".into()
        }
    }

    #[test]
    fn a_wrapper_replaces_the_forward_pass_and_unwrapping_restores_it() {
        let dev = Device::Cpu;
        let lin = candle_nn::linear(3, 2, Params::new(0).var_builder(&dev)).unwrap();
        let x = Rng::new(1).randn((4, 3), 1.0, &dev).unwrap();
        let mut p = Proj::new(lin.clone());
        let plain = p.forward(&x).unwrap();
        assert_close(&plain, &lin.forward(&x).unwrap(), Tolerance::F32);
        p.wrap(Arc::new(Double));
        assert_eq!(format!("{p:?}"), "Proj(3 → 2, double)");
        assert_close(&p.forward(&x).unwrap(), &(&plain * 2.0).unwrap(), Tolerance::F32);
        p.unwrap_base();
        assert!(!p.is_wrapped());
        assert_close(&p.forward(&x).unwrap(), &plain, Tolerance::F32);
    }
}
