//! Top-k filtering: sample only among the k most likely tokens.
//!
//! Keep the k largest logits and set every other one to -inf, so softmax gives the removed
//! tokens probability 0 and renormalises over the k survivors: p'_i = p_i / Σ_{j ∈ top-k} p_j.
//! Ranking by logit is ranking by probability (softmax is monotone), and k does not interact
//! with temperature: dividing by T > 0 keeps the order.
//!
//! Contract: `top_k_filter(&[1.0, 3.0, -2.0, 2.0, 0.5], 2)` → `[-inf, 3.0, -inf, 2.0, -inf]`.
//! Conventions: exactly k logits survive: on a tie at the boundary the lower indices are kept
//! first (`[2.0, 1.0, 2.0, 2.0]` with k = 2 keeps indices 0 and 2); kept logits are returned
//! unchanged; k >= vocabulary size keeps everything; k = 0 means "filter off" and also keeps
//! everything (Hugging Face's `top_k=0`).

/// `logits` with all but the `k` largest set to `f64::NEG_INFINITY` (see the conventions above).
pub fn top_k_filter(logits: &[f64], k: usize) -> Vec<f64> {
    // TODO: rank the indices by (logit descending, index ascending) and mask all but the first k.
    todo!()
}
