//! Perplexity and bits per byte of a language model on a text.
//!
//! With ℓ_t = log p(x_t | x_<t) (natural log) for the N predicted tokens:
//! PPL = exp(-(1/N) Σ_t ℓ_t), the geometric mean of 1/p: a uniform model over V tokens has
//! PPL = V ("as unsure as a V-way choice"). It depends on the tokenizer, so to compare models
//! with different vocabularies use bits per byte = -Σ_t log₂ p(x_t | x_<t) / n_bytes, where
//! n_bytes is the UTF-8 size of the text; log₂ p = ℓ / ln 2.
//!
//! Contract: `perplexity(&[0.5f64.ln(), 0.25f64.ln()])` → `2.828427` (= 2^1.5), and
//! `bits_per_byte(&[0.5f64.ln(), 0.25f64.ln(), 0.125f64.ln()], 4)` → `1.5` (1 + 2 + 3 bits over
//! 4 bytes). `target_logprobs` turns model outputs into the ℓ_t: row t of `logits` is the
//! prediction for `targets[t]`, ℓ_t = log_softmax(logits[t])[targets[t]], computed stably
//! (logits may be ~1000). Conventions: the perplexity of no tokens is undefined, return NaN;
//! n_bytes >= 1.

/// ℓ_t = log softmax(logits[t])[targets[t]] for every t. `logits: [targets.len(), vocab]`.
pub fn target_logprobs(logits: &[Vec<f64>], targets: &[usize]) -> Vec<f64> {
    // TODO: z[target] - logsumexp(z), with the max subtracted inside the logsumexp.
    todo!()
}

/// exp(-mean of `logprobs`); NaN for an empty slice.
pub fn perplexity(logprobs: &[f64]) -> f64 {
    // TODO
    todo!()
}

/// -Σ log₂ p / n_bytes, from natural-log `logprobs`.
pub fn bits_per_byte(logprobs: &[f64], n_bytes: usize) -> f64 {
    // TODO
    todo!()
}
