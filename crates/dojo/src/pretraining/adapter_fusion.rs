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
    /// W_V − I, trainable, starts at 0.
    v: Tensor,
}

impl AdapterFusion {
    /// Fuses `adapters` (trained elsewhere; kept as frozen copies, their parameters are not in
    /// `vb`) at width `c`.
    pub fn new(adapters: Vec<Adapter>, c: usize, vb: VarBuilder) -> Result<Self> {
        if adapters.is_empty() {
            return Err(Error::Config("AdapterFusion needs at least one adapter".into()));
        }
        let init = candle_nn::Init::Randn { mean: 0.0, stdev: 0.02 };
        let q = Linear::new(vb.pp("query").get_with_hints((c, c), "weight", init)?, None);
        let k = Linear::new(vb.pp("key").get_with_hints((c, c), "weight", init)?, None);
        let v = vb.pp("value").get_with_hints((c, c), "weight", candle_nn::Init::Const(0.0))?; // W_V − I
        let adapters = adapters.iter().map(Adapter::frozen).collect::<Result<_>>()?;
        Ok(Self { adapters, q, k, v })
    }

    /// The fused hidden state and the weights w (one per adapter per token).
    ///
    /// # Shapes
    /// h: (B, T, C) → (out (B, T, C), w (B, T, N))
    pub fn forward(&self, h: &Tensor) -> Result<(Tensor, Tensor)> {
        // 1) every adapter's contribution, stacked: (B, T, N, C). The adapters' weights are
        // constants; the gradient still flows through them to h and the layers below.
        // subtle: detaching the deltas instead would also cut that path, and fusion layers
        // below this one would learn only through the residual (the lab's fusion did not learn).
        let deltas: Vec<Tensor> = self.adapters.iter().map(|a| a.delta(h)).collect::<Result<_>>()?;
        let outs = Tensor::stack(&deltas.iter().map(|d| d + h).collect::<candle_core::Result<Vec<_>>>()?, 2)?; // (B, T, N, C) aₙ
        let deltas = Tensor::stack(&deltas, 2)?; // (B, T, N, C) aₙ − h

        // 2) scores sₙ = (W_Q h)·(W_K aₙ), softmax over the adapters
        let q = self.q.forward(h)?.unsqueeze(2)?; // (B, T, 1, C)
        let k = self.k.forward(&outs)?; // (B, T, N, C)
        let s = q.broadcast_mul(&k)?.sum(D::Minus1)?; // (B, T, N)
        let w = crate::nn::softmax(&s, D::Minus1)?; // (B, T, N)

        // 3) h + Σₙ wₙ · W_V (aₙ − h)
        // W_V d = d + (W_V − I) d, built here each call: a sum formed once at construction
        // would keep its first value while the optimizer updates the variable in place.
        let vd = (&deltas + deltas.broadcast_matmul(&self.v.t()?)?)?; // (B, T, N, C)
        let mixed = w.unsqueeze(D::Minus1)?.broadcast_mul(&vd)?.sum(2)?; // (B, T, C)
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
        // ... and the gradient reaches the input through the adapters, as through one adapter alone
        let (_pc, c) = adapter(3, &dev);
        let hv = candle_core::Var::from_tensor(&h).unwrap();
        let one = AdapterFusion::new(vec![c.clone()], 8, Params::new(5).var_builder(&dev)).unwrap();
        let g1 = one.forward(hv.as_tensor()).unwrap().0.sqr().unwrap().sum_all().unwrap().backward().unwrap();
        let g2 = c.forward(hv.as_tensor()).unwrap().sqr().unwrap().sum_all().unwrap().backward().unwrap();
        assert_close(g1.get(&hv).unwrap(), g2.get(&hv).unwrap(), Tolerance::F32);
    }

    #[test]
    fn fusion_learns_to_route_each_input_to_the_adapter_that_fits_it() {
        // Target: adapter 0's output where h₀ > 0, adapter 1's elsewhere. Only routing can fit it.
        use crate::pretraining::{AdamW, AdamWConfig};
        let dev = Device::Cpu;
        let ((_pa, a), (_pb, b)) = (adapter(1, &dev), adapter(2, &dev));
        let h = Rng::new(7).randn((1, 64, 8), 1.0, &dev).unwrap();
        let (ya, yb) = (a.forward(&h).unwrap(), b.forward(&h).unwrap());
        let pick = h.narrow(2, 0, 1).unwrap().gt(0.0).unwrap().to_dtype(candle_core::DType::F32).unwrap(); // (1, 64, 1)
        let target = (ya.broadcast_mul(&pick).unwrap() + yb.broadcast_mul(&(1.0 - &pick).unwrap()).unwrap()).unwrap();
        let pf = Params::new(4);
        let fusion = AdapterFusion::new(vec![a, b], 8, pf.var_builder(&dev)).unwrap();
        let mut opt = AdamW::new(pf.named_vars(), AdamWConfig { weight_decay: 0.0, ..Default::default() }).unwrap();
        let loss = |f: &AdapterFusion| (f.forward(&h).unwrap().0 - &target).unwrap().sqr().unwrap().mean_all().unwrap();
        let start = loss(&fusion).to_scalar::<f32>().unwrap();
        for _ in 0..300 {
            let l = loss(&fusion);
            let g = l.backward().unwrap();
            let grads: Vec<Option<Vec<f32>>> = pf
                .named_vars()
                .iter()
                .map(|(_, v)| g.get(v).map(|t| t.flatten_all().unwrap().to_vec1().unwrap()))
                .collect();
            opt.step(&grads, 1e-2).unwrap();
        }
        let end = loss(&fusion).to_scalar::<f32>().unwrap();
        assert!(end < 0.1 * start, "loss {start} -> {end}");
    }
}
