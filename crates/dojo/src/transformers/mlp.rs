//! The position-wise feed-forward network: GELU MLP (GPT, BERT) and SwiGLU (Llama, SmolLM2).
//!
//! Papers: Vaswani et al. 2017, section 3.3; Hendrycks & Gimpel 2016, "GELUs",
//! arXiv:1606.08415; Shazeer 2020, "GLU Variants Improve Transformer", arXiv:2002.05202.
//! Left out on purpose: dropout.
//!
//! Attention mixes information *across* positions; the MLP transforms each position on its own,
//! and holds about two thirds of a transformer's parameters.

use super::mha::linear;
use super::proj::Proj;
use crate::Result;
use candle_core::{Module, Tensor};
use candle_nn::VarBuilder;

/// Which feed-forward network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MlpKind {
    /// W₂ · GELU(W₁ x + b₁) + b₂, hidden width typically 4C.
    Gelu,
    /// W_down · (SiLU(W_gate x) ⊙ W_up x), hidden width typically 8C/3 so the parameter count
    /// matches a 4C GELU MLP (three matrices instead of two).
    Swiglu,
}

/// A feed-forward network of either kind.
#[derive(Debug, Clone)]
pub enum Mlp {
    /// GELU MLP; names `fc` (C → hidden) and `proj` (hidden → C).
    Gelu {
        /// W₁, b₁.
        fc: Proj,
        /// W₂, b₂.
        proj: Proj,
    },
    /// SwiGLU; names `gate_proj`, `up_proj` (C → hidden) and `down_proj` (hidden → C).
    Swiglu {
        /// W_gate.
        gate_proj: Proj,
        /// W_up.
        up_proj: Proj,
        /// W_down.
        down_proj: Proj,
    },
}

impl Mlp {
    /// Creates the layers under `vb`.
    pub fn new(kind: MlpKind, width: usize, hidden: usize, bias: bool, vb: VarBuilder) -> Result<Self> {
        Ok(match kind {
            MlpKind::Gelu => Mlp::Gelu {
                fc: Proj::new(linear(width, hidden, bias, vb.pp("fc"))?),
                proj: Proj::new(linear(hidden, width, bias, vb.pp("proj"))?),
            },
            MlpKind::Swiglu => Mlp::Swiglu {
                gate_proj: Proj::new(linear(width, hidden, bias, vb.pp("gate_proj"))?),
                up_proj: Proj::new(linear(width, hidden, bias, vb.pp("up_proj"))?),
                down_proj: Proj::new(linear(hidden, width, bias, vb.pp("down_proj"))?),
            },
        })
    }

    /// Its projections with their parameter names, for fine-tuning methods to wrap.
    pub fn projections_mut(&mut self) -> Vec<(&'static str, &mut Proj)> {
        match self {
            Mlp::Gelu { fc, proj } => vec![("fc", fc), ("proj", proj)],
            Mlp::Swiglu { gate_proj, up_proj, down_proj } => {
                vec![("gate_proj", gate_proj), ("up_proj", up_proj), ("down_proj", down_proj)]
            }
        }
    }
}

impl Module for Mlp {
    /// # Shapes
    /// (B, T, C) → (B, T, C)
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            // GELU(z) = z·Φ(z), the exact (erf) form, as torch's default.
            Mlp::Gelu { fc, proj } => proj.forward(&crate::nn::fused::gelu(&fc.forward(x)?)?), // (B, T, C) -> (B, T, 4C) -> (B, T, C)
            // SiLU(z) = z·σ(z); the gate decides, per hidden unit, how much of `up` passes.
            Mlp::Swiglu { gate_proj, up_proj, down_proj } => {
                let gated = (gate_proj.forward(x)?.silu()? * up_proj.forward(x)?)?; // (B, T, hidden)
                down_proj.forward(&gated) // (B, T, hidden) -> (B, T, C)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{assert_close, Params, Tolerance};
    use candle_core::Device;

    #[test]
    fn gelu_and_silu_hand_values() {
        // GELU(1) = Φ(1) = 0.8413447; SiLU(1) = σ(1) = 0.7310586.
        let x = Tensor::new(&[1f32], &Device::Cpu).unwrap();
        assert_close(&x.gelu_erf().unwrap(), &Tensor::new(&[0.841_344_7f32], &Device::Cpu).unwrap(), Tolerance::F32);
        assert_close(&x.silu().unwrap(), &Tensor::new(&[0.731_058_6f32], &Device::Cpu).unwrap(), Tolerance::F32);
    }

    #[test]
    fn one_unit_mlps_hand_computed() {
        // C = hidden = 1. GELU MLP: W₁ = 2, W₂ = 3 → 3·GELU(2·1) = 3·2·Φ(2) = 6·0.9772499 = 5.8634992.
        // SwiGLU: W_gate = 1, W_up = 2, W_down = 3 → 3·SiLU(1)·2 = 6·0.7310586 = 4.3863515.
        let dev = Device::Cpu;
        let x = Tensor::new(&[[[1f32]]], &dev).unwrap();
        let one = |v: f32| Tensor::new(&[[v]], &dev).unwrap();
        let (p1, p2) = (Params::new(0), Params::new(0));
        let gelu = Mlp::new(MlpKind::Gelu, 1, 1, false, p1.var_builder(&dev)).unwrap();
        p1.set("fc.weight", &one(2.0)).unwrap();
        p1.set("proj.weight", &one(3.0)).unwrap();
        let swiglu = Mlp::new(MlpKind::Swiglu, 1, 1, false, p2.var_builder(&dev)).unwrap();
        p2.set("gate_proj.weight", &one(1.0)).unwrap();
        p2.set("up_proj.weight", &one(2.0)).unwrap();
        p2.set("down_proj.weight", &one(3.0)).unwrap();
        assert_close(&gelu.forward(&x).unwrap(), &Tensor::new(&[[[5.863_499f32]]], &dev).unwrap(), Tolerance::F32);
        assert_close(&swiglu.forward(&x).unwrap(), &Tensor::new(&[[[4.386_351_5f32]]], &dev).unwrap(), Tolerance::F32);
    }

    #[test]
    fn swiglu_with_equal_hidden_budget_has_the_same_parameter_count() {
        // C = 96: GELU 4C = 384 hidden has 2·96·384 weights; SwiGLU 8C/3 = 256 has 3·96·256.
        let (p1, p2) = (Params::new(0), Params::new(0));
        Mlp::new(MlpKind::Gelu, 96, 384, false, p1.var_builder(&Device::Cpu)).unwrap();
        Mlp::new(MlpKind::Swiglu, 96, 256, false, p2.var_builder(&Device::Cpu)).unwrap();
        assert_eq!(p1.count(), p2.count());
    }
}
