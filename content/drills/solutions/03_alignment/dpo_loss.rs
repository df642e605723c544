//! The DPO loss and its implicit rewards.

/// The DPO loss and the implicit rewards of each pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Dpo {
    /// Mean over pairs of −log σ(ρ_chosen − ρ_rejected).
    pub loss: f64,
    /// β·(log p − log q) of each chosen response.
    pub chosen_rewards: Vec<f64>,
    /// β·(log p − log q) of each rejected response.
    pub rejected_rewards: Vec<f64>,
}

/// ln(1 + eᶻ), stable for any z.
fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

/// DPO over a batch.
pub fn dpo_loss(
    policy_chosen: &[f64],
    policy_rejected: &[f64],
    ref_chosen: &[f64],
    ref_rejected: &[f64],
    beta: f64,
) -> Dpo {
    let chosen_rewards: Vec<f64> = policy_chosen.iter().zip(ref_chosen).map(|(p, q)| beta * (p - q)).collect();
    let rejected_rewards: Vec<f64> = policy_rejected.iter().zip(ref_rejected).map(|(p, q)| beta * (p - q)).collect();
    // −log σ(ρ_c − ρ_r) = softplus(ρ_r − ρ_c)
    let total: f64 = chosen_rewards.iter().zip(&rejected_rewards).map(|(c, r)| softplus(r - c)).sum();
    Dpo { loss: total / chosen_rewards.len() as f64, chosen_rewards, rejected_rewards }
}
