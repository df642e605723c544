//! AdamW: Adam with decoupled weight decay, as one fused pass over each parameter.
//!
//! Paper: Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization", arXiv:1711.05101
//! (Algorithm 2); Adam is Kingma & Ba 2015, arXiv:1412.6980. The update order and the place
//! of ε follow `torch.optim.AdamW` exactly, so a fixture from PyTorch matches to f32 rounding.
//! Left out on purpose: amsgrad, foreach/fused kernels of other devices, per-group betas.
//!
//! For each parameter θ with gradient g, at step t = 1, 2, …, learning rate η, decay λ:
//!
//!   θ ← θ · (1 − η·λ)                    decoupled weight decay (NOT added to g)
//!   m ← β₁·m + (1 − β₁)·g                first moment
//!   v ← β₂·v + (1 − β₂)·g²               second moment
//!   θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
//!
//! where (1 − β₁ᵗ) and (1 − β₂ᵗ) undo the bias of m and v toward their zero start.
//! Symbols clash: Adam's β₁, β₂ are not DPO's β (topic 3).
//!
//! subtle: with L2 regularization inside Adam (g ← g + λθ) the decay is divided by √v like
//! the gradient, so weights with large gradients are barely decayed; decoupling applies the
//! same relative shrink η·λ to every decayed weight.
//!
//! Which parameters decay: those of rank ≥ 2 (matrices and embeddings). Biases and norm gains
//! (rank 1) do not: shrinking a LayerNorm gain toward 0 is not a prior anyone wants (the
//! nanoGPT / GPT-3 convention). Parameters whose gradient is absent are not touched at all.
//!
//! The step runs on the host over flat f32 buffers: one read, one loop, one write per
//! parameter, instead of the ~10 small tensor ops per parameter of an op-by-op version.

use crate::{Error, Result};
use candle_core::{Tensor, Var};

/// AdamW hyper-parameters (the learning rate comes per step, from the schedule).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdamWConfig {
    /// β₁, e.g. 0.9.
    pub beta1: f64,
    /// β₂, e.g. 0.95 for LMs (0.999 is PyTorch's default).
    pub beta2: f64,
    /// ε, e.g. 1e-8.
    pub eps: f64,
    /// λ, applied to rank ≥ 2 parameters only, e.g. 0.1.
    pub weight_decay: f64,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        Self { beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1 }
    }
}

/// One optimized parameter and its moments.
struct Slot {
    name: String,
    var: Var,
    decay: bool,
    m: Vec<f32>,
    v: Vec<f32>,
}

/// The optimizer: parameters by name, their moments, and the step count t.
pub struct AdamW {
    cfg: AdamWConfig,
    slots: Vec<Slot>,
    t: u64,
}

/// Whether a parameter of this shape is weight-decayed: rank ≥ 2.
pub fn decays(shape: &[usize]) -> bool {
    shape.len() >= 2
}

impl AdamW {
    /// Optimizes `named` (e.g. [`crate::nn::Params::named_vars`]); moments start at zero.
    pub fn new(named: Vec<(String, Var)>, cfg: AdamWConfig) -> Result<Self> {
        if !(0.0..1.0).contains(&cfg.beta1)
            || !(0.0..1.0).contains(&cfg.beta2)
            || cfg.eps <= 0.0
            || cfg.weight_decay < 0.0
        {
            return Err(Error::Config(format!("AdamW needs 0 ≤ β₁, β₂ < 1, ε > 0, λ ≥ 0; got {cfg:?}")));
        }
        let slots = named
            .into_iter()
            .map(|(name, var)| {
                let n = var.elem_count();
                Slot { decay: decays(var.dims()), name, var, m: vec![0.0; n], v: vec![0.0; n] }
            })
            .collect();
        Ok(Self { cfg, slots, t: 0 })
    }

    /// Steps taken so far.
    pub fn t(&self) -> u64 {
        self.t
    }

    /// The parameter names, in the order [`AdamW::step`] expects their gradients.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.slots.iter().map(|s| s.name.as_str())
    }

    /// The variables, in the same order.
    pub fn vars(&self) -> impl Iterator<Item = &Var> {
        self.slots.iter().map(|s| &s.var)
    }

    /// How many scalar parameters decay and how many do not.
    pub fn decay_split(&self) -> (usize, usize) {
        let n = |d: bool| self.slots.iter().filter(|s| s.decay == d).map(|s| s.m.len()).sum();
        (n(true), n(false))
    }

    /// One update with learning rate `lr`. `grads[i]` is the flat gradient of the i-th
    /// parameter (order of [`AdamW::names`]), or `None` to leave that parameter untouched.
    pub fn step(&mut self, grads: &[Option<Vec<f32>>], lr: f64) -> Result<()> {
        if grads.len() != self.slots.len() {
            return Err(Error::Config(format!(
                "AdamW step: {} gradients for {} parameters",
                grads.len(),
                self.slots.len()
            )));
        }
        self.t += 1;
        let AdamWConfig { beta1, beta2, eps, weight_decay } = self.cfg;
        let bc1 = 1.0 - beta1.powi(self.t as i32); // 1 − β₁ᵗ
        let bc2_sqrt = (1.0 - beta2.powi(self.t as i32)).sqrt(); // √(1 − β₂ᵗ)
        let step_size = (lr / bc1) as f32;
        let (b1, b2, eps) = (beta1 as f32, beta2 as f32, eps as f32);
        for (slot, g) in self.slots.iter_mut().zip(grads) {
            let Some(g) = g else { continue };
            if g.len() != slot.m.len() {
                return Err(Error::Config(format!(
                    "AdamW step: gradient of {} has {} values, the parameter {}",
                    slot.name,
                    g.len(),
                    slot.m.len()
                )));
            }
            let mut theta = slot.var.as_tensor().flatten_all()?.to_vec1::<f32>()?;
            let shrink = if slot.decay { (1.0 - lr * weight_decay) as f32 } else { 1.0 };
            for i in 0..theta.len() {
                theta[i] *= shrink; // 1) decoupled decay
                slot.m[i] = b1 * slot.m[i] + (1.0 - b1) * g[i]; // 2) first moment
                slot.v[i] = b2 * slot.v[i] + (1.0 - b2) * g[i] * g[i]; // 3) second moment
                let denom = slot.v[i].sqrt() / bc2_sqrt as f32 + eps; // 4) bias-corrected
                theta[i] -= step_size * slot.m[i] / denom;
            }
            let dev = slot.var.device().clone();
            slot.var.set(&Tensor::from_vec(theta, slot.var.shape().clone(), &dev)?)?;
        }
        Ok(())
    }

    /// The moments of parameter `i` (for checkpoints): (m, v).
    pub fn moments(&self, i: usize) -> (&[f32], &[f32]) {
        (&self.slots[i].m, &self.slots[i].v)
    }

    /// Restores the step count and the moments of every parameter (from a checkpoint).
    pub fn restore(&mut self, t: u64, moments: Vec<(Vec<f32>, Vec<f32>)>) -> Result<()> {
        if moments.len() != self.slots.len() {
            return Err(Error::Config(format!(
                "AdamW restore: {} moment pairs for {} parameters",
                moments.len(),
                self.slots.len()
            )));
        }
        for (s, (m, v)) in self.slots.iter_mut().zip(moments) {
            if m.len() != s.m.len() || v.len() != s.v.len() {
                return Err(Error::Config(format!("AdamW restore: moments of {} have the wrong size", s.name)));
            }
            (s.m, s.v) = (m, v);
        }
        self.t = t;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn var(values: &[f32], shape: &[usize]) -> Var {
        Var::from_tensor(&Tensor::from_slice(values, shape, &Device::Cpu).unwrap()).unwrap()
    }

    fn values(v: &Var) -> Vec<f32> {
        v.as_tensor().flatten_all().unwrap().to_vec1().unwrap()
    }

    #[test]
    fn the_first_step_moves_each_weight_by_lr_in_the_gradients_direction() {
        // t = 1: m = (1−β₁)g, v = (1−β₂)g², m̂ = g, v̂ = g², so Δθ = −η·g/(|g| + ε) ≈ −η·sign(g).
        let w = var(&[1.0, -2.0, 0.5, 0.0], &[2, 2]);
        let mut opt =
            AdamW::new(vec![("w".into(), w.clone())], AdamWConfig { weight_decay: 0.0, ..Default::default() }).unwrap();
        opt.step(&[Some(vec![0.3, -4.0, 1e-3, 0.0])], 0.1).unwrap();
        let got = values(&w);
        let want = [0.9, -1.9, 0.4, 0.0];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-4, "{got:?}");
        }
    }

    #[test]
    fn decay_is_decoupled_and_skips_rank_one_parameters() {
        // Zero gradients: m = v = 0, so only the decay acts: θ ← θ·(1 − η·λ) for the matrix,
        // nothing for the bias. With L2-in-Adam the matrix would instead move by ≈ η per step.
        let (w, b) = (var(&[2.0, -2.0], &[1, 2]), var(&[3.0], &[1]));
        let cfg = AdamWConfig { weight_decay: 0.5, ..Default::default() };
        let mut opt = AdamW::new(vec![("b".into(), b.clone()), ("w".into(), w.clone())], cfg).unwrap();
        assert_eq!(opt.decay_split(), (2, 1));
        for _ in 0..3 {
            opt.step(&[Some(vec![0.0]), Some(vec![0.0, 0.0])], 0.1).unwrap();
        }
        let shrink = (1.0f32 - 0.1 * 0.5).powi(3); // 0.95³ = 0.857375
        assert!((values(&w)[0] - 2.0 * shrink).abs() < 1e-6, "{:?}", values(&w));
        assert_eq!(values(&b), [3.0]);
    }

    #[test]
    fn a_missing_gradient_leaves_the_parameter_alone() {
        let w = var(&[1.0, 1.0], &[1, 2]);
        let mut opt = AdamW::new(vec![("w".into(), w.clone())], AdamWConfig::default()).unwrap();
        opt.step(&[None], 0.1).unwrap();
        assert_eq!(values(&w), [1.0, 1.0]);
        assert!(opt.step(&[Some(vec![1.0])], 0.1).unwrap_err().to_string().contains("1 values"));
        assert!(AdamW::new(vec![], AdamWConfig { beta2: 1.0, ..Default::default() }).is_err());
    }
}
