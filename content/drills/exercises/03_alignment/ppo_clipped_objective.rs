//! PPO's clipped surrogate objective (Schulman et al. 2017), per token.
//!
//! The ratio r = π_new(a|s) / π_old(a|s) = exp(log π_new − log π_old) says how far the updated
//! policy moved on a sampled token; with advantage A and clip range ε (e.g. 0.2):
//!   objective = mean_t min(r_t·A_t, clip(r_t, 1 − ε, 1 + ε)·A_t),   loss = −objective
//! The min is pessimistic: moving beyond the range earns nothing more, but a move that makes
//! things worse (A < 0 with r > 1 + ε, or A > 0 with r < 1 − ε) is still fully counted.
//!
//! Contract: two tokens with log π_new − log π_old = ln 1.5 (r = 1.5), advantages [2, −2],
//! ε = 0.2 → objectives min(3, 2.4) = 2.4 and min(−3, −2.4) = −3 → loss −(2.4 − 3)/2 = 0.3,
//! clip_fraction 1.0. The clip fraction is the share of tokens whose ratio lies outside the
//! range, |r − 1| > ε, whatever the sign of A (the statistic CleanRL and Stable-Baselines3
//! log). Compute r from the log difference: log-probs are large negatives. Batch non-empty.

/// The PPO policy loss and the clip fraction.
#[derive(Debug, Clone, PartialEq)]
pub struct Ppo {
    /// −mean_t min(r_t·A_t, clip(r_t, 1 − ε, 1 + ε)·A_t).
    pub loss: f64,
    /// Share of tokens with |r_t − 1| > ε, in [0, 1].
    pub clip_fraction: f64,
}

/// PPO's clipped policy loss over a batch of tokens; the three slices have the same length.
pub fn ppo_clip_loss(logp_new: &[f64], logp_old: &[f64], advantages: &[f64], clip_eps: f64) -> Ppo {
    // TODO: ratio from the log difference, the two surrogate terms, their min, mean, negate.
    todo!()
}
