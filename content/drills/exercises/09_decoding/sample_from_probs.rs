//! Sampling a token by inverse-CDF: turn one uniform number into a draw from p.
//!
//! With cumulative sums C_i = p_0 + … + p_i, return the first index i with C_i > u, for u drawn
//! uniformly from [0, 1). Token i is returned exactly when C_{i-1} <= u < C_i, an interval of
//! length p_i, so P(i) = p_i. The draw u is passed in, so the result is deterministic.
//!
//! Contract: `sample_from_probs(&[0.2, 0.5, 0.3], 0.6)` → `1` (C = 0.2, 0.7, 1.0), and u = 0.2
//! also gives 1: C_i must EXCEED u, which is what keeps a zero-probability token (whose C_i
//! equals the previous one) from ever being chosen, u = 0 included. `probs` is non-empty,
//! non-negative and sums to 1 up to rounding; if rounding leaves every C_i <= u (u just below 1,
//! sum 0.9999999999999999), return the LAST index with positive probability, never an index
//! whose probability is 0 and never out of range.

/// The first index whose cumulative probability exceeds `u` (`0 <= u < 1`).
pub fn sample_from_probs(probs: &[f64], u: f64) -> usize {
    // TODO: accumulate; return at the first cumulative sum > u; handle the rounding fall-through.
    todo!()
}
