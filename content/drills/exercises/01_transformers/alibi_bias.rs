//! ALiBi: attention with linear biases instead of position embeddings (Press et al. 2022).
//!
//! Each head h adds -m_h·(i - j) to the score of query i against key j ≤ i: the further back a
//! key, the larger the penalty, at a per-head rate m_h (the slope). Future keys get -inf, so the
//! bias is also the causal mask. Slopes form a geometric sequence: for n heads, n a power of two,
//! m_h = 2^(-8h/n), h = 1..n (n = 8: 1/2, 1/4, …, 1/256). Otherwise, with p the largest power of
//! two below n: the p slopes for p heads, then every other slope of the 2p-head sequence (its
//! 1st, 3rd, 5th, …, 2^(-8(2k-1)/(2p)), k = 1, 2, …) until n slopes are taken, in that order.
//!
//! Contract: `alibi_slopes(2)` → `[0.0625, 0.00390625]` (2^-4, 2^-8); `alibi_slopes(6)` →
//! `[2^-2, 2^-4, 2^-6, 2^-8, 2^-1, 2^-3]`; `alibi_bias(1, 2)` → `[0, -inf, -0.00390625, 0]`
//! (one head, slope 2^-8). The bias is flat [n_heads, t, t]; its diagonal is 0; t = 1 gives zeros.

/// The ALiBi slope of each of `n_heads` heads, in head order (n_heads >= 1).
pub fn alibi_slopes(n_heads: usize) -> Vec<f64> {
    // TODO: the power-of-two sequence, and the interleaving rule for other head counts.
    todo!()
}

/// The causal ALiBi bias, flat [n_heads, t, t]: entry (h, i, j) is -m_h·(i - j) for j <= i and
/// `f64::NEG_INFINITY` for j > i.
pub fn alibi_bias(n_heads: usize, t: usize) -> Vec<f64> {
    // TODO: one [t, t] block per head, using alibi_slopes.
    todo!()
}
