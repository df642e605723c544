//! Online softmax: the running max and running normaliser inside FlashAttention.
//!
//! softmax(x)_i = exp(x_i - m) / l with m = max_j x_j and l = Σ_j exp(x_j - m). The online form
//! reads the row in chunks and keeps a state (m, l); on a chunk c it sets
//! m' = max(m, max c) and l' = l · exp(m - m') + Σ_{j ∈ c} exp(x_j - m'): the old sum was measured
//! against the old max, so it is rescaled. At the end log Σ_j exp(x_j) = m + ln l, the
//! log-sum-exp FlashAttention keeps for its backward pass.
//!
//! Contract: `online_update(5.0, 2.0, &[1.0, 7.0])` → `(7.0, 2e⁻² + e⁻⁶ + 1)` = `(7.0, 1.273149)`;
//! `online_softmax(&[1.0, 2.0, 3.0], 2)` → `([0.0900, 0.2447, 0.6652], 3.407606)`.
//! Conventions: the state before any input is (m, l) = (-inf, 0). An update in which everything
//! seen so far is -inf leaves the state at (-inf, 0), never NaN (beware exp(-inf - (-inf))).
//! A row that is all -inf (fully masked) gives all-zero probabilities and log-sum-exp -inf; an
//! empty row gives `([], -inf)`. Chunks have `b ≥ 1` values, the last one may be shorter, and
//! `b` may exceed the row length (then there is one chunk).

/// One step of the online normaliser: the state `(m, l)` after also reading `chunk`.
pub fn online_update(m: f64, l: f64, chunk: &[f64]) -> (f64, f64) {
    // TODO: new max, rescale the old sum to it, add this chunk's terms.
    todo!()
}

/// Softmax of `x` read in chunks of `b`, and log Σ exp(x): `(probabilities, lse)`.
pub fn online_softmax(x: &[f64], b: usize) -> (Vec<f64>, f64) {
    // TODO: fold online_update over x.chunks(b), then normalise exp(x_i - m) / l.
    todo!()
}
