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

use crate::transformers::proj::{Proj, Wrapper};
use crate::{Error, Result};
use candle_core::{Module, Tensor};
use candle_nn::{Linear, VarBuilder};
use std::sync::Arc;

/// Where Houlsby puts adapters in a block: after attention's output projection and after the
/// MLP's last layer (GELU `mlp.proj`, SwiGLU `mlp.down_proj`), before each residual add.
pub const HOULSBY_TARGETS: [&str; 3] = ["attn.out_proj", "mlp.proj", "mlp.down_proj"];

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

    /// A copy whose weights are constants: it still passes gradients to its input, but tracks
    /// none for its own weights (how a fusion layer holds trained adapters).
    pub fn frozen(&self) -> Result<Self> {
        let freeze = |l: &Linear| -> Result<Linear> {
            let b = l.bias().map(|b| b.detach().copy()).transpose()?;
            Ok(Linear::new(l.weight().detach().copy()?, b))
        };
        Ok(Self { down: freeze(&self.down)?, up: freeze(&self.up)? })
    }

    /// Its parameters: 2·m·C + m + C.
    pub fn parameter_count(&self) -> usize {
        [&self.down, &self.up].iter().map(|l| l.weight().elem_count() + l.bias().map_or(0, |b| b.elem_count())).sum()
    }

    /// h + delta(h).
    ///
    /// # Shapes
    /// h: (…, C) → (…, C)
    pub fn forward(&self, h: &Tensor) -> Result<Tensor> {
        Ok((h + self.delta(h)?)?)
    }
}

impl Wrapper for Adapter {
    /// Adapter(base(x)): the adapter runs in series after the layer.
    fn forward(&self, base: &Linear, x: &Tensor) -> Result<Tensor> {
        Adapter::forward(self, &base.forward(x)?)
    }

    fn describe(&self) -> String {
        format!("adapter m={}", self.down.weight().dims()[0])
    }
}

/// Inserts a bottleneck adapter of width `m` after every projection whose name ends with one of
/// `targets` (usually [`HOULSBY_TARGETS`]); parameters go in `vb` under `<name>.adapter`. Returns
/// the adapters by projection name, so they can be fused later.
pub fn insert_adapters(
    projections: Vec<(String, &mut Proj)>,
    targets: &[&str],
    m: usize,
    vb: &VarBuilder,
) -> Result<Vec<(String, Adapter)>> {
    let mut out = Vec::new();
    for (name, proj) in projections {
        if !targets.iter().any(|t| name.ends_with(t)) {
            continue;
        }
        let (c, _) = proj.base().weight().dims2()?;
        let a = Adapter::new(c, m, vb.pp(format!("{name}.adapter")))?;
        proj.wrap(Arc::new(a.clone()));
        out.push((name, a));
    }
    if out.is_empty() {
        return Err(Error::Config(format!("no projection matches the adapter targets {targets:?}")));
    }
    Ok(out)
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
        assert_eq!((p.count(), a.parameter_count()), (42, 42));
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

    #[test]
    fn houlsby_adapters_in_a_gpt_start_as_the_identity() {
        use crate::transformers::gpt::{Gpt, GptConfig};
        let dev = Device::Cpu;
        let cfg = GptConfig { width: 16, hidden: 32, max_len: 8, ..GptConfig::tiny(11) };
        let pretrained = Params::new(1);
        let ids = Tensor::new(&[[1u32, 4, 2, 7]], &dev).unwrap();
        let want = Gpt::new(cfg, pretrained.var_builder(&dev)).unwrap().forward(&ids, None).unwrap();
        let mut tuned = Gpt::new(cfg, pretrained.frozen(&dev).unwrap()).unwrap();
        let p = Params::new(2);
        let adapters = insert_adapters(tuned.projections_mut(), &HOULSBY_TARGETS, 4, &p.var_builder(&dev)).unwrap();
        let names: Vec<&str> = adapters.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["blocks.0.attn.out_proj", "blocks.0.mlp.proj", "blocks.1.attn.out_proj", "blocks.1.mlp.proj"]
        );
        // 4 adapters × (2·m·C + m + C) = 4 · (2·4·16 + 4 + 16) = 592.
        assert_eq!(p.count(), 592);
        assert_close(&tuned.forward(&ids, None).unwrap(), &want, Tolerance::F32);
    }
}
