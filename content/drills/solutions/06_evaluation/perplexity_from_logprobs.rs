//! Perplexity and bits per byte from per-token log-probabilities.

/// ℓ_t = log softmax(logits[t])[targets[t]] for every t. `logits: [targets.len(), vocab]`.
pub fn target_logprobs(logits: &[Vec<f64>], targets: &[usize]) -> Vec<f64> {
    logits
        .iter()
        .zip(targets)
        .map(|(z, &y)| {
            // log Σ exp(z) = m + log Σ exp(z - m): every exponent ≤ 0, no overflow.
            let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let lse = m + z.iter().map(|&x| (x - m).exp()).sum::<f64>().ln();
            z[y] - lse
        })
        .collect()
}

/// exp(-mean of `logprobs`); NaN for an empty slice.
pub fn perplexity(logprobs: &[f64]) -> f64 {
    if logprobs.is_empty() {
        return f64::NAN;
    }
    let mean = logprobs.iter().sum::<f64>() / logprobs.len() as f64;
    (-mean).exp()
}

/// -Σ log₂ p / n_bytes, from natural-log `logprobs`.
pub fn bits_per_byte(logprobs: &[f64], n_bytes: usize) -> f64 {
    // nats → bits: divide by ln 2.
    -logprobs.iter().sum::<f64>() / std::f64::consts::LN_2 / n_bytes as f64
}
