//! CTRL repetition penalty: seen tokens' logits are divided (if positive) or multiplied (if not).

/// `logits` with the CTRL repetition penalty applied once to every token id in `generated`.
pub fn repetition_penalty(logits: &[f64], generated: &[usize], penalty: f64) -> Vec<f64> {
    // A set of seen ids, so a token that occurred many times is penalised once.
    let mut seen = vec![false; logits.len()];
    for &t in generated {
        seen[t] = true;
    }
    logits
        .iter()
        .zip(&seen)
        .map(|(&z, &s)| match s {
            false => z,
            true if z > 0.0 => z / penalty,
            true => z * penalty, // negative (or zero) logits move further down
        })
        .collect()
}
