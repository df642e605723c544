//! Inverse-CDF sampling from a probability vector with an explicit uniform draw.

/// The first index whose cumulative probability exceeds `u` (`0 <= u < 1`).
pub fn sample_from_probs(probs: &[f64], u: f64) -> usize {
    let mut cum = 0.0;
    for (i, &p) in probs.iter().enumerate() {
        cum += p;
        // Strict: a zero-probability token leaves cum unchanged, so it can never pass here.
        if cum > u {
            return i;
        }
    }
    // The sum rounded to just below u: fall back to the last token that has any mass.
    probs.iter().rposition(|&p| p > 0.0).unwrap_or(0)
}
