//! Exposure (Carlini et al. 2019, "The Secret Sharer"): how much more likely a model finds a
//! secret it was trained on than the other secrets it could have been.
//!
//! Insert a canary, "the code of Zed is 4719", into the training text. After training, score every
//! candidate of the same format (all 10⁴ codes) by the model's log-likelihood and sort them, most
//! likely first. If the true code is at rank r among |R| candidates,
//!
//! ```text
//! exposure = log₂ |R| − log₂ r
//! ```
//!
//! in bits: log₂ |R| (13.3 bits for 10⁴ codes) when the canary is the model's first guess, and
//! about 1/ln 2 ≈ 1.44 bits on average for a canary the model never saw (its rank is uniform, and
//! E[log₂ |R| − log₂ r] → log₂ e as |R| grows). An exposure near log₂ |R| means the secret can be
//! extracted by simply enumerating the candidates in order of likelihood.
//!
//! Ranks here are optimistic for the attacker in ties: r = 1 + (number of candidates strictly
//! more likely than the canary).

use crate::{Error, Result};

/// Rank r of the canary among the candidates by log-likelihood, 1 = most likely: one plus the
/// number of candidates strictly more likely. `candidates` should include the canary itself.
pub fn rank(canary: f64, candidates: &[f64]) -> Result<usize> {
    if canary.is_nan() || candidates.iter().any(|c| c.is_nan()) {
        return Err(Error::Config("exposure needs log-likelihoods that are not NaN".into()));
    }
    Ok(1 + candidates.iter().filter(|&&c| c > canary).count())
}

/// Exposure in bits, log₂ |R| − log₂ r, with |R| = `candidates.len()`.
pub fn exposure(canary: f64, candidates: &[f64]) -> Result<f64> {
    if candidates.is_empty() {
        return Err(Error::Config("exposure needs at least one candidate".into()));
    }
    let r = rank(canary, candidates)?;
    Ok((candidates.len() as f64).log2() - (r as f64).log2())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Rng;

    #[test]
    fn exposure_is_log_candidates_at_rank_one_and_zero_at_the_bottom() {
        let cands: Vec<f64> = (0..1024).map(|i| -(i as f64)).collect();
        assert_eq!(exposure(0.0, &cands).unwrap(), 10.0, "first of 1024: 10 bits");
        assert_eq!(exposure(-1023.0, &cands).unwrap(), 0.0, "last: nothing exposed");
        assert_eq!(rank(-3.0, &cands).unwrap(), 4);
        assert_eq!(rank(-3.0, &[-3.0, -3.0, 0.0]).unwrap(), 2, "ties do not count against the canary");
        assert!(exposure(f64::NAN, &cands).is_err() && exposure(0.0, &[]).is_err());
    }

    #[test]
    fn a_canary_at_a_random_rank_has_about_one_and_a_half_bits() {
        // Uniform ranks among 10⁴: the mean exposure tends to log₂ e ≈ 1.443 bits.
        let mut rng = Rng::new(0);
        let cands: Vec<f64> = (0..10_000).map(|i| i as f64).collect();
        let mean = (0..4000).map(|_| exposure(cands[rng.below(10_000)], &cands).unwrap()).sum::<f64>() / 4000.0;
        assert!((mean - std::f64::consts::LOG2_E).abs() < 0.1, "mean exposure {mean}");
    }
}
