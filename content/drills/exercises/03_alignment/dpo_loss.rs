//! Direct Preference Optimisation (Rafailov et al. 2023): preference training without a
//! reward model, the policy's log-ratio to a frozen reference acting as an implicit reward.
//!
//! With log-probabilities of whole responses (sums over their tokens) under the policy, p, and
//! the reference, q, for the chosen (c) and rejected (r) response of each pair:
//!   implicit reward  ρ = β · (log p − log q)
//!   loss_i = −log σ(ρ_c,i − ρ_r,i) = softplus(−β·((log p_c − log q_c) − (log p_r − log q_r)))
//! and the loss is the mean over pairs. β (e.g. 0.1) sets how far from the reference it may go.
//!
//! Contract: β = 0.1, policy (chosen, rejected) = (−10, −15), reference = (−12, −14) →
//! ρ_c = 0.1·2 = 0.2, ρ_r = 0.1·(−1) = −0.1, loss = softplus(−0.3) = 0.5544.
//! When policy = reference every reward is 0 and the loss is ln 2. Sequence log-probs of long
//! responses are large (−2000), so use a stable softplus. The batch has at least one pair.

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

/// DPO over a batch; all four slices have the batch length.
pub fn dpo_loss(
    policy_chosen: &[f64],
    policy_rejected: &[f64],
    ref_chosen: &[f64],
    ref_rejected: &[f64],
    beta: f64,
) -> Dpo {
    // TODO: implicit rewards, then a stable −log σ of their difference, averaged.
    todo!()
}
