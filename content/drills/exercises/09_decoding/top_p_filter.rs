//! Top-p (nucleus) filtering, Holtzman et al. 2019: sample from the smallest set of most likely
//! tokens whose total probability reaches p.
//!
//! With p_i = softmax(z)_i, sort the tokens by probability (largest first) and keep the
//! shortest prefix whose cumulative mass Σ p reaches p; the rest get logit -inf. Unlike top-k,
//! the number kept adapts: a confident model keeps one or two tokens, an unsure one many.
//!
//! Contract: `top_p_filter(&[2.0, 0.0, 1.0, -1.0], 0.8)` → `[2.0, -inf, 1.0, -inf]`
//! (probabilities 0.644, 0.087, 0.237, 0.032: 0.644 < 0.8 ≤ 0.644 + 0.237).
//! Conventions (the library's, and Hugging Face's): walk the tokens in order of logit
//! descending, ties by LOWER index first; keep each token, and stop right after the first one at
//! which the cumulative mass is >= p, so the token that crosses p is kept and a prefix that
//! reaches p exactly keeps no further token; at least one token is always kept (p <= 0 keeps
//! only the top one); p >= 1 means "filter off" and returns the logits unchanged. Kept logits
//! are returned unchanged; `-inf` inputs have probability 0 and stay `-inf`; at least one logit
//! is finite. Compute the softmax stably (logits may be ~1000).

/// `logits` with every token outside the top-p nucleus set to `f64::NEG_INFINITY`.
pub fn top_p_filter(logits: &[f64], p: f64) -> Vec<f64> {
    // TODO: p >= 1 first; then softmax, order the indices, accumulate mass, mask after the cut.
    todo!()
}
