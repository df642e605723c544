//! The Bradley-Terry reward-model loss, via a stable softplus.

/// ln(1 + eᶻ) without overflow: for z > 0 factor out eᶻ, so the exp() argument is always ≤ 0.
fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

/// Mean over pairs of −log σ(r_chosen − r_rejected).
pub fn bradley_terry_loss(r_chosen: &[f64], r_rejected: &[f64]) -> f64 {
    // −log σ(m) = ln(1 + e^(−m)) = softplus(−m)
    let total: f64 = r_chosen.iter().zip(r_rejected).map(|(c, r)| softplus(-(c - r))).sum();
    total / r_chosen.len() as f64
}
