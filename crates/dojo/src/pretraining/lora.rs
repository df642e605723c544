//! LoRA: fine-tune a frozen linear layer through a trainable low-rank update.
//!
//! Paper: Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models",
//! arXiv:2106.09685, section 4.1. Left out on purpose: dropout on the LoRA branch, rsLoRA's
//! α/√r scaling, QLoRA's 4-bit base (topic 5 quantizes).
//!
//! For a frozen W (out × in) and input x:
//!
//!   y = W x + b + (α / r) · B (A x)
//!
//! where:
//! - A (r × in) starts random (uniform ±1/√in, as Hugging Face PEFT's Kaiming init with a = √5),
//! - B (out × r) starts at **zero**, so ΔW = (α/r)·B·A = 0: training starts exactly at the base
//!   model, and the first gradient reaches B (∂y/∂B = (α/r)·(A x)ᵀ ≠ 0) while A's is 0 until B
//!   moves;
//! - r is the rank, e.g. 8; α a fixed scale, e.g. 16. Dividing by r keeps the update's size
//!   comparable when r changes, so the learning rate need not be retuned (section 4.1);
//! - only A and B train: r·(in + out) parameters instead of in·out.
//!
//! Merge: W ← W + (α/r)·B·A gives one plain linear layer, so inference costs nothing extra;
//! unmerge subtracts the same product (up to f32 rounding) to swap in another adapter.

use crate::transformers::proj::{Proj, Wrapper};
use crate::{Error, Result};
use candle_core::{Tensor, Var};
use candle_nn::{Linear, VarBuilder};
use std::sync::Arc;

/// LoRA's rank and scale.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoraConfig {
    /// Rank r, e.g. 8.
    pub rank: usize,
    /// α, e.g. 16 (scaling α/r = 2).
    pub alpha: f64,
}

/// A frozen linear layer with a LoRA update.
#[derive(Debug, Clone)]
pub struct LoraLinear {
    /// W (out, in): frozen in the forward pass; changed only by merge/unmerge.
    weight: Var,
    /// b (out), frozen.
    bias: Option<Tensor>,
    /// A (R, in), trainable.
    lora_a: Tensor,
    /// B (out, R), trainable, starts at 0.
    lora_b: Tensor,
    /// α / r.
    scaling: f64,
    merged: bool,
}

/// x · Wᵀ for x of any leading shape: (…, in) → (…, out). With `frozen`, the product
/// passes no gradient to W ([`crate::nn::fused::frozen_matmul`]).
///
/// subtle: the leading dimensions are flattened into one, so W is a plain (in, out) matrix;
/// `broadcast_matmul` would broadcast W to (B, in, out) and give it a B-fold gradient.
pub(crate) fn linear_with(x: &Tensor, w: &Tensor, frozen: bool) -> Result<Tensor> {
    let (out, inp) = w.dims2()?;
    let n = x.elem_count() / inp.max(1);
    let x2 = x.reshape((n, inp))?;
    let y = if frozen { crate::nn::fused::frozen_matmul(&x2, &w.t()?)? } else { x2.matmul(&w.t()?)? }; // (N, out)
    let mut shape = x.dims().to_vec();
    *shape.last_mut().expect("x has at least one dimension") = out;
    Ok(y.reshape(shape)?)
}

fn linear(x: &Tensor, w: &Tensor) -> Result<Tensor> {
    linear_with(x, w, false)
}

impl LoraLinear {
    /// Wraps the frozen `weight` (out, in) and `bias`; A and B are created in `vb` as
    /// `lora_a` and `lora_b` (give it the trainable store and a prefix, e.g. `vb.pp("q_proj")`).
    pub fn new(weight: Var, bias: Option<Tensor>, cfg: LoraConfig, vb: VarBuilder) -> Result<Self> {
        let (out, inp) = weight.as_tensor().dims2()?;
        if cfg.rank == 0 || cfg.rank > out.min(inp) {
            return Err(Error::Config(format!(
                "LoRA rank must be in 1..={} for a {out}×{inp} weight, got {}",
                out.min(inp),
                cfg.rank
            )));
        }
        let bound = 1.0 / (inp as f64).sqrt();
        let lora_a =
            vb.get_with_hints((cfg.rank, inp), "lora_a", candle_nn::Init::Uniform { lo: -bound, up: bound })?; // (R, in)
        let lora_b = vb.get_with_hints((out, cfg.rank), "lora_b", candle_nn::Init::Const(0.0))?; // (out, R): ΔW = 0
        Ok(Self { weight, bias, lora_a, lora_b, scaling: cfg.alpha / cfg.rank as f64, merged: false })
    }

    /// y = W x + b + (α/r)·B(A x), or W' x + b once merged.
    ///
    /// # Shapes
    /// x: (…, in) → y: (…, out)
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut y = linear_with(x, self.weight.as_tensor(), true)?; // frozen: no gradient to W
        if let Some(b) = &self.bias {
            y = y.broadcast_add(&b.detach())?;
        }
        if !self.merged {
            let ax = linear(x, &self.lora_a)?; // (…, in) -> (…, R)
            y = (y + (linear(&ax, &self.lora_b)? * self.scaling)?)?; // (…, R) -> (…, out)
        }
        Ok(y)
    }

    /// ΔW = (α/r)·B·A, (out, in).
    pub fn delta(&self) -> Result<Tensor> {
        Ok((self.lora_b.detach().matmul(&self.lora_a.detach())? * self.scaling)?)
    }

    /// W ← W + ΔW; the forward pass then skips the LoRA branch.
    pub fn merge(&mut self) -> Result<()> {
        if !self.merged {
            self.weight.set(&(self.weight.as_tensor() + self.delta()?)?)?;
            self.merged = true;
        }
        Ok(())
    }

    /// W ← W − ΔW; the LoRA branch is back in the forward pass.
    pub fn unmerge(&mut self) -> Result<()> {
        if self.merged {
            self.weight.set(&(self.weight.as_tensor() - self.delta()?)?)?;
            self.merged = false;
        }
        Ok(())
    }

    /// Whether ΔW is currently folded into W.
    pub fn is_merged(&self) -> bool {
        self.merged
    }

    /// Trainable parameters r·(in + out).
    pub fn trainable(&self) -> usize {
        self.lora_a.elem_count() + self.lora_b.elem_count()
    }

    /// Frozen parameters in·out (+ out for the bias).
    pub fn frozen(&self) -> usize {
        self.weight.elem_count() + self.bias.as_ref().map_or(0, Tensor::elem_count)
    }
}

impl Wrapper for LoraLinear {
    /// LoRA holds its own handle on the base weight (to merge into it), so `base` is not read.
    fn forward(&self, _base: &Linear, x: &Tensor) -> Result<Tensor> {
        LoraLinear::forward(self, x)
    }

    fn describe(&self) -> String {
        format!("lora r={}", self.lora_a.dims()[0])
    }
}

/// Wraps in LoRA every projection whose name ends with one of `targets` (e.g. `["attn.q_proj",
/// "attn.v_proj"]`, the paper's choice); each one's A and B are created in `vb` under the
/// projection's name (`blocks.0.attn.q_proj.lora_a`). Returns the trainable parameter count.
///
/// The base weights are read, never trained: build the model from frozen values
/// ([`crate::nn::Params::frozen`]) so no gradient is tracked for them at all.
pub fn apply_lora(
    projections: Vec<(String, &mut Proj)>,
    targets: &[&str],
    cfg: LoraConfig,
    vb: &VarBuilder,
) -> Result<usize> {
    let mut trainable = 0;
    for (name, proj) in projections {
        if !targets.iter().any(|t| name.ends_with(t)) {
            continue;
        }
        let base = proj.base();
        let lora = LoraLinear::new(Var::from_tensor(base.weight())?, base.bias().cloned(), cfg, vb.pp(&name))?;
        trainable += lora.trainable();
        proj.wrap(Arc::new(lora));
    }
    if trainable == 0 {
        return Err(Error::Config(format!("no projection matches the LoRA targets {targets:?}")));
    }
    Ok(trainable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Params, Rng, Tolerance};
    use candle_core::{Device, Module};

    /// A "pretrained" 6 → 5 linear layer in `base`, and LoRA r = 2, α = 4 in `lora`.
    fn setup() -> (Params, Params, candle_nn::Linear, LoraLinear) {
        let dev = Device::Cpu;
        let (base, lora) = (Params::new(1), Params::new(2));
        let lin = candle_nn::linear(6, 5, base.var_builder(&dev).pp("fc")).unwrap();
        let w = base.var("fc.weight").unwrap();
        let b = lin.bias().cloned();
        let l = LoraLinear::new(w, b, LoraConfig { rank: 2, alpha: 4.0 }, lora.var_builder(&dev).pp("fc")).unwrap();
        (base, lora, lin, l)
    }

    fn x() -> Tensor {
        Rng::new(3).randn((2, 3, 6), 1.0, &Device::Cpu).unwrap()
    }

    #[test]
    fn with_b_zero_the_output_is_the_base_layers() {
        let (_, _, lin, l) = setup();
        assert_close(&l.forward(&x()).unwrap(), &lin.forward(&x()).unwrap(), Tolerance::F32);
    }

    #[test]
    fn merged_equals_unmerged_and_unmerge_restores_w() {
        let (base, lora, lin, mut l) = setup();
        lora.set("fc.lora_b", &Rng::new(4).randn((5, 2), 1.0, &Device::Cpu).unwrap()).unwrap();
        let w0 = base.var("fc.weight").unwrap().as_tensor().copy().unwrap();
        let unmerged = l.forward(&x()).unwrap();
        assert!(
            unmerged
                .sub(&lin.forward(&x()).unwrap())
                .unwrap()
                .abs()
                .unwrap()
                .max_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap()
                > 0.1
        );
        l.merge().unwrap();
        assert_close(&l.forward(&x()).unwrap(), &unmerged, Tolerance::F32);
        assert_close(&lin.forward(&x()).unwrap(), &unmerged, Tolerance::F32); // the base layer itself changed
        l.unmerge().unwrap();
        assert_close(base.var("fc.weight").unwrap().as_tensor(), &w0, Tolerance::F32);
        assert_close(&l.forward(&x()).unwrap(), &unmerged, Tolerance::F32);
    }

    #[test]
    fn only_a_and_b_receive_gradients() {
        let (base, lora, _, l) = setup();
        lora.set("fc.lora_b", &Rng::new(4).randn((5, 2), 1.0, &Device::Cpu).unwrap()).unwrap();
        let grads = l.forward(&x()).unwrap().sqr().unwrap().sum_all().unwrap().backward().unwrap();
        for (name, v) in base.named_vars() {
            assert!(grads.get(&v).is_none(), "frozen {name} got a gradient");
        }
        for (name, v) in lora.named_vars() {
            let g = grads.get(&v).unwrap_or_else(|| panic!("{name} got no gradient"));
            assert!(g.abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap() > 0.0, "{name}");
        }
    }

    #[test]
    fn at_the_start_only_b_has_a_gradient() {
        // B = 0: ∂y/∂A = (α/r)·Bᵀ(…) = 0, ∂y/∂B = (α/r)·(A x)ᵀ ≠ 0.
        let (_, lora, _, l) = setup();
        let grads = l.forward(&x()).unwrap().sum_all().unwrap().backward().unwrap();
        let norm = |n: &str| {
            grads.get(&lora.var(n).unwrap()).unwrap().abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap()
        };
        assert_eq!(norm("fc.lora_a"), 0.0);
        assert!(norm("fc.lora_b") > 0.0);
    }

    #[test]
    fn parameter_counts_follow_r_times_in_plus_out() {
        let (_, _, _, l) = setup();
        assert_eq!((l.trainable(), l.frozen()), (2 * (6 + 5), 6 * 5 + 5));
        // SmolLM2's q_proj, 576 × 576 at r = 8: 8·1152 = 9,216 trainable vs 331,776 frozen (2.8%).
        let dev = Device::Cpu;
        let w = Var::zeros((576, 576), candle_core::DType::F32, &dev).unwrap();
        let big =
            LoraLinear::new(w, None, LoraConfig { rank: 8, alpha: 16.0 }, Params::new(0).var_builder(&dev)).unwrap();
        assert_eq!((big.trainable(), big.frozen()), (9_216, 331_776));
        let w = Var::zeros((4, 3), candle_core::DType::F32, &dev).unwrap();
        assert!(LoraLinear::new(w, None, LoraConfig { rank: 4, alpha: 1.0 }, Params::new(0).var_builder(&dev)).is_err());
    }

    #[test]
    fn lora_on_a_frozen_gpt_starts_at_the_base_model_and_trains_only_a_and_b() {
        use crate::transformers::gpt::{Gpt, GptConfig};
        let dev = Device::Cpu;
        let cfg = GptConfig { width: 16, hidden: 32, max_len: 8, ..GptConfig::tiny(11) };
        let pretrained = Params::new(1);
        let base = Gpt::new(cfg, pretrained.var_builder(&dev)).unwrap();
        let ids = Tensor::new(&[[1u32, 4, 2, 7]], &dev).unwrap();
        let want = base.forward(&ids, None).unwrap();
        let mut tuned = Gpt::new(cfg, pretrained.frozen(&dev).unwrap()).unwrap();
        let lora = Params::new(2);
        let n = apply_lora(
            tuned.projections_mut(),
            &["attn.q_proj", "attn.v_proj"],
            LoraConfig { rank: 2, alpha: 4.0 },
            &lora.var_builder(&dev),
        )
        .unwrap();
        // 2 layers × 2 projections × r·(in + out) = 4 · 2·32 = 256.
        assert_eq!((n, lora.count(), lora.named_vars().len()), (256, 256, 8));
        assert_close(&tuned.forward(&ids, None).unwrap(), &want, Tolerance::F32);
        for (name, _) in lora.named_vars() {
            if name.ends_with("lora_b") {
                lora.set(&name, &Rng::new(3).randn((16, 2), 0.5, &dev).unwrap()).unwrap();
            }
        }
        let out = tuned.forward(&ids, None).unwrap();
        let moved = (&out - &want).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(moved > 1e-3, "a nonzero B changes the output: {moved}");
        let grads = out.sqr().unwrap().sum_all().unwrap().backward().unwrap();
        for (name, v) in pretrained.named_vars() {
            assert!(grads.get(&v).is_none(), "frozen {name} got a gradient");
        }
        assert!(lora.named_vars().iter().all(|(_, v)| grads.get(v).is_some()));
        let e =
            apply_lora(tuned.projections_mut(), &["nope"], LoraConfig { rank: 2, alpha: 4.0 }, &lora.var_builder(&dev));
        assert!(e.unwrap_err().to_string().contains("no projection matches"));
    }
}
