//! One AdamW step, in the order of `torch.optim.AdamW`.

/// AdamW's hyper-parameters.
#[derive(Debug, Clone, Copy)]
pub struct AdamW {
    /// Learning rate η.
    pub lr: f64,
    /// β₁.
    pub beta1: f64,
    /// β₂.
    pub beta2: f64,
    /// ε.
    pub eps: f64,
    /// λ; 0 gives plain Adam.
    pub weight_decay: f64,
}

/// One AdamW step, in place: updates `p`, `m` and `v`. `t` is 1 on the first call.
pub fn adamw_step(p: &mut [f64], g: &[f64], m: &mut [f64], v: &mut [f64], t: u32, opt: &AdamW) {
    // The moments start at 0, so after t steps they are scaled down by (1 − βᵗ); undo it.
    let bc1 = 1.0 - opt.beta1.powi(t as i32);
    let bc2 = 1.0 - opt.beta2.powi(t as i32);
    for i in 0..p.len() {
        p[i] -= opt.lr * opt.weight_decay * p[i]; // decoupled: the gradient never sees λ
        m[i] = opt.beta1 * m[i] + (1.0 - opt.beta1) * g[i];
        v[i] = opt.beta2 * v[i] + (1.0 - opt.beta2) * g[i] * g[i];
        let m_hat = m[i] / bc1;
        let v_hat = v[i] / bc2;
        p[i] -= opt.lr * m_hat / (v_hat.sqrt() + opt.eps);
    }
}
