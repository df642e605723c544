//! PPO's clipped surrogate loss and clip fraction.

/// The PPO policy loss and the clip fraction.
#[derive(Debug, Clone, PartialEq)]
pub struct Ppo {
    /// −mean_t min(r_t·A_t, clip(r_t, 1 − ε, 1 + ε)·A_t).
    pub loss: f64,
    /// Share of tokens with |r_t − 1| > ε.
    pub clip_fraction: f64,
}

/// PPO's clipped policy loss over a batch of tokens.
pub fn ppo_clip_loss(logp_new: &[f64], logp_old: &[f64], advantages: &[f64], clip_eps: f64) -> Ppo {
    let n = advantages.len() as f64;
    let mut objective = 0.0;
    let mut clipped = 0usize;
    for ((&new, &old), &a) in logp_new.iter().zip(logp_old).zip(advantages) {
        // exp of the difference: exp(new) / exp(old) would be 0 / 0 for log-probs near −1000.
        let r = (new - old).exp();
        let r_clip = r.clamp(1.0 - clip_eps, 1.0 + clip_eps);
        objective += (r * a).min(r_clip * a); // the pessimistic of the two
        if (r - 1.0).abs() > clip_eps {
            clipped += 1;
        }
    }
    Ppo { loss: -objective / n, clip_fraction: clipped as f64 / n }
}
