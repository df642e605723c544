//! One AdamW step (Loshchilov & Hutter 2019, as `torch.optim.AdamW`).
//!
//! At step t = 1, 2, … with gradient g, learning rate η and weight decay λ, for every entry:
//!   p ← p − η·λ·p                                   decoupled decay (never added to g)
//!   m ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²   moment estimates, both start at 0
//!   m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)           bias correction for the zero start
//!   p ← p − η · m̂ / (√v̂ + ε)                        ε outside the square root
//!
//! Contract: p = [1.0], g = [0.5], m = v = [0.0], t = 1, η = 0.1, β = (0.9, 0.999), ε = 1e-8,
//! λ = 0 → m = [0.05], v = [0.00025], p = [1 − 0.1·0.5/(0.5 + 1e-8)] ≈ [0.9] (on step 1,
//! m̂ = g and √v̂ = |g|, so every entry moves by about η·sign(g)).
//! The decay uses p from before this step's update (the order above). A zero gradient gives a
//! zero Adam update (0 / (0 + ε)), so only the decay moves p.

/// AdamW's hyper-parameters.
#[derive(Debug, Clone, Copy)]
pub struct AdamW {
    /// Learning rate η, e.g. 1e-3.
    pub lr: f64,
    /// β₁, e.g. 0.9.
    pub beta1: f64,
    /// β₂, e.g. 0.999.
    pub beta2: f64,
    /// ε, e.g. 1e-8.
    pub eps: f64,
    /// λ, e.g. 0.01; 0 gives plain Adam.
    pub weight_decay: f64,
}

/// One AdamW step, in place: updates `p`, `m` and `v` (all the length of `g`). `t` is the
/// number of this step, 1 on the first call.
pub fn adamw_step(p: &mut [f64], g: &[f64], m: &mut [f64], v: &mut [f64], t: u32, opt: &AdamW) {
    // TODO: decay, update the moments, bias-correct them, take the step.
    todo!()
}
