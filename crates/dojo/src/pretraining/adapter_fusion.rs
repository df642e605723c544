//! AdapterFusion: attention over several trained task adapters, learned per token.
//!
//! Paper: Pfeiffer et al. 2021, "AdapterFusion: Non-Destructive Task Composition for Transfer
//! Learning", arXiv:2005.00247, section 3. Adapters for N tasks are trained separately and
//! frozen; fusion then learns, for every token, how much of each to use. For a hidden state h
//! and the adapters' outputs aₙ = Adapterₙ(h) (n = 1 … N):
//!
//!   sₙ = (W_Q h) · (W_K aₙ)          score of adapter n
//!   wₙ = softmax over n of sₙ         weights, summing to 1 per token
//!   out = h + Σₙ wₙ · W_V (aₙ − h)    a weighted mix of the adapters' contributions
//!
//! where W_Q, W_K, W_V are C × C. W_V starts as the identity, so fusion begins as the plain
//! average of the adapters when the scores are equal. Mixing the contributions aₙ − h (the
//! adapters' deltas) and adding h back is our choice: with W_V = I and one adapter it makes
//! fusion equal that adapter exactly (tested); the paper mixes the outputs aₙ themselves.
//!
//! "Non-destructive": each task's knowledge stays in its own adapter; only the fusion layer
//! learns how to compose them, so adding a task never overwrites another. The cost: every
//! forward pass runs all N adapters.

use super::adapter::Adapter;
use crate::transformers::proj::Wrapper;
use crate::{Error, Result};
use candle_core::{Module, Tensor, D};
use candle_nn::{Linear, VarBuilder};

/// A fusion layer over frozen adapters.
pub struct AdapterFusion {
    adapters: Vec<Adapter>,
    q: Linear,
    k: Linear,
    v: Linear,
}

impl AdapterFusion {
    /// Fuses `adapters` (trained elsewhere; their parameters are not in `vb`) at width `c`.
    pub fn new(adapters: Vec<Adapter>, c: usize, vb: VarBuilder) -> Result<Self> {
        if adapters.is_empty() {
            return Err(Error::Config("AdapterFusion needs at least one adapter".into()));
        }
        let init = candle_nn::Init::Randn { mean: 0.0, stdev: 0.02 };
        let q = Linear::new(vb.pp("query").get_with_hints((c, c), "weight", init)?, None);
        let k = Linear::new(vb.pp("key").get_with_hints((c, c), "weight", init)?, None);
        let eye = Tensor::eye(c, candle_core::DType::F32, vb.device())?;
        let v_w = vb.pp("value").get_with_hints((c, c), "weight", candle_nn::Init::Const(0.0))?;
        let v = Linear::new((v_w + eye)?, None); // W_V = I + (trainable, starts at 0)
        Ok(Self { adapters, q, k, v })
    }

    /// The fused hidden state and the weights w (one per adapter per token).
    ///
    /// # Shapes
    /// h: (B, T, C) → (out (B, T, C), w (B, T, N))
    pub fn forward(&self, h: &Tensor) -> Result<(Tensor, Tensor)> {
        // 1) every adapter's contribution, stacked: (B, T, N, C); frozen, so detached
        let deltas: Vec<Tensor> =
            self.adapters.iter().map(|a| a.delta(h).map(|d| d.detach())).collect::<Result<_>>()?;
        let outs = Tensor::stack(&deltas.iter().map(|d| d + h).collect::<candle_core::Result<Vec<_>>>()?, 2)?; // (B, T, N, C) aₙ
        let deltas = Tensor::stack(&deltas, 2)?; // (B, T, N, C) aₙ − h
                                                 // 2) scores sₙ = (W_Q h)·(W_K aₙ), softmax over the adapters
        let q = self.q.forward(h)?.unsqueeze(2)?; // (B, T, 1, C)
        let k = self.k.forward(&outs)?; // (B, T, N, C)
        let s = q.broadcast_mul(&k)?.sum(D::Minus1)?; // (B, T, N)
        let w = crate::nn::softmax(&s, D::Minus1)?; // (B, T, N)
                                                    // 3) h + Σₙ wₙ · W_V (aₙ − h)
        let mixed = w.unsqueeze(D::Minus1)?.broadcast_mul(&self.v.forward(&deltas)?)?.sum(2)?; // (B, T, C)
        Ok(((h + mixed)?, w))
    }
}

impl Wrapper for AdapterFusion {
    /// Fusion(base(x)), in the adapters' place.
    fn forward(&self, base: &Linear, x: &Tensor) -> Result<Tensor> {
        Ok(AdapterFusion::forward(self, &base.forward(x)?)?.0)
    }

    fn describe(&self) -> String {
        format!("fusion of {} adapters", self.adapters.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Params, Rng, Tolerance};
    use candle_core::Device;

    fn adapter(seed: u64, dev: &Device) -> (Params, Adapter) {
        let p = Params::new(seed);
        let a = Adapter::new(8, 3, p.var_builder(dev)).unwrap();
        p.set("up.weight", &Rng::new(seed + 10).randn((8, 3), 1.0, dev).unwrap()).unwrap();
        (p, a)
    }

    #[test]
    fn fusing_one_adapter_gives_that_adapter() {
        let dev = Device::Cpu;
        let (_pa, a) = adapter(1, &dev);
        let h = Rng::new(2).randn((2, 4, 8), 1.0, &dev).unwrap();
        let want = a.forward(&h).unwrap();
        let fusion = AdapterFusion::new(vec![a], 8, Params::new(3).var_builder(&dev)).unwrap();
        let (out, w) = fusion.forward(&h).unwrap();
        assert_close(&out, &want, Tolerance::F32);
        assert_close(&w, &Tensor::ones((2, 4, 1), candle_core::DType::F32, &dev).unwrap(), Tolerance::F32);
    }

    #[test]
    fn weights_sum_to_one_and_only_fusion_parameters_train() {
        let dev = Device::Cpu;
        let ((pa, a), (pb, b)) = (adapter(1, &dev), adapter(2, &dev));
        let pf = Params::new(4);
        let fusion = AdapterFusion::new(vec![a, b], 8, pf.var_builder(&dev)).unwrap();
        let h = Rng::new(5).randn((1, 3, 8), 1.0, &dev).unwrap();
        let (out, w) = fusion.forward(&h).unwrap();
        assert_close(
            &w.sum(D::Minus1).unwrap(),
            &Tensor::ones((1, 3), candle_core::DType::F32, &dev).unwrap(),
            Tolerance::F32,
        );
        let grads = out.sqr().unwrap().sum_all().unwrap().backward().unwrap();
        for (name, v) in pa.named_vars().into_iter().chain(pb.named_vars()) {
            assert!(grads.get(&v).is_none(), "frozen adapter parameter {name} got a gradient");
        }
        for (name, v) in pf.named_vars() {
            assert!(grads.get(&v).is_some(), "fusion parameter {name} got no gradient");
        }
    }
}
