//! Generalized Advantage Estimation (Schulman et al. 2016), as PPO uses it.
//!
//! For one trajectory of T steps with rewards r_t and value estimates V_t, the one-step TD error
//! is δ_t = r_t + γ·V_{t+1} − V_t, and GAE averages the k-step estimates with weights (γλ)^k:
//!   A_t = Σ_{l ≥ 0} (γλ)^l · δ_{t+l}   computed backwards as   A_t = δ_t + γλ·A_{t+1},  A_T = 0
//! The value targets ("returns") are A_t + V_t. λ = 0 gives A_t = δ_t (low variance, biased by V);
//! λ = 1 gives the discounted return Σ γ^k r_{t+k} + γ^(T−t)·V_T minus V_t (unbiased, noisy).
//!
//! Contract: rewards [1, 1], values [0.5, 0.5, 0.0], γ = 0.9, λ = 0.8 → δ = [0.95, 0.5],
//! advantages [0.95 + 0.72·0.5, 0.5] = [1.31, 0.5], returns [1.81, 1.0].
//! Convention: `values` has T + 1 entries; values[T] is the bootstrap value of the state after
//! the last step: 0 if the episode ended there, V(s_T) if it was cut off. T = 0 → empty outputs.

/// (advantages, returns), both of length T = rewards.len(). `values`: [T + 1].
pub fn gae(rewards: &[f64], values: &[f64], gamma: f64, lambda: f64) -> (Vec<f64>, Vec<f64>) {
    // TODO: walk t from T − 1 down to 0 carrying A_{t+1}.
    todo!()
}
