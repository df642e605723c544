//! The Bradley-Terry reward-model loss (InstructGPT, Ouyang et al. 2022).
//!
//! A reward model scores a chosen and a rejected response to the same prompt; Bradley-Terry
//! models P(chosen ≻ rejected) = σ(r_c − r_r), and training maximises its log-likelihood:
//!   L = −mean_i log σ(r_c,i − r_r,i) = mean_i softplus(−(r_c,i − r_r,i)),
//! with softplus(z) = ln(1 + eᶻ), computed stably as max(z, 0) + ln(1 + e^(−|z|)).
//!
//! Contract: r_chosen [2.0, 0.0], r_rejected [1.0, 0.0] → (softplus(−1) + ln 2)/2 = 0.5032.
//! Margins can be huge either way (±1000): a loss near 0 or near 1000 must come out, never
//! inf or NaN (−ln σ(−1000) written directly is −ln 0). The batch has at least one pair.

/// Mean over pairs of −log σ(r_chosen − r_rejected). Both slices have the batch length.
pub fn bradley_terry_loss(r_chosen: &[f64], r_rejected: &[f64]) -> f64 {
    // TODO: a stable softplus of the negative margin, averaged.
    todo!()
}
