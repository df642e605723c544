//! Numerically stable softmax.
//!
//! softmax(x)_i = exp(x_i) / Σ_j exp(x_j). Written as it stands, exp(1000) overflows to
//! infinity and the result is NaN; attention logits can be that large.
//!
//! Contract: `softmax(&[1.0, 2.0, 3.0])` → `[0.0900, 0.2447, 0.6652]`, and
//! `softmax(&[1000.0, 1000.0])` → `[0.5, 0.5]`. A row that is all `-inf` (every position masked)
//! has no softmax; return all zeros for it, the convention FlashAttention uses. Empty in, empty out.

/// Softmax of `x`; the result has `x.len()` entries summing to 1 (or all zero, see above).
pub fn softmax(x: &[f64]) -> Vec<f64> {
    // TODO: subtract the maximum, exponentiate, normalise.
    todo!()
}
