//! Greedy decoding: take the most likely next token.
//!
//! Softmax is monotone, so the most probable token is the one with the largest logit:
//! next = argmax_i z_i, no softmax needed. Greedy decoding is temperature → 0 sampling and
//! beam search with width 1.
//!
//! Contract: `greedy_token(&[0.1, 2.5, -1.0, 2.5])` → `1`. Ties go to the LOWEST index (so the
//! answer never depends on iteration order). Logits may be negative or `-inf` (masked); a row
//! that is all `-inf` is one big tie, so the answer is 0. The input is non-empty and has no NaN.

/// Index of the largest logit in `logits`, the lowest such index on ties.
pub fn greedy_token(logits: &[f64]) -> usize {
    // TODO: scan once, remembering the best index; replace it only on a strictly larger value.
    todo!()
}
