//! Bottleneck adapters: a small trainable residual MLP inserted into a frozen network.
//!
//! Paper: Houlsby et al. 2019, "Parameter-Efficient Transfer Learning for NLP",
//! arXiv:1902.00751, section 2.1. For a hidden state h (width C) and bottleneck m ≪ C:
//!
//!   Adapter(h) = h + W_up · f(W_down · h + b_down) + b_up
//!
//! where W_down (m × C), W_up (C × m), f = GELU. Houlsby inserts one after the attention and one
//! after the MLP of every block, and trains the adapters (and layer norms) only: 2·m·C + m + C
//! parameters per adapter. Near-identity start: W_up = 0 here, so Adapter(h) = h before
//! training and the network starts as the pretrained one (the paper draws near-zero weights;
//! exact zeros make the identity exact).
//!
//! Against LoRA ([`super::lora`]): an adapter is *in series* with the layer (its own
//! nonlinearity), so it cannot be merged into the weights and adds latency at inference; LoRA's
//! update is linear and parallel, so it merges away.

use crate::Result;
use candle_core::{Module, Tensor};
use candle_nn::{Linear, VarBuilder};

/// One bottleneck adapter.
#[derive(Debug, Clone)]
pub struct Adapter {
    down: Linear,
    up: Linear,
}

impl Adapter {
    /// An adapter for width `c` with bottleneck `m`; parameters `down.*` and `up.*` in `vb`.
    pub fn new(c: usize, m: usize, vb: VarBuilder) -> Result<Self> {
        let down = candle_nn::linear(c, m, vb.pp("down"))?; // W_down (m, C)
        let up_w = vb.pp("up").get_with_hints((c, m), "weight", candle_nn::Init::Const(0.0))?; // W_up = 0: identity start
        let up_b = vb.pp("up").get_with_hints(c, "bias", candle_nn::Init::Const(0.0))?;
        Ok(Self { down, up: Linear::new(up_w, Some(up_b)) })
    }

    /// The bottleneck's output W_up · f(W_down · h), without the residual.
    ///
    /// # Shapes
    /// h: (…, C) → (…, C)
    pub fn delta(&self, h: &Tensor) -> Result<Tensor> {
        let z = self.down.forward(h)?.gelu()?; // (…, C) -> (…, m)
        Ok(self.up.forward(&z)?) // (…, m) -> (…, C)
    }

    /// h + delta(h).
    ///
    /// # Shapes
    /// h: (…, C) → (…, C)
    pub fn forward(&self, h: &Tensor) -> Result<Tensor> {
        Ok((h + self.delta(h)?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Params, Rng, Tolerance};
    use candle_core::Device;

    #[test]
    fn starts_as_the_identity_and_trains_through_both_layers() {
        let (dev, p) = (Device::Cpu, Params::new(0));
        let a = Adapter::new(8, 2, p.var_builder(&dev)).unwrap();
        let h = Rng::new(1).randn((2, 3, 8), 1.0, &dev).unwrap();
        assert_close(&a.forward(&h).unwrap(), &h, Tolerance::F32);
        // Parameters: 2·m·C + m + C = 2·2·8 + 2 + 8 = 42.
        assert_eq!(p.count(), 42);
        // W_up = 0: only the up-projection gets a gradient at the start (as LoRA's B).
        let grads = a.forward(&h).unwrap().sqr().unwrap().sum_all().unwrap().backward().unwrap();
        let g = |n: &str| {
            grads
                .get(&p.var(n).unwrap())
                .map_or(0.0, |g| g.abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap())
        };
        assert!(g("up.weight") > 0.0 && g("down.weight") == 0.0);
        p.set("up.weight", &Rng::new(2).randn((8, 2), 1.0, &dev).unwrap()).unwrap();
        let grads = a.forward(&h).unwrap().sqr().unwrap().sum_all().unwrap().backward().unwrap();
        assert!(grads.get(&p.var("down.weight").unwrap()).is_some());
    }
}
